import { sql, type Expression, type ExpressionBuilder, type Insertable, type SqlBool } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DB, Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export interface ResidentMovesTable {
  id: string;
  resident_id: string;
  kind: 'move_in' | 'move_out' | 'transfer';
  from_household_id: string | null;
  to_household_id: string | null;
  from_path: string | null;
  to_path: string | null;
  node_path: string;
  moved_on: string;
  reason: string | null;
  by_user_id: string | null;
  by_name: string | null;
  created_at: Timestamp;
}

export type ImportStatus = 'preview' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export interface ImportError {
  row: number;
  reasons: string[];
}
export interface ResidentImportsTable {
  id: string;
  created_by: string | null;
  created_name: string | null;
  node_path: string;
  file_name: string | null;
  file_enc: string | null;
  status: ImportStatus;
  total_rows: number;
  valid_rows: number;
  processed: number;
  inserted: number;
  errors: Json<ImportError[]>;
  message: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface GridTeamMembersTable {
  id: string;
  grid_id: string;
  node_path: string;
  role: 'leader' | 'worker';
  user_id: string | null;
  name: string;
  phone_enc: string | null;
  active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface HouseholdAssignmentsTable {
  household_id: string;
  member_id: string;
  node_path: string;
  assigned_at: Timestamp;
}

export interface PatrolsTable {
  id: string;
  user_id: string;
  user_name: string;
  grid_id: string;
  node_path: string;
  state: 'active' | 'ended';
  started_at: Timestamp;
  ended_at: Timestamp | null;
  distance_m: number;
  point_count: number;
  summary: string | null;
  stats: Json<Record<string, unknown>> | null;
  idem_key: string | null;
  created_at: Timestamp;
}

export interface PatrolPointsTable {
  patrol_id: string;
  at: Timestamp;
  lng: number;
  lat: number;
  accuracy: number | null;
}

export interface PatrolCasesTable {
  patrol_id: string;
  case_id: string;
  at: Timestamp;
}

export interface VisitRulesTable {
  id: string;
  tag: string;
  interval_days: number;
  active: boolean;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface VisitsTable {
  id: string;
  resident_id: string;
  household_id: string | null;
  node_path: string;
  visitor_id: string | null;
  visitor_name: string;
  visited_at: Timestamp;
  kind: 'home' | 'phone' | 'other';
  notes: string | null;
  needs: string | null;
  photos: string[];
  patrol_id: string | null;
  idem_key: string | null;
  created_at: Timestamp;
}

export interface VisitFlagsTable {
  id: string;
  resident_id: string;
  node_path: string;
  tag: string;
  due_at: Timestamp;
  flagged_at: Timestamp;
  cleared_at: Timestamp | null;
  cleared_by_visit: string | null;
}

export interface ProxyServicesTable {
  id: string;
  resident_id: string;
  node_path: string;
  staff_id: string | null;
  staff_name: string;
  kind: 'case' | 'service' | 'activity';
  item: string;
  ref_type: string | null;
  ref_id: string | null;
  ref_number: string | null;
  track_code: string;
  state: 'open' | 'done' | 'cancelled';
  details: string | null;
  result: string | null;
  idem_key: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface PartyOrgsTable {
  id: string;
  parent_id: string | null;
  level: 'committee' | 'branch' | 'group';
  name: string;
  node_id: string;
  node_path: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PartyMembersTable {
  id: string;
  org_id: string;
  resident_id: string;
  node_path: string;
  post: string;
  joined_on: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PartyContactHouseholdsTable {
  household_id: string;
  member_id: string;
  node_path: string;
  linked_at: Timestamp;
}

export interface PartyCrossPostsTable {
  id: string;
  member_id: string;
  party_post: string;
  body_kind: 'owners_committee' | 'property_company';
  body_name: string;
  body_code: string | null;
  post: string;
  node_path: string;
  created_at: Timestamp;
}

export interface ServiceSitesTable {
  id: string;
  level: 'street' | 'community' | 'estate';
  name: string;
  node_id: string;
  node_path: string;
  address: string | null;
  lng: number | null;
  lat: number | null;
  opening_hours: string;
  services: string[];
  phone: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    resident_moves: ResidentMovesTable;
    resident_imports: ResidentImportsTable;
    grid_team_members: GridTeamMembersTable;
    household_assignments: HouseholdAssignmentsTable;
    patrols: PatrolsTable;
    patrol_points: PatrolPointsTable;
    patrol_cases: PatrolCasesTable;
    visit_rules: VisitRulesTable;
    visits: VisitsTable;
    visit_flags: VisitFlagsTable;
    proxy_services: ProxyServicesTable;
    party_orgs: PartyOrgsTable;
    party_members: PartyMembersTable;
    party_contact_households: PartyContactHouseholdsTable;
    party_cross_posts: PartyCrossPostsTable;
    service_sites: ServiceSitesTable;
  }
}

/** A scope on an org-path column: everything, a subtree, or nothing. */
export type PathScope = { kind: 'all' } | { kind: 'subtree'; path: string } | { kind: 'none' };

/** `column` lies in the scope (and, when given, under `under`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function inScope(eb: ExpressionBuilder<any, any>, column: string, s: PathScope, under?: string): Expression<SqlBool> {
  const col = sql.ref(column);
  const parts: Expression<SqlBool>[] = [];
  if (s.kind === 'none') return sql<SqlBool>`false`;
  for (const p of [s.kind === 'subtree' ? s.path : null, under ?? null]) {
    if (!p) continue;
    parts.push(eb.or([eb(col, '=', p), eb(col, 'like', likePrefix(p) + '/%')]));
  }
  return parts.length ? eb.and(parts) : sql<SqlBool>`true`;
}

/** Multi-row insert in chunks (one statement per chunk). */
export async function insertChunked<T extends keyof DB & string>(db: Executor, table: T, rows: Array<Insertable<DB[T]>>, chunk = 500): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) await db.insertInto(table).values(rows.slice(i, i + chunk) as never).execute();
}

export const moveRepo = {
  async byResident(db: Executor, residentId: string) {
    return db.selectFrom('resident_moves').selectAll().where('resident_id', '=', residentId).orderBy('moved_on').orderBy('created_at').execute();
  },
  async list(db: Executor, s: PathScope, f: { under?: string; kind?: string; from?: string; to?: string; limit: number; offset: number }) {
    let q = db.selectFrom('resident_moves').innerJoin('residents', 'residents.id', 'resident_moves.resident_id').where((eb) => inScope(eb, 'resident_moves.node_path', s, f.under));
    if (f.kind) q = q.where('resident_moves.kind', '=', f.kind as 'move_in');
    if (f.from) q = q.where('resident_moves.moved_on', '>=', f.from);
    if (f.to) q = q.where('resident_moves.moved_on', '<=', f.to);
    const [rows, n] = await Promise.all([
      q.selectAll('resident_moves').select('residents.name as resident_name').orderBy('resident_moves.moved_on', 'desc').orderBy('resident_moves.created_at', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(n.n) };
  },
};

export const importRepo = {
  async byId(db: Executor, id: string) {
    return db.selectFrom('resident_imports').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async list(db: Executor, s: PathScope, limit: number) {
    return db
      .selectFrom('resident_imports')
      .select(['id', 'created_name', 'node_path', 'file_name', 'status', 'total_rows', 'valid_rows', 'processed', 'inserted', 'message', 'created_at', 'started_at', 'finished_at'])
      .where((eb) => inScope(eb, 'node_path', s))
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
  },
};

export const teamRepo = {
  async membersOfGrids(db: Executor, gridIds: string[]) {
    if (!gridIds.length) return [];
    return db.selectFrom('grid_team_members').selectAll().where('grid_id', 'in', gridIds).where('active', '=', true).orderBy('role').orderBy('name').execute();
  },
  async memberById(db: Executor, id: string) {
    return db.selectFrom('grid_team_members').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async membershipsOfUser(db: Executor, userId: string) {
    return db.selectFrom('grid_team_members').selectAll().where('user_id', '=', userId).where('active', '=', true).execute();
  },
  async assignmentsOfMembers(db: Executor, memberIds: string[]) {
    if (!memberIds.length) return [];
    return db.selectFrom('household_assignments').selectAll().where('member_id', 'in', memberIds).execute();
  },
  async assignmentsOfHouseholds(db: Executor, householdIds: string[]) {
    if (!householdIds.length) return [];
    return db
      .selectFrom('household_assignments')
      .innerJoin('grid_team_members', 'grid_team_members.id', 'household_assignments.member_id')
      .select(['household_assignments.household_id', 'grid_team_members.id as member_id', 'grid_team_members.name', 'grid_team_members.role', 'grid_team_members.user_id', 'grid_team_members.phone_enc'])
      .where('household_assignments.household_id', 'in', householdIds)
      .execute();
  },
};

export const patrolRepo = {
  async byId(db: Executor, id: string) {
    return db.selectFrom('patrols').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async byIdemKey(db: Executor, key: string) {
    return db.selectFrom('patrols').selectAll().where('idem_key', '=', key).executeTakeFirst();
  },
  async activeOf(db: Executor, userId: string) {
    return db.selectFrom('patrols').selectAll().where('user_id', '=', userId).where('state', '=', 'active').executeTakeFirst();
  },
  async points(db: Executor, patrolId: string) {
    return db.selectFrom('patrol_points').select(['at', 'lng', 'lat', 'accuracy']).where('patrol_id', '=', patrolId).orderBy('at').execute();
  },
  async pointsOf(db: Executor, patrolIds: string[]) {
    if (!patrolIds.length) return [];
    return db.selectFrom('patrol_points').select(['patrol_id', 'at', 'lng', 'lat']).where('patrol_id', 'in', patrolIds).orderBy('patrol_id').orderBy('at').execute();
  },
  async casesOf(db: Executor, patrolIds: string[]) {
    if (!patrolIds.length) return [];
    return db.selectFrom('patrol_cases').selectAll().where('patrol_id', 'in', patrolIds).orderBy('at').execute();
  },
  async list(db: Executor, s: PathScope, f: { under?: string; userId?: string; from?: Date; to?: Date; state?: string; limit: number; offset: number }) {
    let q = db.selectFrom('patrols').where((eb) => inScope(eb, 'node_path', s, f.under));
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.from) q = q.where('started_at', '>=', f.from);
    if (f.to) q = q.where('started_at', '<', f.to);
    if (f.state) q = q.where('state', '=', f.state as 'active');
    const [rows, n] = await Promise.all([
      q.selectAll().orderBy('started_at', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(n.n) };
  },
};

export const visitRepo = {
  async rules(db: Executor) {
    return db.selectFrom('visit_rules').selectAll().orderBy('interval_days').orderBy('tag').execute();
  },
  async byIdemKey(db: Executor, key: string) {
    return db.selectFrom('visits').selectAll().where('idem_key', '=', key).executeTakeFirst();
  },
  async byId(db: Executor, id: string) {
    return db.selectFrom('visits').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async list(db: Executor, s: PathScope, f: { under?: string; residentId?: string; visitorId?: string; from?: Date; to?: Date; limit: number; offset: number }) {
    let q = db.selectFrom('visits').innerJoin('residents', 'residents.id', 'visits.resident_id').where((eb) => inScope(eb, 'visits.node_path', s, f.under));
    if (f.residentId) q = q.where('visits.resident_id', '=', f.residentId);
    if (f.visitorId) q = q.where('visits.visitor_id', '=', f.visitorId);
    if (f.from) q = q.where('visits.visited_at', '>=', f.from);
    if (f.to) q = q.where('visits.visited_at', '<', f.to);
    const [rows, n] = await Promise.all([
      q.selectAll('visits').select(['residents.name as resident_name', 'residents.tags as resident_tags']).orderBy('visits.visited_at', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(n.n) };
  },
  /** Residents carrying any of `tags` in the scope, with their last visit. */
  async dueCandidates(db: Executor, s: PathScope, tags: string[], under?: string) {
    if (!tags.length) return [];
    return db
      .selectFrom('residents')
      .leftJoin(
        (eb) => eb.selectFrom('visits').select(['resident_id', (e) => e.fn.max('visited_at').as('last_at')]).groupBy('resident_id').as('lv'),
        (j) => j.onRef('lv.resident_id', '=', 'residents.id'),
      )
      .select(['residents.id', 'residents.name', 'residents.node_path', 'residents.household_id', 'residents.tags', 'residents.created_at', 'lv.last_at'])
      .where('residents.status', '=', 'resident')
      .where(sql<boolean>`residents.tags && ${sql.val(tags)}::text[]`)
      .where((eb) => inScope(eb, 'residents.node_path', s, under))
      .orderBy('residents.node_path')
      .execute();
  },
  async openFlags(db: Executor, s: PathScope, under?: string) {
    return db.selectFrom('visit_flags').selectAll().where('cleared_at', 'is', null).where((eb) => inScope(eb, 'node_path', s, under)).execute();
  },
  async openFlagOf(db: Executor, residentId: string) {
    return db.selectFrom('visit_flags').selectAll().where('resident_id', '=', residentId).where('cleared_at', 'is', null).executeTakeFirst();
  },
};

export const proxyRepo = {
  async byId(db: Executor, id: string) {
    return db.selectFrom('proxy_services').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async byIdemKey(db: Executor, key: string) {
    return db.selectFrom('proxy_services').selectAll().where('idem_key', '=', key).executeTakeFirst();
  },
  async byCode(db: Executor, code: string) {
    return db.selectFrom('proxy_services').selectAll().where('track_code', '=', code).executeTakeFirst();
  },
  async ofResidents(db: Executor, residentIds: string[], state?: string) {
    if (!residentIds.length) return [];
    let q = db.selectFrom('proxy_services').selectAll().where('resident_id', 'in', residentIds);
    if (state) q = q.where('state', '=', state as 'open');
    return q.orderBy('created_at', 'desc').execute();
  },
  async list(db: Executor, s: PathScope, f: { under?: string; state?: string; kind?: string; staffId?: string; limit: number; offset: number }) {
    let q = db.selectFrom('proxy_services').innerJoin('residents', 'residents.id', 'proxy_services.resident_id').where((eb) => inScope(eb, 'proxy_services.node_path', s, f.under));
    if (f.state) q = q.where('proxy_services.state', '=', f.state as 'open');
    if (f.kind) q = q.where('proxy_services.kind', '=', f.kind as 'case');
    if (f.staffId) q = q.where('proxy_services.staff_id', '=', f.staffId);
    const [rows, n] = await Promise.all([
      q.selectAll('proxy_services').select('residents.name as resident_name').orderBy('proxy_services.created_at', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(n.n) };
  },
};

export const partyRepo = {
  async orgs(db: Executor, s: PathScope, under?: string) {
    return db.selectFrom('party_orgs').selectAll().where((eb) => inScope(eb, 'node_path', s, under)).orderBy('node_path').orderBy('level').execute();
  },
  async orgById(db: Executor, id: string) {
    return db.selectFrom('party_orgs').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async members(db: Executor, s: PathScope, under?: string) {
    return db
      .selectFrom('party_members')
      .innerJoin('residents', 'residents.id', 'party_members.resident_id')
      .selectAll('party_members')
      .select(['residents.name', 'residents.household_id'])
      .where((eb) => inScope(eb, 'party_members.node_path', s, under))
      .orderBy('party_members.node_path')
      .execute();
  },
  async memberById(db: Executor, id: string) {
    return db.selectFrom('party_members').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async memberByResident(db: Executor, residentId: string) {
    return db.selectFrom('party_members').selectAll().where('resident_id', '=', residentId).executeTakeFirst();
  },
  async contactHouseholds(db: Executor, s: PathScope, under?: string) {
    return db.selectFrom('party_contact_households').selectAll().where((eb) => inScope(eb, 'node_path', s, under)).execute();
  },
  async contactsOfHouseholds(db: Executor, householdIds: string[]) {
    if (!householdIds.length) return [];
    return db
      .selectFrom('party_contact_households')
      .innerJoin('party_members', 'party_members.id', 'party_contact_households.member_id')
      .innerJoin('residents', 'residents.id', 'party_members.resident_id')
      .select(['party_contact_households.household_id', 'party_members.id as member_id', 'party_members.resident_id', 'residents.name', 'party_members.post'])
      .where('party_contact_households.household_id', 'in', householdIds)
      .execute();
  },
  async crossPosts(db: Executor, s: PathScope, under?: string) {
    return db.selectFrom('party_cross_posts').selectAll().where((eb) => inScope(eb, 'node_path', s, under)).orderBy('node_path').execute();
  },
  async sites(db: Executor, s: PathScope | null) {
    let q = db.selectFrom('service_sites').selectAll();
    if (s) q = q.where((eb) => inScope(eb, 'node_path', s));
    return q.orderBy('node_path').execute();
  },
  async siteById(db: Executor, id: string) {
    return db.selectFrom('service_sites').selectAll().where('id', '=', id).executeTakeFirst();
  },
};
