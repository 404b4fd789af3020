import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope, pathWithin } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { getResident, nodeBriefs } from '../../org/index.js';
import { partyRepo } from '../repository.js';
import { filterNode, pathScopeOf } from './common.js';

export const PARTY_LEVELS = ['committee', 'branch', 'group'] as const;
const LEVEL_NAMES = { committee: '社区党委', branch: '小区党支部', group: '楼栋党小组' } as const;
/** The org level each party level sits on. */
const NODE_LEVEL = { committee: 'community', branch: 'estate', group: 'building' } as const;
const PARENT_LEVEL = { committee: null, branch: 'committee', group: 'branch' } as const;
const BODY_NAMES = { owners_committee: '业主委员会', property_company: '物业服务企业' } as const;

export interface PartyOrgNode {
  id: string;
  parentId: string | null;
  level: string;
  levelName: string;
  name: string;
  node: { id: string; code: string; name: string };
  members: Array<{ id: string; residentId: string; name: string; post: string; isHouseholdContact: boolean; households: number }>;
  children: PartyOrgNode[];
}

/**
 * The party structure in scope: organisations at three levels with their members (each a resident
 * tagged 党员), 党员中心户 with their households, and the cross posts.
 */
export async function partyStructure(ctx: AppContext, actor: Actor, q: { nodeId?: string }) {
  requirePermission(actor, 'party.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const s = pathScopeOf(actor);
  // A grid worker's scope (a grid) lies below the community committee: show the chain above too.
  const orgs = await partyRepo.orgs(ctx.db, s.kind === 'subtree' ? { kind: 'all' } : s, n?.path);
  const visible = orgs.filter((o) => s.kind === 'all' || (s.kind === 'subtree' && (pathWithin(o.node_path, s.path) || pathWithin(s.path, o.node_path))));
  const members = await partyRepo.members(ctx.db, s, n?.path);
  const contacts = await partyRepo.contactHouseholds(ctx.db, s, n?.path);
  const cross = await partyRepo.crossPosts(ctx.db, s, n?.path);
  const nodes = new Map((await nodeBriefs(ctx.db, { ids: [...new Set(visible.map((o) => o.node_id))] })).map((x) => [x.id, x]));
  const byOrg = new Map<string, PartyOrgNode>();
  for (const o of visible) {
    const nd = nodes.get(o.node_id);
    byOrg.set(o.id, {
      id: o.id,
      parentId: o.parent_id,
      level: o.level,
      levelName: LEVEL_NAMES[o.level],
      name: o.name,
      node: { id: o.node_id, code: nd?.code ?? '', name: nd?.name ?? '' },
      members: members
        .filter((m) => m.org_id === o.id)
        .map((m) => {
          const hh = contacts.filter((c) => c.member_id === m.id).length;
          return { id: m.id, residentId: m.resident_id, name: m.name, post: m.post, isHouseholdContact: hh > 0, households: hh };
        }),
      children: [],
    });
  }
  const roots: PartyOrgNode[] = [];
  for (const o of byOrg.values()) {
    const p = o.parentId ? byOrg.get(o.parentId) : undefined;
    if (p) p.children.push(o);
    else roots.push(o);
  }
  const memberName = new Map(members.map((m) => [m.id, m.name]));
  return {
    orgs: roots,
    totals: {
      committees: visible.filter((o) => o.level === 'committee').length,
      branches: visible.filter((o) => o.level === 'branch').length,
      groups: visible.filter((o) => o.level === 'group').length,
      members: members.length,
      householdContacts: new Set(contacts.map((c) => c.member_id)).size,
      linkedHouseholds: contacts.length,
    },
    crossPosts: cross.map((c) => ({ id: c.id, memberId: c.member_id, memberName: memberName.get(c.member_id) ?? null, partyPost: c.party_post, bodyKind: c.body_kind, bodyKindName: BODY_NAMES[c.body_kind], bodyName: c.body_name, bodyCode: c.body_code, post: c.post })),
  };
}

/** The 党员中心户 in scope and the households linked to each. */
export async function householdContacts(ctx: AppContext, actor: Actor, q: { nodeId?: string }) {
  requirePermission(actor, 'party.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const s = pathScopeOf(actor);
  const members = await partyRepo.members(ctx.db, { kind: 'all' }, undefined);
  const contacts = await partyRepo.contactHouseholds(ctx.db, s, n?.path);
  const hh = new Map((await nodeBriefs(ctx.db, { ids: [...new Set(contacts.map((c) => c.household_id))] })).map((x) => [x.id, x]));
  const out = new Map<string, { memberId: string; residentId: string; name: string; post: string; households: Array<{ id: string; code: string; name: string }> }>();
  for (const c of contacts) {
    const m = members.find((x) => x.id === c.member_id);
    if (!m) continue;
    let v = out.get(m.id);
    if (!v) out.set(m.id, (v = { memberId: m.id, residentId: m.resident_id, name: m.name, post: m.post, households: [] }));
    const h = hh.get(c.household_id);
    if (h) v.households.push({ id: h.id, code: h.code, name: h.name });
  }
  return [...out.values()];
}

export async function createPartyOrg(ctx: AppContext, actor: Actor, input: { level: (typeof PARTY_LEVELS)[number]; name: string; nodeId: string; parentId?: string | null }) {
  requirePermission(actor, 'party.write');
  const [node] = await nodeBriefs(ctx.db, { ids: [input.nodeId] });
  if (!node || node.level !== NODE_LEVEL[input.level]) throw invalid('提交的数据有误', [{ field: 'nodeId', message: `${LEVEL_NAMES[input.level]}须设在${{ community: '社区', estate: '小区', building: '楼栋' }[NODE_LEVEL[input.level]]}` }]);
  assertPathInScope(actor, node.path);
  const parentLevel = PARENT_LEVEL[input.level];
  let parentId: string | null = null;
  if (parentLevel) {
    if (!input.parentId) throw invalid('提交的数据有误', [{ field: 'parentId', message: '须指定上级党组织' }]);
    const p = await partyRepo.orgById(ctx.db, input.parentId);
    if (!p || p.level !== parentLevel || !pathWithin(node.path, p.node_path)) throw invalid('上级党组织不正确', [{ field: 'parentId', message: `须为本辖区的${LEVEL_NAMES[parentLevel]}` }]);
    parentId = p.id;
  }
  const now = ctx.clock.now();
  const row = { id: newId(), parent_id: parentId, level: input.level, name: input.name.trim(), node_id: node.id, node_path: node.path, created_at: now, updated_at: now };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('party_orgs').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'party.org.create', entity: 'party_org', entityId: row.id, after: { level: row.level, name: row.name, node: node.code } });
  });
  return { id: row.id, level: row.level, levelName: LEVEL_NAMES[row.level], name: row.name, parentId };
}

/** Adds a party member: a resident of the registry tagged 党员, in an organisation of their area. */
export async function addPartyMember(ctx: AppContext, actor: Actor, input: { orgId: string; residentId: string; post?: string | null; joinedOn?: string | null }) {
  requirePermission(actor, 'party.write');
  const org = await partyRepo.orgById(ctx.db, input.orgId);
  if (!org) throw notFound('党组织不存在');
  assertPathInScope(actor, org.node_path);
  const r = await getResident(ctx, actor, input.residentId);
  if (!r.tags.includes('党员')) throw invalid('该居民未标记为党员，请先在居民档案中设置“党员”标签', [{ field: 'residentId', message: '须为党员' }]);
  if (input.joinedOn && (!/^\d{4}-\d{2}-\d{2}$/.test(input.joinedOn) || Number.isNaN(Date.parse(input.joinedOn)))) throw invalid('提交的数据有误', [{ field: 'joinedOn', message: '日期格式须为 YYYY-MM-DD' }]);
  if (await partyRepo.memberByResident(ctx.db, r.id)) throw conflict('该居民已是党组织成员');
  const now = ctx.clock.now();
  const row = { id: newId(), org_id: org.id, resident_id: r.id, node_path: r.nodePath, post: input.post?.trim() || '党员', joined_on: input.joinedOn ?? null, created_at: now, updated_at: now };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('party_members').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'party.member.add', entity: 'party_member', entityId: row.id, after: { orgId: org.id, residentId: r.id, post: row.post } });
  });
  return { id: row.id, orgId: org.id, residentId: r.id, name: r.name, post: row.post };
}

/** Makes a member a 党员中心户 for these households (replacing their previous contact). */
export async function linkContactHouseholds(ctx: AppContext, actor: Actor, memberId: string, householdIds: string[]) {
  requirePermission(actor, 'party.write');
  const m = await partyRepo.memberById(ctx.db, memberId);
  if (!m) throw notFound('党员不存在');
  assertRowInScope(actor, m.node_path);
  const ids = [...new Set(householdIds)];
  const hh = await nodeBriefs(ctx.db, { ids });
  const org = (await partyRepo.orgById(ctx.db, m.org_id))!;
  const community = org.node_path.split('/').slice(0, 3).join('/'); // district/street/community
  for (const id of ids) {
    const h = hh.find((x) => x.id === id);
    if (!h || h.level !== 'household') throw invalid('住户不存在', [{ field: 'householdIds', message: `住户 ${id} 不存在` }]);
    assertPathInScope(actor, h.path);
    if (!pathWithin(h.path, community)) throw invalid('住户不在该党员所在社区', [{ field: 'householdIds', message: `住户 ${h.code} 不在本社区` }]);
  }
  const now = ctx.clock.now();
  await withTx(ctx, async (trx) => {
    await trx.deleteFrom('party_contact_households').where('member_id', '=', m.id).execute();
    if (hh.length)
      await trx
        .insertInto('party_contact_households')
        .values(hh.map((h) => ({ household_id: h.id, member_id: m.id, node_path: h.path, linked_at: now })))
        .onConflict((oc) => oc.column('household_id').doUpdateSet({ member_id: m.id, linked_at: now }))
        .execute();
    await audit(trx, ctx.clock, actor, { action: 'party.contact.link', entity: 'party_member', entityId: m.id, after: { households: hh.map((h) => h.code) } });
  });
  return { memberId: m.id, households: hh.map((h) => ({ id: h.id, code: h.code, name: h.name })) };
}

/** 双向进入、交叉任职: records that a party member holds a post in the owners' committee or the property company. */
export async function addCrossPost(ctx: AppContext, actor: Actor, memberId: string, input: { partyPost: string; bodyKind: 'owners_committee' | 'property_company'; bodyName: string; bodyCode?: string | null; post: string }) {
  requirePermission(actor, 'party.write');
  const m = await partyRepo.memberById(ctx.db, memberId);
  if (!m) throw notFound('党员不存在');
  assertRowInScope(actor, m.node_path);
  const now = ctx.clock.now();
  const row = { id: newId(), member_id: m.id, party_post: input.partyPost.trim(), body_kind: input.bodyKind, body_name: input.bodyName.trim(), body_code: input.bodyCode ?? null, post: input.post.trim(), node_path: m.node_path, created_at: now };
  await withTx(ctx, async (trx) => {
    await trx.insertInto('party_cross_posts').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: 'party.crosspost.add', entity: 'party_cross_post', entityId: row.id, after: { memberId: m.id, partyPost: row.party_post, body: row.body_name, post: row.post } });
  });
  return { id: row.id, memberId: m.id, partyPost: row.party_post, bodyKind: row.body_kind, bodyKindName: BODY_NAMES[row.body_kind], bodyName: row.body_name, post: row.post };
}

const SITE_LEVEL_NAMES = { street: '街道党群服务中心', community: '社区党群服务站', estate: '小区党群服务点' } as const;

export interface ServiceSiteView {
  id: string;
  level: 'street' | 'community' | 'estate';
  levelName: string;
  name: string;
  node: { id: string; code: string; name: string } | null;
  address: string | null;
  location: { lng: number; lat: number } | null;
  openingHours: string;
  services: string[];
  phone: string | null;
}

/** The three levels of party-mass service sites (public information). */
export async function listServiceSites(ctx: AppContext, q: { nodeId?: string; level?: string }): Promise<ServiceSiteView[]> {
  let rows = await partyRepo.sites(ctx.db, null);
  if (q.level) rows = rows.filter((r) => r.level === q.level);
  if (q.nodeId) {
    const [n] = await nodeBriefs(ctx.db, { ids: [q.nodeId] });
    if (!n) throw notFound('节点不存在');
    // the sites serving a place: those on its path (street → community → estate) and below it
    rows = rows.filter((r) => pathWithin(n.path, r.node_path) || pathWithin(r.node_path, n.path));
  }
  const nodes = new Map((await nodeBriefs(ctx.db, { ids: [...new Set(rows.map((r) => r.node_id))] })).map((x) => [x.id, x]));
  return rows.map((r) => {
    const nd = nodes.get(r.node_id);
    return {
      id: r.id,
      level: r.level,
      levelName: SITE_LEVEL_NAMES[r.level],
      name: r.name,
      node: nd ? { id: nd.id, code: nd.code, name: nd.name } : null,
      address: r.address,
      location: r.lng !== null && r.lat !== null ? { lng: r.lng, lat: r.lat } : null,
      openingHours: r.opening_hours,
      services: r.services,
      phone: r.phone,
    };
  });
}

export async function upsertServiceSite(ctx: AppContext, actor: Actor, input: { id?: string; level: 'street' | 'community' | 'estate'; name: string; nodeId: string; address?: string | null; lng?: number | null; lat?: number | null; openingHours: string; services: string[]; phone?: string | null }): Promise<ServiceSiteView> {
  requirePermission(actor, 'party.write');
  const [node] = await nodeBriefs(ctx.db, { ids: [input.nodeId] });
  if (!node || node.level !== input.level) throw invalid('提交的数据有误', [{ field: 'nodeId', message: '阵地层级须与所在节点一致（街道/社区/小区）' }]);
  assertPathInScope(actor, node.path);
  const now = ctx.clock.now();
  const before = input.id ? await partyRepo.siteById(ctx.db, input.id) : undefined;
  if (input.id && !before) throw notFound('阵地不存在');
  if (before) assertRowInScope(actor, before.node_path);
  const row = { id: before?.id ?? newId(), level: input.level, name: input.name.trim(), node_id: node.id, node_path: node.path, address: input.address ?? null, lng: input.lng ?? null, lat: input.lat ?? null, opening_hours: input.openingHours.trim(), services: input.services, phone: input.phone ?? null, created_at: before?.created_at ?? now, updated_at: now };
  await withTx(ctx, async (trx) => {
    if (before) await trx.updateTable('service_sites').set(row).where('id', '=', row.id).execute();
    else await trx.insertInto('service_sites').values(row).execute();
    await audit(trx, ctx.clock, actor, { action: before ? 'party.site.update' : 'party.site.create', entity: 'service_site', entityId: row.id, before: before ? { name: before.name, openingHours: before.opening_hours, services: before.services } : null, after: { name: row.name, openingHours: row.opening_hours, services: row.services } });
  });
  return (await listServiceSites(ctx, {})).find((s) => s.id === row.id)!;
}
