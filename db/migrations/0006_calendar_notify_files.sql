-- Working calendar, in-app notifications with channel drivers, uploaded files.

-- The working calendar: weekly working days and periods (local time), plus dated exceptions.
CREATE TABLE calendar_settings (
  id                 int PRIMARY KEY CHECK (id = 1),
  utc_offset_minutes int NOT NULL DEFAULT 480,
  -- ISO weekdays 1 = Monday … 7 = Sunday
  workdays           int[] NOT NULL,
  -- [["08:30","12:00"],["14:00","17:30"]]
  periods            jsonb NOT NULL,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  updated_by         uuid
);
INSERT INTO calendar_settings (id, utc_offset_minutes, workdays, periods)
VALUES (1, 480, '{1,2,3,4,5}', '[["08:30","12:00"],["14:00","17:30"]]');

-- Holidays (a working weekday off) and extra working days (调休: a weekend day worked).
CREATE TABLE calendar_days (
  day        date PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('holiday', 'workday')),
  note       text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- In-app inbox.
CREATE TABLE notifications (
  id         uuid PRIMARY KEY,
  user_id    uuid NOT NULL,
  kind       text NOT NULL,
  title      text NOT NULL,
  body       text NOT NULL DEFAULT '',
  link       text,
  data       jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  read_at    timestamptz
);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;

-- External delivery channels (a driver name and its settings); each message is delivered by a job.
CREATE TABLE notify_channels (
  id         uuid PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  driver     text NOT NULL,
  config     jsonb NOT NULL DEFAULT '{}',
  -- message kinds to deliver; empty = all
  kinds      text[] NOT NULL DEFAULT '{}',
  enabled    boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Uploaded files (photos), stored under dataDir/uploads; `ref_type`/`ref_id` name what they are attached to.
CREATE TABLE files (
  id            uuid PRIMARY KEY,
  owner_user_id uuid,
  mime          text NOT NULL,
  size          int  NOT NULL,
  sha256        text NOT NULL,
  path          text NOT NULL,
  thumb_path    text,
  width         int,
  height        int,
  original_name text,
  ref_type      text,
  ref_id        uuid,
  created_at    timestamptz NOT NULL
);
CREATE INDEX files_ref_idx ON files (ref_type, ref_id);
CREATE INDEX files_owner_idx ON files (owner_user_id);
