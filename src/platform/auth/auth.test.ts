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
    // revoked through the API, not by editing the database
    const revoked = await t.req('DELETE', `/api/auth/api-keys/${row.id}`, { cookie: admin });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: row.id, revokedAt: t.clock.now().toISOString() });
    const after = await t.req('GET', '/api/org/nodes', { headers: bearer });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('unauthenticated');
    const audits = await t.og.ctx.db.selectFrom('audit_log').select(['action', 'entity_id']).where('action', '=', 'apikey.revoke').execute();
    expect(audits).toEqual([{ action: 'apikey.revoke', entity_id: row.id }]);
    // revoking again changes nothing and is not audited twice; an unknown key is 404
    expect((await t.req('DELETE', `/api/auth/api-keys/${row.id}`, { cookie: admin })).statusCode).toBe(200);
    expect((await t.og.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'apikey.revoke').execute()).length).toBe(1);
    expect((await t.req('DELETE', '/api/auth/api-keys/0190a1b2-0000-7000-8000-000000000000', { cookie: admin })).statusCode).toBe(404);
  });

  it('lists keys for admins without secrets or hashes', async () => {
    const admin = await t.login('admin');
    const me = (await t.req('GET', '/api/auth/me', { cookie: admin })).json();
    const created = (await t.req('POST', '/api/api-keys', { cookie: admin, body: { name: '列表测试', userId: me.id, scopes: ['org.read'], ratePerMinute: 42 } })).json();
    const r = await t.req('GET', '/api/auth/api-keys', { cookie: admin });
    expect(r.statusCode).toBe(200);
    const item = r.json().items.find((k: { id: string }) => k.id === created.id);
    expect(item).toMatchObject({ name: '列表测试', prefix: created.key.slice(3, 11), userId: me.id, username: 'admin', scopes: ['org.read'], ratePerMinute: 42, revokedAt: null });
    const hash = (await t.og.ctx.db.selectFrom('api_keys').select('key_hash').where('id', '=', created.id).executeTakeFirstOrThrow()).key_hash;
    expect(r.body).not.toContain(created.key);
    expect(r.body).not.toContain(created.key.slice(12));
    expect(r.body).not.toContain(hash);
    const c = await t.login('street_admin');
    expect((await t.req('GET', '/api/auth/api-keys', { cookie: c })).statusCode).toBe(403);
    expect((await t.req('DELETE', `/api/auth/api-keys/${created.id}`, { cookie: c })).statusCode).toBe(403);
    expect((await t.og.ctx.db.selectFrom('api_keys').select('revoked_at').where('id', '=', created.id).executeTakeFirstOrThrow()).revoked_at).toBeNull();
  });

  it('limits each key to its rate per minute with 429 and Retry-After', async () => {
    const admin = await t.login('admin');
    const me = (await t.req('GET', '/api/auth/me', { cookie: admin })).json();
    const mk = async (name: string) => (await t.req('POST', '/api/api-keys', { cookie: admin, body: { name, userId: me.id, scopes: ['org.read'], ratePerMinute: 3 } })).json().key as string;
    const key = await mk('限流测试');
    const other = await mk('限流测试二');
    // start at the beginning of a minute window
    const now = t.clock.now().getTime();
    t.clock.advance(Math.ceil(now / 60_000) * 60_000 - now + 15_000);
    const bearer = { authorization: `Bearer ${key}` };
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await t.req('GET', '/api/org/nodes?level=community', { headers: bearer })).statusCode);
    expect(codes).toEqual([200, 200, 200]);
    const limited = await t.req('GET', '/api/org/nodes?level=community', { headers: bearer });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(limited.json().error.message).toBe('调用过于频繁，请稍后再试');
    expect(limited.headers['retry-after']).toBe('45');
    // the limit is per key: another key of the same user is unaffected
    expect((await t.req('GET', '/api/org/nodes?level=community', { headers: { authorization: `Bearer ${other}` } })).statusCode).toBe(200);
    t.clock.advance(45_000);
    expect((await t.req('GET', '/api/org/nodes?level=community', { headers: bearer })).statusCode).toBe(200);
  });

  it('only admins create keys', async () => {
    const c = await t.login('street_admin');
    const r = await t.req('POST', '/api/api-keys', { cookie: c, body: { name: 'x', userId: '0190a1b2-0000-7000-8000-000000000000', scopes: ['*'] } });
    expect(r.statusCode).toBe(403);
  });
});
