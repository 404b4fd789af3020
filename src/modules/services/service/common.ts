import type { AppContext } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { scopeOf } from '../../../platform/auth/scope.js';
import { forbidden, invalid } from '../../../platform/errors.js';
import { residentsMatching, type ResidentMatch } from '../../org/index.js';
import type { PathFilter } from '../repository.js';

/** The staff data scope as a path filter (department and self scopes see no rows of other people). */
export function staffScope(actor: Actor): PathFilter {
  const s = scopeOf(actor);
  if (s.kind === 'all') return { kind: 'all' };
  if (s.kind === 'subtree') return { kind: 'subtree', path: s.path };
  return { kind: 'none' };
}

export const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

/** Local (Asia/Shanghai) calendar date YYYYMMDD. */
export function shanghaiDay(d: Date): string {
  return new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replace(/-/g, '');
}

/** 'YYYY-MM-DD HH:mm' in Asia/Shanghai. */
export function shanghaiText(d: Date | string): string {
  return new Date(new Date(d).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Age in whole years on `on` (Asia/Shanghai dates). */
export function ageOn(birthDate: string | null, on: Date): number | null {
  if (!birthDate) return null;
  const local = new Date(on.getTime() + 8 * 3_600_000);
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = local.getUTCFullYear() - y;
  if (local.getUTCMonth() + 1 < m || (local.getUTCMonth() + 1 === m && local.getUTCDate() < d)) age--;
  return age;
}

/** Trims and checks a required text field. */
export function requireText(v: unknown, field: string, max: number, label = '内容'): string {
  const s = typeof v === 'string' ? v.trim() : '';
  if (!s) throw invalid(`请填写${label}`, [{ field, message: '为必填项' }]);
  if (s.length > max) throw invalid(`${label}不能超过 ${max} 字`, [{ field, message: `不能超过 ${max} 字` }]);
  return s;
}

export function parseTime(v: string | undefined | null, field: string): Date | null {
  if (v === undefined || v === null || v === '') return null;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid('时间格式不正确', [{ field, message: '须为 ISO 8601 时间' }]);
  return d;
}

/** The signed-in resident's own register entry (404-free: a clear message when the account has none). */
export async function selfResident(ctx: AppContext, actor: Actor): Promise<ResidentMatch> {
  if (!actor.residentId) throw forbidden('您的账号尚未关联居民登记信息，请联系社区网格员');
  const [r] = await residentsMatching(ctx.db, { ids: [actor.residentId], on: ctx.clock.now() });
  if (!r) throw forbidden('您的居民登记信息已失效，请联系社区网格员');
  return r;
}

/** The actor a proxy write is recorded as: the staff member acting for the resident. */
export const actingFor = (actor: Actor, residentId: string): Actor => ({ ...actor, actingForResidentId: residentId });
