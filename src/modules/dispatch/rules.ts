import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { MultiPolygon, Polygon } from 'geojson';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import { systemActor } from '../../platform/auth/actor.js';
import { requirePermission } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/audit/audit.js';
import { invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { cachedRef, dropRef } from '../../platform/refcache.js';
import { listDepartments, listNodes, locatePoint, type DepartmentView, type Located } from '../org/index.js';
import { categoryByCode, listCategories, type Category } from './categories.js';
import { dispatchRepo, RULE_KINDS, type RuleKind, type RuleRow } from './repository.js';

/**
 * Routing beyond the category: the department comes from the category's default, then from the
 * first active rule (ascending priority) that applies to the category and resolves a department
 * for this report — its estate's property company, a department's service area, or a manhole's
 * owner by cover type. Rules are rows an admin edits (audited); `previewRoute` shows the trace.
 */

export interface RuleView {
  id: string;
  name: string;
  kind: RuleKind;
  priority: number;
  categoryCodes: string[];
  categoryGroups: string[];
  params: Record<string, unknown>;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

const view = (r: RuleRow): RuleView => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  priority: r.priority,
  categoryCodes: r.category_codes,
  categoryGroups: r.category_groups,
  params: (r.params ?? {}) as Record<string, unknown>,
  active: r.active,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
});

// ---------------------------------------------------------------- reference data

interface RefCache {
  estates: Map<string, Record<string, unknown>>;
  departments: Map<string, DepartmentView>;
}

/** Estates' props and departments, read per routing (small tables; an admin's edit applies at once on every instance). */
/** Estates' properties and the departments, for routing: reference data, cached (platform/refcache). */
function refs(ctx: AppContext): Promise<RefCache> {
  return cachedRef(ctx, 'dispatch.refs', async () => {
    const [estates, departments] = await Promise.all([listNodes(ctx, systemActor(), { levels: ['estate'], withGeometry: false }), listDepartments(ctx)]);
    return { estates: new Map(estates.map((e) => [e.id, e.props])), departments: new Map(departments.map((d) => [d.code, d])) };
  });
}

/** The active rules in order, cached like the other reference data; a rule change here drops them. */
const activeRules = (ctx: AppContext) => cachedRef(ctx, 'dispatch.rules', async () => (await dispatchRepo.rules(ctx.db, true)).map(view));

const isPolygonal = (g: unknown): g is Polygon | MultiPolygon => {
  const t = (g as { type?: string } | null)?.type;
  return (t === 'Polygon' || t === 'MultiPolygon') && Array.isArray((g as Polygon).coordinates);
};

function contains(area: unknown, lng: number, lat: number): boolean {
  if (!isPolygonal(area)) return false;
  try {
    return booleanPointInPolygon([lng, lat], area);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- evaluation

export interface RouteInput {
  categoryCode: string;
  text?: string | null;
  /** manhole cover type as an attribute (供水/排水/电力/通信/燃气 ...) */
  coverType?: string | null;
  lng?: number | null;
  lat?: number | null;
  /** the point already resolved by the caller (cases intake); resolved here otherwise */
  located?: Located | null;
}

export interface RouteStep {
  ruleId: string;
  name: string;
  kind: RuleKind;
  applies: boolean;
  fired: boolean;
  /** in words, why it fired or not */
  reason: string;
  departmentCode: string | null;
}

export interface RouteResult {
  categoryCode: string;
  categoryName: string;
  defaultDepartment: string;
  departmentCode: string;
  departmentName: string | null;
  ccCodes: string[];
  rule: { id: string; name: string; kind: RuleKind } | null;
  located: Located | null;
  trace: RouteStep[];
}

const appliesTo = (r: RuleView, c: Category) => (r.categoryCodes.length === 0 && r.categoryGroups.length === 0) || r.categoryCodes.includes(c.code) || r.categoryGroups.includes(c.group);

/** The department a cover_type rule gives: the attribute first, otherwise the earliest keyword in the text. */
function coverDepartment(map: Record<string, string>, coverType: string | null | undefined, text: string | null | undefined): { dept: string; key: string; from: 'attribute' | 'text' } | null {
  const keys = Object.keys(map).sort((a, b) => b.length - a.length);
  if (coverType) {
    const k = map[coverType] ? coverType : keys.find((x) => coverType.includes(x));
    if (k) return { dept: map[k]!, key: k, from: 'attribute' };
  }
  if (text) {
    let best: { at: number; key: string } | null = null;
    for (const k of keys) {
      const at = text.indexOf(k);
      if (at >= 0 && (!best || at < best.at)) best = { at, key: k };
    }
    if (best) return { dept: map[best.key]!, key: best.key, from: 'text' };
  }
  return null;
}

async function evaluateRule(ctx: AppContext, r: RuleView, c: Category, input: RouteInput, located: Located | null, ref: RefCache): Promise<{ dept: string | null; reason: string }> {
  const hasPoint = input.lng != null && input.lat != null;
  const usable = (code: string) => ref.departments.get(code)?.active === true;
  switch (r.kind) {
    case 'estate_property': {
      if (!located) return { dept: null, reason: '没有位置，无法判断所在小区' };
      if (!located.estate) return { dept: null, reason: '位置不在任何小区内' };
      const company = ref.estates.get(located.estate.id)?.propertyCompanyCode;
      if (typeof company !== 'string' || !company) return { dept: null, reason: `${located.estate.name}没有物业服务企业（老旧小区）` };
      if (!usable(company)) return { dept: null, reason: `${located.estate.name}的物业服务企业 ${company} 不存在或已停用` };
      return { dept: company, reason: `位于${located.estate.name}，由其物业服务企业处置` };
    }
    case 'service_area': {
      if (!hasPoint) return { dept: null, reason: '没有位置，无法判断服务区域' };
      const target = typeof r.params.departmentCode === 'string' ? r.params.departmentCode : null;
      const candidates = target
        ? [ref.departments.get(target)].filter((d): d is DepartmentView => !!d)
        : [...ref.departments.values()].filter((d) => d.parentCode === c.department);
      const hit = candidates.filter((d) => d.active && contains(d.serviceArea, input.lng!, input.lat!)).sort((a, b) => a.code.localeCompare(b.code))[0];
      if (!hit) return { dept: null, reason: target ? `位置不在 ${target} 的服务区域内` : `${c.department} 没有服务区域覆盖该位置的下属单位` };
      return { dept: hit.code, reason: `位置在${hit.name}的服务区域内` };
    }
    case 'cover_type': {
      const map = (r.params.map ?? {}) as Record<string, string>;
      const found = coverDepartment(map, input.coverType, input.text);
      if (!found) return { dept: null, reason: '未识别出井盖类型' };
      if (!usable(found.dept)) return { dept: null, reason: `井盖类型「${found.key}」对应的部门 ${found.dept} 不存在或已停用` };
      return { dept: found.dept, reason: `井盖类型「${found.key}」（${found.from === 'attribute' ? '属性' : '文本'}）→ 权属单位 ${found.dept}` };
    }
  }
}

/** Routes a category at a point: default department, then the first rule that fires. */
export async function routeCase(ctx: AppContext, input: RouteInput): Promise<RouteResult> {
  const c = await categoryByCode(ctx, input.categoryCode);
  if (!c) throw invalid(`事件分类 ${input.categoryCode} 不存在`);
  const hasPoint = input.lng != null && input.lat != null;
  const located = input.located ?? (hasPoint ? await locatePoint(ctx, input.lng!, input.lat!) : null);
  const [ref, rules] = await Promise.all([refs(ctx), activeRules(ctx)]);
  const trace: RouteStep[] = [];
  let fired: RuleView | null = null;
  let dept = c.department;
  for (const r of rules) {
    const applies = appliesTo(r, c);
    if (!applies || fired) {
      trace.push({ ruleId: r.id, name: r.name, kind: r.kind, applies, fired: false, reason: applies ? '已有规则先行命中' : '不适用于该分类', departmentCode: null });
      continue;
    }
    const res = await evaluateRule(ctx, r, c, input, located, ref);
    trace.push({ ruleId: r.id, name: r.name, kind: r.kind, applies, fired: !!res.dept, reason: res.reason, departmentCode: res.dept });
    if (res.dept) {
      fired = r;
      dept = res.dept;
    }
  }
  return {
    categoryCode: c.code,
    categoryName: c.name,
    defaultDepartment: c.department,
    departmentCode: dept,
    departmentName: ref.departments.get(dept)?.name ?? null,
    ccCodes: c.cc.filter((x) => x !== dept),
    rule: fired ? { id: fired.id, name: fired.name, kind: fired.kind } : null,
    located,
    trace,
  };
}

// ---------------------------------------------------------------- administration

export interface RuleInput {
  name: string;
  kind: RuleKind;
  priority?: number;
  categoryCodes?: string[];
  categoryGroups?: string[];
  params?: Record<string, unknown>;
  active?: boolean;
}

async function checkRule(ctx: AppContext, r: Required<Omit<RuleInput, 'active'>>): Promise<Record<string, unknown>> {
  if (!RULE_KINDS.includes(r.kind)) throw invalid(`规则类型 ${r.kind} 不存在`);
  const cats = await listCategories(ctx);
  const codes = new Set(cats.map((c) => c.code));
  const groups = new Set(cats.map((c) => c.group));
  const badCodes = r.categoryCodes.filter((c) => !codes.has(c));
  if (badCodes.length) throw invalid(`事件分类 ${badCodes.join('、')} 不存在`, [{ field: 'categoryCodes', message: '分类编码不存在' }]);
  const badGroups = r.categoryGroups.filter((g) => !groups.has(g));
  if (badGroups.length) throw invalid(`分类大类 ${badGroups.join('、')} 不存在`, [{ field: 'categoryGroups', message: '大类不存在' }]);
  const depts = new Set((await listDepartments(ctx)).map((d) => d.code));
  switch (r.kind) {
    case 'estate_property':
      return {};
    case 'service_area': {
      const d = r.params.departmentCode;
      if (d === undefined || d === null) return {};
      if (typeof d !== 'string' || !depts.has(d)) throw invalid(`部门 ${String(d)} 不存在`, [{ field: 'params.departmentCode', message: '部门不存在' }]);
      return { departmentCode: d };
    }
    case 'cover_type': {
      const map = r.params.map;
      if (!map || typeof map !== 'object' || Array.isArray(map) || Object.keys(map).length === 0) {
        throw invalid('井盖类型规则须给出类型到部门的对应表 params.map', [{ field: 'params.map', message: '为必填项' }]);
      }
      for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
        if (!k.trim() || k.length > 20) throw invalid(`井盖类型「${k}」须为 1–20 个字`, [{ field: 'params.map', message: '类型名称长度不对' }]);
        if (typeof v !== 'string' || !depts.has(v)) throw invalid(`井盖类型「${k}」对应的部门 ${String(v)} 不存在`, [{ field: 'params.map', message: '部门不存在' }]);
      }
      return { map };
    }
  }
}

export async function listRules(ctx: AppContext): Promise<RuleView[]> {
  return (await dispatchRepo.rules(ctx.db)).map(view);
}

export async function createRule(ctx: AppContext, actor: Actor, input: RuleInput): Promise<RuleView> {
  requirePermission(actor, 'dispatch.rules.write');
  const full = { name: input.name.trim(), kind: input.kind, priority: input.priority ?? 100, categoryCodes: input.categoryCodes ?? [], categoryGroups: input.categoryGroups ?? [], params: input.params ?? {} };
  if (!full.name) throw invalid('规则名称不能为空', [{ field: 'name', message: '为必填项' }]);
  const params = await checkRule(ctx, full);
  const created = await withTx(ctx, async (trx) => {
    const now = ctx.clock.now();
    const id = newId();
    await dispatchRepo.insertRule(trx, { id, name: full.name, kind: full.kind, priority: full.priority, category_codes: full.categoryCodes, category_groups: full.categoryGroups, params, active: input.active ?? true, created_at: now, updated_at: now });
    const row = (await dispatchRepo.ruleById(trx, id))!;
    await audit(trx, ctx.clock, actor, { action: 'dispatch.rule.create', entity: 'dispatch_rule', entityId: id, after: view(row) });
    return view(row);
  });
  dropRef(ctx, 'dispatch.rules');
  return created;
}

export async function updateRule(ctx: AppContext, actor: Actor, id: string, patch: Partial<RuleInput>): Promise<RuleView> {
  requirePermission(actor, 'dispatch.rules.write');
  const current = await dispatchRepo.ruleById(ctx.db, id);
  if (!current) throw notFound('分派规则不存在');
  const b = view(current);
  const full = {
    name: (patch.name ?? b.name).trim(),
    kind: patch.kind ?? b.kind,
    priority: patch.priority ?? b.priority,
    categoryCodes: patch.categoryCodes ?? b.categoryCodes,
    categoryGroups: patch.categoryGroups ?? b.categoryGroups,
    params: patch.params ?? b.params,
  };
  if (!full.name) throw invalid('规则名称不能为空', [{ field: 'name', message: '为必填项' }]);
  // Validated before the transaction: PGlite has one connection, which the transaction holds.
  const params = await checkRule(ctx, full);
  const updated = await withTx(ctx, async (trx) => {
    const before = await dispatchRepo.ruleById(trx, id);
    if (!before) throw notFound('分派规则不存在');
    await dispatchRepo.updateRule(trx, id, { name: full.name, kind: full.kind, priority: full.priority, category_codes: full.categoryCodes, category_groups: full.categoryGroups, params, active: patch.active ?? b.active, updated_at: ctx.clock.now() });
    const after = view((await dispatchRepo.ruleById(trx, id))!);
    await audit(trx, ctx.clock, actor, { action: 'dispatch.rule.update', entity: 'dispatch_rule', entityId: id, before: view(before), after });
    return after;
  });
  dropRef(ctx, 'dispatch.rules');
  return updated;
}

export async function deleteRule(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'dispatch.rules.write');
  await withTx(ctx, async (trx) => {
    const before = await dispatchRepo.ruleById(trx, id);
    if (!before) throw notFound('分派规则不存在');
    await dispatchRepo.deleteRule(trx, id);
    await audit(trx, ctx.clock, actor, { action: 'dispatch.rule.delete', entity: 'dispatch_rule', entityId: id, before: view(before) });
  });
  dropRef(ctx, 'dispatch.rules');
}
