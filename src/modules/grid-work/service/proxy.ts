import { randomInt } from 'node:crypto';
import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { systemActor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { assertRowInScope } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { createPdf, pdfBuffer } from '../../../platform/pdf/pdf.js';
import { maskName } from '../../../platform/crypto.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { getResident } from '../../org/index.js';
import { getCase, reportCase } from '../cases-port.js';
import { proxyRepo } from '../repository.js';
import { filterNode, iso, pathScopeOf, requireText } from './common.js';

/** Common 帮代办 items a counter or a grid worker handles for a resident. */
export const PROXY_SERVICE_ITEMS = ['高龄津贴申领', '养老保险待遇资格认证', '居住证明开具', '残疾人证办理', '低保申请', '医保报销代办', '临时救助申请', '水电燃气报装', '其他'] as const;

const KIND_NAMES = { case: '事件上报', service: '事项代办', activity: '活动报名' } as const;
const STATE_NAMES = { open: '办理中', done: '已办结', cancelled: '已取消' } as const;
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

export interface ProxyView {
  id: string;
  residentId: string;
  residentName: string;
  staffName: string;
  kind: 'case' | 'service' | 'activity';
  kindName: string;
  item: string;
  refType: string | null;
  refId: string | null;
  refNumber: string | null;
  trackCode: string;
  state: 'open' | 'done' | 'cancelled';
  stateName: string;
  details: string | null;
  result: string | null;
  createdAt: string;
  closedAt: string | null;
  created?: boolean;
}

type ProxyRow = NonNullable<Awaited<ReturnType<typeof proxyRepo.byId>>>;
const viewProxy = (p: ProxyRow, residentName: string): ProxyView => ({
  id: p.id,
  residentId: p.resident_id,
  residentName,
  staffName: p.staff_name,
  kind: p.kind,
  kindName: KIND_NAMES[p.kind],
  item: p.item,
  refType: p.ref_type,
  refId: p.ref_id,
  refNumber: p.ref_number,
  trackCode: p.track_code,
  state: p.state,
  stateName: STATE_NAMES[p.state],
  details: p.details,
  result: p.result,
  createdAt: new Date(p.created_at).toISOString(),
  closedAt: iso(p.closed_at),
});

/** The staff actor acting for a resident: every write it makes records both people. */
export const actingFor = (actor: Actor, residentId: string): Actor => ({ ...actor, actingForResidentId: residentId });

function newCode(): string {
  let s = 'D';
  for (let i = 0; i < 7; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/**
 * Reports a case for a resident (帮代办). The case is reported on the proxy channel by the staff
 * member acting for the resident: the case's audit row and ours carry both; the resident's
 * receipt carries the case number and its tracking code.
 */
export async function proxyReportCase(
  ctx: AppContext,
  actor: Actor,
  input: { residentId: string; description: string; location: { lng: number; lat: number }; address?: string | null; categoryCode?: string | null; photos?: string[]; idempotencyKey?: string | null },
): Promise<ProxyView> {
  requirePermission(actor, 'gridwork.proxy');
  const key = input.idempotencyKey ? `${actor.userId ?? actor.username}:${input.idempotencyKey}` : null;
  if (key) {
    const p = await proxyRepo.byIdemKey(ctx.db, key);
    if (p) return { ...(await proxyView(ctx, p)), created: false };
  }
  // scope (404 outside); the phone goes to the case's reporter fields (encrypted there), so reading it is logged
  const r = await getResident(ctx, actor, input.residentId, ['phone']);
  if (r.status !== 'resident') throw conflict('该居民已不在册');
  const as = actingFor(actor, r.id);
  const c = await reportCase(ctx, as, {
    description: input.description,
    location: input.location,
    address: input.address ?? null,
    categoryCode: input.categoryCode ?? null,
    channel: 'proxy',
    reporter: { name: r.name, phone: r.phone },
    photos: input.photos ?? [],
    idempotencyKey: key ? `proxy:${input.idempotencyKey}` : null,
  });
  const now = ctx.clock.now();
  const row = {
    id: newId(),
    resident_id: r.id,
    node_path: r.nodePath,
    staff_id: actor.userId,
    staff_name: actor.displayName,
    kind: 'case' as const,
    item: '事件上报',
    ref_type: 'case',
    ref_id: c.id,
    ref_number: c.number,
    track_code: c.trackCode,
    state: 'open' as const,
    details: input.description.trim().slice(0, 2000),
    result: null,
    idem_key: key,
    created_at: now,
    updated_at: now,
    closed_at: null,
  };
  try {
    await withTx(ctx, async (trx) => {
      const exists = await trx.selectFrom('proxy_services').select('id').where('ref_type', '=', 'case').where('ref_id', '=', c.id).executeTakeFirst();
      if (exists) return;
      await trx.insertInto('proxy_services').values(row).execute();
      await audit(trx, ctx.clock, as, { action: 'proxy.case', entity: 'proxy_service', entityId: row.id, after: { residentId: r.id, caseId: c.id, caseNumber: c.number } });
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
  }
  const saved = (key && (await proxyRepo.byIdemKey(ctx.db, key))) || (await ctx.db.selectFrom('proxy_services').selectAll().where('ref_type', '=', 'case').where('ref_id', '=', c.id).executeTakeFirstOrThrow());
  return { ...viewProxy(saved, r.name), created: saved.id === row.id };
}

/** Applies for a service on a resident's behalf (e.g. 高龄津贴申领); it stays open until the staff record the result. */
export async function proxyApplyService(ctx: AppContext, actor: Actor, input: { residentId: string; item: string; details?: string | null; idempotencyKey?: string | null }): Promise<ProxyView> {
  requirePermission(actor, 'gridwork.proxy');
  if (!(PROXY_SERVICE_ITEMS as readonly string[]).includes(input.item)) throw invalid('提交的数据有误', [{ field: 'item', message: `须为 ${PROXY_SERVICE_ITEMS.join('、')} 之一` }]);
  const key = input.idempotencyKey ? `${actor.userId ?? actor.username}:${input.idempotencyKey}` : null;
  if (key) {
    const p = await proxyRepo.byIdemKey(ctx.db, key);
    if (p) return { ...(await proxyView(ctx, p)), created: false };
  }
  const r = await getResident(ctx, actor, input.residentId);
  if (r.status !== 'resident') throw conflict('该居民已不在册');
  const as = actingFor(actor, r.id);
  const now = ctx.clock.now();
  const row = {
    id: newId(),
    resident_id: r.id,
    node_path: r.nodePath,
    staff_id: actor.userId,
    staff_name: actor.displayName,
    kind: 'service' as const,
    item: input.item,
    ref_type: null,
    ref_id: null,
    ref_number: null,
    track_code: newCode(),
    state: 'open' as const,
    details: input.details?.trim().slice(0, 2000) || null,
    result: null,
    idem_key: key,
    created_at: now,
    updated_at: now,
    closed_at: null,
  };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('proxy_services').values(row).execute();
    await audit(trx, ctx.clock, as, { action: 'proxy.service', entity: 'proxy_service', entityId: row.id, after: { residentId: r.id, item: row.item, trackCode: row.track_code } });
  });
  return { ...viewProxy(row, r.name), created: true };
}

/** Records the result of a service application (办结) or cancels it. */
export async function closeProxyService(ctx: AppContext, actor: Actor, id: string, input: { state: 'done' | 'cancelled'; result: string }): Promise<ProxyView> {
  requirePermission(actor, 'gridwork.proxy');
  const p = await proxyRepo.byId(ctx.db, id);
  if (!p) throw notFound('代办记录不存在');
  assertRowInScope(actor, p.node_path);
  if (p.kind === 'case') throw conflict('事件上报的办理进度以案卷为准');
  if (p.state !== 'open') throw conflict('该代办事项已办结或已取消');
  const result = requireText(input.result, 'result', 500);
  const now = ctx.clock.now();
  const as = actingFor(actor, p.resident_id);
  await withTx(ctx, async (trx) => {
    await trx.updateTable('proxy_services').set({ state: input.state, result, updated_at: now, closed_at: now }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, as, { action: `proxy.${input.state}`, entity: 'proxy_service', entityId: id, before: { state: p.state }, after: { state: input.state, result } });
  });
  return proxyView(ctx, (await proxyRepo.byId(ctx.db, id))!);
}

async function residentName(ctx: AppContext, id: string): Promise<string> {
  const r = await ctx.db.selectFrom('residents').select('name').where('id', '=', id).executeTakeFirst();
  return r?.name ?? '';
}

async function proxyView(ctx: AppContext, p: ProxyRow): Promise<ProxyView> {
  const v = viewProxy(p, await residentName(ctx, p.resident_id));
  if (p.kind === 'case' && p.ref_id) {
    try {
      const c = await getCase(ctx, systemActor(), p.ref_id);
      v.stateName = c.stateName;
      v.state = ['closed', 'rejected', 'merged'].includes(c.state) ? 'done' : 'open';
    } catch {
      /* the case is gone: keep our state */
    }
  }
  return v;
}

/** One proxy record: staff in scope, or the resident it was done for. */
export async function getProxy(ctx: AppContext, actor: Actor, id: string): Promise<ProxyView> {
  const p = await proxyRepo.byId(ctx.db, id);
  if (!p) throw notFound('代办记录不存在');
  if (actor.residentId !== p.resident_id) {
    requirePermission(actor, 'gridwork.proxy');
    assertRowInScope(actor, p.node_path);
  }
  return proxyView(ctx, p);
}

export async function listProxy(ctx: AppContext, actor: Actor, q: { nodeId?: string; state?: string; kind?: string; mine?: boolean; page: number; pageSize: number }) {
  requirePermission(actor, 'gridwork.proxy');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const { rows, total } = await proxyRepo.list(ctx.db, pathScopeOf(actor), { under: n?.path, state: q.state, kind: q.kind, staffId: q.mine ? (actor.userId ?? undefined) : undefined, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
  return { items: rows.map((r) => viewProxy(r, r.resident_name)), total, page: q.page, pageSize: q.pageSize };
}

/** The receipts of what staff did for the signed-in resident. */
export async function myProxyServices(ctx: AppContext, actor: Actor): Promise<ProxyView[]> {
  if (!actor.residentId) return [];
  const rows = await proxyRepo.ofResidents(ctx.db, [actor.residentId]);
  return Promise.all(rows.map((r) => proxyView(ctx, r)));
}

/** Public tracking of a proxy service by its code: no personal data. */
export async function trackProxy(ctx: AppContext, code: string) {
  const s = code.trim().toUpperCase();
  if (!/^[A-Z0-9]{6,8}$/.test(s)) throw notFound('未找到该代办事项，请核对查询码');
  const p = await proxyRepo.byCode(ctx.db, s);
  if (!p) throw notFound('未找到该代办事项，请核对查询码');
  const v = await proxyView(ctx, p);
  return { trackCode: v.trackCode, kindName: v.kindName, item: v.item, refNumber: v.refNumber, stateName: v.stateName, createdAt: v.createdAt, closedAt: v.closedAt, resident: maskName(v.residentName) };
}

/** The printable receipt (回执) given to the resident: A5-like layout on A4, with the tracking code. */
export async function proxyReceiptPdf(ctx: AppContext, actor: Actor, id: string): Promise<{ pdf: Buffer; fileName: string }> {
  const v = await getProxy(ctx, actor, id);
  const doc = createPdf({ title: `帮代办回执 ${v.trackCode}` });
  const shanghai = (s: string) => new Date(new Date(s).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  doc.font('cn-bold').fontSize(20).text('帮代办服务回执', { align: 'center' });
  doc.moveDown(0.5).font('cn').fontSize(10).fillColor('#666').text('OneGrid 一网统管 · 基层治理平台', { align: 'center' }).fillColor('#000');
  doc.moveDown(1.2).fontSize(12);
  const line = (k: string, val: string | null) => doc.font('cn-bold').text(`${k}：`, { continued: true }).font('cn').text(val ?? '—');
  line('查询码', v.trackCode);
  if (v.refNumber) line('案卷编号', v.refNumber);
  line('办理类型', v.kindName);
  line('办理事项', v.item);
  line('服务对象', v.residentName);
  line('代办人员', v.staffName);
  line('受理时间', shanghai(v.createdAt));
  line('当前状态', v.stateName);
  if (v.details) line('内容', v.details);
  if (v.result) line('办理结果', v.result);
  doc.moveDown(1).fontSize(10).fillColor('#444').text(`凭查询码 ${v.trackCode}${v.refNumber ? ` 或案卷编号 ${v.refNumber}` : ''} 可在居民端“办事进度”查询。本回执由工作人员代为办理后出具，居民本人签收。`);
  doc.moveDown(2).fillColor('#000').text('居民签字：____________        工作人员签字：____________');
  return { pdf: await pdfBuffer(doc), fileName: `receipt-${v.trackCode}.pdf` };
}
