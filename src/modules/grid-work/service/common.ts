import type { Actor } from '../../../platform/auth/actor.js';
import { scopeOf } from '../../../platform/auth/scope.js';
import type { AppContext } from '../../../platform/context.js';
import type { Executor } from '../../../platform/db/database.js';
import { invalid, notFound } from '../../../platform/errors.js';
import { assertPathInScope } from '../../../platform/auth/scope.js';
import { nodeBriefs, type NodeBrief } from '../../org/index.js';
import type { PathScope } from '../repository.js';

/** The org-path scope of an actor for this module's tables (department and self scopes see none). */
export function pathScopeOf(actor: Actor): PathScope {
  const s = scopeOf(actor);
  if (s.kind === 'all') return s;
  if (s.kind === 'subtree') return s;
  return { kind: 'none' };
}

export const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** A node named in a filter (?nodeId=): must exist (404) and lie in the caller's scope (403). */
export async function filterNode(db: Executor, actor: Actor, nodeId: string | undefined): Promise<NodeBrief | undefined> {
  if (!nodeId) return undefined;
  const [n] = await nodeBriefs(db, { ids: [nodeId] });
  if (!n) throw notFound('节点不存在');
  assertPathInScope(actor, n.path);
  return n;
}

/** The grid node on a path (…/grid/building/household → the grid). */
export async function gridOfPath(db: Executor, path: string): Promise<NodeBrief | null> {
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  const nodes = await nodeBriefs(db, { paths: prefixes });
  return nodes.find((n) => n.level === 'grid') ?? null;
}

/** Great-circle distance in metres. */
export function distanceM(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const R = 6_371_000;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Monday 00:00 Asia/Shanghai of the week containing `d`, as a UTC instant. */
export function weekStart(d: Date): Date {
  const local = new Date(d.getTime() + 8 * 3_600_000);
  const dow = (local.getUTCDay() + 6) % 7;
  const mid = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - dow);
  return new Date(mid - 8 * 3_600_000);
}

/** 'YYYY-MM-DD' in Asia/Shanghai. */
export const shanghaiDate = (d: Date): string => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

export function requireText(v: string | null | undefined, field: string, max: number): string {
  const s = (v ?? '').trim();
  if (!s) throw invalid('提交的数据有误', [{ field, message: '为必填项' }]);
  if (s.length > max) throw invalid('提交的数据有误', [{ field, message: `不能超过 ${max} 字` }]);
  return s;
}

export type { AppContext };
