import type { Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import type { Json, Timestamp } from '../../platform/db/schema.js';

export interface CareSettingsTable {
  id: number;
  reading_retention_days: number;
  alert_retention_days: number;
  escalate_minutes: number;
  no_movement_hour: number;
  /** from this day of the month, carers of persons below their plan's visits are reminded; null: off */
  visit_remind_day: number | null;
  updated_at: Timestamp;
}
export interface CarePersonsTable {
  id: string;
  resident_id: string;
  name: string;
  node_path: string;
  categories: string[];
  consent_given: boolean;
  consent_at: Timestamp | null;
  consent_by: string | null;
  consent_note: string | null;
  care_plan: Json<Record<string, unknown>>;
  thresholds: Json<Thresholds>;
  threshold_note: string | null;
  threshold_by: string | null;
  threshold_at: Timestamp | null;
  no_data_hours: number;
  last_reading_at: Timestamp | null;
  last_moved_at: Timestamp | null;
  /** the month (YYYY-MM) whose below-plan visit reminder was sent */
  visit_reminded_month: string | null;
  active: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type CarerKind = 'grid_worker' | 'volunteer' | 'family' | 'staff';
export interface CareCarersTable {
  person_id: string;
  user_id: string;
  kind: CarerKind;
  created_at: Timestamp;
}
export interface CareContactsTable {
  id: string;
  person_id: string;
  name: string;
  relation: string;
  phone_enc: string | null;
  user_id: string | null;
  created_at: Timestamp;
}
export interface CareDevicesTable {
  device_id: string;
  person_id: string;
  linked_at: Timestamp;
}
export interface CareReadingsTable {
  id: string;
  person_id: string;
  device_id: string;
  at: Timestamp;
  abnormal: boolean;
  data_enc: string;
  created_at: Timestamp;
}
export type AlertKind = 'fall' | 'sos' | 'out_of_range' | 'no_data' | 'no_movement';
export interface CareAlertsTable {
  id: string;
  person_id: string;
  kind: AlertKind;
  metric: string | null;
  severity: 'critical' | 'major' | 'minor';
  status: 'open' | 'acked' | 'closed';
  detail_enc: string | null;
  dedupe_key: string | null;
  level: number;
  raised_at: Timestamp;
  acked_at: Timestamp | null;
  acked_by: string | null;
  acked_by_name: string | null;
  closed_at: Timestamp | null;
  node_path: string;
}
export type ServiceType = 'haircut' | 'meal_delivery' | 'cleaning' | 'medical_check' | 'sign_language' | 'other';
export interface CareServicesTable {
  id: string;
  person_id: string;
  type: ServiceType;
  status: 'booked' | 'assigned' | 'completed' | 'cancelled';
  scheduled_at: Timestamp;
  note: string | null;
  provider_kind: 'partner' | 'volunteer' | 'staff' | null;
  provider_user_id: string | null;
  provider_name: string | null;
  minutes: number | null;
  timebank_transfer_id: string | null;
  rating: number | null;
  rating_comment: string | null;
  node_path: string;
  booked_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export interface Subsidy {
  tag: string;
  /** fixed amount off per portion, in cents */
  amountCents: number;
}
export interface CareMenuItemsTable {
  id: string;
  node_path: string;
  day: string;
  name: string;
  price_cents: number;
  subsidies: Json<Subsidy[]>;
  delivery: boolean;
  portions: number | null;
  created_at: Timestamp;
}
export interface CareOrdersTable {
  id: string;
  menu_item_id: string;
  resident_id: string;
  node_path: string;
  qty: number;
  mode: 'pickup' | 'delivery';
  unit_cents: number;
  subsidy_cents: number;
  subsidy_tag: string | null;
  pay_cents: number;
  status: OrderStatus;
  ordered_by: string | null;
  created_at: Timestamp;
  status_at: Timestamp | null;
  status_by: string | null;
  cancel_reason: string | null;
}
export type OrderStatus = 'placed' | 'ready' | 'delivered' | 'picked_up' | 'cancelled';
export interface CareContactMessagesTable {
  id: string;
  alert_id: string;
  person_id: string;
  contact_id: string;
  channel_id: string | null;
  channel_name: string | null;
  title: string;
  body: string;
  status: 'pending' | 'sent' | 'skipped' | 'no_channel';
  sent_at: Timestamp | null;
  created_at: Timestamp;
}
export interface CareVisitsTable {
  id: string;
  person_id: string;
  visit_id: string | null;
  visitor_id: string | null;
  visitor_name: string;
  kind: 'home' | 'phone' | 'other';
  visited_at: Timestamp;
  note: string | null;
  created_at: Timestamp;
}
export interface CareDonationsTable {
  id: string;
  node_path: string;
  donor_name: string;
  partner_id: string | null;
  items: string;
  quantity: number;
  points: number;
  received_at: Timestamp;
  recorded_by: string | null;
}
export interface CareShiftsTable {
  id: string;
  node_path: string;
  title: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  capacity: number;
  created_at: Timestamp;
}
export interface CareShiftSignupsTable {
  shift_id: string;
  user_id: string;
  created_at: Timestamp;
}
export interface CareFacilitiesTable {
  id: string;
  node_path: string;
  kind: string;
  name: string;
  lng: number;
  lat: number;
  address: string | null;
  status: 'ok' | 'broken';
  last_case_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Range {
  min?: number | null;
  max?: number | null;
}
/** Per-metric limits; a person's overrides are merged over the defaults for their age. */
export interface Thresholds {
  heart_rate?: Range;
  bp_systolic?: Range;
  bp_diastolic?: Range;
  spo2?: Range;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    care_settings: CareSettingsTable;
    care_persons: CarePersonsTable;
    care_carers: CareCarersTable;
    care_contacts: CareContactsTable;
    care_devices: CareDevicesTable;
    care_readings: CareReadingsTable;
    care_alerts: CareAlertsTable;
    care_services: CareServicesTable;
    care_menu_items: CareMenuItemsTable;
    care_orders: CareOrdersTable;
    care_donations: CareDonationsTable;
    care_shifts: CareShiftsTable;
    care_shift_signups: CareShiftSignupsTable;
    care_facilities: CareFacilitiesTable;
    care_contact_messages: CareContactMessagesTable;
    care_visits: CareVisitsTable;
  }
}

export type PersonRow = Selectable<CarePersonsTable>;
export type AlertRow = Selectable<CareAlertsTable>;
export type ServiceRow = Selectable<CareServicesTable>;
export type MenuItemRow = Selectable<CareMenuItemsTable>;

export const careRepo = {
  settings: (db: Executor) => db.selectFrom('care_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow(),
  personById: (db: Executor, id: string) => db.selectFrom('care_persons').selectAll().where('id', '=', id).executeTakeFirst(),
  personByResident: (db: Executor, residentId: string) => db.selectFrom('care_persons').selectAll().where('resident_id', '=', residentId).executeTakeFirst(),
  personIdsOfCarer: async (db: Executor, userId: string) => (await db.selectFrom('care_carers').select('person_id').where('user_id', '=', userId).execute()).map((r) => r.person_id),
  isCarer: async (db: Executor, personId: string, userId: string | null) =>
    !!userId && !!(await db.selectFrom('care_carers').select('user_id').where('person_id', '=', personId).where('user_id', '=', userId).executeTakeFirst()),
  carersOf: (db: Executor, personId: string) => db.selectFrom('care_carers').selectAll().where('person_id', '=', personId).orderBy('created_at').execute(),
  contactsOf: (db: Executor, personId: string) => db.selectFrom('care_contacts').selectAll().where('person_id', '=', personId).orderBy('created_at').execute(),
  devicesOf: (db: Executor, personId: string) => db.selectFrom('care_devices').selectAll().where('person_id', '=', personId).execute(),
  personsOfDevices: (db: Executor, deviceIds: string[]) =>
    deviceIds.length
      ? db.selectFrom('care_devices').innerJoin('care_persons', 'care_persons.id', 'care_devices.person_id').selectAll('care_persons').select('care_devices.device_id').where('care_devices.device_id', 'in', deviceIds).where('care_persons.active', '=', true).execute()
      : Promise.resolve([]),
  openAlert: (db: Executor, dedupeKey: string) => db.selectFrom('care_alerts').selectAll().where('dedupe_key', '=', dedupeKey).where('status', '=', 'open').executeTakeFirst(),
  alertById: (db: Executor, id: string) => db.selectFrom('care_alerts').selectAll().where('id', '=', id).executeTakeFirst(),
  /** Active persons with a linked bracelet (for the no-data and no-movement checks). */
  monitored: (db: Executor) =>
    db
      .selectFrom('care_persons')
      .selectAll('care_persons')
      .select((eb) => eb.selectFrom('care_devices').select((e) => e.fn.max('linked_at').as('l')).whereRef('care_devices.person_id', '=', 'care_persons.id').as('linked_at'))
      .where('active', '=', true)
      .where((eb) => eb.exists(eb.selectFrom('care_devices').select('device_id').whereRef('care_devices.person_id', '=', 'care_persons.id')))
      .execute(),
  usersWithRoles: (db: Executor, roles: string[]) =>
    db.selectFrom('users').select(['id', 'roles', 'node_id']).where('status', '=', 'active').where('node_id', 'is not', null).where((eb) => eb.or(roles.map((r) => eb(eb.val(r), '=', eb.fn.any('roles'))))).execute(),
};
