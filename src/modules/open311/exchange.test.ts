import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('../cases/testing.js')).stubAdviseIntake(m) };
});

import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { advisorStub, pointIn, QIAOTOU_G01, QIAOTOU_G02, reportAs, step, Users } from '../cases/testing.js';

describe('data exchange with a higher-level platform', () => {
  let t: TestApp;
  let users: Users;
  beforeAll(async () => {
    t = await startTestApp();
    users = new Users(t);
  });
  afterAll(async () => t?.close());

  it('imports cases and decisions idempotently by external id and exports escalated cases', async () => {
    const admin = await users.as('admin');
    const pt = pointIn(QIAOTOU_G02, 0.4, 0.6);
    const doc = { format: 'onegrid.exchange/v1', system: 'city12345', items: [{ type: 'case', externalId: 'H12345-0001', description: '市民来电：小区门口井盖缺失', serviceCode: 'UF02', lat: pt.lat, long: pt.lng }] };
    const r1 = await t.req('POST', '/api/exchange/import', { cookie: admin, body: doc });
    expect(r1.statusCode).toBe(200);
    const res1 = (r1.json() as { results: Array<{ result: string; caseNumber: string }> }).results[0]!;
    expect(res1.result).toBe('created');
    const r2 = await t.req('POST', '/api/exchange/import', { cookie: admin, body: doc });
    expect((r2.json() as { results: Array<{ result: string; caseNumber: string }> }).results[0]).toMatchObject({ result: 'unchanged', caseNumber: res1.caseNumber });
    const n = await t.og.ctx.db.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).where('channel', '=', 'hotline').executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(1);

    // a decision coming back updates the case once
    const dec = { format: 'onegrid.exchange/v1', system: 'city12345', items: [{ type: 'decision', externalId: 'D-1', caseNumber: res1.caseNumber, decision: 'instruct', note: '请于今日内处置' }] };
    expect((await t.req('POST', '/api/exchange/import', { cookie: admin, body: dec })).json()).toMatchObject({ results: [{ result: 'applied' }] });
    expect((await t.req('POST', '/api/exchange/import', { cookie: admin, body: dec })).json()).toMatchObject({ results: [{ result: 'unchanged' }] });
    const row = await t.og.ctx.db.selectFrom('cases').select('id').where('number', '=', res1.caseNumber).executeTakeFirstOrThrow();
    const notes = await t.og.ctx.db.selectFrom('case_events').select('note').where('case_id', '=', row.id).where('action', '=', 'note').execute();
    expect(notes.filter((x) => x.note?.includes('请于今日内处置'))).toHaveLength(1);

    // escalated cases are exported in the exchange format
    const gw = await users.as('grid_worker.qiaotou');
    const c = await reportAs(t, gw, { description: '违章搭建', location: pointIn(QIAOTOU_G01, 0.7, 0.3) });
    const sup = await users.as('supervisor');
    await step(t, sup, c.id, 'escalate', { version: c.version, reason: '跨部门难以协调，提请上级' });
    const ex = await t.req('GET', '/api/exchange/cases?system=city12345', { cookie: admin });
    expect(ex.statusCode).toBe(200);
    const items = (ex.json() as { format: string; items: Array<{ caseNumber: string; escalationLevel: number; status: string }> }).items;
    expect(items.map((i) => i.caseNumber)).toEqual([c.number]);
    expect(items[0]).toMatchObject({ escalationLevel: 1, status: 'open' });

    const bad = await t.req('POST', '/api/exchange/import', { cookie: admin, body: { format: 'x', system: 'city12345', items: [] } });
    expect(bad.statusCode).toBe(400);
    expect((await t.req('POST', '/api/exchange/import', { cookie: gw, body: doc })).statusCode).toBe(403);
  });

  it('the same decision imported twice concurrently applies once; a failed decision leaves no link', async () => {
    const admin = await users.as('admin');
    const pt = pointIn(QIAOTOU_G02, 0.3, 0.3);
    const down = { format: 'onegrid.exchange/v1', system: 'yiwangtongguan', items: [{ type: 'case', externalId: 'Y-0001', description: '市民来电：路灯不亮', serviceCode: 'UF06', lat: pt.lat, long: pt.lng }] };
    // dispatched at intake, so it can be urged
    advisorStub.auto = true;
    const imported = await t.req('POST', '/api/exchange/import', { cookie: admin, body: down }).finally(() => {
      advisorStub.auto = false;
    });
    const number = (imported.json() as { results: Array<{ caseNumber: string }> }).results[0]!.caseNumber;
    const row = await t.og.ctx.db.selectFrom('cases').select(['id', 'urge_count', 'state']).where('number', '=', number).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ urge_count: 0, state: 'dispatched' });

    const urge = { format: 'onegrid.exchange/v1', system: 'yiwangtongguan', items: [{ type: 'decision', externalId: 'U-7', caseNumber: number, decision: 'urge', note: '请加快处置' }] };
    const [a, b] = await Promise.all([t.req('POST', '/api/exchange/import', { cookie: admin, body: urge }), t.req('POST', '/api/exchange/import', { cookie: admin, body: urge })]);
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    const results = [a, b].map((r) => (r.json() as { results: Array<{ result: string; caseNumber: string }> }).results[0]!);
    expect(results.map((r) => r.result).sort()).toEqual(['applied', 'unchanged']);
    expect(results.every((r) => r.caseNumber === number)).toBe(true);
    const after = await t.og.ctx.db.selectFrom('cases').select('urge_count').where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(after.urge_count).toBe(1);
    const urged = await t.og.ctx.db.selectFrom('case_events').select('note').where('case_id', '=', row.id).where('action', '=', 'urged').execute();
    expect(urged).toHaveLength(1);
    expect(urged[0]!.note).toContain('请加快处置');
    const links = await t.og.ctx.db.selectFrom('exchange_links').select('case_id').where('system', '=', 'yiwangtongguan').where('external_id', '=', 'decision:U-7').execute();
    expect(links).toEqual([{ case_id: row.id }]);

    // reopening a case that is not closed fails: the decision and its link roll back together
    const reopen = { format: 'onegrid.exchange/v1', system: 'yiwangtongguan', items: [{ type: 'decision', externalId: 'R-1', caseNumber: number, decision: 'reopen', note: '群众不满意' }] };
    const r = (await t.req('POST', '/api/exchange/import', { cookie: admin, body: reopen })).json() as { results: Array<{ result: string; message?: string }> };
    expect(r.results[0]!.result).toBe('error');
    expect(r.results[0]!.message).toBeTruthy();
    expect(await t.og.ctx.db.selectFrom('exchange_links').select('case_id').where('external_id', '=', 'decision:R-1').execute()).toEqual([]);
    expect((await t.og.ctx.db.selectFrom('case_events').select('id').where('case_id', '=', row.id).where('action', '=', 'reopened').execute()).length).toBe(0);
  });
});
