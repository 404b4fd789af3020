import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createUser } from '../../platform/auth/service.js';
import { conflict } from '../../platform/errors.js';
import { onClaimGranted } from '../ledger/index.js';

let t: TestApp;
let caQ: string, caM: string, glQ: string, svQ: string, resQ: string, resX: string, pQ: string, pM: string;
let r2: string, r3: string;
let community: Record<string, { id: string; path: string }>;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ok = async (p: Promise<{ statusCode: number; json(): Json; body: string }>, status = 200) => {
  const r = await p;
  expect(r.statusCode, r.body).toBe(status);
  return r.json();
};

beforeAll(async () => {
  t = await startTestApp();
  const c = await Promise.all(
    ['community_admin.qiaotou', 'community_admin.mulian', 'grid_leader.qiaotou', 'supervisor.qiaotou', 'resident.qiaotou', 'resident.xintian', 'partner.qiaotou', 'partner.mulian'].map((u) => t.login(u)),
  );
  [caQ, caM, glQ, svQ, resQ, resX, pQ, pM] = c as [string, string, string, string, string, string, string, string];
  const admin = await t.login('admin');
  const nodes = await ok(t.req('GET', '/api/org/nodes?level=community&geometry=false', { cookie: admin }));
  community = Object.fromEntries(nodes.map((n: Json) => [n.code, { id: n.id, path: n.path }]));
  // two more residents of 桥头社区 with a sign-in, to evaluate as residents
  const taken = await t.og.ctx.db.selectFrom('users').select('resident_id').where('resident_id', 'is not', null).execute();
  const others = await t.og.ctx.db
    .selectFrom('residents')
    .select('id')
    .where('node_path', 'like', community['430103007001']!.path + '/%')
    .where('status', '=', 'resident')
    .where('id', 'not in', taken.map((x) => x.resident_id!))
    .limit(2)
    .execute();
  for (const [i, r] of others.entries()) await createUser(t.og.ctx, systemActor(), { username: `eval${i}.qiaotou`, displayName: `评价居民${i}`, password: 'Qiaotou-eval-2026', roles: ['resident'], residentId: r.id });
  [r2, r3] = await Promise.all([t.login('eval0.qiaotou', 'Qiaotou-eval-2026'), t.login('eval1.qiaotou', 'Qiaotou-eval-2026')]);
});
afterAll(async () => t?.close());

describe('a project from need to points', () => {
  it('is claimed, approved, run, confirmed, evaluated with weights and paid', async () => {
    const cq = community['430103007001']!;
    const need = await ok(t.req('POST', '/api/needs', { cookie: resQ, body: { title: '希望开设老年人书法班', category: '文体活动', answers: { 每周次数: 2, 方便时间: '上午' } } }), 201);
    expect(need.source).toBe('questionnaire');
    const visit = await ok(t.req('POST', '/api/needs', { cookie: glQ, body: { title: '走访：老人希望学写毛笔字', category: '文体活动' } }), 201);
    expect(visit.source).toBe('visit');

    const project = await ok(
      t.req('POST', '/api/projects', {
        cookie: caQ,
        body: { title: '长者书法班', category: '文体活动', communityId: cq.id, budget: 2000, resources: '活动室、笔墨纸砚', pointsOffered: 200, dueOn: '2026-12-31', needIds: [need.id, visit.id], weights: { resident: 0.5, staff: 0.3, third_party: 0.2 } },
      }),
      201,
    );
    expect(project.status).toBe('draft');
    const needs = await ok(t.req('GET', '/api/needs?status=adopted&pageSize=200', { cookie: caQ }));
    expect(needs.items.filter((n: Json) => n.projectId === project.id).length).toBe(2);
    // a draft is not visible to partners; weights must sum to 1
    expect((await t.req('GET', `/api/projects/${project.id}`, { cookie: pQ })).statusCode).toBe(404);
    expect((await t.req('POST', '/api/projects', { cookie: caQ, body: { title: 'x', category: '其他', communityId: cq.id, pointsOffered: 1, weights: { resident: 0.5, staff: 0.5, third_party: 0.5 } } })).statusCode).toBe(400);

    await ok(t.req('POST', `/api/projects/${project.id}/publish`, { cookie: caQ }));
    const board = await ok(t.req('GET', '/api/projects?status=published&pageSize=200', { cookie: pM }));
    expect(board.items.some((p: Json) => p.id === project.id)).toBe(true);
    const claimQ = await ok(t.req('POST', `/api/projects/${project.id}/claims`, { cookie: pQ, body: { plan: '请书法协会老师每周授课两次' } }), 201);
    const claimM = await ok(t.req('POST', `/api/projects/${project.id}/claims`, { cookie: pM, body: { plan: '由诊所志愿者组织' } }), 201);
    expect((await t.req('POST', `/api/projects/${project.id}/claims`, { cookie: pQ, body: { plan: '再次认领' } })).statusCode).toBe(409);
    // a resident cannot claim; staff of another community cannot approve
    expect((await t.req('POST', `/api/projects/${project.id}/claims`, { cookie: resQ, body: { plan: 'x' } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/projects/${project.id}/claims/${claimQ.id}/review`, { cookie: caM, body: { approve: true } })).statusCode).toBe(404);
    const started = await ok(t.req('POST', `/api/projects/${project.id}/claims/${claimQ.id}/review`, { cookie: caQ, body: { approve: true } }));
    expect(started).toMatchObject({ status: 'in_progress', partnerId: claimQ.partnerId });
    expect((await t.req('POST', `/api/projects/${project.id}/claims/${claimM.id}/review`, { cookie: caQ, body: { approve: true } })).statusCode).toBe(409);

    // only the partner running it keeps the log
    expect((await t.req('POST', `/api/projects/${project.id}/logs`, { cookie: pM, body: { kind: 'progress', content: 'x' } })).statusCode).toBe(403);
    await ok(t.req('POST', `/api/projects/${project.id}/logs`, { cookie: pQ, body: { kind: 'progress', content: '第一课：执笔与坐姿，15 人参加' } }), 201);
    await ok(t.req('POST', `/api/projects/${project.id}/logs`, { cookie: pQ, body: { kind: 'completion', content: '八次课完成，举办作品展' } }), 201);
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: resQ, body: { score: 90 } })).statusCode).toBe(409);
    const me0 = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    const done = await ok(t.req('POST', `/api/projects/${project.id}/confirm`, { cookie: caQ, body: { note: '现场查看' } }));
    expect(done.status).toBe('completed');

    // evaluations: residents 90, 80, 70; staff 70, 60; third party 90
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: pQ, body: { score: 100 } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: resX, body: { score: 10 } })).statusCode).toBe(404);
    await ok(t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: resQ, body: { score: 90, comment: '老师很耐心' } }), 201);
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: resQ, body: { score: 10 } })).statusCode).toBe(409);
    await ok(t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: r2, body: { score: 80 } }), 201);
    await ok(t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: r3, body: { score: 70 } }), 201);
    expect((await ok(t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: caQ, body: { score: 70 } }), 201)).kind).toBe('staff');
    // a grid leader's scope is one grid: the community's project is outside it
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: glQ, body: { score: 60 } })).statusCode).toBe(404);
    await ok(t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: svQ, body: { score: 60 } }), 201);
    expect((await ok(t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: caQ, body: { score: 90, thirdParty: '长沙市社会工作评估中心' } }), 201)).kind).toBe('third_party');
    // only staff who manage projects enter a third party's evaluation
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: svQ, body: { score: 90, thirdParty: '某机构' } })).statusCode).toBe(403);

    const settled = await ok(t.req('POST', `/api/projects/${project.id}/settle`, { cookie: caQ }));
    // 80×0.5 + 65×0.3 + 90×0.2 = 77.5; 200 × 77.5% = 155
    expect(settled).toMatchObject({ status: 'evaluated', finalScore: 77.5, pointsPaid: 155 });
    expect((await t.req('POST', `/api/projects/${project.id}/settle`, { cookie: caQ })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/projects/${project.id}/evaluations`, { cookie: r3, body: { score: 1, comment: 'late' } })).statusCode).toBe(409);

    const me = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    expect(me.account.balance).toBe(me0.account.balance + 155);
    expect(me.credit.onTime).toBe(me0.credit.onTime + 1);
    expect(me.creditEvents.some((e: Json) => e.kind === 'evaluation' && e.value === 77.5)).toBe(true);
    expect(me.creditEvents.some((e: Json) => e.kind === 'points' && e.value === 155)).toBe(true);
    expect(me.creditScore).toBe(me.credit.score);
    const tr = await ok(t.req('GET', `/api/ledger/transfers/${settled.transferId}`, { cookie: pQ }));
    expect(tr).toMatchObject({ kind: 'project', amount: 155, toAccountId: me.account.id });

    // the partner spends its points on a reward
    const rewards = await ok(t.req('GET', '/api/ledger/rewards', { cookie: pQ }));
    const room = rewards.find((w: Json) => w.kind === 'room' && w.nodePath === cq.path);
    const red = await ok(t.req('POST', `/api/ledger/rewards/${room.id}/redeem`, { cookie: pQ, body: {} }), 201);
    expect(red.accountId).toBe(me.account.id);
    expect((await ok(t.req('GET', '/api/partners/me', { cookie: pQ }))).account.balance).toBe(me.account.balance - room.pointsCost);
    // the community's staff verify the room booking code
    expect((await ok(t.req('POST', '/api/ledger/redemptions/verify', { cookie: caQ, body: { code: red.code } }))).status).toBe('used');
  });

  it('pays nothing below a pass and renormalises when a group did not evaluate', async () => {
    const cq = community['430103007001']!;
    const p = await ok(t.req('POST', '/api/projects', { cookie: caQ, body: { title: '楼道清洁周', category: '环境美化', communityId: cq.id, pointsOffered: 300 } }), 201);
    await ok(t.req('POST', `/api/projects/${p.id}/publish`, { cookie: caQ }));
    const c = await ok(t.req('POST', `/api/projects/${p.id}/claims`, { cookie: pQ, body: { plan: '组织清洁' } }), 201);
    await ok(t.req('POST', `/api/projects/${p.id}/claims/${c.id}/review`, { cookie: caQ, body: { approve: true } }));
    await ok(t.req('POST', `/api/projects/${p.id}/confirm`, { cookie: caQ, body: {} }));
    expect((await t.req('POST', `/api/projects/${p.id}/settle`, { cookie: caQ })).statusCode).toBe(409); // no resident yet
    await ok(t.req('POST', `/api/projects/${p.id}/evaluations`, { cookie: resQ, body: { score: 50 } }), 201);
    await ok(t.req('POST', `/api/projects/${p.id}/evaluations`, { cookie: r2, body: { score: 60 } }), 201);
    await ok(t.req('POST', `/api/projects/${p.id}/evaluations`, { cookie: caQ, body: { score: 65 } }), 201);
    // (55×0.4 + 65×0.3) / 0.7 = 41.5 / 0.7 = 59.29 → under 60, no points
    const s = await ok(t.req('POST', `/api/projects/${p.id}/settle`, { cookie: caQ }));
    expect(s).toMatchObject({ finalScore: 59.29, pointsPaid: 0, transferId: null });
  });
});

describe('partner registry', () => {
  it('is scoped: community staff see their community, a partner sees itself', async () => {
    const list = await ok(t.req('GET', '/api/partners?pageSize=200', { cookie: caM }));
    expect(list.total).toBeGreaterThan(0);
    expect(list.items.every((p: Json) => p.nodePath === community['430103007002']!.path)).toBe(true);
    const all = await ok(t.req('GET', '/api/partners?pageSize=200', { cookie: await t.login('street_admin') }));
    const types = new Set(all.items.map((p: Json) => p.type));
    expect([...types].sort()).toEqual(['professional', 'resource', 'volunteer']);
    const law = all.items.find((p: Json) => p.name === '湖南湘楚律师事务所');
    expect(law.phone).toMatch(/\*/);
    expect((await t.req('GET', `/api/partners/${law.id}`, { cookie: caM })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/partners/${law.id}`, { cookie: pM })).statusCode).toBe(404);
    expect((await ok(t.req('GET', `/api/partners/${law.id}`, { cookie: pQ }))).agreements[0].title).toBe('公益法律服务协议');
    expect((await t.req('GET', '/api/partners', { cookie: pQ })).statusCode).toBe(403);
    expect((await t.req('GET', '/api/partners', { cookie: resQ })).statusCode).toBe(403);
    const agreements = await ok(t.req('GET', '/api/partners/agreements', { cookie: await t.login('street_admin') }));
    expect(agreements.length).toBe(5);
  });

  it('recommends partners for a service by credit, and credit moves with the record', async () => {
    const rec = await ok(t.req('GET', `/api/partners/recommend?service=${encodeURIComponent('维修')}`, { cookie: caQ }));
    expect(rec.length).toBeGreaterThan(0);
    expect(rec.every((p: Json) => p.services.some((s: string) => s.includes('维修')))).toBe(true);
    for (let i = 1; i < rec.length; i++) expect(rec[i - 1].creditScore).toBeGreaterThanOrEqual(rec[i].creditScore);
    const zhang = (await ok(t.req('GET', '/api/partners?q=' + encodeURIComponent('张师傅'), { cookie: caQ }))).items[0];
    const before = zhang.creditScore;
    const after = await ok(t.req('POST', `/api/partners/${zhang.id}/credit-events`, { cookie: caQ, body: { kind: 'violation', note: '无故缺席约定服务' } }), 201);
    expect(after.score).toBe(before - 10);
    expect((await ok(t.req('GET', `/api/partners/${zhang.id}`, { cookie: caQ }))).creditScore).toBe(before - 10);
  });

  it('registers a partner with its own sign-in and account; social organisations move forward in incubation', async () => {
    const cm = community['430103007002']!;
    const p = await ok(
      t.req('POST', '/api/partners', { cookie: caM, body: { name: '木莲便民修鞋铺', type: 'resource', form: 'person', merchant: true, services: ['修鞋', '优惠券'], communityId: cm.id, account: { username: 'shoe.mulian', password: 'Mulian-shoe-2026' } } }),
      201,
    );
    expect(p.hasAccount).toBe(true);
    const cookie = await t.login('shoe.mulian', 'Mulian-shoe-2026');
    const accs = await ok(t.req('GET', '/api/ledger/accounts/me', { cookie }));
    expect(accs.map((a: Json) => a.ownerKind)).toEqual(['merchant']);
    expect((await t.req('POST', '/api/partners', { cookie: caM, body: { name: '越界', type: 'resource', form: 'person', services: [], communityId: community['430103007001']!.id } })).statusCode).toBe(403);

    const orgs = await ok(t.req('GET', '/api/social-orgs?pageSize=200', { cookie: await t.login('street_admin') }));
    expect(orgs.total).toBeGreaterThanOrEqual(5);
    expect(new Set(orgs.items.map((o: Json) => o.stage)).size).toBeGreaterThanOrEqual(3);
    const org = await ok(t.req('POST', '/api/social-orgs', { cookie: caM, body: { name: '木莲书画社', field: '文体活动', communityId: cm.id } }), 201);
    expect(org.stage).toBe('applied');
    await ok(t.req('POST', `/api/social-orgs/${org.id}/stage`, { cookie: caM, body: { stage: 'incubating', note: '入驻孵化基地' } }));
    expect((await t.req('POST', `/api/social-orgs/${org.id}/stage`, { cookie: caM, body: { stage: 'applied', note: '回退' } })).statusCode).toBe(409);
    await ok(t.req('POST', `/api/social-orgs/${org.id}/activities`, { cookie: caM, body: { title: '迎新春写春联', heldOn: '2026-11-01', participants: 40 } }), 201);
    const detail = await ok(t.req('GET', `/api/social-orgs/${org.id}`, { cookie: caM }));
    expect(detail.activities.length).toBe(1);
    expect(detail.stageHistory.map((h: Json) => h.stage)).toEqual(['applied', 'incubating']);
    expect((await t.req('GET', `/api/social-orgs/${org.id}`, { cookie: caQ })).statusCode).toBe(404);
  });
});

describe("points from confirmed service claims reach the partner's credit record", () => {
  /** For every partner: the points on its credit record that came from claims, and the points its approved claims granted. */
  const claimPointsByPartner = async () => {
    const db = t.og.ctx.db;
    const credited = await db
      .selectFrom('partner_credit_events as e')
      .innerJoin('ledger_earning_claims as c', 'c.id', 'e.ref_id')
      .select(['e.partner_id as partner', 'e.value'])
      .where('e.kind', '=', 'points')
      .execute();
    const granted = await db
      .selectFrom('ledger_earning_claims as c')
      .innerJoin('ledger_accounts as a', 'a.id', 'c.account_id')
      .innerJoin('ledger_transfers as tr', 'tr.id', 'c.transfer_id')
      .select(['a.owner_id as partner', 'tr.amount'])
      .where('c.status', '=', 'approved')
      .where('a.owner_kind', 'in', ['partner', 'merchant'])
      .execute();
    const sum = (rows: Array<{ partner: string; n: number }>) => {
      const m = new Map<string, number>();
      for (const r of rows) m.set(r.partner, (m.get(r.partner) ?? 0) + r.n);
      return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
    };
    return { credited: sum(credited.map((r) => ({ partner: r.partner, n: Number(r.value) }))), granted: sum(granted.map((r) => ({ partner: r.partner, n: Number(r.amount) }))) };
  };

  it("the seed's example: a legal consultation earns 10, a merchant's donation 20, and a pending claim nothing", async () => {
    const sa = await t.login('street_admin');
    const law = (await ok(t.req('GET', '/api/partners?q=' + encodeURIComponent('湘楚律师'), { cookie: sa }))).items[0];
    const lawDetail = await ok(t.req('GET', `/api/partners/${law.id}`, { cookie: sa }));
    const lawPoints = lawDetail.creditEvents.filter((e: Json) => e.kind === 'points' && e.note.startsWith('法律咨询'));
    expect(lawPoints.map((e: Json) => e.value)).toEqual([10, 10]);
    expect(lawPoints.map((e: Json) => e.note).sort()).toEqual(['法律咨询：为居民解答房屋租赁纠纷', '法律咨询：为老人办理遗嘱咨询'].sort());
    expect(lawDetail.creditEvents.some((e: Json) => e.note.includes('邻里噪音纠纷咨询'))).toBe(false);

    const market = (await ok(t.req('GET', '/api/partners?q=' + encodeURIComponent('步步高'), { cookie: sa }))).items[0];
    expect(market.merchant).toBe(true);
    const marketDetail = await ok(t.req('GET', `/api/partners/${market.id}`, { cookie: sa }));
    expect(marketDetail.account.kind).toBe('merchant');
    expect(marketDetail.creditEvents.filter((e: Json) => e.kind === 'points').map((e: Json) => [e.value, e.note])).toEqual([[20, '捐赠物资：中秋慰问物资捐赠']]);
    expect(marketDetail.credit.points).toBe(20);
    expect(marketDetail.creditScore).toBe(marketDetail.credit.score);

    // every partner's claim points on the credit record equal what its approved claims granted in the ledger
    const { credited, granted } = await claimPointsByPartner();
    expect(Object.keys(granted).length).toBeGreaterThanOrEqual(4);
    expect(credited).toEqual(granted);
  });

  it('a confirmed claim adds its points in the same transaction; a pending, rejected or failed approval adds nothing', async () => {
    const rules = await ok(t.req('GET', '/api/ledger/rules', { cookie: caQ }));
    const legal = rules.find((r: Json) => r.code === 'legal_consult');
    expect(legal.points).toBe(10);
    const me0 = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    const submit = async (note: string) => {
      const c = await ok(t.req('POST', '/api/ledger/claims', { cookie: pQ, body: { ruleId: legal.id, note } }), 201);
      expect(c.accountId).toBe(me0.account.id);
      return c;
    };
    const pending = await submit('社区法律咨询日：劳动合同纠纷');
    const rejected = await submit('重复登记');
    expect((await ok(t.req('GET', '/api/partners/me', { cookie: pQ }))).credit.points).toBe(me0.credit.points);
    await ok(t.req('POST', `/api/ledger/claims/${rejected.id}/review`, { cookie: caQ, body: { approve: false, note: '重复' } }));
    expect((await ok(t.req('GET', '/api/partners/me', { cookie: pQ }))).credit.points).toBe(me0.credit.points);

    // a failure later in the approving transaction leaves neither the grant nor the credit
    const off = onClaimGranted(async () => {
      throw conflict('模拟审批失败');
    });
    try {
      expect((await t.req('POST', `/api/ledger/claims/${pending.id}/review`, { cookie: caQ, body: { approve: true } })).statusCode).toBe(409);
    } finally {
      off();
    }
    const mid = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    expect(mid.credit.points).toBe(me0.credit.points);
    expect(mid.account.balance).toBe(me0.account.balance);
    expect(await t.og.ctx.db.selectFrom('partner_credit_events').select('id').where('ref_id', '=', pending.id).execute()).toEqual([]);

    const approved = await ok(t.req('POST', `/api/ledger/claims/${pending.id}/review`, { cookie: caQ, body: { approve: true } }));
    expect(approved).toMatchObject({ status: 'approved', points: 10 });
    const me = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    expect(me.account.balance).toBe(me0.account.balance + 10);
    expect(me.credit.points).toBe(me0.credit.points + 10);
    expect(me.creditEvents.filter((e: Json) => e.kind === 'points' && e.note === '法律咨询：社区法律咨询日：劳动合同纠纷').map((e: Json) => e.value)).toEqual([10]);
    expect(me.creditScore).toBe(me.credit.score);
    const { credited, granted } = await claimPointsByPartner();
    expect(credited).toEqual(granted);
  });
});

describe("a reversed grant leaves the partner's credit record too", () => {
  it('reversing a claim grant (冲正) takes its points off the record, in the same transaction, once', async () => {
    const rules = await ok(t.req('GET', '/api/ledger/rules', { cookie: caQ }));
    const legal = rules.find((r: Json) => r.code === 'legal_consult');
    const me0 = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    const claim = await ok(t.req('POST', '/api/ledger/claims', { cookie: pQ, body: { ruleId: legal.id, note: '误登记的咨询' } }), 201);
    const granted = await ok(t.req('POST', `/api/ledger/claims/${claim.id}/review`, { cookie: caQ, body: { approve: true } }));
    expect((await ok(t.req('GET', '/api/partners/me', { cookie: pQ }))).credit.points).toBe(me0.credit.points + 10);

    const rev = await ok(t.req('POST', `/api/ledger/transfers/${granted.transferId}/reverse`, { cookie: caQ, body: { memo: '冲正：重复登记' } }), 201);
    expect(rev).toMatchObject({ kind: 'reversal', amount: 10 });
    const me = await ok(t.req('GET', '/api/partners/me', { cookie: pQ }));
    expect(me.account.balance).toBe(me0.account.balance);
    expect(me.credit.points).toBe(me0.credit.points);
    expect(me.creditScore).toBe(me.credit.score);
    const events = await t.og.ctx.db.selectFrom('partner_credit_events').select(['kind', 'value', 'note']).where('ref_id', '=', claim.id).orderBy('at').execute();
    expect(events.map((e) => [e.kind, Number(e.value), e.note])).toEqual([
      ['points', 10, '法律咨询：误登记的咨询'],
      ['points', -10, '冲正：重复登记'],
    ]);
    // a second reversal is refused and changes nothing
    expect((await t.req('POST', `/api/ledger/transfers/${granted.transferId}/reverse`, { cookie: caQ, body: { memo: '再冲一次' } })).statusCode).toBe(409);
    expect((await ok(t.req('GET', '/api/partners/me', { cookie: pQ }))).credit.points).toBe(me0.credit.points);
  });
});
