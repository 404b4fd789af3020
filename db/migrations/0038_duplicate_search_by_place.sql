-- Duplicate search looks for open cases of the same category within ~50 m reported in the last hours.
-- Indexed by (category_code, reported_at) it read every open case of the category in that window,
-- so intake slowed as the district got busier (measured: 0.65 ms a report after 4,000 reports).
-- Indexed by place it reads a strip about 100 m high of that category, however busy the district.
DROP INDEX cases_dup_idx;
CREATE INDEX cases_dup_idx ON cases (category_code, lat, lng) WHERE state NOT IN ('closed', 'rejected', 'merged');
