-- care: elderly and vulnerable residents (适老化 · 智能手环 · 爱心厨房)

CREATE TABLE care_settings (
  id                    integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  reading_retention_days integer NOT NULL DEFAULT 180 CHECK (reading_retention_days > 0),
  alert_retention_days  integer NOT NULL DEFAULT 1095 CHECK (alert_retention_days > 0),
  escalate_minutes      integer NOT NULL DEFAULT 10 CHECK (escalate_minutes > 0),
  no_movement_hour      integer NOT NULL DEFAULT 20 CHECK (no_movement_hour BETWEEN 0 AND 23),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
INSERT INTO care_settings (id) VALUES (1);

CREATE TABLE care_persons (
  id               uuid PRIMARY KEY,
  resident_id      uuid NOT NULL UNIQUE,
  name             text NOT NULL,
  node_path        text NOT NULL,
  categories       text[] NOT NULL DEFAULT '{}',
  consent_given    boolean NOT NULL DEFAULT false,
  consent_at       timestamptz,
  consent_by       text,
  consent_note     text,
  care_plan        jsonb NOT NULL DEFAULT '{}',
  thresholds       jsonb NOT NULL DEFAULT '{}',
  threshold_note   text,
  threshold_by     text,
  threshold_at     timestamptz,
  no_data_hours    integer NOT NULL DEFAULT 6 CHECK (no_data_hours > 0),
  last_reading_at  timestamptz,
  last_moved_at    timestamptz,
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX care_persons_path ON care_persons (node_path text_pattern_ops);

CREATE TABLE care_carers (
  person_id  uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  user_id    uuid NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('grid_worker', 'volunteer', 'family', 'staff')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (person_id, user_id)
);
CREATE INDEX care_carers_user ON care_carers (user_id);

CREATE TABLE care_contacts (
  id         uuid PRIMARY KEY,
  person_id  uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  name       text NOT NULL,
  relation   text NOT NULL,
  phone_enc  text,
  user_id    uuid,
  created_at timestamptz NOT NULL
);
CREATE INDEX care_contacts_person ON care_contacts (person_id);

CREATE TABLE care_devices (
  device_id  uuid PRIMARY KEY,
  person_id  uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  linked_at  timestamptz NOT NULL
);
CREATE INDEX care_devices_person ON care_devices (person_id);

-- Health readings: the values are one encrypted JSON per reading; only what queries need is clear.
CREATE TABLE care_readings (
  id         uuid PRIMARY KEY,
  person_id  uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  device_id  uuid NOT NULL,
  at         timestamptz NOT NULL,
  abnormal   boolean NOT NULL DEFAULT false,
  data_enc   text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX care_readings_person_at ON care_readings (person_id, at DESC);
CREATE INDEX care_readings_at ON care_readings (at);

CREATE TABLE care_alerts (
  id             uuid PRIMARY KEY,
  person_id      uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  kind           text NOT NULL CHECK (kind IN ('fall', 'sos', 'out_of_range', 'no_data', 'no_movement')),
  metric         text,
  severity       text NOT NULL CHECK (severity IN ('critical', 'major', 'minor')),
  status         text NOT NULL CHECK (status IN ('open', 'acked', 'closed')),
  detail_enc     text,
  dedupe_key     text,
  level          integer NOT NULL DEFAULT 0,
  raised_at      timestamptz NOT NULL,
  acked_at       timestamptz,
  acked_by       uuid,
  acked_by_name  text,
  closed_at      timestamptz,
  node_path      text NOT NULL
);
CREATE INDEX care_alerts_person ON care_alerts (person_id, raised_at DESC);
CREATE UNIQUE INDEX care_alerts_open_dedupe ON care_alerts (dedupe_key) WHERE status = 'open' AND dedupe_key IS NOT NULL;

-- Door-to-door services (and sign-language interpreting bookings).
CREATE TABLE care_services (
  id               uuid PRIMARY KEY,
  person_id        uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  type             text NOT NULL CHECK (type IN ('haircut', 'meal_delivery', 'cleaning', 'medical_check', 'sign_language', 'other')),
  status           text NOT NULL CHECK (status IN ('booked', 'assigned', 'completed', 'cancelled')),
  scheduled_at     timestamptz NOT NULL,
  note             text,
  provider_kind    text CHECK (provider_kind IN ('partner', 'volunteer', 'staff')),
  provider_user_id uuid,
  provider_name    text,
  minutes          integer,
  timebank_transfer_id uuid,
  rating           integer CHECK (rating BETWEEN 1 AND 5),
  rating_comment   text,
  node_path        text NOT NULL,
  booked_by        uuid,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX care_services_person ON care_services (person_id);

-- Senior canteen / 爱心厨房
CREATE TABLE care_menu_items (
  id          uuid PRIMARY KEY,
  node_path   text NOT NULL,
  day         date NOT NULL,
  name        text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  subsidies   jsonb NOT NULL DEFAULT '[]',
  delivery    boolean NOT NULL DEFAULT true,
  portions    integer,
  created_at  timestamptz NOT NULL
);
CREATE INDEX care_menu_day ON care_menu_items (day, node_path);

CREATE TABLE care_orders (
  id            uuid PRIMARY KEY,
  menu_item_id  uuid NOT NULL REFERENCES care_menu_items(id),
  resident_id   uuid NOT NULL,
  node_path     text NOT NULL,
  qty           integer NOT NULL CHECK (qty > 0),
  mode          text NOT NULL CHECK (mode IN ('pickup', 'delivery')),
  unit_cents    integer NOT NULL,
  subsidy_cents integer NOT NULL,
  subsidy_tag   text,
  pay_cents     integer NOT NULL,
  status        text NOT NULL CHECK (status IN ('placed', 'served', 'cancelled')),
  ordered_by    uuid,
  created_at    timestamptz NOT NULL
);
CREATE INDEX care_orders_resident ON care_orders (resident_id);

CREATE TABLE care_donations (
  id          uuid PRIMARY KEY,
  node_path   text NOT NULL,
  donor_name  text NOT NULL,
  partner_id  uuid,
  items       text NOT NULL,
  quantity    integer NOT NULL CHECK (quantity > 0),
  points      integer NOT NULL DEFAULT 0,
  received_at timestamptz NOT NULL,
  recorded_by uuid
);

CREATE TABLE care_shifts (
  id          uuid PRIMARY KEY,
  node_path   text NOT NULL,
  title       text NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  capacity    integer NOT NULL CHECK (capacity > 0),
  created_at  timestamptz NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE TABLE care_shift_signups (
  shift_id    uuid NOT NULL REFERENCES care_shifts(id) ON DELETE CASCADE,
  user_id     uuid NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (shift_id, user_id)
);

-- Accessibility: barrier-free facilities
CREATE TABLE care_facilities (
  id          uuid PRIMARY KEY,
  node_path   text NOT NULL,
  kind        text NOT NULL,
  name        text NOT NULL,
  lng         double precision NOT NULL,
  lat         double precision NOT NULL,
  address     text,
  status      text NOT NULL CHECK (status IN ('ok', 'broken')),
  last_case_id uuid,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
