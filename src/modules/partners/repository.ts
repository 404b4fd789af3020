import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export type PartnerType = 'resource' | 'professional' | 'volunteer';
export type PartnerForm = 'organisation' | 'person';
export type CreditKind = 'on_time' | 'late' | 'evaluation' | 'points' | 'violation';
export type ProjectStatus = 'draft' | 'published' | 'in_progress' | 'completed' | 'evaluated' | 'cancelled';
export type EvaluatorKind = 'resident' | 'staff' | 'third_party';
export type Weights = Record<EvaluatorKind, number>;
export type OrgStage = 'applied' | 'incubating' | 'registered' | 'graduated';

export interface PartnersTable {
  id: string;
  name: string;
  type: PartnerType;
  form: PartnerForm;
  merchant: boolean;
  services: string[];
  contact_name: string | null;
  phone_enc: string | null;
  description: string;
  node_path: string;
  user_id: string | null;
  status: 'active' | 'suspended';
  credit_score: number;
  credit_level: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PartnerAgreementsTable {
  id: string;
  partner_id: string;
  title: string;
  content: string;
  starts_on: string;
  ends_on: string;
  node_path: string;
  status: 'active' | 'terminated';
  created_at: Timestamp;
}

export interface PartnerCreditEventsTable {
  id: string;
  partner_id: string;
  kind: CreditKind;
  value: number;
  note: string;
  ref_id: string | null;
  at: Timestamp;
}

export interface PartnerNeedsTable {
  id: string;
  source: 'questionnaire' | 'visit';
  title: string;
  description: string;
  category: string;
  node_path: string;
  answers: Json<Record<string, unknown>>;
  submitted_by: string | null;
  resident_id: string | null;
  status: 'new' | 'adopted' | 'dismissed';
  project_id: string | null;
  created_at: Timestamp;
}

export interface PartnerProjectsTable {
  id: string;
  title: string;
  description: string;
  category: string;
  node_path: string;
  budget: number;
  resources: string;
  points_offered: number;
  due_on: string | null;
  status: ProjectStatus;
  partner_id: string | null;
  weights: Json<Weights>;
  final_score: number | null;
  points_paid: number | null;
  transfer_id: string | null;
  created_by: string | null;
  published_at: Timestamp | null;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  evaluated_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PartnerProjectClaimsTable {
  id: string;
  project_id: string;
  partner_id: string;
  plan: string;
  status: 'pending' | 'approved' | 'rejected';
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  created_at: Timestamp;
}

export interface PartnerProjectLogsTable {
  id: string;
  project_id: string;
  kind: 'progress' | 'issue' | 'completion' | 'confirmation' | 'status';
  content: string;
  author_id: string | null;
  author_name: string;
  at: Timestamp;
}

export interface PartnerProjectEvaluationsTable {
  id: string;
  project_id: string;
  evaluator_kind: EvaluatorKind;
  evaluator_id: string | null;
  evaluator_name: string;
  score: number;
  comment: string;
  at: Timestamp;
}

export interface SocialOrgsTable {
  id: string;
  name: string;
  field: string;
  stage: OrgStage;
  leader_name: string | null;
  description: string;
  node_path: string;
  partner_id: string | null;
  stage_history: Json<Array<{ stage: OrgStage; at: string; note: string }>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SocialOrgActivitiesTable {
  id: string;
  org_id: string;
  title: string;
  held_on: string;
  participants: number;
  summary: string;
  created_at: Timestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    partners: PartnersTable;
    partner_agreements: PartnerAgreementsTable;
    partner_credit_events: PartnerCreditEventsTable;
    partner_needs: PartnerNeedsTable;
    partner_projects: PartnerProjectsTable;
    partner_project_claims: PartnerProjectClaimsTable;
    partner_project_logs: PartnerProjectLogsTable;
    partner_project_evaluations: PartnerProjectEvaluationsTable;
    social_orgs: SocialOrgsTable;
    social_org_activities: SocialOrgActivitiesTable;
  }
}

export type PartnerRow = Selectable<PartnersTable>;
export type AgreementRow = Selectable<PartnerAgreementsTable>;
export type CreditEventRow = Selectable<PartnerCreditEventsTable>;
export type NeedRow = Selectable<PartnerNeedsTable>;
export type ProjectRow = Selectable<PartnerProjectsTable>;
export type ClaimRow = Selectable<PartnerProjectClaimsTable>;
export type LogRow = Selectable<PartnerProjectLogsTable>;
export type EvaluationRow = Selectable<PartnerProjectEvaluationsTable>;
export type SocialOrgRow = Selectable<SocialOrgsTable>;
export type ActivityRow = Selectable<SocialOrgActivitiesTable>;

/** A path filter derived from the caller's scope: null = everything. */
export type PathFilter = string | null;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const under = (eb: any, col: string, path: string) => eb.or([eb(col, '=', path), eb(col, 'like', likePrefix(path) + '/%')]);

const page = async <R>(q: { execute(): Promise<R[]> }, c: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) => {
  const [rows, total] = await Promise.all([q.execute(), c.executeTakeFirstOrThrow()]);
  return { rows, total: Number(total.n) };
};

export const partnersRepo = {
  // ------------------------------------------------------------ partners
  async insert(db: Executor, p: PartnerRow): Promise<void> {
    await db.insertInto('partners').values(p).execute();
  },
  async byId(db: Executor, id: string): Promise<PartnerRow | undefined> {
    return db.selectFrom('partners').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async byUser(db: Executor, userId: string): Promise<PartnerRow | undefined> {
    return db.selectFrom('partners').selectAll().where('user_id', '=', userId).executeTakeFirst();
  },
  async update(db: Executor, id: string, patch: Partial<PartnerRow>): Promise<void> {
    await db.updateTable('partners').set(patch).where('id', '=', id).execute();
  },
  async list(db: Executor, f: { path: PathFilter; ids?: string[]; type?: PartnerType; service?: string; q?: string; status?: string; orderByCredit?: boolean; limit: number; offset: number }) {
    let q = db.selectFrom('partners');
    if (f.path) {
      const p = f.path;
      q = q.where((eb) => under(eb, 'node_path', p));
    }
    if (f.ids) q = q.where('id', 'in', f.ids.length ? f.ids : ['00000000-0000-0000-0000-000000000000']);
    if (f.type) q = q.where('type', '=', f.type);
    if (f.status) q = q.where('status', '=', f.status as PartnerRow['status']);
    if (f.service) {
      const s = '%' + likePrefix(f.service) + '%';
      q = q.where(sql<boolean>`EXISTS (SELECT 1 FROM unnest(services) AS s(x) WHERE s.x LIKE ${s})`);
    }
    if (f.q) q = q.where('name', 'like', '%' + likePrefix(f.q) + '%');
    let rq = q.selectAll();
    rq = f.orderByCredit ? rq.orderBy('credit_score', 'desc').orderBy('name') : rq.orderBy('node_path').orderBy('name');
    return page(rq.orderBy('id').limit(f.limit).offset(f.offset), q.select((eb) => eb.fn.countAll<number>().as('n')));
  },

  // ------------------------------------------------------------ agreements and credit
  async insertAgreement(db: Executor, a: AgreementRow): Promise<void> {
    await db.insertInto('partner_agreements').values(a).execute();
  },
  async agreementById(db: Executor, id: string) {
    return db.selectFrom('partner_agreements').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async agreementsOf(db: Executor, partnerId: string): Promise<AgreementRow[]> {
    return db.selectFrom('partner_agreements').selectAll().where('partner_id', '=', partnerId).orderBy('starts_on', 'desc').execute();
  },
  async listAgreements(db: Executor, path: PathFilter) {
    let q = db.selectFrom('partner_agreements as a').innerJoin('partners as p', 'p.id', 'a.partner_id');
    if (path) q = q.where((eb) => under(eb, 'a.node_path', path));
    return q.selectAll('a').select(['p.name as partner_name', 'p.type as partner_type']).orderBy('a.starts_on', 'desc').orderBy('a.id').execute();
  },
  async setAgreementStatus(db: Executor, id: string, status: AgreementRow['status']): Promise<void> {
    await db.updateTable('partner_agreements').set({ status }).where('id', '=', id).execute();
  },
  async insertCredit(db: Executor, e: CreditEventRow): Promise<void> {
    await db.insertInto('partner_credit_events').values(e).execute();
  },
  async creditEvents(db: Executor, partnerId: string): Promise<CreditEventRow[]> {
    return db.selectFrom('partner_credit_events').selectAll().where('partner_id', '=', partnerId).orderBy('at', 'desc').orderBy('id', 'desc').execute();
  },

  // ------------------------------------------------------------ needs
  async insertNeed(db: Executor, n: NeedRow): Promise<void> {
    await db.insertInto('partner_needs').values({ ...n, answers: JSON.stringify(n.answers ?? {}) }).execute();
  },
  async needsByIds(db: Executor, ids: string[]): Promise<NeedRow[]> {
    if (!ids.length) return [];
    return db.selectFrom('partner_needs').selectAll().where('id', 'in', ids).execute();
  },
  async updateNeeds(db: Executor, ids: string[], patch: Partial<NeedRow>): Promise<void> {
    if (!ids.length) return;
    await db.updateTable('partner_needs').set(patch).where('id', 'in', ids).execute();
  },
  async listNeeds(db: Executor, f: { path: PathFilter; residentId?: string; status?: string; source?: string; limit: number; offset: number }) {
    let q = db.selectFrom('partner_needs');
    if (f.path) {
      const p = f.path;
      q = q.where((eb) => under(eb, 'node_path', p));
    }
    if (f.residentId) q = q.where('resident_id', '=', f.residentId);
    if (f.status) q = q.where('status', '=', f.status as NeedRow['status']);
    if (f.source) q = q.where('source', '=', f.source as NeedRow['source']);
    return page(q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset), q.select((eb) => eb.fn.countAll<number>().as('n')));
  },
  /** Needs by category in a subtree, for the questionnaire summary. */
  async needStats(db: Executor, path: PathFilter) {
    let q = db.selectFrom('partner_needs');
    if (path) q = q.where((eb) => under(eb, 'node_path', path));
    return q.select(['category', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('category').orderBy('n', 'desc').execute();
  },

  // ------------------------------------------------------------ projects
  async insertProject(db: Executor, p: ProjectRow): Promise<void> {
    await db.insertInto('partner_projects').values({ ...p, weights: JSON.stringify(p.weights) }).execute();
  },
  async projectById(db: Executor, id: string, lock = false): Promise<ProjectRow | undefined> {
    let q = db.selectFrom('partner_projects').selectAll().where('id', '=', id);
    if (lock) q = q.forNoKeyUpdate();
    return q.executeTakeFirst();
  },
  async updateProject(db: Executor, id: string, patch: Partial<ProjectRow>): Promise<void> {
    const set: Record<string, unknown> = { ...patch };
    if (patch.weights) set.weights = JSON.stringify(patch.weights);
    await db.updateTable('partner_projects').set(set).where('id', '=', id).execute();
  },
  async listProjects(
    db: Executor,
    f: { path: PathFilter; statuses?: ProjectStatus[]; partner?: { id: string; includePublished: boolean }; category?: string; limit: number; offset: number },
  ) {
    let q = db.selectFrom('partner_projects as j').leftJoin('partners as p', 'p.id', 'j.partner_id');
    const { path, statuses, partner } = f;
    q = q.where((eb) => {
      const conds = [];
      if (path) conds.push(under(eb, 'j.node_path', path));
      if (statuses) conds.push(eb('j.status', 'in', statuses));
      if (partner) {
        const mine = eb.or([
          eb('j.partner_id', '=', partner.id),
          eb.exists(eb.selectFrom('partner_project_claims as c').select('c.id').whereRef('c.project_id', '=', 'j.id').where('c.partner_id', '=', partner.id)),
        ]);
        conds.push(partner.includePublished ? eb.or([eb('j.status', '=', 'published'), mine]) : mine);
      }
      return conds.length ? eb.and(conds) : sql<boolean>`true`;
    });
    if (f.category) q = q.where('j.category', '=', f.category);
    return page(
      q.selectAll('j').select('p.name as partner_name').orderBy('j.created_at', 'desc').orderBy('j.id', 'desc').limit(f.limit).offset(f.offset),
      q.select((eb) => eb.fn.countAll<number>().as('n')),
    );
  },
  async insertClaim(db: Executor, c: ClaimRow): Promise<void> {
    await db.insertInto('partner_project_claims').values(c).execute();
  },
  async claimById(db: Executor, id: string): Promise<ClaimRow | undefined> {
    return db.selectFrom('partner_project_claims').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async claimsOf(db: Executor, projectId: string) {
    return db
      .selectFrom('partner_project_claims as c')
      .innerJoin('partners as p', 'p.id', 'c.partner_id')
      .selectAll('c')
      .select(['p.name as partner_name', 'p.credit_level', 'p.credit_score'])
      .where('c.project_id', '=', projectId)
      .orderBy('c.created_at')
      .execute();
  },
  async claimOfPartner(db: Executor, projectId: string, partnerId: string): Promise<ClaimRow | undefined> {
    return db.selectFrom('partner_project_claims').selectAll().where('project_id', '=', projectId).where('partner_id', '=', partnerId).executeTakeFirst();
  },
  async setClaim(db: Executor, id: string, patch: Partial<ClaimRow>): Promise<void> {
    await db.updateTable('partner_project_claims').set(patch).where('id', '=', id).execute();
  },
  async rejectOtherClaims(db: Executor, projectId: string, keepId: string, by: string | null, at: Date): Promise<void> {
    await db.updateTable('partner_project_claims').set({ status: 'rejected', reviewed_by: by, reviewed_at: at }).where('project_id', '=', projectId).where('id', '<>', keepId).where('status', '=', 'pending').execute();
  },
  async insertLog(db: Executor, l: LogRow): Promise<void> {
    await db.insertInto('partner_project_logs').values(l).execute();
  },
  async logsOf(db: Executor, projectId: string): Promise<LogRow[]> {
    return db.selectFrom('partner_project_logs').selectAll().where('project_id', '=', projectId).orderBy('at').orderBy('id').execute();
  },
  async insertEvaluation(db: Executor, e: EvaluationRow): Promise<void> {
    await db.insertInto('partner_project_evaluations').values(e).execute();
  },
  async evaluationsOf(db: Executor, projectId: string): Promise<EvaluationRow[]> {
    return db.selectFrom('partner_project_evaluations').selectAll().where('project_id', '=', projectId).orderBy('at').orderBy('id').execute();
  },

  // ------------------------------------------------------------ social organisations
  async insertOrg(db: Executor, o: SocialOrgRow): Promise<void> {
    await db.insertInto('social_orgs').values({ ...o, stage_history: JSON.stringify(o.stage_history) }).execute();
  },
  async orgById(db: Executor, id: string): Promise<SocialOrgRow | undefined> {
    return db.selectFrom('social_orgs').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async updateOrg(db: Executor, id: string, patch: Partial<SocialOrgRow>): Promise<void> {
    const set: Record<string, unknown> = { ...patch };
    if (patch.stage_history) set.stage_history = JSON.stringify(patch.stage_history);
    await db.updateTable('social_orgs').set(set).where('id', '=', id).execute();
  },
  async listOrgs(db: Executor, f: { path: PathFilter; partnerId?: string; stage?: string; limit: number; offset: number }) {
    let q = db.selectFrom('social_orgs');
    if (f.path) {
      const p = f.path;
      q = q.where((eb) => under(eb, 'node_path', p));
    }
    if (f.partnerId) q = q.where('partner_id', '=', f.partnerId);
    if (f.stage) q = q.where('stage', '=', f.stage as OrgStage);
    return page(q.selectAll().orderBy('node_path').orderBy('name').orderBy('id').limit(f.limit).offset(f.offset), q.select((eb) => eb.fn.countAll<number>().as('n')));
  },
  async insertActivity(db: Executor, a: ActivityRow): Promise<void> {
    await db.insertInto('social_org_activities').values(a).execute();
  },
  async activitiesOf(db: Executor, orgId: string): Promise<ActivityRow[]> {
    return db.selectFrom('social_org_activities').selectAll().where('org_id', '=', orgId).orderBy('held_on', 'desc').orderBy('id').execute();
  },
};
