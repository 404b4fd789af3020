import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { can } from '../../platform/auth/permissions.js';
import { pathWithin, scopeCoversPath, scopeOf } from '../../platform/auth/scope.js';
import { forbidden, notFound } from '../../platform/errors.js';
import { nodeBriefs, residentBriefs, type ResidentBrief } from '../org/index.js';
import type { PathFilter } from './repository.js';

/**
 * Who may do what in the deliberation hall.
 * - Staff with `deliberation.read` see rows inside their node's subtree, and rows of the nodes above
 *   it (a grid worker sees the community's topics); they manage (`deliberation.manage`) or assist
 *   (`deliberation.assist`: proxy sign-in, paper ballots) only rows inside their subtree.
 * - Residents see everything of their own community (the hall is public to its residents) and act
 *   (propose, support, sign in, vote, annotate) only where the row's node covers their household.
 */
export type Viewer =
  | { kind: 'staff'; actor: Actor; filter: PathFilter }
  | { kind: 'resident'; actor: Actor; resident: ResidentBrief; filter: PathFilter };

/** The ancestor paths of a path, itself included: a/b/c -> [a, a/b, a/b/c]. */
export function ancestorPaths(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

export const isStaff = (actor: Actor) => can(actor, 'deliberation.read');

export async function residentOf(ctx: AppContext, actor: Actor, db: Executor = ctx.db): Promise<ResidentBrief | null> {
  const id = actor.residentId;
  if (!id) return null;
  const [r] = await residentBriefs(db, { ids: [id] });
  return r && r.status === 'resident' ? r : null;
}

export async function viewerOf(ctx: AppContext, actor: Actor, db: Executor = ctx.db): Promise<Viewer> {
  if (isStaff(actor)) {
    const s = scopeOf(actor);
    const filter: PathFilter = s.kind === 'all' ? { kind: 'all' } : s.kind === 'subtree' ? { kind: 'paths', covering: ancestorPaths(s.path), under: s.path } : { kind: 'none' };
    return { kind: 'staff', actor, filter };
  }
  const resident = await residentOf(ctx, actor, db);
  if (!resident) throw forbidden('议事厅仅对本社区居民和工作人员开放');
  const ancestors = await nodeBriefs(db, { paths: ancestorPaths(resident.nodePath) });
  const community = ancestors.find((n) => n.level === 'community');
  const root = community?.path ?? resident.nodePath;
  return { kind: 'resident', actor, resident, filter: { kind: 'paths', covering: ancestorPaths(root), under: root } };
}

/** Whether a viewer sees a row with this node path (404 otherwise). */
export function sees(v: Viewer, path: string): boolean {
  const f = v.filter;
  if (f.kind === 'all') return true;
  if (f.kind === 'none') return false;
  return f.covering.includes(path) || (f.under !== null && path.startsWith(f.under + '/'));
}

export function assertSees(v: Viewer, path: string): void {
  if (!sees(v, path)) throw notFound();
}

/** A resident acting on a row: their household must lie under the row's node. */
export function residentCovered(v: Viewer, path: string): v is Extract<Viewer, { kind: 'resident' }> {
  return v.kind === 'resident' && pathWithin(v.resident.nodePath, path);
}

export function canManage(actor: Actor, path: string): boolean {
  return can(actor, 'deliberation.manage') && scopeCoversPath(actor, path);
}

export function assertManage(actor: Actor, path: string): void {
  if (!canManage(actor, path)) throw forbidden('您无权管理该议事事项（超出管辖范围或缺少权限）');
}

export function assertAssist(actor: Actor, path: string): void {
  if (!(can(actor, 'deliberation.assist') && scopeCoversPath(actor, path))) throw forbidden('您无权为居民代办（超出管辖范围或缺少权限）');
}

/** Age in full years on `now` (Asia/Shanghai birthdays). */
export function ageOn(birth: string | null, now: Date): number | null {
  if (!birth) return null;
  const local = new Date(now.getTime() + 8 * 3600_000);
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  let a = local.getUTCFullYear() - y;
  if (local.getUTCMonth() + 1 < m || (local.getUTCMonth() + 1 === m && local.getUTCDate() < d)) a--;
  return a;
}

/** Adults only; a resident registered without a birth date is not excluded. */
export const isAdult = (r: ResidentBrief, now: Date) => (ageOn(r.birthDate, now) ?? 18) >= 18;
