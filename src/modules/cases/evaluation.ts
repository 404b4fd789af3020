import ExcelJS from 'exceljs';
import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import { requirePermission } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/audit/audit.js';
import { invalid } from '../../platform/errors.js';
import { caseRepo } from './repository.js';
import { caseScope, refData, toCsv } from './service.js';

/**
 * Performance evaluation (综合评价). The definitions are in docs/evaluation.md; keep the two in step.
 */
export type GroupBy = 'department' | 'grid' | 'community';

export interface Weights {
  onTime: number;
  satisfaction: number;
  rework: number;
  overdue: number;
}

export interface EvaluationRow {
  group: { id: string; code: string; name: string };
  received: number;
  dispatched: number;
  returned: number;
  dispatchedCorrectly: number;
  correctRate: number | null;
  handled: number;
  acceptedOnTime: number;
  acceptedOnTimeRate: number | null;
  resolvedOnTime: number;
  resolvedOnTimeRate: number | null;
  closed: number;
  closedOnTime: number;
  due: number;
  onTimeClosureRate: number | null;
  overdue: number;
  overdueRate: number | null;
  rework: number;
  reworkRate: number | null;
  reopened: number;
  meanResponseHours: number | null;
  meanHandlingHours: number | null;
  rated: number;
  ratingMean: number | null;
  goodShare: number | null;
  satisfaction: number | null;
  score: number | null;
  rank: number | null;
}

export interface Evaluation {
  groupBy: GroupBy;
  from: string;
  to: string;
  asOf: string;
  weights: Weights;
  rows: EvaluationRow[];
}

const HOUR = 3_600_000;
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : null);
const mean = (xs: number[], d = 2) => (xs.length ? round(xs.reduce((s, x) => s + x, 0) / xs.length, d) : null);
const t = (d: Date | string | null | undefined) => (d ? new Date(d).getTime() : null);

export async function getWeights(ctx: AppContext): Promise<Weights> {
  const w = await caseRepo.weights(ctx.db);
  return { onTime: w.on_time, satisfaction: w.satisfaction, rework: w.rework, overdue: w.overdue };
}

export async function setWeights(ctx: AppContext, actor: Actor, w: Weights): Promise<Weights> {
  requirePermission(actor, 'cases.evaluation.weights');
  for (const [k, v] of Object.entries(w)) if (!Number.isFinite(v) || v < 0 || v > 1000) throw invalid('权重须为 0–1000 的数', [{ field: k, message: '须为 0–1000' }]);
  if (w.onTime + w.satisfaction <= 0) throw invalid('按时结案率与满意度的权重之和须大于 0', [{ field: 'onTime', message: '与 satisfaction 之和须大于 0' }]);
  return withTx(ctx, async (trx) => {
    const before = await caseRepo.weights(trx);
    await caseRepo.setWeights(trx, { on_time: w.onTime, satisfaction: w.satisfaction, rework: w.rework, overdue: w.overdue, updated_at: ctx.clock.now(), updated_by: actor.userId });
    await audit(trx, ctx.clock, actor, { action: 'cases.evaluation.weights', entity: 'evaluation_weights', entityId: '1', before: { onTime: before.on_time, satisfaction: before.satisfaction, rework: before.rework, overdue: before.overdue }, after: w });
    return w;
  });
}

/** The composite score: positive weights reward, negative ones punish, normalised so that a perfect group scores 100. */
export function compositeScore(w: Weights, r: { onTimeClosureRate: number | null; satisfaction: number | null; reworkRate: number | null; overdueRate: number | null }): number | null {
  if (r.onTimeClosureRate === null) return null;
  const positive = w.onTime + (r.satisfaction === null ? 0 : w.satisfaction);
  if (positive <= 0) return null;
  const raw = w.onTime * r.onTimeClosureRate + (r.satisfaction === null ? 0 : w.satisfaction * r.satisfaction) - w.rework * (r.reworkRate ?? 0) - w.overdue * (r.overdueRate ?? 0);
  return Math.round(Math.max(0, Math.min(100, (100 * raw) / positive)) * 10) / 10;
}

type EvalCase = Awaited<ReturnType<typeof caseRepo.evaluationRows>>['cases'][number];

export async function evaluate(ctx: AppContext, actor: Actor, q: { groupBy: GroupBy; from?: string; to?: string }): Promise<Evaluation> {
  requirePermission(actor, 'cases.evaluate');
  const now = ctx.clock.now();
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * 86_400_000);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw invalid('日期格式不正确', [{ field: 'from', message: '须为 ISO 日期' }]);
  if (from.getTime() >= to.getTime()) throw invalid('开始时间须早于结束时间', [{ field: 'from', message: '须早于 to' }]);
  const scope = caseScope(actor);
  const { cases, events } = await caseRepo.evaluationRows(ctx.db, { scope, from, to });
  const weights = await getWeights(ctx);
  const ref = await refData(ctx);
  const nowMs = now.getTime();

  // per case: departments it was dispatched to, and that returned it
  const dispatchedTo = new Map<string, Set<string>>();
  const returnedBy = new Map<string, Set<string>>();
  for (const e of events) {
    if (!e.department_id) continue;
    const m = e.action === 'returned' ? returnedBy : e.action === 'dispatched' ? dispatchedTo : null;
    if (!m) continue;
    if (!m.has(e.case_id)) m.set(e.case_id, new Set());
    m.get(e.case_id)!.add(e.department_id);
  }

  // population of each group, and its handled subset
  const groups = new Map<string, { population: EvalCase[]; handled: EvalCase[]; dispatched: number; returned: number }>();
  const g = (key: string) => {
    if (!groups.has(key)) groups.set(key, { population: [], handled: [], dispatched: 0, returned: 0 });
    return groups.get(key)!;
  };
  if (q.groupBy === 'department') {
    for (const c of cases) {
      for (const d of dispatchedTo.get(c.id) ?? []) {
        const x = g(d);
        x.population.push(c);
        x.dispatched++;
        if (returnedBy.get(c.id)?.has(d)) x.returned++;
        if (c.department_id === d && c.dispatched_at) x.handled.push(c);
      }
    }
  } else {
    for (const c of cases) {
      const key = q.groupBy === 'grid' ? c.grid_id : c.community_id;
      if (!key) continue;
      const x = g(key);
      x.population.push(c);
      if (dispatchedTo.has(c.id)) x.dispatched++;
      if (returnedBy.has(c.id)) x.returned++;
      if (c.dispatched_at && c.department_id) x.handled.push(c);
    }
  }

  const rows: EvaluationRow[] = [];
  for (const [key, x] of groups) {
    const H = x.handled;
    const acceptedOnTime = H.filter((c) => c.accepted_at && c.accept_due_at && t(c.accepted_at)! <= t(c.accept_due_at)!).length;
    const resolvedOnTime = H.filter((c) => c.resolved_at && c.deadline_at && t(c.resolved_at)! <= t(c.deadline_at)!).length;
    const closed = H.filter((c) => c.state === 'closed');
    const closedOnTime = closed.filter((c) => c.resolved_at && c.deadline_at && t(c.resolved_at)! <= t(c.deadline_at)!).length;
    const due = H.filter((c) => c.state === 'closed' || (c.deadline_at && t(c.deadline_at)! <= nowMs)).length;
    const overdue = H.filter((c) => {
      if (c.overdue_at) return true;
      if (!c.deadline_at || c.state === 'suspended') return false;
      const end = c.resolved_at ? t(c.resolved_at)! : nowMs;
      return end > t(c.deadline_at)!;
    }).length;
    const rework = H.filter((c) => c.rework_count > 0).length;
    const reopened = H.filter((c) => c.reopen_count > 0).length;
    const response = H.filter((c) => c.accepted_at && c.dispatched_at).map((c) => (t(c.accepted_at)! - t(c.dispatched_at)!) / HOUR);
    const handling = H.filter((c) => c.resolved_at && c.accepted_at).map((c) => (t(c.resolved_at)! - t(c.accepted_at)!) / HOUR);
    const ratings = H.filter((c) => c.rating !== null).map((c) => c.rating!);
    const ratingMean = mean(ratings, 4);
    const r = {
      onTimeClosureRate: ratio(closedOnTime, due),
      satisfaction: ratingMean === null ? null : round((ratingMean - 1) / 4),
      reworkRate: ratio(rework, H.length),
      overdueRate: ratio(overdue, H.length),
    };
    let name = key;
    let code = key;
    if (q.groupBy === 'department') {
      const d = ref.depts.get(key);
      name = d?.name ?? key;
      code = d?.code ?? key;
    } else {
      const n = ref.nodes.get(key);
      name = n?.name ?? key;
      code = n?.code ?? key;
    }
    rows.push({
      group: { id: key, code, name },
      received: x.population.length,
      dispatched: x.dispatched,
      returned: x.returned,
      dispatchedCorrectly: x.dispatched - x.returned,
      correctRate: ratio(x.dispatched - x.returned, x.dispatched),
      handled: H.length,
      acceptedOnTime,
      acceptedOnTimeRate: ratio(acceptedOnTime, H.length),
      resolvedOnTime,
      resolvedOnTimeRate: ratio(resolvedOnTime, H.length),
      closed: closed.length,
      closedOnTime,
      due,
      onTimeClosureRate: r.onTimeClosureRate,
      overdue,
      overdueRate: r.overdueRate,
      rework,
      reworkRate: r.reworkRate,
      reopened,
      meanResponseHours: mean(response),
      meanHandlingHours: mean(handling),
      rated: ratings.length,
      ratingMean: ratingMean === null ? null : round(ratingMean, 2),
      goodShare: ratio(ratings.filter((v) => v >= 4).length, ratings.length),
      satisfaction: r.satisfaction,
      score: compositeScore(weights, r),
      rank: null,
    });
  }
  rows.sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.group.code.localeCompare(b.group.code));
  let rank = 0;
  for (const row of rows) if (row.score !== null) row.rank = ++rank;
  return { groupBy: q.groupBy, from: from.toISOString(), to: to.toISOString(), asOf: now.toISOString(), weights, rows };
}

const pct = (x: number | null) => (x === null ? '' : `${Math.round(x * 1000) / 10}%`);

const COLUMNS: Array<[string, (r: EvaluationRow) => string | number | null]> = [
  ['排名', (r) => r.rank],
  ['编码', (r) => r.group.code],
  ['名称', (r) => r.group.name],
  ['受理数', (r) => r.received],
  ['派遣数', (r) => r.dispatched],
  ['派遣准确数', (r) => r.dispatchedCorrectly],
  ['派遣准确率', (r) => pct(r.correctRate)],
  ['处置数', (r) => r.handled],
  ['按时签收数', (r) => r.acceptedOnTime],
  ['按时处置数', (r) => r.resolvedOnTime],
  ['应结数', (r) => r.due],
  ['按时结案数', (r) => r.closedOnTime],
  ['按时结案率', (r) => pct(r.onTimeClosureRate)],
  ['超时数', (r) => r.overdue],
  ['返工数', (r) => r.rework],
  ['重新办理数', (r) => r.reopened],
  ['平均响应时长(小时)', (r) => r.meanResponseHours],
  ['平均处置时长(小时)', (r) => r.meanHandlingHours],
  ['评价数', (r) => r.rated],
  ['平均评分', (r) => r.ratingMean],
  ['满意率(4–5分)', (r) => pct(r.goodShare)],
  ['综合得分', (r) => r.score],
];

export function evaluationCsv(e: Evaluation): string {
  return toCsv(
    COLUMNS.map((c) => c[0]),
    e.rows.map((r) => COLUMNS.map((c) => c[1](r))),
  );
}

export async function evaluationXlsx(e: Evaluation): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'OneGrid';
  const ws = wb.addWorksheet('综合评价');
  ws.addRow([`综合评价（${e.groupBy === 'department' ? '按部门' : e.groupBy === 'grid' ? '按网格' : '按社区'}）`, `${e.from} 至 ${e.to}`]);
  ws.addRow([`权重：按时结案率 ${e.weights.onTime}，满意度 ${e.weights.satisfaction}，返工 −${e.weights.rework}，超时 −${e.weights.overdue}`]);
  const header = ws.addRow(COLUMNS.map((c) => c[0]));
  header.font = { bold: true };
  for (const r of e.rows) ws.addRow(COLUMNS.map((c) => c[1](r)));
  ws.columns.forEach((c) => (c.width = 14));
  return Buffer.from(await wb.xlsx.writeBuffer());
}
