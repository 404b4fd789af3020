import { forbidden } from '../errors.js';
import type { Actor, Role } from './actor.js';

/**
 * Permissions are declared by modules in their manifests (`permissions: { 'cases.dispatch': [...roles] }`)
 * and registered here at start. A route names one permission; the HTTP layer checks it before the
 * handler runs, and services re-check with `requirePermission` where a rule depends on the row.
 */
const registry = new Map<string, { roles: Set<Role>; description: string }>();

export interface PermissionDef {
  roles: Role[];
  description: string;
}

export function registerPermissions(defs: Record<string, PermissionDef>): void {
  for (const [name, def] of Object.entries(defs)) {
    if (registry.has(name)) throw new Error(`permission ${name} registered twice`);
    registry.set(name, { roles: new Set(def.roles), description: def.description });
  }
}

export function permissionRoles(name: string): Role[] {
  const p = registry.get(name);
  if (!p) throw new Error(`unknown permission ${name}`);
  return [...p.roles];
}

export function allPermissions(): Array<{ name: string; roles: Role[]; description: string }> {
  return [...registry.entries()].map(([name, p]) => ({ name, roles: [...p.roles], description: p.description }));
}

export function can(actor: Actor, permission: string): boolean {
  const p = registry.get(permission);
  if (!p) throw new Error(`unknown permission ${permission}`);
  if (actor.scopes && !actor.scopes.includes(permission) && !actor.scopes.includes('*')) return false;
  return actor.roles.some((r) => p.roles.has(r));
}

export function requirePermission(actor: Actor, permission: string): void {
  if (!can(actor, permission)) throw forbidden();
}

export function permissionsOf(actor: Actor): string[] {
  return [...registry.keys()].filter((p) => can(actor, p));
}
