-- Deliberation 议事厅 · 有事好商量 · 社区公约.
-- Topics (议题) proposed and supported by residents, reviewed by staff, put on meeting agendas;
-- votes (表决) by residents or by owners (业主, one per household weighted by floor area, for the
-- Civil Code art. 278 double majority); resolutions (决议) tracked to completion; conventions
-- (社区公约/居民公约) with versions and residents' annotations.
-- Scope: every row carries the org path of the node it belongs to (community, estate, grid or building).

-- Electoral roll of owners: one row per household with its owner and floor area (专有部分面积).
CREATE TABLE deliberation_roll (
  household_id      uuid PRIMARY KEY,
  household_path    text NOT NULL,
  owner_resident_id uuid,
  owner_name        text,
  area_m2           numeric(9, 2) NOT NULL CHECK (area_m2 > 0 AND area_m2 < 100000),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliberation_roll_path_idx ON deliberation_roll (household_path text_pattern_ops);

CREATE TABLE deliberation_topics (
  id                   uuid PRIMARY KEY,
  title                text NOT NULL,
  body                 text NOT NULL,
  category             text NOT NULL,
  node_id              uuid NOT NULL,
  node_path            text NOT NULL,
  node_name            text NOT NULL,
  proposer_user_id     uuid,
  proposer_resident_id uuid,
  proposer_name        text NOT NULL,
  status               text NOT NULL CHECK (status IN ('proposed', 'supported', 'accepted', 'rejected', 'withdrawn', 'expired', 'scheduled', 'agreed', 'voting', 'passed', 'failed', 'resolved', 'completed')),
  support_threshold    int NOT NULL CHECK (support_threshold >= 1),
  support_count        int NOT NULL DEFAULT 0 CHECK (support_count >= 0),
  support_deadline     timestamptz NOT NULL,
  review_note          text,
  reviewed_by          uuid,
  reviewed_at          timestamptz,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX deliberation_topics_path_idx ON deliberation_topics (node_path text_pattern_ops);
CREATE INDEX deliberation_topics_status_idx ON deliberation_topics (status, created_at DESC);

-- 附议: one per resident and topic.
CREATE TABLE deliberation_supports (
  topic_id    uuid NOT NULL REFERENCES deliberation_topics(id),
  resident_id uuid NOT NULL,
  user_id     uuid,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (topic_id, resident_id)
);

CREATE TABLE deliberation_comments (
  id          uuid PRIMARY KEY,
  topic_id    uuid NOT NULL REFERENCES deliberation_topics(id),
  user_id     uuid,
  author_name text NOT NULL,
  is_staff    boolean NOT NULL DEFAULT false,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX deliberation_comments_topic_idx ON deliberation_comments (topic_id, created_at);

CREATE TABLE deliberation_meetings (
  id                   uuid PRIMARY KEY,
  title                text NOT NULL,
  node_id              uuid NOT NULL,
  node_path            text NOT NULL,
  node_name            text NOT NULL,
  starts_at            timestamptz NOT NULL,
  ends_at              timestamptz NOT NULL CHECK (ends_at > starts_at),
  location             text NOT NULL,
  status               text NOT NULL CHECK (status IN ('scheduled', 'held', 'cancelled')),
  minutes              text,
  minutes_published_at timestamptz,
  created_by           uuid,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL
);
CREATE INDEX deliberation_meetings_path_idx ON deliberation_meetings (node_path text_pattern_ops);

CREATE TABLE deliberation_agenda_items (
  id         uuid PRIMARY KEY,
  meeting_id uuid NOT NULL REFERENCES deliberation_meetings(id),
  seq        int NOT NULL,
  topic_id   uuid REFERENCES deliberation_topics(id),
  title      text NOT NULL,
  outcome    text CHECK (outcome IN ('consensus', 'to_vote', 'deferred', 'rejected')),
  note       text,
  UNIQUE (meeting_id, seq)
);
CREATE UNIQUE INDEX deliberation_agenda_topic_uq ON deliberation_agenda_items (meeting_id, topic_id) WHERE topic_id IS NOT NULL;

-- 签到: one per meeting and attendee (a resident id, or a staff user id).
CREATE TABLE deliberation_signins (
  meeting_id   uuid NOT NULL REFERENCES deliberation_meetings(id),
  attendee_key uuid NOT NULL,
  resident_id  uuid,
  user_id      uuid,
  name         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('resident', 'staff')),
  method       text NOT NULL CHECK (method IN ('self', 'proxy')),
  recorded_by  uuid,
  signed_at    timestamptz NOT NULL,
  PRIMARY KEY (meeting_id, attendee_key)
);

CREATE TABLE deliberation_conventions (
  id              uuid PRIMARY KEY,
  title           text NOT NULL,
  node_id         uuid NOT NULL,
  node_path       text NOT NULL,
  node_name       text NOT NULL,
  current_version int,
  created_by      uuid,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);
CREATE INDEX deliberation_conventions_path_idx ON deliberation_conventions (node_path text_pattern_ops);

CREATE TABLE deliberation_convention_versions (
  convention_id uuid NOT NULL REFERENCES deliberation_conventions(id),
  version       int NOT NULL CHECK (version >= 1),
  articles      jsonb NOT NULL,
  change_note   text,
  status        text NOT NULL CHECK (status IN ('draft', 'consultation', 'adopted', 'superseded')),
  adopted_at    timestamptz,
  adopted_via   text CHECK (adopted_via IN ('vote', 'meeting')),
  adopted_ref   uuid,
  created_by    uuid,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (convention_id, version)
);
-- At most one version in the making per convention.
CREATE UNIQUE INDEX deliberation_convention_open_uq ON deliberation_convention_versions (convention_id) WHERE status IN ('draft', 'consultation');

-- 批注: residents' comments on one article of a version under consultation.
CREATE TABLE deliberation_annotations (
  id                 uuid PRIMARY KEY,
  convention_id      uuid NOT NULL,
  version            int NOT NULL,
  article_no         int NOT NULL CHECK (article_no >= 1),
  body               text NOT NULL,
  author_user_id     uuid,
  author_resident_id uuid,
  author_name        text NOT NULL,
  status             text NOT NULL CHECK (status IN ('open', 'adopted', 'declined')),
  reply              text,
  replied_by         uuid,
  replied_at         timestamptz,
  created_at         timestamptz NOT NULL,
  FOREIGN KEY (convention_id, version) REFERENCES deliberation_convention_versions (convention_id, version)
);
CREATE INDEX deliberation_annotations_version_idx ON deliberation_annotations (convention_id, version, article_no);

CREATE TABLE deliberation_votes (
  id                 uuid PRIMARY KEY,
  title              text NOT NULL,
  description        text NOT NULL,
  topic_id           uuid REFERENCES deliberation_topics(id),
  convention_id      uuid,
  convention_version int,
  node_id            uuid NOT NULL,
  node_path          text NOT NULL,
  node_name          text NOT NULL,
  -- resident: one ballot per adult resident; owner: one ballot per household, weighted by floor area
  method             text NOT NULL CHECK (method IN ('resident', 'owner')),
  rule               text NOT NULL CHECK (rule IN ('simple', 'double_majority', 'double_three_quarters')),
  opens_at           timestamptz NOT NULL,
  closes_at          timestamptz NOT NULL CHECK (closes_at > opens_at),
  status             text NOT NULL CHECK (status IN ('open', 'closed', 'cancelled')),
  eligible_count     int NOT NULL,
  eligible_area      numeric(12, 2) NOT NULL,
  result             jsonb,
  passed             boolean,
  created_by         uuid,
  created_at         timestamptz NOT NULL,
  closed_at          timestamptz,
  FOREIGN KEY (convention_id, convention_version) REFERENCES deliberation_convention_versions (convention_id, version)
);
CREATE INDEX deliberation_votes_path_idx ON deliberation_votes (node_path text_pattern_ops);
CREATE INDEX deliberation_votes_topic_idx ON deliberation_votes (topic_id);

-- The electorate, frozen when the vote is created: voter_key is the household (owner votes) or the resident.
CREATE TABLE deliberation_electors (
  vote_id      uuid NOT NULL REFERENCES deliberation_votes(id),
  voter_key    uuid NOT NULL,
  household_id uuid,
  resident_id  uuid,
  name         text NOT NULL,
  area_m2      numeric(9, 2) NOT NULL DEFAULT 0,
  PRIMARY KEY (vote_id, voter_key)
);

-- One ballot per elector: the primary key is what stops a double vote, even from parallel requests.
CREATE TABLE deliberation_ballots (
  vote_id         uuid NOT NULL,
  voter_key       uuid NOT NULL,
  resident_id     uuid,
  cast_by_user_id uuid,
  choice          text NOT NULL CHECK (choice IN ('agree', 'oppose', 'abstain')),
  method          text NOT NULL CHECK (method IN ('online', 'paper')),
  cast_at         timestamptz NOT NULL,
  PRIMARY KEY (vote_id, voter_key),
  FOREIGN KEY (vote_id, voter_key) REFERENCES deliberation_electors (vote_id, voter_key)
);

CREATE TABLE deliberation_resolutions (
  id           uuid PRIMARY KEY,
  title        text NOT NULL,
  content      text NOT NULL,
  node_id      uuid NOT NULL,
  node_path    text NOT NULL,
  node_name    text NOT NULL,
  topic_id     uuid REFERENCES deliberation_topics(id),
  vote_id      uuid REFERENCES deliberation_votes(id),
  meeting_id   uuid REFERENCES deliberation_meetings(id),
  assignee     text NOT NULL,
  due_date     date NOT NULL,
  status       text NOT NULL CHECK (status IN ('in_progress', 'completed')),
  progress     int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  overdue      boolean NOT NULL DEFAULT false,
  created_by   uuid,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  completed_at timestamptz
);
CREATE INDEX deliberation_resolutions_path_idx ON deliberation_resolutions (node_path text_pattern_ops);

CREATE TABLE deliberation_resolution_updates (
  id            uuid PRIMARY KEY,
  resolution_id uuid NOT NULL REFERENCES deliberation_resolutions(id),
  note          text NOT NULL,
  progress      int NOT NULL CHECK (progress BETWEEN 0 AND 100),
  by_user_id    uuid,
  by_name       text NOT NULL,
  at            timestamptz NOT NULL
);
CREATE INDEX deliberation_resolution_updates_idx ON deliberation_resolution_updates (resolution_id, at);
