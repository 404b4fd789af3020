import type { AppContext } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { systemActor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { maskPhone } from '../../../platform/crypto.js';
import { invalid } from '../../../platform/errors.js';
import { getResident, listResidents, nodeBriefs, residentBriefs, residentTagHistory, usersOfResidents, type ResidentView } from '../../org/index.js';
import { getCase, myCases, type CaseView } from '../cases-port.js';
import { moveRepo, partyRepo, proxyRepo, teamRepo, visitRepo } from '../repository.js';
import { pathScopeOf } from './common.js';
import { computePlan } from './visits.js';
import { proxyView } from './proxy.js';

/**
 * What other modules have open for a resident (mediation cases, service bookings …). A module
 * registers a provider at start; the one-stop desk lists what every provider returns.
 */
export interface DeskItem {
  module: string;
  kind: string;
  id: string;
  title: string;
  state: string;
  number?: string | null;
  at: string | null;
  link?: string | null;
}
export type DeskProvider = (ctx: AppContext, actor: Actor, residentId: string) => Promise<DeskItem[]>;
const providers = new Map<string, DeskProvider>();
export function registerDeskProvider(name: string, fn: DeskProvider): void {
  providers.set(name, fn);
}

/** Finds residents at the counter by name, phone or ID number (exact, through the blind index); results are masked. */
export async function deskSearch(ctx: AppContext, actor: Actor, q: { q: string; page: number; pageSize: number }) {
  requirePermission(actor, 'gridwork.desk');
  const s = q.q.trim().replace(/\s/g, '');
  if (!s) throw invalid('请输入姓名、手机号或身份证号', [{ field: 'q', message: '为必填项' }]);
  const by = /^1\d{10}$/.test(s) ? 'phone' : /^\d{17}[\dXx]$/.test(s) ? 'idCard' : 'name';
  const page = await listResidents(ctx, actor, { ...(by === 'phone' ? { phone: s } : by === 'idCard' ? { idCard: s.toUpperCase() } : { q: s }), page: q.page, pageSize: q.pageSize });
  const ids = page.items.map((r) => r.id);
  const open = await proxyRepo.ofResidents(ctx.db, ids, 'open');
  const flags = await Promise.all(ids.map((id) => visitRepo.openFlagOf(ctx.db, id)));
  const households = await nodeBriefs(ctx.db, { ids: [...new Set(page.items.map((r) => r.householdId).filter((x): x is string => !!x))] });
  return {
    by,
    items: page.items.map((r, i) => ({
      ...r,
      household: households.find((h) => h.id === r.householdId)?.name ?? null,
      openProxy: open.filter((p) => p.resident_id === r.id).length,
      visitOverdue: !!flags[i],
    })),
    total: page.total,
    page: q.page,
    pageSize: q.pageSize,
  };
}

export interface DeskCase {
  id: string;
  number: string;
  trackCode: string;
  state: string;
  stateName: string;
  description: string;
  channel: string;
  reportedAt: string;
  open: boolean;
  viaProxy: boolean;
}

const FINAL_CASE_STATES = ['closed', 'rejected', 'merged'];
const deskCase = (c: CaseView, viaProxy: boolean): DeskCase => ({
  id: c.id,
  number: c.number,
  trackCode: c.trackCode,
  state: c.state,
  stateName: c.stateName,
  description: c.description,
  channel: c.channel,
  reportedAt: c.reportedAt,
  open: !FINAL_CASE_STATES.includes(c.state),
  viaProxy,
});

/**
 * The cases of a resident: those staff reported for them (帮代办), and those the resident reported
 * (or follows) through their own account(s) — read through the cases module as that account sees them.
 */
export async function residentCases(ctx: AppContext, residentId: string): Promise<DeskCase[]> {
  const out = new Map<string, DeskCase>();
  const links = (await proxyRepo.ofResidents(ctx.db, [residentId])).filter((p) => p.kind === 'case' && p.ref_id);
  for (const l of links) {
    try {
      const c = await getCase(ctx, systemActor(), l.ref_id!);
      out.set(c.id, deskCase(c, true));
    } catch {
      /* gone */
    }
  }
  for (const u of await usersOfResidents(ctx.db, [residentId])) {
    // the resident's own view of their cases: the cases module's "my cases" for that account
    const own: Actor = { ...systemActor(), userId: u.userId, username: 'desk', displayName: '一门式办事', roles: ['resident'], residentId };
    for (let page = 1; ; page++) {
      const p = await myCases(ctx, own, { page, pageSize: 100 });
      for (const c of p.items) if (!out.has(c.id)) out.set(c.id, deskCase(c, false));
      if (page * 100 >= p.total || p.items.length === 0) break;
    }
  }
  return [...out.values()].sort((a, b) => b.reportedAt.localeCompare(a.reportedAt));
}

/** Everything about one resident at the counter: who they are (masked), their household and contacts, and everything open for them. */
export async function deskResident(ctx: AppContext, actor: Actor, id: string) {
  requirePermission(actor, 'gridwork.desk');
  const r: ResidentView = await getResident(ctx, actor, id); // 404 outside scope
  const [hh] = r.householdId ? await nodeBriefs(ctx.db, { ids: [r.householdId] }) : [];
  const members = hh ? (await residentBriefs(ctx.db, { under: hh.path })).filter((m) => m.id !== r.id && m.status === 'resident') : [];
  const assign = r.householdId ? (await teamRepo.assignmentsOfHouseholds(ctx.db, [r.householdId]))[0] : undefined;
  const contact = r.householdId ? (await partyRepo.contactsOfHouseholds(ctx.db, [r.householdId]))[0] : undefined;
  const tagHistory = await residentTagHistory(ctx.db, id);
  const moves = await moveRepo.byResident(ctx.db, id);
  const { rows: visits } = await visitRepo.list(ctx.db, pathScopeOf(actor), { residentId: id, limit: 5, offset: 0 });
  const plan = (await computePlan(ctx, ctx.db, { kind: 'all' }, r.nodePath)).find((p) => p.residentId === id) ?? null;
  // the state of each record follows the linked case or application
  const proxy = (await Promise.all((await proxyRepo.ofResidents(ctx.db, [id])).map((p) => proxyView(ctx, p)))).filter((p) => p.kind !== 'case');
  const cases = await residentCases(ctx, id);
  const other: DeskItem[] = [];
  for (const [name, fn] of providers) {
    try {
      other.push(...(await fn(ctx, actor, id)));
    } catch (err) {
      ctx.log.warn({ err, provider: name }, 'desk provider failed');
    }
  }
  const member = await partyRepo.memberByResident(ctx.db, id);
  return {
    resident: r,
    household: hh ? { id: hh.id, code: hh.code, name: hh.name, location: hh.lng != null && hh.lat != null ? { lng: hh.lng, lat: hh.lat } : null, members: members.map((m) => ({ id: m.id, name: m.name, relation: m.relation })) } : null,
    gridWorker: assign ? { name: assign.name, role: assign.role, phone: maskPhone(ctx.cipher.decrypt(assign.phone_enc)) } : null,
    partyContact: contact ? { name: contact.name, post: contact.post } : null,
    partyMember: member ? { post: member.post, joinedOn: member.joined_on } : null,
    tagHistory,
    moves: moves.map((m) => ({ kind: m.kind, movedOn: m.moved_on, fromPath: m.from_path, toPath: m.to_path, reason: m.reason, byName: m.by_name })),
    visits: visits.map((v) => ({ id: v.id, visitedAt: new Date(v.visited_at).toISOString(), visitorName: v.visitor_name, kind: v.kind, notes: v.notes })),
    visitPlan: plan ? { ruleTag: plan.ruleTag, intervalDays: plan.intervalDays, lastVisitAt: plan.lastVisitAt, dueAt: plan.dueAt, overdue: plan.overdue } : null,
    open: {
      cases: cases.filter((c) => c.open),
      proxy: proxy.filter((p) => p.state === 'open').map((p) => ({ id: p.id, kind: p.kind, item: p.item, trackCode: p.trackCode, refNumber: p.refNumber, stateName: p.stateName, staffName: p.staffName, createdAt: p.createdAt })),
      other,
    },
    history: {
      cases: cases.filter((c) => !c.open),
      proxy: proxy.filter((p) => p.state !== 'open').map((p) => ({ id: p.id, kind: p.kind, item: p.item, trackCode: p.trackCode, state: p.state, stateName: p.stateName, result: p.result, closedAt: p.closedAt })),
    },
    actions: [
      { key: 'proxy.case', label: '代为上报事件' },
      { key: 'proxy.service', label: '代办事项' },
      { key: 'proxy.activity', label: '代为报名活动' },
      { key: 'visit', label: '登记走访' },
      { key: 'move', label: '迁入迁出' },
    ],
  };
}
