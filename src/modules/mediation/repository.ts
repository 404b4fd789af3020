import { sql, type Expression, type ExpressionBuilder, type Insertable, type Selectable, type SqlBool, type Updateable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { DB, Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export const DISPUTE_TYPES = ['neighbour', 'family', 'property', 'land', 'labour', 'consumer', 'other'] as const;
export type DisputeType = (typeof DISPUTE_TYPES)[number];
export const TIERS = ['grid', 'street', 'district'] as const;
export type Tier = (typeof TIERS)[number];
export const DISPUTE_STATES = ['pending', 'mediating', 'agreed', 'partial', 'failed', 'referred', 'closed', 'rejected'] as const;
export type DisputeState = (typeof DISPUTE_STATES)[number];
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];
export const EXPERT_KINDS = ['mediator', 'lawyer', 'sage', 'retired_cadre', 'party_rep', 'npc_deputy', 'cppcc_member', 'psychologist'] as const;
export type ExpertKind = (typeof EXPERT_KINDS)[number];
export const MEDIATION_TYPES = ['people', 'administrative', 'judicial'] as const;
export type MediationType = (typeof MEDIATION_TYPES)[number];
export const SOURCES = ['case', 'online', 'mediator', 'grid'] as const;
export type Source = (typeof SOURCES)[number];
export const ASSIGNMENT_ROLES = ['lead', 'people', 'administrative', 'judicial', 'counsellor'] as const;
export type AssignmentRole = (typeof ASSIGNMENT_ROLES)[number];
export const FOLLOWUP_OUTCOMES = ['kept', 'partly_kept', 'broken'] as const;
export type FollowupOutcome = (typeof FOLLOWUP_OUTCOMES)[number];
export const JUDICIAL_STATUSES = ['none', 'filed', 'confirmed', 'refused'] as const;
export type JudicialStatus = (typeof JUDICIAL_STATUSES)[number];
export const WARNING_RULES = ['repeat', 'rising_risk', 'many_contacts'] as const;
export type WarningRule = (typeof WARNING_RULES)[number];

export interface MediationExpertsTable {
  id: string;
  name: string;
  kind: ExpertKind;
  mediation_type: MediationType;
  tier: Tier;
  node_path: string;
  organization: string | null;
  expertise: string[];
  phone_enc: string | null;
  bio: string | null;
  available: boolean;
  max_load: number;
  user_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MediationDisputesTable {
  id: string;
  number: string;
  source: Source;
  case_id: string | null;
  type: DisputeType;
  title: string;
  description: string;
  claims: string | null;
  node_path: string;
  tier: Tier;
  state: DisputeState;
  risk_level: RiskLevel;
  enterprise_related: boolean;
  applicant_user_id: string | null;
  created_by: string | null;
  referral: Json<Referral> | null;
  reject_reason: string | null;
  reopen_count: number;
  contact_count: number;
  warned: boolean;
  accepted_at: Timestamp | null;
  concluded_at: Timestamp | null;
  closed_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Referral {
  to: 'court' | 'arbitration' | 'petition' | 'administrative';
  institution: string;
  reason: string;
  at: string;
  byName: string;
}

export interface MediationPartiesTable {
  id: string;
  dispute_id: string;
  role: 'applicant' | 'respondent' | 'third';
  kind: 'person' | 'enterprise';
  name: string;
  name_hash: string;
  phone_enc: string | null;
  phone_hash: string | null;
  address_enc: string | null;
  resident_id: string | null;
  sort: number;
}

export interface MediationAssignmentsTable {
  id: string;
  dispute_id: string;
  expert_id: string;
  role: AssignmentRole;
  assigned_at: Timestamp;
  released_at: Timestamp | null;
}

export interface MediationEscalationsTable {
  id: string;
  dispute_id: string;
  from_tier: Tier;
  to_tier: Tier;
  reason: string;
  by_user_id: string | null;
  by_name: string | null;
  at: Timestamp;
}

export interface Attendance {
  name: string;
  role: string;
  present: boolean;
}

export interface MediationSessionsTable {
  id: string;
  dispute_id: string;
  scheduled_at: Timestamp;
  mode: 'in_person' | 'online';
  location: string | null;
  meeting_url: string | null;
  status: 'scheduled' | 'held' | 'cancelled';
  attendance: Json<Attendance[]>;
  notes: string | null;
  outcome: 'agreement' | 'partial' | 'failed' | null;
  held_at: Timestamp | null;
  created_by: string | null;
  created_at: Timestamp;
}

export interface MediationAgreementsTable {
  id: string;
  dispute_id: string;
  session_id: string | null;
  number: string;
  kind: 'full' | 'partial';
  terms: Json<string[]>;
  performance: string | null;
  mediator_names: string[];
  signed: boolean;
  signed_at: Timestamp | null;
  judicial_status: JudicialStatus;
  judicial_court: string | null;
  judicial_note: string | null;
  judicial_filed_at: Timestamp | null;
  judicial_decided_at: Timestamp | null;
  superseded: boolean;
  created_at: Timestamp;
}

export interface MediationFollowupsTable {
  id: string;
  dispute_id: string;
  agreement_id: string;
  day_offset: 7 | 30;
  due_at: Timestamp;
  status: 'scheduled' | 'due' | 'done' | 'cancelled';
  outcome: FollowupOutcome | null;
  notes: string | null;
  counselling: boolean;
  counsellor_expert_id: string | null;
  visited_at: Timestamp | null;
  visited_by: string | null;
}

export interface MediationEventsTable {
  id: string;
  dispute_id: string;
  type: string;
  actor_id: string | null;
  actor_name: string | null;
  note: string | null;
  data: Json<Record<string, unknown>>;
  at: Timestamp;
}

export interface MediationWarningsTable {
  id: string;
  dispute_id: string;
  rule: WarningRule;
  detail: string;
  street_path: string;
  status: 'open' | 'acknowledged';
  created_at: Timestamp;
  ack_by: string | null;
  ack_note: string | null;
  ack_at: Timestamp | null;
}

export interface MediationLegalAidTable {
  id: string;
  requester_user_id: string | null;
  requester_kind: 'resident' | 'enterprise';
  enterprise_name: string | null;
  name: string;
  phone_enc: string | null;
  topic: DisputeType;
  question: string;
  node_path: string;
  status: 'open' | 'matched' | 'answered' | 'closed';
  expert_id: string | null;
  answer: string | null;
  matched_at: Timestamp | null;
  answered_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    mediation_counters: { day: string; last: number };
    mediation_experts: MediationExpertsTable;
    mediation_disputes: MediationDisputesTable;
    mediation_parties: MediationPartiesTable;
    mediation_assignments: MediationAssignmentsTable;
    mediation_escalations: MediationEscalationsTable;
    mediation_sessions: MediationSessionsTable;
    mediation_agreements: MediationAgreementsTable;
    mediation_followups: MediationFollowupsTable;
    mediation_events: MediationEventsTable;
    mediation_warnings: MediationWarningsTable;
    mediation_legal_aid: MediationLegalAidTable;
  }
}

export type ExpertRow = Selectable<MediationExpertsTable>;
export type DisputeRow = Selectable<MediationDisputesTable>;
export type PartyRow = Selectable<MediationPartiesTable>;
export type SessionRow = Selectable<MediationSessionsTable>;
export type AgreementRow = Selectable<MediationAgreementsTable>;
export type FollowupRow = Selectable<MediationFollowupsTable>;
export type EventRow = Selectable<MediationEventsTable>;
export type WarningRow = Selectable<MediationWarningsTable>;
export type LegalAidRow = Selectable<MediationLegalAidTable>;
export type EscalationRow = Selectable<MediationEscalationsTable>;

/** Which disputes a caller may see: by place (org subtree), everything, or their own applications. */
export type DisputeScope = { kind: 'all' } | { kind: 'subtree'; path: string } | { kind: 'own'; userId: string } | { kind: 'none' };

function pathWhere<T extends keyof DB>(eb: ExpressionBuilder<DB, T>, column: string, path: string): Expression<SqlBool> {
  const col = sql.ref(column);
  return eb.or([eb(col, '=', path), eb(col, 'like', likePrefix(path) + '/%')]);
}

export function disputeScopeWhere(eb: ExpressionBuilder<DB, 'mediation_disputes'>, s: DisputeScope): Expression<SqlBool> {
  switch (s.kind) {
    case 'all':
      return sql<SqlBool>`true`;
    case 'subtree':
      return pathWhere(eb, 'mediation_disputes.node_path', s.path);
    case 'own':
      return eb('mediation_disputes.applicant_user_id', '=', s.userId);
    default:
      return sql<SqlBool>`false`;
  }
}

export interface DisputeFilter {
  scope: DisputeScope;
  under?: string;
  state?: DisputeState[];
  tier?: Tier;
  type?: DisputeType;
  risk?: RiskLevel;
  enterprise?: boolean;
  warned?: boolean;
  q?: string;
  limit: number;
  offset: number;
}

const RISK_ORDER = sql<number>`CASE risk_level WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END`;

export const mediationRepo = {
  async nextNumber(db: Executor, day: string): Promise<number> {
    const r = await sql<{ last: number }>`
      INSERT INTO mediation_counters (day, last) VALUES (${day}, 1)
      ON CONFLICT (day) DO UPDATE SET last = mediation_counters.last + 1
      RETURNING last`.execute(db);
    return Number(r.rows[0]!.last);
  },

  // experts
  async insertExpert(db: Executor, row: Insertable<MediationExpertsTable>): Promise<void> {
    await db.insertInto('mediation_experts').values(row).execute();
  },
  async updateExpert(db: Executor, id: string, patch: Updateable<MediationExpertsTable>): Promise<void> {
    await db.updateTable('mediation_experts').set(patch).where('id', '=', id).execute();
  },
  async expertById(db: Executor, id: string): Promise<ExpertRow | undefined> {
    return db.selectFrom('mediation_experts').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async expertsByIds(db: Executor, ids: string[]): Promise<ExpertRow[]> {
    if (ids.length === 0) return [];
    return db.selectFrom('mediation_experts').selectAll().where('id', 'in', ids).execute();
  },
  async expertsByUser(db: Executor, userId: string): Promise<ExpertRow[]> {
    return db.selectFrom('mediation_experts').selectAll().where('user_id', '=', userId).execute();
  },
  async listExperts(db: Executor, f: { kind?: ExpertKind; tier?: Tier; available?: boolean; expertise?: string; q?: string }): Promise<ExpertRow[]> {
    let q = db.selectFrom('mediation_experts').selectAll();
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.tier) q = q.where('tier', '=', f.tier);
    if (f.available !== undefined) q = q.where('available', '=', f.available);
    if (f.expertise) q = q.where(sql<boolean>`${f.expertise} = ANY(expertise)`);
    if (f.q) q = q.where('name', 'like', '%' + likePrefix(f.q) + '%');
    return q.orderBy('tier').orderBy('kind').orderBy('name').execute();
  },
  /** Active assignments per expert (the current load). */
  async loads(db: Executor): Promise<Map<string, number>> {
    const rows = await db
      .selectFrom('mediation_assignments as a')
      .innerJoin('mediation_disputes as d', 'd.id', 'a.dispute_id')
      .select(['a.expert_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('a.released_at', 'is', null)
      .where('d.state', 'in', ['pending', 'mediating', 'partial', 'failed'])
      .groupBy('a.expert_id')
      .execute();
    const legal = await db
      .selectFrom('mediation_legal_aid')
      .select(['expert_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'matched')
      .where('expert_id', 'is not', null)
      .groupBy('expert_id')
      .execute();
    const m = new Map<string, number>();
    for (const r of rows) m.set(r.expert_id, Number(r.n));
    for (const r of legal) if (r.expert_id) m.set(r.expert_id, (m.get(r.expert_id) ?? 0) + Number(r.n));
    return m;
  },

  // disputes
  async insertDispute(db: Executor, row: Insertable<MediationDisputesTable>): Promise<void> {
    await db.insertInto('mediation_disputes').values(row).execute();
  },
  async updateDispute(db: Executor, id: string, patch: Updateable<MediationDisputesTable>): Promise<void> {
    await db.updateTable('mediation_disputes').set(patch).where('id', '=', id).execute();
  },
  async disputeById(db: Executor, id: string, forUpdate = false): Promise<DisputeRow | undefined> {
    let q = db.selectFrom('mediation_disputes').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async disputeByCase(db: Executor, caseId: string): Promise<DisputeRow | undefined> {
    return db.selectFrom('mediation_disputes').selectAll().where('case_id', '=', caseId).executeTakeFirst();
  },
  async listDisputes(db: Executor, f: DisputeFilter): Promise<{ rows: DisputeRow[]; total: number }> {
    if (f.scope.kind === 'none') return { rows: [], total: 0 };
    let q = db.selectFrom('mediation_disputes').where((eb) => disputeScopeWhere(eb, f.scope));
    if (f.under) {
      const u = f.under;
      q = q.where((eb) => pathWhere(eb, 'mediation_disputes.node_path', u));
    }
    if (f.state?.length) q = q.where('state', 'in', f.state);
    if (f.tier) q = q.where('tier', '=', f.tier);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.risk) q = q.where('risk_level', '=', f.risk);
    if (f.enterprise !== undefined) q = q.where('enterprise_related', '=', f.enterprise);
    if (f.warned !== undefined) q = q.where('warned', '=', f.warned);
    if (f.q) {
      const like = '%' + likePrefix(f.q) + '%';
      q = q.where((eb) => eb.or([eb('title', 'like', like), eb('number', 'like', like), eb('description', 'like', like)]));
    }
    const [rows, total] = await Promise.all([
      // enterprise-related and high-risk disputes first (handled with priority), then newest
      q.selectAll().orderBy(sql`(state IN ('closed', 'rejected', 'referred'))`).orderBy('enterprise_related', 'desc').orderBy(RISK_ORDER, 'desc').orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
  async disputesByIds(db: Executor, ids: string[]): Promise<DisputeRow[]> {
    if (ids.length === 0) return [];
    return db.selectFrom('mediation_disputes').selectAll().where('id', 'in', ids).execute();
  },
  async scopedDisputes(db: Executor, scope: DisputeScope, since?: Date): Promise<DisputeRow[]> {
    if (scope.kind === 'none') return [];
    let q = db.selectFrom('mediation_disputes').selectAll().where((eb) => disputeScopeWhere(eb, scope));
    if (since) q = q.where('created_at', '>=', since);
    return q.execute();
  },

  // parties
  async insertParties(db: Executor, rows: Array<Insertable<MediationPartiesTable>>): Promise<void> {
    if (rows.length) await db.insertInto('mediation_parties').values(rows).execute();
  },
  async parties(db: Executor, disputeIds: string[]): Promise<PartyRow[]> {
    if (disputeIds.length === 0) return [];
    return db.selectFrom('mediation_parties').selectAll().where('dispute_id', 'in', disputeIds).orderBy('dispute_id').orderBy('sort').execute();
  },
  /** Other disputes since `since` sharing a party's phone, or sharing two or more party names. */
  async disputesWithSameParties(db: Executor, disputeId: string, phoneHashes: string[], nameHashes: string[], since: Date): Promise<string[]> {
    const ids = new Set<string>();
    if (phoneHashes.length) {
      const rows = await db
        .selectFrom('mediation_parties as p')
        .innerJoin('mediation_disputes as d', 'd.id', 'p.dispute_id')
        .select('p.dispute_id')
        .where('p.phone_hash', 'in', phoneHashes)
        .where('p.dispute_id', '<>', disputeId)
        .where('d.created_at', '>=', since)
        .execute();
      for (const r of rows) ids.add(r.dispute_id);
    }
    if (nameHashes.length >= 2) {
      const rows = await db
        .selectFrom('mediation_parties as p')
        .innerJoin('mediation_disputes as d', 'd.id', 'p.dispute_id')
        .select(['p.dispute_id', (eb) => eb.fn.count<number>('p.name_hash').distinct().as('n')])
        .where('p.name_hash', 'in', nameHashes)
        .where('p.dispute_id', '<>', disputeId)
        .where('d.created_at', '>=', since)
        .groupBy('p.dispute_id')
        .execute();
      for (const r of rows) if (Number(r.n) >= 2) ids.add(r.dispute_id);
    }
    return [...ids];
  },

  // assignments
  async insertAssignment(db: Executor, row: Insertable<MediationAssignmentsTable>): Promise<void> {
    await db.insertInto('mediation_assignments').values(row).execute();
  },
  async releaseAssignment(db: Executor, disputeId: string, expertId: string, at: Date): Promise<number> {
    const r = await db.updateTable('mediation_assignments').set({ released_at: at }).where('dispute_id', '=', disputeId).where('expert_id', '=', expertId).where('released_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  async assignments(db: Executor, disputeIds: string[], activeOnly = true) {
    if (disputeIds.length === 0) return [];
    let q = db
      .selectFrom('mediation_assignments as a')
      .innerJoin('mediation_experts as e', 'e.id', 'a.expert_id')
      .select(['a.id', 'a.dispute_id', 'a.expert_id', 'a.role', 'a.assigned_at', 'a.released_at', 'e.name', 'e.kind', 'e.mediation_type', 'e.tier', 'e.user_id', 'e.organization'])
      .where('a.dispute_id', 'in', disputeIds);
    if (activeOnly) q = q.where('a.released_at', 'is', null);
    return q.orderBy('a.assigned_at').execute();
  },
  /** Tiers of the experts linked to this user who are active on the dispute. */
  async assignedTiersOfUser(db: Executor, userId: string, disputeId: string): Promise<Tier[]> {
    const rows = await db
      .selectFrom('mediation_assignments as a')
      .innerJoin('mediation_experts as e', 'e.id', 'a.expert_id')
      .select('e.tier')
      .where('e.user_id', '=', userId)
      .where('a.dispute_id', '=', disputeId)
      .where('a.released_at', 'is', null)
      .execute();
    return rows.map((r) => r.tier);
  },
  async releaseLead(db: Executor, disputeId: string, at: Date): Promise<void> {
    await db.updateTable('mediation_assignments').set({ released_at: at }).where('dispute_id', '=', disputeId).where('role', '=', 'lead').where('released_at', 'is', null).execute();
  },

  // escalations
  async insertEscalation(db: Executor, row: Insertable<MediationEscalationsTable>): Promise<void> {
    await db.insertInto('mediation_escalations').values(row).execute();
  },
  async escalatedDisputes(db: Executor, disputeIds: string[]): Promise<number> {
    if (disputeIds.length === 0) return 0;
    const r = await db.selectFrom('mediation_escalations').select((eb) => eb.fn.count<number>('dispute_id').distinct().as('n')).where('dispute_id', 'in', disputeIds).executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async escalations(db: Executor, disputeId: string): Promise<EscalationRow[]> {
    return db.selectFrom('mediation_escalations').selectAll().where('dispute_id', '=', disputeId).orderBy('at').execute();
  },

  // sessions
  async insertSession(db: Executor, row: Insertable<MediationSessionsTable>): Promise<void> {
    await db.insertInto('mediation_sessions').values(row).execute();
  },
  async updateSession(db: Executor, id: string, patch: Updateable<MediationSessionsTable>): Promise<void> {
    await db.updateTable('mediation_sessions').set(patch).where('id', '=', id).execute();
  },
  async sessionById(db: Executor, id: string): Promise<SessionRow | undefined> {
    return db.selectFrom('mediation_sessions').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async sessions(db: Executor, disputeId: string): Promise<SessionRow[]> {
    return db.selectFrom('mediation_sessions').selectAll().where('dispute_id', '=', disputeId).orderBy('scheduled_at').execute();
  },

  // agreements
  async insertAgreement(db: Executor, row: Insertable<MediationAgreementsTable>): Promise<void> {
    await db.insertInto('mediation_agreements').values(row).execute();
  },
  async updateAgreement(db: Executor, id: string, patch: Updateable<MediationAgreementsTable>): Promise<void> {
    await db.updateTable('mediation_agreements').set(patch).where('id', '=', id).execute();
  },
  async agreementById(db: Executor, id: string, forUpdate = false): Promise<AgreementRow | undefined> {
    let q = db.selectFrom('mediation_agreements').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async agreements(db: Executor, disputeId: string): Promise<AgreementRow[]> {
    return db.selectFrom('mediation_agreements').selectAll().where('dispute_id', '=', disputeId).orderBy('created_at').execute();
  },
  async allAgreements(db: Executor, disputeIds: string[]): Promise<AgreementRow[]> {
    if (disputeIds.length === 0) return [];
    return db.selectFrom('mediation_agreements').selectAll().where('dispute_id', 'in', disputeIds).execute();
  },
  async supersedeAgreements(db: Executor, disputeId: string): Promise<void> {
    await db.updateTable('mediation_agreements').set({ superseded: true }).where('dispute_id', '=', disputeId).where('superseded', '=', false).execute();
  },

  // follow-ups
  async insertFollowups(db: Executor, rows: Array<Insertable<MediationFollowupsTable>>): Promise<void> {
    if (rows.length) await db.insertInto('mediation_followups').values(rows).execute();
  },
  async updateFollowup(db: Executor, id: string, patch: Updateable<MediationFollowupsTable>): Promise<void> {
    await db.updateTable('mediation_followups').set(patch).where('id', '=', id).execute();
  },
  async followupById(db: Executor, id: string, forUpdate = false): Promise<FollowupRow | undefined> {
    let q = db.selectFrom('mediation_followups').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async followups(db: Executor, disputeIds: string[]): Promise<FollowupRow[]> {
    if (disputeIds.length === 0) return [];
    return db.selectFrom('mediation_followups').selectAll().where('dispute_id', 'in', disputeIds).orderBy('due_at').execute();
  },
  async cancelScheduledFollowups(db: Executor, disputeId: string): Promise<string[]> {
    const rows = await db.updateTable('mediation_followups').set({ status: 'cancelled' }).where('dispute_id', '=', disputeId).where('status', 'in', ['scheduled', 'due']).returning('id').execute();
    return rows.map((r) => r.id);
  },
  async listFollowups(db: Executor, f: { scope: DisputeScope; status?: FollowupRow['status'][]; limit: number; offset: number }) {
    if (f.scope.kind === 'none' || f.scope.kind === 'own') return { rows: [], total: 0 };
    let q = db.selectFrom('mediation_followups as f').innerJoin('mediation_disputes as mediation_disputes', 'mediation_disputes.id', 'f.dispute_id').where((eb) => disputeScopeWhere(eb as never, f.scope));
    if (f.status?.length) q = q.where('f.status', 'in', f.status);
    const [rows, total] = await Promise.all([
      q.selectAll('f').select(['mediation_disputes.number', 'mediation_disputes.title', 'mediation_disputes.node_path']).orderBy('f.due_at').orderBy('f.id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },

  // events
  async insertEvent(db: Executor, row: Insertable<MediationEventsTable>): Promise<void> {
    await db.insertInto('mediation_events').values(row).execute();
  },
  async events(db: Executor, disputeId: string): Promise<EventRow[]> {
    return db.selectFrom('mediation_events').selectAll().where('dispute_id', '=', disputeId).orderBy('at').orderBy('id').execute();
  },
  async countEvents(db: Executor, disputeIds: string[], types: string[], since: Date): Promise<number> {
    if (disputeIds.length === 0) return 0;
    const r = await db
      .selectFrom('mediation_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('dispute_id', 'in', disputeIds)
      .where('type', 'in', types)
      .where('at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },

  // warnings
  /** Inserts an open warning unless the same rule is already open for the dispute; returns whether it was new. */
  async insertWarning(db: Executor, row: Insertable<MediationWarningsTable>): Promise<boolean> {
    const r = await sql<{ id: string }>`
      INSERT INTO mediation_warnings (id, dispute_id, rule, detail, street_path, status, created_at)
      VALUES (${row.id}, ${row.dispute_id}, ${row.rule}, ${row.detail}, ${row.street_path}, 'open', ${row.created_at})
      ON CONFLICT (dispute_id, rule) WHERE status = 'open' DO NOTHING
      RETURNING id`.execute(db);
    return r.rows.length > 0;
  },
  async warningById(db: Executor, id: string): Promise<WarningRow | undefined> {
    return db.selectFrom('mediation_warnings').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async updateWarning(db: Executor, id: string, patch: Updateable<MediationWarningsTable>): Promise<void> {
    await db.updateTable('mediation_warnings').set(patch).where('id', '=', id).execute();
  },
  async warnings(db: Executor, disputeIds: string[]): Promise<WarningRow[]> {
    if (disputeIds.length === 0) return [];
    return db.selectFrom('mediation_warnings').selectAll().where('dispute_id', 'in', disputeIds).orderBy('created_at').execute();
  },
  async listWarnings(db: Executor, f: { scope: DisputeScope; status?: 'open' | 'acknowledged'; limit: number; offset: number }) {
    if (f.scope.kind === 'none' || f.scope.kind === 'own') return { rows: [], total: 0 };
    let q = db.selectFrom('mediation_warnings as w').innerJoin('mediation_disputes as mediation_disputes', 'mediation_disputes.id', 'w.dispute_id').where((eb) => disputeScopeWhere(eb as never, f.scope));
    if (f.status) q = q.where('w.status', '=', f.status);
    const [rows, total] = await Promise.all([
      q.selectAll('w').select(['mediation_disputes.number', 'mediation_disputes.title', 'mediation_disputes.risk_level', 'mediation_disputes.tier', 'mediation_disputes.node_path']).orderBy('w.created_at', 'desc').orderBy('w.id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },

  // legal aid
  async insertLegalAid(db: Executor, row: Insertable<MediationLegalAidTable>): Promise<void> {
    await db.insertInto('mediation_legal_aid').values(row).execute();
  },
  async updateLegalAid(db: Executor, id: string, patch: Updateable<MediationLegalAidTable>): Promise<void> {
    await db.updateTable('mediation_legal_aid').set(patch).where('id', '=', id).execute();
  },
  async legalAidById(db: Executor, id: string, forUpdate = false): Promise<LegalAidRow | undefined> {
    let q = db.selectFrom('mediation_legal_aid').selectAll().where('id', '=', id);
    if (forUpdate) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async listLegalAid(db: Executor, f: { scope: DisputeScope; expertIds?: string[]; status?: LegalAidRow['status']; limit: number; offset: number }) {
    if (f.scope.kind === 'none') return { rows: [], total: 0 };
    let q = db.selectFrom('mediation_legal_aid');
    const s = f.scope;
    if (s.kind === 'subtree') q = q.where((eb) => eb.or([pathWhere(eb, 'mediation_legal_aid.node_path', s.path), ...(f.expertIds?.length ? [eb('expert_id', 'in', f.expertIds)] : [])]));
    if (s.kind === 'own') q = q.where('requester_user_id', '=', s.userId);
    if (f.status) q = q.where('status', '=', f.status);
    const [rows, total] = await Promise.all([
      q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },

  // users to notify (platform accounts table: read-only here)
  async usersOnNodes(db: Executor, nodeIds: string[], roles: string[]): Promise<string[]> {
    if (nodeIds.length === 0) return [];
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('node_id', 'in', nodeIds)
      .where('status', '=', 'active')
      .where(sql<boolean>`roles && ${sql.val(roles)}::text[]`)
      .execute();
    return rows.map((r) => r.id);
  },
};
