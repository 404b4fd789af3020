import type { CreditKind, EvaluatorKind, Weights } from './repository.js';

/** Default weights of a project's evaluation: residents, staff, a third party. */
export const DEFAULT_WEIGHTS: Weights = { resident: 0.4, staff: 0.3, third_party: 0.3 };
export const EVALUATOR_NAMES: Record<EvaluatorKind, string> = { resident: '居民', staff: '工作人员', third_party: '第三方' };

export interface WeightedGroup {
  kind: EvaluatorKind;
  count: number;
  average: number | null;
  weight: number;
  /** the weight after renormalising over the groups that evaluated */
  effectiveWeight: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The project's score: each group's average, weighted; a group with no evaluation drops out and the
 * other groups' weights are renormalised to sum to 1. Null when nobody evaluated.
 */
export function weightedScore(evals: Array<{ kind: EvaluatorKind; score: number }>, weights: Weights): { score: number | null; groups: WeightedGroup[] } {
  const kinds: EvaluatorKind[] = ['resident', 'staff', 'third_party'];
  const raw = kinds.map((kind) => {
    const xs = evals.filter((e) => e.kind === kind).map((e) => e.score);
    return { kind, count: xs.length, average: xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null, weight: weights[kind] ?? 0 };
  });
  const present = raw.filter((g) => g.average !== null && g.weight > 0);
  const wsum = present.reduce((s, g) => s + g.weight, 0);
  const groups = raw.map((g) => ({ ...g, average: g.average === null ? null : round2(g.average), effectiveWeight: g.average !== null && wsum > 0 ? round2(g.weight / wsum) : 0 }));
  if (wsum === 0) return { score: null, groups };
  return { score: round2(present.reduce((s, g) => s + g.average! * g.weight, 0) / wsum), groups };
}

/** Projects pay their points in proportion to the score, and nothing below a pass (60). */
export const PASS_SCORE = 60;
export function pointsForScore(offered: number, score: number): number {
  return score < PASS_SCORE ? 0 : Math.round((offered * score) / 100);
}

export interface CreditResult {
  score: number;
  level: 'AAA' | 'AA' | 'A' | 'B';
  onTime: number;
  late: number;
  evaluations: number;
  averageEvaluation: number | null;
  points: number;
  violations: number;
}

export const CREDIT_LEVEL_NAMES: Record<CreditResult['level'], string> = { AAA: '优秀', AA: '良好', A: '合格', B: '待提升' };

/**
 * A partner's credit (0–100) from its record:
 * - delivery, 40: on-time share with one imagined on-time delivery, (onTime + 1) / (onTime + late + 1)
 * - evaluations, 40: average project score / 100 (70 when there is none yet)
 * - points earned, 20: min(1, points / 1000)
 * - each violation −10.
 * Levels: AAA ≥ 85, AA ≥ 70, A ≥ 55, otherwise B.
 */
export function creditOf(events: Array<{ kind: CreditKind; value: number }>): CreditResult {
  const onTime = events.filter((e) => e.kind === 'on_time').length;
  const late = events.filter((e) => e.kind === 'late').length;
  const evals = events.filter((e) => e.kind === 'evaluation').map((e) => Number(e.value));
  const points = events.filter((e) => e.kind === 'points').reduce((s, e) => s + Number(e.value), 0);
  const violations = events.filter((e) => e.kind === 'violation').length;
  const avg = evals.length ? evals.reduce((s, x) => s + x, 0) / evals.length : null;
  const raw = 40 * ((onTime + 1) / (onTime + late + 1)) + 40 * ((avg ?? 70) / 100) + 20 * Math.min(1, points / 1000) - 10 * violations;
  const score = Math.max(0, Math.min(100, Math.round(raw * 10) / 10));
  const level = score >= 85 ? 'AAA' : score >= 70 ? 'AA' : score >= 55 ? 'A' : 'B';
  return { score, level, onTime, late, evaluations: evals.length, averageEvaluation: avg === null ? null : round2(avg), points, violations };
}
