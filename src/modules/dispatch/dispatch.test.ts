import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { locatePoint } from '../org/index.js';
import { adviseIntake } from './advisor.js';
import { correctionExamples } from './corrections.js';
import { labelSet, trainingExamples } from './corpus.js';
import { Classifier, trainModel } from './model.js';

let t: TestApp;
let admin: string;
let dispatcher: string;
interface Estate {
  id: string;
  code: string;
  name: string;
  lng: number;
  lat: number;
  props: { propertyCompanyCode?: string | null };
}
let withCompany: Estate;
let oldEstate: Estate;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login('admin');
  dispatcher = await t.login('dispatcher');
  const estates = (await t.req('GET', '/api/org/nodes?level=estate&geometry=false', { cookie: admin })).json() as Estate[];
  // Each estate's centre must resolve to the estate itself for the routing to be about it.
  const inside = async (e: Estate) => (await locatePoint(t.og.ctx, e.lng, e.lat)).estate?.id === e.id;
  withCompany = (await Promise.all(estates.filter((e) => e.props.propertyCompanyCode).map(async (e) => ((await inside(e)) ? e : null)))).find(Boolean)!;
  oldEstate = (await Promise.all(estates.filter((e) => !e.props.propertyCompanyCode).map(async (e) => ((await inside(e)) ? e : null)))).find(Boolean)!;
  expect(withCompany).toBeTruthy();
  expect(oldEstate).toBeTruthy();
});
afterAll(async () => t?.close());

const ELEVATOR = '电梯坏了，把一个老人困在里面半个小时，按铃也没人应';
const VAGUE = '路边那个东西坏了';

describe('POST /api/dispatch/classify', () => {
  it('gives the top 3 with confidences, the department, cc, the words and the triage flag', async () => {
    const r = await t.req('POST', '/api/dispatch/classify', { cookie: dispatcher, body: { text: '楼下饭店的油烟直接排到我家窗户，熏得不敢开窗' } });
    expect(r.statusCode).toBe(200);
    const b = r.json();
    expect(b.top).toHaveLength(3);
    expect(b.categoryCode).toBe('EN08');
    expect(b.top[0].name).toBe('油烟污染');
    expect(b.confidence).toBeGreaterThanOrEqual(b.threshold);
    expect(b.triage).toBe(false);
    expect(b.departmentCode).toBe('HB');
    expect(b.words.map((w: { word: string }) => w.word).join(' ')).toMatch(/油烟|烟/);
  });

  it('flags low-confidence text for manual triage', async () => {
    const b = (await t.req('POST', '/api/dispatch/classify', { cookie: dispatcher, body: { text: VAGUE } })).json();
    expect(b.confidence).toBeLessThan(b.threshold);
    expect(b.triage).toBe(true);
  });

  it('rejects bad input with a 4xx, never a 500', async () => {
    const bad: unknown[] = [{}, { text: '' }, { text: '   ' }, { text: 7 }, { text: 'x'.repeat(2001) }, { text: '路灯不亮', location: { lng: 500, lat: 28 } }, { text: '路灯不亮', location: { lng: 112.97 } }, { text: '路灯不亮', extra: 1 }];
    for (const body of bad) {
      const r = await t.req('POST', '/api/dispatch/classify', { cookie: dispatcher, body });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.code).toBeTruthy();
    }
    expect((await t.req('POST', '/api/dispatch/classify', { body: { text: '路灯不亮' } })).statusCode).toBe(401);
    expect((await t.req('POST', '/api/dispatch/classify', { cookie: await t.login('partner.qiaotou'), body: { text: '路灯不亮' } })).statusCode).toBe(403);
  });
});

describe('intake advice', () => {
  it('sends a low-confidence report to triage: no category, no department, suggestions for the dispatcher', async () => {
    const located = await locatePoint(t.og.ctx, withCompany.lng, withCompany.lat);
    const a = await adviseIntake(t.og.ctx, { text: VAGUE, lng: withCompany.lng, lat: withCompany.lat, located });
    expect(a.autoDispatch).toBe(false);
    expect(a.categoryCode).toBeNull();
    expect(a.departmentCode).toBeNull();
    expect(a.confidence).toBeLessThan(t.config.classifyThreshold);
    expect((a.explanation.suggestions as unknown[]).length).toBe(3);
  });

  it('files and dispatches a confident report automatically', async () => {
    const located = await locatePoint(t.og.ctx, oldEstate.lng, oldEstate.lat);
    const a = await adviseIntake(t.og.ctx, { text: '路口的红绿灯坏了，一直闪黄灯，车子乱开', lng: oldEstate.lng, lat: oldEstate.lat, located });
    expect(a.autoDispatch).toBe(true);
    expect(a.categoryCode).toBe('RT02');
    expect(a.departmentCode).toBe('JJ');
  });

  it('keeps a reporter-given category, routes it, and dispatches automatically only when the classifier agrees', async () => {
    const located = await locatePoint(t.og.ctx, oldEstate.lng, oldEstate.lat);
    const agree = await adviseIntake(t.og.ctx, { text: '路灯晚上一直不亮，黑漆漆的', categoryCode: 'UF06', lng: oldEstate.lng, lat: oldEstate.lat, located });
    expect(agree).toMatchObject({ categoryCode: 'UF06', departmentCode: 'LD', autoDispatch: true });
    const disagree = await adviseIntake(t.og.ctx, { text: '路灯晚上一直不亮，黑漆漆的', categoryCode: 'EN01', lng: oldEstate.lng, lat: oldEstate.lat, located });
    expect(disagree).toMatchObject({ categoryCode: 'EN01', departmentCode: 'HW', autoDispatch: false });
  });

  it('honours the configured threshold', async () => {
    const located = await locatePoint(t.og.ctx, oldEstate.lng, oldEstate.lat);
    const input = { text: '人行道上的地砖松了几块', lng: oldEstate.lng, lat: oldEstate.lat, located };
    const normal = await adviseIntake(t.og.ctx, input);
    expect(normal).toMatchObject({ autoDispatch: true, categoryCode: 'RT01' });
    expect(normal.confidence).toBeLessThan(1);
    const config = t.og.ctx.config;
    const saved = config.classifyThreshold;
    // A threshold just above this report's confidence sends the same report to triage.
    config.classifyThreshold = Math.min(1, normal.confidence + 1e-4);
    try {
      const strict = await adviseIntake(t.og.ctx, input);
      expect(strict.autoDispatch).toBe(false);
      expect(strict.categoryCode).toBeNull();
    } finally {
      config.classifyThreshold = saved;
    }
  });
});

describe('routing rules', () => {
  it('sends an elevator fault inside an estate with a property company to that company, in an old estate to the default', async () => {
    const inCo = (await t.req('POST', '/api/dispatch/classify', { cookie: dispatcher, body: { text: ELEVATOR, location: { lng: withCompany.lng, lat: withCompany.lat } } })).json();
    expect(inCo.categoryCode).toBe('PS05');
    expect(inCo.routing.defaultDepartment).toBe('WY');
    expect(inCo.departmentCode).toBe(withCompany.props.propertyCompanyCode);
    expect(inCo.routing.rule.kind).toBe('estate_property');
    expect(inCo.ccCodes).toEqual(['SJ']);
    const old = (await t.req('POST', '/api/dispatch/classify', { cookie: dispatcher, body: { text: ELEVATOR, location: { lng: oldEstate.lng, lat: oldEstate.lat } } })).json();
    expect(old.departmentCode).toBe('WY');
    expect(old.routing.rule).toBeNull();
    const located = await locatePoint(t.og.ctx, withCompany.lng, withCompany.lat);
    const a = await adviseIntake(t.og.ctx, { text: ELEVATOR, lng: withCompany.lng, lat: withCompany.lat, located });
    expect(a).toMatchObject({ categoryCode: 'PS05', autoDispatch: true, departmentCode: withCompany.props.propertyCompanyCode });
  });

  it('previews the rule that fires, including a manhole owner by cover type', async () => {
    const p = (await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { categoryCode: 'UF01', coverType: '燃气', location: { lng: oldEstate.lng, lat: oldEstate.lat } } })).json();
    expect(p.departmentCode).toBe('RQ');
    expect(p.rule.kind).toBe('cover_type');
    expect(p.trace.find((s: { fired: boolean }) => s.fired).kind).toBe('cover_type');
    const q = (await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { categoryCode: 'UF02', text: '井盖上写着电信，已经碎了' } })).json();
    expect(q).toMatchObject({ departmentCode: 'TX', defaultDepartment: 'SZ', source: 'given' });
    const r = (await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { text: ELEVATOR, location: { lng: withCompany.lng, lat: withCompany.lat } } })).json();
    expect(r).toMatchObject({ source: 'classifier', categoryCode: 'PS05', departmentCode: withCompany.props.propertyCompanyCode });
    expect((await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: {} })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { categoryCode: 'ZZ99' } })).statusCode).toBe(400);
  });

  it('lets an admin add a service-area rule (audited) that overrides the default department inside the area only', async () => {
    const communities = (await t.req('GET', '/api/org/nodes?level=community', { cookie: admin })).json() as Array<{ code: string; geometry: unknown }>;
    const area = communities.find((c) => c.code === '430103007001')!.geometry;
    const depts = (await t.req('GET', '/api/org/departments', { cookie: admin })).json() as Array<{ id: string; code: string }>;
    const sq = depts.find((d) => d.code === 'SQ')!;
    expect((await t.req('PATCH', `/api/org/departments/${sq.id}`, { cookie: admin, body: { serviceArea: area } })).statusCode).toBe(200);

    const created = await t.req('POST', '/api/dispatch/rules', { cookie: admin, body: { name: '桥头社区暴露垃圾由居委会先行处置', kind: 'service_area', priority: 5, categoryCodes: ['EN01'], params: { departmentCode: 'SQ' } } });
    expect(created.statusCode).toBe(201);
    const rule = created.json();
    const audit = await t.og.ctx.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'dispatch.rule.create').execute();
    expect(audit.map((a) => a.entity_id)).toContain(rule.id);

    const estates = (await t.req('GET', '/api/org/nodes?level=estate&geometry=false', { cookie: admin })).json() as Estate[];
    const inQiaotou = estates.find((e) => e.code.startsWith('430103007001'))!;
    const elsewhere = estates.find((e) => e.code.startsWith('430103007005'))!;
    const inside = (await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { categoryCode: 'EN01', location: { lng: inQiaotou.lng, lat: inQiaotou.lat } } })).json();
    expect(inside).toMatchObject({ departmentCode: 'SQ', defaultDepartment: 'HW' });
    expect(inside.rule.id).toBe(rule.id);
    const outside = (await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { categoryCode: 'EN01', location: { lng: elsewhere.lng, lat: elsewhere.lat } } })).json();
    expect(outside).toMatchObject({ departmentCode: 'HW', rule: null });

    const off = await t.req('PATCH', `/api/dispatch/rules/${rule.id}`, { cookie: admin, body: { active: false } });
    expect(off.json().active).toBe(false);
    const again = (await t.req('POST', '/api/dispatch/rules/preview', { cookie: admin, body: { categoryCode: 'EN01', location: { lng: inQiaotou.lng, lat: inQiaotou.lat } } })).json();
    expect(again.departmentCode).toBe('HW');
    expect((await t.req('DELETE', `/api/dispatch/rules/${rule.id}`, { cookie: admin })).statusCode).toBe(204);
    expect((await t.req('DELETE', `/api/dispatch/rules/${rule.id}`, { cookie: admin })).statusCode).toBe(404);
  });

  it('validates rules and who may write them', async () => {
    const bad: unknown[] = [
      { name: 'x', kind: 'nope' },
      { name: '', kind: 'estate_property' },
      { name: 'x', kind: 'estate_property', categoryCodes: ['ZZ99'] },
      { name: 'x', kind: 'estate_property', categoryGroups: ['不存在'] },
      { name: 'x', kind: 'cover_type' },
      { name: 'x', kind: 'cover_type', params: { map: { 供水: 'NOPE' } } },
      { name: 'x', kind: 'service_area', params: { departmentCode: 'NOPE' } },
      { name: 'x', kind: 'service_area', params: { other: 1 } },
    ];
    for (const body of bad) expect((await t.req('POST', '/api/dispatch/rules', { cookie: admin, body })).statusCode, JSON.stringify(body)).toBe(400);
    expect((await t.req('POST', '/api/dispatch/rules', { cookie: dispatcher, body: { name: 'x', kind: 'estate_property' } })).statusCode).toBe(403);
    expect((await t.req('PATCH', '/api/dispatch/rules/0193a000-0000-7000-8000-0000000000ff', { cookie: admin, body: { priority: 1 } })).statusCode).toBe(404);
    const list = (await t.req('GET', '/api/dispatch/rules', { cookie: dispatcher })).json() as Array<{ kind: string }>;
    expect(list.map((r) => r.kind).sort()).toEqual(['cover_type', 'estate_property', 'service_area']);
  });
});

describe('learning from corrections', () => {
  it('a stored correction changes the next training run for a similar text', async () => {
    const similar = '菜鸟驿站的快递柜门打不开，件拿不出来';
    const labels = labelSet();
    const before = new Classifier(trainModel([...trainingExamples(), ...(await correctionExamples(t.og.ctx.db))], labels, { calibrationFolds: 0 })).predict(similar).top[0]!.code;
    expect(before).not.toBe('PR01');

    const r = await t.req('POST', '/api/dispatch/corrections', { cookie: dispatcher, body: { text: '小区门口的快递柜坏了，输了取件码柜门不开', predictedCode: before, correctedCode: 'PR01' } });
    expect(r.statusCode).toBe(201);
    const corrections = await correctionExamples(t.og.ctx.db);
    expect(corrections).toContainEqual(expect.objectContaining({ label: 'PR01' }));
    const after = new Classifier(trainModel([...trainingExamples(), ...corrections], labels, { calibrationFolds: 0 })).predict(similar).top[0]!.code;
    expect(after).toBe('PR01');
  });

  it('validates corrections, ignores a non-change, and only dispatchers and admins record them', async () => {
    const same = await t.req('POST', '/api/dispatch/corrections', { cookie: dispatcher, body: { text: '路灯不亮', predictedCode: 'UF06', correctedCode: 'UF06' } });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ recorded: false });
    for (const body of [{ text: '路灯不亮', predictedCode: 'UF06', correctedCode: 'ZZ99' }, { text: '路灯不亮', correctedCode: 'UF06' }, { text: '', predictedCode: null, correctedCode: 'UF06' }, { text: '路灯不亮', predictedCode: null, correctedCode: 'UF06', caseId: 'nope' }]) {
      expect((await t.req('POST', '/api/dispatch/corrections', { cookie: dispatcher, body })).statusCode, JSON.stringify(body)).toBe(400);
    }
    const gw = await t.login('grid_worker.qiaotou');
    expect((await t.req('POST', '/api/dispatch/corrections', { cookie: gw, body: { text: '路灯不亮', predictedCode: null, correctedCode: 'UF06' } })).statusCode).toBe(403);
  });

  it('reports the held-out confusion matrix and the most-corrected categories', async () => {
    await t.req('POST', '/api/dispatch/corrections', { cookie: dispatcher, body: { text: '楼道里的声控灯坏了', predictedCode: 'UF06', correctedCode: 'PR01' } });
    await t.req('POST', '/api/dispatch/corrections', { cookie: dispatcher, body: { text: '单元楼梯灯不亮', predictedCode: 'UF06', correctedCode: 'PR01' } });
    await t.req('POST', '/api/dispatch/corrections', { cookie: dispatcher, body: { text: '有人在楼下烧纸', predictedCode: null, correctedCode: 'OT00' } });
    const r = await t.req('GET', '/api/dispatch/stats', { cookie: admin });
    expect(r.statusCode).toBe(200);
    const s = r.json();
    expect(s.heldout.confusion.labels).toHaveLength(48);
    const cells = (s.heldout.confusion.matrix as number[][]).flat().reduce((a, b) => a + b, 0);
    expect(cells).toBe(s.heldout.n);
    expect(s.heldout.perCategory).toHaveLength(48);
    expect(s.corrections.total).toBeGreaterThanOrEqual(4);
    expect(s.corrections.mostCorrected[0]).toMatchObject({ code: 'UF06', name: '路灯', count: 2 });
    expect(s.corrections.mostMissed[0]).toMatchObject({ code: 'PR01' });
    const li = s.corrections.confusion.labels.indexOf('UF06');
    const lj = s.corrections.confusion.labels.indexOf('PR01');
    expect(s.corrections.confusion.matrix[li][lj]).toBe(2);
    const list = (await t.req('GET', '/api/dispatch/corrections?pageSize=2', { cookie: admin })).json();
    expect(list.items).toHaveLength(2);
    expect(list.total).toBe(s.corrections.total);
    const gw = await t.login('grid_worker.qiaotou');
    expect((await t.req('GET', '/api/dispatch/stats', { cookie: gw })).statusCode).toBe(403);
  });
});
