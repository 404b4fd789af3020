import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('./testing.js')).stubAdviseIntake(m) };
});
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createUser } from '../../platform/auth/service.js';
import { nodeBriefs } from '../org/index.js';
import { MULIAN_G01, pointIn, post, reportAs, step, Users } from './testing.js';

/** Everyone bound to the street node with a supervising role in the demo district (hand-listed from the seed). */
const STREET_STAFF = ['supervisor', 'street_admin', 'street_admin.qiaotou', 'street_admin.mulian', 'street_admin.xintian', 'street_admin.baoziling', 'street_admin.xinkaipu'];
const QIAOTOU_STAFF = ['community_admin.qiaotou', 'supervisor.qiaotou'];

describe('cases: escalation (提级) up the administrative tree', () => {
  let t: TestApp;
  let u: Users;
  beforeAll(async () => {
    t = await startTestApp();
    u = new Users(t);
  });
  afterAll(async () => t?.close());

  /** Usernames whose inbox holds a case.escalated notification for this case, with how many each. */
  async function escalationInbox(caseId: string): Promise<Record<string, number>> {
    const rows = await t.og.ctx.db
      .selectFrom('notifications')
      .innerJoin('users', 'users.id', 'notifications.user_id')
      .select(['users.username'])
      .where('notifications.kind', '=', 'case.escalated')
      .where('notifications.link', '=', `/cases/${caseId}`)
      .execute();
    const out: Record<string, number> = {};
    for (const r of rows) out[r.username] = (out[r.username] ?? 0) + 1;
    return out;
  }
  async function board(who: string): Promise<Array<{ id: string; escalation: { levelName: string; node: { name: string } } }>> {
    const r = await t.req('GET', '/api/cases/board?kind=escalated&pageSize=100', { cookie: who.startsWith('og_session=') ? who : await u.as(who) });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().items;
  }

  async function dispatchedCase(description: string, cell?: [number, number]) {
    const dispatcher = await u.as('dispatcher');
    const c = await reportAs(t, dispatcher, { description, category: 'RT01', ...(cell ? { location: pointIn(cell) } : {}) });
    return step(t, dispatcher, c.id, 'dispatch', { version: c.version });
  }

  it('moves a grid case to the community, then the street, notifying only that level, and refuses a third', async () => {
    let c = await dispatchedCase('人行道板大面积松动，多次反映未解决');
    expect(c.escalationLevel).toBe(0);
    expect(c.escalation).toBeNull();
    const community = (c.community as { name: string }).name;

    // 1st: the street supervisor raises it to the community (社区)
    c = await step(t, await u.as('supervisor'), c.id, 'escalate', { version: c.version, reason: '涉及小区物业与市政交界，需社区牵头协调' });
    expect(c.escalationLevel).toBe(1);
    expect(c.escalation).toMatchObject({ level: 1, levelName: '社区', node: { name: community } });
    expect(await escalationInbox(c.id)).toEqual(Object.fromEntries(QIAOTOU_STAFF.map((n) => [n, 1])));
    // the community's board marks it; the street's board does not yet; another community cannot see it
    expect((await board('supervisor.qiaotou')).find((x) => x.id === c.id)?.escalation).toMatchObject({ levelName: '社区', node: { name: community } });
    expect((await board('supervisor')).map((x) => x.id)).not.toContain(c.id);
    expect((await board('supervisor.mulian')).map((x) => x.id)).not.toContain(c.id);

    // 2nd: the community supervisor raises it to the street (街道)
    c = await step(t, await u.as('supervisor.qiaotou'), c.id, 'escalate', { version: c.version, reason: '社区协调未果，提请街道督办' });
    expect(c.escalationLevel).toBe(2);
    expect(c.escalation).toMatchObject({ level: 2, levelName: '街道', node: { name: '新开铺街道' } });
    expect(await escalationInbox(c.id)).toEqual({ ...Object.fromEntries(QIAOTOU_STAFF.map((n) => [n, 1])), ...Object.fromEntries(STREET_STAFF.map((n) => [n, 1])) });
    expect((await board('supervisor')).find((x) => x.id === c.id)?.escalation).toMatchObject({ levelName: '街道' });
    expect((await board('supervisor.qiaotou')).map((x) => x.id)).toContain(c.id);

    // the timeline shows both steps with the level reached and the reason
    const staffView = (await t.req('GET', `/api/cases/${c.id}`, { cookie: await u.as('supervisor') })).json();
    const steps = staffView.timeline.filter((e: { action: string }) => e.action === 'escalated');
    expect(steps.map((e: { label: string; note: string; data: Record<string, unknown> }) => [e.label, e.note, e.data.fromLevel, e.data.level, e.data.levelName, e.data.nodeName])).toEqual([
      ['提级', '涉及小区物业与市政交界，需社区牵头协调', 0, 1, '社区', community],
      ['提级', '社区协调未果，提请街道督办', 1, 2, '街道', '新开铺街道'],
    ]);
    expect(steps.map((e: { actor: string }) => e.actor)).toEqual(['街道督办员', '桥头督办员']);

    // 3rd: nobody supervises the district in the demo: refused with 409, nothing changes
    expect(staffView.allowedActions).not.toContain('escalate');
    const r = await post(t, await u.as('supervisor'), `/api/cases/${c.id}/escalate`, { version: c.version, reason: '再提级' });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.message).toMatch(/已提级至新开铺街道.*不能再提级/);
    expect(r.json().error.details.allowed).not.toContain('escalate');
    const after = (await t.req('GET', `/api/cases/${c.id}`, { cookie: await u.as('supervisor') })).json();
    expect(after.version).toBe(c.version);
    expect(after.escalationLevel).toBe(2);
    expect(Object.values(await escalationInbox(c.id)).reduce((a, b) => a + b, 0)).toBe(QIAOTOU_STAFF.length + STREET_STAFF.length);
  });

  it('refuses escalation of a finished case with the usual 409, and needs a reason', async () => {
    const dispatcher = await u.as('dispatcher');
    const c = await reportAs(t, dispatcher, { description: '咨询公积金提取', category: 'RT01', location: pointIn(MULIAN_G01) });
    expect((await post(t, await u.as('supervisor'), `/api/cases/${c.id}/escalate`, { version: c.version, reason: '  ' })).statusCode).toBe(400);
    const x = await step(t, dispatcher, c.id, 'reject', { version: c.version, reason: '非本平台受理范围' });
    const r = await post(t, await u.as('supervisor'), `/api/cases/${c.id}/escalate`, { version: x.version, reason: '提级' });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.message).toContain('不予立案');
    expect(await escalationInbox(c.id)).toEqual({});
  });

  it('reaches the district once someone supervises it there, and refuses beyond the top', async () => {
    const [district] = await nodeBriefs(t.og.ctx.db, { levels: ['district'] });
    await createUser(t.og.ctx, systemActor(), { username: 'supervisor.district', displayName: '区城运中心督办员', password: 'district-demo-2026', roles: ['supervisor'], nodeId: district!.id });
    let c = await dispatchedCase('主干道路灯成片不亮', MULIAN_G01);
    const districtCookie = await t.login('supervisor.district', 'district-demo-2026');
    const sup = await u.as('supervisor');
    c = await step(t, sup, c.id, 'escalate', { version: c.version, reason: '社区牵头' });
    c = await step(t, sup, c.id, 'escalate', { version: c.version, reason: '街道协调' });
    expect(c.allowedActions).toContain('escalate');
    c = await step(t, sup, c.id, 'escalate', { version: c.version, reason: '涉及区级主干道管养单位，提请区级督办' });
    expect(c.escalation).toMatchObject({ level: 3, levelName: '区', node: { id: district!.id } });
    const inbox = await escalationInbox(c.id);
    expect(inbox).toEqual({ 'community_admin.mulian': 1, 'supervisor.mulian': 1, ...Object.fromEntries(STREET_STAFF.filter((n) => n !== 'supervisor').map((n) => [n, 1])), 'supervisor.district': 1 });
    expect((await board(districtCookie)).map((x) => x.id)).toEqual([c.id]);
    expect(c.allowedActions).not.toContain('escalate');
    const r = await post(t, sup, `/api/cases/${c.id}/escalate`, { version: c.version, reason: '再提级' });
    expect(r.statusCode).toBe(409);
    expect(r.json().error.message).toBe(`案卷已提级至${district!.name}，已是最高层级，不能再提级`);
  });
});
