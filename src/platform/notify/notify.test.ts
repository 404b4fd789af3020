import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { withTx } from '../context.js';
import { notifyUsers } from './index.js';

describe('notify: inbox and channel drivers', () => {
  let t: TestApp;
  let server: Server;
  let url: string;
  let status = 200;
  const received: Array<{ headers: Record<string, unknown>; body: { message: { title: string; username: string; kind: string } } }> = [];
  beforeAll(async () => {
    t = await startTestApp();
    server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(b) });
        res.statusCode = status;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => server?.close(r));
  });

  const userId = async (username: string) => (await t.og.ctx.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow()).id;

  it('puts messages in the inbox and marks them read', async () => {
    const ctx = t.og.ctx;
    const id = await userId('resident.qiaotou');
    const cookie = await t.login('resident.qiaotou');
    // other modules' demo data may already have put notices in this inbox
    const before = (await t.req('GET', '/api/notifications?unread=true', { cookie })).json().unread as number;
    await withTx(ctx, (trx) => notifyUsers(ctx, trx, [id], { kind: 'test.hello', title: '你好', body: '测试消息' }));
    const inbox = (await t.req('GET', '/api/notifications?unread=true', { cookie })).json();
    expect(inbox.unread).toBe(before + 1);
    const mine = inbox.items.find((n: { kind: string }) => n.kind === 'test.hello');
    expect(mine).toMatchObject({ kind: 'test.hello', title: '你好', read: false });
    // someone else's message cannot be marked
    expect((await t.req('POST', `/api/notifications/${mine.id}/read`, { cookie: await t.login('resident.mulian') })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/notifications/${mine.id}/read`, { cookie })).json()).toEqual({ updated: 1 });
    expect((await t.req('GET', '/api/notifications?unread=true', { cookie })).json().unread).toBe(before);
  });

  it('delivers through the webhook and console drivers by durable jobs, retrying failures', async () => {
    const ctx = t.og.ctx;
    const admin = await t.login('admin');
    expect((await t.req('PUT', '/api/notify/channels', { cookie: await t.login('supervisor'), body: { name: 'hook', driver: 'webhook', config: { url } } })).statusCode).toBe(403);
    expect((await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name: 'hook', driver: 'webhook', config: { url: 'ftp://x' } } })).statusCode).toBe(400);
    expect((await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name: 'sms', driver: 'sms', config: {} } })).statusCode).toBe(400);
    const ok = await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name: 'hook', driver: 'webhook', config: { url, secret: 's3cret' }, kinds: ['test.ping'] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().config.secret).toBe('******');
    expect((await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name: 'log', driver: 'console', config: {} } })).statusCode).toBe(200);
    const logged: unknown[] = [];
    const log = ctx.log;
    ctx.log = { ...log, info: (o: unknown) => logged.push(o) };
    try {
      const id = await userId('dispatcher');
      await withTx(ctx, (trx) => notifyUsers(ctx, trx, [id], { kind: 'test.ping', title: '派遣提醒' }));
      await withTx(ctx, (trx) => notifyUsers(ctx, trx, [id], { kind: 'test.other', title: '其他' }));
      expect(received).toHaveLength(0); // nothing is sent inside the transaction
      await ctx.jobs.runAllDue();
      expect(received.map((r) => r.body.message.title)).toEqual(['派遣提醒']); // the hook takes test.ping only
      expect(received[0]!.body.message.username).toBe('dispatcher');
      expect(String(received[0]!.headers['x-onegrid-signature'])).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(logged).toHaveLength(2); // the console channel takes every kind
      // a failing receiver is retried later
      status = 500;
      await withTx(ctx, (trx) => notifyUsers(ctx, trx, [id], { kind: 'test.ping', title: '第二条' }));
      await ctx.jobs.runAllDue();
      const failed = await ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'notify.deliver').where('state', '=', 'pending').execute();
      expect(failed).toHaveLength(1);
      expect(failed[0]!.last_error).toContain('500');
      status = 200;
      t.clock.advanceMinutes(5);
      await ctx.jobs.runAllDue();
      expect(received.map((r) => r.body.message.title)).toEqual(['派遣提醒', '第二条', '第二条']);
    } finally {
      ctx.log = log;
    }
  });
});
