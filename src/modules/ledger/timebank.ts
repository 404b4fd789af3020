import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor, type Actor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { scopeCoversPath, scopeOf } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { getResident, type ResidentView } from '../org/index.js';
import { ledgerRepo, type ExchangeRow, type PostRow } from './repository.js';
import { communityAccount, communityPathOf, postTransfer, residentAccount, viewTransfer, withRetry, type TransferView } from './service.js';

/** Kinds of help exchanged in the time bank (陪伴, 代买, 维修 ...). */
export const TIMEBANK_CATEGORIES = ['陪伴', '代买', '维修', '助餐', '理发', '出行', '家政', '其他'] as const;

export interface PostView {
  id: string;
  kind: 'offer' | 'request';
  category: string;
  title: string;
  description: string;
  residentId: string;
  residentName: string;
  minutes: number;
  useOwnHours: boolean;
  status: string;
  createdAt: string;
}
const viewPost = (p: PostRow): PostView => ({
  id: p.id,
  kind: p.kind,
  category: p.category,
  title: p.title,
  description: p.description,
  residentId: p.resident_id,
  residentName: p.resident_name,
  minutes: p.minutes,
  useOwnHours: p.use_own_hours,
  status: p.status,
  createdAt: new Date(p.created_at).toISOString(),
});

export interface ExchangeView {
  id: string;
  requestId: string;
  requestTitle?: string;
  category?: string;
  offerId: string | null;
  volunteerId: string;
  volunteerName: string;
  recipientId: string;
  recipientName?: string;
  minutes: number | null;
  status: string;
  transferId: string | null;
  confirmedAt: string | null;
  createdAt: string;
}
const viewExchange = (e: ExchangeRow & { request_title?: string; category?: string; recipient_name?: string }): ExchangeView => ({
  id: e.id,
  requestId: e.request_id,
  requestTitle: e.request_title,
  category: e.category,
  offerId: e.offer_id,
  volunteerId: e.volunteer_id,
  volunteerName: e.volunteer_name,
  recipientId: e.recipient_id,
  recipientName: e.recipient_name,
  minutes: e.minutes,
  status: e.status,
  transferId: e.transfer_id,
  confirmedAt: e.confirmed_at ? new Date(e.confirmed_at).toISOString() : null,
  createdAt: new Date(e.created_at).toISOString(),
});

async function resident(ctx: AppContext, id: string): Promise<ResidentView> {
  const r = await getResident(ctx, systemActor(), id).catch(() => null);
  if (!r) throw notFound('居民不存在');
  return r;
}

/** The org path whose time-bank posts the actor may see: staff their subtree, residents their community. */
async function timebankPath(ctx: AppContext, actor: Actor): Promise<string | null | 'none'> {
  const s = scopeOf(actor);
  if (s.kind === 'all') return null;
  if (s.kind === 'subtree') return s.path;
  if (actor.residentId) return communityPathOf((await resident(ctx, actor.residentId)).nodePath);
  return 'none';
}

const mayStaff = (actor: Actor, path: string) => can(actor, 'ledger.approve') && scopeCoversPath(actor, path);

export async function createPost(
  ctx: AppContext,
  actor: Actor,
  input: { kind: 'offer' | 'request'; category: string; title: string; description?: string; minutes: number; useOwnHours?: boolean; residentId?: string },
): Promise<PostView> {
  const residentId = input.residentId ?? actor.residentId;
  if (!residentId) throw forbidden('只有居民（或社区工作人员代为）可以发布时间银行需求与服务');
  const r = await resident(ctx, residentId);
  if (residentId !== actor.residentId && !mayStaff(actor, r.nodePath)) throw notFound('居民不存在或无权查看');
  if (r.status !== 'resident') throw conflict('该居民已迁出或注销');
  if (input.kind === 'offer' && input.useOwnHours) throw invalid('提供服务时不能选择使用自己的时间', [{ field: 'useOwnHours', message: '仅适用于求助' }]);
  const now = ctx.clock.now();
  const row: PostRow = {
    id: newId(),
    kind: input.kind,
    category: input.category,
    title: input.title,
    description: input.description ?? '',
    resident_id: r.id,
    resident_name: r.name,
    node_path: r.nodePath,
    minutes: input.minutes,
    use_own_hours: input.useOwnHours ?? false,
    status: 'open',
    created_at: now,
    updated_at: now,
  };
  await withTx(ctx, async (trx) => {
    await ledgerRepo.insertPost(trx, row);
    await audit(trx, ctx.clock, actor, { action: `timebank.${input.kind}.create`, entity: 'timebank_post', entityId: row.id, after: row });
  });
  return viewPost(row);
}

export async function listPosts(
  ctx: AppContext,
  actor: Actor,
  f: { kind?: 'offer' | 'request'; category?: string; status?: string; mine?: boolean; page: number; pageSize: number },
): Promise<{ items: PostView[]; total: number; page: number; pageSize: number }> {
  const path = await timebankPath(ctx, actor);
  if (path === 'none') return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
  const { rows, total } = await ledgerRepo.listPosts(ctx.db, { path, residentId: f.mine ? (actor.residentId ?? '00000000-0000-0000-0000-000000000000') : undefined, kind: f.kind, category: f.category, status: f.status, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewPost), total, page: f.page, pageSize: f.pageSize };
}

async function visiblePost(ctx: AppContext, actor: Actor, id: string): Promise<PostRow> {
  const p = await ledgerRepo.postById(ctx.db, id);
  const path = await timebankPath(ctx, actor);
  if (!p || path === 'none' || (path !== null && !(p.node_path === path || p.node_path.startsWith(path + '/')))) throw notFound('时间银行记录不存在');
  return p;
}

/** Open offers of the same kind of help in the request's community, volunteers with more served hours first. */
export async function matchesFor(ctx: AppContext, actor: Actor, requestId: string): Promise<Array<PostView & { servedMinutes: number }>> {
  const req = await visiblePost(ctx, actor, requestId);
  if (req.kind !== 'request') throw invalid('只能为求助匹配服务');
  const { rows } = await ledgerRepo.listPosts(ctx.db, { path: communityPathOf(req.node_path), kind: 'offer', category: req.category, status: 'open', limit: 50, offset: 0 });
  const offers = rows.filter((o) => o.resident_id !== req.resident_id);
  const served = await ledgerRepo.servedMinutes(ctx.db, offers.map((o) => o.resident_id));
  return offers.map((o) => ({ ...viewPost(o), servedMinutes: served.get(o.resident_id) ?? 0 })).sort((a, b) => b.servedMinutes - a.servedMinutes || a.createdAt.localeCompare(b.createdAt));
}

/**
 * Matches a request with a volunteer: staff pick an offer, or a volunteer takes the request
 * themselves. One live exchange per request.
 */
export async function createExchange(ctx: AppContext, actor: Actor, input: { requestId: string; offerId?: string }): Promise<ExchangeView> {
  const req0 = await visiblePost(ctx, actor, input.requestId);
  if (req0.kind !== 'request') throw invalid('只能响应求助');
  let volunteerId: string;
  let offer: PostRow | undefined;
  if (input.offerId) {
    offer = await visiblePost(ctx, actor, input.offerId);
    if (offer.kind !== 'offer' || offer.status !== 'open') throw conflict('该服务已不可用');
    if (offer.category !== req0.category) throw invalid('服务类别与求助不一致');
    if (offer.resident_id !== actor.residentId && !mayStaff(actor, req0.node_path)) throw forbidden('只有社区工作人员或该志愿者本人可以匹配');
    volunteerId = offer.resident_id;
  } else {
    if (!actor.residentId) throw invalid('请选择一项志愿服务', [{ field: 'offerId', message: '为必填项' }]);
    volunteerId = actor.residentId;
  }
  if (volunteerId === req0.resident_id) throw conflict('不能响应自己的求助');
  const volunteer = await resident(ctx, volunteerId);
  if (communityPathOf(volunteer.nodePath) !== communityPathOf(req0.node_path) && !mayStaff(actor, req0.node_path)) throw forbidden('只能响应本社区的求助');
  return withTx(ctx, async (trx) => {
    const req = (await ledgerRepo.postById(trx, input.requestId, true))!;
    if (req.status !== 'open') throw conflict('该求助已有人响应或已关闭');
    const now = ctx.clock.now();
    const row: ExchangeRow = {
      id: newId(),
      request_id: req.id,
      offer_id: offer?.id ?? null,
      volunteer_id: volunteer.id,
      volunteer_name: volunteer.name,
      recipient_id: req.resident_id,
      node_path: req.node_path,
      minutes: null,
      status: 'matched',
      confirmed_by: null,
      confirmed_at: null,
      transfer_id: null,
      created_at: now,
    };
    await ledgerRepo.insertExchange(trx, row);
    await ledgerRepo.setPostStatus(trx, req.id, 'matched', now);
    await audit(trx, ctx.clock, actor, { action: 'timebank.match', entity: 'timebank_exchange', entityId: row.id, after: row });
    return viewExchange({ ...row, request_title: req.title, category: req.category, recipient_name: req.resident_name });
  });
}

/**
 * The person served (or staff) confirms the hours: the minutes move from the requester's own stored
 * time (if the request said so) or from the community's time pool to the volunteer's time account.
 */
export async function confirmExchange(ctx: AppContext, actor: Actor, id: string, input: { minutes: number }): Promise<ExchangeView & { transfer: TransferView }> {
  const e0 = await ledgerRepo.exchangeById(ctx.db, id);
  if (!e0) throw notFound('服务记录不存在');
  const isRecipient = actor.residentId !== null && actor.residentId === e0.recipient_id;
  if (!isRecipient && !mayStaff(actor, e0.node_path)) {
    if (actor.residentId === e0.volunteer_id) throw forbidden('服务时长须由被服务人或社区工作人员确认');
    throw notFound('服务记录不存在');
  }
  if (e0.status !== 'matched') throw conflict(e0.status === 'confirmed' ? '服务时长已确认' : '该服务已取消');
  const req0 = (await ledgerRepo.postById(ctx.db, e0.request_id))!;
  const payer = req0.use_own_hours ? await residentAccount(ctx, e0.recipient_id, 'time') : await communityAccount(ctx, e0.node_path, 'time');
  const payee = await residentAccount(ctx, e0.volunteer_id, 'time');
  return withRetry(() =>
    withTx(ctx, async (trx) => {
      const e = (await ledgerRepo.exchangeById(trx, id, true))!;
      if (e.status !== 'matched') throw conflict(e.status === 'confirmed' ? '服务时长已确认' : '该服务已取消');
      const req = (await ledgerRepo.postById(trx, e.request_id))!;
      const now = ctx.clock.now();
      await ledgerRepo.updateExchange(trx, id, { status: 'confirmed', minutes: input.minutes, confirmed_by: actor.userId, confirmed_at: now });
      await ledgerRepo.setPostStatus(trx, req.id, 'done', now);
      const { transfer } = await postTransfer(ctx, trx, actor, {
        from: payer.id,
        to: payee.id,
        amount: input.minutes,
        currency: 'time',
        kind: 'timebank',
        memo: `${req.category}：${req.title}`.slice(0, 200),
        idempotencyKey: `exchange:${id}`,
        refKind: 'exchange',
        refId: id,
      });
      await ledgerRepo.updateExchange(trx, id, { transfer_id: transfer.id });
      await audit(trx, ctx.clock, actor, { action: 'timebank.confirm', entity: 'timebank_exchange', entityId: id, before: { status: e.status }, after: { status: 'confirmed', minutes: input.minutes, transferId: transfer.id, by: isRecipient ? 'recipient' : 'staff' } });
      return { ...viewExchange({ ...e, status: 'confirmed', minutes: input.minutes, transfer_id: transfer.id, confirmed_at: now, request_title: req.title, category: req.category, recipient_name: req.resident_name }), transfer: viewTransfer(transfer) };
    }),
  );
}

export async function cancelExchange(ctx: AppContext, actor: Actor, id: string): Promise<ExchangeView> {
  const e0 = await ledgerRepo.exchangeById(ctx.db, id);
  if (!e0) throw notFound('服务记录不存在');
  const party = actor.residentId !== null && (actor.residentId === e0.recipient_id || actor.residentId === e0.volunteer_id);
  if (!party && !mayStaff(actor, e0.node_path)) throw notFound('服务记录不存在');
  return withTx(ctx, async (trx) => {
    const e = (await ledgerRepo.exchangeById(trx, id, true))!;
    if (e.status !== 'matched') throw conflict('只有未确认的服务可以取消');
    const now = ctx.clock.now();
    await ledgerRepo.updateExchange(trx, id, { status: 'cancelled' });
    await ledgerRepo.setPostStatus(trx, e.request_id, 'open', now);
    await audit(trx, ctx.clock, actor, { action: 'timebank.cancel', entity: 'timebank_exchange', entityId: id, before: { status: e.status }, after: { status: 'cancelled' } });
    return viewExchange({ ...e, status: 'cancelled' });
  });
}

export async function listExchanges(ctx: AppContext, actor: Actor, f: { status?: string; page: number; pageSize: number }): Promise<{ items: ExchangeView[]; total: number; page: number; pageSize: number }> {
  const s = scopeOf(actor);
  let path: string | null = null;
  let residentId: string | undefined;
  if (s.kind === 'subtree') path = s.path;
  else if (s.kind !== 'all') {
    if (!actor.residentId) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
    residentId = actor.residentId;
  }
  const { rows, total } = await ledgerRepo.listExchanges(ctx.db, { path, residentId, status: f.status, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewExchange), total, page: f.page, pageSize: f.pageSize };
}

/**
 * Hours given to a family member (a young person's stored hours used for their parents). A resident
 * may give to a member of their own household; staff record gifts between households of their area
 * when the relation is shown to them.
 */
export async function familyTransfer(
  ctx: AppContext,
  actor: Actor,
  input: { fromResidentId?: string; toResidentId: string; minutes: number; relation: string; idempotencyKey?: string },
): Promise<{ transfer: TransferView; replayed: boolean }> {
  const fromId = input.fromResidentId ?? actor.residentId;
  if (!fromId) throw invalid('请指定转出的居民', [{ field: 'fromResidentId', message: '为必填项' }]);
  if (fromId === input.toResidentId) throw invalid('不能转给自己');
  const [from, to] = await Promise.all([resident(ctx, fromId), resident(ctx, input.toResidentId)]);
  const self = fromId === actor.residentId;
  if (self) {
    if (!from.householdId || from.householdId !== to.householdId) {
      if (!mayStaff(actor, to.nodePath)) throw forbidden('跨户转赠须由社区工作人员核实亲属关系后办理');
    }
  } else {
    requirePermission(actor, 'ledger.approve');
    if (!scopeCoversPath(actor, from.nodePath) || !scopeCoversPath(actor, to.nodePath)) throw notFound('居民不存在或无权查看');
  }
  const a = await residentAccount(ctx, from.id, 'time');
  const b = await residentAccount(ctx, to.id, 'time');
  const r = await withRetry(() =>
    withTx(ctx, async (trx) => {
      return postTransfer(ctx, trx, actor, {
        from: a.id,
        to: b.id,
        amount: input.minutes,
        currency: 'time',
        kind: 'family',
        memo: `亲属转赠（${input.relation}）`,
        idempotencyKey: input.idempotencyKey ? `family:${from.id}:${input.idempotencyKey}` : null,
        refKind: 'family',
        refId: to.id,
      });
    }),
  );
  return { transfer: viewTransfer(r.transfer), replayed: r.replayed };
}
