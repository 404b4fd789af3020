import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Executor } from '../../../platform/db/database.js';
import { systemActor, type Actor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope, pathWithin } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { locatePoint, nodeBriefs, type NodeBrief } from '../../org/index.js';
import { getCase, reportCase } from '../cases-port.js';
import { patrolRepo, teamRepo } from '../repository.js';
import { distanceM, filterNode, iso, pathScopeOf, weekStart } from './common.js';

/** A building counts as covered when a track point passed within this distance. */
export const COVER_RADIUS_M = 80;
/** Points less accurate than this are kept but not used for distance or coverage. */
export const MAX_ACCURACY_M = 100;
export const MAX_POINTS_PER_CALL = 500;

export interface PatrolPoint {
  at: string;
  lng: number;
  lat: number;
  accuracy?: number | null;
}

export interface PatrolStats {
  durationMinutes: number;
  distanceM: number;
  points: number;
  casesReported: number;
  visits: number;
  buildingsCovered: number;
  buildingsTotal: number;
}

export interface PatrolView {
  id: string;
  userId: string;
  userName: string;
  grid: { id: string; code: string; name: string };
  state: 'active' | 'ended';
  stateName: string;
  startedAt: string;
  endedAt: string | null;
  distanceM: number;
  pointCount: number;
  summary: string | null;
  stats: PatrolStats | null;
  track?: Array<{ at: string; lng: number; lat: number; accuracy: number | null }>;
  cases?: Array<{ id: string; number: string; state: string; stateName: string; description: string; reportedAt: string }>;
  resumed?: boolean;
}

type PatrolRow = NonNullable<Awaited<ReturnType<typeof patrolRepo.byId>>>;

async function viewPatrol(ctx: AppContext, p: PatrolRow, grid?: NodeBrief, detail = false): Promise<PatrolView> {
  const g = grid ?? (await nodeBriefs(ctx.db, { ids: [p.grid_id] }))[0];
  const v: PatrolView = {
    id: p.id,
    userId: p.user_id,
    userName: p.user_name,
    grid: { id: p.grid_id, code: g?.code ?? '', name: g?.name ?? '' },
    state: p.state,
    stateName: p.state === 'active' ? '巡查中' : '已结束',
    startedAt: new Date(p.started_at).toISOString(),
    endedAt: iso(p.ended_at),
    distanceM: Math.round(p.distance_m),
    pointCount: p.point_count,
    summary: p.summary,
    stats: (p.stats as PatrolStats | null) ?? null,
  };
  if (detail) {
    v.track = (await patrolRepo.points(ctx.db, p.id)).map((x) => ({ at: new Date(x.at).toISOString(), lng: x.lng, lat: x.lat, accuracy: x.accuracy }));
    const links = await patrolRepo.casesOf(ctx.db, [p.id]);
    v.cases = [];
    for (const l of links) {
      try {
        const c = await getCase(ctx, systemActor(), l.case_id);
        v.cases.push({ id: c.id, number: c.number, state: c.state, stateName: c.stateName, description: c.description, reportedAt: c.reportedAt });
      } catch {
        /* a case removed or merged away: skip */
      }
    }
  }
  return v;
}


async function patrolFor(ctx: AppContext, actor: Actor, id: string, own: boolean): Promise<PatrolRow> {
  const p = await patrolRepo.byId(ctx.db, id);
  if (!p) throw notFound('巡查记录不存在');
  if (own) {
    if (p.user_id !== actor.userId) {
      assertRowInScope(actor, p.node_path);
      throw forbidden('只能操作自己的巡查');
    }
  } else if (p.user_id !== actor.userId) assertRowInScope(actor, p.node_path);
  return p;
}

/** The grid a patrol runs in: the one named, else the grid the worker is bound to, else their team's grid. */
async function patrolGrid(ctx: AppContext, actor: Actor, gridId?: string | null): Promise<NodeBrief> {
  let id = gridId ?? null;
  if (!id && actor.nodeId) {
    const [n] = await nodeBriefs(ctx.db, { ids: [actor.nodeId] });
    if (n?.level === 'grid') id = n.id;
  }
  if (!id && actor.userId) id = (await teamRepo.membershipsOfUser(ctx.db, actor.userId))[0]?.grid_id ?? null;
  if (!id) throw invalid('请选择巡查的网格', [{ field: 'gridId', message: '为必填项' }]);
  const [g] = await nodeBriefs(ctx.db, { ids: [id] });
  if (!g || g.level !== 'grid') throw invalid('网格不存在', [{ field: 'gridId', message: '须为网格' }]);
  assertPathInScope(actor, g.path);
  return g;
}

/** Starts a patrol. Idempotent: a repeated request (same key) or an open patrol returns that patrol. */
export async function startPatrol(ctx: AppContext, actor: Actor, input: { gridId?: string | null; idempotencyKey?: string | null; position?: PatrolPoint | null }): Promise<PatrolView> {
  requirePermission(actor, 'gridwork.patrol');
  if (!actor.userId) throw forbidden('须以个人账号巡查');
  const key = input.idempotencyKey ? `${actor.userId}:${input.idempotencyKey}` : null;
  if (key) {
    const p = await patrolRepo.byIdemKey(ctx.db, key);
    if (p) return { ...(await viewPatrol(ctx, p)), resumed: true };
  }
  const open = await patrolRepo.activeOf(ctx.db, actor.userId);
  if (open) return { ...(await viewPatrol(ctx, open)), resumed: true };
  const g = await patrolGrid(ctx, actor, input.gridId);
  const now = ctx.clock.now();
  const row = { id: newId(), user_id: actor.userId, user_name: actor.displayName, grid_id: g.id, node_path: g.path, state: 'active' as const, started_at: now, ended_at: null, distance_m: 0, point_count: 0, summary: null, stats: null, idem_key: key, created_at: now };
  try {
    await withTx(ctx, async (trx) => {
      await trx.insertInto('patrols').values(row).execute();
      if (input.position) await insertPoints(trx, row.id, [input.position]);
      await audit(trx, ctx.clock, actor, { action: 'patrol.start', entity: 'patrol', entityId: row.id, after: { grid: g.code } });
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      const again = (key && (await patrolRepo.byIdemKey(ctx.db, key))) || (await patrolRepo.activeOf(ctx.db, actor.userId));
      if (again) return { ...(await viewPatrol(ctx, again)), resumed: true };
    }
    throw err;
  }
  const p = (await patrolRepo.byId(ctx.db, row.id))!;
  if (input.position) await refreshTrack(ctx, ctx.db, p.id);
  return viewPatrol(ctx, (await patrolRepo.byId(ctx.db, row.id))!, g);
}

function checkPoints(points: PatrolPoint[]): void {
  if (points.length > MAX_POINTS_PER_CALL) throw invalid(`一次最多上传 ${MAX_POINTS_PER_CALL} 个位置`);
  points.forEach((p, i) => {
    if (!Number.isFinite(p.lng) || p.lng < -180 || p.lng > 180 || !Number.isFinite(p.lat) || p.lat < -90 || p.lat > 90) throw invalid('位置坐标不正确', [{ field: `points.${i}`, message: '经纬度超出范围' }]);
    if (Number.isNaN(Date.parse(p.at))) throw invalid('位置时间不正确', [{ field: `points.${i}.at`, message: '须为 ISO 时间' }]);
  });
}

async function insertPoints(db: Executor, patrolId: string, points: PatrolPoint[]): Promise<void> {
  if (!points.length) return;
  // a point resent after a lost response has the same timestamp: kept once
  await db
    .insertInto('patrol_points')
    .values(points.map((p) => ({ patrol_id: patrolId, at: new Date(p.at), lng: p.lng, lat: p.lat, accuracy: p.accuracy ?? null })))
    .onConflict((oc) => oc.columns(['patrol_id', 'at']).doNothing())
    .execute();
}

async function refreshTrack(ctx: AppContext, db: Executor, patrolId: string): Promise<{ distance: number; count: number }> {
  const pts = await patrolRepo.points(db, patrolId);
  const good = pts.filter((p) => p.accuracy === null || p.accuracy <= MAX_ACCURACY_M);
  let d = 0;
  for (let i = 1; i < good.length; i++) d += distanceM(good[i - 1]!, good[i]!);
  await db.updateTable('patrols').set({ distance_m: d, point_count: pts.length }).where('id', '=', patrolId).execute();
  return { distance: d, count: pts.length };
}

/** Positions sent by the phone (also a batch queued while offline). */
export async function addPatrolPoints(ctx: AppContext, actor: Actor, id: string, points: PatrolPoint[]): Promise<{ accepted: number; pointCount: number; distanceM: number }> {
  requirePermission(actor, 'gridwork.patrol');
  checkPoints(points);
  const p = await patrolFor(ctx, actor, id, true);
  if (p.state !== 'active') throw conflict('巡查已结束');
  return withTx(ctx, async (trx) => {
    await insertPoints(trx, id, points);
    const t = await refreshTrack(ctx, trx, id);
    await audit(trx, ctx.clock, actor, { action: 'patrol.track', entity: 'patrol', entityId: id, after: { points: points.length } });
    return { accepted: points.length, pointCount: t.count, distanceM: Math.round(t.distance) };
  });
}

/** A problem seen on the patrol, reported into cases (channel patrol), linked to the patrol. */
export async function reportFromPatrol(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { description: string; location?: { lng: number; lat: number } | null; address?: string | null; categoryCode?: string | null; photos?: string[]; idempotencyKey?: string | null },
): Promise<{ patrolId: string; case: { id: string; number: string; trackCode: string; state: string; stateName: string }; created: boolean }> {
  requirePermission(actor, 'gridwork.patrol');
  const p = await patrolFor(ctx, actor, id, true);
  let location = input.location ?? null;
  if (!location) {
    const pts = await patrolRepo.points(ctx.db, id);
    const last = pts[pts.length - 1];
    if (!last) throw invalid('请提供问题位置', [{ field: 'location', message: '巡查尚无定位，须提供位置' }]);
    location = { lng: last.lng, lat: last.lat };
  }
  // A report made offline may arrive after the patrol ended: accepted while the key is new.
  if (p.state !== 'active' && !input.idempotencyKey) throw conflict('巡查已结束');
  const c = await reportCase(ctx, actor, {
    description: input.description,
    location,
    address: input.address ?? null,
    categoryCode: input.categoryCode ?? null,
    channel: 'patrol',
    idempotencyKey: input.idempotencyKey ? `patrol:${input.idempotencyKey}` : null,
    photos: input.photos ?? [],
  });
  await withTx(ctx, async (trx) => {
    const r = await trx.insertInto('patrol_cases').values({ patrol_id: id, case_id: c.id, at: ctx.clock.now() }).onConflict((oc) => oc.columns(['patrol_id', 'case_id']).doNothing()).returning('case_id').execute();
    if (r.length > 0) await audit(trx, ctx.clock, actor, { action: 'patrol.report', entity: 'patrol', entityId: id, after: { caseId: c.id, number: c.number } });
  });
  const created = (c as { created?: boolean }).created !== false;
  return { patrolId: id, case: { id: c.id, number: c.number, trackCode: c.trackCode, state: c.state, stateName: c.stateName }, created };
}

async function buildingsOf(ctx: AppContext, gridPath: string) {
  const all = await nodeBriefs(ctx.db, { levels: ['building'], under: gridPath });
  return all.filter((b) => b.lng != null && b.lat != null).map((b) => ({ id: b.id, code: b.code, name: b.name, lng: b.lng!, lat: b.lat! }));
}

function covered(buildings: Array<{ id: string; lng: number; lat: number }>, points: Array<{ lng: number; lat: number }>): Set<string> {
  const out = new Set<string>();
  for (const b of buildings) if (points.some((p) => distanceM(p, b) <= COVER_RADIUS_M)) out.add(b.id);
  return out;
}

/** Ends the patrol with a summary: duration, distance, problems reported, visits made and buildings covered. */
export async function endPatrol(ctx: AppContext, actor: Actor, id: string, input: { summary?: string | null; points?: PatrolPoint[] }): Promise<PatrolView> {
  requirePermission(actor, 'gridwork.patrol');
  checkPoints(input.points ?? []);
  const p = await patrolFor(ctx, actor, id, true);
  if (p.state === 'ended') return viewPatrol(ctx, p, undefined, true); // a retried "end" is harmless
  const now = ctx.clock.now();
  const buildings = await buildingsOf(ctx, p.node_path);
  await withTx(ctx, async (trx) => {
    await insertPoints(trx, id, input.points ?? []);
    const t = await refreshTrack(ctx, trx, id);
    const pts = (await patrolRepo.points(trx, id)).filter((x) => x.accuracy === null || x.accuracy <= MAX_ACCURACY_M);
    const cases = await patrolRepo.casesOf(trx, [id]);
    const visits = await trx
      .selectFrom('visits')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('visitor_id', '=', p.user_id)
      .where((eb) => eb.or([eb('patrol_id', '=', id), eb.and([eb('visited_at', '>=', p.started_at), eb('visited_at', '<=', now)])]))
      .executeTakeFirstOrThrow();
    const stats: PatrolStats = {
      durationMinutes: Math.round((now.getTime() - new Date(p.started_at).getTime()) / 60_000),
      distanceM: Math.round(t.distance),
      points: t.count,
      casesReported: cases.length,
      visits: Number(visits.n),
      buildingsCovered: covered(buildings, pts).size,
      buildingsTotal: buildings.length,
    };
    const summary = input.summary?.trim() || null;
    await trx.updateTable('patrols').set({ state: 'ended', ended_at: now, summary, stats: JSON.stringify(stats) }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'patrol.end', entity: 'patrol', entityId: id, after: { summary, ...stats } });
  });
  return viewPatrol(ctx, (await patrolRepo.byId(ctx.db, id))!, undefined, true);
}

export async function getPatrol(ctx: AppContext, actor: Actor, id: string): Promise<PatrolView> {
  requirePermission(actor, 'gridwork.read');
  const p = await patrolFor(ctx, actor, id, false);
  return viewPatrol(ctx, p, undefined, true);
}

/** The caller's open patrol, if any (the phone page resumes it after a reload). */
export async function myActivePatrol(ctx: AppContext, actor: Actor): Promise<PatrolView | null> {
  requirePermission(actor, 'gridwork.patrol');
  if (!actor.userId) return null;
  const p = await patrolRepo.activeOf(ctx.db, actor.userId);
  return p ? viewPatrol(ctx, p, undefined, true) : null;
}

export async function listPatrols(ctx: AppContext, actor: Actor, q: { nodeId?: string; mine?: boolean; state?: string; from?: string; to?: string; page: number; pageSize: number }) {
  requirePermission(actor, 'gridwork.read');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const { rows, total } = await patrolRepo.list(ctx.db, pathScopeOf(actor), {
    under: n?.path,
    userId: q.mine ? (actor.userId ?? '00000000-0000-0000-0000-000000000000') : undefined,
    state: q.state,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    limit: q.pageSize,
    offset: (q.page - 1) * q.pageSize,
  });
  const grids = new Map((await nodeBriefs(ctx.db, { ids: [...new Set(rows.map((r) => r.grid_id))] })).map((g) => [g.id, g]));
  const items = await Promise.all(rows.map((r) => viewPatrol(ctx, r, grids.get(r.grid_id))));
  return { items, total, page: q.page, pageSize: q.pageSize };
}

export interface CoverageRow {
  grid: { id: string; code: string; name: string };
  patrols: number;
  workers: number;
  daysPatrolled: number;
  minutes: number;
  distanceM: number;
  casesReported: number;
  buildingsCovered: number;
  buildingsTotal: number;
  /** share of buildings a track passed, 0..1 */
  coverage: number;
}

/** Patrol coverage per grid for one week (Monday–Sunday, Asia/Shanghai), for grid leaders and above. */
export async function patrolCoverage(ctx: AppContext, actor: Actor, q: { nodeId?: string; week?: string }): Promise<{ weekStart: string; weekEnd: string; grids: CoverageRow[] }> {
  requirePermission(actor, 'gridwork.coverage');
  const n = await filterNode(ctx.db, actor, q.nodeId);
  const s = pathScopeOf(actor);
  if (q.week && Number.isNaN(Date.parse(q.week))) throw invalid('提交的数据有误', [{ field: 'week', message: '须为日期 YYYY-MM-DD' }]);
  const from = weekStart(q.week ? new Date(q.week + 'T12:00:00+08:00') : ctx.clock.now());
  const to = new Date(from.getTime() + 7 * 86_400_000);
  const under = n?.path ?? (s.kind === 'subtree' ? s.path : undefined);
  const grids = s.kind === 'none' ? [] : (await nodeBriefs(ctx.db, { levels: ['grid'], under })).filter((g) => s.kind === 'all' || pathWithin(g.path, s.path));
  const { rows } = await patrolRepo.list(ctx.db, s, { under, from, to, limit: 100_000, offset: 0 });
  const points = await patrolRepo.pointsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  const cases = await patrolRepo.casesOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  const out: CoverageRow[] = [];
  for (const g of grids) {
    const ps = rows.filter((r) => r.grid_id === g.id);
    const ids = new Set(ps.map((r) => r.id));
    const buildings = await buildingsOf(ctx, g.path);
    const pts = points.filter((p) => ids.has(p.patrol_id));
    const cov = covered(buildings, pts).size;
    const days = new Set(ps.map((r) => new Date(new Date(r.started_at).getTime() + 8 * 3_600_000).toISOString().slice(0, 10)));
    out.push({
      grid: { id: g.id, code: g.code, name: g.name },
      patrols: ps.length,
      workers: new Set(ps.map((r) => r.user_id)).size,
      daysPatrolled: days.size,
      minutes: Math.round(ps.reduce((a, r) => a + ((r.ended_at ? new Date(r.ended_at).getTime() : Math.min(ctx.clock.now().getTime(), to.getTime())) - new Date(r.started_at).getTime()) / 60_000, 0)),
      distanceM: Math.round(ps.reduce((a, r) => a + r.distance_m, 0)),
      casesReported: cases.filter((c) => ids.has(c.patrol_id)).length,
      buildingsCovered: cov,
      buildingsTotal: buildings.length,
      coverage: buildings.length ? Math.round((cov / buildings.length) * 1000) / 1000 : 0,
    });
  }
  return { weekStart: from.toISOString(), weekEnd: to.toISOString(), grids: out };
}

export { locatePoint };
