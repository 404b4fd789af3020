import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { can, requirePermission } from '../../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope, pathWithin } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { maskPhone } from '../../../platform/crypto.js';
import { nodeBriefs, residentBriefs, type NodeBrief } from '../../org/index.js';
import { partyRepo, teamRepo } from '../repository.js';
import { filterNode, pathScopeOf } from './common.js';

export interface TeamMemberView {
  id: string;
  gridId: string;
  role: 'leader' | 'worker';
  roleName: string;
  userId: string | null;
  name: string;
  phone: string | null;
  households: Array<{ id: string; code: string; name: string }>;
}

export interface PartyContactView {
  memberId: string;
  residentId: string;
  name: string;
  post: string;
  households: Array<{ id: string; code: string; name: string }>;
}

export interface GridTeamView {
  grid: { id: string; code: string; name: string; path: string };
  leaders: TeamMemberView[];
  workers: TeamMemberView[];
  partyContacts: PartyContactView[];
  households: number;
  residents: number;
  unassignedHouseholds: Array<{ id: string; code: string; name: string }>;
  withoutPartyContact: number;
}

const ROLE_NAMES = { leader: '网格长', worker: '网格员' } as const;

async function gridNode(ctx: AppContext, actor: Actor, gridId: string, forWrite = false): Promise<NodeBrief> {
  const [g] = await nodeBriefs(ctx.db, { ids: [gridId] });
  if (!g || g.level !== 'grid') throw notFound('网格不存在');
  if (forWrite) assertPathInScope(actor, g.path);
  else assertRowInScope(actor, g.path);
  return g;
}

/** The team page of one grid: leader, workers and party-member household contacts with their households. */
export async function gridTeam(ctx: AppContext, actor: Actor, gridId: string): Promise<GridTeamView> {
  requirePermission(actor, 'gridwork.read');
  const g = await gridNode(ctx, actor, gridId);
  const households = await nodeBriefs(ctx.db, { levels: ['household'], under: g.path });
  const hhById = new Map(households.map((h) => [h.id, h]));
  const brief = (id: string) => {
    const h = hhById.get(id);
    return h ? { id: h.id, code: h.code, name: h.name } : null;
  };
  const members = await teamRepo.membersOfGrids(ctx.db, [g.id]);
  const assigns = await teamRepo.assignmentsOfMembers(
    ctx.db,
    members.map((m) => m.id),
  );
  const view = (m: (typeof members)[number]): TeamMemberView => ({
    id: m.id,
    gridId: m.grid_id,
    role: m.role,
    roleName: ROLE_NAMES[m.role],
    userId: m.user_id,
    name: m.name,
    phone: maskPhone(ctx.cipher.decrypt(m.phone_enc)),
    households: assigns
      .filter((a) => a.member_id === m.id)
      .map((a) => brief(a.household_id))
      .filter((x): x is NonNullable<typeof x> => !!x)
      .sort((a, b) => a.code.localeCompare(b.code)),
  });
  const contacts = await partyRepo.contactsOfHouseholds(
    ctx.db,
    households.map((h) => h.id),
  );
  const byMember = new Map<string, PartyContactView>();
  for (const c of contacts) {
    let v = byMember.get(c.member_id);
    if (!v) byMember.set(c.member_id, (v = { memberId: c.member_id, residentId: c.resident_id, name: c.name, post: c.post, households: [] }));
    const b = brief(c.household_id);
    if (b) v.households.push(b);
  }
  const assigned = new Set(assigns.map((a) => a.household_id));
  const contacted = new Set(contacts.map((c) => c.household_id));
  const residents = await residentBriefs(ctx.db, { under: g.path });
  return {
    grid: { id: g.id, code: g.code, name: g.name, path: g.path },
    leaders: members.filter((m) => m.role === 'leader').map(view),
    workers: members.filter((m) => m.role === 'worker').map(view),
    partyContacts: [...byMember.values()],
    households: households.length,
    residents: residents.filter((r) => r.status === 'resident').length,
    unassignedHouseholds: households.filter((h) => !assigned.has(h.id)).map((h) => ({ id: h.id, code: h.code, name: h.name })),
    withoutPartyContact: households.filter((h) => !contacted.has(h.id)).length,
  };
}

/** Every grid in the caller's scope (or under ?nodeId) with its team in brief. */
export async function listTeams(ctx: AppContext, actor: Actor, q: { nodeId?: string }) {
  requirePermission(actor, 'gridwork.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const s = pathScopeOf(actor);
  if (s.kind === 'none') return [];
  const under = n?.path ?? (s.kind === 'subtree' ? s.path : undefined);
  // A grid worker's scope is the grid itself: include the grid node even though it is the root.
  const grids = (await nodeBriefs(ctx.db, { levels: ['grid'], under })).filter((g) => s.kind === 'all' || pathWithin(g.path, s.path));
  const members = await teamRepo.membersOfGrids(
    ctx.db,
    grids.map((g) => g.id),
  );
  const assigns = await teamRepo.assignmentsOfMembers(
    ctx.db,
    members.map((m) => m.id),
  );
  const households = await nodeBriefs(ctx.db, { levels: ['household'], under });
  const contacts = await partyRepo.contactHouseholds(ctx.db, s, under);
  return grids.map((g) => {
    const ms = members.filter((m) => m.grid_id === g.id);
    const hh = households.filter((h) => pathWithin(h.path, g.path));
    const assigned = new Set(assigns.filter((a) => ms.some((m) => m.id === a.member_id)).map((a) => a.household_id));
    return {
      grid: { id: g.id, code: g.code, name: g.name, path: g.path },
      leaders: ms.filter((m) => m.role === 'leader').map((m) => m.name),
      workers: ms.filter((m) => m.role === 'worker').map((m) => m.name),
      households: hh.length,
      assignedHouseholds: hh.filter((h) => assigned.has(h.id)).length,
      partyContactHouseholds: contacts.filter((c) => pathWithin(c.node_path, g.path)).length,
    };
  });
}

export async function addTeamMember(ctx: AppContext, actor: Actor, gridId: string, input: { role: 'leader' | 'worker'; userId?: string | null; name?: string | null; phone?: string | null }): Promise<TeamMemberView> {
  requirePermission(actor, 'gridwork.team.write');
  const g = await gridNode(ctx, actor, gridId, true);
  let name = input.name?.trim() ?? '';
  if (input.userId) {
    const u = await ctx.db.selectFrom('users').select(['id', 'display_name', 'roles', 'status']).where('id', '=', input.userId).executeTakeFirst();
    if (!u || u.status !== 'active') throw invalid('用户不存在', [{ field: 'userId', message: '用户不存在或已停用' }]);
    if (!u.roles.some((r) => r === 'grid_worker' || r === 'grid_leader')) throw invalid('该用户不是网格员或网格长', [{ field: 'userId', message: '须为网格员或网格长账号' }]);
    name ||= u.display_name;
  }
  if (!name) throw invalid('提交的数据有误', [{ field: 'name', message: '为必填项' }]);
  if (input.phone && !/^1[3-9]\d{9}$/.test(input.phone)) throw invalid('提交的数据有误', [{ field: 'phone', message: '手机号格式不正确' }]);
  const now = ctx.clock.now();
  const row = { id: newId(), grid_id: g.id, node_path: g.path, role: input.role, user_id: input.userId ?? null, name, phone_enc: ctx.cipher.encrypt(input.phone ?? null), active: true, created_at: now, updated_at: now };
  await withTx(ctx, async (trx) => {
    if (row.user_id) {
      const dup = await trx.selectFrom('grid_team_members').select('id').where('grid_id', '=', g.id).where('user_id', '=', row.user_id).where('active', '=', true).executeTakeFirst();
      if (dup) throw conflict('该用户已在本网格团队中');
    }
    await trx.insertInto('grid_team_members').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'gridwork.team.add', entity: 'grid_team_member', entityId: row.id, after: { grid: g.code, role: row.role, name, userId: row.user_id } });
  });
  return { id: row.id, gridId: g.id, role: row.role, roleName: ROLE_NAMES[row.role], userId: row.user_id, name, phone: maskPhone(input.phone ?? null), households: [] };
}

export async function removeTeamMember(ctx: AppContext, actor: Actor, memberId: string): Promise<void> {
  requirePermission(actor, 'gridwork.team.write');
  const m = await teamRepo.memberById(ctx.db, memberId);
  if (!m || !m.active) throw notFound('团队成员不存在');
  assertRowInScope(actor, m.node_path);
  await withTx(ctx, async (trx) => {
    await trx.deleteFrom('household_assignments').where('member_id', '=', memberId).execute();
    await trx.updateTable('grid_team_members').set({ active: false, updated_at: ctx.clock.now() }).where('id', '=', memberId).execute();
    await audit(trx, ctx.clock, actor, { action: 'gridwork.team.remove', entity: 'grid_team_member', entityId: memberId, before: { name: m.name, role: m.role } });
  });
}

/** Makes a team member responsible for these households (each household has one responsible member). */
export async function assignHouseholds(ctx: AppContext, actor: Actor, memberId: string, householdIds: string[]): Promise<TeamMemberView> {
  requirePermission(actor, 'gridwork.team.write');
  const m = await teamRepo.memberById(ctx.db, memberId);
  if (!m || !m.active) throw notFound('团队成员不存在');
  assertRowInScope(actor, m.node_path);
  const ids = [...new Set(householdIds)];
  const hh = await nodeBriefs(ctx.db, { ids });
  for (const id of ids) {
    const h = hh.find((x) => x.id === id);
    if (!h || h.level !== 'household' || !pathWithin(h.path, m.node_path)) throw invalid('住户不在本网格', [{ field: 'householdIds', message: `住户 ${id} 不在该成员的网格内` }]);
  }
  const now = ctx.clock.now();
  await withTx(ctx, async (trx) => {
    if (ids.length) {
      await trx
        .insertInto('household_assignments')
        .values(hh.map((h) => ({ household_id: h.id, member_id: m.id, node_path: h.path, assigned_at: now })))
        .onConflict((oc) => oc.column('household_id').doUpdateSet({ member_id: m.id, assigned_at: now }))
        .execute();
    }
    await audit(trx, ctx.clock, actor, { action: 'gridwork.team.assign', entity: 'grid_team_member', entityId: m.id, after: { households: hh.map((h) => h.code) } });
  });
  const team = await gridTeam(ctx, actor, m.grid_id);
  return [...team.leaders, ...team.workers].find((x) => x.id === m.id)!;
}

/** Who looks after a household: its responsible team member and its party-member household contact. */
export async function householdContacts(ctx: AppContext, householdIds: string[]) {
  const [assigns, contacts] = await Promise.all([teamRepo.assignmentsOfHouseholds(ctx.db, householdIds), partyRepo.contactsOfHouseholds(ctx.db, householdIds)]);
  return { assigns, contacts };
}

export const canManageTeams = (actor: Actor) => can(actor, 'gridwork.team.write');
