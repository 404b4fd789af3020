-- A case reported through proxy service (帮代办) is followed by the resident it was reported for,
-- so it appears in that resident's own list and notifications.
ALTER TABLE case_followers DROP CONSTRAINT case_followers_reason_check;
ALTER TABLE case_followers ADD CONSTRAINT case_followers_reason_check CHECK (reason IN ('reporter', 'merged', 'follow', 'proxy'));
