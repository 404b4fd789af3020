import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Generated, Selectable } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import type { Executor } from '../../platform/db/database.js';
import type { DefaultTimestamp } from '../../platform/db/schema.js';
import { SPEC_DIR } from '../org/seed.js';
import { cachedRef } from '../../platform/refcache.js';

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface CategoriesTable {
  code: string;
  name: string;
  group_name: string;
  department: string;
  cc: string[];
  limit_hours: number;
  priority: Priority;
  description: string;
  active: Generated<boolean>;
  updated_at: DefaultTimestamp;
}

declare module '../../platform/db/schema.js' {
  interface DB {
    categories: CategoriesTable;
  }
}

export interface Category {
  code: string;
  name: string;
  group: string;
  /** default handling department code */
  department: string;
  /** departments copied for supervision */
  cc: string[];
  limitHours: number;
  priority: Priority;
  description: string;
  active: boolean;
}

export interface SpecCategory {
  code: string;
  name: string;
  group: string;
  department: string;
  cc: string[];
  limitHours: number;
  priority: Priority;
  description: string;
}

/** The 48 categories as the spec file gives them (also the classifier's label set). */
export function specCategories(): SpecCategory[] {
  return (JSON.parse(readFileSync(join(SPEC_DIR, 'categories.json'), 'utf8')) as { categories: SpecCategory[] }).categories;
}

const view = (r: Selectable<CategoriesTable>): Category => ({
  code: r.code,
  name: r.name,
  group: r.group_name,
  department: r.department,
  cc: r.cc,
  limitHours: r.limit_hours,
  priority: r.priority,
  description: r.description,
  active: r.active,
});

export async function listCategories(ctx: AppContext, db: Executor = ctx.db): Promise<Category[]> {
  return (await db.selectFrom('categories').selectAll().orderBy('code').execute()).map(view);
}

/** Categories change rarely: reference data, cached per instance (platform/refcache). */
export async function categoryByCode(ctx: AppContext, code: string): Promise<Category | null> {
  const byCode = await cachedRef(ctx, 'dispatch.categories', async () => new Map((await listCategories(ctx)).map((x) => [x.code, x])));
  return byCode.get(code) ?? null;
}

/** Loads the spec's categories into an empty table (every install, not only the demo). */
export async function seedCategories(ctx: AppContext): Promise<void> {
  const have = await ctx.db.selectFrom('categories').select('code').limit(1).execute();
  if (have.length) return;
  await ctx.db
    .insertInto('categories')
    .values(specCategories().map((c) => ({ code: c.code, name: c.name, group_name: c.group, department: c.department, cc: c.cc, limit_hours: c.limitHours, priority: c.priority, description: c.description })))
    .execute();
}
