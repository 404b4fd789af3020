import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import { systemActor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { nodeBriefs, residentBriefs, type NodeBrief } from '../org/index.js';
import { COMMUNITIES, PROPERTY_COMPANIES, STREET } from '../org/seed.js';
import { insertChunked } from './repository.js';
import { distanceM } from './service/common.js';
import { runVisitScan } from './service/visits.js';

const DAY = 86_400_000;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'.split('');
const GIVEN = '志华建军丽娟海燕晓明文静国庆红梅秀英桂兰'.split('');

export const DEMO_VISIT_RULES: Array<[string, number]> = [
  ['独居老人', 7],
  ['重点关注', 7],
  ['高龄', 14],
  ['残疾人', 30],
  ['低保', 30],
  ['优抚对象', 30],
];

/**
 * Demo data for grid work: a team for every grid, household assignments, the party structure
 * linked to residents tagged 党员, three levels of service sites, visit rules, and patrols with
 * tracks and visits over the last two weeks in each community's first grid.
 */
export async function seedGridWork(ctx: AppContext): Promise<void> {
  if (await ctx.db.selectFrom('visit_rules').select('id').limit(1).executeTakeFirst()) return;
  const rand = rng(7_2026);
  const now = ctx.clock.now();
  const name = () => SURNAMES[Math.floor(rand() * SURNAMES.length)]! + GIVEN[Math.floor(rand() * GIVEN.length)]! + GIVEN[Math.floor(rand() * GIVEN.length)]!;
  const phone = () => ctx.cipher.encrypt(`1${[3, 5, 8][Math.floor(rand() * 3)]}${String(Math.floor(rand() * 1e9)).padStart(9, '0')}`);

  const nodes = await nodeBriefs(ctx.db, { levels: ['street', 'community', 'estate', 'grid', 'building', 'household'] });
  if (!nodes.length) return;
  const of = (level: string) => nodes.filter((n) => n.level === level);
  const under = (p: NodeBrief, level: string) => nodes.filter((n) => n.level === level && n.path.startsWith(p.path + '/'));
  const parentOf = (n: NodeBrief, level: string) => nodes.find((x) => x.level === level && n.path.startsWith(x.path + '/'))!;
  const residents = (await residentBriefs(ctx.db, {})).filter((r) => r.status === 'resident');
  const tags = new Map((await ctx.db.selectFrom('residents').select(['id', 'tags', 'created_at']).execute()).map((r) => [r.id, r]));
  const users = new Map((await ctx.db.selectFrom('users').select(['id', 'username', 'display_name']).execute()).map((u) => [u.username, u]));

  const teamRows: Array<{ id: string; grid_id: string; node_path: string; role: 'leader' | 'worker'; user_id: string | null; name: string; phone_enc: string | null; active: boolean; created_at: Date; updated_at: Date }> = [];
  const assignRows: Array<{ household_id: string; member_id: string; node_path: string; assigned_at: Date }> = [];
  const workerOfGrid = new Map<string, { memberId: string; userId: string | null; name: string }>();
  for (const g of of('grid')) {
    const c = COMMUNITIES.find((x) => g.code.startsWith(x.code));
    const first = g.code.endsWith('G01') && c;
    const leaderUser = first ? users.get(`grid_leader.${c.slug}`) : undefined;
    const workerUser = first ? users.get(`grid_worker.${c.slug}`) : undefined;
    const leader = { id: newId(), grid_id: g.id, node_path: g.path, role: 'leader' as const, user_id: leaderUser?.id ?? null, name: leaderUser?.display_name ?? name(), phone_enc: phone(), active: true, created_at: now, updated_at: now };
    const worker = { id: newId(), grid_id: g.id, node_path: g.path, role: 'worker' as const, user_id: workerUser?.id ?? null, name: workerUser?.display_name ?? name(), phone_enc: phone(), active: true, created_at: now, updated_at: now };
    teamRows.push(leader, worker);
    workerOfGrid.set(g.id, { memberId: worker.id, userId: worker.user_id, name: worker.name });
    for (const h of under(g, 'household')) assignRows.push({ household_id: h.id, member_id: worker.id, node_path: h.path, assigned_at: now });
  }

  // party structure: 社区党委 > 小区党支部 > 楼栋党小组
  const orgRows: Array<{ id: string; parent_id: string | null; level: 'committee' | 'branch' | 'group'; name: string; node_id: string; node_path: string; created_at: Date; updated_at: Date }> = [];
  const orgOfNode = new Map<string, string>();
  for (const c of of('community')) {
    const id = newId();
    orgRows.push({ id, parent_id: null, level: 'committee', name: `中共${c.name}委员会`, node_id: c.id, node_path: c.path, created_at: now, updated_at: now });
    orgOfNode.set(c.id, id);
  }
  for (const e of of('estate')) {
    const id = newId();
    orgRows.push({ id, parent_id: orgOfNode.get(parentOf(e, 'community').id)!, level: 'branch', name: `${e.name}党支部`, node_id: e.id, node_path: e.path, created_at: now, updated_at: now });
    orgOfNode.set(e.id, id);
  }
  for (const b of of('building')) {
    const id = newId();
    orgRows.push({ id, parent_id: orgOfNode.get(parentOf(b, 'estate').id)!, level: 'group', name: `${b.name}党小组`, node_id: b.id, node_path: b.path, created_at: now, updated_at: now });
    orgOfNode.set(b.id, id);
  }
  const memberRows: Array<{ id: string; org_id: string; resident_id: string; node_path: string; post: string; joined_on: string | null; created_at: Date; updated_at: Date }> = [];
  const contactRows: Array<{ household_id: string; member_id: string; node_path: string; linked_at: Date }> = [];
  const crossRows: Array<{ id: string; member_id: string; party_post: string; body_kind: 'owners_committee' | 'property_company'; body_name: string; body_code: string | null; post: string; node_path: string; created_at: Date }> = [];
  const buildingOf = (path: string) => nodes.find((n) => n.level === 'building' && path.startsWith(n.path + '/'));
  const members = residents.filter((r) => tags.get(r.id)?.tags.includes('党员'));
  const firstInEstate = new Set<string>();
  const firstInBuilding = new Set<string>();
  const firstInCommunity = new Set<string>();
  for (const r of members) {
    const b = buildingOf(r.nodePath);
    if (!b) continue;
    const e = parentOf(b, 'estate');
    const c = parentOf(b, 'community');
    let org = orgOfNode.get(b.id)!;
    let post = '党员';
    if (!firstInCommunity.has(c.id)) {
      firstInCommunity.add(c.id);
      org = orgOfNode.get(c.id)!;
      post = '党委委员';
    } else if (!firstInEstate.has(e.id)) {
      firstInEstate.add(e.id);
      org = orgOfNode.get(e.id)!;
      post = '支部书记';
    } else if (!firstInBuilding.has(b.id)) {
      firstInBuilding.add(b.id);
      post = '党小组长';
    }
    const id = newId();
    const joined = `${1980 + Math.floor(rand() * 40)}-07-01`;
    memberRows.push({ id, org_id: org, resident_id: r.id, node_path: r.nodePath, post, joined_on: joined, created_at: now, updated_at: now });
    if (post === '支部书记') {
      crossRows.push({ id: newId(), member_id: id, party_post: '支部书记', body_kind: 'owners_committee', body_name: `${e.name}业主委员会`, body_code: e.code, post: '业委会主任', node_path: r.nodePath, created_at: now });
      const company = PROPERTY_COMPANIES.find((p) => p.code === e.props.propertyCompanyCode);
      if (company) crossRows.push({ id: newId(), member_id: id, party_post: '支部书记', body_kind: 'property_company', body_name: company.name, body_code: company.code, post: '物业服务监督员', node_path: r.nodePath, created_at: now });
    }
  }
  // 党员中心户: in each grid, party members take the households of the grid in turn
  for (const g of of('grid')) {
    const ms = memberRows.filter((m) => m.node_path.startsWith(g.path + '/'));
    if (!ms.length) continue;
    under(g, 'household').forEach((h, i) => contactRows.push({ household_id: h.id, member_id: ms[i % Math.min(ms.length, 3)]!.id, node_path: h.path, linked_at: now }));
  }

  // party-mass service sites
  const street = of('street').find((s) => s.code === STREET.code) ?? of('street')[0]!;
  const siteRows: Array<{ id: string; level: 'street' | 'community' | 'estate'; name: string; node_id: string; node_path: string; address: string | null; lng: number | null; lat: number | null; opening_hours: string; services: string[]; phone: string | null; created_at: Date; updated_at: Date }> = [];
  const building0 = (p: NodeBrief) => under(p, 'building')[0];
  siteRows.push({ id: newId(), level: 'street', name: `${street.name}党群服务中心`, node_id: street.id, node_path: street.path, address: `长沙市天心区${street.name}新开铺路 88 号`, lng: 112.975, lat: 28.155, opening_hours: '周一至周日 8:30—20:00（节假日照常）', services: ['政务服务一门式办理', '党员教育', '志愿服务对接', '法律咨询', '就业创业指导'], phone: '0731-85501001', created_at: now, updated_at: now });
  for (const c of of('community')) {
    const b = building0(c);
    siteRows.push({ id: newId(), level: 'community', name: `${c.name}党群服务站`, node_id: c.id, node_path: c.path, address: `${c.name}居委会一楼`, lng: b?.lng ?? null, lat: b?.lat ?? null, opening_hours: '周一至周六 8:30—18:00', services: ['社保医保代办', '居住证明开具', '老年人能力评估预约', '党员活动', '矛盾纠纷调解'], phone: `0731-8550${String(1100 + of('community').indexOf(c)).slice(-4)}`, created_at: now, updated_at: now });
  }
  for (const e of of('estate')) {
    const b = building0(e);
    siteRows.push({ id: newId(), level: 'estate', name: `${e.name}党群服务点`, node_id: e.id, node_path: e.path, address: `${e.name}物业服务中心旁`, lng: b?.lng ?? null, lat: b?.lat ?? null, opening_hours: '每日 9:00—11:30、15:00—18:00', services: ['网格员值守', '民情收集', '代办帮办', '邻里议事'], phone: null, created_at: now, updated_at: now });
  }

  // patrols and visits in each community's first grid over the last two weeks
  const patrolRows: Array<Record<string, unknown>> = [];
  const pointRows: Array<{ patrol_id: string; at: Date; lng: number; lat: number; accuracy: number | null }> = [];
  const visitRows: Array<Record<string, unknown>> = [];
  for (const c of COMMUNITIES) {
    const g = nodes.find((n) => n.code === `${c.code}G01`);
    const w = g ? workerOfGrid.get(g.id) : undefined;
    if (!g || !w?.userId) continue;
    const buildings = under(g, 'building').filter((b) => b.lng != null && b.lat != null);
    const tagged = residents.filter((r) => r.nodePath.startsWith(g.path + '/') && (tags.get(r.id)?.tags ?? []).some((t) => ['独居老人', '高龄', '残疾人', '低保'].includes(t)));
    for (const daysAgo of [13, 11, 9, 6, 4, 2]) {
      const start = new Date(now.getTime() - daysAgo * DAY - 2 * 3_600_000);
      const id = newId();
      let d = 0;
      let prev: { lng: number; lat: number } | null = null;
      for (let k = 0; k < 24; k++) {
        const b = buildings[k % buildings.length]!;
        const p = { lng: b.lng! + (rand() - 0.5) * 0.0006, lat: b.lat! + (rand() - 0.5) * 0.0006 };
        if (prev) d += distanceM(prev, p);
        prev = p;
        pointRows.push({ patrol_id: id, at: new Date(start.getTime() + k * 150_000), lng: p.lng, lat: p.lat, accuracy: 10 + Math.round(rand() * 20) });
      }
      const end = new Date(start.getTime() + 24 * 150_000);
      patrolRows.push({ id, user_id: w.userId, user_name: w.name, grid_id: g.id, node_path: g.path, state: 'ended', started_at: start, ended_at: end, distance_m: d, point_count: 24, summary: '网格内巡查一遍，环境整洁，未见安全隐患。', stats: JSON.stringify({ durationMinutes: 60, distanceM: Math.round(d), points: 24, casesReported: 0, visits: 0, buildingsCovered: buildings.length, buildingsTotal: buildings.length }), idem_key: null, created_at: start });
    }
    tagged.forEach((r, i) => {
      if (i % 3 === 2) return; // some never visited
      const daysAgo = i % 3 === 0 ? 3 : 10;
      visitRows.push({ id: newId(), resident_id: r.id, household_id: r.householdId, node_path: r.nodePath, visitor_id: w.userId, visitor_name: w.name, visited_at: new Date(now.getTime() - daysAgo * DAY), kind: 'home', notes: i % 2 ? '身体状况良好，生活能自理。' : '血压偏高，已提醒按时服药；家中燃气阀门已检查。', needs: i % 4 === 1 ? '希望代办高龄津贴' : null, photos: [], patrol_id: null, idem_key: null, created_at: now });
    });
  }

  await withTx(ctx, async (trx) => {
    await trx
      .insertInto('visit_rules')
      .values(DEMO_VISIT_RULES.map(([tag, days]) => ({ id: newId(), tag, interval_days: days, active: true, updated_by: null, updated_at: now })))
      .execute();
    await insertChunked(trx, 'grid_team_members', teamRows);
    await insertChunked(trx, 'household_assignments', assignRows);
    await insertChunked(trx, 'party_orgs', orgRows);
    await insertChunked(trx, 'party_members', memberRows);
    await insertChunked(trx, 'party_contact_households', contactRows);
    await insertChunked(trx, 'party_cross_posts', crossRows);
    await insertChunked(trx, 'service_sites', siteRows);
    await insertChunked(trx, 'patrols', patrolRows as never);
    await insertChunked(trx, 'patrol_points', pointRows);
    await insertChunked(trx, 'visits', visitRows as never);
    await runVisitScan(ctx, trx);
    await audit(trx, ctx.clock, systemActor(), {
      action: 'demo.seed.gridwork',
      entity: 'grid_work',
      after: { teamMembers: teamRows.length, partyOrgs: orgRows.length, partyMembers: memberRows.length, sites: siteRows.length, patrols: patrolRows.length, visits: visitRows.length },
    });
  });
}
