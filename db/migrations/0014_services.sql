-- Community services (module services, 智慧社区 · 一网通办): announcements with targeting and read
-- receipts, activities with sign-ups and a waiting list, community rooms and bookings, the service
-- catalogue with online applications, the assistant's knowledge base and unanswered questions, and
-- the resident's emergency button. Every row residents see or staff handle carries `node_path`
-- (an org path), so that the data scope is one LIKE on an index.

-- Announcements (通知公告). scope_path: the building/estate/community/street it is published to.
-- Targeting: target_tags (any of) and an age range narrow the audience inside the scope; the
-- audience is fixed at publication in svc_announcement_recipients (which also holds read receipts).
CREATE TABLE svc_announcements (
  id             uuid PRIMARY KEY,
  title          text NOT NULL,
  body           text NOT NULL,
  category       text NOT NULL DEFAULT 'notice',
  scope_node_id  uuid NOT NULL,
  scope_path     text NOT NULL,
  scope_name     text NOT NULL,
  target_tags    text[] NOT NULL DEFAULT '{}',
  min_age        integer,
  max_age        integer,
  pinned         boolean NOT NULL DEFAULT false,
  -- shown on public boards (RSS/JSON feed for IPTV and hall screens, the printable sheet)
  on_board       boolean NOT NULL DEFAULT true,
  status         text NOT NULL CHECK (status IN ('draft', 'published', 'expired', 'withdrawn')),
  published_at   timestamptz,
  expires_at     timestamptz,
  audience_count integer NOT NULL DEFAULT 0,
  author_id      uuid,
  author_name    text NOT NULL,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL
);
CREATE INDEX svc_announcements_scope_idx ON svc_announcements (scope_path text_pattern_ops);
CREATE INDEX svc_announcements_pub_idx ON svc_announcements (status, published_at DESC);

CREATE TABLE svc_announcement_recipients (
  announcement_id uuid NOT NULL REFERENCES svc_announcements(id) ON DELETE CASCADE,
  resident_id     uuid NOT NULL,
  node_path       text NOT NULL,
  read_at         timestamptz,
  PRIMARY KEY (announcement_id, resident_id)
);
CREATE INDEX svc_announcement_recipients_resident_idx ON svc_announcement_recipients (resident_id);

-- Community rooms (活动室、会议室、书画室…) and their bookings. Overlaps are refused under a lock
-- on the room row (see the service).
CREATE TABLE svc_rooms (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  node_id     uuid NOT NULL,
  node_path   text NOT NULL,
  capacity    integer NOT NULL CHECK (capacity > 0),
  facilities  text,
  open_from   integer NOT NULL DEFAULT 480,  -- minutes after local midnight
  open_to     integer NOT NULL DEFAULT 1260,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX svc_rooms_path_idx ON svc_rooms (node_path text_pattern_ops);

CREATE TABLE svc_room_bookings (
  id          uuid PRIMARY KEY,
  room_id     uuid NOT NULL REFERENCES svc_rooms(id),
  node_path   text NOT NULL,
  purpose     text NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  status      text NOT NULL CHECK (status IN ('booked', 'cancelled')),
  user_id     uuid,
  user_name   text NOT NULL,
  resident_id uuid,
  activity_id uuid,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX svc_room_bookings_room_idx ON svc_room_bookings (room_id, starts_at);

-- Activities (活动) with capacity, eligibility and a waiting list.
CREATE TABLE svc_activities (
  id               uuid PRIMARY KEY,
  title            text NOT NULL,
  kind             text NOT NULL,
  description      text NOT NULL DEFAULT '',
  node_id          uuid NOT NULL,
  node_path        text NOT NULL,
  node_name        text NOT NULL,
  location         text NOT NULL,
  room_id          uuid REFERENCES svc_rooms(id),
  starts_at        timestamptz NOT NULL,
  ends_at          timestamptz NOT NULL,
  signup_deadline  timestamptz,
  capacity         integer NOT NULL CHECK (capacity > 0),
  min_age          integer,
  max_age          integer,
  -- eligible when the resident has any of these tags (empty: everyone)
  required_tags    text[] NOT NULL DEFAULT '{}',
  -- eligible only when living inside node_path (otherwise anyone in the street may sign up)
  residents_only   boolean NOT NULL DEFAULT true,
  status           text NOT NULL CHECK (status IN ('open', 'cancelled')),
  checkin_token    text NOT NULL,
  created_by       uuid,
  created_by_name  text NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  CHECK (ends_at > starts_at)
);
CREATE INDEX svc_activities_path_idx ON svc_activities (node_path text_pattern_ops);
CREATE INDEX svc_activities_time_idx ON svc_activities (starts_at);

-- Sign-ups: seq is the order of sign-up (assigned under the activity's row lock), so the waiting
-- list promotes strictly in that order.
CREATE TABLE svc_signups (
  id             uuid PRIMARY KEY,
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  activity_id    uuid NOT NULL REFERENCES svc_activities(id),
  resident_id    uuid NOT NULL,
  resident_name  text NOT NULL,
  node_path      text NOT NULL,
  user_id        uuid,
  status         text NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
  proxy_by       text,
  signed_at      timestamptz NOT NULL,
  promoted_at    timestamptz,
  cancelled_at   timestamptz,
  checked_in_at  timestamptz
);
CREATE UNIQUE INDEX svc_signups_active_uq ON svc_signups (activity_id, resident_id) WHERE status <> 'cancelled';
CREATE INDEX svc_signups_activity_idx ON svc_signups (activity_id, status, seq);
CREATE INDEX svc_signups_resident_idx ON svc_signups (resident_id);

-- The service catalogue (一网通办 事项) and online applications.
CREATE TABLE svc_matters (
  id              uuid PRIMARY KEY,
  code            text NOT NULL UNIQUE,
  name            text NOT NULL,
  category        text NOT NULL,
  summary         text NOT NULL,
  eligibility     text NOT NULL DEFAULT '',
  documents       jsonb NOT NULL DEFAULT '[]',
  steps           jsonb NOT NULL DEFAULT '[]',
  time_limit_days integer NOT NULL CHECK (time_limit_days > 0),
  desk            text NOT NULL,
  phone           text,
  fee             text NOT NULL DEFAULT '免费',
  online          boolean NOT NULL DEFAULT true,
  active          boolean NOT NULL DEFAULT true,
  sort            integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

CREATE TABLE svc_applications (
  id               uuid PRIMARY KEY,
  number           text NOT NULL UNIQUE,
  matter_id        uuid NOT NULL REFERENCES svc_matters(id),
  resident_id      uuid NOT NULL,
  resident_name    text NOT NULL,
  node_path        text NOT NULL,
  applicant_user_id uuid,
  proxy_staff_id   uuid,
  proxy_staff_name text,
  details          text NOT NULL DEFAULT '',
  contact_phone_enc text,
  files            uuid[] NOT NULL DEFAULT '{}',
  status           text NOT NULL CHECK (status IN ('submitted', 'accepted', 'need_more', 'approved', 'rejected', 'withdrawn')),
  due_at           timestamptz NOT NULL,
  handler_id       uuid,
  handler_name     text,
  result           text,
  decided_at       timestamptz,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);
CREATE INDEX svc_applications_path_idx ON svc_applications (node_path text_pattern_ops, status);
CREATE INDEX svc_applications_resident_idx ON svc_applications (resident_id);

CREATE TABLE svc_application_events (
  id             uuid PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES svc_applications(id),
  at             timestamptz NOT NULL,
  actor_name     text NOT NULL,
  action         text NOT NULL,
  from_status    text,
  to_status      text NOT NULL,
  note           text
);
CREATE INDEX svc_application_events_app_idx ON svc_application_events (application_id, at);

-- The assistant's knowledge base and the questions it could not answer.
CREATE TABLE svc_kb_articles (
  id          uuid PRIMARY KEY,
  title       text NOT NULL,
  body        text NOT NULL,
  keywords    text[] NOT NULL DEFAULT '{}',
  matter_code text,
  active      boolean NOT NULL DEFAULT true,
  hits        integer NOT NULL DEFAULT 0,
  updated_by  text,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);

CREATE TABLE svc_questions (
  id           uuid PRIMARY KEY,
  question     text NOT NULL,
  user_id      uuid,
  resident_id  uuid,
  node_path    text,
  article_id   uuid,
  score        double precision NOT NULL DEFAULT 0,
  answered     boolean NOT NULL,
  status       text NOT NULL CHECK (status IN ('open', 'resolved', 'none')),
  resolution   text,
  resolved_by  text,
  created_at   timestamptz NOT NULL,
  resolved_at  timestamptz
);
CREATE INDEX svc_questions_open_idx ON svc_questions (status, created_at DESC);

-- Emergency button (一键报警): position and profile to the duty staff and the command center,
-- acknowledgement tracking, escalation after two minutes without acknowledgement.
CREATE TABLE svc_emergencies (
  id              uuid PRIMARY KEY,
  user_id         uuid,
  resident_id     uuid,
  resident_name   text NOT NULL,
  node_path       text NOT NULL,
  lng             double precision,
  lat             double precision,
  accuracy        double precision,
  profile         jsonb NOT NULL DEFAULT '{}',
  message         text,
  status          text NOT NULL CHECK (status IN ('raised', 'escalated', 'acknowledged', 'resolved')),
  raised_at       timestamptz NOT NULL,
  escalated_at    timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at     timestamptz,
  resolution      text
);
CREATE INDEX svc_emergencies_path_idx ON svc_emergencies (node_path text_pattern_ops, status);
CREATE INDEX svc_emergencies_user_idx ON svc_emergencies (user_id, status);
