import { sql, type Expression, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export type TopicStatus = 'proposed' | 'supported' | 'accepted' | 'rejected' | 'withdrawn' | 'expired' | 'scheduled' | 'agreed' | 'voting' | 'passed' | 'failed' | 'resolved' | 'completed';
export type VoteMethod = 'resident' | 'household' | 'owner';
export type VoteRule = 'simple' | 'two_thirds' | 'double_majority' | 'double_three_quarters';
export type BallotKind = 'real_name' | 'secret';
export type Eligibility = 'all' | 'owners' | 'household_heads' | 'listed';
export type MeetingMode = 'in_person' | 'online' | 'hybrid';
export interface Invitee {
  kind: string;
  name: string;
  org?: string;
}
export interface ChangelogEntry {
  articleNo: number;
  change: 'added' | 'removed' | 'changed';
  annotationId: string | null;
  note: string;
}
export type Choice = 'agree' | 'oppose' | 'abstain';
export type AgendaOutcome = 'consensus' | 'to_vote' | 'deferred' | 'rejected';
export type VersionStatus = 'draft' | 'consultation' | 'adopted' | 'superseded';

export interface Article {
  no: number;
  title?: string;
  text: string;
}

export interface RollTable {
  household_id: string;
  household_path: string;
  owner_resident_id: string | null;
  owner_name: string | null;
  area_m2: number;
  updated_at: Timestamp;
}

export interface TopicsTable {
  id: string;
  title: string;
  body: string;
  category: string;
  node_id: string;
  node_path: string;
  node_name: string;
  proposer_user_id: string | null;
  proposer_resident_id: string | null;
  proposer_name: string;
  status: TopicStatus;
  support_threshold: number;
  support_count: number;
  support_deadline: Timestamp;
  review_note: string | null;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  photos: string[];
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ThresholdsTable {
  node_id: string;
  node_path: string;
  level: 'building' | 'grid' | 'estate' | 'community';
  threshold: number;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface CommentReportsTable {
  comment_id: string;
  user_id: string;
  reason: string;
  created_at: Timestamp;
}

export interface SecretChoicesTable {
  id: string;
  vote_id: string;
  choice: Choice;
  area_m2: number;
}

export interface ResolutionStepsTable {
  id: string;
  resolution_id: string;
  seq: number;
  title: string;
  done_at: Timestamp | null;
}

export interface SupportsTable {
  topic_id: string;
  resident_id: string;
  user_id: string | null;
  created_at: Timestamp;
}

export interface CommentsTable {
  id: string;
  topic_id: string;
  user_id: string | null;
  author_name: string;
  is_staff: boolean;
  body: string;
  created_at: Timestamp;
  hidden_at: Timestamp | null;
  hidden_by: string | null;
  hidden_reason: string | null;
  report_count: number;
}

export interface MeetingsTable {
  id: string;
  title: string;
  node_id: string;
  node_path: string;
  node_name: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  location: string | null;
  mode: MeetingMode;
  online_url: string | null;
  invitees: Json<Invitee[]>;
  status: 'scheduled' | 'held' | 'cancelled';
  minutes: string | null;
  minutes_published_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AgendaItemsTable {
  id: string;
  meeting_id: string;
  seq: number;
  topic_id: string | null;
  title: string;
  outcome: AgendaOutcome | null;
  note: string | null;
}

export interface SigninsTable {
  meeting_id: string;
  attendee_key: string;
  resident_id: string | null;
  user_id: string | null;
  name: string;
  kind: 'resident' | 'staff';
  method: 'self' | 'proxy';
  recorded_by: string | null;
  signed_at: Timestamp;
}

export interface ConventionsTable {
  id: string;
  title: string;
  node_id: string;
  node_path: string;
  node_name: string;
  current_version: number | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ConventionVersionsTable {
  convention_id: string;
  version: number;
  articles: Json<Article[]>;
  change_note: string | null;
  changelog: Json<ChangelogEntry[]>;
  status: VersionStatus;
  adopted_at: Timestamp | null;
  adopted_via: 'vote' | 'meeting' | null;
  adopted_ref: string | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface AnnotationsTable {
  id: string;
  convention_id: string;
  version: number;
  article_no: number;
  body: string;
  author_user_id: string | null;
  author_resident_id: string | null;
  author_name: string;
  status: 'open' | 'adopted' | 'declined';
  suggested_text: string | null;
  applied_version: number | null;
  reply: string | null;
  replied_by: string | null;
  replied_at: Timestamp | null;
  created_at: Timestamp;
}

export interface VotesTable {
  id: string;
  title: string;
  description: string;
  topic_id: string | null;
  convention_id: string | null;
  convention_version: number | null;
  node_id: string;
  node_path: string;
  node_name: string;
  method: VoteMethod;
  rule: VoteRule;
  ballot: BallotKind;
  quorum_pct: number | null;
  eligibility: Eligibility;
  opens_at: Timestamp;
  closes_at: Timestamp;
  status: 'open' | 'closed' | 'cancelled';
  eligible_count: number;
  eligible_area: number;
  result: Json | null;
  passed: boolean | null;
  created_by: string | null;
  created_at: Timestamp;
  closed_at: Timestamp | null;
}

export interface ElectorsTable {
  vote_id: string;
  voter_key: string;
  household_id: string | null;
  resident_id: string | null;
  name: string;
  area_m2: number;
}

export interface BallotsTable {
  vote_id: string;
  voter_key: string;
  resident_id: string | null;
  cast_by_user_id: string | null;
  /** null for a secret ballot: the choice is in deliberation_secret_choices */
  choice: Choice | null;
  method: 'online' | 'paper';
  cast_at: Timestamp;
}

export interface ResolutionsTable {
  id: string;
  title: string;
  content: string;
  node_id: string;
  node_path: string;
  node_name: string;
  topic_id: string | null;
  vote_id: string | null;
  meeting_id: string | null;
  assignee: string;
  due_date: string;
  status: 'in_progress' | 'completed';
  progress: number;
  overdue: boolean;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface ResolutionUpdatesTable {
  id: string;
  resolution_id: string;
  note: string;
  progress: number;
  by_user_id: string | null;
  by_name: string;
  at: Timestamp;
  photos: string[];
  step_id: string | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    deliberation_roll: RollTable;
    deliberation_topics: TopicsTable;
    deliberation_supports: SupportsTable;
    deliberation_comments: CommentsTable;
    deliberation_meetings: MeetingsTable;
    deliberation_agenda_items: AgendaItemsTable;
    deliberation_signins: SigninsTable;
    deliberation_conventions: ConventionsTable;
    deliberation_convention_versions: ConventionVersionsTable;
    deliberation_annotations: AnnotationsTable;
    deliberation_votes: VotesTable;
    deliberation_electors: ElectorsTable;
    deliberation_ballots: BallotsTable;
    deliberation_resolutions: ResolutionsTable;
    deliberation_resolution_updates: ResolutionUpdatesTable;
    deliberation_thresholds: ThresholdsTable;
    deliberation_comment_reports: CommentReportsTable;
    deliberation_secret_choices: SecretChoicesTable;
    deliberation_resolution_steps: ResolutionStepsTable;
  }
}

export type TopicRow = Selectable<TopicsTable>;
export type MeetingRow = Selectable<MeetingsTable>;
export type AgendaItemRow = Selectable<AgendaItemsTable>;
export type VoteRow = Selectable<VotesTable>;
export type ResolutionRow = Selectable<ResolutionsTable>;
export type ConventionRow = Selectable<ConventionsTable>;
export type VersionRow = Selectable<ConventionVersionsTable>;
export type AnnotationRow = Selectable<AnnotationsTable>;
export type RollRow = Selectable<RollTable>;

/**
 * Which rows of a path-scoped table a caller sees: `covering` lists exact paths (the ancestors of a
 * resident's household, or of a staff member's node), `under` a subtree; `all` everything.
 */
export type PathFilter = { kind: 'all' } | { kind: 'none' } | { kind: 'paths'; covering: string[]; under: string | null };

/** The SQL condition on `node_path` for a path filter. */
function pathCond(f: PathFilter): Expression<SqlBool> {
  if (f.kind === 'all') return sql<SqlBool>`true`;
  if (f.kind === 'none') return sql<SqlBool>`false`;
  const ors: Array<Expression<SqlBool>> = [];
  if (f.covering.length) ors.push(sql<SqlBool>`node_path IN (${sql.join(f.covering)})`);
  if (f.under) ors.push(sql<SqlBool>`node_path LIKE ${likePrefix(f.under) + '/%'}`);
  if (!ors.length) return sql<SqlBool>`false`;
  return sql<SqlBool>`(${sql.join(ors, sql` OR `)})`;
}

async function page<T>(rowsQ: Promise<T[]>, countQ: Promise<{ n: number | string | bigint }>): Promise<{ rows: T[]; total: number }> {
  const [rows, c] = await Promise.all([rowsQ, countQ]);
  return { rows, total: Number(c.n) };
}

export const deliberationRepo = {
  // ---------------------------------------------------------------- roll
  async rollCount(db: Executor): Promise<number> {
    const r = await db.selectFrom('deliberation_roll').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async rollUnder(db: Executor, path: string): Promise<RollRow[]> {
    return db
      .selectFrom('deliberation_roll')
      .selectAll()
      .where((eb) => eb.or([eb('household_path', '=', path), eb('household_path', 'like', likePrefix(path) + '/%')]))
      .orderBy('household_path')
      .execute();
  },
  async rollEntry(db: Executor, householdId: string): Promise<RollRow | undefined> {
    return db.selectFrom('deliberation_roll').selectAll().where('household_id', '=', householdId).executeTakeFirst();
  },
  async upsertRoll(db: Executor, rows: Array<Insertable<RollTable>>): Promise<void> {
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('deliberation_roll')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.column('household_id').doUpdateSet((eb) => ({ owner_resident_id: eb.ref('excluded.owner_resident_id'), owner_name: eb.ref('excluded.owner_name'), area_m2: eb.ref('excluded.area_m2'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
  },

  // ---------------------------------------------------------------- topics
  async insertTopic(db: Executor, row: Insertable<TopicsTable>): Promise<void> {
    await db.insertInto('deliberation_topics').values(row).execute();
  },
  async topicById(db: Executor, id: string, forUpdate = false): Promise<TopicRow | undefined> {
    let q = db.selectFrom('deliberation_topics').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateTopic(db: Executor, id: string, patch: Updateable<TopicsTable>): Promise<void> {
    await db.updateTable('deliberation_topics').set(patch).where('id', '=', id).execute();
  },
  async listTopics(db: Executor, f: { path: PathFilter; status?: TopicStatus[]; q?: string; mine?: string | null; limit: number; offset: number }) {
    let q = db.selectFrom('deliberation_topics').where(pathCond(f.path));
    if (f.status?.length) q = q.where('status', 'in', f.status);
    if (f.q) q = q.where('title', 'like', '%' + likePrefix(f.q) + '%');
    if (f.mine) q = q.where('proposer_user_id', '=', f.mine);
    return page(
      q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    );
  },
  async insertSupport(db: Executor, row: Insertable<SupportsTable>): Promise<void> {
    await db.insertInto('deliberation_supports').values(row).execute();
  },
  async supportOf(db: Executor, topicId: string, residentId: string) {
    return db.selectFrom('deliberation_supports').selectAll().where('topic_id', '=', topicId).where('resident_id', '=', residentId).executeTakeFirst();
  },
  async supportedTopicIds(db: Executor, residentId: string, topicIds: string[]): Promise<Set<string>> {
    if (!topicIds.length) return new Set();
    const rows = await db.selectFrom('deliberation_supports').select('topic_id').where('resident_id', '=', residentId).where('topic_id', 'in', topicIds).execute();
    return new Set(rows.map((r) => r.topic_id));
  },
  async countSupports(db: Executor, topicId: string): Promise<number> {
    const r = await db.selectFrom('deliberation_supports').select((eb) => eb.fn.countAll<number>().as('n')).where('topic_id', '=', topicId).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  /** Topics that reached their threshold and wait for a meeting, at the node or under it. */
  async topicsAwaitingMeeting(db: Executor, path: string): Promise<TopicRow[]> {
    return db
      .selectFrom('deliberation_topics')
      .selectAll()
      .where('status', '=', 'supported')
      .where((eb) => eb.or([eb('node_path', '=', path), eb('node_path', 'like', likePrefix(path) + '/%')]))
      .orderBy('created_at')
      .orderBy('id')
      .forUpdate()
      .execute();
  },
  async thresholdsAt(db: Executor, paths: string[]) {
    if (!paths.length) return [];
    return db.selectFrom('deliberation_thresholds').selectAll().where('node_path', 'in', paths).execute();
  },
  async thresholdsUnder(db: Executor, path: string) {
    return db
      .selectFrom('deliberation_thresholds')
      .selectAll()
      .where((eb) => eb.or([eb('node_path', '=', path), eb('node_path', 'like', likePrefix(path) + '/%')]))
      .orderBy('node_path')
      .orderBy('level')
      .execute();
  },
  async upsertThreshold(db: Executor, row: Insertable<ThresholdsTable>): Promise<void> {
    await db
      .insertInto('deliberation_thresholds')
      .values(row)
      .onConflict((oc) => oc.columns(['node_id', 'level']).doUpdateSet((eb) => ({ threshold: eb.ref('excluded.threshold'), updated_by: eb.ref('excluded.updated_by'), updated_at: eb.ref('excluded.updated_at') })))
      .execute();
  },
  async deleteThreshold(db: Executor, nodeId: string, level: string): Promise<void> {
    await db.deleteFrom('deliberation_thresholds').where('node_id', '=', nodeId).where('level', '=', level as ThresholdsTable['level']).execute();
  },
  async commentById(db: Executor, id: string, forUpdate = false) {
    let q = db.selectFrom('deliberation_comments').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateComment(db: Executor, id: string, patch: Updateable<CommentsTable>): Promise<void> {
    await db.updateTable('deliberation_comments').set(patch).where('id', '=', id).execute();
  },
  async insertCommentReport(db: Executor, row: Insertable<CommentReportsTable>): Promise<void> {
    await db.insertInto('deliberation_comment_reports').values(row).execute();
  },
  async insertComment(db: Executor, row: Insertable<CommentsTable>): Promise<void> {
    await db.insertInto('deliberation_comments').values(row).execute();
  },
  async comments(db: Executor, topicId: string) {
    return db.selectFrom('deliberation_comments').selectAll().where('topic_id', '=', topicId).orderBy('created_at').orderBy('id').execute();
  },

  // ---------------------------------------------------------------- meetings
  async insertMeeting(db: Executor, row: Insertable<MeetingsTable>): Promise<void> {
    await db
      .insertInto('deliberation_meetings')
      .values({ ...row, invitees: JSON.stringify(row.invitees ?? []) })
      .execute();
  },
  /** The soonest scheduled meeting, not yet started, whose node is the topic's node or one above it. */
  async nextMeetingCovering(db: Executor, ancestors: string[], now: Date): Promise<MeetingRow | undefined> {
    if (!ancestors.length) return undefined;
    return db
      .selectFrom('deliberation_meetings')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where('starts_at', '>', now)
      .where('node_path', 'in', ancestors)
      .orderBy('starts_at')
      .orderBy('id')
      .limit(1)
      .forUpdate()
      .executeTakeFirst();
  },
  async appendAgendaItem(db: Executor, row: Omit<Insertable<AgendaItemsTable>, 'seq'>): Promise<number> {
    const r = await db.selectFrom('deliberation_agenda_items').select((eb) => eb.fn.max('seq').as('m')).where('meeting_id', '=', row.meeting_id).executeTakeFirst();
    const seq = Number(r?.m ?? 0) + 1;
    await db.insertInto('deliberation_agenda_items').values({ ...row, seq }).execute();
    return seq;
  },
  async meetingById(db: Executor, id: string, forUpdate = false): Promise<MeetingRow | undefined> {
    let q = db.selectFrom('deliberation_meetings').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateMeeting(db: Executor, id: string, patch: Updateable<MeetingsTable>): Promise<void> {
    await db.updateTable('deliberation_meetings').set(patch).where('id', '=', id).execute();
  },
  async listMeetings(db: Executor, f: { path: PathFilter; status?: string; limit: number; offset: number }) {
    let q = db.selectFrom('deliberation_meetings').where(pathCond(f.path));
    if (f.status) q = q.where('status', '=', f.status as MeetingRow['status']);
    return page(
      q.selectAll().orderBy('starts_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    );
  },
  async agenda(db: Executor, meetingId: string): Promise<AgendaItemRow[]> {
    return db.selectFrom('deliberation_agenda_items').selectAll().where('meeting_id', '=', meetingId).orderBy('seq').execute();
  },
  async replaceAgenda(db: Executor, meetingId: string, items: Array<Insertable<AgendaItemsTable>>): Promise<void> {
    await db.deleteFrom('deliberation_agenda_items').where('meeting_id', '=', meetingId).execute();
    if (items.length) await db.insertInto('deliberation_agenda_items').values(items).execute();
  },
  async setAgendaOutcome(db: Executor, id: string, outcome: AgendaOutcome, note: string | null): Promise<void> {
    await db.updateTable('deliberation_agenda_items').set({ outcome, note }).where('id', '=', id).execute();
  },
  async meetingsOfTopic(db: Executor, topicId: string) {
    return db
      .selectFrom('deliberation_agenda_items as a')
      .innerJoin('deliberation_meetings as m', 'm.id', 'a.meeting_id')
      .select(['m.id', 'm.title', 'm.starts_at', 'm.status', 'a.outcome', 'a.note'])
      .where('a.topic_id', '=', topicId)
      .orderBy('m.starts_at')
      .execute();
  },
  async insertSignin(db: Executor, row: Insertable<SigninsTable>): Promise<void> {
    await db.insertInto('deliberation_signins').values(row).execute();
  },
  async signins(db: Executor, meetingId: string) {
    return db.selectFrom('deliberation_signins').selectAll().where('meeting_id', '=', meetingId).orderBy('signed_at').orderBy('attendee_key').execute();
  },

  // ---------------------------------------------------------------- votes
  async insertVote(db: Executor, row: Insertable<VotesTable>): Promise<void> {
    await db.insertInto('deliberation_votes').values(row).execute();
  },
  async voteById(db: Executor, id: string, lock: 'update' | 'share' | null = null): Promise<VoteRow | undefined> {
    let q = db.selectFrom('deliberation_votes').selectAll().where('id', '=', id);
    if (lock === 'update') q = q.forUpdate();
    if (lock === 'share') q = q.forShare();
    return q.executeTakeFirst();
  },
  async updateVote(db: Executor, id: string, patch: Updateable<VotesTable>): Promise<void> {
    await db.updateTable('deliberation_votes').set(patch).where('id', '=', id).execute();
  },
  async listVotes(db: Executor, f: { path: PathFilter; status?: string; topicId?: string; limit: number; offset: number }) {
    let q = db.selectFrom('deliberation_votes').where(pathCond(f.path));
    if (f.status) q = q.where('status', '=', f.status as VoteRow['status']);
    if (f.topicId) q = q.where('topic_id', '=', f.topicId);
    return page(
      q.selectAll().orderBy('opens_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    );
  },
  async votesOfTopic(db: Executor, topicId: string): Promise<VoteRow[]> {
    return db.selectFrom('deliberation_votes').selectAll().where('topic_id', '=', topicId).orderBy('opens_at').execute();
  },
  async votesOfConvention(db: Executor, conventionId: string): Promise<VoteRow[]> {
    return db.selectFrom('deliberation_votes').selectAll().where('convention_id', '=', conventionId).orderBy('opens_at').execute();
  },
  async insertElectors(db: Executor, rows: Array<Insertable<ElectorsTable>>): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('deliberation_electors').values(rows.slice(i, i + 500)).execute();
  },
  async elector(db: Executor, voteId: string, voterKey: string) {
    return db.selectFrom('deliberation_electors').selectAll().where('vote_id', '=', voteId).where('voter_key', '=', voterKey).executeTakeFirst();
  },
  async electorsWithBallots(db: Executor, voteId: string) {
    return db
      .selectFrom('deliberation_electors as e')
      .leftJoin('deliberation_ballots as b', (j) => j.onRef('b.vote_id', '=', 'e.vote_id').onRef('b.voter_key', '=', 'e.voter_key'))
      .select(['e.voter_key', 'e.household_id', 'e.resident_id', 'e.name', 'e.area_m2', 'b.cast_at', 'b.method'])
      .where('e.vote_id', '=', voteId)
      .orderBy('e.name')
      .execute();
  },
  async insertBallot(db: Executor, row: Insertable<BallotsTable>): Promise<void> {
    await db.insertInto('deliberation_ballots').values(row).execute();
  },
  async insertSecretChoice(db: Executor, row: Insertable<SecretChoicesTable>): Promise<void> {
    await db.insertInto('deliberation_secret_choices').values(row).execute();
  },
  /** Secret ballots per choice (the choices are stored apart from the voters). */
  async secretTally(db: Executor, voteId: string): Promise<Array<{ choice: Choice; n: number; area_c: number }>> {
    const r = await sql<{ choice: Choice; n: number; area_c: number }>`
      SELECT choice, count(*)::int AS n, COALESCE(sum(round(area_m2 * 100)), 0)::bigint AS area_c
      FROM deliberation_secret_choices WHERE vote_id = ${voteId} GROUP BY choice`.execute(db);
    return r.rows.map((x) => ({ choice: x.choice, n: Number(x.n), area_c: Number(x.area_c) }));
  },
  async ballot(db: Executor, voteId: string, voterKey: string) {
    return db.selectFrom('deliberation_ballots').selectAll().where('vote_id', '=', voteId).where('voter_key', '=', voterKey).executeTakeFirst();
  },
  /** Ballots per choice with the count and the summed floor area in hundredths of m² (exact integers). */
  async tally(db: Executor, voteId: string): Promise<Array<{ choice: Choice; n: number; area_c: number }>> {
    const r = await sql<{ choice: Choice; n: number; area_c: number }>`
      SELECT b.choice, count(*)::int AS n, COALESCE(sum(round(e.area_m2 * 100)), 0)::bigint AS area_c
      FROM deliberation_ballots b JOIN deliberation_electors e ON e.vote_id = b.vote_id AND e.voter_key = b.voter_key
      WHERE b.vote_id = ${voteId}
      GROUP BY b.choice`.execute(db);
    return r.rows.map((x) => ({ choice: x.choice, n: Number(x.n), area_c: Number(x.area_c) }));
  },
  async ballotCount(db: Executor, voteId: string): Promise<number> {
    const r = await db.selectFrom('deliberation_ballots').select((eb) => eb.fn.countAll<number>().as('n')).where('vote_id', '=', voteId).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async electorArea(db: Executor, voteId: string): Promise<number> {
    const r = await sql<{ a: number }>`SELECT COALESCE(sum(round(area_m2 * 100)), 0)::bigint AS a FROM deliberation_electors WHERE vote_id = ${voteId}`.execute(db);
    return Number(r.rows[0]?.a ?? 0);
  },

  // ---------------------------------------------------------------- resolutions
  async insertResolution(db: Executor, row: Insertable<ResolutionsTable>): Promise<void> {
    await db.insertInto('deliberation_resolutions').values(row).execute();
  },
  async resolutionById(db: Executor, id: string, forUpdate = false): Promise<ResolutionRow | undefined> {
    let q = db.selectFrom('deliberation_resolutions').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateResolution(db: Executor, id: string, patch: Updateable<ResolutionsTable>): Promise<void> {
    await db.updateTable('deliberation_resolutions').set(patch).where('id', '=', id).execute();
  },
  async listResolutions(db: Executor, f: { path: PathFilter; status?: string; overdue?: boolean; limit: number; offset: number }) {
    let q = db.selectFrom('deliberation_resolutions').where(pathCond(f.path));
    if (f.status) q = q.where('status', '=', f.status as ResolutionRow['status']);
    if (f.overdue !== undefined) q = q.where('overdue', '=', f.overdue);
    return page(
      q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    );
  },
  async resolutionsOfTopic(db: Executor, topicId: string): Promise<ResolutionRow[]> {
    return db.selectFrom('deliberation_resolutions').selectAll().where('topic_id', '=', topicId).orderBy('created_at').execute();
  },
  async insertResolutionUpdate(db: Executor, row: Insertable<ResolutionUpdatesTable>): Promise<void> {
    await db.insertInto('deliberation_resolution_updates').values(row).execute();
  },
  async insertSteps(db: Executor, rows: Array<Insertable<ResolutionStepsTable>>): Promise<void> {
    if (rows.length) await db.insertInto('deliberation_resolution_steps').values(rows).execute();
  },
  async steps(db: Executor, resolutionId: string) {
    return db.selectFrom('deliberation_resolution_steps').selectAll().where('resolution_id', '=', resolutionId).orderBy('seq').execute();
  },
  async markStepDone(db: Executor, id: string, at: Date): Promise<void> {
    await db.updateTable('deliberation_resolution_steps').set({ done_at: at }).where('id', '=', id).where('done_at', 'is', null).execute();
  },
  async resolutionUpdates(db: Executor, id: string) {
    return db.selectFrom('deliberation_resolution_updates').selectAll().where('resolution_id', '=', id).orderBy('at').orderBy('id').execute();
  },

  // ---------------------------------------------------------------- conventions
  async insertConvention(db: Executor, row: Insertable<ConventionsTable>): Promise<void> {
    await db.insertInto('deliberation_conventions').values(row).execute();
  },
  async conventionById(db: Executor, id: string, forUpdate = false): Promise<ConventionRow | undefined> {
    let q = db.selectFrom('deliberation_conventions').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async updateConvention(db: Executor, id: string, patch: Updateable<ConventionsTable>): Promise<void> {
    await db.updateTable('deliberation_conventions').set(patch).where('id', '=', id).execute();
  },
  async listConventions(db: Executor, f: { path: PathFilter; limit: number; offset: number }) {
    const q = db.selectFrom('deliberation_conventions').where(pathCond(f.path));
    return page(
      q.selectAll().orderBy('node_path').orderBy('created_at').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    );
  },
  async insertVersion(db: Executor, row: Insertable<ConventionVersionsTable>): Promise<void> {
    await db
      .insertInto('deliberation_convention_versions')
      .values({ ...row, articles: JSON.stringify(row.articles), changelog: JSON.stringify(row.changelog ?? []) })
      .execute();
  },
  async versions(db: Executor, conventionId: string): Promise<VersionRow[]> {
    return db.selectFrom('deliberation_convention_versions').selectAll().where('convention_id', '=', conventionId).orderBy('version').execute();
  },
  async version(db: Executor, conventionId: string, version: number): Promise<VersionRow | undefined> {
    return db.selectFrom('deliberation_convention_versions').selectAll().where('convention_id', '=', conventionId).where('version', '=', version).executeTakeFirst();
  },
  async updateVersion(db: Executor, conventionId: string, version: number, patch: Updateable<ConventionVersionsTable>): Promise<void> {
    await db.updateTable('deliberation_convention_versions').set(patch).where('convention_id', '=', conventionId).where('version', '=', version).execute();
  },
  async insertAnnotation(db: Executor, row: Insertable<AnnotationsTable>): Promise<void> {
    await db.insertInto('deliberation_annotations').values(row).execute();
  },
  async annotationById(db: Executor, id: string): Promise<AnnotationRow | undefined> {
    return db.selectFrom('deliberation_annotations').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async updateAnnotation(db: Executor, id: string, patch: Updateable<AnnotationsTable>): Promise<void> {
    await db.updateTable('deliberation_annotations').set(patch).where('id', '=', id).execute();
  },
  async annotations(db: Executor, conventionId: string): Promise<AnnotationRow[]> {
    return db.selectFrom('deliberation_annotations').selectAll().where('convention_id', '=', conventionId).orderBy('version').orderBy('article_no').orderBy('created_at').execute();
  },
};

