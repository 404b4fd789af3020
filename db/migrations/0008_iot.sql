-- City sensing (module iot): device types, devices, telemetry (raw, latest, hourly roll-ups),
-- alarm rules, rule evaluation state, alarms and the alarm → case links used for sensor-verified closure.

-- Device types: reference data (seeded on every start, editable names/units).
CREATE TABLE iot_device_types (
  code        text PRIMARY KEY,
  name        text NOT NULL,
  -- [{ key, name, unit }]
  telemetry   jsonb NOT NULL DEFAULT '[]',
  description text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL
);

CREATE TABLE iot_devices (
  id            uuid PRIMARY KEY,
  -- unique device name (ThingsBoard gateways address devices by name)
  name          text NOT NULL UNIQUE,
  type_code     text NOT NULL REFERENCES iot_device_types(code),
  -- access token: keyed hash for lookup, encrypted copy for the credentials view
  token_hash    text NOT NULL UNIQUE,
  token_enc     text NOT NULL,
  token_hint    text NOT NULL,
  lng           double precision NOT NULL,
  lat           double precision NOT NULL,
  address       text,
  grid_id       uuid,
  -- org path of the grid (data scope); the street path when the point is outside every grid
  node_path     text NOT NULL,
  department_id uuid,
  -- manholes: water_supply | drainage | power | telecom | gas
  cover_type    text,
  is_gateway    boolean NOT NULL DEFAULT false,
  active        boolean NOT NULL DEFAULT true,
  online        boolean NOT NULL DEFAULT false,
  last_seen_at  timestamptz,
  battery       double precision,
  -- client attributes published by the device (v1/devices/me/attributes)
  attributes    jsonb NOT NULL DEFAULT '{}',
  props         jsonb NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX iot_devices_type_idx ON iot_devices (type_code);
CREATE INDEX iot_devices_path_idx ON iot_devices (node_path text_pattern_ops);
CREATE INDEX iot_devices_dept_idx ON iot_devices (department_id);
CREATE INDEX iot_devices_seen_idx ON iot_devices (last_seen_at) WHERE online;

-- Raw telemetry: one row per device and timestamp, the values as a JSON object.
CREATE TABLE iot_telemetry (
  device_id   uuid NOT NULL,
  ts          timestamptz NOT NULL,
  vals        jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (device_id, ts)
);
CREATE INDEX iot_telemetry_ts_idx ON iot_telemetry (ts);

-- Latest value per device and key (fast reads for lists, maps and rule warm-up).
CREATE TABLE iot_latest (
  device_id uuid NOT NULL,
  key       text NOT NULL,
  ts        timestamptz NOT NULL,
  val       jsonb NOT NULL,
  PRIMARY KEY (device_id, key)
);

-- Hourly roll-ups of numeric values (kept after raw rows pass retention).
CREATE TABLE iot_telemetry_hourly (
  device_id uuid NOT NULL,
  key       text NOT NULL,
  hour      timestamptz NOT NULL,
  n         int NOT NULL,
  min       double precision NOT NULL,
  max       double precision NOT NULL,
  sum       double precision NOT NULL,
  last      double precision NOT NULL,
  PRIMARY KEY (device_id, key, hour)
);

-- One row: hours before rolled_until are rolled up.
CREATE TABLE iot_meta (
  id            int PRIMARY KEY CHECK (id = 1),
  rolled_until  timestamptz,
  rules_version int NOT NULL DEFAULT 0
);
INSERT INTO iot_meta (id, rolled_until, rules_version) VALUES (1, NULL, 0);

CREATE TABLE iot_alarm_rules (
  id              uuid PRIMARY KEY,
  device_type     text NOT NULL REFERENCES iot_device_types(code),
  -- alarm type code, e.g. tilt, full, smoke, high_water, offline, low_battery, sos
  alarm_type      text NOT NULL,
  name            text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('threshold', 'offline')),
  key             text,
  op              text CHECK (op IN ('gt', 'gte', 'lt', 'lte', 'eq', 'neq')),
  threshold       double precision,
  -- hysteresis: the alarm clears only when the value is back beyond this (null: when the condition is false)
  clear_threshold double precision,
  duration_s      int NOT NULL DEFAULT 0 CHECK (duration_s >= 0),
  offline_minutes int CHECK (offline_minutes > 0),
  severity        text NOT NULL CHECK (severity IN ('critical', 'major', 'minor', 'warning')),
  create_case     boolean NOT NULL DEFAULT false,
  -- case category; for manhole covers the cover type decides (see catalog.ts)
  category_code   text,
  enabled         boolean NOT NULL DEFAULT true,
  updated_at      timestamptz NOT NULL,
  UNIQUE (device_type, alarm_type),
  CHECK (kind = 'offline' OR (key IS NOT NULL AND op IS NOT NULL AND threshold IS NOT NULL)),
  CHECK (kind = 'threshold' OR offline_minutes IS NOT NULL)
);

-- Persisted rule evaluation state: since when a condition has held (for durations).
CREATE TABLE iot_rule_state (
  device_id     uuid NOT NULL,
  rule_id       uuid NOT NULL,
  pending_since timestamptz,
  PRIMARY KEY (device_id, rule_id)
);

CREATE TABLE iot_alarms (
  id            uuid PRIMARY KEY,
  device_id     uuid NOT NULL REFERENCES iot_devices(id),
  rule_id       uuid NOT NULL REFERENCES iot_alarm_rules(id),
  alarm_type    text NOT NULL,
  severity      text NOT NULL,
  status        text NOT NULL CHECK (status IN ('active_unack', 'active_ack', 'cleared_unack', 'cleared_ack')),
  started_at    timestamptz NOT NULL,
  cleared_at    timestamptz,
  cleared_by    text,
  acked_at      timestamptz,
  acked_by      uuid,
  acked_by_name text,
  first_value   jsonb,
  last_value    jsonb,
  last_at       timestamptz NOT NULL,
  readings      int NOT NULL DEFAULT 1,
  node_path     text NOT NULL,
  department_id uuid,
  -- the case this alarm became (or was appended to); case_pending: still to be reported
  case_id       uuid,
  case_pending  boolean NOT NULL DEFAULT false,
  case_error    text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
-- at most one active alarm per device and rule
CREATE UNIQUE INDEX iot_alarms_active_idx ON iot_alarms (device_id, rule_id) WHERE status IN ('active_unack', 'active_ack');
CREATE INDEX iot_alarms_started_idx ON iot_alarms (started_at DESC);
CREATE INDEX iot_alarms_path_idx ON iot_alarms (node_path text_pattern_ops);
CREATE INDEX iot_alarms_case_pending_idx ON iot_alarms (case_pending) WHERE case_pending;

-- Cases that came from devices, watched until closed: sensor verification after resolution.
CREATE TABLE iot_case_links (
  case_id      uuid PRIMARY KEY,
  device_id    uuid NOT NULL REFERENCES iot_devices(id),
  rule_id      uuid NOT NULL REFERENCES iot_alarm_rules(id),
  alarm_type   text NOT NULL,
  open         boolean NOT NULL DEFAULT true,
  -- first normal reading after the resolution being verified
  normal_since timestamptz,
  resolved_at  timestamptz,
  last_note_at timestamptz,
  outcome      text,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);
CREATE INDEX iot_case_links_open_idx ON iot_case_links (device_id) WHERE open;
