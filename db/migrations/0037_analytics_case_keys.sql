-- Analytics (module analytics): the read model for repeated problems, and indexes for the dashboard.
-- See docs/decisions/0017-analytics-read-model.md and docs/analytics.md ("Performance").
--
-- analytics_case_keys is a narrow copy of the case columns that the repeated-problem view groups
-- by: one row per case reported on a day the roll-up holds, written in reporting order by the same
-- day rebuilds as analytics_daily, so a 90-day period is a short range of adjacent pages instead
-- of 120,000 scattered rows of the wide cases table. address_key is the address with case and
-- whitespace removed (NULL when the address is empty); reporter_key is the phone hash, else the
-- account (NULL for anonymous and device reports). Rows of cases changed since the last refresh
-- are replaced by live reads of those cases, so answers never depend on whether the job has run.
CREATE TABLE analytics_case_keys (
  case_id       uuid PRIMARY KEY,
  day           date NOT NULL,
  reported_at   timestamptz NOT NULL,
  number        text NOT NULL,
  node_path     text NOT NULL,
  category_code text NOT NULL DEFAULT '',
  address       text,
  address_key   text,
  reporter_key  text
);
CREATE INDEX analytics_case_keys_day_idx ON analytics_case_keys (day);
-- the drill-down of the top keys (their latest cases, categories, addresses)
CREATE INDEX analytics_case_keys_address_idx ON analytics_case_keys (address_key, day) WHERE address_key IS NOT NULL;
CREATE INDEX analytics_case_keys_reporter_idx ON analytics_case_keys (reporter_key, day) WHERE reporter_key IS NOT NULL;

-- The cases changed since the last refresh (the job's dirty days and the repeats' live overlay).
CREATE INDEX analytics_cases_updated_idx ON cases (updated_at);

-- The open backlog (count and overdue) as an index-only scan.
DROP INDEX IF EXISTS analytics_cases_open_idx;
CREATE INDEX analytics_cases_open_idx ON cases (node_path text_pattern_ops) INCLUDE (overdue_at)
  WHERE state IN ('reported', 'filed', 'dispatched', 'accepted', 'returned', 'resolved', 'rework', 'suspended');

-- The new table starts empty: forget what the roll-up holds, so that the next refresh (at start or
-- the hourly job) rebuilds both tables from the first case, in day order. Until then every query
-- reads the cases table live, which is slower but exact.
UPDATE analytics_rollup_state SET complete_from = NULL, complete_to = NULL, refreshed_at = NULL WHERE id = 1;
