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
import { conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { getResident } from '../../org/index.js';
import { getCase, reportCase } from '../cases-port.js';
import { applyForMatter, getActivityForStaff, getApplication, signUp } from '../services-port.js';
import { proxyRepo } from '../repository.js';
import { filterNode, iso, pathScopeOf, requireText } from './common.js';

const KIND_NAMES = { case: '事件上报', service: '事项代办', activity: '活动报名' } as const;
const STATE_NAMES = { open: '办理中', done: '已办结', cancelled: '已取消' } as const;
const REF_LABELS: Record<string, string> = { case: '案卷编号', svc_application: '申请编号' };
const shanghai = (s: string) => new Date(new Date(s).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
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

/**
 * The start of every proxy action: the permission, a retry answered with the record it already made
 * (by idempotency key), and the resident — in the caller's scope (404 outside) and still registered.
 */
async function beginProxy(
  ctx: AppContext,
  actor: Actor,
  residentId: string,
  idempotencyKey: string | null | undefined,
  reveal: Parameters<typeof getResident>[3] = [],
): Promise<{ replay: ProxyView } | { replay: null; key: string | null; r: Awaited<ReturnType<typeof getResident>>; as: Actor }> {
  requirePermission(actor, 'gridwork.proxy');
  const key = idempotencyKey ? `${actor.userId ?? actor.username}:${idempotencyKey}` : null;
  if (key) {
    const p = await proxyRepo.byIdemKey(ctx.db, key);
    if (p) return { replay: { ...(await proxyView(ctx, p)), created: false } };
  }
  const r = await getResident(ctx, actor, residentId, reveal);
  if (r.status !== 'resident') throw conflict('该居民已不在册');
  return { replay: null, key, r, as: actingFor(actor, r.id) };
}

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
  // the phone goes to the case's reporter fields (encrypted there), so reading it is logged
  const b = await beginProxy(ctx, actor, input.residentId, input.idempotencyKey, ['phone']);
  if (b.replay) return b.replay;
  const { key, r, as } = b;
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

type ProxyInsert = Omit<ProxyRow, 'ref_type' | 'ref_id' | 'created_at' | 'updated_at' | 'closed_at'> & { ref_type: string; ref_id: string; created_at: Date; updated_at: Date; closed_at: Date | null };

/**
 * Stores the proxy record of something done in another module for a resident, with its audit row
 * (staff member acting for the resident), once per referenced record and idempotency key.
 */
async function saveLinkedProxy(ctx: AppContext, as: Actor, row: ProxyInsert, action: string, after: Record<string, unknown>): Promise<ProxyRow> {
  try {
    await withTx(ctx, async (trx) => {
      const exists = await trx.selectFrom('proxy_services').select('id').where('ref_type', '=', row.ref_type).where('ref_id', '=', row.ref_id).executeTakeFirst();
      if (exists) return;
      await trx.insertInto('proxy_services').values(row).execute();
      await audit(trx, ctx.clock, as, { action, entity: 'proxy_service', entityId: row.id, after });
    });
  } catch (err) {
    if ((err as { code?: string }).code !== '23505') throw err;
  }
  return (row.idem_key && (await proxyRepo.byIdemKey(ctx.db, row.idem_key))) || (await ctx.db.selectFrom('proxy_services').selectAll().where('ref_type', '=', row.ref_type).where('ref_id', '=', row.ref_id).executeTakeFirstOrThrow());
}

/**
 * Applies for a matter of the services catalogue (办事指南) on a resident's behalf (帮代办). The
 * application is made through services (it is the resident's application there, recorded as made by
 * the staff member for them); our record links it, and the resident's receipt carries its number and
 * a tracking code. Progress follows the application.
 */
export async function proxyApplyService(
  ctx: AppContext,
  actor: Actor,
  input: { residentId: string; matterId: string; details?: string | null; phone?: string | null; files?: string[]; idempotencyKey?: string | null },
): Promise<ProxyView> {
  const b = await beginProxy(ctx, actor, input.residentId, input.idempotencyKey);
  if (b.replay) return b.replay;
  const { key, r, as } = b;
  const a = await applyForMatter(ctx, actor, { matterId: input.matterId, residentId: r.id, details: input.details ?? '', phone: input.phone ?? null, files: input.files ?? [] });
  const now = ctx.clock.now();
  const row: ProxyInsert = {
    id: newId(),
    resident_id: r.id,
    node_path: r.nodePath,
    staff_id: actor.userId,
    staff_name: actor.displayName,
    kind: 'service',
    item: a.matter.name,
    ref_type: 'svc_application',
    ref_id: a.id,
    ref_number: a.number,
    track_code: newCode(),
    state: 'open',
    details: input.details?.trim().slice(0, 2000) || null,
    result: null,
    idem_key: key,
    created_at: now,
    updated_at: now,
    closed_at: null,
  };
  const saved = await saveLinkedProxy(ctx, as, row, 'proxy.service', { residentId: r.id, applicationId: a.id, applicationNumber: a.number, matter: a.matter.code, trackCode: row.track_code });
  return { ...(await proxyView(ctx, saved)), created: saved.id === row.id };
}

/**
 * Signs a resident up for a community activity on their behalf (代为报名). The sign-up is made through
 * services (capacity, waiting list and eligibility are its rules); our record links it and the
 * resident's receipt shows the outcome (报名成功 or the place on the waiting list).
 */
export async function proxySignUp(ctx: AppContext, actor: Actor, input: { residentId: string; activityId: string; idempotencyKey?: string | null }): Promise<ProxyView> {
  const b = await beginProxy(ctx, actor, input.residentId, input.idempotencyKey);
  if (b.replay) return b.replay;
  const { key, r, as } = b;
  // the title for the receipt; services decides below whether the sign-up is allowed
  let title = '社区活动';
  let startsAt: string | null = null;
  try {
    const act = await getActivityForStaff(ctx, actor, input.activityId);
    title = act.title;
    startsAt = act.startsAt;
  } catch {
    /* an open activity outside the staff member's area: signUp decides */
  }
  const s = await signUp(ctx, actor, input.activityId, r.id);
  const now = ctx.clock.now();
  const outcome = s.status === 'waiting' ? `候补中（第 ${s.position ?? '?'} 位）` : s.statusName;
  const row: ProxyInsert = {
    id: newId(),
    resident_id: r.id,
    node_path: r.nodePath,
    staff_id: actor.userId,
    staff_name: actor.displayName,
    kind: 'activity',
    item: title,
    ref_type: 'svc_signup',
    ref_id: s.id,
    ref_number: null,
    track_code: newCode(),
    // the sign-up itself is done: its outcome is the result
    state: 'done',
    details: startsAt ? `活动时间：${shanghai(startsAt)}` : null,
    result: outcome,
    idem_key: key,
    created_at: now,
    updated_at: now,
    closed_at: now,
  };
  const saved = await saveLinkedProxy(ctx, as, row, 'proxy.activity', { residentId: r.id, activityId: input.activityId, signupId: s.id, status: s.status, trackCode: row.track_code });
  return { ...(await proxyView(ctx, saved)), created: saved.id === row.id };
}

/** Records the result of a service application (办结) or cancels it. */
export async function closeProxyService(ctx: AppContext, actor: Actor, id: string, input: { state: 'done' | 'cancelled'; result: string }): Promise<ProxyView> {
  requirePermission(actor, 'gridwork.proxy');
  const p = await proxyRepo.byId(ctx.db, id);
  if (!p) throw notFound('代办记录不存在');
  assertRowInScope(actor, p.node_path);
  if (p.kind === 'case') throw conflict('事件上报的办理进度以案卷为准');
  if (p.ref_type === 'svc_application') throw conflict('事项申请的办理进度以受理窗口的审核结果为准');
  if (p.kind === 'activity') throw conflict('活动报名已完成，如需取消请在活动报名中办理');
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

/** A proxy record with its state followed in the module that holds the linked case or application. */
export async function proxyView(ctx: AppContext, p: ProxyRow): Promise<ProxyView> {
  const v = viewProxy(p, await residentName(ctx, p.resident_id));
  if (p.kind === 'case' && p.ref_id) {
    try {
      const c = await getCase(ctx, systemActor(), p.ref_id);
      v.stateName = c.stateName;
      v.state = ['closed', 'rejected', 'merged'].includes(c.state) ? 'done' : 'open';
    } catch {
      /* the case is gone: keep our state */
    }
  } else if (p.ref_type === 'svc_application' && p.ref_id) {
    try {
      const a = await getApplication(ctx, systemActor(), p.ref_id);
      v.stateName = a.statusName;
      v.state = ['approved', 'rejected'].includes(a.status) ? 'done' : a.status === 'withdrawn' ? 'cancelled' : 'open';
      v.result = a.result;
      v.closedAt = a.decidedAt;
    } catch {
      /* the application is gone: keep our state */
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
  doc.font('cn-bold').fontSize(20).text('帮代办服务回执', { align: 'center' });
  doc.moveDown(0.5).font('cn').fontSize(10).fillColor('#666').text('OneGrid 一网统管 · 基层治理平台', { align: 'center' }).fillColor('#000');
  doc.moveDown(1.2).fontSize(12);
  const line = (k: string, val: string | null) => doc.font('cn-bold').text(`${k}：`, { continued: true }).font('cn').text(val ?? '—');
  line('查询码', v.trackCode);
  const refLabel = (v.refType && REF_LABELS[v.refType]) || '编号';
  if (v.refNumber) line(refLabel, v.refNumber);
  line('办理类型', v.kindName);
  line('办理事项', v.item);
  line('服务对象', v.residentName);
  line('代办人员', v.staffName);
  line('受理时间', shanghai(v.createdAt));
  line('当前状态', v.stateName);
  if (v.details) line('内容', v.details);
  if (v.result) line('办理结果', v.result);
  doc.moveDown(1).fontSize(10).fillColor('#444').text(`凭查询码 ${v.trackCode}${v.refNumber ? ` 或${refLabel} ${v.refNumber}` : ''} 可在居民端“办事进度”查询。本回执由工作人员代为办理后出具，居民本人签收。`);
  doc.moveDown(2).fillColor('#000').text('居民签字：____________        工作人员签字：____________');
  return { pdf: await pdfBuffer(doc), fileName: `receipt-${v.trackCode}.pdf` };
}
