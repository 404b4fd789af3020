import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../../modules/dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../../modules/dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('../../modules/cases/testing.js')).stubAdviseIntake(m) };
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { pointIn, QIAOTOU_G01, reportAs, step, Users } from '../../modules/cases/testing.js';
import { newId } from '../ids.js';
import { relayOutbox, verifySignature, backoffMs, settleDeliveries, SIGNATURE_HEADER } from './service.js';

interface Received {
  eventId: string;
  type: string;
  body: string;
  signature: string | undefined;
  answered: number;
  path: string;
}

const SECRET = 'test-secret-0123456789abcdef';

describe('transactional outbox and signed webhooks', () => {
  let t: TestApp;
  let users: Users;
  let server: Server;
  let url: string;
  let failing = false;
  /** runs inside the receiver before it answers (the sender is waiting on the POST meanwhile) */
  let whileReceiving: ((deliveryId: string, path: string) => Promise<void>) | null = null;
  const received: Received[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    users = new Users(t);
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (whileReceiving) await whileReceiving(String(req.headers['x-onegrid-delivery']), String(req.url));
        const body = Buffer.concat(chunks).toString('utf8');
        const status = failing ? 500 : 200;
        received.push({ eventId: String(req.headers['x-onegrid-event-id']), type: String(req.headers['x-onegrid-event']), body, signature: req.headers[SIGNATURE_HEADER] as string | undefined, answered: status, path: String(req.url) });
        res.statusCode = status;
        res.end(failing ? 'down' : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await t?.close();
  });

  /** Relays the outbox and runs due jobs until nothing more is due at the current time. */
  async function pump(): Promise<void> {
    for (let i = 0; i < 10; i++) {
      const relayed = await relayOutbox(t.og.ctx);
      const ran = await t.og.ctx.jobs.runDue();
      // the POST and its recording run after the job's transaction
      await settleDeliveries();
      if (!relayed && !ran) return;
    }
  }
  const accepted = () => received.filter((r) => r.answered === 200);

  it('delivers each case event exactly once with a valid signature, also across a receiver outage', async () => {
    const admin = await users.as('admin');
    const bad = await t.req('POST', '/api/webhooks/subscribers', { cookie: admin, body: { name: 'x', url: 'ftp://nope', events: ['case.created'], secret: SECRET } });
    expect(bad.statusCode).toBe(400);
    const sub = await t.req('POST', '/api/webhooks/subscribers', { cookie: admin, body: { name: '市级平台', url, events: ['case.created', 'case.dispatched', 'case.resolved', 'case.closed', 'case.reopened'], secret: SECRET } });
    expect(sub.statusCode).toBe(201);

    const gw = await users.as('grid_worker.qiaotou');
    const c = await reportAs(t, gw, { description: '路灯不亮', location: pointIn(QIAOTOU_G01, 0.3, 0.7), category: 'UF03' });
    await pump();
    expect(accepted().map((r) => r.type)).toEqual(['case.created']);
    const first = accepted()[0]!;
    expect(verifySignature(SECRET, first.body, first.signature)).toBe(true);
    expect(verifySignature('another-secret-0000000000', first.body, first.signature)).toBe(false);
    expect(JSON.parse(first.body)).toMatchObject({ type: 'case.created', data: { caseId: c.id, number: c.number, state: 'reported' } });

    // the receiver goes down; the dispatcher files and dispatches meanwhile
    failing = true;
    const disp = await users.as('dispatcher');
    const filed = await step(t, disp, c.id, 'file', { version: c.version });
    await step(t, disp, c.id, 'dispatch', { version: filed.version });
    await pump();
    expect(received.filter((r) => r.type === 'case.dispatched' && r.answered === 500)).toHaveLength(1);
    // a retry waits for its backoff: nothing more is sent at the same instant
    await pump();
    expect(received.filter((r) => r.type === 'case.dispatched')).toHaveLength(1);
    t.clock.advance(backoffMs(1));
    await pump();
    expect(received.filter((r) => r.type === 'case.dispatched' && r.answered === 500)).toHaveLength(2);

    failing = false;
    t.clock.advance(backoffMs(2));
    await pump();
    const dispatched = accepted().filter((r) => r.type === 'case.dispatched');
    expect(dispatched).toHaveLength(1);
    expect(verifySignature(SECRET, dispatched[0]!.body, dispatched[0]!.signature)).toBe(true);
    expect(JSON.parse(dispatched[0]!.body).data).toMatchObject({ state: 'dispatched', departmentCode: expect.any(String) });

    // much later, with every job run again, nothing is sent twice
    t.clock.advance(24 * 3_600_000);
    users.reset();
    await pump();
    const ids = accepted().map((r) => r.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(accepted().map((r) => r.type)).toEqual(['case.created', 'case.dispatched']);

    // the delivery log shows the three attempts of the dispatched event
    const admin2 = await users.as('admin');
    const log = await t.req('GET', '/api/webhooks/deliveries?state=delivered', { cookie: admin2 });
    expect(log.statusCode).toBe(200);
    const d = (log.json() as { items: Array<{ id: string; eventType: string; attempts: number }> }).items.find((x) => x.eventType === 'case.dispatched')!;
    expect(d.attempts).toBe(3);
    const detail = (await t.req('GET', `/api/webhooks/deliveries/${d.id}`, { cookie: admin2 })).json() as { log: Array<{ ok: boolean; status: number }> };
    expect(detail.log.map((a) => [a.status, a.ok])).toEqual([
      [500, false],
      [500, false],
      [200, true],
    ]);

    // replay from the console sends the same event (same id, fresh signature) once more
    const rep = await t.req('POST', `/api/webhooks/deliveries/${d.id}/replay`, { cookie: admin2 });
    expect(rep.statusCode).toBe(200);
    await pump();
    const again = accepted().filter((r) => r.type === 'case.dispatched');
    expect(again).toHaveLength(2);
    expect(again[1]!.eventId).toBe(again[0]!.eventId);
    expect(verifySignature(SECRET, again[1]!.body, again[1]!.signature)).toBe(true);
    expect((await t.req('POST', `/api/webhooks/deliveries/${newId()}/replay`, { cookie: admin2 })).statusCode).toBe(404);
    expect((await t.req('GET', '/api/webhooks/subscribers', { cookie: await users.as('dispatcher') })).statusCode).toBe(403);
  });

  it('a rolled-back transaction emits nothing', async () => {
    // a case of its own, whose creation is delivered before the rolled-back change
    const sub = await t.req('POST', '/api/webhooks/subscribers', { cookie: await users.as('admin'), body: { name: '回滚测试', url: `${url}/rollback`, events: ['*'], secret: SECRET } });
    expect(sub.statusCode).toBe(201);
    const c = await reportAs(t, await users.as('grid_worker.qiaotou'), { description: '人行道破损', location: pointIn(QIAOTOU_G01, 0.6, 0.4), category: 'UF03' });
    await pump();
    expect(accepted().filter((r) => r.path === '/hook/rollback' && JSON.parse(r.body).data.caseId === c.id).map((r) => r.type)).toEqual(['case.created']);
    const before = received.length;
    const countOutbox = async () => Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox`.execute(t.og.ctx.db)).rows[0]!.n);
    const n0 = await countOutbox();
    let seenInside = 0;
    await expect(
      t.og.ctx.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO case_events (id, case_id, at, action, from_state, to_state, actor_name, data) VALUES (${newId()}, ${c.id}, ${t.clock.now()}, 'closed', 'resolved', 'closed', 'test', '{}')`.execute(trx);
        seenInside = Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM outbox`.execute(trx)).rows[0]!.n);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    // the outbox row existed inside the transaction (same transaction as the timeline row) and vanished with it
    expect(seenInside).toBe(n0 + 1);
    expect(await countOutbox()).toBe(n0);
    // a real case step (a valid transition) refused for a stale version writes nothing either
    const disp = await users.as('dispatcher');
    const stale = await t.req('POST', `/api/cases/${c.id}/file`, { cookie: disp, body: { version: c.version + 1 } });
    expect(stale.statusCode).toBe(409);
    expect(await countOutbox()).toBe(n0);
    t.clock.advance(3_600_000);
    await pump();
    expect(received.length).toBe(before);
  });

  it('posts outside any transaction, and reports rejected and merged cases as closed', async () => {
    // While the receiver holds the POST, the delivery row is claimed (lease) but not locked, and the
    // database answers other work (PGlite has one connection: a transaction open across the POST would stall this).
    const admin = await users.as('admin');
    const sub = await t.req('POST', '/api/webhooks/subscribers', { cookie: admin, body: { name: '结案通知', url: `${url}/closed`, events: ['case.created', 'case.closed'], secret: SECRET } });
    expect(sub.statusCode).toBe(201);
    const seen: Array<{ state: string; nextAt: number }> = [];
    whileReceiving = async (deliveryId, path) => {
      if (path !== '/hook/closed') return;
      const r = await sql<{ state: string; next_at: Date }>`SELECT state, next_at FROM webhook_deliveries WHERE id = ${deliveryId} FOR UPDATE NOWAIT`.execute(t.og.ctx.db);
      seen.push({ state: r.rows[0]!.state, nextAt: new Date(r.rows[0]!.next_at).getTime() });
    };
    try {
      const gw = await users.as('grid_worker.qiaotou');
      const disp = await users.as('dispatcher');
      const a = await reportAs(t, gw, { description: '占道经营', location: pointIn(QIAOTOU_G01, 0.2, 0.8), category: 'UF03' });
      const b = await reportAs(t, gw, { description: '占道经营（重复）', location: pointIn(QIAOTOU_G01, 0.2, 0.8), category: 'UF03' });
      const r = await reportAs(t, gw, { description: '非本平台事项', location: pointIn(QIAOTOU_G01, 0.8, 0.2), category: 'UF03' });
      await pump();
      const forCase = (id: string) => accepted().filter((x) => x.path === '/hook/closed' && JSON.parse(x.body).data.caseId === id);
      for (const c of [a, b, r]) expect(forCase(c.id).map((x) => x.type)).toEqual(['case.created']);
      expect(seen.length).toBe(3);
      for (const x of seen) {
        expect(x.state).toBe('pending');
        expect(x.nextAt).toBe(t.clock.now().getTime() + 60_000);
      }

      await step(t, disp, r.id, 'reject', { version: r.version, reason: '非本平台受理范围' });
      await step(t, disp, b.id, 'merge', { version: b.version, intoId: a.id });
      await pump();
      expect(forCase(r.id).map((x) => [x.type, JSON.parse(x.body).data.state])).toEqual([
        ['case.created', 'reported'],
        ['case.closed', 'rejected'],
      ]);
      expect(forCase(b.id).map((x) => [x.type, JSON.parse(x.body).data.state])).toEqual([
        ['case.created', 'reported'],
        ['case.closed', 'merged'],
      ]);
      // the case merged into stays open: it raised nothing more
      expect(forCase(a.id).map((x) => x.type)).toEqual(['case.created']);
      expect(seen.length).toBe(5);
      const delivered = await t.og.ctx.db.selectFrom('webhook_deliveries').select(['state', 'attempts', 'next_at']).where('subscriber_id', '=', sub.json().id).where('event_type', '=', 'case.closed').execute();
      expect(delivered).toEqual([
        { state: 'delivered', attempts: 1, next_at: null },
        { state: 'delivered', attempts: 1, next_at: null },
      ]);
    } finally {
      whileReceiving = null;
    }
  });

  it('a delivery whose sender died after claiming it is sent once its lease ends', async () => {
    const sub = await t.req('POST', '/api/webhooks/subscribers', { cookie: await users.as('admin'), body: { name: '租约测试', url: `${url}/stale`, events: ['case.created'], secret: SECRET } });
    expect(sub.statusCode).toBe(201);
    const c = await reportAs(t, await users.as('grid_worker.qiaotou'), { description: '垃圾桶破损', location: pointIn(QIAOTOU_G01, 0.4, 0.4), category: 'UF03' });
    await relayOutbox(t.og.ctx);
    const d = await t.og.ctx.db.selectFrom('webhook_deliveries').select(['id']).where('subscriber_id', '=', sub.json().id).executeTakeFirstOrThrow();
    // what a worker that crashed between claim and POST leaves behind: a claimed delivery, its job done
    await sql`UPDATE webhook_deliveries SET next_at = ${new Date(t.clock.now().getTime() + 60_000)} WHERE id = ${d.id}`.execute(t.og.ctx.db);
    await sql`UPDATE jobs SET state = 'done' WHERE kind = 'webhook.deliver' AND payload->>'deliveryId' = ${d.id}`.execute(t.og.ctx.db);
    const mine = () => accepted().filter((r) => r.path === '/hook/stale' && JSON.parse(r.body).data.caseId === c.id);
    await pump();
    expect(mine()).toHaveLength(0);
    // the lease has not ended yet: nothing is sent
    t.clock.advance(30_000);
    await pump();
    expect(mine()).toHaveLength(0);
    // after the lease (and its grace), the periodic relay re-enqueues it; it is sent exactly once
    t.clock.advance(120_000);
    await pump();
    await pump();
    t.clock.advance(60_000);
    await pump();
    expect(mine().map((r) => r.type)).toEqual(['case.created']);
    const row = await t.og.ctx.db.selectFrom('webhook_deliveries').select(['state', 'attempts']).where('id', '=', d.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'delivered', attempts: 1 });
  });
});
