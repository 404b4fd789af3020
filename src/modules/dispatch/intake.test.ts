import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { locatePoint } from '../org/index.js';
import { CORRECTION_WEIGHT, correctionExamples } from './corrections.js';
import { labelSet, trainingExamples } from './corpus.js';
import { Classifier, trainModel } from './model.js';

/**
 * Intake and dispatch through the HTTP API with the REAL classifier and routing rules (no advisor
 * stub): what a report becomes, where a person's dispatch goes, and what a person's change of
 * category leaves for the next training run (`npm run train` reads `correctionExamples`).
 */

let t: TestApp;
let admin: string;
let dispatcher: string;
let resident: string;
interface Estate {
  id: string;
  code: string;
  name: string;
  lng: number;
  lat: number;
  props: { propertyCompanyCode?: string | null };
}
let estates: Estate[];
let withCompany: Estate;
let oldEstate: Estate;

interface CaseBody {
  id: string;
  version: number;
  state: string;
  category: { code: string } | null;
  department: { code: string } | null;
  cc: Array<{ code: string }>;
  advice: { categoryCode: string | null; explanation: { suggestions?: Array<{ code: string; confidence: number }> } } | null;
  timeline?: Array<{ action: string; data?: Record<string, unknown> }>;
}

const report = async (cookie: string, body: Record<string, unknown>): Promise<CaseBody> => {
  const r = await t.req('POST', '/api/cases', { cookie, body });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
};
const getCase = async (id: string): Promise<CaseBody> => {
  const r = await t.req('GET', `/api/cases/${id}`, { cookie: dispatcher });
  expect(r.statusCode, r.body).toBe(200);
  return r.json();
};
const act = async (id: string, action: string, body: Record<string, unknown>) => t.req('POST', `/api/cases/${id}/${action}`, { cookie: dispatcher, body });
const correctionsOf = async (caseId: string) => t.og.ctx.db.selectFrom('dispatch_corrections').selectAll().where('case_id', '=', caseId).execute();

/** Runs `fn` with every classification under the threshold, so each report waits for a person. */
async function allToTriage<T>(fn: () => Promise<T>): Promise<T> {
  const saved = t.og.ctx.config.classifyThreshold;
  t.og.ctx.config.classifyThreshold = 1.01;
  try {
    return await fn();
  } finally {
    t.og.ctx.config.classifyThreshold = saved;
  }
}

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login('admin');
  dispatcher = await t.login('dispatcher');
  resident = await t.login('resident.qiaotou');
  estates = (await t.req('GET', '/api/org/nodes?level=estate&geometry=false', { cookie: admin })).json() as Estate[];
  // Each estate's centre must resolve to the estate itself (and a grid) for the routing to be about it.
  const inside = async (e: Estate) => {
    const l = await locatePoint(t.og.ctx, e.lng, e.lat);
    return l.estate?.id === e.id && !!l.grid;
  };
  const pick = async (list: Estate[]) => (await Promise.all(list.map(async (e) => ((await inside(e)) ? e : null)))).find(Boolean)!;
  withCompany = await pick(estates.filter((e) => e.props.propertyCompanyCode));
  oldEstate = await pick(estates.filter((e) => !e.props.propertyCompanyCode));
  expect(withCompany).toBeTruthy();
  expect(oldEstate).toBeTruthy();
});
afterAll(async () => t?.close());

describe('POST /api/cases with the real classifier', () => {
  it('files and dispatches a confidently classifiable report to the department the routing rules choose', async () => {
    const text = '电梯坏了，把一个老人困在里面半个小时，按铃也没人应';
    const at = { lng: withCompany.lng, lat: withCompany.lat };
    const classified = (await t.req('POST', '/api/dispatch/classify', { cookie: dispatcher, body: { text, location: at } })).json();
    expect(classified.triage).toBe(false);
    // The routing rules, not the category's default, decide here: the estate's property company.
    expect(classified.routing.rule).not.toBeNull();
    expect(classified.departmentCode).not.toBe(classified.routing.defaultDepartment);

    const created = await report(resident, { description: text, location: at });
    const c = await getCase(created.id);
    expect(c.state).toBe('dispatched');
    expect(c.category?.code).toBe(classified.categoryCode);
    expect(c.department?.code).toBe(classified.departmentCode);
    expect(c.department?.code).toBe(withCompany.props.propertyCompanyCode);
    expect(c.cc.map((x) => x.code).sort()).toEqual([...classified.ccCodes].sort());
    expect(c.timeline!.map((e) => e.action)).toEqual(['reported', 'filed', 'dispatched']);
  });

  it('leaves a vague report in triage (reported, no category, no department) with suggestions for the dispatcher', async () => {
    const created = await report(resident, { description: '路边那个东西坏了', location: { lng: oldEstate.lng, lat: oldEstate.lat } });
    const c = await getCase(created.id);
    expect(c.state).toBe('reported');
    expect(c.category).toBeNull();
    expect(c.department).toBeNull();
    expect(c.advice?.categoryCode).toBeNull();
    const suggestions = c.advice!.explanation.suggestions!;
    expect(suggestions).toHaveLength(3);
    expect(suggestions[0]!.confidence).toBeLessThan(t.config.classifyThreshold);
    expect(suggestions[0]!.confidence).toBeGreaterThanOrEqual(suggestions[1]!.confidence);
    const queue = (await t.req('GET', '/api/cases?state=reported', { cookie: dispatcher })).json() as { items: Array<{ id: string }> };
    expect(queue.items.map((x) => x.id)).toContain(c.id);
  });
});

describe('manual dispatch uses the routing rules', () => {
  it('sends a dispatch without a department where a location rule says, not to the category default', async () => {
    // An admin gives 社区 (SQ) the Qiaotou community as service area and routes 暴露垃圾 (EN01, default HW) there.
    const communities = (await t.req('GET', '/api/org/nodes?level=community', { cookie: admin })).json() as Array<{ code: string; geometry: unknown }>;
    const area = communities.find((c) => c.code === '430103007001')!.geometry;
    const depts = (await t.req('GET', '/api/org/departments', { cookie: admin })).json() as Array<{ id: string; code: string }>;
    const sq = depts.find((d) => d.code === 'SQ')!;
    expect((await t.req('PATCH', `/api/org/departments/${sq.id}`, { cookie: admin, body: { serviceArea: area } })).statusCode).toBe(200);
    const rule = await t.req('POST', '/api/dispatch/rules', { cookie: admin, body: { name: '桥头社区暴露垃圾由居委会先行处置', kind: 'service_area', priority: 5, categoryCodes: ['EN01'], params: { departmentCode: 'SQ' } } });
    expect(rule.statusCode).toBe(201);

    const inQiaotou = estates.find((e) => e.code.startsWith('430103007001') && e.id !== withCompany.id && e.id !== oldEstate.id) ?? estates.find((e) => e.code.startsWith('430103007001'))!;
    const elsewhere = estates.find((e) => e.code.startsWith('430103007005'))!;
    const [inside, outside] = await allToTriage(async () => [
      await report(dispatcher, { description: '垃圾没人清', category: 'EN01', location: { lng: inQiaotou.lng, lat: inQiaotou.lat } }),
      await report(dispatcher, { description: '垃圾没人清', category: 'EN01', location: { lng: elsewhere.lng, lat: elsewhere.lat } }),
    ]);
    expect(inside.state).toBe('reported');
    expect(outside.state).toBe('reported');

    const a = await act(inside.id, 'dispatch', { version: inside.version });
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json().department.code).toBe('SQ');
    const dispatched = (await getCase(inside.id)).timeline!.find((e) => e.action === 'dispatched')!;
    expect(dispatched.data?.rule).toBe('桥头社区暴露垃圾由居委会先行处置');
    const b = await act(outside.id, 'dispatch', { version: outside.version });
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json().department.code).toBe('HW');

    // An explicit department still wins over the rules.
    const [explicit] = await allToTriage(async () => [await report(dispatcher, { description: '垃圾堆在路口', category: 'EN01', location: { lng: inQiaotou.lng, lat: inQiaotou.lat } })]);
    const e = await act(explicit!.id, 'dispatch', { version: explicit!.version, departmentCode: 'HW' });
    expect(e.statusCode, e.body).toBe(200);
    expect(e.json().department.code).toBe('HW');
    expect((await t.req('DELETE', `/api/dispatch/rules/${rule.json().id}`, { cookie: admin })).statusCode).toBe(204);
  });

  it('routes a manhole by the owner its description names, unless the dispatcher changes the category', async () => {
    const at = { lng: oldEstate.lng, lat: oldEstate.lat };
    const [kept, changed] = await allToTriage(async () => [
      await report(dispatcher, { description: '井盖上写着电信，已经碎了', category: 'UF02', location: at }),
      await report(dispatcher, { description: '井盖上写着电信，已经碎了', category: 'UF02', location: at }),
    ]);
    // Same routing as intake: the cover-type rule reads 电信 in the text (UF02's default is SZ).
    const k = await act(kept!.id, 'dispatch', { version: kept!.version });
    expect(k.statusCode, k.body).toBe(200);
    expect(k.json().department.code).toBe('TX');
    // A person's choice of category (供水井盖) is not overridden by a keyword of the text.
    const c = await act(changed!.id, 'dispatch', { version: changed!.version, categoryCode: 'UF01' });
    expect(c.statusCode, c.body).toBe(200);
    expect(c.json().department.code).toBe('GS');
  });
});

describe("dispatchers' category changes are captured as corrections", () => {
  it('stores a dispatch to another category than the classifier suggested, in the same step, and the next training run learns it', async () => {
    const text = '快递柜门打不开，取件码没用';
    const similar = '菜鸟驿站的快递柜门打不开，件拿不出来';
    const labels = labelSet();
    const trained = async () => new Classifier(trainModel([...trainingExamples(), ...(await correctionExamples(t.og.ctx.db))], labels, { calibrationFolds: 0 }));
    expect((await trained()).predict(similar).top[0]!.code).not.toBe('PR01');

    const created = await allToTriage(() => report(resident, { description: text, location: { lng: withCompany.lng, lat: withCompany.lat } }));
    const c = await getCase(created.id);
    expect(c.state).toBe('reported');
    const suggested = c.advice!.explanation.suggestions![0]!.code;
    expect(suggested).not.toBe('PR01');

    // A stale version is refused and stores nothing.
    expect((await act(c.id, 'dispatch', { version: c.version + 1, categoryCode: 'PR01' })).statusCode).toBe(409);
    expect(await correctionsOf(c.id)).toHaveLength(0);

    const d = await act(c.id, 'dispatch', { version: c.version, categoryCode: 'PR01' });
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json().category.code).toBe('PR01');
    const rows = await correctionsOf(c.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text, predicted_code: suggested, corrected_code: 'PR01', actor_name: expect.any(String) });
    const audited = await t.og.ctx.db.selectFrom('audit_log').select('entity_id').where('action', '=', 'dispatch.correction.create').execute();
    expect(audited.map((x) => x.entity_id)).toContain(rows[0]!.id);
    const listed = (await t.req('GET', '/api/dispatch/corrections', { cookie: admin })).json() as { items: Array<{ caseId: string; correctedCode: string }> };
    expect(listed.items).toContainEqual(expect.objectContaining({ caseId: c.id, correctedCode: 'PR01' }));

    // What `npm run train` reads, and what it then makes of a similar report.
    expect(await correctionExamples(t.og.ctx.db)).toContainEqual({ text, label: 'PR01', weight: CORRECTION_WEIGHT });
    expect((await trained()).predict(similar).top[0]!.code).toBe('PR01');
  });

  it("stores a change of the reporter's category when filing, and nothing when the category is kept", async () => {
    const [changed, kept] = await allToTriage(async () => [
      await report(dispatcher, { description: '马路中间有个大坑，车子开过去颠得厉害', category: 'EN01', location: { lng: oldEstate.lng, lat: oldEstate.lat } }),
      await report(dispatcher, { description: '单元门口堆满了垃圾没人清', category: 'EN01', location: { lng: oldEstate.lng, lat: oldEstate.lat } }),
    ]);
    const f = await act(changed!.id, 'file', { version: changed!.version, categoryCode: 'RT01' });
    expect(f.statusCode, f.body).toBe(200);
    expect(await correctionsOf(changed!.id)).toEqual([expect.objectContaining({ predicted_code: 'EN01', corrected_code: 'RT01' })]);
    // Dispatching it afterwards with the category it now has is no further correction.
    expect((await act(changed!.id, 'dispatch', { version: f.json().version })).statusCode).toBe(200);
    expect(await correctionsOf(changed!.id)).toHaveLength(1);

    const k = await act(kept!.id, 'dispatch', { version: kept!.version, categoryCode: 'EN01' });
    expect(k.statusCode, k.body).toBe(200);
    expect(await correctionsOf(kept!.id)).toHaveLength(0);
  });
});
