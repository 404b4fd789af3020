-- External records for analysis (module analytics): 12345 hotline work orders and petition (信访)
-- records imported from CSV / XLSX. They are not cases: they never enter the closed loop, they are
-- counted and listed by analytics beside the cases.
--
-- An import is prepared first (file parsed, columns mapped, every row validated, classified and
-- located), then committed; a durable job (analytics.external-import) writes the prepared rows in
-- batches and records progress. The uploaded file and the prepared rows are kept encrypted only
-- until the import ends (they carry reporters' phone numbers).
CREATE TABLE external_imports (
  id            uuid PRIMARY KEY,
  created_by    uuid,
  created_name  text,
  node_path     text NOT NULL,
  file_name     text,
  file_kind     text NOT NULL CHECK (file_kind IN ('csv', 'xlsx')),
  file_enc      text,
  prepared_enc  text,
  headers       jsonb NOT NULL DEFAULT '[]',
  mapping       jsonb NOT NULL DEFAULT '{}',
  default_source text CHECK (default_source IN ('12345', 'petition')),
  status        text NOT NULL CHECK (status IN ('preview', 'queued', 'running', 'done', 'failed', 'cancelled')),
  total_rows    int NOT NULL DEFAULT 0,
  valid_rows    int NOT NULL DEFAULT 0,
  processed     int NOT NULL DEFAULT 0,
  inserted      int NOT NULL DEFAULT 0,
  updated       int NOT NULL DEFAULT 0,
  errors        jsonb NOT NULL DEFAULT '[]',
  message       text,
  created_at    timestamptz NOT NULL,
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX external_imports_path_idx ON external_imports (node_path text_pattern_ops, created_at);

-- One row per external work order / petition, keyed by (source, external number): re-importing the
-- same numbers updates the rows instead of duplicating them.
-- node_path: the grid's path when located by point or building; the estate's or community's path when
-- only that matched the address; else the importer's own scope path (not located). Data scope is a
-- prefix match on it, as everywhere.
CREATE TABLE external_records (
  id                  uuid PRIMARY KEY,
  source              text NOT NULL CHECK (source IN ('12345', 'petition')),
  external_no         text NOT NULL,
  received_at         timestamptz NOT NULL,
  content             text NOT NULL,
  address             text,
  reporter_phone_enc  text,
  reporter_phone_hash text,
  category_code       text,
  category_raw        text,
  category_by         text CHECK (category_by IN ('file', 'classifier')),
  category_confidence double precision,
  lng                 double precision,
  lat                 double precision,
  grid_id             uuid,
  node_path           text NOT NULL,
  located_by          text CHECK (located_by IN ('point', 'building', 'estate', 'community')),
  department_name     text,
  department_id       uuid,
  status              text,
  closed_at           timestamptz,
  satisfaction        text,
  satisfied           boolean,
  import_id           uuid REFERENCES external_imports(id),
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  UNIQUE (source, external_no)
);
CREATE INDEX external_records_path_idx ON external_records (node_path text_pattern_ops, received_at);
CREATE INDEX external_records_received_idx ON external_records (received_at);
CREATE INDEX external_records_grid_idx ON external_records (grid_id);
CREATE INDEX external_records_phone_idx ON external_records (reporter_phone_hash) WHERE reporter_phone_hash IS NOT NULL;
