-- Analytics (module analytics): a read model over the cases tables.
--
-- analytics_daily is a roll-up of case activity per Asia/Shanghai day x grid path x category x
-- department. Each measure counts the cases whose step happened on that day (reported_at, filed_at,
-- closed_at, overdue_at, rated_at), so a finished day never changes; days are rebuilt (delete +
-- insert) by the analytics.rollup job and by scripts/seed-large.ts. Today's figures are read live.
CREATE TABLE analytics_daily (
  day             date NOT NULL,
  node_path       text NOT NULL,
  category_code   text NOT NULL DEFAULT '',
  department_id   uuid,
  reported        int  NOT NULL DEFAULT 0,
  filed           int  NOT NULL DEFAULT 0,
  closed          int  NOT NULL DEFAULT 0,
  closed_on_time  int  NOT NULL DEFAULT 0,
  overdue         int  NOT NULL DEFAULT 0,
  rated           int  NOT NULL DEFAULT 0,
  rating_sum      int  NOT NULL DEFAULT 0,
  satisfied       int  NOT NULL DEFAULT 0
);
CREATE INDEX analytics_daily_day_idx ON analytics_daily (day, node_path text_pattern_ops);
CREATE INDEX analytics_daily_path_idx ON analytics_daily (node_path text_pattern_ops, category_code, day);

-- Which days the roll-up holds (one row).
CREATE TABLE analytics_rollup_state (
  id             int PRIMARY KEY CHECK (id = 1),
  complete_from  date,
  complete_to    date,
  refreshed_at   timestamptz
);
INSERT INTO analytics_rollup_state (id) VALUES (1);

-- Early warnings: one per grid x category x period (day | week) x day.
CREATE TABLE analytics_warnings (
  id              uuid PRIMARY KEY,
  node_path       text NOT NULL,
  grid_id         uuid,
  category_code   text NOT NULL,
  period          text NOT NULL CHECK (period IN ('day', 'week')),
  day             date NOT NULL,
  observed        int  NOT NULL,
  expected        double precision NOT NULL,
  p_value         double precision NOT NULL,
  method          text NOT NULL,
  created_at      timestamptz NOT NULL,
  acknowledged_at timestamptz,
  acknowledged_by uuid,
  UNIQUE (node_path, category_code, period, day)
);
CREATE INDEX analytics_warnings_day_idx ON analytics_warnings (day, node_path text_pattern_ops);

-- Read-model indexes on the cases table for the day-bounded aggregates (the cases module does not
-- query by these columns; see docs/decisions/0017-analytics-read-model.md).
CREATE INDEX analytics_cases_filed_idx   ON cases (filed_at)   WHERE filed_at IS NOT NULL;
CREATE INDEX analytics_cases_closed_idx  ON cases (closed_at)  WHERE closed_at IS NOT NULL;
CREATE INDEX analytics_cases_overdue_idx ON cases (overdue_at) WHERE overdue_at IS NOT NULL;
CREATE INDEX analytics_cases_rated_idx   ON cases (rated_at)   WHERE rated_at IS NOT NULL;
CREATE INDEX analytics_cases_open_idx    ON cases (node_path text_pattern_ops) WHERE state IN ('reported', 'filed', 'dispatched', 'accepted', 'returned', 'resolved', 'rework', 'suspended');
