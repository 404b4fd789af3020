/**
 * Door-to-door services, the senior canteen / 爱心厨房 (menus, orders with subsidies by tag,
 * donations, volunteer cooking shifts) and accessibility (barrier-free facilities).
 */
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, pathScope, scopeCoversPath, scopeOf } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { locatePoint, residentsMatching } from '../org/index.js';
import { communityAccount, communityPathOf, partnerAccount, postTransfer, residentAccount, withRetry } from '../ledger/index.js';
import { reportCase } from '../cases/service.js';
import { careRepo, type MenuItemRow, type OrderStatus, type ServiceRow, type ServiceType, type Subsidy } from './repository.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
export const SERVICE_NAMES: Record<ServiceType, string> = { haircut: '上门理发', meal_delivery: '送餐上门', cleaning: '家政保洁', medical_check: '上门体检', sign_language: '手语翻译', other: '其他服务' };

// ---------------------------------------------------------------------------------------------
// Door-to-door services
// ---------------------------------------------------------------------------------------------

const serviceView = (s: ServiceRow) => ({
  id: s.id,
  personId: s.person_id,
  type: s.type,
  typeName: SERVICE_NAMES[s.type],
  status: s.status,
  scheduledAt: iso(s.scheduled_at)!,
  note: s.note,
  provider: s.provider_kind ? { kind: s.provider_kind, userId: s.provider_user_id, name: s.provider_name } : null,
  minutes: s.minutes,
  timebankTransferId: s.timebank_transfer_id,
  rating: s.rating,
  ratingComment: s.rating_comment,
});

async function personForService(ctx: AppContext, actor: Actor, personId: string) {
  const p = await careRepo.personById(ctx.db, personId);
  const own = p && actor.residentId === p.resident_id;
  if (!p || !(own || (can(actor, 'care.read') && scopeCoversPath(actor, p.node_path)) || (await careRepo.isCarer(ctx.db, p.id, actor.userId)))) throw notFound('关爱对象不存在或无权查看');
  return p;
}

/** Booking: the person themself, a carer, or staff in scope. */
export async function bookService(ctx: AppContext, actor: Actor, input: { personId: string; type: ServiceType; scheduledAt: string; note?: string | null }) {
  const p = await personForService(ctx, actor, input.personId);
  const at = new Date(input.scheduledAt);
  if (Number.isNaN(at.getTime())) throw invalid('预约时间不正确', [{ field: 'scheduledAt', message: '时间格式不正确' }]);
  if (at.getTime() < ctx.clock.now().getTime() - 3_600_000) throw invalid('预约时间不能早于现在', [{ field: 'scheduledAt', message: '不能早于现在' }]);
  return withTx(ctx, async (trx) => {
    const now = ctx.clock.now();
    const row = { id: newId(), person_id: p.id, type: input.type, status: 'booked' as const, scheduled_at: at, note: input.note ?? null, provider_kind: null, provider_user_id: null, provider_name: null, minutes: null, timebank_transfer_id: null, rating: null, rating_comment: null, node_path: p.node_path, booked_by: actor.userId, created_at: now, updated_at: now };
    await trx.insertInto('care_services').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.service.book', entity: 'care_service', entityId: row.id, after: row });
    return serviceView(row);
  });
}

async function serviceToHandle(ctx: AppContext, actor: Actor, id: string): Promise<ServiceRow> {
  const s = await ctx.db.selectFrom('care_services').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw notFound('服务预约不存在或无权查看');
  await personForService(ctx, actor, s.person_id);
  return s;
}

export async function assignService(ctx: AppContext, actor: Actor, id: string, input: { providerKind: 'partner' | 'volunteer' | 'staff'; providerUserId?: string | null; providerName: string }) {
  requirePermission(actor, 'care.write');
  const s = await serviceToHandle(ctx, actor, id);
  if (!scopeCoversPath(actor, s.node_path)) throw forbidden('超出您的数据权限范围');
  if (s.status !== 'booked' && s.status !== 'assigned') throw conflict('该服务已完成或已取消');
  if (input.providerKind === 'volunteer' && !input.providerUserId) throw invalid('志愿者须指定用户账号（用于记录时间银行时长）', [{ field: 'providerUserId', message: '必填' }]);
  if (input.providerUserId && !(await ctx.db.selectFrom('users').select('id').where('id', '=', input.providerUserId).executeTakeFirst())) throw invalid('用户不存在', [{ field: 'providerUserId', message: '用户不存在' }]);
  return withTx(ctx, async (trx) => {
    const r = await trx.updateTable('care_services').set({ status: 'assigned', provider_kind: input.providerKind, provider_user_id: input.providerUserId ?? null, provider_name: input.providerName, updated_at: ctx.clock.now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await audit(trx, ctx.clock, actor, { action: 'care.service.assign', entity: 'care_service', entityId: id, before: { status: s.status }, after: input });
    return serviceView(r);
  });
}

/** Completion by the provider or staff; a volunteer's minutes go into the time bank (community pool → volunteer). */
export async function completeService(ctx: AppContext, actor: Actor, id: string, input: { minutes: number }) {
  const s = await ctx.db.selectFrom('care_services').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) throw notFound('服务预约不存在或无权查看');
  const provider = !!actor.userId && s.provider_user_id === actor.userId;
  if (!provider && !(can(actor, 'care.write') && scopeCoversPath(actor, s.node_path))) throw notFound('服务预约不存在或无权查看');
  if (s.status !== 'assigned') throw conflict('只有已派单的服务可以完成');
  let accounts: { from: string; to: string } | null = null;
  if (s.provider_kind === 'volunteer' && s.provider_user_id) {
    const u = await ctx.db.selectFrom('users').select('resident_id').where('id', '=', s.provider_user_id).executeTakeFirst();
    if (u?.resident_id) {
      const [pool, acc] = await Promise.all([communityAccount(ctx, communityPathOf(s.node_path), 'time'), residentAccount(ctx, u.resident_id, 'time')]);
      accounts = { from: pool.id, to: acc.id };
    }
  }
  return withTx(ctx, async (trx) => {
    let transferId: string | null = null;
    if (accounts) {
      const t = await postTransfer(ctx, trx, actor, { from: accounts.from, to: accounts.to, amount: input.minutes, currency: 'time', kind: 'timebank', memo: `关爱服务：${SERVICE_NAMES[s.type]}`, idempotencyKey: `care.service:${s.id}`, refKind: 'care_service', refId: s.id });
      transferId = t.transfer.id;
    }
    const r = await trx.updateTable('care_services').set({ status: 'completed', minutes: input.minutes, timebank_transfer_id: transferId, updated_at: ctx.clock.now() }).where('id', '=', id).where('status', '=', 'assigned').returningAll().executeTakeFirst();
    if (!r) throw conflict('只有已派单的服务可以完成');
    await audit(trx, ctx.clock, actor, { action: 'care.service.complete', entity: 'care_service', entityId: id, before: { status: s.status }, after: { status: 'completed', minutes: input.minutes, timebankTransferId: transferId } });
    return serviceView(r);
  });
}

export async function rateService(ctx: AppContext, actor: Actor, id: string, input: { rating: number; comment?: string | null }) {
  const s = await serviceToHandle(ctx, actor, id);
  if (s.status !== 'completed') throw conflict('服务完成后才能评价');
  if (s.rating !== null) throw conflict('已评价');
  return withTx(ctx, async (trx) => {
    const r = await trx.updateTable('care_services').set({ rating: input.rating, rating_comment: input.comment ?? null, updated_at: ctx.clock.now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    await audit(trx, ctx.clock, actor, { action: 'care.service.rate', entity: 'care_service', entityId: id, after: input });
    return serviceView(r);
  });
}

export async function listServices(ctx: AppContext, actor: Actor, f: { personId?: string; status?: string; page: number; pageSize: number }) {
  const staff = can(actor, 'care.read');
  const mine = actor.userId ? await careRepo.personIdsOfCarer(ctx.db, actor.userId) : [];
  const own = actor.residentId ? await careRepo.personByResident(ctx.db, actor.residentId) : undefined;
  let q = ctx.db.selectFrom('care_services').where((eb) => {
    const ors = [];
    if (staff) ors.push(pathScope(eb, 'node_path', actor));
    const ids = [...mine, ...(own ? [own.id] : [])];
    if (ids.length) ors.push(eb('person_id', 'in', ids));
    if (actor.userId) ors.push(eb('provider_user_id', '=', actor.userId));
    return ors.length ? eb.or(ors) : eb.val(false);
  });
  if (f.personId) q = q.where('person_id', '=', f.personId);
  if (f.status) q = q.where('status', '=', f.status as ServiceRow['status']);
  const rows = await q.selectAll().orderBy('scheduled_at', 'desc').orderBy('id').limit(f.pageSize).offset((f.page - 1) * f.pageSize).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(serviceView), total: Number(total.n), page: f.page, pageSize: f.pageSize };
}

// ---------------------------------------------------------------------------------------------
// Canteen
// ---------------------------------------------------------------------------------------------

const menuView = (m: MenuItemRow) => ({ id: m.id, nodePath: m.node_path, day: typeof m.day === 'string' ? m.day : iso(m.day)!.slice(0, 10), name: m.name, priceCents: m.price_cents, subsidies: (m.subsidies ?? []) as Subsidy[], delivery: m.delivery, portions: m.portions });

export async function createMenuItem(ctx: AppContext, actor: Actor, input: { nodePath?: string; day: string; name: string; priceCents: number; subsidies?: Subsidy[]; delivery?: boolean; portions?: number | null }, trxIn?: Tx) {
  requirePermission(actor, 'care.canteen.write');
  const path = input.nodePath ?? actor.nodePath;
  if (!path) throw invalid('须指定社区', [{ field: 'nodePath', message: '必填' }]);
  assertPathInScope(actor, path);
  const subsidies = input.subsidies ?? [];
  const problems = subsidies.flatMap((s, i) => (s.amountCents > input.priceCents ? [{ field: `subsidies.${i}.amountCents`, message: '补贴不能高于价格' }] : []));
  if (new Set(subsidies.map((s) => s.tag)).size !== subsidies.length) problems.push({ field: 'subsidies', message: '同一标签只能设置一次补贴' });
  if (problems.length) throw invalid('菜品设置有误', problems);
  const run = async (trx: Tx) => {
    const row = { id: newId(), node_path: path, day: input.day, name: input.name, price_cents: input.priceCents, subsidies: JSON.stringify(subsidies), delivery: input.delivery ?? true, portions: input.portions ?? null, created_at: ctx.clock.now() };
    await trx.insertInto('care_menu_items').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.menu.create', entity: 'care_menu_item', entityId: row.id, after: { ...row, subsidies } });
    return menuView({ ...row, subsidies } as unknown as MenuItemRow);
  };
  return trxIn ? run(trxIn) : withTx(ctx, run);
}

/** The menu of a day: anyone signed in sees the menus of their community (staff: their scope). */
export async function listMenu(ctx: AppContext, actor: Actor, f: { day?: string }) {
  let q = ctx.db.selectFrom('care_menu_items').selectAll();
  if (f.day) q = q.where('day', '=', f.day);
  const s = scopeOf(actor);
  let rows = await q.orderBy('day').orderBy('name').limit(500).execute();
  if (s.kind === 'subtree') rows = rows.filter((m) => m.node_path.startsWith(communityPathOf(s.path)) || s.path.startsWith(m.node_path));
  else if (s.kind !== 'all') {
    const [me] = actor.residentId ? await residentsMatching(ctx.db, { ids: [actor.residentId], on: ctx.clock.now() }) : [];
    rows = me ? rows.filter((m) => me.nodePath === m.node_path || me.nodePath.startsWith(m.node_path + '/')) : [];
  }
  return rows.map(menuView);
}

/** The best subsidy the resident's tags give for this item (one subsidy, the largest). */
export function subsidyFor(tags: string[], subsidies: Subsidy[]): Subsidy | null {
  let best: Subsidy | null = null;
  for (const s of subsidies) if (tags.includes(s.tag) && (!best || s.amountCents > best.amountCents)) best = s;
  return best;
}

/** An order for a resident: by themself, or by staff/carers on their behalf. Price minus the subsidy of their tag. */
export async function placeOrder(ctx: AppContext, actor: Actor, input: { menuItemId: string; residentId?: string; qty: number; mode: 'pickup' | 'delivery' }) {
  const residentId = input.residentId ?? actor.residentId;
  if (!residentId) throw invalid('须指定为哪位居民订餐', [{ field: 'residentId', message: '必填' }]);
  const [r] = await residentsMatching(ctx.db, { ids: [residentId], on: ctx.clock.now() });
  if (!r) throw notFound('居民不存在或已迁出');
  if (residentId !== actor.residentId) {
    const p = await careRepo.personByResident(ctx.db, residentId);
    const carer = p ? await careRepo.isCarer(ctx.db, p.id, actor.userId) : false;
    if (!carer && !(can(actor, 'care.write') && scopeCoversPath(actor, r.nodePath))) throw forbidden('只能为本人或您照护的居民订餐');
  }
  const m = await ctx.db.selectFrom('care_menu_items').selectAll().where('id', '=', input.menuItemId).executeTakeFirst();
  if (!m || !(r.nodePath === m.node_path || r.nodePath.startsWith(m.node_path + '/'))) throw notFound('菜品不存在或不面向该居民所在社区');
  if (input.mode === 'delivery' && !m.delivery) throw invalid('该菜品不提供送餐', [{ field: 'mode', message: '仅限自取' }]);
  const sub = subsidyFor(r.tags, (m.subsidies ?? []) as Subsidy[]);
  return withTx(ctx, async (trx) => {
    if (m.portions !== null) {
      const sold = await trx.selectFrom('care_orders').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('qty'), eb.val(0)).as('n')).where('menu_item_id', '=', m.id).where('status', '!=', 'cancelled').executeTakeFirstOrThrow();
      if (Number(sold.n) + input.qty > m.portions) throw conflict('该菜品已售完');
    }
    const unit = m.price_cents;
    const subsidy = Math.min(sub?.amountCents ?? 0, unit) * input.qty;
    const row = { id: newId(), menu_item_id: m.id, resident_id: r.id, node_path: r.nodePath, qty: input.qty, mode: input.mode, unit_cents: unit, subsidy_cents: subsidy, subsidy_tag: sub?.tag ?? null, pay_cents: unit * input.qty - subsidy, status: 'placed' as const, ordered_by: actor.userId, created_at: ctx.clock.now() };
    await trx.insertInto('care_orders').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.order.place', entity: 'care_order', entityId: row.id, after: row });
    return { id: row.id, menuItemId: m.id, name: m.name, residentId: r.id, qty: row.qty, mode: row.mode, unitCents: unit, subsidyCents: subsidy, subsidyTag: row.subsidy_tag, payCents: row.pay_cents, status: row.status };
  });
}

export const ORDER_STATUS_NAMES: Record<OrderStatus, string> = { placed: '已下单', ready: '已备好', delivered: '已送达', picked_up: '已取餐', cancelled: '已取消' };

/**
 * Moves a canteen order on: placed → ready (the canteen: `care.canteen.write` in scope) → delivered
 * (delivery orders: the canteen, `care.write` staff in scope or a carer of the resident — whoever took
 * the meal) or picked_up (pickup orders: the canteen hands it over); cancelled from placed by the
 * resident, whoever ordered or the canteen, from ready by the canteen only. Audited; a concurrent
 * change is a 409.
 */
export async function setOrderStatus(ctx: AppContext, actor: Actor, id: string, input: { status: Exclude<OrderStatus, 'placed'>; reason?: string | null }) {
  const o = await ctx.db.selectFrom('care_orders').selectAll().where('id', '=', id).executeTakeFirst();
  const canteen = !!o && can(actor, 'care.canteen.write') && scopeCoversPath(actor, o.node_path);
  const staff = !!o && can(actor, 'care.write') && scopeCoversPath(actor, o.node_path);
  const own = !!o && ((!!actor.residentId && actor.residentId === o.resident_id) || (!!actor.userId && actor.userId === o.ordered_by));
  const person = o ? await careRepo.personByResident(ctx.db, o.resident_id) : undefined;
  const carer = person ? await careRepo.isCarer(ctx.db, person.id, actor.userId) : false;
  const seen = canteen || own || carer || (!!o && can(actor, 'care.read') && scopeCoversPath(actor, o.node_path));
  if (!o || !seen) throw notFound('订单不存在或无权查看');
  const to = input.status;
  const from = o.status;
  const next: Record<OrderStatus, OrderStatus[]> = { placed: ['ready', 'cancelled'], ready: [o.mode === 'delivery' ? 'delivered' : 'picked_up', 'cancelled'], delivered: [], picked_up: [], cancelled: [] };
  if (!next[from].includes(to)) {
    if ((to === 'delivered' || to === 'picked_up') && (from === 'ready' || from === 'placed')) throw conflict(o.mode === 'delivery' ? '送餐订单只能标记为已送达（且须先备好）' : '自取订单只能标记为已取餐（且须先备好）');
    throw conflict(`订单${ORDER_STATUS_NAMES[from]}，不能改为${ORDER_STATUS_NAMES[to]}`);
  }
  const allowed = to === 'ready' || to === 'picked_up' ? canteen : to === 'delivered' ? canteen || staff || carer : canteen || (from === 'placed' && own);
  if (!allowed) {
    throw forbidden(
      to === 'ready' ? '只有长者食堂工作人员可以标记备餐完成' : to === 'picked_up' ? '只有长者食堂工作人员可以确认取餐' : to === 'delivered' ? '只有食堂、辖区工作人员或照护人可以确认送达' : from === 'placed' ? '只有下单人、本人或食堂可以取消订单' : '已备好的订单只能由食堂取消',
    );
  }
  const reason = input.reason?.trim() || null;
  if (to === 'cancelled' && !reason && !own) throw invalid('食堂取消订单须说明原因', [{ field: 'reason', message: '必填' }]);
  return withTx(ctx, async (trx) => {
    const now = ctx.clock.now();
    const r = await trx
      .updateTable('care_orders')
      .set({ status: to, status_at: now, status_by: actor.userId, ...(to === 'cancelled' ? { cancel_reason: reason } : {}) })
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
    if (!r) throw conflict('订单状态已被他人修改，请刷新后重试');
    await audit(trx, ctx.clock, actor, { action: 'care.order.status', entity: 'care_order', entityId: id, before: { status: from }, after: { status: to, reason } });
    return orderView(r);
  });
}

const orderView = (o: { id: string; menu_item_id: string; name?: string; resident_id: string; qty: number; mode: 'pickup' | 'delivery'; unit_cents: number; subsidy_cents: number; subsidy_tag: string | null; pay_cents: number; status: OrderStatus; status_at: Date | string | null; cancel_reason: string | null }) => ({
  id: o.id,
  menuItemId: o.menu_item_id,
  ...(o.name !== undefined ? { name: o.name } : {}),
  residentId: o.resident_id,
  qty: o.qty,
  mode: o.mode,
  unitCents: o.unit_cents,
  subsidyCents: o.subsidy_cents,
  subsidyTag: o.subsidy_tag,
  payCents: o.pay_cents,
  status: o.status,
  statusName: ORDER_STATUS_NAMES[o.status],
  statusAt: iso(o.status_at),
  cancelReason: o.cancel_reason,
});

export async function listOrders(ctx: AppContext, actor: Actor, f: { day?: string; status?: OrderStatus; page: number; pageSize: number }) {
  let q = ctx.db.selectFrom('care_orders').innerJoin('care_menu_items', 'care_menu_items.id', 'care_orders.menu_item_id').where((eb) => {
    const ors = [];
    if (can(actor, 'care.read')) ors.push(pathScope(eb, 'care_orders.node_path', actor));
    if (actor.residentId) ors.push(eb('care_orders.resident_id', '=', actor.residentId));
    if (actor.userId) ors.push(eb('care_orders.ordered_by', '=', actor.userId));
    return ors.length ? eb.or(ors) : eb.val(false);
  });
  if (f.day) q = q.where('care_menu_items.day', '=', f.day);
  if (f.status) q = q.where('care_orders.status', '=', f.status);
  const rows = await q.selectAll('care_orders').select(['care_menu_items.name', 'care_menu_items.day']).orderBy('care_orders.created_at', 'desc').limit(f.pageSize).offset((f.page - 1) * f.pageSize).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return {
    items: rows.map(orderView),
    total: Number(total.n),
    page: f.page,
    pageSize: f.pageSize,
  };
}

/**
 * A partner's (or anyone's) food donation. Points for the donor are credited for real: a ledger
 * transfer (kind grant) from the community's points pool to the donating partner's points account,
 * in the same transaction as the donation, idempotent per donation (key `care.donation:<id>`).
 * Points need a partner (a donor without a ledger account cannot be credited).
 */
export async function recordDonation(ctx: AppContext, actor: Actor, input: { nodePath?: string; donorName: string; partnerId?: string | null; items: string; quantity: number; points?: number }) {
  requirePermission(actor, 'care.canteen.write');
  const path = input.nodePath ?? actor.nodePath;
  if (!path) throw invalid('须指定社区', [{ field: 'nodePath', message: '必填' }]);
  assertPathInScope(actor, path);
  const points = input.points ?? 0;
  if (points > 0 && !input.partnerId) throw invalid('捐赠积分只能发放给合作伙伴，请选择捐赠的合作伙伴', [{ field: 'partnerId', message: '发放积分时必填' }]);
  // Accounts are looked up / opened before the transaction (ledger's rule for PGlite's one connection).
  let partnerAcc: Awaited<ReturnType<typeof partnerAccount>> = undefined;
  if (input.partnerId) {
    partnerAcc = await partnerAccount(ctx, ctx.db, input.partnerId);
    if (!partnerAcc) throw invalid('合作伙伴不存在或尚未开立积分账户', [{ field: 'partnerId', message: '合作伙伴不存在' }]);
  }
  const pool = points > 0 ? await communityAccount(ctx, communityPathOf(path), 'points') : null;
  const id = newId();
  return withRetry(() =>
    withTx(ctx, async (trx) => {
      const row = { id, node_path: path, donor_name: input.donorName, partner_id: input.partnerId ?? null, items: input.items, quantity: input.quantity, points, received_at: ctx.clock.now(), recorded_by: actor.userId };
      await trx.insertInto('care_donations').values(row).execute();
      let transferId: string | null = null;
      if (pool && partnerAcc && points > 0) {
        const { transfer } = await postTransfer(ctx, trx, actor, { from: pool.id, to: partnerAcc.id, amount: points, currency: 'points', kind: 'grant', memo: `爱心厨房捐赠：${input.items}`.slice(0, 200), idempotencyKey: `care.donation:${id}`, refKind: 'care_donation', refId: id });
        transferId = transfer.id;
      }
      await audit(trx, ctx.clock, actor, { action: 'care.donation.record', entity: 'care_donation', entityId: row.id, after: { ...row, pointsTransferId: transferId } });
      return { id: row.id, donorName: row.donor_name, partnerId: row.partner_id, items: row.items, quantity: row.quantity, points: row.points, pointsTransferId: transferId, receivedAt: iso(row.received_at) };
    }),
  );
}

export async function createShift(ctx: AppContext, actor: Actor, input: { nodePath?: string; title: string; startsAt: string; endsAt: string; capacity: number }, trxIn?: Tx) {
  requirePermission(actor, 'care.canteen.write');
  const path = input.nodePath ?? actor.nodePath;
  if (!path) throw invalid('须指定社区', [{ field: 'nodePath', message: '必填' }]);
  assertPathInScope(actor, path);
  const s = new Date(input.startsAt);
  const e = new Date(input.endsAt);
  if (Number.isNaN(s.getTime()) || Number.isNaN(e.getTime()) || e <= s) throw invalid('班次时间不正确', [{ field: 'endsAt', message: '须晚于开始时间' }]);
  const run = async (trx: Tx) => {
    const row = { id: newId(), node_path: path, title: input.title, starts_at: s, ends_at: e, capacity: input.capacity, created_at: ctx.clock.now() };
    await trx.insertInto('care_shifts').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.shift.create', entity: 'care_shift', entityId: row.id, after: row });
    return { id: row.id, title: row.title, startsAt: iso(s), endsAt: iso(e), capacity: row.capacity, signedUp: 0 };
  };
  return trxIn ? run(trxIn) : withTx(ctx, run);
}

export async function listShifts(ctx: AppContext, _actor: Actor) {
  const rows = await ctx.db.selectFrom('care_shifts').selectAll().select((eb) => eb.selectFrom('care_shift_signups').select((x) => x.fn.countAll<number>().as('n')).whereRef('care_shift_signups.shift_id', '=', 'care_shifts.id').as('signed')).where('ends_at', '>', ctx.clock.now()).orderBy('starts_at').limit(200).execute();
  return rows.map((r) => ({ id: r.id, nodePath: r.node_path, title: r.title, startsAt: iso(r.starts_at), endsAt: iso(r.ends_at), capacity: r.capacity, signedUp: Number(r.signed ?? 0) }));
}

export async function signUpShift(ctx: AppContext, actor: Actor, id: string) {
  if (!actor.userId) throw forbidden();
  return withTx(ctx, async (trx) => {
    const s = await trx.selectFrom('care_shifts').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!s) throw notFound('班次不存在');
    if (new Date(s.starts_at) <= ctx.clock.now()) throw conflict('班次已开始');
    const n = await trx.selectFrom('care_shift_signups').select((eb) => eb.fn.countAll<number>().as('n')).where('shift_id', '=', id).executeTakeFirstOrThrow();
    if (Number(n.n) >= s.capacity) throw conflict('班次已满');
    const r = await trx.insertInto('care_shift_signups').values({ shift_id: id, user_id: actor.userId!, created_at: ctx.clock.now() }).onConflict((oc) => oc.columns(['shift_id', 'user_id']).doNothing()).executeTakeFirst();
    if (!Number(r.numInsertedOrUpdatedRows ?? 0)) throw conflict('您已报名该班次');
    await audit(trx, ctx.clock, actor, { action: 'care.shift.signup', entity: 'care_shift', entityId: id, after: { userId: actor.userId } });
    return { shiftId: id, signedUp: Number(n.n) + 1 };
  });
}

// ---------------------------------------------------------------------------------------------
// Accessibility: barrier-free facilities
// ---------------------------------------------------------------------------------------------

export async function createFacility(ctx: AppContext, actor: Actor, input: { kind: string; name: string; lng: number; lat: number; address?: string | null }, trxIn?: Tx) {
  requirePermission(actor, 'care.write');
  const loc = await locatePoint(ctx, input.lng, input.lat);
  const path = loc.grid?.path ?? loc.community?.path;
  if (!path) throw invalid('位置不在本辖区内', [{ field: 'lng', message: '不在辖区内' }]);
  assertPathInScope(actor, path);
  const run = async (trx: Tx) => {
    const now = ctx.clock.now();
    const row = { id: newId(), node_path: path, kind: input.kind, name: input.name, lng: input.lng, lat: input.lat, address: input.address ?? null, status: 'ok' as const, last_case_id: null, created_at: now, updated_at: now };
    await trx.insertInto('care_facilities').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.facility.create', entity: 'care_facility', entityId: row.id, after: row });
    return { id: row.id, kind: row.kind, name: row.name, lng: row.lng, lat: row.lat, address: row.address, status: row.status, lastCaseId: null };
  };
  return trxIn ? run(trxIn) : withTx(ctx, run);
}

export async function listFacilities(ctx: AppContext) {
  const rows = await ctx.db.selectFrom('care_facilities').selectAll().orderBy('name').limit(1000).execute();
  return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, lng: r.lng, lat: r.lat, address: r.address, status: r.status, lastCaseId: r.last_case_id }));
}

/** Anyone signed in may report a broken facility: it becomes a case (cases' reportCase, outside our transaction). */
export async function reportBrokenFacility(ctx: AppContext, actor: Actor, id: string, input: { description: string }) {
  const f = await ctx.db.selectFrom('care_facilities').selectAll().where('id', '=', id).executeTakeFirst();
  if (!f) throw notFound('设施不存在');
  const resident = scopeOf(actor).kind === 'self';
  const c = await reportCase(ctx, actor, {
    description: `无障碍设施损坏：${f.name}（${f.kind}）。${input.description}`,
    location: { lng: f.lng, lat: f.lat },
    address: f.address,
    channel: resident ? 'resident' : 'patrol',
    source: { type: 'care_facility', key: f.id },
  });
  await withTx(ctx, async (trx) => {
    await trx.updateTable('care_facilities').set({ status: 'broken', last_case_id: c.id, updated_at: ctx.clock.now() }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'care.facility.report', entity: 'care_facility', entityId: id, before: { status: f.status }, after: { status: 'broken', caseId: c.id } });
  });
  return { facilityId: id, caseId: c.id, status: 'broken' as const };
}
