-- The closed loop (module cases): cases, their timeline, followers, extension requests, the
-- per-day number counter and the performance-evaluation weights.

-- Human case numbers YYYYMMDD + 5 digits per day (Asia/Shanghai), from one counter row per day.
CREATE TABLE case_counters (
  day  text PRIMARY KEY,
  last int  NOT NULL
);

CREATE TABLE cases (
  id                  uuid PRIMARY KEY,
  number              text NOT NULL UNIQUE,
  -- short public tracking code printed on the receipt (unambiguous alphabet)
  track_code          text NOT NULL UNIQUE,
  state               text NOT NULL CHECK (state IN ('reported', 'filed', 'rejected', 'dispatched', 'accepted', 'returned', 'resolved', 'rework', 'closed', 'suspended', 'merged')),
  version             int  NOT NULL DEFAULT 1,
  channel             text NOT NULL CHECK (channel IN ('resident', 'patrol', 'hotline', 'iot', 'api', 'proxy')),
  description         text NOT NULL,
  category_code       text,
  priority            text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  lng                 double precision NOT NULL,
  lat                 double precision NOT NULL,
  address             text,
  grid_id             uuid,
  estate_id           uuid,
  community_id        uuid,
  -- org path of the grid: drives the data scope
  node_path           text NOT NULL,
  department_id       uuid,
  cc_department_ids   uuid[] NOT NULL DEFAULT '{}',
  reporter_user_id    uuid,
  reporter_name_enc   text,
  reporter_phone_enc  text,
  reporter_phone_hash text,
  anonymous           boolean NOT NULL DEFAULT false,
  idem_key            text UNIQUE,
  source_type         text,
  source_key          text,
  merged_into         uuid REFERENCES cases(id),
  duplicate_of        uuid,
  advice              jsonb,
  photos              uuid[] NOT NULL DEFAULT '{}',
  reported_at         timestamptz NOT NULL,
  filed_at            timestamptz,
  dispatched_at       timestamptz,
  accepted_at         timestamptz,
  resolved_at         timestamptz,
  closed_at           timestamptz,
  -- deadline clock: starts at dispatch (or reopen); suspension time is added back
  clock_mode          text CHECK (clock_mode IN ('working', '24h')),
  clock_start_at      timestamptz,
  limit_minutes       int,
  suspended_ms        bigint NOT NULL DEFAULT 0,
  suspended_at        timestamptz,
  suspended_from      text,
  accept_due_at       timestamptz,
  warn_at             timestamptz,
  deadline_at         timestamptz,
  deadline_gen        int NOT NULL DEFAULT 0,
  warned_at           timestamptz,
  overdue_at          timestamptz,
  rework_count        int NOT NULL DEFAULT 0,
  return_count        int NOT NULL DEFAULT 0,
  reopen_count        int NOT NULL DEFAULT 0,
  urge_count          int NOT NULL DEFAULT 0,
  escalation_level    int NOT NULL DEFAULT 0,
  rating              int CHECK (rating BETWEEN 1 AND 5),
  rating_comment      text,
  rated_at            timestamptz,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);
CREATE INDEX cases_state_idx ON cases (state);
CREATE INDEX cases_path_idx ON cases (node_path text_pattern_ops);
CREATE INDEX cases_dept_idx ON cases (department_id, state);
CREATE INDEX cases_cc_idx ON cases USING gin (cc_department_ids);
CREATE INDEX cases_reporter_idx ON cases (reporter_user_id);
CREATE INDEX cases_reported_at_idx ON cases (reported_at);
CREATE INDEX cases_deadline_idx ON cases (deadline_at) WHERE state IN ('dispatched', 'accepted', 'rework');
CREATE INDEX cases_dup_idx ON cases (category_code, reported_at) WHERE state NOT IN ('closed', 'rejected', 'merged');
-- one open case per source (an IoT device and alarm type, an external ticket ...)
CREATE UNIQUE INDEX cases_open_source_idx ON cases (source_type, source_key)
  WHERE source_type IS NOT NULL AND state NOT IN ('closed', 'rejected', 'merged');

-- The timeline: one row per step, written in the same transaction as the change.
CREATE TABLE case_events (
  id            uuid PRIMARY KEY,
  case_id       uuid NOT NULL REFERENCES cases(id),
  at            timestamptz NOT NULL,
  action        text NOT NULL,
  from_state    text,
  to_state      text,
  actor_id      uuid,
  actor_name    text NOT NULL,
  actor_role    text,
  department_id uuid,
  note          text,
  data          jsonb NOT NULL DEFAULT '{}',
  photos        uuid[] NOT NULL DEFAULT '{}',
  public        boolean NOT NULL DEFAULT false
);
CREATE INDEX case_events_case_idx ON case_events (case_id, at);
CREATE INDEX case_events_action_idx ON case_events (action, department_id);

-- Who is told about a case: its reporter, and the reporters of cases merged into it.
CREATE TABLE case_followers (
  case_id  uuid NOT NULL REFERENCES cases(id),
  user_id  uuid NOT NULL,
  reason   text NOT NULL CHECK (reason IN ('reporter', 'merged', 'follow')),
  at       timestamptz NOT NULL,
  PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_followers_user_idx ON case_followers (user_id);

-- Extension requests (延期) and the supervisor's decision.
CREATE TABLE case_extensions (
  id            uuid PRIMARY KEY,
  case_id       uuid NOT NULL REFERENCES cases(id),
  hours         int  NOT NULL CHECK (hours > 0),
  reason        text NOT NULL,
  state         text NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
  requested_by  uuid,
  requested_at  timestamptz NOT NULL,
  decided_by    uuid,
  decided_at    timestamptz,
  decision_note text
);
CREATE UNIQUE INDEX case_extensions_pending_idx ON case_extensions (case_id) WHERE state = 'pending';

-- Weights of the composite score (综合评价), editable by admin. One row.
CREATE TABLE evaluation_weights (
  id           int PRIMARY KEY CHECK (id = 1),
  on_time      double precision NOT NULL,
  satisfaction double precision NOT NULL,
  rework       double precision NOT NULL,
  overdue      double precision NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  updated_by   uuid
);
INSERT INTO evaluation_weights (id, on_time, satisfaction, rework, overdue) VALUES (1, 60, 20, 10, 10);
