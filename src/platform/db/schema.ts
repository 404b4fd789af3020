import type { ColumnType, Generated } from 'kysely';

/**
 * The database's table types. Platform tables are declared here; each module declares its own
 * tables by augmenting `DB` in its repository.ts (`declare module '…/platform/db/schema.js'`), so a
 * module owns its tables' types as it owns their SQL.
 */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** a timestamp column with a database default */
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
export type Json<T = unknown> = ColumnType<T, string | T, string | T>;

export interface SchemaMigrationsTable {
  version: string;
  applied_at: Generated<Date>;
}

export interface AuditLogTable {
  seq: Generated<number>;
  id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string | null;
  acting_for_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  request_id: string | null;
  prev_hash: string;
  hash: string;
  hash_v: Generated<number>;
}

export interface DataAccessLogTable {
  id: string;
  at: Timestamp;
  actor_id: string | null;
  actor_name: string | null;
  entity: string;
  entity_id: string;
  fields: string[];
  reason: string | null;
  request_id: string | null;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  phone_enc: string | null;
  phone_hash: string | null;
  password_hash: string;
  roles: string[];
  node_id: string | null;
  department_id: string | null;
  resident_id: string | null;
  status: Generated<string>;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string;
  key_hash: string;
  user_id: string;
  scopes: string[];
  rate_per_minute: Generated<number>;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface RateLimitsTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: Json;
  run_at: Timestamp;
  state: Generated<string>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  locked_by: string | null;
  locked_until: Timestamp | null;
  last_error: string | null;
  unique_key: string | null;
  created_at: Generated<Date>;
  finished_at: Timestamp | null;
}

 
export interface DB {
  schema_migrations: SchemaMigrationsTable;
  audit_log: AuditLogTable;
  data_access_log: DataAccessLogTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  rate_limits: RateLimitsTable;
  jobs: JobsTable;
}
