import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

const inQiaotou = { lng: 112.962, lat: 28.168 };

describe('personal information rights (PIPL)', () => {
  it('exports the resident’s own data in clear, with their cases, consents and who viewed their data', async () => {
    const res = await t.login('resident.qiaotou');
    const me = (await t.req('GET', '/api/auth/me', { cookie: res })).json();
    const gw = await t.login('grid_worker.qiaotou');
    await t.req('GET', `/api/org/residents/${me.residentId}?reveal=phone`, { cookie: gw });
    const report = await t.req('POST', '/api/cases', { cookie: res, body: { description: '楼道灯坏了', location: inQiaotou, address: '桥头小区' } });
    expect(report.statusCode).toBe(201);
    expect((await t.req('POST', '/api/privacy/consents', { cookie: res, body: { purpose: 'health_monitoring', granted: true } })).statusCode).toBe(201);

    const exp = await t.req('GET', '/api/privacy/me/export', { cookie: res });
    expect(exp.statusCode).toBe(200);
    expect(exp.headers['content-disposition']).toContain('attachment');
    const data = exp.json();
    expect(data.resident.id).toBe(me.residentId);
    expect(data.resident.phone).toMatch(/^1\d{10}$/);
    expect(data.cases.map((c: { id: string }) => c.id)).toContain(report.json().id);
    expect(data.consents).toEqual([expect.objectContaining({ purpose: 'health_monitoring', granted: true, channel: 'self' })]);
    expect(data.accessLog.some((a: { by: string; fields: string[] }) => a.by.includes('网格员') && a.fields.includes('phone'))).toBe(true);
    // staff have no "my data" of a resident to export
    expect((await t.req('GET', '/api/privacy/me/export', { cookie: gw })).statusCode).toBe(403);
  });

  it('keeps the latest consent per purpose in force, with the history', async () => {
    const res = await t.login('resident.mulian');
    await t.req('POST', '/api/privacy/consents', { cookie: res, body: { purpose: 'targeted_notices', granted: true } });
    t.clock.advanceMinutes(5);
    await t.req('POST', '/api/privacy/consents', { cookie: res, body: { purpose: 'targeted_notices', granted: false } });
    const c = (await t.req('GET', '/api/privacy/me/consents', { cookie: res })).json();
    expect(c.current).toEqual([expect.objectContaining({ purpose: 'targeted_notices', granted: false })]);
    expect(c.history).toHaveLength(2);
    expect((await t.req('POST', '/api/privacy/consents', { cookie: res, body: { purpose: 'selling_data', granted: true } })).statusCode).toBe(400);
  });

  it('defers deletion while the resident has an unfinished case, and deletes once none is open', async () => {
    const res = await t.login('resident.xintian');
    const me = (await t.req('GET', '/api/auth/me', { cookie: res })).json();
    const staff = await t.login('community_admin.xintian');
    const before = (await t.req('GET', `/api/org/residents/${me.residentId}?reveal=phone`, { cookie: staff })).json();
    // A vague report: the classifier is not confident, so it waits for the dispatcher (state 'reported').
    const c = (await t.req('POST', '/api/cases', { cookie: res, body: { description: '有点情况想向社区反映一下', location: { lng: 112.962, lat: 28.142 }, address: '新天村' } })).json();
    expect(c.state).toBe('reported');

    const req1 = await t.req('POST', '/api/privacy/me/deletion-request', { cookie: res, body: { note: '我要搬走了' } });
    expect(req1.statusCode).toBe(201);
    expect((await t.req('POST', '/api/privacy/me/deletion-request', { cookie: res, body: {} })).statusCode).toBe(409);
    // another community's staff cannot handle it
    expect((await t.req('POST', `/api/privacy/deletion-requests/${req1.json().id}/execute`, { cookie: await t.login('community_admin.qiaotou') })).statusCode).toBe(404);

    const deferred = (await t.req('POST', `/api/privacy/deletion-requests/${req1.json().id}/execute`, { cookie: staff })).json();
    expect(deferred.state).toBe('deferred');
    expect(deferred.exceptions[0].refs).toContain(c.number);
    expect((await t.req('GET', `/api/org/residents/${me.residentId}`, { cookie: staff })).json().name).toBe(before.name);

    // the case is finished (rejected by the dispatcher): deletion goes ahead
    const dispatcher = await t.login('dispatcher');
    const cur = (await t.req('GET', `/api/cases/${c.id}`, { cookie: dispatcher })).json();
    const rej = await t.req('POST', `/api/cases/${c.id}/reject`, { cookie: dispatcher, body: { version: cur.version, reason: '内容不明确，请补充后重新上报' } });
    expect(rej.statusCode, rej.body).toBe(200);
    const done = (await t.req('POST', `/api/privacy/deletion-requests/${req1.json().id}/execute`, { cookie: staff })).json();
    expect(done.state).toBe('completed');
    const after = (await t.req('GET', `/api/org/residents/${me.residentId}?reveal=phone`, { cookie: staff })).json();
    expect(after.name).toBe('已注销居民');
    expect(after.phone).toBeNull();
    expect((await t.req('GET', `/api/org/residents?phone=${before.phone}`, { cookie: staff })).json().total).toBe(0);
    expect((await t.req('GET', '/api/auth/me', { cookie: res })).statusCode).toBe(401);
    const login = await t.req('POST', '/api/auth/login', { body: { username: 'resident.xintian', password: 'onegrid-demo' } });
    expect(login.statusCode).toBe(403);
    const audited = await t.og.ctx.db.selectFrom('audit_log').select('action').where('entity_id', '=', me.residentId).where('action', 'like', 'privacy.%').execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['privacy.deletion.complete', 'privacy.deletion.defer', 'privacy.deletion.request']);
  });
});
