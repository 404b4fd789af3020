-- care follow-through: alerts to family contacts without an account (external channels), care-plan
-- visits, and the canteen order status flow.

-- One row per (alert, contact without an account, external channel): what was sent to the contact's
-- phone, so staff can see it. The phone itself stays only in care_contacts.phone_enc.
CREATE TABLE care_contact_messages (
  id           uuid PRIMARY KEY,
  alert_id     uuid NOT NULL REFERENCES care_alerts(id) ON DELETE CASCADE,
  person_id    uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  contact_id   uuid NOT NULL REFERENCES care_contacts(id) ON DELETE CASCADE,
  channel_id   uuid,
  channel_name text,
  title        text NOT NULL,
  body         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('pending', 'sent', 'skipped', 'no_channel')),
  sent_at      timestamptz,
  created_at   timestamptz NOT NULL
);
CREATE INDEX care_contact_messages_alert ON care_contact_messages (alert_id);

-- Visits to a person under the care plan (`visitsPerMonth`), by carers and staff. `visit_id` is the
-- grid-work visit when the visitor recorded it there too (grid workers and staff in scope).
CREATE TABLE care_visits (
  id           uuid PRIMARY KEY,
  person_id    uuid NOT NULL REFERENCES care_persons(id) ON DELETE CASCADE,
  visit_id     uuid,
  visitor_id   uuid,
  visitor_name text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('home', 'phone', 'other')),
  visited_at   timestamptz NOT NULL,
  note         text,
  created_at   timestamptz NOT NULL
);
CREATE INDEX care_visits_person_at ON care_visits (person_id, visited_at);
-- Optional monthly reminder to the carers of persons below plan (off by default).
ALTER TABLE care_settings ADD COLUMN visit_remind_day integer CHECK (visit_remind_day BETWEEN 1 AND 28);
ALTER TABLE care_persons ADD COLUMN visit_reminded_month text;

-- Canteen orders: placed → ready → delivered | picked_up, or cancelled.
ALTER TABLE care_orders DROP CONSTRAINT IF EXISTS care_orders_status_check;
UPDATE care_orders SET status = CASE WHEN mode = 'delivery' THEN 'delivered' ELSE 'picked_up' END WHERE status = 'served';
ALTER TABLE care_orders ADD CONSTRAINT care_orders_status_check CHECK (status IN ('placed', 'ready', 'delivered', 'picked_up', 'cancelled'));
ALTER TABLE care_orders ADD COLUMN status_at timestamptz;
ALTER TABLE care_orders ADD COLUMN status_by uuid;
ALTER TABLE care_orders ADD COLUMN cancel_reason text;
