-- Organisation: the administrative tree, departments, residents.
-- Levels: district 区 > street 街道 > community 社区 > estate 小区/村 > grid 网格 > building 楼栋 > household 户.
-- `path` is the chain of codes joined by '/', so a subtree is `path = P OR path LIKE P || '/%'`.
-- Geometry is GeoJSON (GCJ-02 lng/lat) in jsonb; the point lookup uses an in-memory R-tree.
CREATE TABLE org_nodes (
  id         uuid PRIMARY KEY,
  parent_id  uuid REFERENCES org_nodes(id),
  level      text NOT NULL CHECK (level IN ('district', 'street', 'community', 'estate', 'grid', 'building', 'household')),
  code       text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]+$'),
  name       text NOT NULL,
  path       text NOT NULL UNIQUE,
  geometry   jsonb,
  lng        double precision,
  lat        double precision,
  props      jsonb NOT NULL DEFAULT '{}',
  sort       int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_nodes_parent_idx ON org_nodes (parent_id);
CREATE INDEX org_nodes_path_idx ON org_nodes (path text_pattern_ops);
CREATE INDEX org_nodes_level_idx ON org_nodes (level);

-- Bumped on every change to grid/estate geometry so that every instance reloads its spatial index.
CREATE TABLE org_meta (
  id            int PRIMARY KEY CHECK (id = 1),
  geo_version   bigint NOT NULL DEFAULT 0
);
INSERT INTO org_meta (id, geo_version) VALUES (1, 0);

CREATE TABLE departments (
  id           uuid PRIMARY KEY,
  code         text NOT NULL UNIQUE,
  name         text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('government', 'utility', 'company', 'community')),
  handles      text NOT NULL DEFAULT '',
  parent_code  text,
  -- GeoJSON Polygon/MultiPolygon the department serves; null = the whole district
  service_area jsonb,
  phone        text,
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- 实有人口. Personal fields are AES-256-GCM ciphertext; *_hash are keyed blind indexes for lookup.
CREATE TABLE residents (
  id            uuid PRIMARY KEY,
  name          text NOT NULL,
  gender        text CHECK (gender IN ('M', 'F')),
  birth_date    date,
  id_card_enc   text,
  id_card_hash  text,
  phone_enc     text,
  phone_hash    text,
  address_enc   text,
  household_id  uuid REFERENCES org_nodes(id),
  -- path of the household (or building/grid) the resident lives in; drives data scope
  node_path     text NOT NULL,
  relation      text,
  tags          text[] NOT NULL DEFAULT '{}',
  status        text NOT NULL DEFAULT 'resident' CHECK (status IN ('resident', 'moved_out', 'deceased')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX residents_path_idx ON residents (node_path text_pattern_ops);
CREATE INDEX residents_household_idx ON residents (household_id);
CREATE INDEX residents_phone_idx ON residents (phone_hash);
CREATE INDEX residents_idcard_idx ON residents (id_card_hash);
CREATE INDEX residents_tags_idx ON residents USING gin (tags);
CREATE INDEX residents_name_trgm ON residents USING gin (name gin_trgm_ops);

-- Who set each tag and when (独居老人, 残疾人, 低保, 党员 ...).
CREATE TABLE resident_tag_events (
  id          uuid PRIMARY KEY,
  resident_id uuid NOT NULL REFERENCES residents(id),
  tag         text NOT NULL,
  op          text NOT NULL CHECK (op IN ('add', 'remove')),
  by_user_id  uuid,
  at          timestamptz NOT NULL
);
CREATE INDEX resident_tag_events_idx ON resident_tag_events (resident_id, at);
