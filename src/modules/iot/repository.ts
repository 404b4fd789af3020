import { sql, type Selectable } from 'kysely';
import type { Executor } from '../../platform/db/database.js';
import { likePrefix } from '../../platform/auth/scope.js';
import type { DefaultTimestamp, Json, Timestamp } from '../../platform/db/schema.js';

export type Severity = 'critical' | 'major' | 'minor' | 'warning';
export type AlarmStatus = 'active_unack' | 'active_ack' | 'cleared_unack' | 'cleared_ack';
export type RuleOp = 'gt' | 'gte' | 'lt' | 'lte' | 'eq' | 'neq';

export interface TelemetryKeyDef {
  key: string;
  name: string;
  unit: string;
}

export interface IotDeviceTypesTable {
  code: string;
  name: string;
  telemetry: Json<TelemetryKeyDef[]>;
  description: string;
  updated_at: Timestamp;
}

export interface IotDevicesTable {
  id: string;
  name: string;
  type_code: string;
  token_hash: string;
  token_enc: string;
  token_hint: string;
  lng: number;
  lat: number;
  address: string | null;
  grid_id: string | null;
  node_path: string;
  department_id: string | null;
  cover_type: string | null;
  is_gateway: boolean;
  active: boolean;
  online: boolean;
  last_seen_at: Timestamp | null;
  battery: number | null;
  attributes: Json<Record<string, unknown>>;
  props: Json<Record<string, unknown>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IotTelemetryTable {
  device_id: string;
  ts: Timestamp;
  vals: Json<Record<string, unknown>>;
  received_at: Timestamp;
}

export interface IotLatestTable {
  device_id: string;
  key: string;
  ts: Timestamp;
  val: Json;
}

export interface IotTelemetryHourlyTable {
  device_id: string;
  key: string;
  hour: Timestamp;
  n: number;
  min: number;
  max: number;
  sum: number;
  last: number;
}

export interface IotMetaTable {
  id: number;
  rolled_until: Timestamp | null;
  rules_version: number;
}

export interface IotAlarmRulesTable {
  id: string;
  device_type: string;
  alarm_type: string;
  name: string;
  kind: 'threshold' | 'offline';
  key: string | null;
  op: RuleOp | null;
  threshold: number | null;
  clear_threshold: number | null;
  duration_s: number;
  offline_minutes: number | null;
  severity: Severity;
  create_case: boolean;
  category_code: string | null;
  enabled: boolean;
  updated_at: Timestamp;
}

export interface IotRuleStateTable {
  device_id: string;
  rule_id: string;
  pending_since: Timestamp | null;
}

export interface IotAlarmsTable {
  id: string;
  device_id: string;
  rule_id: string;
  alarm_type: string;
  severity: Severity;
  status: AlarmStatus;
  started_at: Timestamp;
  cleared_at: Timestamp | null;
  cleared_by: string | null;
  acked_at: Timestamp | null;
  acked_by: string | null;
  acked_by_name: string | null;
  first_value: Json | null;
  last_value: Json | null;
  last_at: Timestamp;
  readings: number;
  node_path: string;
  department_id: string | null;
  case_id: string | null;
  case_pending: boolean;
  case_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IotCaseLinksTable {
  case_id: string;
  device_id: string;
  rule_id: string;
  alarm_type: string;
  open: boolean;
  normal_since: Timestamp | null;
  resolved_at: Timestamp | null;
  last_note_at: Timestamp | null;
  outcome: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    iot_device_types: IotDeviceTypesTable;
    iot_devices: IotDevicesTable;
    iot_telemetry: IotTelemetryTable;
    iot_latest: IotLatestTable;
    iot_telemetry_hourly: IotTelemetryHourlyTable;
    iot_meta: IotMetaTable;
    iot_alarm_rules: IotAlarmRulesTable;
    iot_rule_state: IotRuleStateTable;
    iot_alarms: IotAlarmsTable;
    iot_case_links: IotCaseLinksTable;
  }
}

// ---------------------------------------------------------------- SQL


export type DeviceRow = Selectable<IotDevicesTable>;
export type AlarmRow = Selectable<IotAlarmsTable>;
export type RuleRow = Selectable<IotAlarmRulesTable>;
export type CaseLinkRow = Selectable<IotCaseLinksTable>;

const j = (v: unknown) => JSON.stringify(v);

export const iotRepo = {
  // ---- reference data
  async upsertDeviceType(db: Executor, t: { code: string; name: string; description: string; telemetry: TelemetryKeyDef[] }, now: Date) {
    await db
      .insertInto('iot_device_types')
      .values({ code: t.code, name: t.name, description: t.description, telemetry: j(t.telemetry), updated_at: now })
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
  },
  listDeviceTypes: (db: Executor) => db.selectFrom('iot_device_types').selectAll().orderBy('code').execute(),
  deviceType: (db: Executor, code: string) => db.selectFrom('iot_device_types').selectAll().where('code', '=', code).executeTakeFirst(),

  // ---- rules
  listRules: (db: Executor, deviceType?: string) => {
    let q = db.selectFrom('iot_alarm_rules').selectAll();
    if (deviceType) q = q.where('device_type', '=', deviceType);
    return q.orderBy('device_type').orderBy('alarm_type').execute();
  },
  ruleById: (db: Executor, id: string) => db.selectFrom('iot_alarm_rules').selectAll().where('id', '=', id).executeTakeFirst(),
  async insertRuleIfMissing(db: Executor, r: Omit<RuleRow, 'updated_at'>, now: Date) {
    await db
      .insertInto('iot_alarm_rules')
      .values({ ...r, updated_at: now })
      .onConflict((oc) => oc.columns(['device_type', 'alarm_type']).doNothing())
      .execute();
  },
  async insertRule(db: Executor, r: Omit<RuleRow, 'updated_at'>, now: Date) {
    await db.insertInto('iot_alarm_rules').values({ ...r, updated_at: now }).execute();
  },
  async updateRule(db: Executor, id: string, patch: Partial<Omit<RuleRow, 'id' | 'device_type' | 'updated_at'>>, now: Date) {
    return db.updateTable('iot_alarm_rules').set({ ...patch, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
  },
  async bumpRulesVersion(db: Executor) {
    await db.updateTable('iot_meta').set((eb) => ({ rules_version: eb('rules_version', '+', 1) })).where('id', '=', 1).execute();
  },
  meta: (db: Executor) => db.selectFrom('iot_meta').selectAll().where('id', '=', 1).executeTakeFirstOrThrow(),

  // ---- devices
  deviceById: (db: Executor, id: string) => db.selectFrom('iot_devices').selectAll().where('id', '=', id).executeTakeFirst(),
  deviceByTokenHash: (db: Executor, h: string) => db.selectFrom('iot_devices').selectAll().where('token_hash', '=', h).executeTakeFirst(),
  deviceByName: (db: Executor, name: string) => db.selectFrom('iot_devices').selectAll().where('name', '=', name).executeTakeFirst(),
  devicesByNames: (db: Executor, names: string[]) => (names.length ? db.selectFrom('iot_devices').selectAll().where('name', 'in', names).execute() : Promise.resolve([])),
  async insertDevice(db: Executor, row: DeviceRow) {
    await db.insertInto('iot_devices').values({ ...row, attributes: j(row.attributes), props: j(row.props) }).execute();
  },
  async updateDevice(db: Executor, id: string, patch: Partial<DeviceRow>) {
    const p: Record<string, unknown> = { ...patch };
    if (patch.props !== undefined) p.props = j(patch.props);
    if (patch.attributes !== undefined) p.attributes = j(patch.attributes);
    return db.updateTable('iot_devices').set(p).where('id', '=', id).returningAll().executeTakeFirst();
  },

  async listDevices(
    db: Executor,
    f: { scope: (eb: never) => never; typeCode?: string; online?: boolean; q?: string; gridPath?: string; departmentId?: string; alarmed?: boolean; bbox?: [number, number, number, number]; offset: number; limit: number },
  ) {
    let q = db.selectFrom('iot_devices as d').where(f.scope as never);
    if (f.typeCode) q = q.where('d.type_code', '=', f.typeCode);
    if (f.online !== undefined) q = q.where('d.online', '=', f.online);
    if (f.departmentId) q = q.where('d.department_id', '=', f.departmentId);
    if (f.q) q = q.where((eb) => eb.or([eb('d.name', 'ilike', `%${likePrefix(f.q!)}%`), eb('d.address', 'ilike', `%${likePrefix(f.q!)}%`)]));
    if (f.gridPath) q = q.where((eb) => eb.or([eb('d.node_path', '=', f.gridPath!), eb('d.node_path', 'like', likePrefix(f.gridPath!) + '/%')]));
    if (f.bbox) q = q.where('d.lng', '>=', f.bbox[0]).where('d.lat', '>=', f.bbox[1]).where('d.lng', '<=', f.bbox[2]).where('d.lat', '<=', f.bbox[3]);
    if (f.alarmed !== undefined) {
      const ex = sql<boolean>`EXISTS (SELECT 1 FROM iot_alarms a WHERE a.device_id = d.id AND a.status IN ('active_unack', 'active_ack'))`;
      q = q.where(f.alarmed ? ex : sql<boolean>`NOT ${ex}`);
    }
    const total = (await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst())?.total ?? 0;
    const items = await q
      .selectAll('d')
      .select(sql<number>`(SELECT count(*) FROM iot_alarms a WHERE a.device_id = d.id AND a.status IN ('active_unack', 'active_ack'))`.as('active_alarms'))
      .orderBy('d.name')
      .offset(f.offset)
      .limit(f.limit)
      .execute();
    return { total: Number(total), items };
  },

  latestOf: (db: Executor, deviceIds: string[]) =>
    deviceIds.length ? db.selectFrom('iot_latest').selectAll().where('device_id', 'in', deviceIds).execute() : Promise.resolve([]),

  // ---- telemetry ingest (one statement per table per batch; the batch travels as one JSON parameter)
  async insertTelemetry(db: Executor, rows: Array<{ d: string; t: string; v: Record<string, unknown> }>, receivedAt: Date) {
    if (!rows.length) return;
    await sql`INSERT INTO iot_telemetry (device_id, ts, vals, received_at)
      SELECT x.d, x.t, x.v, ${receivedAt} FROM jsonb_to_recordset(${j(rows)}::jsonb) AS x(d uuid, t timestamptz, v jsonb)
      ON CONFLICT (device_id, ts) DO UPDATE SET vals = iot_telemetry.vals || EXCLUDED.vals`.execute(db);
  },
  async upsertLatest(db: Executor, rows: Array<{ d: string; k: string; t: string; v: unknown }>) {
    if (!rows.length) return;
    await sql`INSERT INTO iot_latest (device_id, key, ts, val)
      SELECT x.d, x.k, x.t, x.v FROM jsonb_to_recordset(${j(rows)}::jsonb) AS x(d uuid, k text, t timestamptz, v jsonb)
      ON CONFLICT (device_id, key) DO UPDATE SET ts = EXCLUDED.ts, val = EXCLUDED.val WHERE iot_latest.ts <= EXCLUDED.ts`.execute(db);
  },
  async touchDevices(db: Executor, rows: Array<{ id: string; b: number | null }>, seen: Date) {
    if (!rows.length) return;
    await sql`UPDATE iot_devices d SET last_seen_at = ${seen}, online = true, battery = COALESCE(x.b, d.battery)
      FROM jsonb_to_recordset(${j(rows)}::jsonb) AS x(id uuid, b double precision) WHERE d.id = x.id`.execute(db);
  },
  async mergeAttributes(db: Executor, rows: Array<{ id: string; a: Record<string, unknown> }>, now: Date) {
    if (!rows.length) return;
    await sql`UPDATE iot_devices d SET attributes = d.attributes || x.a, last_seen_at = ${now}, online = true
      FROM jsonb_to_recordset(${j(rows)}::jsonb) AS x(id uuid, a jsonb) WHERE d.id = x.id`.execute(db);
  },

  // ---- rule state and alarms
  async ruleStates(db: Executor, deviceIds: string[]) {
    if (!deviceIds.length) return { pending: [], active: [] };
    const [pending, active] = await Promise.all([
      db.selectFrom('iot_rule_state').selectAll().where('device_id', 'in', deviceIds).where('pending_since', 'is not', null).execute(),
      db.selectFrom('iot_alarms').select(['id', 'device_id', 'rule_id']).where('device_id', 'in', deviceIds).where('status', 'in', ['active_unack', 'active_ack']).execute(),
    ]);
    return { pending, active };
  },
  async setPending(db: Executor, deviceId: string, ruleId: string, since: Date | null) {
    await db
      .insertInto('iot_rule_state')
      .values({ device_id: deviceId, rule_id: ruleId, pending_since: since })
      .onConflict((oc) => oc.columns(['device_id', 'rule_id']).doUpdateSet({ pending_since: since }))
      .execute();
  },
  /** Inserts an active alarm unless the device already has one for the rule; returns whether it did. */
  async insertAlarm(db: Executor, a: Omit<AlarmRow, 'first_value' | 'last_value'> & { first_value: unknown; last_value: unknown }): Promise<boolean> {
    const r = await sql<{ id: string }>`INSERT INTO iot_alarms (id, device_id, rule_id, alarm_type, severity, status, started_at, cleared_at, cleared_by, acked_at, acked_by, acked_by_name,
        first_value, last_value, last_at, readings, node_path, department_id, case_id, case_pending, case_error, created_at, updated_at)
      VALUES (${a.id}, ${a.device_id}, ${a.rule_id}, ${a.alarm_type}, ${a.severity}, ${a.status}, ${a.started_at}, NULL, NULL, NULL, NULL, NULL,
        ${j(a.first_value)}::jsonb, ${j(a.last_value)}::jsonb, ${a.last_at}, 1, ${a.node_path}, ${a.department_id}, NULL, ${a.case_pending}, NULL, ${a.created_at}, ${a.updated_at})
      ON CONFLICT (device_id, rule_id) WHERE status IN ('active_unack', 'active_ack') DO NOTHING RETURNING id`.execute(db);
    return r.rows.length === 1;
  },
  async alarmReadings(db: Executor, id: string, value: unknown, at: Date, n: number) {
    await sql`UPDATE iot_alarms SET last_value = ${j(value)}::jsonb, last_at = ${at}, readings = readings + ${n}, updated_at = ${at} WHERE id = ${id}`.execute(db);
  },
  async clearAlarm(db: Executor, id: string, value: unknown, at: Date, by: string) {
    return sql<AlarmRow>`UPDATE iot_alarms SET status = CASE status WHEN 'active_ack' THEN 'cleared_ack' ELSE 'cleared_unack' END,
        cleared_at = ${at}, cleared_by = ${by}, last_value = COALESCE(${value === undefined ? null : j(value)}::jsonb, last_value), updated_at = ${at}
      WHERE id = ${id} AND status IN ('active_unack', 'active_ack') RETURNING *`
      .execute(db)
      .then((r) => r.rows[0]);
  },
  async ackAlarm(db: Executor, id: string, by: { id: string | null; name: string }, at: Date) {
    return sql<AlarmRow>`UPDATE iot_alarms SET status = CASE status WHEN 'active_unack' THEN 'active_ack' ELSE 'cleared_ack' END,
        acked_at = ${at}, acked_by = ${by.id}, acked_by_name = ${by.name}, updated_at = ${at}
      WHERE id = ${id} AND status IN ('active_unack', 'cleared_unack') RETURNING *`
      .execute(db)
      .then((r) => r.rows[0]);
  },
  alarmById: (db: Executor, id: string) => db.selectFrom('iot_alarms').selectAll().where('id', '=', id).executeTakeFirst(),
  pendingCaseAlarms: (db: Executor, limit: number) =>
    db.selectFrom('iot_alarms').selectAll().where('case_pending', '=', true).orderBy('started_at').limit(limit).execute(),
  async setAlarmCase(db: Executor, id: string, caseId: string | null, error: string | null, now: Date) {
    await db.updateTable('iot_alarms').set({ case_id: caseId, case_pending: caseId === null && error !== null ? true : false, case_error: error, updated_at: now }).where('id', '=', id).execute();
  },
  async listAlarms(
    db: Executor,
    f: { scope: never; status?: string[]; severity?: string[]; deviceId?: string; alarmType?: string; typeCode?: string; from?: Date; to?: Date; offset: number; limit: number },
  ) {
    let q = db.selectFrom('iot_alarms as a').innerJoin('iot_devices as d', 'd.id', 'a.device_id').where(f.scope);
    if (f.status?.length) q = q.where('a.status', 'in', f.status as never);
    if (f.severity?.length) q = q.where('a.severity', 'in', f.severity as never);
    if (f.deviceId) q = q.where('a.device_id', '=', f.deviceId);
    if (f.alarmType) q = q.where('a.alarm_type', '=', f.alarmType);
    if (f.typeCode) q = q.where('d.type_code', '=', f.typeCode);
    if (f.from) q = q.where('a.started_at', '>=', f.from);
    if (f.to) q = q.where('a.started_at', '<', f.to);
    const total = (await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst())?.total ?? 0;
    const items = await q
      .selectAll('a')
      .select(['d.name as device_name', 'd.type_code', 'd.lng', 'd.lat', 'd.address'])
      .orderBy(sql`CASE WHEN a.status IN ('active_unack', 'active_ack') THEN 0 ELSE 1 END`)
      .orderBy('a.started_at', 'desc')
      .offset(f.offset)
      .limit(f.limit)
      .execute();
    return { total: Number(total), items };
  },

  // ---- offline detection
  async markOffline(db: Executor, typeCode: string, before: Date) {
    return db
      .updateTable('iot_devices')
      .set({ online: false })
      .where('type_code', '=', typeCode)
      .where('online', '=', true)
      .where('last_seen_at', '<', before)
      .returningAll()
      .execute();
  },

  // ---- case links
  async insertCaseLink(db: Executor, l: { case_id: string; device_id: string; rule_id: string; alarm_type: string }, now: Date) {
    await db
      .insertInto('iot_case_links')
      .values({ ...l, open: true, normal_since: null, resolved_at: null, last_note_at: now, outcome: null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('case_id').doNothing())
      .execute();
  },
  openLinks: (db: Executor, deviceId?: string) => {
    let q = db.selectFrom('iot_case_links').selectAll().where('open', '=', true);
    if (deviceId) q = q.where('device_id', '=', deviceId);
    return q.execute();
  },
  async updateLink(db: Executor, caseId: string, patch: Partial<Omit<CaseLinkRow, 'case_id'>>, now: Date) {
    await db.updateTable('iot_case_links').set({ ...patch, updated_at: now }).where('case_id', '=', caseId).execute();
  },
  linksOfDevice: (db: Executor, deviceId: string) => db.selectFrom('iot_case_links').selectAll().where('device_id', '=', deviceId).orderBy('created_at', 'desc').limit(20).execute(),

  // ---- series
  async rawSeries(db: Executor, deviceId: string, keys: string[], from: Date, to: Date, limit: number) {
    return sql<{ ts: Date; vals: Record<string, unknown> }>`SELECT ts, vals FROM iot_telemetry
      WHERE device_id = ${deviceId} AND ts >= ${from} AND ts < ${to} AND vals ?| ${sql.val(keys)}::text[]
      ORDER BY ts LIMIT ${limit}`
      .execute(db)
      .then((r) => r.rows);
  },
  /** Hourly/daily aggregates: from the roll-up table before `rolledUntil`, computed from raw rows after. */
  async aggSeries(db: Executor, deviceId: string, keys: string[], from: Date, to: Date, bucket: 'hour' | 'day', rolledUntil: Date | null) {
    const split = rolledUntil && rolledUntil > from ? (rolledUntil < to ? rolledUntil : to) : from;
    const unit = sql.lit(bucket);
    return sql<{ key: string; bucket: Date; n: number; min: number; max: number; avg: number; last: number }>`
      WITH parts AS (
        SELECT key, hour AS t, n, min, max, sum, last FROM iot_telemetry_hourly
          WHERE device_id = ${deviceId} AND key = ANY(${sql.val(keys)}::text[]) AND hour >= ${from} AND hour < ${split}
        UNION ALL
        SELECT e.key, date_trunc('hour', r.ts) AS t, count(*)::int, min(e.value::text::float8), max(e.value::text::float8), sum(e.value::text::float8),
               (array_agg(e.value::text::float8 ORDER BY r.ts DESC))[1]
          FROM iot_telemetry r, jsonb_each(r.vals) e
          WHERE r.device_id = ${deviceId} AND r.ts >= ${split} AND r.ts < ${to} AND e.key = ANY(${sql.val(keys)}::text[]) AND jsonb_typeof(e.value) = 'number'
          GROUP BY e.key, date_trunc('hour', r.ts)
      )
      SELECT key, date_trunc(${unit}, t AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai' AS bucket,
             sum(n)::int AS n, min(min) AS min, max(max) AS max, sum(sum) / sum(n) AS avg,
             (array_agg(last ORDER BY t DESC))[1] AS last
      FROM parts GROUP BY key, bucket ORDER BY key, bucket`
      .execute(db)
      .then((r) => r.rows);
  },

  // ---- roll-up and retention
  async rollup(db: Executor, from: Date, to: Date) {
    await sql`INSERT INTO iot_telemetry_hourly (device_id, key, hour, n, min, max, sum, last)
      SELECT r.device_id, e.key, date_trunc('hour', r.ts), count(*)::int, min(e.value::text::float8), max(e.value::text::float8), sum(e.value::text::float8),
             (array_agg(e.value::text::float8 ORDER BY r.ts DESC))[1]
      FROM iot_telemetry r, jsonb_each(r.vals) e
      WHERE r.ts >= ${from} AND r.ts < ${to} AND jsonb_typeof(e.value) = 'number'
      GROUP BY r.device_id, e.key, date_trunc('hour', r.ts)
      ON CONFLICT (device_id, key, hour) DO UPDATE SET n = EXCLUDED.n, min = EXCLUDED.min, max = EXCLUDED.max, sum = EXCLUDED.sum, last = EXCLUDED.last`.execute(db);
    await db.updateTable('iot_meta').set({ rolled_until: to }).where('id', '=', 1).execute();
  },
  oldestTelemetry: (db: Executor) => db.selectFrom('iot_telemetry').select((eb) => eb.fn.min('ts').as('ts')).executeTakeFirst(),
  async deleteTelemetryBefore(db: Executor, before: Date) {
    const r = await db.deleteFrom('iot_telemetry').where('ts', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  },
};
