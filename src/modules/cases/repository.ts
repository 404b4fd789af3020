import { sql, type Insertable, type Selectable, type Updateable, type Expression, type SqlBool, type ExpressionBuilder } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DB, Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export type CaseState = 'reported' | 'filed' | 'rejected' | 'dispatched' | 'accepted' | 'returned' | 'resolved' | 'rework' | 'closed' | 'suspended' | 'merged';
export type Channel = 'resident' | 'patrol' | 'hotline' | 'iot' | 'api' | 'proxy';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface CasesTable {
  id: string;
  number: string;
  track_code: string;
  state: CaseState;
  version: number;
  channel: Channel;
  description: string;
  category_code: string | null;
  priority: Priority;
  lng: number;
  lat: number;
  address: string | null;
  grid_id: string | null;
  estate_id: string | null;
  community_id: string | null;
  node_path: string;
  department_id: string | null;
  cc_department_ids: string[];
  reporter_user_id: string | null;
  reporter_name_enc: string | null;
  reporter_phone_enc: string | null;
  reporter_phone_hash: string | null;
  anonymous: boolean;
  idem_key: string | null;
  source_type: string | null;
  source_key: string | null;
  merged_into: string | null;
  duplicate_of: string | null;
  advice: Json<Record<string, unknown>> | null;
  photos: string[];
  reported_at: Timestamp;
  filed_at: Timestamp | null;
  dispatched_at: Timestamp | null;
  accepted_at: Timestamp | null;
  resolved_at: Timestamp | null;
  closed_at: Timestamp | null;
  clock_mode: 'working' | '24h' | null;
  clock_start_at: Timestamp | null;
  limit_minutes: number | null;
  suspended_ms: number;
  suspended_at: Timestamp | null;
  suspended_from: CaseState | null;
  accept_due_at: Timestamp | null;
  warn_at: Timestamp | null;
  deadline_at: Timestamp | null;
  deadline_gen: number;
  warned_at: Timestamp | null;
  overdue_at: Timestamp | null;
  rework_count: number;
  return_count: number;
  reopen_count: number;
  urge_count: number;
  escalation_level: number;
  rating: number | null;
  rating_comment: string | null;
  rated_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CaseEventsTable {
  id: string;
  case_id: string;
  at: Timestamp;
  action: string;
  from_state: string | null;
  to_state: string | null;
  actor_id: string | null;
  actor_name: string;
  actor_role: string | null;
  department_id: string | null;
  note: string | null;
  data: Json<Record<string, unknown>>;
  photos: string[];
  public: boolean;
}

export interface CaseFollowersTable {
  case_id: string;
  user_id: string;
  reason: 'reporter' | 'merged' | 'follow' | 'proxy';
  at: Timestamp;
}

export interface CaseExtensionsTable {
  id: string;
  case_id: string;
  hours: number;
  reason: string;
  state: 'pending' | 'approved' | 'refused';
  requested_by: string | null;
  requested_at: Timestamp;
  decided_by: string | null;
  decided_at: Timestamp | null;
  decision_note: string | null;
}

export interface EvaluationWeightsTable {
  id: number;
  on_time: number;
  satisfaction: number;
  rework: number;
  overdue: number;
  updated_at: Timestamp;
  updated_by: string | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    cases: CasesTable;
    case_counters: { day: string; last: number };
    case_events: CaseEventsTable;
    case_followers: CaseFollowersTable;
    case_extensions: CaseExtensionsTable;
    evaluation_weights: EvaluationWeightsTable;
  }
}

export type CaseRow = Selectable<CasesTable>;
export type CaseEventRow = Selectable<CaseEventsTable>;
export type NewCaseEvent = Insertable<CaseEventsTable>;

/** Where a list may look: the data-scope rule of cases, as SQL. */
export type CaseScope =
  | { kind: 'all' }
  | { kind: 'subtree'; path: string }
  | { kind: 'department'; departmentId: string }
  | { kind: 'self'; userId: string }
  | { kind: 'none' };

export function scopeWhere(eb: ExpressionBuilder<DB, 'cases'>, s: CaseScope): Expression<SqlBool> {
  switch (s.kind) {
    case 'all':
      return sql<SqlBool>`true`;
    case 'subtree':
      return eb.or([eb('cases.node_path', '=', s.path), eb('cases.node_path', 'like', likePrefix(s.path) + '/%')]);
    case 'department':
      return eb.or([eb('cases.department_id', '=', s.departmentId), sql<SqlBool>`${s.departmentId}::uuid = ANY(cases.cc_department_ids)`]);
    case 'self':
      return eb.or([
        eb('cases.reporter_user_id', '=', s.userId),
        eb.exists(eb.selectFrom('case_followers').select('case_followers.case_id').whereRef('case_followers.case_id', '=', 'cases.id').where('case_followers.user_id', '=', s.userId)),
      ]);
    default:
      return sql<SqlBool>`false`;
  }
}

export interface CaseFilter {
  scope: CaseScope;
  states?: CaseState[];
  categoryCode?: string;
  departmentId?: string;
  /** cases dispatched to or copied to this department */
  departmentOrCc?: string;
  under?: string;
  channel?: Channel;
  priority?: Priority;
  q?: string;
  from?: Date;
  to?: Date;
  overdueAt?: Date;
  nearDeadlineAt?: Date;
  pendingExtension?: boolean;
  /** cases escalated (提级) to at least this level */
  minEscalation?: number;
  followerOrReporter?: string;
  limit: number;
  offset: number;
  order?: 'reported_desc' | 'reported_asc' | 'deadline_asc';
}

export const caseRepo = {
  async nextNumber(db: Executor, day: string): Promise<number> {
    const r = await sql<{ last: number }>`
      INSERT INTO case_counters (day, last) VALUES (${day}, 1)
      ON CONFLICT (day) DO UPDATE SET last = case_counters.last + 1
      RETURNING last`.execute(db);
    return Number(r.rows[0]!.last);
  },
  // Writes not yet sent, for intake's one statement (platform/db/statement.ts).
  insertWrite(db: Executor, row: Insertable<CasesTable>) {
    return db.insertInto('cases').values(row).returningAll();
  },
  followersWrite(db: Executor, rows: Array<Insertable<CaseFollowersTable>>) {
    return rows.length ? db.insertInto('case_followers').values(rows).onConflict((oc) => oc.columns(['case_id', 'user_id']).doNothing()) : null;
  },
  eventsWrite(db: Executor, rows: NewCaseEvent[]) {
    return rows.length ? db.insertInto('case_events').values(rows) : null;
  },
  async insertMany(db: Executor, rows: Array<Insertable<CasesTable>>): Promise<void> {
    for (let i = 0; i < rows.length; i += 250) await db.insertInto('cases').values(rows.slice(i, i + 250)).execute();
  },
  async byId(db: Executor, id: string, forUpdate = false): Promise<CaseRow | undefined> {
    let q = db.selectFrom('cases').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async byNumberOrCode(db: Executor, s: string): Promise<CaseRow | undefined> {
    return db.selectFrom('cases').selectAll().where((eb) => eb.or([eb('number', '=', s), eb('track_code', '=', s.toUpperCase())])).executeTakeFirst();
  },
  async byIdemKey(db: Executor, key: string): Promise<CaseRow | undefined> {
    return db.selectFrom('cases').selectAll().where('idem_key', '=', key).executeTakeFirst();
  },
  async openBySource(db: Executor, type: string, key: string): Promise<CaseRow | undefined> {
    return db.selectFrom('cases').selectAll().where('source_type', '=', type).where('source_key', '=', key).where('state', 'not in', ['closed', 'rejected', 'merged']).executeTakeFirst();
  },
  /** Optimistic update: only when the version still matches; returns whether a row changed. */
  async update(db: Executor, id: string, version: number, patch: Updateable<CasesTable>): Promise<boolean> {
    const r = await db
      .updateTable('cases')
      .set({ ...patch, version: version + 1 })
      .where('id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  },
  async addEvents(db: Executor, rows: NewCaseEvent[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) await this.eventsWrite(db, rows.slice(i, i + 500))!.execute();
  },
  /** Timeline rows as they were written (intake sends them without RETURNING): as a read would give them. */
  asStored(rows: NewCaseEvent[]): CaseEventRow[] {
    return rows.map((r) => ({ ...r, at: new Date(r.at), data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data }) as CaseEventRow);
  },
  async events(db: Executor, caseId: string): Promise<CaseEventRow[]> {
    return db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();
  },
  /** Accounts of a resident (users.resident_id), for proxy-service reports made on their behalf. */
  async userIdsOfResident(db: Executor, residentId: string): Promise<string[]> {
    return (await db.selectFrom('users').select('id').where('resident_id', '=', residentId).where('status', '=', 'active').execute()).map((r) => r.id);
  },
  async addFollowers(db: Executor, rows: Array<Insertable<CaseFollowersTable>>): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) await this.followersWrite(db, rows.slice(i, i + 500))!.execute();
  },
  async followers(db: Executor, caseId: string): Promise<Array<{ user_id: string; reason: string }>> {
    return db.selectFrom('case_followers').select(['user_id', 'reason']).where('case_id', '=', caseId).execute();
  },
  async isFollower(db: Executor, caseId: string, userId: string): Promise<boolean> {
    return !!(await db.selectFrom('case_followers').select('user_id').where('case_id', '=', caseId).where('user_id', '=', userId).executeTakeFirst());
  },
  async pendingExtension(db: Executor, caseId: string) {
    return db.selectFrom('case_extensions').selectAll().where('case_id', '=', caseId).where('state', '=', 'pending').executeTakeFirst();
  },
  async insertExtension(db: Executor, row: Insertable<CaseExtensionsTable>): Promise<void> {
    await db.insertInto('case_extensions').values(row).execute();
  },
  async decideExtension(db: Executor, id: string, patch: Updateable<CaseExtensionsTable>): Promise<void> {
    await db.updateTable('case_extensions').set(patch).where('id', '=', id).execute();
  },
  /** Open cases of a category reported since `since` inside a lng/lat box (refined by distance in the service). */
  async duplicateCandidates(db: Executor, f: { categoryCode: string; since: Date; box: { w: number; e: number; s: number; n: number }; excludeId?: string }) {
    let q = db
      .selectFrom('cases')
      .select(['id', 'number', 'state', 'lng', 'lat'])
      .where('category_code', '=', f.categoryCode)
      .where('state', 'not in', ['closed', 'rejected', 'merged'])
      .where('reported_at', '>=', f.since)
      .where('lng', '>=', f.box.w)
      .where('lng', '<=', f.box.e)
      .where('lat', '>=', f.box.s)
      .where('lat', '<=', f.box.n);
    if (f.excludeId) q = q.where('id', '!=', f.excludeId);
    return q.orderBy('reported_at').limit(20).execute();
  },
  async list(db: Executor, f: CaseFilter): Promise<{ rows: CaseRow[]; total: number }> {
    let q = db.selectFrom('cases').where((eb) => scopeWhere(eb, f.scope));
    if (f.states?.length) q = q.where('state', 'in', f.states);
    if (f.categoryCode) q = q.where('category_code', '=', f.categoryCode);
    if (f.departmentId) q = q.where('department_id', '=', f.departmentId);
    if (f.departmentOrCc) {
      const d = f.departmentOrCc;
      q = q.where((eb) => scopeWhere(eb, { kind: 'department', departmentId: d }));
    }
    if (f.under) {
      const u = f.under;
      q = q.where((eb) => eb.or([eb('node_path', '=', u), eb('node_path', 'like', likePrefix(u) + '/%')]));
    }
    if (f.channel) q = q.where('channel', '=', f.channel);
    if (f.priority) q = q.where('priority', '=', f.priority);
    if (f.q) {
      const like = '%' + likePrefix(f.q) + '%';
      q = q.where((eb) => eb.or([eb('number', '=', f.q!), eb('track_code', '=', f.q!.toUpperCase()), eb('description', 'like', like), eb('address', 'like', like)]));
    }
    if (f.from) q = q.where('reported_at', '>=', f.from);
    if (f.to) q = q.where('reported_at', '<', f.to);
    if (f.overdueAt) q = q.where('deadline_at', '<=', f.overdueAt);
    if (f.nearDeadlineAt) q = q.where('warn_at', '<=', f.nearDeadlineAt).where('deadline_at', '>', f.nearDeadlineAt);
    if (f.minEscalation !== undefined) q = q.where('escalation_level', '>=', f.minEscalation);
    if (f.pendingExtension) q = q.where((eb) => eb.exists(eb.selectFrom('case_extensions').select('case_extensions.id').whereRef('case_extensions.case_id', '=', 'cases.id').where('case_extensions.state', '=', 'pending')));
    if (f.followerOrReporter) {
      const u = f.followerOrReporter;
      q = q.where((eb) => scopeWhere(eb, { kind: 'self', userId: u }));
    }
    let rq = q.selectAll();
    if (f.order === 'deadline_asc') rq = rq.orderBy('deadline_at', 'asc').orderBy('id');
    else if (f.order === 'reported_asc') rq = rq.orderBy('reported_at', 'asc').orderBy('id');
    else rq = rq.orderBy('reported_at', 'desc').orderBy('id', 'desc');
    const [rows, total] = await Promise.all([rq.limit(f.limit).offset(f.offset).execute(), q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()]);
    return { rows, total: Number(total.n) };
  },
  async weights(db: Executor): Promise<Selectable<EvaluationWeightsTable>> {
    return db.selectFrom('evaluation_weights').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  },
  async setWeights(db: Executor, w: { on_time: number; satisfaction: number; rework: number; overdue: number; updated_at: Date; updated_by: string | null }): Promise<void> {
    await db.updateTable('evaluation_weights').set(w).where('id', '=', 1).execute();
  },
  /** Rows the evaluation aggregates: cases reported in [from, to) inside a scope, with their dispatch/return events. */
  async evaluationRows(db: Executor, f: { scope: CaseScope; from: Date; to: Date }) {
    const cases = await db
      .selectFrom('cases')
      .select(['id', 'state', 'node_path', 'community_id', 'grid_id', 'department_id', 'dispatched_at', 'accepted_at', 'resolved_at', 'closed_at', 'accept_due_at', 'deadline_at', 'overdue_at', 'rework_count', 'return_count', 'reopen_count', 'rating'])
      .where((eb) => scopeWhere(eb, f.scope))
      .where('reported_at', '>=', f.from)
      .where('reported_at', '<', f.to)
      .where('state', 'not in', ['merged', 'rejected'])
      .execute();
    const ids = cases.map((c) => c.id);
    const events: Array<{ case_id: string; action: string; department_id: string | null; at: Date }> = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      events.push(
        ...(await db
          .selectFrom('case_events')
          .select(['case_id', 'action', 'department_id', 'at'])
          .where('case_id', 'in', chunk)
          .where('action', 'in', ['dispatched', 'returned', 'reopened'])
          .orderBy('at')
          .execute()),
      );
    }
    return { cases, events };
  },
  /** Users with one of the roles; the service filters by node path or department. */
  async usersWithRoles(db: Executor, roles: string[]): Promise<Array<{ id: string; node_id: string | null; department_id: string | null; roles: string[] }>> {
    return db
      .selectFrom('users')
      .select(['id', 'node_id', 'department_id', 'roles'])
      .where('status', '=', 'active')
      .where(sql<SqlBool>`roles && ${sql.val(roles)}::text[]`)
      .execute();
  },
  /** Active users holding any of the roles who are bound to one of these org nodes. */
  async usersOnNodes(db: Executor, roles: readonly string[], nodeIds: string[]): Promise<Array<{ id: string; node_id: string }>> {
    if (nodeIds.length === 0) return [];
    const rows = await db
      .selectFrom('users')
      .select(['id', 'node_id'])
      .where('status', '=', 'active')
      .where('node_id', 'in', nodeIds)
      .where(sql<SqlBool>`roles && ${sql.val([...roles])}::text[]`)
      .orderBy('id')
      .execute();
    return rows.filter((r): r is { id: string; node_id: string } => r.node_id !== null);
  },
  async usersOfDepartment(db: Executor, departmentId: string): Promise<string[]> {
    return (await db.selectFrom('users').select('id').where('status', '=', 'active').where('department_id', '=', departmentId).execute()).map((r) => r.id);
  },
  async userNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.display_name]));
  },
};
