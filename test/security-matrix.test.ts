import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';
import { permissionRoles } from '../src/platform/auth/permissions.js';
import { ROLES, type Role } from '../src/platform/auth/actor.js';

/**
 * The role × endpoint matrix, generated from the live route table: for every route that names a
 * permission, every role outside the permission's roles gets 403 and every role inside it gets past
 * the access check; signed-out callers get 401 on everything that is not public.
 */
const ACCOUNT: Record<Role, string> = {
  admin: 'admin',
  dispatcher: 'dispatcher',
  supervisor: 'supervisor',
  street_admin: 'street_admin',
  auditor: 'auditor',
  dept_handler: 'dept.sz',
  grid_worker: 'grid_worker.qiaotou',
  grid_leader: 'grid_leader.qiaotou',
  community_admin: 'community_admin.qiaotou',
  mediator: 'mediator.qiaotou',
  partner: 'partner.qiaotou',
  resident: 'resident.qiaotou',
};
const FORBIDDEN_BY_ROUTE = '无权执行此操作';
const NOBODY = '0190a1b2-0000-7000-8000-00000000dead';

let t: TestApp;
const cookies = {} as Record<Role, string>;
beforeAll(async () => {
  t = await startTestApp();
  for (const r of ROLES) cookies[r] = await t.login(ACCOUNT[r]);
});
afterAll(async () => t?.close());

const url = (u: string) => u.replace(/:[A-Za-z]+/g, NOBODY);

// Requests with side effects would still be refused before running, but to keep the matrix
// independent of data we only send empty bodies and an id that does not exist.
async function call(method: string, path: string, cookie?: string) {
  return t.og.app.inject({ method: method as never, url: url(path), headers: { ...(cookie ? { cookie } : {}), 'content-type': 'application/json' }, payload: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
}

describe('role × endpoint matrix', () => {
  it('refuses every role outside a route’s permission with 403, lets the others past the check', async () => {
    const routes = t.og.app.routeTable.filter((r) => r.permission);
    expect(routes.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const r of routes) {
      const allowed = new Set(permissionRoles(r.permission!));
      for (const role of ROLES) {
        // A server-sent event stream never ends for a caller who is let in; only its refusals are checked here.
        if (/\/stream$/.test(r.url) && allowed.has(role)) continue;
        const res = await call(r.method, r.url, cookies[role]);
        const msg = res.statusCode === 403 ? (res.json() as { error: { message: string } }).error.message : '';
        if (allowed.has(role)) {
          if (res.statusCode === 401 || (res.statusCode === 403 && msg === FORBIDDEN_BY_ROUTE)) wrong.push(`${r.method} ${r.url} [${r.permission}] refused ${role} (${res.statusCode})`);
        } else if (res.statusCode !== 403) {
          wrong.push(`${r.method} ${r.url} [${r.permission}] let ${role} through (${res.statusCode})`);
        }
        if (res.statusCode >= 500) wrong.push(`${r.method} ${r.url} 5xx for ${role}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 600_000); // every route × every role: a few thousand requests

  it('answers 401 to signed-out callers on every non-public route', async () => {
    const wrong: string[] = [];
    for (const r of t.og.app.routeTable.filter((x) => x.auth !== 'public')) {
      const res = await call(r.method, r.url);
      if (res.statusCode !== 401) wrong.push(`${r.method} ${r.url} → ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });

  it('an API key is limited to its scopes whatever its user may do', async () => {
    const admin = cookies.admin;
    const me = (await t.req('GET', '/api/auth/me', { cookie: admin })).json();
    const key = (await t.req('POST', '/api/api-keys', { cookie: admin, body: { name: 'matrix', userId: me.id, scopes: ['org.read'] } })).json().key as string;
    const wrong: string[] = [];
    for (const r of t.og.app.routeTable.filter((x) => x.permission && x.permission !== 'org.read' && x.method === 'GET')) {
      const res = await t.og.app.inject({ method: 'GET', url: url(r.url), headers: { authorization: `Bearer ${key}` } });
      if (res.statusCode !== 403) wrong.push(`${r.url} [${r.permission}] → ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });
});
