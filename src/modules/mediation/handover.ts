/**
 * The handover from `cases`: a case of a 矛盾纠纷 category dispatched to the 矛盾纠纷调处中心 (TJ)
 * becomes a dispute that keeps the link, and the case hears back when the mediation concludes.
 * Reads and writes cases only through the cases module's exported service functions.
 */
import type { AppContext } from '../../platform/context.js';
import { systemActor, type Actor } from '../../platform/auth/actor.js';
import { invalid } from '../../platform/errors.js';
import { acceptCase, appendCaseNote, getCase, listCases, resolveCase } from '../cases/index.js';
import { departmentByCode } from '../org/index.js';
import { createDisputeFromCase } from './service.js';
import { CATEGORY_TYPES } from './rules.js';
import type { RiskLevel } from './repository.js';

export const CENTER_DEPARTMENT = 'TJ';

/** Hands one case over (idempotent: a second call returns the dispute made the first time). */
export async function handoverCase(ctx: AppContext, actor: Actor, caseId: string, extra: { respondentName?: string; riskLevel?: RiskLevel } = {}): Promise<{ id: string; created: boolean }> {
  const view = await getCase(ctx, actor, caseId); // the caller must see the case (404 otherwise)
  const isDispute = (view.category && CATEGORY_TYPES[view.category.code]) || view.department?.code === CENTER_DEPARTMENT;
  if (!isDispute) throw invalid('该案卷不属于矛盾纠纷类，不能转入调解', [{ field: 'caseId', message: '须为矛盾纠纷类案卷或已派遣至矛盾纠纷调处中心' }]);
  if (!view.grid) throw invalid('案卷没有所在网格，不能转入调解');
  // the reporter becomes the applicant: their contact is copied encrypted (the read is logged)
  const full = await getCase(ctx, systemActor(actor.requestId), caseId, { reveal: true });
  const r = await createDisputeFromCase(ctx, actor, {
    caseId,
    caseNumber: view.number,
    categoryCode: view.category?.code ?? null,
    description: view.description,
    nodePath: view.grid.path,
    address: view.address,
    reporter: full.anonymous ? null : full.reporter,
    respondentName: extra.respondentName,
    riskLevel: extra.riskLevel ?? (view.priority === 'urgent' ? 'high' : view.priority === 'high' ? 'medium' : 'low'),
  });
  if (r.created) {
    const sys = systemActor(actor.requestId);
    try {
      const c = await getCase(ctx, sys, caseId);
      if (c.state === 'dispatched' && c.department?.code === CENTER_DEPARTMENT) await acceptCase(ctx, sys, caseId, { version: c.version, note: '矛盾纠纷调处中心已签收，转入调解' });
      await appendCaseNote(ctx, sys, caseId, '已转入矛盾纠纷调解', { disputeId: r.id });
    } catch (err) {
      ctx.log.warn({ err, caseId }, 'mediation: could not acknowledge the case');
    }
  }
  return r;
}

/** After a dispute from a case concludes: the center's feedback on the case (it then goes to verification). */
export async function feedbackToCase(ctx: AppContext, caseId: string, note: string): Promise<void> {
  const sys = systemActor();
  try {
    let c = await getCase(ctx, sys, caseId);
    if (c.state === 'dispatched') c = await acceptCase(ctx, sys, caseId, { version: c.version });
    if (c.state === 'accepted' || c.state === 'rework') await resolveCase(ctx, sys, caseId, { version: c.version, note });
    else await appendCaseNote(ctx, sys, caseId, note);
  } catch (err) {
    ctx.log.warn({ err, caseId }, 'mediation: could not report back to the case');
  }
}

interface HandoverState {
  unsubscribe: () => void;
  inFlight: Set<Promise<unknown>>;
}
const states = new WeakMap<AppContext, HandoverState>();

function track(ctx: AppContext, p: Promise<unknown>): void {
  const st = states.get(ctx);
  if (!st) return;
  const q = p.catch((err) => ctx.log.warn({ err }, 'mediation: case handover failed')).finally(() => st.inFlight.delete(q));
  st.inFlight.add(q);
}

/** Waits for the handovers and feedback started by events (tests, shutdown). */
export async function settleHandovers(ctx: AppContext): Promise<void> {
  const st = states.get(ctx);
  while (st && st.inFlight.size) await Promise.all([...st.inFlight]);
}

const REFERRAL_TO: Record<string, string> = { court: '人民法院', arbitration: '仲裁机构', petition: '信访部门', administrative: '行政机关' };

/** What the case's timeline says when the dispute it became concludes; null when nothing to report yet. */
export function feedbackNote(type: string, data: Record<string, unknown>): string | null {
  const number = String(data.number ?? '');
  const referral = data.referral as { to?: string; institution?: string } | null | undefined;
  if (referral && (type === 'mediation.outcome' || type === 'mediation.referred')) return `调解未成功（${number}），已引导至${referral.institution ?? REFERRAL_TO[referral.to ?? ''] ?? ''}`;
  if (type === 'mediation.outcome' && data.outcome === 'agreement') return `经调解达成协议（${number}），将于7日、30日回访履行情况`;
  if (type === 'mediation.outcome' && data.outcome === 'partial') return `经调解部分达成协议（${number}）`;
  if (type === 'mediation.rejected') return `调解申请不予受理（${number}）：${String(data.reason ?? '')}`;
  return null;
}

/**
 * Subscribes to case dispatches to the center, and catches up on cases dispatched while this
 * instance was down (the event bus is in-process, so the start-up sweep closes the gap).
 */
export async function startHandover(ctx: AppContext): Promise<void> {
  if (states.has(ctx)) return;
  const st: HandoverState = { unsubscribe: () => {}, inFlight: new Set() };
  states.set(ctx, st);
  st.unsubscribe = ctx.events.subscribe((e) => {
    if (e.type === 'case.dispatched' && e.data.departmentCode === CENTER_DEPARTMENT && typeof e.data.caseId === 'string') {
      track(ctx, handoverCase(ctx, systemActor(), e.data.caseId));
      return;
    }
    if (e.type.startsWith('mediation.') && typeof e.data.caseId === 'string') {
      const note = feedbackNote(e.type, e.data);
      if (note) track(ctx, feedbackToCase(ctx, e.data.caseId, note));
    }
  });
  const dept = await departmentByCode(ctx, CENTER_DEPARTMENT);
  if (!dept) return;
  const sys = systemActor();
  const page = await listCases(ctx, sys, { departmentId: dept.id, state: ['dispatched', 'accepted'], page: 1, pageSize: 200 });
  for (const c of page.items) {
    try {
      await handoverCase(ctx, sys, c.id);
    } catch (err) {
      ctx.log.warn({ err, caseId: c.id }, 'mediation: catch-up handover failed');
    }
  }
}

export async function stopHandover(ctx: AppContext): Promise<void> {
  const st = states.get(ctx);
  if (!st) return;
  st.unsubscribe();
  await settleHandovers(ctx);
  states.delete(ctx);
}
