import type { Choice, VoteMethod, VoteRule } from './repository.js';

/**
 * Counting rules (pure; areas in hundredths of m², so every comparison is exact integer arithmetic).
 *
 * - simple (居民会议/居民代表会议, one ballot per adult resident): valid when more than half of the
 *   electorate took part; passed when more than half of the ballots cast agree.
 * - double_majority (《民法典》第二百七十八条, ordinary matters of owners): valid when owners holding
 *   at least 2/3 of the floor area and at least 2/3 of the owners took part; passed when owners holding
 *   more than half of the participating area and more than half of the participating owners agree.
 * - double_three_quarters (art. 278 items 6–8: maintenance fund, rebuilding, change of use of common
 *   parts — e.g. 加装电梯): the same participation, and agreement of at least 3/4 of the participating
 *   area and at least 3/4 of the participating owners.
 * - two_thirds (one ballot per person or per household): valid as `simple`; passed when at least two
 *   thirds of the ballots cast agree.
 * A vote may set its own quorum (`quorumPct`, percent of the electorate, and of the floor area for
 * the area rules) in place of the rule's default participation.
 */
export interface TallyInput {
  rule: VoteRule;
  method: VoteMethod;
  eligibleCount: number;
  /** hundredths of m² */
  eligibleArea: number;
  /** participation needed, percent of the electorate (and of the area, for the area rules); null: the rule's default */
  quorumPct?: number | null;
  counts: Record<Choice, number>;
  /** hundredths of m² per choice */
  areas: Record<Choice, number>;
}

export interface TallyResult {
  rule: VoteRule;
  quorumPct: number | null;
  eligibleCount: number;
  eligibleAreaM2: number;
  participated: number;
  participatedAreaM2: number;
  /** share of the electorate that took part (0..1) */
  turnout: number;
  areaTurnout: number | null;
  counts: Record<Choice, number>;
  areasM2: Record<Choice, number> | null;
  quorumMet: boolean;
  countPassed: boolean;
  areaPassed: boolean | null;
  passed: boolean;
  /** a sentence in Chinese explaining the outcome */
  explanation: string;
}

const m2 = (c: number) => Math.round(c) / 100;
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const pct = (a: number, b: number) => `${(ratio(a, b) * 100).toFixed(1)}%`;

export const RULE_LABEL: Record<VoteRule, string> = {
  simple: '过半数通过',
  two_thirds: '三分之二以上通过',
  double_majority: '双过半（面积与人数均过半数）',
  double_three_quarters: '双四分之三（面积与人数均达四分之三）',
};

export function tally(i: TallyInput): TallyResult {
  const n = i.counts.agree + i.counts.oppose + i.counts.abstain;
  const a = i.areas.agree + i.areas.oppose + i.areas.abstain;
  const byArea = i.rule === 'double_majority' || i.rule === 'double_three_quarters';
  let quorumMet: boolean;
  let countPassed: boolean;
  let areaPassed: boolean | null = null;
  const q = i.quorumPct ?? null;
  if (!byArea) {
    quorumMet = i.eligibleCount > 0 && (q !== null ? 100 * n >= q * i.eligibleCount : 2 * n > i.eligibleCount);
    countPassed = i.rule === 'two_thirds' ? n > 0 && 3 * i.counts.agree >= 2 * n : 2 * i.counts.agree > n;
  } else {
    quorumMet = i.eligibleCount > 0 && (q !== null ? 100 * n >= q * i.eligibleCount && 100 * a >= q * i.eligibleArea : 3 * n >= 2 * i.eligibleCount && 3 * a >= 2 * i.eligibleArea);
    if (i.rule === 'double_majority') {
      countPassed = 2 * i.counts.agree > n;
      areaPassed = 2 * i.areas.agree > a;
    } else {
      countPassed = n > 0 && 4 * i.counts.agree >= 3 * n;
      areaPassed = a > 0 && 4 * i.areas.agree >= 3 * a;
    }
  }
  const passed = quorumMet && countPassed && (areaPassed ?? true);

  let explanation: string;
  const who = i.method === 'resident' ? '居民' : i.method === 'household' ? '户' : '业主';
  const need = q !== null ? `${q}%` : byArea ? '三分之二' : '半数';
  if (!quorumMet) {
    explanation = byArea
      ? `参与表决的${who}人数占 ${pct(n, i.eligibleCount)}、专有面积占 ${pct(a, i.eligibleArea)}，未同时达到${need}，表决无效`
      : `参与表决的${who}占 ${pct(n, i.eligibleCount)}，未${q !== null ? '达到' : '过'}${need}，表决无效`;
  } else if (!byArea) {
    const bar = i.rule === 'two_thirds' ? '三分之二' : '半数';
    const ok = i.rule === 'two_thirds' ? '已达三分之二' : '已过半数';
    explanation = `同意票占参与表决的 ${pct(i.counts.agree, n)}，${countPassed ? `${ok}，表决通过` : `未${i.rule === 'two_thirds' ? '达' : '过'}${bar}，未通过`}`;
  } else {
    const need = i.rule === 'double_majority' ? '过半数' : '四分之三以上';
    const parts = `同意的${who}人数占参与表决的 ${pct(i.counts.agree, n)}、面积占 ${pct(i.areas.agree, a)}`;
    explanation = passed ? `${parts}，人数与面积均达${need}，表决通过` : `${parts}，${countPassed ? '' : '人数'}${!countPassed && !areaPassed ? '与' : ''}${areaPassed ? '' : '面积'}未达${need}，未通过`;
  }

  return {
    rule: i.rule,
    quorumPct: q,
    eligibleCount: i.eligibleCount,
    eligibleAreaM2: m2(i.eligibleArea),
    participated: n,
    participatedAreaM2: m2(a),
    turnout: ratio(n, i.eligibleCount),
    areaTurnout: byArea || i.method === 'owner' ? ratio(a, i.eligibleArea) : null,
    counts: { ...i.counts },
    areasM2: i.method === 'owner' ? { agree: m2(i.areas.agree), oppose: m2(i.areas.oppose), abstain: m2(i.areas.abstain) } : null,
    quorumMet,
    countPassed,
    areaPassed,
    passed,
    explanation,
  };
}
