import { describe, expect, it } from 'vitest';
import { tally, type TallyInput } from './tally.js';

const owner = (eligibleCount: number, eligibleArea: number, counts: [number, number, number], areas: [number, number, number], rule: TallyInput['rule'] = 'double_majority'): TallyInput => ({
  rule,
  method: 'owner',
  eligibleCount,
  eligibleArea,
  counts: { agree: counts[0], oppose: counts[1], abstain: counts[2] },
  areas: { agree: areas[0], oppose: areas[1], abstain: areas[2] },
});

describe('tally: Civil Code art. 278 double majority', () => {
  it('needs two thirds of the owners AND of the floor area to take part', () => {
    // 9 owners, 900 m²; 6 took part (exactly 2/3) holding exactly 600 m² (2/3): valid
    const ok = tally(owner(9, 90000, [6, 0, 0], [60000, 0, 0]));
    expect(ok.quorumMet).toBe(true);
    expect(ok.passed).toBe(true);
    // 6 owners but only 599.99 m²: below 2/3 of the area, invalid
    const lowArea = tally(owner(9, 90000, [6, 0, 0], [59999, 0, 0]));
    expect(lowArea.quorumMet).toBe(false);
    expect(lowArea.passed).toBe(false);
    expect(lowArea.explanation).toMatch(/未同时达到三分之二/);
    // 5 owners holding 800 m²: enough area, too few owners
    const lowCount = tally(owner(9, 90000, [5, 0, 0], [80000, 0, 0]));
    expect(lowCount.quorumMet).toBe(false);
  });

  it('needs more than half of the participating owners AND area to agree', () => {
    // 3 households, all voted; 2 agree holding 110 m² of 260 m²: majority by count, not by area
    const r = tally(owner(3, 26000, [2, 1, 0], [11000, 15000, 0]));
    expect(r.quorumMet).toBe(true);
    expect(r.countPassed).toBe(true);
    expect(r.areaPassed).toBe(false);
    expect(r.passed).toBe(false);
    expect(r.explanation).toMatch(/面积未达过半数/);
    // exactly half of the area is not "more than half"
    const half = tally(owner(4, 40000, [3, 1, 0], [20000, 20000, 0]));
    expect(half.areaPassed).toBe(false);
    expect(half.passed).toBe(false);
    // abstentions count as participating but not agreeing
    const abst = tally(owner(4, 40000, [2, 0, 2], [30000, 0, 10000]));
    expect(abst.countPassed).toBe(false);
    expect(abst.areaPassed).toBe(true);
  });

  it('major matters need three quarters of the participating owners and area', () => {
    const exactly = tally(owner(4, 40000, [3, 1, 0], [30000, 10000, 0], 'double_three_quarters'));
    expect(exactly.passed).toBe(true);
    const short = tally(owner(4, 40000, [3, 1, 0], [29999, 10001, 0], 'double_three_quarters'));
    expect(short.countPassed).toBe(true);
    expect(short.areaPassed).toBe(false);
    expect(short.passed).toBe(false);
    const noBallots = tally(owner(4, 40000, [0, 0, 0], [0, 0, 0], 'double_three_quarters'));
    expect(noBallots.passed).toBe(false);
  });

  it('reports turnout by owners and by area', () => {
    const r = tally(owner(10, 100000, [4, 2, 1], [40000, 20000, 15000]));
    expect(r.participated).toBe(7);
    expect(r.turnout).toBeCloseTo(0.7);
    expect(r.areaTurnout).toBeCloseTo(0.75);
    expect(r.participatedAreaM2).toBe(750);
    expect(r.areasM2).toEqual({ agree: 400, oppose: 200, abstain: 150 });
  });
});

describe('tally: residents (simple majority)', () => {
  const res = (eligible: number, c: [number, number, number]): TallyInput => ({ rule: 'simple', method: 'resident', eligibleCount: eligible, eligibleArea: 0, counts: { agree: c[0], oppose: c[1], abstain: c[2] }, areas: { agree: 0, oppose: 0, abstain: 0 } });
  it('needs more than half of the electorate to vote and more than half of the ballots to agree', () => {
    expect(tally(res(10, [3, 1, 1])).quorumMet).toBe(false);
    expect(tally(res(10, [4, 1, 1])).passed).toBe(true);
    expect(tally(res(10, [3, 2, 1])).passed).toBe(false);
    expect(tally(res(10, [3, 2, 1])).areaPassed).toBeNull();
  });
});

describe('tally: two thirds and a vote’s own quorum', () => {
  const persons = (eligibleCount: number, counts: [number, number, number], rule: TallyInput['rule'] = 'two_thirds', quorumPct: number | null = null): TallyInput => ({
    rule,
    method: 'resident',
    eligibleCount,
    eligibleArea: 0,
    quorumPct,
    counts: { agree: counts[0], oppose: counts[1], abstain: counts[2] },
    areas: { agree: 0, oppose: 0, abstain: 0 },
  });

  it('passes with at least two thirds of the ballots cast agreeing', () => {
    // 9 electors, 6 vote: 4 agree = exactly 2/3 -> passes
    expect(tally(persons(9, [4, 2, 0])).passed).toBe(true);
    // 9 electors, 9 vote: 5 agree = 55.6% -> a simple majority, but not two thirds
    const r = tally(persons(9, [5, 3, 1]));
    expect(r).toMatchObject({ quorumMet: true, countPassed: false, passed: false, areaPassed: null, areaTurnout: null });
    expect(r.explanation).toBe('同意票占参与表决的 55.6%，未达三分之二，未通过');
    expect(tally(persons(9, [5, 3, 1], 'simple')).passed).toBe(true);
  });

  it('uses the vote’s quorum instead of “more than half” when one is set', () => {
    // 10 electors, 5 vote (50%): not more than half by default...
    expect(tally(persons(10, [5, 0, 0], 'simple')).quorumMet).toBe(false);
    // ...but enough for a 50% quorum; a 60% quorum needs 6
    expect(tally(persons(10, [5, 0, 0], 'simple', 50))).toMatchObject({ quorumMet: true, passed: true, quorumPct: 50 });
    const r = tally(persons(10, [5, 0, 0], 'simple', 60));
    expect(r.quorumMet).toBe(false);
    expect(r.explanation).toBe('参与表决的居民占 50.0%，未达到60%，表决无效');
  });

  it('for owners, a higher quorum applies to both the owners and the floor area', () => {
    // 4 owners, 400 m²; 3 vote (75%) holding 290 m² (72.5%): valid under 2/3, not under a 75% quorum (area short)
    const input = { ...owner(4, 40000, [3, 0, 0], [29000, 0, 0]) };
    expect(tally(input).quorumMet).toBe(true);
    expect(tally({ ...input, quorumPct: 75 }).quorumMet).toBe(false);
    expect(tally({ ...input, quorumPct: 72 }).quorumMet).toBe(true);
  });
});
