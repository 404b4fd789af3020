-- Deliberation, second pass: topic photos, support thresholds an admin edits, comment moderation,
-- meeting mode and invited parties, vote options (secret ballot, quorum, two-thirds rule,
-- one vote per household, eligibility by role), suggested wording on convention annotations with a
-- changelog per version, and resolution steps with photos.

-- Topics: photos (files uploaded through /api/files, attached with ref_type 'deliberation_topic').
ALTER TABLE deliberation_topics ADD COLUMN photos uuid[] NOT NULL DEFAULT '{}';

-- Supports needed before a topic goes onto the agenda, per node and topic level (building, grid,
-- estate, community). The nearest setting above a topic's node wins; without one a default applies.
CREATE TABLE deliberation_thresholds (
  node_id    uuid NOT NULL,
  node_path  text NOT NULL,
  level      text NOT NULL CHECK (level IN ('building', 'grid', 'estate', 'community')),
  threshold  int NOT NULL CHECK (threshold BETWEEN 1 AND 1000),
  updated_by uuid,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (node_id, level)
);
CREATE INDEX deliberation_thresholds_path_idx ON deliberation_thresholds (node_path text_pattern_ops);

-- Comment moderation: staff hide a comment with a reason (and may restore it); residents report.
ALTER TABLE deliberation_comments ADD COLUMN hidden_at timestamptz;
ALTER TABLE deliberation_comments ADD COLUMN hidden_by uuid;
ALTER TABLE deliberation_comments ADD COLUMN hidden_reason text;
ALTER TABLE deliberation_comments ADD COLUMN report_count int NOT NULL DEFAULT 0 CHECK (report_count >= 0);
CREATE TABLE deliberation_comment_reports (
  comment_id uuid NOT NULL REFERENCES deliberation_comments(id),
  user_id    uuid NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (comment_id, user_id)
);

-- Meetings: in person, online or hybrid; an online link; invited parties [{kind, name, org}].
ALTER TABLE deliberation_meetings ADD COLUMN mode text NOT NULL DEFAULT 'in_person' CHECK (mode IN ('in_person', 'online', 'hybrid'));
ALTER TABLE deliberation_meetings ADD COLUMN online_url text;
ALTER TABLE deliberation_meetings ALTER COLUMN location DROP NOT NULL;
ALTER TABLE deliberation_meetings ADD COLUMN invitees jsonb NOT NULL DEFAULT '[]';

-- Votes: 'household' = one unweighted ballot per household; rule 'two_thirds'; secret or real-name
-- ballot; an optional quorum (percent of the electorate) replacing the rule's default; eligibility.
ALTER TABLE deliberation_votes DROP CONSTRAINT deliberation_votes_method_check;
ALTER TABLE deliberation_votes ADD CONSTRAINT deliberation_votes_method_check CHECK (method IN ('resident', 'household', 'owner'));
ALTER TABLE deliberation_votes DROP CONSTRAINT deliberation_votes_rule_check;
ALTER TABLE deliberation_votes ADD CONSTRAINT deliberation_votes_rule_check CHECK (rule IN ('simple', 'two_thirds', 'double_majority', 'double_three_quarters'));
ALTER TABLE deliberation_votes ADD COLUMN ballot text NOT NULL DEFAULT 'real_name' CHECK (ballot IN ('real_name', 'secret'));
ALTER TABLE deliberation_votes ADD COLUMN quorum_pct int CHECK (quorum_pct BETWEEN 1 AND 100);
ALTER TABLE deliberation_votes ADD COLUMN eligibility text NOT NULL DEFAULT 'all' CHECK (eligibility IN ('all', 'owners', 'household_heads', 'listed'));

-- A secret ballot keeps who voted (deliberation_ballots, choice left empty) apart from what was
-- chosen (this table: no voter, no time, a random id), written in the same transaction.
ALTER TABLE deliberation_ballots ALTER COLUMN choice DROP NOT NULL;
CREATE TABLE deliberation_secret_choices (
  id       uuid PRIMARY KEY,
  vote_id  uuid NOT NULL REFERENCES deliberation_votes(id),
  choice   text NOT NULL CHECK (choice IN ('agree', 'oppose', 'abstain')),
  area_m2  numeric(9, 2) NOT NULL DEFAULT 0
);
CREATE INDEX deliberation_secret_choices_vote_idx ON deliberation_secret_choices (vote_id);

-- Conventions: an annotation may propose replacement wording for its article; staff accept it into
-- the next version, whose changelog lists each change and the annotation it came from.
ALTER TABLE deliberation_annotations ADD COLUMN suggested_text text;
ALTER TABLE deliberation_annotations ADD COLUMN applied_version int;
ALTER TABLE deliberation_convention_versions ADD COLUMN changelog jsonb NOT NULL DEFAULT '[]';

-- Resolutions: steps (each with its own state) and photos on progress reports.
CREATE TABLE deliberation_resolution_steps (
  id            uuid PRIMARY KEY,
  resolution_id uuid NOT NULL REFERENCES deliberation_resolutions(id),
  seq           int NOT NULL,
  title         text NOT NULL,
  done_at       timestamptz,
  UNIQUE (resolution_id, seq)
);
ALTER TABLE deliberation_resolution_updates ADD COLUMN photos uuid[] NOT NULL DEFAULT '{}';
ALTER TABLE deliberation_resolution_updates ADD COLUMN step_id uuid REFERENCES deliberation_resolution_steps(id);
