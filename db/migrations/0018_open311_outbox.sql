-- Transactional outbox, webhooks, Open311 tokens and data-exchange links (issue #14).

-- The outbox: one row per committed domain event, written in the SAME transaction as the change.
-- Case events reach it through a trigger on case_events (the cases timeline), so a rolled-back
-- case change leaves neither a timeline row nor an outbox row. See docs/decisions/0018-outbox.md.
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id       uuid NOT NULL UNIQUE,
  topic          text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id   uuid NOT NULL,
  payload        jsonb NOT NULL,
  occurred_at    timestamptz NOT NULL,
  relayed_at     timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE relayed_at IS NULL;
CREATE INDEX outbox_aggregate_idx ON outbox (aggregate_id, id);

CREATE FUNCTION outbox_from_case_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO outbox (event_id, topic, aggregate_type, aggregate_id, payload, occurred_at)
  SELECT NEW.id, 'case.' || NEW.action, 'case', NEW.case_id,
         jsonb_build_object(
           'caseId', c.id, 'number', c.number, 'action', NEW.action,
           'fromState', NEW.from_state, 'toState', NEW.to_state,
           'categoryCode', c.category_code, 'channel', c.channel,
           'departmentId', COALESCE(NEW.department_id, c.department_id),
           'note', CASE WHEN NEW.public THEN NEW.note ELSE NULL END,
           'at', NEW.at),
         NEW.at
  FROM cases c WHERE c.id = NEW.case_id;
  RETURN NULL;
END $$;
CREATE TRIGGER case_events_outbox AFTER INSERT ON case_events FOR EACH ROW EXECUTE FUNCTION outbox_from_case_event();

-- Webhook subscribers: a URL, the event types it wants, and a secret for HMAC-SHA256 signatures.
CREATE TABLE webhook_subscribers (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  url         text NOT NULL,
  events      text[] NOT NULL,
  secret_enc  text NOT NULL,
  active      boolean NOT NULL DEFAULT true,
  created_by  uuid,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- One delivery per (subscriber, outbox event): the unique key makes fan-out idempotent.
CREATE TABLE webhook_deliveries (
  id             uuid PRIMARY KEY,
  subscriber_id  uuid NOT NULL REFERENCES webhook_subscribers(id) ON DELETE CASCADE,
  outbox_id      bigint NOT NULL REFERENCES outbox(id),
  event_type     text NOT NULL,
  body           text NOT NULL,
  state          text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts       int NOT NULL DEFAULT 0,
  next_at        timestamptz,
  last_status    int,
  last_error     text,
  delivered_at   timestamptz,
  replays        int NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL,
  UNIQUE (subscriber_id, outbox_id)
);
CREATE INDEX webhook_deliveries_sub_idx ON webhook_deliveries (subscriber_id, created_at DESC);

-- The delivery log: every attempt with its outcome.
CREATE TABLE webhook_attempts (
  id           uuid PRIMARY KEY,
  delivery_id  uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  at           timestamptz NOT NULL,
  status       int,
  error        text,
  ok           boolean NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, at);

-- Open311 tokens: answered when a request waits for manual triage; resolved later to the case number.
CREATE TABLE open311_tokens (
  token       text PRIMARY KEY,
  case_id     uuid NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX open311_tokens_case_idx ON open311_tokens (case_id);

-- Data exchange with higher-level platforms: each external id is processed once per system.
CREATE TABLE exchange_links (
  system       text NOT NULL,
  external_id  text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('case_in', 'case_out', 'decision')),
  case_id      uuid NOT NULL,
  result       jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL,
  PRIMARY KEY (system, external_id)
);
CREATE INDEX exchange_links_case_idx ON exchange_links (case_id);
