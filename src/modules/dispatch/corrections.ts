import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { invalid } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { categoryByCode, listCategories, specCategories } from './categories.js';
import { readSplit } from './corpus.js';
import { evaluate, type Evaluation } from './evaluate.js';
import type { Classifier, Example } from './model.js';
import { dispatchRepo, type CorrectionRow } from './repository.js';
import { getClassifier } from './service.js';

/** How much a dispatcher's correction counts in training, against 1 for a corpus line. */
export const CORRECTION_WEIGHT = 3;

export interface CorrectionView {
  id: string;
  caseId: string | null;
  text: string;
  predictedCode: string | null;
  correctedCode: string;
  actorName: string | null;
  createdAt: string;
}

const view = (r: CorrectionRow): CorrectionView => ({
  id: r.id,
  caseId: r.case_id,
  text: r.text,
  predictedCode: r.predicted_code,
  correctedCode: r.corrected_code,
  actorName: r.actor_name,
  createdAt: new Date(r.created_at).toISOString(),
});

export interface CorrectionInput {
  caseId?: string | null;
  text: string;
  /** the category the case had (the classifier's, or the reporter's); null when it had none */
  predictedCode: string | null;
  correctedCode: string;
}

/**
 * Stores a correction of a category, for the next training run: `POST /api/dispatch/corrections`
 * (entered by hand) and `captureCaseCorrection` (a dispatcher's choice on a case, in the case's
 * transaction — pass it as `trx`). The caller has already checked the actor may do that, so no
 * permission is checked here. Returns null, storing nothing, when the category did not change.
 */
export async function recordCorrection(ctx: AppContext, actor: Actor, input: CorrectionInput, trx?: Tx): Promise<CorrectionView | null> {
  const text = input.text.trim();
  if (!text) throw invalid('纠正记录须有事件描述', [{ field: 'text', message: '不能为空' }]);
  // Read through the caller's transaction when there is one (PGlite has a single connection).
  const codes = new Set((await listCategories(ctx, trx ?? ctx.db)).map((c) => c.code));
  if (!codes.has(input.correctedCode)) throw invalid(`事件分类 ${input.correctedCode} 不存在`, [{ field: 'correctedCode', message: '分类不存在' }]);
  if (input.predictedCode && !codes.has(input.predictedCode)) throw invalid(`事件分类 ${input.predictedCode} 不存在`, [{ field: 'predictedCode', message: '分类不存在' }]);
  if (input.predictedCode === input.correctedCode) return null;
  const run = async (t: Tx) => {
    const row: CorrectionRow = {
      id: newId(),
      case_id: input.caseId ?? null,
      text: text.slice(0, 2000),
      predicted_code: input.predictedCode ?? null,
      corrected_code: input.correctedCode,
      actor_id: actor.userId,
      actor_name: actor.displayName,
      created_at: ctx.clock.now(),
    };
    await dispatchRepo.insertCorrection(t, row);
    await audit(t, ctx.clock, actor, { action: 'dispatch.correction.create', entity: 'dispatch_correction', entityId: row.id, after: { caseId: row.case_id, predictedCode: row.predicted_code, correctedCode: row.corrected_code } });
    return view(row);
  };
  return trx ? run(trx) : withTx(ctx, run);
}

/** The classifier's top suggestion kept in a case's intake advice (`explanation.suggestions[0]`), if any. */
export function suggestedCodeOf(advice: unknown): string | null {
  let a = advice;
  if (typeof a === 'string') {
    try {
      a = JSON.parse(a) as unknown;
    } catch {
      return null;
    }
  }
  const s = (a as { explanation?: { suggestions?: Array<{ code?: unknown }> } } | null)?.explanation?.suggestions?.[0]?.code;
  return typeof s === 'string' ? s : null;
}

export interface CaseCategoryChoice {
  caseId: string;
  /** the case's description */
  text: string;
  /** the category the case had before (the classifier's, the reporter's or a person's earlier choice); null when it had none */
  previousCode: string | null;
  /** the case's intake advice: its top suggestion stands for the prediction of a case that had no category (triage) */
  advice: unknown;
  /** the category the person chose */
  chosenCode: string;
}

/**
 * Cases calls this inside the transaction of every step in which a person files or dispatches a
 * case with a category. The prediction is the category the case had, or — for a case waiting in
 * triage without one — the classifier's top suggestion; when the person chose another category,
 * that is a correction and is stored (with its audit row) in the same transaction. The system
 * actor (IoT, automatic dispatch) makes no corrections. Returns the stored correction, or null.
 */
export async function captureCaseCorrection(ctx: AppContext, actor: Actor, input: CaseCategoryChoice, trx: Tx): Promise<CorrectionView | null> {
  if (actor.userId === null) return null;
  const predicted = input.previousCode ?? suggestedCodeOf(input.advice);
  if (predicted === input.chosenCode || !input.text.trim()) return null;
  // A prediction that names no known category (an older model's label) counts as none rather than failing the step.
  const known = predicted !== null && (await listCategories(ctx, trx)).some((c) => c.code === predicted);
  return recordCorrection(ctx, actor, { caseId: input.caseId, text: input.text, predictedCode: known ? predicted : null, correctedCode: input.chosenCode }, trx);
}

export async function listCorrections(ctx: AppContext, page: { page: number; pageSize: number }): Promise<{ items: CorrectionView[]; total: number; page: number; pageSize: number }> {
  const [rows, total] = await Promise.all([dispatchRepo.corrections(ctx.db, { limit: page.pageSize, offset: (page.page - 1) * page.pageSize }), dispatchRepo.correctionCount(ctx.db)]);
  return { items: rows.map(view), total, page: page.page, pageSize: page.pageSize };
}

/** Corrections as weighted training examples (`npm run train` and in-process retraining). */
export async function correctionExamples(db: Executor, weight = CORRECTION_WEIGHT): Promise<Example[]> {
  if (!(await dispatchRepo.hasCorrectionsTable(db))) return [];
  return (await dispatchRepo.corrections(db)).map((r) => ({ text: r.text, label: r.corrected_code, weight }));
}

// ---------------------------------------------------------------- statistics for the admin page

const heldoutCache = new WeakMap<Classifier, Evaluation>();

function heldoutEvaluation(ctx: AppContext, clf: Classifier): Evaluation {
  let ev = heldoutCache.get(clf);
  if (!ev) {
    const dept = new Map(specCategories().map((c) => [c.code, c.department]));
    ev = evaluate(clf, readSplit('heldout'), (c) => dept.get(c), ctx.config.classifyThreshold);
    heldoutCache.set(clf, ev);
  }
  return ev;
}

export interface DispatchStats {
  model: { trainedAt: string; features: number; temperature: number; meta: Record<string, unknown> };
  /** the loaded model on the held-out split (which training never sees) */
  heldout: Omit<Evaluation, 'latency'>;
  corrections: {
    total: number;
    /** rows predicted (null = none), columns corrected */
    confusion: { labels: string[]; matrix: number[][]; uncategorised: number[] };
    pairs: Array<{ predicted: string | null; predictedName: string | null; corrected: string; correctedName: string; count: number }>;
    /** categories most often corrected away from (the model's or the reporter's choice was wrong) */
    mostCorrected: Array<{ code: string; name: string; count: number }>;
    /** categories most often corrected to (what the model misses) */
    mostMissed: Array<{ code: string; name: string; count: number }>;
  };
}

export async function dispatchStats(ctx: AppContext): Promise<DispatchStats> {
  const clf = getClassifier();
  const { latency: _latency, ...heldout } = heldoutEvaluation(ctx, clf);
  const labels = clf.labels;
  const li = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  const uncategorised = labels.map(() => 0);
  const pairs = await dispatchRepo.correctionPairs(ctx.db);
  const from = new Map<string, number>();
  const to = new Map<string, number>();
  let total = 0;
  for (const p of pairs) {
    total += p.count;
    const q = li.get(p.corrected);
    if (q === undefined) continue;
    to.set(p.corrected, (to.get(p.corrected) ?? 0) + p.count);
    if (p.predicted === null) uncategorised[q]! += p.count;
    else {
      from.set(p.predicted, (from.get(p.predicted) ?? 0) + p.count);
      const g = li.get(p.predicted);
      if (g !== undefined) matrix[g]![q]! += p.count;
    }
  }
  const nameOf = async (code: string) => (await categoryByCode(ctx, code))?.name ?? code;
  const rank = async (m: Map<string, number>) =>
    Promise.all(
      [...m.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 10)
        .map(async ([code, count]) => ({ code, name: await nameOf(code), count })),
    );
  return {
    model: { trainedAt: clf.trainedAt, features: clf.featureCount, temperature: clf.temperature, meta: clf.meta },
    heldout,
    corrections: {
      total,
      confusion: { labels, matrix, uncategorised },
      pairs: await Promise.all(
        pairs
          .sort((a, b) => b.count - a.count)
          .map(async (p) => ({ predicted: p.predicted, predictedName: p.predicted ? await nameOf(p.predicted) : null, corrected: p.corrected, correctedName: await nameOf(p.corrected), count: p.count })),
      ),
      mostCorrected: await rank(from),
      mostMissed: await rank(to),
    },
  };
}
