import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { requirePermission, can } from '../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope, scopeOf } from '../../platform/auth/scope.js';
import { audit, logDataAccess } from '../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { maskAddress, maskIdCard, maskPhone } from '../../platform/crypto.js';
import { LEVELS, type Level, type OrgNodeRow, orgRepo, residentRepo, type ResidentRow } from './repository.js';
import { PolygonIndex, isPolygonal, roughCenter } from './spatial.js';
import { cachedRef, dropRef } from '../../platform/refcache.js';

// ---------------------------------------------------------------- spatial lookup

interface GeoState {
  version: number;
  checkedAt: number;
  grids: PolygonIndex;
  estates: PolygonIndex;
  communities: PolygonIndex;
  loading: Promise<void> | null;
}
const geoStates = new WeakMap<AppContext, GeoState>();
/** How often an instance checks whether another instance changed the polygons. */
const GEO_RECHECK_MS = 2000;

async function loadGeo(ctx: AppContext, st: GeoState): Promise<void> {
  const version = await orgRepo.geoVersion(ctx.db);
  const rows = await orgRepo.listNodes(ctx.db, { levels: ['community', 'estate', 'grid'] });
  const areas = (level: Level) =>
    rows
      .filter((r) => r.level === level && isPolygonal(r.geometry))
      .map((r) => ({ id: r.id, code: r.code, name: r.name, path: r.path, geometry: r.geometry as Polygon | MultiPolygon }));
  st.grids = new PolygonIndex(areas('grid'));
  st.estates = new PolygonIndex(areas('estate'));
  st.communities = new PolygonIndex(areas('community'));
  st.version = version;
  st.checkedAt = Date.now();
}

async function geo(ctx: AppContext): Promise<GeoState> {
  let st = geoStates.get(ctx);
  if (!st) {
    st = { version: -1, checkedAt: 0, grids: new PolygonIndex([]), estates: new PolygonIndex([]), communities: new PolygonIndex([]), loading: null };
    geoStates.set(ctx, st);
  }
  if (Date.now() - st.checkedAt > GEO_RECHECK_MS) {
    if (!st.loading) {
      const s = st;
      s.loading = (async () => {
        const v = await orgRepo.geoVersion(ctx.db);
        if (v !== s.version) await loadGeo(ctx, s);
        else s.checkedAt = Date.now();
      })().finally(() => {
        s.loading = null;
      });
    }
    await st.loading;
  }
  return st;
}

/**
 * After a write to the tree or the departments here: marks this instance's polygon index stale
 * (other instances notice the version bump) and drops the reference data other modules cache.
 */
function invalidateGeo(ctx: AppContext): void {
  const st = geoStates.get(ctx);
  if (st) st.checkedAt = 0;
  dropRef(ctx);
}

export interface Located {
  grid: { id: string; code: string; name: string; path: string } | null;
  estate: { id: string; code: string; name: string; path: string } | null;
  community: { id: string; code: string; name: string; path: string } | null;
}

/** Resolves a GCJ-02 point to its grid, estate and community from the in-memory index. */
export async function locatePoint(ctx: AppContext, lng: number, lat: number): Promise<Located> {
  const st = await geo(ctx);
  const pick = (a: { id: string; code: string; name: string; path: string } | null) => (a ? { id: a.id, code: a.code, name: a.name, path: a.path } : null);
  const grid = st.grids.locate(lng, lat);
  const estate = st.estates.locate(lng, lat);
  let community = st.communities.locate(lng, lat);
  if (!community && grid) {
    // Fall back to the grid's community by path.
    const communityPath = grid.path.split('/').slice(0, 3).join('/'); // district/street/community
    const communities = await cachedRef(ctx, 'org.communities', () => orgRepo.listNodes(ctx.db, { levels: ['community'], withGeometry: false }));
    const node = communities.find((n) => n.path === communityPath);
    community = node ? { id: node.id, code: node.code, name: node.name, path: node.path, geometry: { type: 'Polygon', coordinates: [] } } : null;
  }
  return { grid: pick(grid), estate: pick(estate), community: pick(community) };
}

// ---------------------------------------------------------------- tree

export const nodePathOf = (db: Executor, id: string) => orgRepo.pathOf(db, id);

export interface NodeBrief {
  id: string;
  level: Level;
  code: string;
  name: string;
  path: string;
  props: Record<string, unknown>;
  /** the point of a building or household (null for areas) */
  lng?: number | null;
  lat?: number | null;
}

/**
 * Org nodes without geometry, by ids, by exact paths, or by levels under a path, for other modules'
 * rules. The tree down to buildings is not personal data; callers filter households by their own scope rule.
 */
export async function nodeBriefs(db: Executor, f: { ids?: string[]; paths?: string[]; under?: string; levels?: Level[] }): Promise<NodeBrief[]> {
  let rows: OrgNodeRow[];
  if (f.ids) rows = await orgRepo.nodesByIds(db, f.ids);
  else if (f.paths) rows = await orgRepo.nodesByPaths(db, f.paths);
  else rows = await orgRepo.listNodes(db, { levels: f.levels, under: f.under, withGeometry: false });
  return rows.map((n) => ({ id: n.id, level: n.level, code: n.code, name: n.name, path: n.path, props: n.props ?? {}, lng: n.lng, lat: n.lat }));
}

export interface NodeView {
  id: string;
  parentId: string | null;
  level: Level;
  code: string;
  name: string;
  path: string;
  lng: number | null;
  lat: number | null;
  props: Record<string, unknown>;
  geometry?: unknown;
}

const viewNode = (n: OrgNodeRow, withGeometry: boolean): NodeView => ({
  id: n.id,
  parentId: n.parent_id,
  level: n.level,
  code: n.code,
  name: n.name,
  path: n.path,
  lng: n.lng,
  lat: n.lat,
  props: n.props ?? {},
  ...(withGeometry ? { geometry: n.geometry ?? null } : {}),
});

/**
 * Lists org nodes. The structure down to buildings is not personal data and every staff member
 * may read it (maps, dispatch); households are listed only inside the caller's scope.
 */
export async function listNodes(ctx: AppContext, actor: Actor, f: { levels?: Level[]; parentId?: string; under?: string; withGeometry?: boolean }): Promise<NodeView[]> {
  requirePermission(actor, 'org.read');
  const under = f.under;
  if (f.parentId && !under) {
    const p = await orgRepo.nodeById(ctx.db, f.parentId);
    if (!p) throw notFound('上级节点不存在');
  }
  const rows = await orgRepo.listNodes(ctx.db, { levels: f.levels, parentId: f.parentId, under, withGeometry: f.withGeometry });
  const s = scopeOf(actor);
  return rows
    .filter((n) => n.level !== 'household' || s.kind === 'all' || (s.kind === 'subtree' && (n.path === s.path || n.path.startsWith(s.path + '/'))))
    .map((n) => viewNode(n, f.withGeometry !== false));
}

export async function getNode(ctx: AppContext, actor: Actor, id: string): Promise<NodeView & { ancestors: NodeView[]; children: NodeView[] }> {
  requirePermission(actor, 'org.read');
  const n = await orgRepo.nodeById(ctx.db, id);
  if (!n) throw notFound('节点不存在');
  if (n.level === 'household') assertRowInScope(actor, n.path);
  const [anc, kids] = await Promise.all([orgRepo.ancestorsOf(ctx.db, n.path), orgRepo.listNodes(ctx.db, { parentId: n.id, withGeometry: false })]);
  return { ...viewNode(n, true), ancestors: anc.filter((a) => a.id !== n.id).map((a) => viewNode(a, false)), children: kids.map((k) => viewNode(k, false)) };
}

const PARENT_LEVELS: Record<Level, Level[]> = {
  district: [],
  street: ['district'],
  community: ['street'],
  estate: ['community'],
  grid: ['estate', 'community'],
  building: ['grid'],
  household: ['building'],
};

export interface NodeInput {
  code: string;
  name: string;
  level: Level;
  parentCode?: string | null;
  geometry?: unknown;
  lng?: number | null;
  lat?: number | null;
  props?: Record<string, unknown>;
  sort?: number;
}

function checkGeometry(n: NodeInput): void {
  if (n.geometry !== undefined && n.geometry !== null && !isPolygonal(n.geometry)) {
    throw invalid(`节点 ${n.code} 的边界不是合法的 GeoJSON 多边形`, [{ field: 'geometry', message: '须为闭合的 Polygon 或 MultiPolygon' }]);
  }
  if ((n.level === 'grid' || n.level === 'estate') && !n.geometry) {
    throw invalid(`${n.level === 'grid' ? '网格' : '小区'} ${n.code} 必须有边界多边形`, [{ field: 'geometry', message: '为必填项' }]);
  }
}

/**
 * Creates or updates nodes by code, in one transaction: the GeoJSON import and the node editor
 * both come through here. Parents may come earlier in the same batch. Returns counts.
 */
export async function upsertNodes(ctx: AppContext, actor: Actor, input: NodeInput[], trxIn?: Executor): Promise<{ created: number; updated: number }> {
  requirePermission(actor, 'org.write');
  for (const n of input) {
    if (!LEVELS.includes(n.level)) throw invalid(`节点 ${n.code} 的层级 ${n.level} 不存在`);
    if (!/^[A-Za-z0-9_-]+$/.test(n.code)) throw invalid(`节点编码 ${n.code} 只能包含字母、数字、下划线和连字符`);
    checkGeometry(n);
  }
  const run = async (trx: Executor) => {
    let created = 0,
      updated = 0;
    const known = new Map<string, OrgNodeRow>();
    const now = ctx.clock.now();
    let geoChanged = false;
    for (const n of input) {
      const existing = known.get(n.code) ?? (await orgRepo.nodeByCode(trx, n.code));
      let parent: OrgNodeRow | undefined;
      if (n.parentCode) {
        parent = known.get(n.parentCode) ?? (await orgRepo.nodeByCode(trx, n.parentCode));
        if (!parent) throw invalid(`节点 ${n.code} 的上级 ${n.parentCode} 不存在`);
        if (!PARENT_LEVELS[n.level].includes(parent.level)) throw invalid(`${n.code}（${n.level}）不能挂在 ${parent.code}（${parent.level}）之下`);
      } else if (n.level !== 'district') {
        throw invalid(`节点 ${n.code} 缺少上级编码 parentCode`);
      }
      const path = parent ? `${parent.path}/${n.code}` : n.code;
      const center = isPolygonal(n.geometry) ? roughCenter(n.geometry) : null;
      const lng = n.lng ?? center?.[0] ?? null;
      const lat = n.lat ?? center?.[1] ?? null;
      if (existing) {
        if (existing.path !== path) throw conflict(`节点 ${n.code} 已存在于 ${existing.path}，不能通过导入移动`);
        if (existing.level !== n.level) throw conflict(`节点 ${n.code} 已存在，层级为 ${existing.level}`);
        if (actor.roles.includes('community_admin') && !actor.roles.includes('admin')) assertPathInScope(actor, existing.path);
        const patch = { name: n.name, geometry: n.geometry === undefined ? existing.geometry : n.geometry, lng, lat, props: n.props ?? existing.props, sort: n.sort ?? existing.sort };
        await orgRepo.updateNode(trx, existing.id, patch, now);
        await audit(trx as never, ctx.clock, actor, { action: 'org.node.update', entity: 'org_node', entityId: existing.id, before: { name: existing.name, props: existing.props }, after: { name: n.name, props: patch.props, geometryChanged: n.geometry !== undefined } });
        known.set(n.code, { ...existing, ...patch });
        updated++;
      } else {
        if (parent && !can(actor, 'org.write.all')) assertPathInScope(actor, parent.path);
        const row: OrgNodeRow = { id: newId(), parent_id: parent?.id ?? null, level: n.level, code: n.code, name: n.name, path, geometry: n.geometry ?? null, lng, lat, props: n.props ?? {}, sort: n.sort ?? 0 };
        await orgRepo.insertNode(trx, { ...row, created_at: now, updated_at: now });
        await audit(trx as never, ctx.clock, actor, { action: 'org.node.create', entity: 'org_node', entityId: row.id, after: { code: row.code, name: row.name, level: row.level, path } });
        known.set(n.code, row);
        created++;
      }
      if (['grid', 'estate', 'community'].includes(n.level) && n.geometry !== undefined) geoChanged = true;
    }
    if (geoChanged) await orgRepo.bumpGeoVersion(trx);
    return { created, updated };
  };
  const result = trxIn ? await run(trxIn) : await withTx(ctx, (trx) => run(trx));
  invalidateGeo(ctx);
  return result;
}

export async function deleteNode(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'org.write');
  await withTx(ctx, async (trx) => {
    const n = await orgRepo.nodeById(trx, id);
    if (!n) throw notFound('节点不存在');
    if (!can(actor, 'org.write.all')) assertPathInScope(actor, n.path);
    if ((await orgRepo.childCount(trx, id)) > 0) throw conflict('该节点下还有下级节点，不能删除');
    const residents = await residentRepo.list(trx, { scope: { kind: 'all' }, under: n.path, limit: 1, offset: 0 });
    if (residents.total > 0) throw conflict('该节点下还有居民，不能删除');
    await orgRepo.deleteNode(trx, id);
    if (['grid', 'estate', 'community'].includes(n.level)) await orgRepo.bumpGeoVersion(trx);
    await audit(trx, ctx.clock, actor, { action: 'org.node.delete', entity: 'org_node', entityId: id, before: { code: n.code, name: n.name, level: n.level, path: n.path } });
  });
  invalidateGeo(ctx);
}

// ---------------------------------------------------------------- GeoJSON import / export

export async function importGeoJson(ctx: AppContext, actor: Actor, fc: unknown): Promise<{ created: number; updated: number }> {
  const f = fc as FeatureCollection;
  if (!f || f.type !== 'FeatureCollection' || !Array.isArray(f.features)) throw invalid('须为 GeoJSON FeatureCollection');
  const problems: Array<{ field: string; message: string }> = [];
  const nodes: NodeInput[] = f.features.map((feat, i) => {
    const p = (feat?.properties ?? {}) as Record<string, unknown>;
    if (typeof p.code !== 'string' || !p.code) problems.push({ field: `features.${i}.properties.code`, message: '为必填项' });
    if (typeof p.name !== 'string' || !p.name) problems.push({ field: `features.${i}.properties.name`, message: '为必填项' });
    if (typeof p.level !== 'string' || !LEVELS.includes(p.level as Level)) problems.push({ field: `features.${i}.properties.level`, message: `须为 ${LEVELS.join('/')} 之一` });
    const g = feat?.geometry as { type?: string; coordinates?: unknown } | null;
    const point = g?.type === 'Point' ? (g.coordinates as number[]) : null;
    return {
      code: String(p.code ?? ''),
      name: String(p.name ?? ''),
      level: p.level as Level,
      parentCode: (p.parentCode as string | undefined) ?? null,
      geometry: point ? undefined : (g ?? undefined),
      lng: point?.[0] ?? null,
      lat: point?.[1] ?? null,
      props: (p.props as Record<string, unknown> | undefined) ?? undefined,
    };
  });
  if (problems.length) throw invalid('GeoJSON 内容有误', problems);
  // Parents first, whatever the file's order.
  nodes.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level));
  return upsertNodes(ctx, actor, nodes);
}

export async function exportGeoJson(ctx: AppContext, actor: Actor, levels: Level[]): Promise<FeatureCollection> {
  requirePermission(actor, 'org.read');
  const rows = await orgRepo.listNodes(ctx.db, { levels: levels.filter((l) => l !== 'household') });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const all = rows.some((r) => r.parent_id && !byId.has(r.parent_id)) ? new Map((await orgRepo.listNodes(ctx.db, { withGeometry: false, levels: LEVELS.filter((l) => l !== 'household') })).map((r) => [r.id, r])) : byId;
  return {
    type: 'FeatureCollection',
    features: rows.map((r) => ({
      type: 'Feature',
      properties: { code: r.code, name: r.name, level: r.level, parentCode: r.parent_id ? (all.get(r.parent_id)?.code ?? null) : null, props: r.props },
      geometry: (r.geometry as Polygon | MultiPolygon | null) ?? (r.lng !== null && r.lat !== null ? { type: 'Point', coordinates: [r.lng, r.lat] } : null),
    })) as FeatureCollection['features'],
  };
}

// ---------------------------------------------------------------- departments

export interface DepartmentView {
  id: string;
  code: string;
  name: string;
  kind: string;
  handles: string;
  parentCode: string | null;
  serviceArea: unknown;
  phone: string | null;
  active: boolean;
}

const viewDept = (d: Awaited<ReturnType<typeof orgRepo.departmentById>> & object): DepartmentView => ({
  id: d.id,
  code: d.code,
  name: d.name,
  kind: d.kind,
  handles: d.handles,
  parentCode: d.parent_code,
  serviceArea: d.service_area ?? null,
  phone: d.phone,
  active: d.active,
});

export async function listDepartments(ctx: AppContext): Promise<DepartmentView[]> {
  return (await orgRepo.departments(ctx.db)).map(viewDept);
}

export async function departmentByCode(ctx: AppContext, code: string, db: Executor = ctx.db): Promise<DepartmentView | null> {
  const d = await orgRepo.departmentByCode(db, code);
  return d ? viewDept(d) : null;
}

export async function departmentById(ctx: AppContext, id: string, db: Executor = ctx.db): Promise<DepartmentView | null> {
  const d = await orgRepo.departmentById(db, id);
  return d ? viewDept(d) : null;
}

export async function createDepartment(
  ctx: AppContext,
  actor: Actor,
  d: { code: string; name: string; kind: DepartmentView['kind']; handles?: string; parentCode?: string | null; serviceArea?: unknown; phone?: string | null },
  trxIn?: Executor,
): Promise<string> {
  requirePermission(actor, 'org.write');
  if (d.serviceArea != null && !isPolygonal(d.serviceArea)) throw invalid('服务区域须为 GeoJSON 多边形');
  const id = newId();
  const run = async (trx: Executor) => {
    if (await orgRepo.departmentByCode(trx, d.code)) throw conflict(`部门编码 ${d.code} 已存在`);
    await orgRepo.insertDepartment(trx, { id, code: d.code, name: d.name, kind: d.kind as never, handles: d.handles ?? '', parent_code: d.parentCode ?? null, service_area: d.serviceArea ?? null, phone: d.phone ?? null, active: true });
    await audit(trx as never, ctx.clock, actor, { action: 'org.department.create', entity: 'department', entityId: id, after: d });
  };
  if (trxIn) await run(trxIn);
  else await withTx(ctx, (trx) => run(trx));
  dropRef(ctx);
  return id;
}

export async function updateDepartment(ctx: AppContext, actor: Actor, id: string, patch: { name?: string; serviceArea?: unknown; phone?: string | null; active?: boolean }): Promise<DepartmentView> {
  requirePermission(actor, 'org.write.all');
  if (patch.serviceArea != null && !isPolygonal(patch.serviceArea)) throw invalid('服务区域须为 GeoJSON 多边形', [{ field: 'serviceArea', message: '须为闭合的 Polygon 或 MultiPolygon' }]);
  const updated = await withTx(ctx, async (trx) => {
    const before = await orgRepo.departmentById(trx, id);
    if (!before) throw notFound('部门不存在');
    await orgRepo.updateDepartment(trx, id, { name: patch.name, service_area: patch.serviceArea, phone: patch.phone, active: patch.active }, ctx.clock.now());
    const after = (await orgRepo.departmentById(trx, id))!;
    await audit(trx, ctx.clock, actor, { action: 'org.department.update', entity: 'department', entityId: id, before: viewDept(before), after: viewDept(after) });
    return viewDept(after);
  });
  dropRef(ctx);
  return updated;
}

// ---------------------------------------------------------------- residents

export const RESIDENT_TAGS = ['独居老人', '高龄', '残疾人', '低保', '优抚对象', '重点关注', '党员', '志愿者'] as const;
export const PII_FIELDS = ['phone', 'idCard', 'address'] as const;
export type PiiField = (typeof PII_FIELDS)[number];

export interface ResidentView {
  id: string;
  name: string;
  gender: 'M' | 'F' | null;
  age: number | null;
  phone: string | null;
  idCard: string | null;
  address: string | null;
  householdId: string | null;
  nodePath: string;
  relation: string | null;
  tags: string[];
  status: string;
  masked: boolean;
}

function ageOn(birth: string | null, now: Date): number | null {
  if (!birth) return null;
  const b = new Date(birth + 'T00:00:00+08:00');
  let a = now.getUTCFullYear() - b.getUTCFullYear();
  const m = now.getUTCMonth() - b.getUTCMonth();
  if (m < 0 || (m === 0 && now.getUTCDate() < b.getUTCDate())) a--;
  return a;
}

function viewResident(ctx: AppContext, r: ResidentRow, reveal: ReadonlySet<PiiField>): ResidentView {
  const phone = ctx.cipher.decrypt(r.phone_enc);
  const idCard = ctx.cipher.decrypt(r.id_card_enc);
  const address = ctx.cipher.decrypt(r.address_enc);
  return {
    id: r.id,
    name: r.name,
    gender: r.gender,
    age: ageOn(r.birth_date, ctx.clock.now()),
    phone: reveal.has('phone') ? phone : maskPhone(phone),
    idCard: reveal.has('idCard') ? idCard : maskIdCard(idCard),
    address: reveal.has('address') ? address : maskAddress(address),
    householdId: r.household_id,
    nodePath: r.node_path,
    relation: r.relation,
    tags: r.tags,
    status: r.status,
    masked: reveal.size < PII_FIELDS.length,
  };
}

/** The residents an actor may see; a node filter outside the actor's scope is refused (403). */
export async function listResidents(
  ctx: AppContext,
  actor: Actor,
  f: { nodeId?: string; tag?: string; q?: string; phone?: string; idCard?: string; status?: string; page: number; pageSize: number },
): Promise<{ items: ResidentView[]; total: number; page: number; pageSize: number }> {
  requirePermission(actor, 'residents.read');
  const s = scopeOf(actor);
  let under: string | undefined;
  if (f.nodeId) {
    const n = await orgRepo.nodeById(ctx.db, f.nodeId);
    if (!n) throw notFound('节点不存在');
    assertPathInScope(actor, n.path);
    under = n.path;
  }
  const scope = s.kind === 'all' ? s : s.kind === 'subtree' ? s : s.kind === 'self' && actor.residentId ? { kind: 'ids' as const, ids: [actor.residentId] } : { kind: 'none' as const };
  const { rows, total } = await residentRepo.list(ctx.db, {
    scope,
    under,
    tag: f.tag,
    q: f.q,
    phoneHash: f.phone ? ctx.cipher.blindIndex(f.phone) : undefined,
    idCardHash: f.idCard ? ctx.cipher.blindIndex(f.idCard) : undefined,
    status: f.status,
    limit: f.pageSize,
    offset: (f.page - 1) * f.pageSize,
  });
  return { items: rows.map((r) => viewResident(ctx, r, new Set())), total, page: f.page, pageSize: f.pageSize };
}

/** One resident, masked; `reveal` names fields to show in clear (needs pii.reveal, and is logged). */
export async function getResident(ctx: AppContext, actor: Actor, id: string, reveal: PiiField[] = []): Promise<ResidentView> {
  const r = await residentRepo.byId(ctx.db, id);
  const own = actor.residentId === id;
  if (!r) throw notFound();
  if (!own) {
    requirePermission(actor, 'residents.read');
    assertRowInScope(actor, r.node_path);
  }
  const fields = [...new Set(reveal)];
  if (fields.length && !own && !can(actor, 'pii.reveal')) throw forbidden('您的角色无权查看完整个人信息');
  if (fields.length) await logDataAccess(ctx.db, ctx.clock, actor, { entity: 'resident', entityId: id, fields, reason: own ? 'self' : null });
  return viewResident(ctx, r, new Set(fields));
}

export interface ResidentBrief {
  id: string;
  name: string;
  householdId: string | null;
  /** the household's org path */
  nodePath: string;
  relation: string | null;
  birthDate: string | null;
  status: string;
}

/**
 * Residents' non-personal fields (no phone, ID card or address) by ids or under an org path, for
 * other modules' rules (e.g. who may vote). No permission check: callers apply their own rules.
 */
export async function residentBriefs(db: Executor, f: { ids?: string[]; under?: string }): Promise<ResidentBrief[]> {
  const rows = await residentRepo.briefs(db, f);
  return rows.map((r) => ({ id: r.id, name: r.name, householdId: r.household_id, nodePath: r.node_path, relation: r.relation, birthDate: r.birth_date, status: r.status }));
}

/** A resident's local (Asia/Shanghai) birth-date bound for an age: born on or before it ⇔ at least `age` years old on `on`. */
function birthBound(on: Date, age: number): string {
  const local = new Date(on.getTime() + 8 * 3_600_000);
  const y = local.getUTCFullYear() - age;
  const m = local.getUTCMonth() + 1;
  let d = local.getUTCDate();
  // 29 February in a year without it: the 28th
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) d = 28;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export interface ResidentMatch {
  id: string;
  name: string;
  nodePath: string;
  birthDate: string | null;
  tags: string[];
}

/**
 * Residents in the register (status resident) under an org path, or by ids, having ANY of `tagsAny`
 * (none: no tag filter) and aged within [minAge, maxAge] on `on` — for targeting notices and
 * checking eligibility. Residents without a birth date are excluded by any age bound. No
 * permission check: callers apply their own scope rule to `under`.
 */
export async function residentsMatching(
  db: Executor,
  f: { under?: string; ids?: string[]; tagsAny?: string[]; minAge?: number | null; maxAge?: number | null; on: Date },
): Promise<ResidentMatch[]> {
  const rows = await residentRepo.matching(db, {
    under: f.under,
    ids: f.ids,
    tagsAny: f.tagsAny,
    bornOnOrBefore: f.minAge != null ? birthBound(f.on, f.minAge) : null,
    bornAfter: f.maxAge != null ? birthBound(f.on, f.maxAge + 1) : null,
  });
  return rows.map((r) => ({ id: r.id, name: r.name, nodePath: r.node_path, birthDate: r.birth_date, tags: r.tags }));
}

/** Active user accounts linked to these residents (to reach them in the inbox). */
export const usersOfResidents = (db: Executor, residentIds: string[]) => residentRepo.usersOf(db, residentIds);

export interface ResidentInput {
  name: string;
  gender?: 'M' | 'F' | null;
  birthDate?: string | null;
  idCard?: string | null;
  phone?: string | null;
  address?: string | null;
  householdId: string;
  relation?: string | null;
  tags?: string[];
}

export async function createResident(ctx: AppContext, actor: Actor, input: ResidentInput): Promise<ResidentView> {
  requirePermission(actor, 'residents.write');
  for (const t of input.tags ?? []) if (!(RESIDENT_TAGS as readonly string[]).includes(t)) throw invalid(`未知标签 ${t}`, [{ field: 'tags', message: `须为 ${RESIDENT_TAGS.join('、')} 之一` }]);
  return withTx(ctx, async (trx) => {
    const hh = await orgRepo.nodeById(trx, input.householdId);
    if (!hh || !['household', 'building', 'grid'].includes(hh.level)) throw invalid('住户不存在', [{ field: 'householdId', message: '须为户、楼栋或网格节点' }]);
    assertPathInScope(actor, hh.path);
    const now = ctx.clock.now();
    const row = residentRow(ctx, input, hh.path, now);
    await residentRepo.insert(trx, { ...row, created_at: now, updated_at: now });
    await residentRepo.addTagEvents(trx, row.tags.map((tag) => ({ id: newId(), resident_id: row.id, tag, op: 'add' as const, by_user_id: actor.userId, at: now })));
    await audit(trx, ctx.clock, actor, { action: 'resident.create', entity: 'resident', entityId: row.id, after: { name: row.name, node_path: row.node_path, tags: row.tags } });
    return viewResident(ctx, { ...row, created_at: now, updated_at: now }, new Set());
  });
}

/** Builds an encrypted resident row (also used by bulk seeding and imports). */
export function residentRow(ctx: AppContext, input: ResidentInput, nodePath: string, _now: Date) {
  return {
    id: newId(),
    name: input.name,
    gender: input.gender ?? null,
    birth_date: input.birthDate ?? null,
    id_card_enc: ctx.cipher.encrypt(input.idCard ?? null),
    id_card_hash: ctx.cipher.blindIndex(input.idCard ?? null),
    phone_enc: ctx.cipher.encrypt(input.phone ?? null),
    phone_hash: ctx.cipher.blindIndex(input.phone ?? null),
    address_enc: ctx.cipher.encrypt(input.address ?? null),
    household_id: input.householdId,
    node_path: nodePath,
    relation: input.relation ?? null,
    tags: input.tags ?? [],
    status: 'resident' as const,
  };
}

export async function insertResidentsBulk(ctx: AppContext, db: Executor, rows: ReturnType<typeof residentRow>[], byUserId: string | null = null): Promise<void> {
  const now = ctx.clock.now();
  await residentRepo.insertMany(
    db,
    rows.map((r) => ({ ...r, created_at: now, updated_at: now })),
  );
  await residentRepo.addTagEvents(
    db,
    rows.flatMap((r) => r.tags.map((tag) => ({ id: newId(), resident_id: r.id, tag, op: 'add' as const, by_user_id: byUserId, at: now }))),
  );
}

/** Which of these ID-card blind indexes are already registered (bulk duplicate check for imports). */
export async function existingIdCardHashes(db: Executor, hashes: string[]): Promise<Set<string>> {
  return new Set(await residentRepo.existingIdCardHashes(db, hashes));
}

/** Who set or removed each of a resident's tags, and when (no permission check: callers check scope). */
export async function residentTagHistory(db: Executor, residentId: string): Promise<Array<{ tag: string; op: 'add' | 'remove'; byUserId: string | null; at: string }>> {
  return (await residentRepo.tagEvents(db, residentId)).map((e) => ({ tag: e.tag, op: e.op, byUserId: e.by_user_id, at: new Date(e.at).toISOString() }));
}

/**
 * Moves a resident to another household, or changes their status (moved out). No checks and no
 * audit: the caller (grid-work's move history) checks scope and audits in the same transaction.
 */
export async function setResidentPlacement(db: Executor, id: string, p: { householdId?: string; nodePath?: string; status?: ResidentRow['status'] }, at: Date): Promise<void> {
  await residentRepo.update(db, id, {
    ...(p.householdId !== undefined ? { household_id: p.householdId } : {}),
    ...(p.nodePath !== undefined ? { node_path: p.nodePath } : {}),
    ...(p.status !== undefined ? { status: p.status } : {}),
    updated_at: at,
  });
}

export async function setResidentTags(ctx: AppContext, actor: Actor, id: string, tags: string[]): Promise<ResidentView> {
  requirePermission(actor, 'residents.write');
  for (const t of tags) if (!(RESIDENT_TAGS as readonly string[]).includes(t)) throw invalid(`未知标签 ${t}`, [{ field: 'tags', message: `须为 ${RESIDENT_TAGS.join('、')} 之一` }]);
  return withTx(ctx, async (trx) => {
    const r = await residentRepo.byId(trx, id);
    if (!r) throw notFound();
    assertRowInScope(actor, r.node_path);
    const now = ctx.clock.now();
    const added = tags.filter((t) => !r.tags.includes(t));
    const removed = r.tags.filter((t) => !tags.includes(t));
    await residentRepo.update(trx, id, { tags, updated_at: now });
    await residentRepo.addTagEvents(trx, [
      ...added.map((tag) => ({ id: newId(), resident_id: id, tag, op: 'add' as const, by_user_id: actor.userId, at: now })),
      ...removed.map((tag) => ({ id: newId(), resident_id: id, tag, op: 'remove' as const, by_user_id: actor.userId, at: now })),
    ]);
    await audit(trx, ctx.clock, actor, { action: 'resident.tags', entity: 'resident', entityId: id, before: { tags: r.tags }, after: { tags } });
    return viewResident(ctx, { ...r, tags }, new Set());
  });
}
