import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from './helpers.js';
import { permissionRoles } from '../src/platform/auth/permissions.js';
import { ROLES, type Role } from '../src/platform/auth/actor.js';
import { moreFixtures, type Fixture } from './security-idor-fixtures.js';

/**
 * Cross-scope access by id (IDOR), generated from the live route table: every route with an id in its
 * path is either exercised here — a real row of 桥头社区 (qiaotou) is read and written by a same-role user
 * of 木莲社区 (mulian), who must get 403 or 404 and must leave the row unchanged — or listed below with a
 * reason. A new `/:id` route that is in neither list fails the first test until someone classifies it.
 */

/** Roles whose accounts are bound to one community; street-level roles see the whole street by design. */
const COMMUNITY_ROLES: Role[] = ['resident', 'grid_worker', 'grid_leader', 'dept_handler', 'community_admin', 'mediator', 'partner'];
const STREET_ROLES = ROLES.filter((r) => !COMMUNITY_ROLES.includes(r));

/** Path prefixes (up to the id) where cross-community access is allowed, one reason each. */
const ALLOWED: Record<string, string> = {
  '/api/cases/track/:code': 'public tracking code lookup: the unguessable code is the capability',
  '/api/grid-work/proxy/track/:code': 'public tracking code lookup: the unguessable code is the capability',
  '/api/open311/v2/services/:file': 'public Open311 service list (categories), not community data',
  '/api/open311/v2/tokens/:file': 'public Open311 token lookup by unguessable token',
  '/api/open311/v2/requests/:file': 'public Open311 requests: published, anonymised case summaries',
  '/api/v1/:token': 'device telemetry by device token; the token is the credential',
  '/api/services/matters/:id': 'public service-matter catalogue (办事指南), the same for every community',
  '/api/calendar/days/:date': 'street-wide working calendar, calendar.write is street-level only',
  '/api/notifications/:id': 'the caller’s own notifications: query is bound to the user id',
  '/api/services/my/announcements/:id': 'the caller’s own read receipt; a resident reads only announcements addressed to them (checked by the service)',
  '/api/services/my/activities/:id': 'the caller’s own sign-ups',
  '/api/services/my/applications/:id': 'the caller’s own applications',
  '/api/org/departments/:id': 'departments are street-wide; org.write.all is street-level only',
  '/api/dispatch/rules/:id': 'street-wide dispatch rules; street-level permission only',
  '/api/webhooks/subscribers/:id': 'street-wide integration config; webhooks.manage is street-level only',
  '/api/webhooks/deliveries/:id': 'street-wide integration log; webhooks.manage is street-level only',
  '/api/iot/rules/:id': 'street-wide alarm rules; iot.rules.write is street-level only',
  '/api/mediation/experts/:id': 'street/district expert pool shared by all communities',
  '/api/services/kb/articles/:id': 'public knowledge base shared by all communities',
  '/api/auth/api-keys/:id': 'API keys are street-wide integration credentials; users.manage is admin only',
  '/api/grid-work/visit-rules/:tag': 'street-wide visit frequency rules keyed by tag, not a row of one community',
  '/api/deliberation/roll/:householdId': 'checked separately below (household of another community)',
  '/api/care/shifts/:id': 'volunteer shifts (助餐帮厨) are listed to every signed-in user street-wide (care listShifts); any volunteer may sign up for any community’s shift',
  '/api/care/facilities/:id': 'public barrier-free facility map: anyone signed in may report a broken facility, which files an ordinary case at its location',
};

/**
 * Resources not yet given a qiaotou fixture here, each with the reason. Empty when every resource type
 * with an id is attacked; an entry must name why it cannot be (yet).
 */
const NOT_YET_COVERED: Record<string, string> = {};

/**
 * Route × community role pairs where reaching another community's row is the design, one reason each
 * (the other roles on the same route are still attacked).
 */
const ROLE_EXCEPTIONS: Record<string, string> = {
  'GET /api/projects/:id as partner': 'partners see every published project of the street (partners listProjects includePublished): they compete for projects across communities',
  'POST /api/projects/:id/claims as partner': 'a partner of any community may bid for a published project (same rule as the project list)',
  'POST /api/projects/:id/evaluations as partner': 'the published project is visible to partners (above); the evaluation itself is refused to anyone not staff or resident of the community (partners evaluateProject)',
  'POST /api/ledger/rewards/:id/redeem as partner': 'partner points accounts are street-wide: a partner’s reward list is every community’s (ledger listRewards has no path for partners); the community check in redeem binds resident accounts',
};

/**
 * Refusals that are not 403/404 but reveal nothing about the row: the caller is turned away for a
 * reason of their own (checked before the row is looked at). The row must still not change.
 */
const NEUTRAL_REFUSALS: Record<string, { status: number; message: string }> = {
  'POST /api/ledger/rewards/:id/redeem': { status: 409, message: '您还没有积分账户' },
};

/**
 * Holes found here in modules that are being changed by other work right now and so are not fixed in
 * this change: the attack is still run, and must still succeed (so that a fix removes the entry).
 */
const KNOWN_HOLES: Record<string, string> = {};

const NOBODY = '0190a1b2-0000-7000-8000-00000000dead';

/** The path prefix of a route up to and including its first parameter, e.g. /api/cases/:id. */
const prefixOf = (url: string) => url.match(/^(.*?\/:[A-Za-z]+)/)?.[1] ?? url;

let t: TestApp;
let qiaotouPath = '';
const cookies = new Map<string, string>();
const cookie = async (user: string) => {
  if (!cookies.has(user)) cookies.set(user, await t.login(user));
  return cookies.get(user)!;
};
let spec: { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>> };
const fixtures = new Map<string, Fixture>();

const db = () => t.og.ctx.db;
async function one<T>(q: ReturnType<typeof sql<T>>): Promise<T> {
  const r = await q.execute(db());
  if (!r.rows[0]) throw new Error('fixture not found');
  return r.rows[0];
}
const rowSnap = (table: string, id: string) => async () => (await sql`select * from ${sql.table(table)} where id = ${id}`.execute(db())).rows;
/** a row of `table` whose node column points into qiaotou */
async function byNode(table: string, col: string): Promise<Fixture> {
  const r = await one<{ id: string }>(sql`select x.id from ${sql.table(table)} x join org_nodes n on n.id = x.${sql.ref(col)} where n.path like ${qiaotouPath + '%'} order by x.id limit 1`);
  return { id: r.id, snapshot: rowSnap(table, r.id) };
}
async function byPath(table: string): Promise<Fixture> {
  const r = await one<{ id: string }>(sql`select id from ${sql.table(table)} where node_path like ${qiaotouPath + '%'} order by id limit 1`);
  return { id: r.id, snapshot: rowSnap(table, r.id) };
}

/** A minimal body that satisfies a JSON schema, so the request reaches the handler's scope check. */
function synth(schema: unknown): unknown {
  const s = (schema ?? {}) as Record<string, unknown>;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alts = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (alts) return synth(alts.find((a) => (a as { type?: string }).type !== 'null') ?? alts[0]);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      return Object.fromEntries(((s.required ?? []) as string[]).map((k) => [k, synth(props[k])]));
    }
    case 'array':
      return Array.from({ length: Number(s.minItems ?? 0) }, () => synth(s.items));
    case 'integer':
    case 'number': {
      const min = Number(s.minimum ?? (s.exclusiveMinimum !== undefined ? Number(s.exclusiveMinimum) + 1 : 1));
      return Math.min(Math.max(min, 1), Number(s.maximum ?? Number.MAX_SAFE_INTEGER));
    }
    case 'boolean':
      return false;
    case 'string': {
      if (s.format === 'uuid') return NOBODY;
      if (s.format === 'date-time') return '2026-11-25T02:00:00.000Z';
      if (s.format === 'date') return '2026-11-25';
      const min = Number(s.minLength ?? 0);
      return '越权测试'.padEnd(Math.max(min, 4), '测').slice(0, Number(s.maxLength ?? 1000));
    }
    default:
      return {};
  }
}

/**
 * Fields the schema alone cannot produce (patterns, cross-field rules), so that the request is valid
 * and reaches the scope check; the scope check must refuse it, not validation.
 */
const BODY_OVERRIDES: Record<string, Record<string, unknown>> = {
  'POST /api/cases/:id/verify': { note: '现场核查未通过' },
  'PATCH /api/mediation/disputes/:id': { riskLevel: 'critical', reason: '越权修改风险等级' },
  'POST /api/mediation/disputes/:id/sessions': { location: '社区调解室' },
  'POST /api/mediation/disputes/:id/sessions/:sessionId/outcome': { terms: ['双方同意和解'] },
  'POST /api/mediation/legal-aid/:id': { answer: '越权答复：建议起诉' },
  'POST /api/services/rooms/:id/bookings': { startsAt: '2026-11-25T10:00:00+08:00', endsAt: '2026-11-25T11:00:00+08:00' },
  // a complete mapping for the fixture's columns (content moved to the address column), accepted if it got through
  'PUT /api/analytics/external-imports/:id/mapping': { mapping: { externalNo: 0, receivedAt: 1, content: 3, phone: 4, lng: 5, lat: 6 }, defaultSource: 'petition' },
};
const QUERY: Record<string, string> = { 'GET /api/deliberation/conventions/:id/diff': '?from=1&to=2' };

function bodyFor(method: string, url: string): unknown {
  const op = spec.paths[url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
  const schema = op?.requestBody?.content?.['application/json']?.schema;
  const base = schema ? synth(schema) : undefined;
  const extra = BODY_OVERRIDES[`${method} ${url}`];
  return extra ? { ...(base as object), ...extra } : base;
}

/** the first parameter is the row under test; later ones get a value of the right shape */
const fill = (url: string, id: string) => url.replace(/:[A-Za-z]+/, id).replace(/:version\b/, '1').replace(/:action\b/, 'accept').replace(/:[A-Za-z]+/g, NOBODY);

beforeAll(async () => {
  t = await startTestApp();
  qiaotouPath = (await one<{ path: string }>(sql`select path from org_nodes where code = '430103007001'`)).path;
  spec = (await t.req('GET', '/api/docs/json')).json();

  // A case reported in qiaotou grid G01 by its grid worker.
  const g01 = await one<{ lng: number; lat: number }>(sql`select lng, lat from org_nodes where code = '430103007001G01'`);
  const rep = await t.req('POST', '/api/cases', { cookie: await cookie('grid_worker.qiaotou'), body: { description: '桥头社区路灯不亮，越权测试', location: { lng: g01.lng, lat: g01.lat }, address: '桥头社区一号' } });
  expect(rep.statusCode, rep.body).toBe(201);
  const caseId = rep.json().id as string;
  expect((await one<{ community_id: string }>(sql`select c.community_id from cases c where c.id = ${caseId}`)).community_id).toBe((await one<{ id: string }>(sql`select id from org_nodes where code = '430103007001'`)).id);
  fixtures.set('/api/cases/:id', { id: caseId, snapshot: async () => [await rowSnap('cases', caseId)(), (await sql`select count(*)::int as n from case_events where case_id = ${caseId}`.execute(db()).catch(() => ({ rows: [] }))).rows] });

  // A dispute registered by qiaotou's mediator.
  const d = await t.req('POST', '/api/mediation/disputes', {
    cookie: await cookie('mediator.qiaotou'),
    body: { type: 'neighbour', title: '楼上漏水纠纷', description: '楼上漏水导致楼下墙面受损', parties: [{ role: 'applicant', name: '张三' }, { role: 'respondent', name: '李四' }], nodeId: (await one<{ id: string }>(sql`select id from org_nodes where code = '430103007001G01'`)).id },
  });
  expect(d.statusCode, d.body).toBe(201);
  const disputeId = d.json().id as string;
  expect((await one<{ node_path: string }>(sql`select node_path from mediation_disputes where id = ${disputeId}`)).node_path.startsWith(qiaotouPath)).toBe(true);
  fixtures.set('/api/mediation/disputes/:id', { id: disputeId, snapshot: rowSnap('mediation_disputes', disputeId) });

  // Demo rows of qiaotou.
  const resident = await byPath('residents');
  fixtures.set('/api/org/residents/:id', resident);
  fixtures.set('/api/grid-work/residents/:id', resident);
  fixtures.set('/api/grid-work/desk/residents/:id', resident);
  fixtures.set('/api/deliberation/topics/:id', await byNode('deliberation_topics', 'node_id'));
  fixtures.set('/api/deliberation/meetings/:id', await byNode('deliberation_meetings', 'node_id'));
  fixtures.set('/api/deliberation/conventions/:id', await byNode('deliberation_conventions', 'node_id'));
  fixtures.set('/api/services/announcements/:id', await byNode('svc_announcements', 'scope_node_id'));
  fixtures.set('/api/services/activities/:id', await byNode('svc_activities', 'node_id'));
  const hhNode = await one<{ id: string }>(sql`select id from org_nodes where level = 'household' and path like ${qiaotouPath + '%'} order by code limit 1`);
  fixtures.set('/api/org/nodes/:id', { id: hhNode.id, snapshot: rowSnap('org_nodes', hhNode.id) });
  fixtures.set('/api/services/rooms/:id', await byNode('svc_rooms', 'node_id'));
  fixtures.set('/api/grid-work/patrols/:id', await byNode('patrols', 'grid_id'));
  fixtures.set('/api/grid-work/visits/:id', await byNode('visits', 'household_id'));
  fixtures.set('/api/grid-work/team-members/:id', await byNode('grid_team_members', 'grid_id'));
  fixtures.set('/api/care/persons/:id', await byPath('care_persons'));
  const grid = await one<{ id: string }>(sql`select id from org_nodes where code = '430103007001G01'`);
  fixtures.set('/api/grid-work/grids/:id', { id: grid.id, snapshot: async () => (await sql`select * from grid_team_members where grid_id = ${grid.id} order by id`.execute(db())).rows });

  // Rows made for the other resource types (see security-idor-fixtures.ts).
  for (const [prefix, f] of await moreFixtures({ t, qiaotouPath, cookie })) fixtures.set(prefix, f);
}, 180_000);
afterAll(async () => t?.close());

const idRoutes = () => t.og.app.routeTable.filter((r) => /\/:[A-Za-z]+/.test(r.url));

/** Community-bound roles that may call the route at all (others are refused by the role matrix). */
function communityRolesFor(r: { permission: string | null; auth: string | null }): Role[] {
  const allowed = r.permission ? permissionRoles(r.permission) : r.auth === 'user' ? [...ROLES] : [];
  return COMMUNITY_ROLES.filter((x) => allowed.includes(x));
}

describe('cross-community access by id (IDOR)', () => {
  it('classifies every route with an id: exercised, allowed with a reason, or listed as not yet covered', () => {
    const prefixes = new Set(idRoutes().map((r) => prefixOf(r.url)));
    const unclassified = [...prefixes].filter((p) => !fixtures.has(p) && !(p in ALLOWED) && !(p in NOT_YET_COVERED));
    expect(unclassified).toEqual([]);
    // no stale entries either: every listed prefix still exists
    const stale = [...Object.keys(ALLOWED), ...Object.keys(NOT_YET_COVERED)].filter((p) => !prefixes.has(p));
    expect(stale).toEqual([]);
    // a fixture overrides a "not yet covered" entry, never silently both
    expect([...fixtures.keys()].filter((p) => p in NOT_YET_COVERED || p in ALLOWED)).toEqual([]);
    expect(fixtures.size).toBeGreaterThanOrEqual(52);
    // exceptions justified by "street-level only" / "admin only" really are closed to community roles
    const claimed = idRoutes().filter((r) => /street-level only|admin only/.test(ALLOWED[prefixOf(r.url)] ?? ''));
    expect(claimed.length).toBeGreaterThan(5);
    expect(claimed.filter((r) => communityRolesFor(r).length > 0).map((r) => `${r.method} ${r.url}`)).toEqual([]);
  });

  it('the fixtures are real rows that an in-scope user of qiaotou can read', async () => {
    const unreadable: string[] = [];
    // every fixture's snapshot holds its row (so a 404 below is the scope check, not a wrong id)
    const empty: string[] = [];
    for (const [prefix, f] of fixtures) if (!JSON.stringify(await f.snapshot()).includes(f.id)) empty.push(prefix);
    expect(empty).toEqual([]);
    for (const [prefix, f] of fixtures) {
      const gets = idRoutes().filter((r) => r.method === 'GET' && prefixOf(r.url) === prefix && !/\/stream$|\.pdf$|qr$/.test(r.url));
      if (!gets.length) continue;
      const r = gets.sort((a, b) => a.url.length - b.url.length)[0]!;
      const roles = [...communityRolesFor(r), ...STREET_ROLES.filter((x) => (r.permission ? permissionRoles(r.permission) : ROLES).includes(x))];
      let ok = false;
      for (const role of roles) {
        const user = COMMUNITY_ROLES.includes(role) ? `${role}.qiaotou` : role;
        const res = await t.req('GET', fill(r.url, f.id), { cookie: await cookie(user) });
        if (res.statusCode === 200) {
          ok = true;
          break;
        }
      }
      if (!ok) unreadable.push(`${r.url} (${f.id})`);
    }
    expect(unreadable).toEqual([]);
  }, 120_000);

  it('a same-role user of mulian gets 403/404 on reads and writes of qiaotou rows, and the rows do not change', async () => {
    const wrong: string[] = [];
    let exercised = 0;
    // Reads first, then writes, so a write that slipped through cannot hide a read leak.
    const routes = idRoutes()
      .filter((r) => fixtures.has(prefixOf(r.url)) && !/\/stream$/.test(r.url))
      .sort((a, b) => Number(a.method !== 'GET') - Number(b.method !== 'GET'));
    const changed: string[] = [];
    const stillOpen = new Set<string>();
    for (const r of routes) {
      const f = fixtures.get(prefixOf(r.url))!;
      const url = fill(r.url, f.id) + (QUERY[`${r.method} ${r.url}`] ?? '');
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : (bodyFor(r.method, r.url) ?? {});
      for (const role of communityRolesFor(r)) {
        const key = `${r.method} ${r.url} as ${role}`;
        if (key in ROLE_EXCEPTIONS) continue;
        const before = await f.snapshot();
        const res = await t.req(r.method, url, { cookie: await cookie(`${role}.mulian`), body });
        exercised++;
        const neutral = NEUTRAL_REFUSALS[`${r.method} ${r.url}`];
        const refused = res.statusCode === 403 || res.statusCode === 404 || (neutral?.status === res.statusCode && res.json().error?.message === neutral.message);
        const same = JSON.stringify(await f.snapshot()) === JSON.stringify(before);
        if (key in KNOWN_HOLES) {
          if (!refused || !same) stillOpen.add(key);
          continue;
        }
        if (!refused) wrong.push(`${key}.mulian → ${res.statusCode} ${res.body.slice(0, 160)}`);
        if (!same) changed.push(`${key}.mulian changed the row`);
      }
    }
    expect(wrong).toEqual([]);
    expect(changed).toEqual([]);
    // a known hole that is now closed must leave the list (and one that never was attacked is stale)
    expect(Object.keys(KNOWN_HOLES).filter((k) => !stillOpen.has(k))).toEqual([]);
    expect(exercised).toBeGreaterThan(150);
  }, 300_000);

  /**
   * 12345 / petition import: every route under the two prefixes is reached by a mulian community role
   * (so the loop above really attacked it), each gets the plain 404, and the same calls work for
   * qiaotou's community admin (so the 404 is the scope check, not a broken request).
   */
  it('12345 import and record routes: attacked by mulian, refused with 404, and working for qiaotou', async () => {
    const imp = fixtures.get('/api/analytics/external-imports/:id')!;
    const rec = fixtures.get('/api/analytics/external-records/:id')!;
    const routes = idRoutes().filter((r) => [imp, rec].includes(fixtures.get(prefixOf(r.url))!));
    const attacked = routes.map((r) => `${r.method} ${r.url} as ${communityRolesFor(r).join(',')}`).sort();
    expect(attacked).toEqual([
      'GET /api/analytics/external-imports/:id as community_admin',
      'GET /api/analytics/external-imports/:id/errors as community_admin',
      'POST /api/analytics/external-imports/:id/cancel as community_admin',
      'POST /api/analytics/external-imports/:id/commit as community_admin',
      'POST /api/analytics/external-records/:id/reveal-phone as grid_worker,grid_leader,community_admin,mediator',
      'PUT /api/analytics/external-imports/:id/mapping as community_admin',
    ]);
    const impBefore = await imp.snapshot();
    const recBefore = await rec.snapshot();
    const calls: Array<[method: string, url: string, body?: unknown]> = [
      ['GET', `/api/analytics/external-imports/${imp.id}`],
      ['GET', `/api/analytics/external-imports/${imp.id}/errors?format=csv`],
      ['PUT', `/api/analytics/external-imports/${imp.id}/mapping`, BODY_OVERRIDES['PUT /api/analytics/external-imports/:id/mapping']],
    ];
    for (const [method, url, body] of calls) {
      const res = await t.req(method, url, { cookie: await cookie('community_admin.mulian'), body });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(404);
      expect(res.json().error.message).toBe('导入任务不存在');
    }
    for (const role of communityRolesFor(routes.find((r) => r.url.endsWith('/reveal-phone'))!)) {
      const res = await t.req('POST', `/api/analytics/external-records/${rec.id}/reveal-phone?reason=${encodeURIComponent('越权')}`, { cookie: await cookie(`${role}.mulian`) });
      expect(res.statusCode, res.body).toBe(404);
      expect(res.body).not.toContain('13800002222');
    }
    // nothing listed to mulian either
    const list = await t.req('GET', '/api/analytics/external-imports', { cookie: await cookie('community_admin.mulian') });
    expect(list.statusCode).toBe(200);
    expect((list.json() as Array<{ id: string }>).map((x) => x.id)).not.toContain(imp.id);
    expect(await imp.snapshot()).toEqual(impBefore);
    expect(await rec.snapshot()).toEqual(recBefore);
    // the same requests by qiaotou's community admin go through
    const qa = await cookie('community_admin.qiaotou');
    const errs = await t.req('GET', `/api/analytics/external-imports/${imp.id}/errors?format=csv`, { cookie: qa });
    expect(errs.statusCode, errs.body).toBe(200);
    expect(errs.body).toContain('IDOR-P-2');
    const phone = await t.req('POST', `/api/analytics/external-records/${rec.id}/reveal-phone`, { cookie: qa });
    expect(phone.statusCode, phone.body).toBe(200);
    expect(phone.json().phone).toBe('13800002222');
    const mapped = await t.req('PUT', `/api/analytics/external-imports/${imp.id}/mapping`, { cookie: qa, body: BODY_OVERRIDES['PUT /api/analytics/external-imports/:id/mapping'] });
    expect(mapped.statusCode, mapped.body).toBe(200);
    expect(mapped.json()).toMatchObject({ status: 'preview', defaultSource: 'petition' });
    expect(await imp.snapshot()).not.toEqual(impBefore);
  });

  it('a mulian deliberation assistant cannot edit a qiaotou household on the electoral roll', async () => {
    const hh = await one<{ household_id: string }>(sql`select r.household_id from deliberation_roll r join org_nodes n on n.id = r.household_id where n.path like ${qiaotouPath + '%'} order by r.household_id limit 1`);
    const before = (await sql`select * from deliberation_roll where household_id = ${hh.household_id}`.execute(db())).rows;
    const r = idRoutes().find((x) => x.url === '/api/deliberation/roll/:householdId');
    if (!r) throw new Error('roll route missing');
    const body = bodyFor('PUT', r.url);
    for (const role of communityRolesFor(r)) {
      const res = await t.req('PUT', `/api/deliberation/roll/${hh.household_id}`, { cookie: await cookie(`${role}.mulian`), body });
      expect([403, 404], `${role}.mulian → ${res.statusCode} ${res.body}`).toContain(res.statusCode);
    }
    expect(communityRolesFor(r).length).toBeGreaterThan(0);
    expect((await sql`select * from deliberation_roll where household_id = ${hh.household_id}`.execute(db())).rows).toEqual(before);
  });

  /**
   * Deletion requests (PIPL art. 47). Decision: privacy.manage stays with community admins. The
   * community holds the resident registry and the resident's own request is what is carried out; the
   * service binds every read and execution to the resident's community (404 elsewhere) and defers while
   * the resident has an unfinished case. What must hold is the scope, checked here from both sides.
   */
  it('a deletion request of a qiaotou resident is seen and handled by qiaotou’s community admin only', async () => {
    const id = fixtures.get('/api/privacy/deletion-requests/:id')!.id;
    const listed = async (user: string) => {
      const r = await t.req('GET', '/api/privacy/deletion-requests', { cookie: await cookie(user) });
      expect(r.statusCode, r.body).toBe(200);
      return (r.json() as Array<{ id: string }>).some((x) => x.id === id);
    };
    expect(await listed('community_admin.qiaotou')).toBe(true);
    expect(await listed('street_admin')).toBe(true);
    expect(await listed('community_admin.mulian')).toBe(false);
    const before = await fixtures.get('/api/privacy/deletion-requests/:id')!.snapshot();
    const res = await t.req('POST', `/api/privacy/deletion-requests/${id}/execute`, { cookie: await cookie('community_admin.mulian') });
    expect(res.statusCode).toBe(404);
    expect(await fixtures.get('/api/privacy/deletion-requests/:id')!.snapshot()).toEqual(before);
    // community-bound roles other than community_admin cannot reach the route at all
    expect(permissionRoles('privacy.manage').filter((r) => COMMUNITY_ROLES.includes(r))).toEqual(['community_admin']);
  });

  it('earning rules apply to the whole street: community admins cannot create or change them, the street admin can', async () => {
    const id = fixtures.get('/api/ledger/rules/:id')!.id;
    const snap = fixtures.get('/api/ledger/rules/:id')!.snapshot;
    const before = await snap();
    const rule = { code: 'idor_rule', action: '越权测试规则', points: 5, period: 'day', periodCap: 10, appliesTo: 'resident' };
    for (const user of ['community_admin.qiaotou', 'community_admin.mulian']) {
      const patch = await t.req('PATCH', `/api/ledger/rules/${id}`, { cookie: await cookie(user), body: { points: 999, active: false } });
      expect(patch.statusCode, patch.body).toBe(403);
      const create = await t.req('POST', '/api/ledger/rules', { cookie: await cookie(user), body: rule });
      expect(create.statusCode, create.body).toBe(403);
    }
    expect(await snap()).toEqual(before);
    expect((await sql`select count(*)::int as n from ledger_earning_rules where code = 'idor_rule'`.execute(db())).rows).toEqual([{ n: 0 }]);
    const ok = await t.req('PATCH', `/api/ledger/rules/${id}`, { cookie: await cookie('street_admin'), body: { description: '街道统一修订' } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().description).toBe('街道统一修订');
  });

  /**
   * The same attack with the qiaotou row named in the body of a create request instead of the path:
   * a mulian user must be refused (400 "not in your area", 403 or 404) and nothing is written.
   */
  it('a mulian user cannot create rows that point at a qiaotou row by id in the body', async () => {
    const q = async <T,>(query: ReturnType<typeof sql<T>>) => one<T>(query);
    const person = await q<{ id: string }>(sql`select id from care_persons where node_path like ${qiaotouPath + '/%'} order by id limit 1`);
    const resident = await q<{ id: string }>(sql`select id from residents where node_path like ${qiaotouPath + '/%'} order by id limit 1`);
    const pool = await q<{ id: string }>(sql`select id from ledger_accounts where owner_kind = 'community' and currency = 'points' and node_path = ${qiaotouPath}`);
    const mulianAcc = await q<{ id: string }>(sql`select a.id from ledger_accounts a join org_nodes n on n.code = '430103007002' where a.owner_kind = 'community' and a.currency = 'points' and a.node_path = n.path`);
    const meeting = await q<{ id: string }>(sql`select m.id from deliberation_meetings m join org_nodes n on n.id = m.node_id where n.path = ${qiaotouPath} order by m.id limit 1`);
    const community = await q<{ id: string }>(sql`select id from org_nodes where code = '430103007001'`);
    const g01 = await q<{ id: string }>(sql`select id from org_nodes where code = '430103007001G01'`);
    const rule = await q<{ id: string }>(sql`select id from ledger_earning_rules where active and applies_to in ('resident', 'any') order by id limit 1`);
    const soon = new Date(t.clock.now().getTime() + 3 * 86_400_000).toISOString();
    const today = new Date(t.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const attacks: Array<[user: string, url: string, body: Record<string, unknown>, table: string]> = [
      ['grid_worker.mulian', '/api/care/services', { personId: person.id, type: 'haircut', scheduledAt: soon }, 'care_services'],
      ['community_admin.mulian', '/api/care/menu', { nodePath: qiaotouPath, day: today, name: '越权菜品', priceCents: 100 }, 'care_menu_items'],
      ['community_admin.mulian', '/api/care/shifts', { nodePath: qiaotouPath, title: '越权班次', startsAt: soon, endsAt: new Date(Date.parse(soon) + 3_600_000).toISOString(), capacity: 1 }, 'care_shifts'],
      ['community_admin.mulian', '/api/privacy/consents', { residentId: resident.id, purpose: 'contact_by_staff', granted: false, note: '越权撤回' }, 'consents'],
      ['community_admin.mulian', '/api/ledger/transfers', { fromAccountId: pool.id, toAccountId: mulianAcc.id, amount: 5, memo: '越权转出' }, 'ledger_transfers'],
      ['grid_leader.mulian', '/api/ledger/claims', { ruleId: rule.id, residentId: resident.id, note: '越权代申请积分' }, 'ledger_earning_claims'],
      ['community_admin.mulian', '/api/deliberation/votes', { title: '越权表决', nodeId: community.id, method: 'resident', rule: 'simple', closesAt: soon }, 'deliberation_votes'],
      ['community_admin.mulian', '/api/deliberation/resolutions', { title: '越权决议', content: '越权决议内容', assignee: '物业', dueDate: '2027-01-31', meetingId: meeting.id }, 'deliberation_resolutions'],
      ['mediator.mulian', '/api/mediation/disputes', { type: 'neighbour', title: '越权登记纠纷', description: '越权登记纠纷内容', parties: [{ role: 'applicant', name: '王五' }, { role: 'respondent', name: '赵六' }], nodeId: g01.id }, 'mediation_disputes'],
      ['grid_worker.mulian', '/api/grid-work/proxy/cases', { residentId: resident.id, description: '越权代为上报的事件', location: { lng: 112.962, lat: 28.168 } }, 'proxy_services'],
      ['community_admin.mulian', '/api/projects', { title: '越权项目', category: '为老服务', communityId: community.id, pointsOffered: 10 }, 'partner_projects'],
    ];
    const wrong: string[] = [];
    for (const [user, url, body, table] of attacks) {
      const count = async () => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db())).rows[0]!.n;
      const before = await count();
      const res = await t.req('POST', url, { cookie: await cookie(user), body });
      // a refusal by the route's role check would prove nothing about the scope
      if (res.statusCode === 403 && res.json().error?.message === '无权执行此操作') wrong.push(`POST ${url} as ${user}: the role may not call the route at all, pick another`);
      if (![400, 403, 404].includes(res.statusCode)) wrong.push(`POST ${url} as ${user} → ${res.statusCode} ${res.body.slice(0, 160)}`);
      else if (res.statusCode === 400 && /必填|不应|应当|格式/.test(res.body)) wrong.push(`POST ${url} as ${user}: refused by validation, not by scope: ${res.body.slice(0, 200)}`);
      if ((await count()) !== before) wrong.push(`POST ${url} as ${user} wrote a row`);
    }
    expect(wrong).toEqual([]);
  });
});
