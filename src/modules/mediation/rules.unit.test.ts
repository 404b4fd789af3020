import { describe, expect, it } from 'vitest';
import { canEscalate, initialTier, nodeHandlesTier, suggestExperts, warningFlags, type ExpertFacts } from './rules.js';

describe('early-warning rule', () => {
  const base = { sameParties: 0, riskBefore: null, riskNow: 'low' as const, contacts: 1 };
  it('flags nothing for a first, calm dispute', () => {
    expect(warningFlags(base)).toEqual([]);
  });
  it('flags a repeat when the same parties had another dispute', () => {
    expect(warningFlags({ ...base, sameParties: 1 }).map((f) => f.rule)).toEqual(['repeat']);
    expect(warningFlags({ ...base, sameParties: 2 })[0]!.detail).toContain('2起');
  });
  it('flags rising risk only when it rises to high or critical', () => {
    expect(warningFlags({ ...base, riskBefore: 'low', riskNow: 'medium' })).toEqual([]);
    expect(warningFlags({ ...base, riskBefore: 'medium', riskNow: 'high' }).map((f) => f.rule)).toEqual(['rising_risk']);
    expect(warningFlags({ ...base, riskBefore: 'low', riskNow: 'critical' }).map((f) => f.rule)).toEqual(['rising_risk']);
    expect(warningFlags({ ...base, riskBefore: 'critical', riskNow: 'high' })).toEqual([]);
    expect(warningFlags({ ...base, riskBefore: 'high', riskNow: 'high' })).toEqual([]);
    // a dispute created high is not "rising"
    expect(warningFlags({ ...base, riskBefore: null, riskNow: 'critical' })).toEqual([]);
  });
  it('flags many contacts from the third within the window', () => {
    expect(warningFlags({ ...base, contacts: 2 })).toEqual([]);
    expect(warningFlags({ ...base, contacts: 3 }).map((f) => f.rule)).toEqual(['many_contacts']);
  });
  it('reports every rule that holds', () => {
    expect(warningFlags({ sameParties: 1, riskBefore: 'medium', riskNow: 'high', contacts: 5 }).map((f) => f.rule)).toEqual(['repeat', 'rising_risk', 'many_contacts']);
  });
});

describe('tiers', () => {
  it('escalates only upwards', () => {
    expect(canEscalate('grid', 'street')).toBe(true);
    expect(canEscalate('grid', 'district')).toBe(true);
    expect(canEscalate('street', 'district')).toBe(true);
    expect(canEscalate('street', 'grid')).toBe(false);
    expect(canEscalate('district', 'district')).toBe(false);
  });
  it('lets each center handle its tier and those below', () => {
    const community = '430103/430103007/430103007001';
    expect(nodeHandlesTier(community, 'grid')).toBe(true);
    expect(nodeHandlesTier(community, 'street')).toBe(false);
    expect(nodeHandlesTier('430103/430103007', 'street')).toBe(true);
    expect(nodeHandlesTier('430103/430103007', 'district')).toBe(false);
    expect(nodeHandlesTier('430103', 'district')).toBe(true);
    expect(nodeHandlesTier(null, 'grid')).toBe(false);
  });
  it('starts critical disputes at the district and enterprise-related ones at the street', () => {
    expect(initialTier('low', false)).toBe('grid');
    expect(initialTier('medium', true)).toBe('street');
    expect(initialTier('high', false)).toBe('street');
    expect(initialTier('critical', false)).toBe('district');
  });
});

describe('suggestion', () => {
  const e = (id: string, over: Partial<ExpertFacts>): ExpertFacts => ({ id, kind: 'mediator', mediationType: 'people', tier: 'grid', nodePath: '430103/430103007/430103007001', expertise: [], available: true, maxLoad: 5, load: 0, ...over });
  const d = { type: 'family' as const, nodePath: '430103/430103007/430103007001/E1/G01', tier: 'grid' as const };
  it('prefers expertise, nearness and spare capacity; leaves out the unavailable and the full', () => {
    const pool = [
      e('far', { nodePath: '430103/430103007/430103007002', expertise: ['family'] }),
      e('near-expert', { expertise: ['family'] }),
      e('near', {}),
      e('busy', { expertise: ['family'], load: 5 }),
      e('away', { expertise: ['family'], available: false }),
    ];
    const s = suggestExperts(d, pool);
    expect(s.map((x) => x.expertId)).toEqual(['near-expert', 'near', 'far']);
    expect(s[0]!.reasons).toEqual(expect.arrayContaining(['擅长婚姻家庭纠纷', '同社区']));
  });
  it('ranks a lighter load higher when all else is equal', () => {
    const s = suggestExperts(d, [e('a', { load: 4 }), e('b', { load: 1 })]);
    expect(s.map((x) => x.expertId)).toEqual(['b', 'a']);
  });
});
