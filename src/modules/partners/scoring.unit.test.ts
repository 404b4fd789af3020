import { describe, expect, it } from 'vitest';
import { creditOf, pointsForScore, weightedScore } from './scoring.js';

describe('project evaluation weights', () => {
  it('weights each group average (worked by hand)', () => {
    // residents 90, 80, 70 → 80; staff 70, 60 → 65; third party 90
    // 80×0.5 + 65×0.3 + 90×0.2 = 40 + 19.5 + 18 = 77.5
    const r = weightedScore(
      [
        { kind: 'resident', score: 90 },
        { kind: 'resident', score: 80 },
        { kind: 'resident', score: 70 },
        { kind: 'staff', score: 70 },
        { kind: 'staff', score: 60 },
        { kind: 'third_party', score: 90 },
      ],
      { resident: 0.5, staff: 0.3, third_party: 0.2 },
    );
    expect(r.score).toBe(77.5);
    expect(r.groups.map((g) => [g.kind, g.count, g.average])).toEqual([
      ['resident', 3, 80],
      ['staff', 2, 65],
      ['third_party', 1, 90],
    ]);
    // 200 points on offer × 77.5% = 155
    expect(pointsForScore(200, r.score!)).toBe(155);
  });

  it('drops a group nobody evaluated and renormalises the others', () => {
    // residents 85, 75 → 80 (0.4); staff 95 (0.3); no third party → (80×0.4 + 95×0.3) / 0.7 = 60.5 / 0.7 = 86.43
    const r = weightedScore(
      [
        { kind: 'resident', score: 85 },
        { kind: 'resident', score: 75 },
        { kind: 'staff', score: 95 },
      ],
      { resident: 0.4, staff: 0.3, third_party: 0.3 },
    );
    expect(r.score).toBe(86.43);
    expect(r.groups.find((g) => g.kind === 'third_party')!.effectiveWeight).toBe(0);
    expect(r.groups.find((g) => g.kind === 'resident')!.effectiveWeight).toBe(0.57);
    expect(weightedScore([], { resident: 0.4, staff: 0.3, third_party: 0.3 }).score).toBeNull();
  });

  it('pays nothing under a pass', () => {
    expect(pointsForScore(300, 59.99)).toBe(0);
    expect(pointsForScore(300, 60)).toBe(180);
  });
});

describe('partner credit', () => {
  it('starts a new partner at A (68) and moves with its record (worked by hand)', () => {
    // 40×1 + 40×0.7 + 0 = 68 → A (under 70)
    expect(creditOf([])).toMatchObject({ score: 68, level: 'A' });
    // 3 on time, 1 late: 40×4/5 = 32; evaluations 90, 80 → 85 → 34; 500 points → 10; total 76 → AA
    const c = creditOf([
      { kind: 'on_time', value: 0 },
      { kind: 'on_time', value: 0 },
      { kind: 'on_time', value: 0 },
      { kind: 'late', value: 0 },
      { kind: 'evaluation', value: 90 },
      { kind: 'evaluation', value: 80 },
      { kind: 'points', value: 300 },
      { kind: 'points', value: 200 },
    ]);
    expect(c).toMatchObject({ score: 76, level: 'AA', onTime: 3, late: 1, averageEvaluation: 85, points: 500 });
    // a violation costs 10
    expect(creditOf([{ kind: 'violation', value: 0 }]).score).toBe(58);
    // full marks everywhere → AAA
    expect(creditOf([{ kind: 'on_time', value: 0 }, { kind: 'evaluation', value: 100 }, { kind: 'points', value: 1000 }]).level).toBe('AAA');
  });
});
