-- Grid fieldwork (module grid-work): move-in/move-out history, XLSX imports, grid teams, patrols
-- with tracks, household visits with rules and overdue flags, proxy service, and the party
-- structure (党组织、党员、党员中心户、双向进入交叉任职、党群服务阵地).
-- Every table carries `node_path` (an org path) so that the data scope is one LIKE on an index.

-- Move in / move out / transfer history of residents (实有人口变动).
CREATE TABLE resident_moves (
  id                uuid PRIMARY KEY,
  resident_id       uuid NOT NULL REFERENCES residents(id),
  kind              text NOT NULL CHECK (kind IN ('move_in', 'move_out', 'transfer')),
  from_household_id uuid,
  to_household_id   uuid,
  from_path         text,
  to_path           text,
  -- scope path: where the resident lives after the move (or lived, for a move out)
  node_path         text NOT NULL,
  moved_on          date NOT NULL,
  reason            text,
  by_user_id        uuid,
  by_name           text,
  created_at        timestamptz NOT NULL
);
CREATE INDEX resident_moves_resident_idx ON resident_moves (resident_id, moved_on);
CREATE INDEX resident_moves_path_idx ON resident_moves (node_path text_pattern_ops);

-- XLSX imports of residents: preview, then a durable job inserts the valid rows in batches.
-- The uploaded file is kept only encrypted, and only until the import finishes.
CREATE TABLE resident_imports (
  id           uuid PRIMARY KEY,
  created_by   uuid,
  created_name text,
  node_path    text NOT NULL,
  file_name    text,
  file_enc     text,
  status       text NOT NULL CHECK (status IN ('preview', 'queued', 'running', 'done', 'failed', 'cancelled')),
  total_rows   int NOT NULL DEFAULT 0,
  valid_rows   int NOT NULL DEFAULT 0,
  processed    int NOT NULL DEFAULT 0,
  inserted     int NOT NULL DEFAULT 0,
  errors       jsonb NOT NULL DEFAULT '[]',
  message      text,
  created_at   timestamptz NOT NULL,
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX resident_imports_path_idx ON resident_imports (node_path text_pattern_ops, created_at);

-- Grid teams: each grid's leader and workers (party-member household contacts come from the party tables).
CREATE TABLE grid_team_members (
  id         uuid PRIMARY KEY,
  grid_id    uuid NOT NULL REFERENCES org_nodes(id),
  node_path  text NOT NULL,
  role       text NOT NULL CHECK (role IN ('leader', 'worker')),
  user_id    uuid,
  name       text NOT NULL,
  phone_enc  text,
  active     boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX grid_team_members_grid_idx ON grid_team_members (grid_id);
CREATE INDEX grid_team_members_user_idx ON grid_team_members (user_id);
CREATE UNIQUE INDEX grid_team_members_user_grid_idx ON grid_team_members (grid_id, user_id) WHERE user_id IS NOT NULL AND active;

-- Which team member is responsible for which household (one per household).
CREATE TABLE household_assignments (
  household_id uuid PRIMARY KEY REFERENCES org_nodes(id),
  member_id    uuid NOT NULL REFERENCES grid_team_members(id),
  node_path    text NOT NULL,
  assigned_at  timestamptz NOT NULL
);
CREATE INDEX household_assignments_member_idx ON household_assignments (member_id);

-- Patrols (巡查) with their tracks.
CREATE TABLE patrols (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL,
  user_name   text NOT NULL,
  grid_id     uuid NOT NULL,
  node_path   text NOT NULL,
  state       text NOT NULL CHECK (state IN ('active', 'ended')),
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  distance_m  double precision NOT NULL DEFAULT 0,
  point_count int NOT NULL DEFAULT 0,
  summary     text,
  stats       jsonb,
  idem_key    text UNIQUE,
  created_at  timestamptz NOT NULL
);
CREATE INDEX patrols_path_idx ON patrols (node_path text_pattern_ops, started_at);
CREATE INDEX patrols_user_idx ON patrols (user_id, state);
CREATE UNIQUE INDEX patrols_one_active_idx ON patrols (user_id) WHERE state = 'active';

CREATE TABLE patrol_points (
  patrol_id uuid NOT NULL REFERENCES patrols(id),
  at        timestamptz NOT NULL,
  lng       double precision NOT NULL,
  lat       double precision NOT NULL,
  accuracy  double precision,
  PRIMARY KEY (patrol_id, at)
);

-- Problems reported into cases from a patrol.
CREATE TABLE patrol_cases (
  patrol_id uuid NOT NULL REFERENCES patrols(id),
  case_id   uuid NOT NULL,
  at        timestamptz NOT NULL,
  PRIMARY KEY (patrol_id, case_id)
);

-- Visit rules: residents with `tag` are visited at least every `interval_days` days.
CREATE TABLE visit_rules (
  id            uuid PRIMARY KEY,
  tag           text NOT NULL UNIQUE,
  interval_days int NOT NULL CHECK (interval_days BETWEEN 1 AND 366),
  active        boolean NOT NULL DEFAULT true,
  updated_by    uuid,
  updated_at    timestamptz NOT NULL
);

-- Household visits (走访).
CREATE TABLE visits (
  id           uuid PRIMARY KEY,
  resident_id  uuid NOT NULL REFERENCES residents(id),
  household_id uuid,
  node_path    text NOT NULL,
  visitor_id   uuid,
  visitor_name text NOT NULL,
  visited_at   timestamptz NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('home', 'phone', 'other')),
  notes        text,
  needs        text,
  photos       uuid[] NOT NULL DEFAULT '{}',
  patrol_id    uuid,
  idem_key     text UNIQUE,
  created_at   timestamptz NOT NULL
);
CREATE INDEX visits_resident_idx ON visits (resident_id, visited_at);
CREATE INDEX visits_path_idx ON visits (node_path text_pattern_ops, visited_at);

-- Overdue flags written by the daily scan; cleared by the next visit.
CREATE TABLE visit_flags (
  id          uuid PRIMARY KEY,
  resident_id uuid NOT NULL REFERENCES residents(id),
  node_path   text NOT NULL,
  tag         text NOT NULL,
  due_at      timestamptz NOT NULL,
  flagged_at  timestamptz NOT NULL,
  cleared_at  timestamptz,
  cleared_by_visit uuid
);
CREATE UNIQUE INDEX visit_flags_open_idx ON visit_flags (resident_id) WHERE cleared_at IS NULL;
CREATE INDEX visit_flags_path_idx ON visit_flags (node_path text_pattern_ops) WHERE cleared_at IS NULL;

-- Proxy service (帮代办): an action done by a staff member for a resident, with its receipt.
CREATE TABLE proxy_services (
  id           uuid PRIMARY KEY,
  resident_id  uuid NOT NULL REFERENCES residents(id),
  node_path    text NOT NULL,
  staff_id     uuid,
  staff_name   text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('case', 'service', 'activity')),
  item         text NOT NULL,
  ref_type     text,
  ref_id       text,
  ref_number   text,
  track_code   text NOT NULL UNIQUE,
  state        text NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),
  details      text,
  result       text,
  idem_key     text UNIQUE,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  closed_at    timestamptz
);
CREATE INDEX proxy_services_resident_idx ON proxy_services (resident_id, created_at);
CREATE INDEX proxy_services_path_idx ON proxy_services (node_path text_pattern_ops, state);

-- Party structure: 社区党委 (committee) > 小区党支部 (branch) > 楼栋党小组 (group).
CREATE TABLE party_orgs (
  id         uuid PRIMARY KEY,
  parent_id  uuid REFERENCES party_orgs(id),
  level      text NOT NULL CHECK (level IN ('committee', 'branch', 'group')),
  name       text NOT NULL,
  node_id    uuid NOT NULL REFERENCES org_nodes(id),
  node_path  text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX party_orgs_parent_idx ON party_orgs (parent_id);
CREATE INDEX party_orgs_path_idx ON party_orgs (node_path text_pattern_ops);

-- Party members, each a resident of the registry.
CREATE TABLE party_members (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES party_orgs(id),
  resident_id uuid NOT NULL UNIQUE REFERENCES residents(id),
  node_path   text NOT NULL,
  post        text NOT NULL DEFAULT '党员',
  joined_on   date,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX party_members_org_idx ON party_members (org_id);
CREATE INDEX party_members_path_idx ON party_members (node_path text_pattern_ops);

-- 党员中心户: a member and the households linked to them (one contact per household).
CREATE TABLE party_contact_households (
  household_id uuid PRIMARY KEY REFERENCES org_nodes(id),
  member_id    uuid NOT NULL REFERENCES party_members(id),
  node_path    text NOT NULL,
  linked_at    timestamptz NOT NULL
);
CREATE INDEX party_contact_households_member_idx ON party_contact_households (member_id);

-- 双向进入、交叉任职: a party member who also holds a post in the owners' committee or the property company.
CREATE TABLE party_cross_posts (
  id          uuid PRIMARY KEY,
  member_id   uuid NOT NULL REFERENCES party_members(id),
  party_post  text NOT NULL,
  body_kind   text NOT NULL CHECK (body_kind IN ('owners_committee', 'property_company')),
  body_name   text NOT NULL,
  body_code   text,
  post        text NOT NULL,
  node_path   text NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE INDEX party_cross_posts_path_idx ON party_cross_posts (node_path text_pattern_ops);

-- Party-mass service sites at three levels (街道党群服务中心 — 社区党群服务站 — 小区党群服务点).
CREATE TABLE service_sites (
  id            uuid PRIMARY KEY,
  level         text NOT NULL CHECK (level IN ('street', 'community', 'estate')),
  name          text NOT NULL,
  node_id       uuid NOT NULL REFERENCES org_nodes(id),
  node_path     text NOT NULL,
  address       text,
  lng           double precision,
  lat           double precision,
  opening_hours text NOT NULL,
  services      text[] NOT NULL DEFAULT '{}',
  phone         text,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX service_sites_path_idx ON service_sites (node_path text_pattern_ops);
