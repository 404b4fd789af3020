import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { MAX_FAILED_LOGINS } from './service.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('sign-in', () => {
  it('logs in with an httpOnly session cookie and answers /me; 401 without a session', async () => {
    const r = await t.req('POST', '/api/auth/login', { body: { username: 'admin', password: 'onegrid-demo' } });
    expect(r.statusCode).toBe(200);
    const c = r.cookies.find((x) => x.name === 'og_session')!;
    expect(c.httpOnly).toBe(true);
    expect(c.sameSite).toBe('Lax');
    const me = await t.req('GET', '/api/auth/me', { cookie: `og_session=${c.value}` });
    expect(me.json()).toMatchObject({ username: 'admin', roles: ['admin'] });
    expect(me.json().permissions).toContain('users.manage');
    const anon = await t.req('GET', '/api/auth/me');
    expect(anon.statusCode).toBe(401);
    expect(anon.json().error).toMatchObject({ code: 'unauthenticated', message: '请先登录' });
  });

  it('says the same thing for an unknown user and a wrong password', async () => {
    const a = await t.req('POST', '/api/auth/login', { body: { username: 'nobody', password: 'x' } });
    const b = await t.req('POST', '/api/auth/login', { body: { username: 'dispatcher', password: 'wrong-password1' } });
    expect(a.statusCode).toBe(401);
    expect(b.statusCode).toBe(401);
    expect(a.json().error.message).toBe('用户名或密码错误');
    expect(b.json().error.message).toBe(a.json().error.message);
  });

  it('locks an account after repeated failures, even against the right password, and unlocks after 15 minutes', async () => {
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      const r = await t.req('POST', '/api/auth/login', { body: { username: 'supervisor', password: `guess-${i}` } });
      expect(r.statusCode).toBe(401);
    }
    const locking = await t.req('POST', '/api/auth/login', { body: { username: 'supervisor', password: 'guess-last' } });
    expect(locking.statusCode).toBe(429);
    const right = await t.req('POST', '/api/auth/login', { body: { username: 'supervisor', password: 'onegrid-demo' } });
    expect(right.statusCode).toBe(429);
    expect(right.json().error.message).toMatch(/锁定/);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advanceMinutes(16);
    const later = await t.req('POST', '/api/auth/login', { body: { username: 'supervisor', password: 'onegrid-demo' } });
    expect(later.statusCode).toBe(200);
    const audit = await t.og.ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'auth.locked').execute();
    expect(audit.length).toBe(1);
  });

  it('limits login attempts per IP address', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.9' };
    const codes: number[] = [];
    for (let i = 0; i < 32; i++) codes.push((await t.req('POST', '/api/auth/login', { body: { username: `ghost${i}`, password: 'x' }, headers: ip })).statusCode);
    expect(codes.slice(0, 30).every((c) => c === 401)).toBe(true);
    expect(codes.slice(30)).toEqual([429, 429]);
  });

  it('issues a new session id at login and destroys the one presented (no session fixation)', async () => {
    const first = await t.login('street_admin');
    const r = await t.req('POST', '/api/auth/login', { cookie: first, body: { username: 'street_admin', password: 'onegrid-demo' } });
    const second = `og_session=${r.cookies.find((c) => c.name === 'og_session')!.value}`;
    expect(second).not.toBe(first);
    expect((await t.req('GET', '/api/auth/me', { cookie: first })).statusCode).toBe(401);
    expect((await t.req('GET', '/api/auth/me', { cookie: second })).statusCode).toBe(200);
    await t.req('POST', '/api/auth/logout', { cookie: second });
    expect((await t.req('GET', '/api/auth/me', { cookie: second })).statusCode).toBe(401);
  });

  it('expires sessions after SESSION_TTL_HOURS', async () => {
    const c = await t.login('auditor');
    t.clock.advanceHours(t.config.sessionTtlHours + 1);
    expect((await t.req('GET', '/api/auth/me', { cookie: c })).statusCode).toBe(401);
  });

  it('refuses a cookie-authenticated write from another site (CSRF)', async () => {
    const c = await t.login('street_admin');
    const list = (await t.req('GET', '/api/org/residents?pageSize=1', { cookie: c })).json();
    const id = list.items[0].id;
    const evil = await t.req('PUT', `/api/org/residents/${id}/tags`, { cookie: c, body: { tags: [] }, headers: { origin: 'https://evil.example', host: 'localhost:3000' } });
    expect(evil.statusCode).toBe(403);
    const same = await t.req('PUT', `/api/org/residents/${id}/tags`, { cookie: c, body: { tags: [] }, headers: { origin: 'http://localhost:3000', host: 'localhost:3000' } });
    expect(same.statusCode).toBe(200);
  });

  it('sends security headers', async () => {
    const r = await t.req('GET', '/healthz');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(String(r.headers['content-security-policy'])).toContain("default-src 'self'");
  });
});

describe('API keys', () => {
  it('authenticates integrations with Bearer keys, honours scopes and revocation', async () => {
    const admin = await t.login('admin');
    const me = (await t.req('GET', '/api/auth/me', { cookie: admin })).json();
    const created = await t.req('POST', '/api/api-keys', { cookie: admin, body: { name: '测试集成', userId: me.id, scopes: ['org.read'] } });
    expect(created.statusCode).toBe(201);
    const key = created.json().key as string;
    expect(key).toMatch(/^og_[0-9a-f]{8}_/);
    const bearer = { authorization: `Bearer ${key}` };
    expect((await t.req('GET', '/api/org/nodes?level=community', { headers: bearer })).statusCode).toBe(200);
    // the key's user is an admin, but the key only carries org.read
    expect((await t.req('GET', '/api/org/residents', { headers: bearer })).statusCode).toBe(403);
    expect((await t.req('GET', '/api/org/nodes', { headers: { authorization: 'Bearer og_deadbeef_nope' } })).statusCode).toBe(401);
    const row = await t.og.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', created.json().id).executeTakeFirstOrThrow();
    expect(row.key_hash).not.toContain(key.slice(12));
    await t.og.ctx.db.updateTable('api_keys').set({ revoked_at: t.clock.now() }).where('id', '=', row.id).execute();
    expect((await t.req('GET', '/api/org/nodes', { headers: bearer })).statusCode).toBe(401);
  });

  it('only admins create keys', async () => {
    const c = await t.login('street_admin');
    const r = await t.req('POST', '/api/api-keys', { cookie: c, body: { name: 'x', userId: '0190a1b2-0000-7000-8000-000000000000', scopes: ['*'] } });
    expect(r.statusCode).toBe(403);
  });
});
