-- Platform tables: audit log, data-access log, accounts, sessions, API keys, rate limits, jobs.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Append-only, hash-chained audit log. `seq` orders the chain; `hash` = sha256(prev_hash || canonical row).
CREATE TABLE audit_log (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,
  at            timestamptz NOT NULL,
  actor_id      uuid,
  actor_name    text,
  acting_for_id uuid,
  action        text NOT NULL,
  entity        text NOT NULL,
  entity_id     text,
  before        jsonb,
  after         jsonb,
  request_id    text,
  prev_hash     text NOT NULL,
  hash          text NOT NULL
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_for_idx ON audit_log (acting_for_id) WHERE acting_for_id IS NOT NULL;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Every read of personal data in clear text.
CREATE TABLE data_access_log (
  id         uuid PRIMARY KEY,
  at         timestamptz NOT NULL,
  actor_id   uuid,
  actor_name text,
  entity     text NOT NULL,
  entity_id  text NOT NULL,
  fields     text[] NOT NULL,
  reason     text,
  request_id text
);
CREATE INDEX data_access_log_entity_idx ON data_access_log (entity, entity_id, at);
CREATE INDEX data_access_log_actor_idx ON data_access_log (actor_id, at);

CREATE TABLE users (
  id              uuid PRIMARY KEY,
  username        text NOT NULL UNIQUE,
  display_name    text NOT NULL,
  phone_enc       text,
  phone_hash      text UNIQUE,
  password_hash   text NOT NULL,
  roles           text[] NOT NULL,
  node_id         uuid,
  department_id   uuid,
  resident_id     uuid,
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  failed_attempts int NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  last_login_at   timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Session tokens are stored only as sha256 hashes.
CREATE TABLE sessions (
  id_hash    text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ip         text,
  user_agent text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_keys (
  id              uuid PRIMARY KEY,
  name            text NOT NULL,
  prefix          text NOT NULL,
  key_hash        text NOT NULL UNIQUE,
  user_id         uuid NOT NULL REFERENCES users(id),
  scopes          text[] NOT NULL DEFAULT '{}',
  rate_per_minute int NOT NULL DEFAULT 600,
  created_at      timestamptz NOT NULL DEFAULT now(),
  revoked_at      timestamptz,
  last_used_at    timestamptz
);

-- Fixed-window counters shared by all instances (login attempts, API key rates).
CREATE TABLE rate_limits (
  key          text NOT NULL,
  window_start timestamptz NOT NULL,
  count        int NOT NULL,
  PRIMARY KEY (key, window_start)
);

-- Durable background jobs, claimed with FOR UPDATE SKIP LOCKED.
CREATE TABLE jobs (
  id           uuid PRIMARY KEY,
  kind         text NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}',
  run_at       timestamptz NOT NULL,
  state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
  attempts     int NOT NULL DEFAULT 0,
  max_attempts int NOT NULL DEFAULT 5,
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  unique_key   text UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state IN ('pending', 'running');
