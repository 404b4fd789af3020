import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Json, Timestamp } from '../../platform/db/schema.js';
import { likePrefix } from '../../platform/auth/scope.js';

export interface SvcAnnouncementsTable {
  id: string;
  title: string;
  body: string;
  category: string;
  scope_node_id: string;
  scope_path: string;
  scope_name: string;
  target_tags: string[];
  min_age: number | null;
  max_age: number | null;
  pinned: boolean;
  on_board: boolean;
  status: 'draft' | 'published' | 'expired' | 'withdrawn';
  published_at: Timestamp | null;
  expires_at: Timestamp | null;
  audience_count: number;
  author_id: string | null;
  author_name: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface SvcAnnouncementRecipientsTable {
  announcement_id: string;
  resident_id: string;
  node_path: string;
  read_at: Timestamp | null;
}
export interface SvcRoomsTable {
  id: string;
  name: string;
  node_id: string;
  node_path: string;
  capacity: number;
  facilities: string | null;
  open_from: number;
  open_to: number;
  active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface SvcRoomBookingsTable {
  id: string;
  room_id: string;
  node_path: string;
  purpose: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  status: 'booked' | 'cancelled';
  user_id: string | null;
  user_name: string;
  resident_id: string | null;
  activity_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface SvcActivitiesTable {
  id: string;
  title: string;
  kind: string;
  description: string;
  node_id: string;
  node_path: string;
  node_name: string;
  location: string;
  room_id: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  signup_deadline: Timestamp | null;
  capacity: number;
  min_age: number | null;
  max_age: number | null;
  required_tags: string[];
  residents_only: boolean;
  status: 'open' | 'cancelled';
  checkin_token: string;
  created_by: string | null;
  created_by_name: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface SvcSignupsTable {
  id: string;
  seq: import('kysely').Generated<number>;
  activity_id: string;
  resident_id: string;
  resident_name: string;
  node_path: string;
  user_id: string | null;
  status: 'confirmed' | 'waiting' | 'cancelled';
  proxy_by: string | null;
  signed_at: Timestamp;
  promoted_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  checked_in_at: Timestamp | null;
}
export interface MatterDocument {
  name: string;
  required: boolean;
  note?: string;
}
export interface SvcMattersTable {
  id: string;
  code: string;
  name: string;
  category: string;
  summary: string;
  eligibility: string;
  documents: Json<MatterDocument[]>;
  steps: Json<string[]>;
  time_limit_days: number;
  desk: string;
  phone: string | null;
  fee: string;
  online: boolean;
  active: boolean;
  sort: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type ApplicationStatus = 'submitted' | 'accepted' | 'need_more' | 'approved' | 'rejected' | 'withdrawn';
export interface SvcApplicationsTable {
  id: string;
  number: string;
  matter_id: string;
  resident_id: string;
  resident_name: string;
  node_path: string;
  applicant_user_id: string | null;
  proxy_staff_id: string | null;
  proxy_staff_name: string | null;
  details: string;
  contact_phone_enc: string | null;
  files: string[];
  status: ApplicationStatus;
  due_at: Timestamp;
  handler_id: string | null;
  handler_name: string | null;
  result: string | null;
  decided_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface SvcApplicationEventsTable {
  id: string;
  application_id: string;
  at: Timestamp;
  actor_name: string;
  action: string;
  from_status: string | null;
  to_status: string;
  note: string | null;
}
export interface SvcKbArticlesTable {
  id: string;
  title: string;
  body: string;
  keywords: string[];
  matter_code: string | null;
  active: boolean;
  hits: number;
  updated_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface SvcQuestionsTable {
  id: string;
  question: string;
  user_id: string | null;
  resident_id: string | null;
  node_path: string | null;
  article_id: string | null;
  score: number;
  answered: boolean;
  status: 'open' | 'resolved' | 'none';
  resolution: string | null;
  resolved_by: string | null;
  created_at: Timestamp;
  resolved_at: Timestamp | null;
}
export type EmergencyStatus = 'raised' | 'escalated' | 'acknowledged' | 'resolved';
export interface SvcEmergenciesTable {
  id: string;
  user_id: string | null;
  resident_id: string | null;
  resident_name: string;
  node_path: string;
  lng: number | null;
  lat: number | null;
  accuracy: number | null;
  profile: Json<Record<string, unknown>>;
  message: string | null;
  status: EmergencyStatus;
  raised_at: Timestamp;
  escalated_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  resolved_at: Timestamp | null;
  resolution: string | null;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    svc_announcements: SvcAnnouncementsTable;
    svc_announcement_recipients: SvcAnnouncementRecipientsTable;
    svc_rooms: SvcRoomsTable;
    svc_room_bookings: SvcRoomBookingsTable;
    svc_activities: SvcActivitiesTable;
    svc_signups: SvcSignupsTable;
    svc_matters: SvcMattersTable;
    svc_applications: SvcApplicationsTable;
    svc_application_events: SvcApplicationEventsTable;
    svc_kb_articles: SvcKbArticlesTable;
    svc_questions: SvcQuestionsTable;
    svc_emergencies: SvcEmergenciesTable;
  }
}

export type AnnouncementRow = Selectable<SvcAnnouncementsTable>;
export type ActivityRow = Selectable<SvcActivitiesTable>;
export type SignupRow = Selectable<SvcSignupsTable>;
export type RoomRow = Selectable<SvcRoomsTable>;
export type BookingRow = Selectable<SvcRoomBookingsTable>;
export type MatterRow = Selectable<SvcMattersTable>;
export type ApplicationRow = Selectable<SvcApplicationsTable>;
export type ArticleRow = Selectable<SvcKbArticlesTable>;
export type QuestionRow = Selectable<SvcQuestionsTable>;
export type EmergencyRow = Selectable<SvcEmergenciesTable>;

/** A path filter: rows whose `column` lies under `path` (or everything for null). */
export type PathFilter = { kind: 'all' } | { kind: 'subtree'; path: string } | { kind: 'none' };

/** `column` within the subtree (or equal). */
export function under(column: string, path: string) {
  return sql<boolean>`(${sql.ref(column)} = ${path} OR ${sql.ref(column)} LIKE ${likePrefix(path) + '/%'})`;
}

/** Applies a path filter to a column as a raw boolean. */
export function pathFilterSql(column: string, f: PathFilter) {
  if (f.kind === 'all') return sql<boolean>`true`;
  if (f.kind === 'none') return sql<boolean>`false`;
  return under(column, f.path);
}

/** The ancestors of a path and the path itself (`a`, `a/b`, `a/b/c`). */
export function ancestorPaths(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

export const svcRepo = {
  // announcements
  async announcementById(db: Executor, id: string): Promise<AnnouncementRow | undefined> {
    return db.selectFrom('svc_announcements').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async listAnnouncements(db: Executor, f: { scope: PathFilter; status?: string; q?: string; limit: number; offset: number }) {
    let q = db.selectFrom('svc_announcements').where(pathFilterSql('scope_path', f.scope));
    if (f.status) q = q.where('status', '=', f.status as AnnouncementRow['status']);
    if (f.q) q = q.where('title', 'like', '%' + likePrefix(f.q) + '%');
    const rows = await q.selectAll().orderBy('pinned', 'desc').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(total.n) };
  },
  async readCounts(db: Executor, ids: string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows = await db
      .selectFrom('svc_announcement_recipients')
      .select(['announcement_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('announcement_id', 'in', ids)
      .where('read_at', 'is not', null)
      .groupBy('announcement_id')
      .execute();
    return new Map(rows.map((r) => [r.announcement_id, Number(r.n)]));
  },
  /** Published, unexpired announcements a resident received, pinned first. */
  async announcementsForResident(db: Executor, residentId: string, now: Date) {
    return db
      .selectFrom('svc_announcement_recipients as r')
      .innerJoin('svc_announcements as a', 'a.id', 'r.announcement_id')
      .selectAll('a')
      .select('r.read_at')
      .where('r.resident_id', '=', residentId)
      .where('a.status', '=', 'published')
      .where((eb) => eb.or([eb('a.expires_at', 'is', null), eb('a.expires_at', '>', now)]))
      .orderBy('a.pinned', 'desc')
      .orderBy('a.published_at', 'desc')
      .limit(200)
      .execute();
  },
  /** Published, unexpired board notices for a place: those published to it or to any node above it. */
  async boardAnnouncements(db: Executor, path: string, now: Date, limit: number) {
    return db
      .selectFrom('svc_announcements')
      .selectAll()
      .where('status', '=', 'published')
      .where('on_board', '=', true)
      .where('scope_path', 'in', ancestorPaths(path))
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('pinned', 'desc')
      .orderBy('published_at', 'desc')
      .limit(limit)
      .execute();
  },

  // activities
  async activityById(db: Executor, id: string, lock = false): Promise<ActivityRow | undefined> {
    let q = db.selectFrom('svc_activities').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async signupsOf(db: Executor, activityId: string): Promise<SignupRow[]> {
    return db.selectFrom('svc_signups').selectAll().where('activity_id', '=', activityId).orderBy('seq').execute();
  },
  async signupCounts(db: Executor, ids: string[]): Promise<Map<string, { confirmed: number; waiting: number; checkedIn: number }>> {
    const out = new Map<string, { confirmed: number; waiting: number; checkedIn: number }>();
    if (!ids.length) return out;
    const rows = await db
      .selectFrom('svc_signups')
      .select(['activity_id', 'status', (eb) => eb.fn.countAll<number>().as('n'), sql<number>`count(checked_in_at)`.as('c')])
      .where('activity_id', 'in', ids)
      .where('status', '<>', 'cancelled')
      .groupBy(['activity_id', 'status'])
      .execute();
    for (const r of rows) {
      const o = out.get(r.activity_id) ?? { confirmed: 0, waiting: 0, checkedIn: 0 };
      if (r.status === 'confirmed') {
        o.confirmed = Number(r.n);
        o.checkedIn = Number(r.c);
      } else if (r.status === 'waiting') o.waiting = Number(r.n);
      out.set(r.activity_id, o);
    }
    return out;
  },
  async listActivities(db: Executor, f: { scope: PathFilter | { kind: 'visible'; path: string }; from?: Date; limit: number; offset: number }) {
    let q = db.selectFrom('svc_activities');
    if (f.scope.kind === 'visible') q = q.where('node_path', 'in', ancestorPaths(f.scope.path)).where('status', '=', 'open');
    else q = q.where(pathFilterSql('node_path', f.scope));
    if (f.from) q = q.where('ends_at', '>', f.from);
    const rows = await q.selectAll().orderBy('starts_at').orderBy('id').limit(f.limit).offset(f.offset).execute();
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(total.n) };
  },

  // rooms
  async roomById(db: Executor, id: string, lock = false): Promise<RoomRow | undefined> {
    let q = db.selectFrom('svc_rooms').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async overlapping(db: Executor, roomId: string, startsAt: Date, endsAt: Date): Promise<BookingRow[]> {
    return db
      .selectFrom('svc_room_bookings')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('status', '=', 'booked')
      .where('starts_at', '<', endsAt)
      .where('ends_at', '>', startsAt)
      .execute();
  },

  // catalogue
  async matters(db: Executor, includeInactive = false): Promise<MatterRow[]> {
    let q = db.selectFrom('svc_matters').selectAll();
    if (!includeInactive) q = q.where('active', '=', true);
    return q.orderBy('sort').orderBy('code').execute();
  },
  async matterById(db: Executor, id: string): Promise<MatterRow | undefined> {
    return db.selectFrom('svc_matters').selectAll().where('id', '=', id).executeTakeFirst();
  },
  async matterByCode(db: Executor, code: string): Promise<MatterRow | undefined> {
    return db.selectFrom('svc_matters').selectAll().where('code', '=', code).executeTakeFirst();
  },
  async applicationById(db: Executor, id: string, lock = false): Promise<ApplicationRow | undefined> {
    let q = db.selectFrom('svc_applications').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
  async applicationEvents(db: Executor, id: string) {
    return db.selectFrom('svc_application_events').selectAll().where('application_id', '=', id).orderBy('at').orderBy('id').execute();
  },
  async listApplications(db: Executor, f: { scope: PathFilter; residentId?: string; status?: string; matterId?: string; limit: number; offset: number }) {
    let q = db.selectFrom('svc_applications').where(pathFilterSql('node_path', f.scope));
    if (f.residentId) q = q.where('resident_id', '=', f.residentId);
    if (f.status) q = q.where('status', '=', f.status as ApplicationStatus);
    if (f.matterId) q = q.where('matter_id', '=', f.matterId);
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute();
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(total.n) };
  },
  async nextApplicationNumber(db: Executor, day: string): Promise<string> {
    // Numbers are SQ + local date + a 4-digit sequence of the day; the unique index settles races.
    const prefix = `SQ${day}`;
    const r = await db.selectFrom('svc_applications').select((eb) => eb.fn.max('number').as('m')).where('number', 'like', prefix + '%').executeTakeFirst();
    const last = r?.m ? Number(String(r.m).slice(prefix.length)) : 0;
    return `${prefix}${String(last + 1).padStart(4, '0')}`;
  },

  // assistant
  async articles(db: Executor, includeInactive = false): Promise<ArticleRow[]> {
    let q = db.selectFrom('svc_kb_articles').selectAll();
    if (!includeInactive) q = q.where('active', '=', true);
    return q.orderBy('title').execute();
  },
  async kbVersion(db: Executor): Promise<string> {
    const r = await db
      .selectFrom('svc_kb_articles')
      .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('updated_at').as('m')])
      .executeTakeFirstOrThrow();
    return `${Number(r.n)}:${r.m ? new Date(r.m as Date).getTime() : 0}`;
  },

  // emergencies
  async emergencyById(db: Executor, id: string, lock = false): Promise<EmergencyRow | undefined> {
    let q = db.selectFrom('svc_emergencies').selectAll().where('id', '=', id);
    if (lock) q = q.forUpdate();
    return q.executeTakeFirst();
  },
};
