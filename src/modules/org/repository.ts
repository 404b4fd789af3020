import { sql } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DefaultTimestamp, Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export type Level = 'district' | 'street' | 'community' | 'estate' | 'grid' | 'building' | 'household';
export const LEVELS: Level[] = ['district', 'street', 'community', 'estate', 'grid', 'building', 'household'];

export interface OrgNodesTable {
  id: string;
  parent_id: string | null;
  level: Level;
  code: string;
  name: string;
  path: string;
  geometry: Json | null;
  lng: number | null;
  lat: number | null;
  props: Json<Record<string, unknown>>;
  sort: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DepartmentsTable {
  id: string;
  code: string;
  name: string;
  kind: 'government' | 'utility' | 'company' | 'community';
  handles: string;
  parent_code: string | null;
  service_area: Json | null;
  phone: string | null;
  active: boolean;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

export interface ResidentsTable {
  id: string;
  name: string;
  gender: 'M' | 'F' | null;
  birth_date: string | null;
  id_card_enc: string | null;
  id_card_hash: string | null;
  phone_enc: string | null;
  phone_hash: string | null;
  address_enc: string | null;
  household_id: string | null;
  node_path: string;
  relation: string | null;
  tags: string[];
  status: 'resident' | 'moved_out' | 'deceased';
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ResidentTagEventsTable {
  id: string;
  resident_id: string;
  tag: string;
  op: 'add' | 'remove';
  by_user_id: string | null;
  at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    org_nodes: OrgNodesTable;
    org_meta: { id: number; geo_version: number };
    departments: DepartmentsTable;
    residents: ResidentsTable;
    resident_tag_events: ResidentTagEventsTable;
  }
}

export type OrgNodeRow = {
  id: string;
  parent_id: string | null;
  level: Level;
  code: string;
  name: string;
  path: string;
  geometry: unknown;
  lng: number | null;
  lat: number | null;
  props: Record<string, unknown>;
  sort: number;
};

const nodeCols = ['id', 'parent_id', 'level', 'code', 'name', 'path', 'geometry', 'lng', 'lat', 'props', 'sort'] as const;

export const orgRepo = {
  async nodeById(db: Executor, id: string): Promise<OrgNodeRow | undefined> {
    return (await db.selectFrom('org_nodes').select(nodeCols).where('id', '=', id).executeTakeFirst()) as OrgNodeRow | undefined;
  },
  async nodeByCode(db: Executor, code: string): Promise<OrgNodeRow | undefined> {
    return (await db.selectFrom('org_nodes').select(nodeCols).where('code', '=', code).executeTakeFirst()) as OrgNodeRow | undefined;
  },
  async nodesByIds(db: Executor, ids: string[]): Promise<OrgNodeRow[]> {
    if (ids.length === 0) return [];
    return (await db.selectFrom('org_nodes').select(nodeCols).where('id', 'in', ids).execute()) as OrgNodeRow[];
  },
  async nodesByPaths(db: Executor, paths: string[]): Promise<OrgNodeRow[]> {
    if (paths.length === 0) return [];
    return (await db.selectFrom('org_nodes').select(nodeCols.filter((c) => c !== 'geometry')).where('path', 'in', paths).orderBy('path').execute()) as OrgNodeRow[];
  },
  async pathOf(db: Executor, id: string): Promise<string | null> {
    const r = await db.selectFrom('org_nodes').select('path').where('id', '=', id).executeTakeFirst();
    return r?.path ?? null;
  },
  /** Nodes of the given levels, optionally within a subtree, ordered for display. */
  async listNodes(db: Executor, opts: { levels?: Level[]; under?: string; withGeometry?: boolean; parentId?: string }): Promise<OrgNodeRow[]> {
    let q = db.selectFrom('org_nodes').select(opts.withGeometry === false ? nodeCols.filter((c) => c !== 'geometry') : nodeCols);
    if (opts.levels?.length) q = q.where('level', 'in', opts.levels);
    if (opts.parentId) q = q.where('parent_id', '=', opts.parentId);
    if (opts.under) {
      const under = opts.under;
      q = q.where((eb) => eb.or([eb('path', '=', under), eb('path', 'like', likePrefix(under) + '/%')]));
    }
    return (await q.orderBy('path').execute()) as OrgNodeRow[];
  },
  async ancestorsOf(db: Executor, path: string): Promise<OrgNodeRow[]> {
    const parts = path.split('/');
    const paths = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    return (await db.selectFrom('org_nodes').select(nodeCols).where('path', 'in', paths).orderBy('path').execute()) as OrgNodeRow[];
  },
  async insertNode(db: Executor, n: OrgNodeRow & { created_at: Date; updated_at: Date }): Promise<void> {
    await db
      .insertInto('org_nodes')
      .values({ ...n, geometry: n.geometry === null ? null : JSON.stringify(n.geometry), props: JSON.stringify(n.props ?? {}) })
      .execute();
  },
  async updateNode(db: Executor, id: string, patch: Partial<Pick<OrgNodeRow, 'name' | 'geometry' | 'lng' | 'lat' | 'props' | 'sort'>>, at: Date): Promise<void> {
    const set: Record<string, unknown> = { updated_at: at };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.geometry !== undefined) set.geometry = patch.geometry === null ? null : JSON.stringify(patch.geometry);
    if (patch.lng !== undefined) set.lng = patch.lng;
    if (patch.lat !== undefined) set.lat = patch.lat;
    if (patch.props !== undefined) set.props = JSON.stringify(patch.props);
    if (patch.sort !== undefined) set.sort = patch.sort;
    await db.updateTable('org_nodes').set(set).where('id', '=', id).execute();
  },
  async childCount(db: Executor, id: string): Promise<number> {
    const r = await db.selectFrom('org_nodes').select((eb) => eb.fn.countAll<number>().as('n')).where('parent_id', '=', id).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async deleteNode(db: Executor, id: string): Promise<void> {
    await db.deleteFrom('org_nodes').where('id', '=', id).execute();
  },
  async geoVersion(db: Executor): Promise<number> {
    const r = await db.selectFrom('org_meta').select('geo_version').where('id', '=', 1).executeTakeFirstOrThrow();
    return Number(r.geo_version);
  },
  async bumpGeoVersion(db: Executor): Promise<void> {
    await sql`UPDATE org_meta SET geo_version = geo_version + 1 WHERE id = 1`.execute(db);
  },

  // departments
  async departments(db: Executor) {
    return db.selectFrom('departments').selectAll().orderBy('code').execute();
  },
  async departmentByCode(db: Executor, code: string) {
    return db.selectFrom('departments').selectAll().where('code', '=', code).executeTakeFirst();
  },
  async departmentById(db: Executor, id: string) {
    return db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async insertDepartment(db: Executor, d: Omit<DepartmentsTable, 'created_at' | 'updated_at' | 'service_area'> & { service_area: unknown }) {
    await db
      .insertInto('departments')
      .values({ ...d, service_area: d.service_area === null ? null : JSON.stringify(d.service_area) })
      .execute();
  },
  async updateDepartment(db: Executor, id: string, patch: { name?: string; service_area?: unknown; phone?: string | null; active?: boolean }, at: Date) {
    const set: Record<string, unknown> = { updated_at: at };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.service_area !== undefined) set.service_area = patch.service_area === null ? null : JSON.stringify(patch.service_area);
    if (patch.phone !== undefined) set.phone = patch.phone;
    if (patch.active !== undefined) set.active = patch.active;
    await db.updateTable('departments').set(set).where('id', '=', id).execute();
  },
};

export type ResidentRow = Selectable<ResidentsTable>;

export interface ResidentFilter {
  /** the caller's scope filter, applied to node_path */
  scope: { kind: 'all' } | { kind: 'subtree'; path: string } | { kind: 'none' } | { kind: 'ids'; ids: string[] };
  under?: string;
  tag?: string;
  q?: string;
  phoneHash?: string | null;
  idCardHash?: string | null;
  status?: string;
  limit: number;
  offset: number;
}

export const residentRepo = {
  async list(db: Executor, f: ResidentFilter): Promise<{ rows: ResidentRow[]; total: number }> {
    let q = db.selectFrom('residents');
    const s = f.scope;
    if (s.kind === 'none') return { rows: [], total: 0 };
    if (s.kind === 'subtree') q = q.where((eb) => eb.or([eb('node_path', '=', s.path), eb('node_path', 'like', likePrefix(s.path) + '/%')]));
    if (s.kind === 'ids') q = q.where('id', 'in', s.ids.length ? s.ids : ['00000000-0000-0000-0000-000000000000']);
    if (f.under) {
      const u = f.under;
      q = q.where((eb) => eb.or([eb('node_path', '=', u), eb('node_path', 'like', likePrefix(u) + '/%')]));
    }
    if (f.tag) q = q.where(sql<boolean>`${f.tag} = ANY(tags)`);
    if (f.q) q = q.where('name', 'like', '%' + likePrefix(f.q) + '%');
    if (f.phoneHash) q = q.where('phone_hash', '=', f.phoneHash);
    if (f.idCardHash) q = q.where('id_card_hash', '=', f.idCardHash);
    if (f.status) q = q.where('status', '=', f.status as ResidentRow['status']);
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('node_path').orderBy('id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows as ResidentRow[], total: Number(total.n) };
  },
  /** Non-personal fields of residents by ids or under a path (for other modules' rules: eligibility, rolls). */
  async briefs(db: Executor, f: { ids?: string[]; under?: string }): Promise<Array<Pick<ResidentRow, 'id' | 'name' | 'household_id' | 'node_path' | 'relation' | 'birth_date' | 'status'>>> {
    let q = db.selectFrom('residents').select(['id', 'name', 'household_id', 'node_path', 'relation', 'birth_date', 'status']);
    if (f.ids) q = q.where('id', 'in', f.ids.length ? f.ids : ['00000000-0000-0000-0000-000000000000']);
    if (f.under) {
      const u = f.under;
      q = q.where((eb) => eb.or([eb('node_path', '=', u), eb('node_path', 'like', likePrefix(u) + '/%')]));
    }
    return q.orderBy('node_path').orderBy('id').execute();
  },
  /** Residents in the register under a path (or by ids) having any of the tags, born within [bornAfter, bornOnOrBefore] (for targeting and eligibility). */
  async matching(
    db: Executor,
    f: { under?: string; ids?: string[]; tagsAny?: string[]; bornOnOrBefore?: string | null; bornAfter?: string | null },
  ): Promise<Array<Pick<ResidentRow, 'id' | 'name' | 'node_path' | 'birth_date' | 'tags'>>> {
    let q = db.selectFrom('residents').select(['id', 'name', 'node_path', 'birth_date', 'tags']).where('status', '=', 'resident');
    if (f.ids) q = q.where('id', 'in', f.ids.length ? f.ids : ['00000000-0000-0000-0000-000000000000']);
    if (f.under) {
      const u = f.under;
      q = q.where((eb) => eb.or([eb('node_path', '=', u), eb('node_path', 'like', likePrefix(u) + '/%')]));
    }
    if (f.tagsAny?.length) q = q.where(sql<boolean>`tags && ${sql.val(f.tagsAny)}::text[]`);
    if (f.bornOnOrBefore) q = q.where('birth_date', '<=', f.bornOnOrBefore);
    if (f.bornAfter) q = q.where('birth_date', '>', f.bornAfter);
    return q.orderBy('node_path').orderBy('id').execute();
  },
  /** Active user accounts linked to these residents. */
  async usersOf(db: Executor, residentIds: string[]): Promise<Array<{ userId: string; residentId: string }>> {
    const out: Array<{ userId: string; residentId: string }> = [];
    for (let i = 0; i < residentIds.length; i += 1000) {
      const part = residentIds.slice(i, i + 1000);
      if (!part.length) continue;
      const rows = await db.selectFrom('users').select(['id', 'resident_id']).where('resident_id', 'in', part).where('status', '=', 'active').execute();
      for (const r of rows) if (r.resident_id) out.push({ userId: r.id, residentId: r.resident_id });
    }
    return out;
  },
  async byId(db: Executor, id: string): Promise<ResidentRow | undefined> {
    return (await db.selectFrom('residents').selectAll().where('id', '=', id).executeTakeFirst()) as ResidentRow | undefined;
  },
  async insert(db: Executor, r: Insertable<ResidentsTable>): Promise<void> {
    await db.insertInto('residents').values(r).execute();
  },
  async insertMany(db: Executor, rows: Array<Insertable<ResidentsTable>>): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('residents').values(rows.slice(i, i + 500)).execute();
  },
  async update(db: Executor, id: string, patch: Updateable<ResidentsTable>): Promise<void> {
    await db.updateTable('residents').set(patch).where('id', '=', id).execute();
  },
  async addTagEvents(db: Executor, rows: Array<Insertable<ResidentTagEventsTable>>): Promise<void> {
    if (rows.length) await db.insertInto('resident_tag_events').values(rows).execute();
  },
  async existingIdCardHashes(db: Executor, hashes: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < hashes.length; i += 1000) {
      const part = hashes.slice(i, i + 1000);
      if (!part.length) continue;
      const rows = await db.selectFrom('residents').select('id_card_hash').where('id_card_hash', 'in', part).execute();
      for (const r of rows) if (r.id_card_hash) out.push(r.id_card_hash);
    }
    return out;
  },
  async tagEvents(db: Executor, residentId: string) {
    return db.selectFrom('resident_tag_events').selectAll().where('resident_id', '=', residentId).orderBy('at').execute();
  },
};
