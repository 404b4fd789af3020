import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { forbidden, notFound } from '../errors.js';
import type { Actor } from './actor.js';

/**
 * Data scope: the one rule every module applies to every list and read.
 * - admin, auditor, and users bound to no node: the whole tree (`all`)
 * - staff bound to an org node: that node's subtree (`subtree`)
 * - department handlers: rows of their department (`department`), plus the org tree read-only
 * - residents and partners: only their own rows (`self`)
 */
export type Scope =
  | { kind: 'all' }
  | { kind: 'subtree'; path: string }
  | { kind: 'department'; departmentId: string }
  | { kind: 'self'; userId: string; residentId: string | null }
  | { kind: 'none' };

export function scopeOf(actor: Actor): Scope {
  if (actor.roles.includes('admin') || actor.roles.includes('auditor')) return { kind: 'all' };
  const staffOnNode = actor.roles.some((r) =>
    ['grid_worker', 'grid_leader', 'dispatcher', 'supervisor', 'community_admin', 'street_admin', 'mediator'].includes(r),
  );
  if (staffOnNode) return actor.nodePath ? { kind: 'subtree', path: actor.nodePath } : { kind: 'none' };
  if (actor.roles.includes('dept_handler')) {
    return actor.departmentId ? { kind: 'department', departmentId: actor.departmentId } : { kind: 'none' };
  }
  if (actor.userId) return { kind: 'self', userId: actor.userId, residentId: actor.residentId };
  return { kind: 'none' };
}

/** True when `path` lies in the subtree rooted at `root`. */
export function pathWithin(path: string | null | undefined, root: string): boolean {
  if (!path) return false;
  return path === root || path.startsWith(root + '/');
}

/** Whether the actor's node scope covers an org path (department/self scopes do not cover org rows). */
export function scopeCoversPath(actor: Actor, path: string | null | undefined): boolean {
  const s = scopeOf(actor);
  if (s.kind === 'all') return true;
  if (s.kind === 'subtree') return pathWithin(path, s.path);
  return false;
}

/**
 * A Kysely filter on a path column for the actor's node scope: use as `.where(eb => pathScope(eb, 'residents.node_path', actor))`.
 * Department and self scopes see no org-path rows through this filter (modules add their own rule).
 */
export function pathScope<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  column: string,
  actor: Actor,
): Expression<SqlBool> {
  const s = scopeOf(actor);
  if (s.kind === 'all') return sql<SqlBool>`true`;
  if (s.kind !== 'subtree') return sql<SqlBool>`false`;
  const col = sql.ref(column);
  const like = likePrefix(s.path) + '/%';
  return eb.or([eb(col, '=', s.path), eb(col, 'like', like)]);
}

/** Escape LIKE wildcards in a path prefix. */
export function likePrefix(p: string): string {
  return p.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * For a request that names a subtree explicitly (a filter such as ?gridId=): outside the caller's
 * scope is 403, so that "nothing there" and "not yours" are not confused.
 */
export function assertPathInScope(actor: Actor, path: string | null | undefined): void {
  if (!scopeCoversPath(actor, path)) throw forbidden('超出您的数据权限范围');
}

/** For a row fetched by id: outside scope is 404, so ids cannot be probed. */
export function assertRowInScope(actor: Actor, path: string | null | undefined): void {
  if (!scopeCoversPath(actor, path)) throw notFound();
}
