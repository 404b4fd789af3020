-- Module dispatch: routing rules (data an admin edits) and dispatcher corrections (what the
-- classifier learns from).

-- Routing beyond the category's default department. Active rules are tried in ascending
-- priority; the first that applies to the category and yields a department decides.
--   estate_property  a point inside an estate whose props.propertyCompanyCode is set → that company
--   service_area     params.departmentCode (or, without it, a sub-unit of the category's default
--                    department) whose service_area polygon contains the point
--   cover_type       params.map: cover type / keyword (供水, 雨水, 电信 ...) → department code,
--                    from the case's coverType attribute or, failing that, its text
-- category_codes / category_groups: which categories the rule applies to (both empty = all).
CREATE TABLE dispatch_rules (
  id              uuid PRIMARY KEY,
  name            text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('estate_property', 'service_area', 'cover_type')),
  priority        int NOT NULL DEFAULT 100,
  category_codes  text[] NOT NULL DEFAULT '{}',
  category_groups text[] NOT NULL DEFAULT '{}',
  params          jsonb NOT NULL DEFAULT '{}',
  active          boolean NOT NULL DEFAULT true,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispatch_rules_priority_idx ON dispatch_rules (priority);

-- Default rules of every install. PR02 (complaints about a property company) is deliberately not
-- routed to the company itself: it stays with 住建局, which supervises property companies.
INSERT INTO dispatch_rules (id, name, kind, priority, category_codes, category_groups, params) VALUES
  ('0193a000-0000-7000-8000-000000000001', '井盖按权属单位派遣', 'cover_type', 10,
   '{UF01,UF02,UF03,UF04,UF05}', '{}',
   '{"map": {"供水": "GS", "自来水": "GS", "给水": "GS", "上水": "GS", "水表": "GS",
             "排水": "SZ", "雨水": "SZ", "污水": "SZ", "下水": "SZ", "雨篦": "SZ",
             "电力": "GD", "供电": "GD",
             "通信": "TX", "电信": "TX", "移动": "TX", "联通": "TX", "广电": "TX", "光缆": "TX",
             "燃气": "RQ", "天然气": "RQ", "煤气": "RQ"}}'),
  ('0193a000-0000-7000-8000-000000000002', '小区内物业事项派物业服务企业', 'estate_property', 20,
   '{PR01,PS05}', '{}', '{}'),
  ('0193a000-0000-7000-8000-000000000003', '部门服务区域（下属单位就近派遣）', 'service_area', 30,
   '{}', '{}', '{}');

-- Every change of a case's category by a dispatcher (or a correction entered by hand).
CREATE TABLE dispatch_corrections (
  id              uuid PRIMARY KEY,
  case_id         uuid,
  text            text NOT NULL,
  predicted_code  text,
  corrected_code  text NOT NULL REFERENCES categories (code),
  actor_id        uuid,
  actor_name      text,
  created_at      timestamptz NOT NULL
);
CREATE INDEX dispatch_corrections_created_idx ON dispatch_corrections (created_at);
CREATE INDEX dispatch_corrections_corrected_idx ON dispatch_corrections (corrected_code);
