-- PIPL (个人信息保护法) basics: consent records and requests to delete one's personal information.
CREATE TABLE consents (
  id          uuid PRIMARY KEY,
  resident_id uuid NOT NULL REFERENCES residents(id),
  purpose     text NOT NULL,
  granted     boolean NOT NULL,
  at          timestamptz NOT NULL,
  recorded_by uuid,
  channel     text NOT NULL CHECK (channel IN ('self', 'staff')),
  note        text
);
CREATE INDEX consents_resident_idx ON consents (resident_id, purpose, at);

CREATE TABLE deletion_requests (
  id           uuid PRIMARY KEY,
  resident_id  uuid NOT NULL REFERENCES residents(id),
  requested_by uuid,
  requested_at timestamptz NOT NULL,
  note         text,
  state        text NOT NULL CHECK (state IN ('pending', 'deferred', 'completed')),
  exceptions   jsonb NOT NULL DEFAULT '[]',
  decided_by   uuid,
  decided_at   timestamptz
);
CREATE INDEX deletion_requests_resident_idx ON deletion_requests (resident_id);
CREATE UNIQUE INDEX deletion_requests_one_open ON deletion_requests (resident_id) WHERE state IN ('pending', 'deferred');
