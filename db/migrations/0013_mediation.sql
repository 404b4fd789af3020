-- Dispute mediation (module mediation): 三调联动, 枫桥经验, online mediation, follow-up visits.
-- Disputes sit at a tier (grid/village on the spot → street center → district center) and carry the
-- org path of the place they happened, which drives the data scope. Parties' contacts are
-- AES-256-GCM ciphertext with keyed blind indexes (used to recognise the same parties again).

-- Per-day counter for human dispute numbers TJ + YYYYMMDD + 4 digits (Asia/Shanghai).
CREATE TABLE mediation_counters (
  day  text PRIMARY KEY,
  last int  NOT NULL
);

-- 诉源治理专家库: mediators, lawyers, 乡贤, retired cadres, party representatives, NPC deputies,
-- CPPCC members, psychologists.
CREATE TABLE mediation_experts (
  id             uuid PRIMARY KEY,
  name           text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('mediator', 'lawyer', 'sage', 'retired_cadre', 'party_rep', 'npc_deputy', 'cppcc_member', 'psychologist')),
  -- 三调联动: which kind of mediation this person brings (people's, administrative, judicial)
  mediation_type text NOT NULL CHECK (mediation_type IN ('people', 'administrative', 'judicial')),
  tier           text NOT NULL CHECK (tier IN ('grid', 'street', 'district')),
  node_path      text NOT NULL,
  organization   text,
  expertise      text[] NOT NULL DEFAULT '{}',
  phone_enc      text,
  bio            text,
  available      boolean NOT NULL DEFAULT true,
  max_load       int NOT NULL DEFAULT 5 CHECK (max_load BETWEEN 1 AND 100),
  user_id        uuid,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX mediation_experts_path_idx ON mediation_experts (node_path text_pattern_ops);
CREATE INDEX mediation_experts_user_idx ON mediation_experts (user_id);

CREATE TABLE mediation_disputes (
  id                  uuid PRIMARY KEY,
  number              text NOT NULL UNIQUE,
  source              text NOT NULL CHECK (source IN ('case', 'online', 'mediator', 'grid')),
  case_id             uuid UNIQUE,
  type                text NOT NULL CHECK (type IN ('neighbour', 'family', 'property', 'land', 'labour', 'consumer', 'other')),
  title               text NOT NULL,
  description         text NOT NULL,
  claims              text,
  node_path           text NOT NULL,
  tier                text NOT NULL CHECK (tier IN ('grid', 'street', 'district')),
  state               text NOT NULL CHECK (state IN ('pending', 'mediating', 'agreed', 'partial', 'failed', 'referred', 'closed', 'rejected')),
  risk_level          text NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
  enterprise_related  boolean NOT NULL DEFAULT false,
  applicant_user_id   uuid,
  created_by          uuid,
  referral            jsonb,
  reject_reason       text,
  reopen_count        int NOT NULL DEFAULT 0,
  contact_count       int NOT NULL DEFAULT 0,
  warned              boolean NOT NULL DEFAULT false,
  accepted_at         timestamptz,
  concluded_at        timestamptz,
  closed_at           timestamptz,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);
CREATE INDEX mediation_disputes_path_idx ON mediation_disputes (node_path text_pattern_ops);
CREATE INDEX mediation_disputes_state_idx ON mediation_disputes (state, tier);
CREATE INDEX mediation_disputes_applicant_idx ON mediation_disputes (applicant_user_id);
CREATE INDEX mediation_disputes_created_idx ON mediation_disputes (created_at);

CREATE TABLE mediation_parties (
  id          uuid PRIMARY KEY,
  dispute_id  uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('applicant', 'respondent', 'third')),
  kind        text NOT NULL CHECK (kind IN ('person', 'enterprise')),
  name        text NOT NULL,
  name_hash   text NOT NULL,
  phone_enc   text,
  phone_hash  text,
  address_enc text,
  resident_id uuid,
  sort        int NOT NULL DEFAULT 0
);
CREATE INDEX mediation_parties_dispute_idx ON mediation_parties (dispute_id);
CREATE INDEX mediation_parties_phone_idx ON mediation_parties (phone_hash);
CREATE INDEX mediation_parties_name_idx ON mediation_parties (name_hash);

-- Who mediates: a lead and, for 三调联动, people's, administrative and judicial mediators together.
CREATE TABLE mediation_assignments (
  id          uuid PRIMARY KEY,
  dispute_id  uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  expert_id   uuid NOT NULL REFERENCES mediation_experts(id),
  role        text NOT NULL CHECK (role IN ('lead', 'people', 'administrative', 'judicial', 'counsellor')),
  assigned_at timestamptz NOT NULL,
  released_at timestamptz
);
CREATE UNIQUE INDEX mediation_assignments_active_idx ON mediation_assignments (dispute_id, expert_id) WHERE released_at IS NULL;
CREATE INDEX mediation_assignments_expert_idx ON mediation_assignments (expert_id) WHERE released_at IS NULL;

CREATE TABLE mediation_escalations (
  id          uuid PRIMARY KEY,
  dispute_id  uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  from_tier   text NOT NULL,
  to_tier     text NOT NULL,
  reason      text NOT NULL,
  by_user_id  uuid,
  by_name     text,
  at          timestamptz NOT NULL
);
CREATE INDEX mediation_escalations_dispute_idx ON mediation_escalations (dispute_id, at);

CREATE TABLE mediation_sessions (
  id            uuid PRIMARY KEY,
  dispute_id    uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  scheduled_at  timestamptz NOT NULL,
  mode          text NOT NULL CHECK (mode IN ('in_person', 'online')),
  location      text,
  meeting_url   text,
  status        text NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled')),
  attendance    jsonb NOT NULL DEFAULT '[]',
  notes         text,
  outcome       text CHECK (outcome IN ('agreement', 'partial', 'failed')),
  held_at       timestamptz,
  created_by    uuid,
  created_at    timestamptz NOT NULL
);
CREATE INDEX mediation_sessions_dispute_idx ON mediation_sessions (dispute_id, scheduled_at);

CREATE TABLE mediation_agreements (
  id                  uuid PRIMARY KEY,
  dispute_id          uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  session_id          uuid REFERENCES mediation_sessions(id),
  number              text NOT NULL UNIQUE,
  kind                text NOT NULL CHECK (kind IN ('full', 'partial')),
  terms               jsonb NOT NULL,
  performance         text,
  mediator_names      text[] NOT NULL DEFAULT '{}',
  signed              boolean NOT NULL DEFAULT false,
  signed_at           timestamptz,
  judicial_status     text NOT NULL DEFAULT 'none' CHECK (judicial_status IN ('none', 'filed', 'confirmed', 'refused')),
  judicial_court      text,
  judicial_note       text,
  judicial_filed_at   timestamptz,
  judicial_decided_at timestamptz,
  superseded          boolean NOT NULL DEFAULT false,
  created_at          timestamptz NOT NULL
);
CREATE INDEX mediation_agreements_dispute_idx ON mediation_agreements (dispute_id);

-- Follow-up visits 7 and 30 days after an agreement: created with the agreement, made due by a job.
CREATE TABLE mediation_followups (
  id                    uuid PRIMARY KEY,
  dispute_id            uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  agreement_id          uuid NOT NULL REFERENCES mediation_agreements(id),
  day_offset            int NOT NULL CHECK (day_offset IN (7, 30)),
  due_at                timestamptz NOT NULL,
  status                text NOT NULL CHECK (status IN ('scheduled', 'due', 'done', 'cancelled')),
  outcome               text CHECK (outcome IN ('kept', 'partly_kept', 'broken')),
  notes                 text,
  counselling           boolean NOT NULL DEFAULT false,
  counsellor_expert_id  uuid REFERENCES mediation_experts(id),
  visited_at            timestamptz,
  visited_by            uuid,
  UNIQUE (agreement_id, day_offset)
);
CREATE INDEX mediation_followups_dispute_idx ON mediation_followups (dispute_id);
CREATE INDEX mediation_followups_status_idx ON mediation_followups (status, due_at);

-- Timeline of a dispute (applications, contacts, escalations, sessions, outcomes, follow-ups).
CREATE TABLE mediation_events (
  id          uuid PRIMARY KEY,
  dispute_id  uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  type        text NOT NULL,
  actor_id    uuid,
  actor_name  text,
  note        text,
  data        jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL
);
CREATE INDEX mediation_events_dispute_idx ON mediation_events (dispute_id, at);

-- Early warnings flagged to the street center (repeat, rising risk, many contacts).
CREATE TABLE mediation_warnings (
  id          uuid PRIMARY KEY,
  dispute_id  uuid NOT NULL REFERENCES mediation_disputes(id) ON DELETE CASCADE,
  rule        text NOT NULL CHECK (rule IN ('repeat', 'rising_risk', 'many_contacts')),
  detail      text NOT NULL,
  street_path text NOT NULL,
  status      text NOT NULL CHECK (status IN ('open', 'acknowledged')),
  created_at  timestamptz NOT NULL,
  ack_by      uuid,
  ack_note    text,
  ack_at      timestamptz
);
CREATE UNIQUE INDEX mediation_warnings_open_idx ON mediation_warnings (dispute_id, rule) WHERE status = 'open';
CREATE INDEX mediation_warnings_street_idx ON mediation_warnings (street_path text_pattern_ops, status);

-- Legal aid (法律咨询) from residents and enterprises, matched to the expert pool.
CREATE TABLE mediation_legal_aid (
  id                 uuid PRIMARY KEY,
  requester_user_id  uuid,
  requester_kind     text NOT NULL CHECK (requester_kind IN ('resident', 'enterprise')),
  enterprise_name    text,
  name               text NOT NULL,
  phone_enc          text,
  topic              text NOT NULL CHECK (topic IN ('neighbour', 'family', 'property', 'land', 'labour', 'consumer', 'other')),
  question           text NOT NULL,
  node_path          text NOT NULL,
  status             text NOT NULL CHECK (status IN ('open', 'matched', 'answered', 'closed')),
  expert_id          uuid REFERENCES mediation_experts(id),
  answer             text,
  matched_at         timestamptz,
  answered_at        timestamptz,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL
);
CREATE INDEX mediation_legal_aid_path_idx ON mediation_legal_aid (node_path text_pattern_ops);
CREATE INDEX mediation_legal_aid_user_idx ON mediation_legal_aid (requester_user_id);
