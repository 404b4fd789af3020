import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('../dispatch/index.js', async (orig) => {
  const m = await orig<typeof import('../dispatch/index.js')>();
  return { ...m, adviseIntake: (await import('../cases/testing.js')).stubAdviseIntake(m) };
});

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { advisorStub, pointIn, QIAOTOU_G01, step, Users } from '../cases/testing.js';
import { createApiKey } from '../../platform/auth/service.js';
import { systemActor } from '../../platform/auth/actor.js';

// ---------------------------------------------------------------- GeoReport v2 JSON schemas, written from the specification
const dt = { type: 'string', format: 'date-time' };
const strOrNull = { type: ['string', 'null'] };
const SCHEMAS = {
  discovery: {
    type: 'object',
    required: ['changeset', 'contact', 'key_service', 'endpoints'],
    properties: {
      changeset: dt,
      contact: { type: 'string' },
      key_service: { type: 'string' },
      endpoints: {
        type: 'array',
        minItems: 1,
        items: { type: 'object', required: ['specification', 'url', 'changeset', 'type', 'formats'], properties: { specification: { type: 'string' }, url: { type: 'string', format: 'uri' }, changeset: dt, type: { enum: ['production', 'test'] }, formats: { type: 'array', items: { enum: ['text/xml', 'application/json'] } } } },
      },
    },
  },
  services: {
    type: 'array',
    items: {
      type: 'object',
      required: ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'],
      properties: { service_code: { type: 'string', minLength: 1 }, service_name: { type: 'string' }, description: { type: 'string' }, metadata: { type: 'boolean' }, type: { enum: ['realtime', 'batch', 'blackbox'] }, keywords: { type: 'string' }, group: { type: 'string' } },
    },
  },
  serviceDefinition: {
    type: 'object',
    required: ['service_code', 'attributes'],
    properties: {
      service_code: { type: 'string' },
      attributes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['variable', 'code', 'datatype', 'required', 'datatype_description', 'order', 'description'],
          properties: {
            variable: { type: 'boolean' },
            code: { type: 'string' },
            datatype: { enum: ['string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist'] },
            required: { type: 'boolean' },
            datatype_description: strOrNull,
            order: { type: 'integer' },
            description: { type: 'string' },
            values: { type: 'array', items: { type: 'object', required: ['key', 'name'], properties: { key: { type: 'string' }, name: { type: 'string' } } } },
          },
        },
      },
    },
  },
  requests: {
    type: 'array',
    items: {
      type: 'object',
      required: ['service_request_id', 'status', 'service_code', 'requested_datetime', 'lat', 'long'],
      properties: {
        service_request_id: { type: 'string', minLength: 1 },
        status: { enum: ['open', 'closed'] },
        status_notes: strOrNull,
        service_name: strOrNull,
        service_code: strOrNull,
        description: strOrNull,
        agency_responsible: strOrNull,
        service_notice: strOrNull,
        requested_datetime: dt,
        updated_datetime: { anyOf: [dt, { type: 'null' }] },
        expected_datetime: { anyOf: [dt, { type: 'null' }] },
        address: strOrNull,
        address_id: strOrNull,
        zipcode: strOrNull,
        lat: { type: 'number' },
        long: { type: 'number' },
        media_url: strOrNull,
      },
    },
  },
  postResponse: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      properties: { service_request_id: { type: 'string' }, token: { type: 'string' }, service_notice: strOrNull, account_id: strOrNull },
      oneOf: [
        { required: ['service_request_id'], not: { required: ['token'] } },
        { required: ['token'], not: { required: ['service_request_id'] } },
      ],
    },
  },
  tokens: { type: 'array', minItems: 1, items: { type: 'object', required: ['token'], properties: { token: { type: 'string' }, service_request_id: { type: 'string' } } } },
  errors: { type: 'array', minItems: 1, items: { type: 'object', required: ['code', 'description'], properties: { code: { type: 'integer' }, description: { type: 'string', minLength: 1 } } } },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
function valid(schema: keyof typeof SCHEMAS, body: unknown): void {
  const ok = ajv.validate(SCHEMAS[schema], body);
  expect(ok, `${schema}: ${ajv.errorsText()}`).toBe(true);
}
const xml = new XMLParser({ ignoreAttributes: false, isArray: (name) => ['service', 'request', 'error', 'attribute', 'value', 'endpoint', 'format'].includes(name) });
function parseXml(body: string): Record<string, unknown> {
  expect(XMLValidator.validate(body)).toBe(true);
  return xml.parse(body) as Record<string, unknown>;
}
const B = '/api/open311/v2';
const form = (o: Record<string, string>) => ({ body: new URLSearchParams(o).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

describe('Open311 GeoReport v2', () => {
  let t: TestApp;
  let users: Users;
  let apiKey: string;
  let noScopeKey: string;
  const pt = pointIn(QIAOTOU_G01);

  beforeAll(async () => {
    t = await startTestApp();
    users = new Users(t);
    const u = await t.og.ctx.db.selectFrom('users').select('id').where('username', '=', 'dispatcher').executeTakeFirstOrThrow();
    apiKey = (await createApiKey(t.og.ctx, systemActor(), { name: '第三方 App', userId: u.id, scopes: ['open311.submit'], ratePerMinute: 1000 })).key;
    noScopeKey = (await createApiKey(t.og.ctx, systemActor(), { name: '只读', userId: u.id, scopes: ['cases.dispatch'] })).key;
  });
  afterAll(async () => t?.close());

  it('discovery and services validate in JSON and XML', async () => {
    const d = await t.req('GET', `${B}/discovery.json`);
    expect(d.statusCode).toBe(200);
    valid('discovery', d.json());
    const dx = parseXml((await t.req('GET', `${B}/discovery.xml`)).body);
    expect((dx.discovery as { endpoints: { endpoint: unknown[] } }).endpoints.endpoint).toHaveLength(1);

    const s = await t.req('GET', `${B}/services.json`);
    expect(s.headers['content-type']).toMatch(/application\/json; charset=utf-8/);
    const services = s.json() as Array<{ service_code: string; group: string }>;
    valid('services', services);
    // one service per active category
    const cats = await t.req('GET', '/api/dispatch/categories');
    expect(cats.statusCode).toBe(200);
    const active = (cats.json() as Array<{ code: string; active: boolean }>).filter((c) => c.active);
    expect(active.length).toBeGreaterThan(0);
    expect(services.map((x) => x.service_code).sort()).toEqual(active.map((c) => c.code).sort());
    expect(services.find((x) => x.service_code === 'UF01')?.group).toBe('公用设施');
    const sx = parseXml((await t.req('GET', `${B}/services.xml`)).body);
    const xs = (sx.services as { service: Array<Record<string, unknown>> }).service;
    expect(xs.length).toBe(services.length);
    expect(Object.keys(xs[0]!).sort()).toEqual(['description', 'group', 'keywords', 'metadata', 'service_code', 'service_name', 'type']);

    const def = await t.req('GET', `${B}/services/UF01.json`);
    valid('serviceDefinition', def.json());
    const defx = parseXml((await t.req('GET', `${B}/services/UF01.xml`)).body);
    const attr = (defx.service_definition as { attributes: { attribute: Array<{ code: string; values: { value: unknown[] } }> } }).attributes.attribute[0]!;
    expect(attr.code).toBe('hazard');
    expect(attr.values.value).toHaveLength(2);

    const missing = await t.req('GET', `${B}/services/NOPE.json`);
    expect(missing.statusCode).toBe(404);
    valid('errors', missing.json());
    const missingX = await t.req('GET', `${B}/services/NOPE.xml`);
    expect(missingX.statusCode).toBe(404);
    expect((parseXml(missingX.body).errors as { error: Array<{ code: number }> }).error[0]!.code).toBe(404);
  });

  it('POST requests: errors are 400/403 in the spec shape', async () => {
    const noKey = await t.req('POST', `${B}/requests.json`, form({ service_code: 'UF01', lat: String(pt.lat), long: String(pt.lng), description: '井盖破损' }));
    expect(noKey.statusCode).toBe(403);
    valid('errors', noKey.json());
    const badKey = await t.req('POST', `${B}/requests.json`, form({ api_key: 'og_nope', service_code: 'UF01', lat: String(pt.lat), long: String(pt.lng), description: '井盖破损' }));
    expect(badKey.statusCode).toBe(403);
    const noScope = await t.req('POST', `${B}/requests.json`, form({ api_key: noScopeKey, service_code: 'UF01', lat: String(pt.lat), long: String(pt.lng), description: '井盖破损' }));
    expect(noScope.statusCode).toBe(403);
    // a signed-in session is no api_key: the spec requires the key for POST, whatever the cookie's roles
    const disp = await users.as('dispatcher');
    const fields = { service_code: 'UF01', lat: String(pt.lat), long: String(pt.lng), description: '井盖破损' };
    const byCookie = await t.req('POST', `${B}/requests.json`, { cookie: disp, ...form(fields) });
    expect(byCookie.statusCode).toBe(403);
    valid('errors', byCookie.json());
    expect((byCookie.json() as Array<{ code: number; description: string }>)[0]).toMatchObject({ code: 403, description: expect.stringContaining('api_key') });
    const byCookieX = await t.req('POST', `${B}/requests.xml`, { cookie: disp, ...form(fields) });
    expect(byCookieX.statusCode).toBe(403);
    expect((parseXml(byCookieX.body).errors as { error: Array<{ code: number }> }).error[0]!.code).toBe(403);
    const f = form(fields);
    const badBearer = await t.req('POST', `${B}/requests.json`, { body: f.body, headers: { ...f.headers, authorization: 'Bearer og_deadbeef_nope' } });
    expect(badBearer.statusCode).toBe(403);
    valid('errors', badBearer.json());
    const noScopeBearer = await t.req('POST', `${B}/requests.json`, { body: f.body, headers: { ...f.headers, authorization: `Bearer ${noScopeKey}` } });
    expect(noScopeBearer.statusCode).toBe(403);
    // GET stays public (no key, no cookie)
    expect((await t.req('GET', `${B}/requests.json`)).statusCode).toBe(200);
    const noLoc = await t.req('POST', `${B}/requests.xml`, form({ api_key: apiKey, service_code: 'UF01', description: '井盖破损' }));
    expect(noLoc.statusCode).toBe(400);
    expect((parseXml(noLoc.body).errors as { error: unknown[] }).error).toHaveLength(1);
    const junk = await t.req('POST', `${B}/requests.json`, { body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(junk.statusCode).toBe(400);
    valid('errors', junk.json());
    const badDate = await t.req('GET', `${B}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z`);
    expect(badDate.statusCode).toBe(400);
    valid('errors', badDate.json());
    const count = await t.og.ctx.db.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('a request queued for triage answers a token; it shows in the dispatcher queue, and its status changes show in GET requests/{id}', async () => {
    advisorStub.auto = false;
    const r = await t.req('POST', `${B}/requests.json`, form({ api_key: apiKey, service_code: 'UF01', lat: String(pt.lat), long: String(pt.lng), description: '供水井盖松动，有异响', 'attribute[hazard]': 'yes', media_url: 'https://example.org/p.jpg' }));
    expect(r.statusCode).toBe(201);
    const body = r.json() as Array<{ token?: string; service_request_id?: string }>;
    valid('postResponse', body);
    const token = body[0]!.token!;
    expect(token).toBeTruthy();
    expect(body[0]!.service_request_id).toBeUndefined();

    const pending = await t.req('GET', `${B}/tokens/${token}.json`);
    valid('tokens', pending.json());
    expect((pending.json() as Array<{ service_request_id?: string }>)[0]!.service_request_id).toBeUndefined();

    const disp = await users.as('dispatcher');
    const queue = await t.req('GET', '/api/cases/queue', { cookie: disp });
    expect(queue.statusCode).toBe(200);
    const item = (queue.json() as { items: Array<{ id: string; number: string; channel: string; priority: string; version: number }> }).items.find((c) => c.channel === 'api');
    expect(item).toBeTruthy();
    expect(item!.priority).toBe('high');

    const filed = await step(t, disp, item!.id, 'file', { version: item!.version });
    const resolved = await t.req('GET', `${B}/tokens/${token}.xml`);
    const tokRow = (parseXml(resolved.body).service_requests as { request: Array<{ service_request_id: string | number; token: string }> }).request[0]!;
    expect(String(tokRow.service_request_id)).toBe(item!.number);

    let one = (await t.req('GET', `${B}/requests/${item!.number}.json`)).json() as Array<Record<string, unknown>>;
    valid('requests', one);
    expect(one[0]).toMatchObject({ status: 'open', service_code: 'UF01', media_url: 'https://example.org/p.jpg', extended_attributes: { status: 'INVESTIGATING' } });
    expect(one[0]!.description).toBe('供水井盖松动，有异响');

    const dispatched = await step(t, disp, item!.id, 'dispatch', { version: filed.version });
    one = (await t.req('GET', `${B}/requests/${item!.number}.json`)).json() as Array<Record<string, unknown>>;
    valid('requests', one);
    expect(one[0]).toMatchObject({ status: 'open', agency_responsible: expect.stringMatching(/.+/), extended_attributes: { status: 'ACTION_SCHEDULED' } });
    expect(one[0]!.expected_datetime).toBe((dispatched as unknown as { deadlineAt: string }).deadlineAt);

    const rej = await t.req('GET', `${B}/requests/${item!.number}.xml`);
    const xr = (parseXml(rej.body).service_requests as { request: Array<Record<string, unknown>> }).request[0]!;
    expect(xr.status).toBe('open');
    expect((xr.extended_attributes as { status: string }).status).toBe('ACTION_SCHEDULED');
    for (const k of ['service_request_id', 'status', 'service_code', 'requested_datetime', 'expected_datetime', 'agency_responsible', 'lat', 'long']) expect(xr).toHaveProperty(k);

    const list = await t.req('GET', `${B}/requests.json?service_code=UF01&status=open`);
    valid('requests', list.json());
    expect((list.json() as Array<{ service_request_id: string }>).map((x) => x.service_request_id)).toContain(item!.number);
    const closedOnly = await t.req('GET', `${B}/requests.json?status=closed`);
    expect((closedOnly.json() as Array<{ service_request_id: string }>).map((x) => x.service_request_id)).not.toContain(item!.number);
    const byIds = await t.req('GET', `${B}/requests.json?service_request_id=${item!.number},0000000000000`);
    expect(byIds.json()).toHaveLength(1);
    const nf = await t.req('GET', `${B}/requests/9999999999999.json`);
    expect(nf.statusCode).toBe(404);
    valid('errors', nf.json());
  });

  it('an auto-dispatched request answers service_request_id, never a token; address_string alone is located', async () => {
    advisorStub.auto = true;
    try {
      const r = await t.req('POST', `${B}/requests.xml`, form({ api_key: apiKey, service_code: 'UF03', lat: String(pointIn(QIAOTOU_G01, 0.2, 0.2).lat), long: String(pointIn(QIAOTOU_G01, 0.2, 0.2).lng), description: '电力井盖缺失' }));
      expect(r.statusCode).toBe(201);
      const req = (parseXml(r.body).service_requests as { request: Array<Record<string, unknown>> }).request[0]!;
      expect(req.service_request_id).toBeTruthy();
      expect(req.token).toBeUndefined();
      const j = await t.req('GET', `${B}/requests/${String(req.service_request_id)}.json`);
      valid('requests', j.json());
      expect((j.json() as Array<{ status: string; agency_responsible: string | null }>)[0]!.agency_responsible).toBeTruthy();

      const community = await t.og.ctx.db.selectFrom('org_nodes').select(['name']).where('code', '=', '430103007001').executeTakeFirstOrThrow();
      // the key may also come as `Authorization: Bearer` instead of the api_key field
      const fa = form({ service_code: 'UF02', address_string: `${community.name}小区门口`, description: '排水井盖破损' });
      const a = await t.req('POST', `${B}/requests.json`, { body: fa.body, headers: { ...fa.headers, authorization: `Bearer ${apiKey}` } });
      expect(a.statusCode).toBe(201);
      const posted = a.json() as Array<{ service_request_id?: string; token?: string }>;
      valid('postResponse', posted);
      // located from the address alone: the case lies in that community
      const id = posted[0]!.service_request_id!;
      expect(id).toBeTruthy();
      const located = await t.og.ctx.db
        .selectFrom('cases')
        .innerJoin('org_nodes', 'org_nodes.id', 'cases.community_id')
        .select(['org_nodes.code'])
        .where('cases.number', '=', id)
        .executeTakeFirstOrThrow();
      expect(located.code).toBe('430103007001');
    } finally {
      advisorStub.auto = false;
    }
  });

  it('a case closed through the loop shows closed/FIXED, a merged one closed/DUPLICATE', async () => {
    advisorStub.auto = false;
    const where = pointIn(QIAOTOU_G01, 0.7, 0.7);
    const submit = async (description: string) => {
      const r = await t.req('POST', `${B}/requests.json`, form({ api_key: apiKey, service_code: 'UF01', lat: String(where.lat), long: String(where.lng), description }));
      expect(r.statusCode).toBe(201);
      expect((r.json() as Array<{ token?: string }>)[0]!.token).toBeTruthy();
      return t.og.ctx.db.selectFrom('cases').select(['id', 'number', 'version']).where('description', '=', description).executeTakeFirstOrThrow();
    };
    const a = await submit('消防栓漏水，路面积水');
    const b = await submit('消防栓漏水（重复上报）');
    const get = async (n: string) => {
      const r = await t.req('GET', `${B}/requests/${n}.json`);
      expect(r.statusCode).toBe(200);
      valid('requests', r.json());
      return (r.json() as Array<{ status: string; extended_attributes: { status: string } }>)[0]!;
    };

    const disp = await users.as('dispatcher');
    await step(t, disp, b.id, 'merge', { version: b.version, intoId: a.id, note: '重复上报' });
    expect(await get(b.number)).toMatchObject({ status: 'closed', extended_attributes: { status: 'DUPLICATE' } });
    const bx = (parseXml((await t.req('GET', `${B}/requests/${b.number}.xml`)).body).service_requests as { request: Array<Record<string, unknown>> }).request[0]!;
    expect(bx.status).toBe('closed');
    expect((bx.extended_attributes as { status: string }).status).toBe('DUPLICATE');
    expect(await get(a.number)).toMatchObject({ status: 'open' });

    let c = await step(t, disp, a.id, 'file', { version: a.version });
    c = await step(t, disp, a.id, 'dispatch', { version: c.version });
    const dept = await t.og.ctx.db.selectFrom('cases').innerJoin('departments', 'departments.id', 'cases.department_id').select('departments.code').where('cases.id', '=', a.id).executeTakeFirstOrThrow();
    const handler = await users.as(`dept.${dept.code.toLowerCase()}`);
    c = await step(t, handler, a.id, 'accept', { version: c.version });
    c = await step(t, handler, a.id, 'resolve', { version: c.version, note: '已更换阀门' });
    expect(await get(a.number)).toMatchObject({ status: 'open' });
    c = await step(t, await users.as('grid_worker.qiaotou'), a.id, 'verify', { version: c.version, passed: true });
    expect(c.state).toBe('closed');
    expect(await get(a.number)).toMatchObject({ status: 'closed', extended_attributes: { status: 'FIXED' } });

    const closed = await t.req('GET', `${B}/requests.json?status=closed`);
    valid('requests', closed.json());
    const closedIds = (closed.json() as Array<{ service_request_id: string }>).map((x) => x.service_request_id);
    expect(closedIds).toEqual(expect.arrayContaining([a.number, b.number]));
    const open = (await t.req('GET', `${B}/requests.json?status=open`)).json() as Array<{ service_request_id: string }>;
    expect(open.map((x) => x.service_request_id)).not.toContain(a.number);
  });
  it('services ask per-category attributes with datatypes and value lists; answers are validated and kept with the case', async () => {
    type Attr = { code: string; datatype: string; required: boolean; order: number; values?: Array<{ key: string; name: string }> };
    const def = async (code: string) => {
      const r = await t.req('GET', `${B}/services/${code}.json`);
      expect(r.statusCode).toBe(200);
      valid('serviceDefinition', r.json());
      return (r.json() as { attributes: Attr[] }).attributes;
    };
    const manhole = await def('UF02');
    expect(manhole.map((a) => a.code)).toEqual(['hazard', 'cover_type', 'cover_state']);
    expect(manhole.map((a) => a.order)).toEqual([1, 2, 3]);
    expect(manhole[1]).toMatchObject({ datatype: 'singlevaluelist', required: false });
    expect(manhole[1]!.values!.map((v) => v.key)).toEqual(expect.arrayContaining(['water', 'sewage', 'gas']));
    const noise = await def('NS02');
    expect(noise.map((a) => a.code)).toEqual(['hazard', 'time_of_day', 'recurring']);
    expect(noise[1]).toMatchObject({ datatype: 'multivaluelist' });
    expect(noise[1]!.values).toHaveLength(4);
    const fire = await def('EM04');
    expect(fire.find((a) => a.code === 'casualties')).toMatchObject({ required: true, datatype: 'singlevaluelist' });
    // free-form attributes carry no value list, in JSON and XML
    const parking = await def('RT04');
    expect(parking.find((a) => a.code === 'plate_number')).toMatchObject({ datatype: 'string' });
    expect(parking.find((a) => a.code === 'plate_number')!.values).toBeUndefined();
    const px = (parseXml((await t.req('GET', `${B}/services/RT04.xml`)).body).service_definition as { attributes: { attribute: Array<{ code: string; datatype: string; values?: unknown }> } }).attributes.attribute;
    expect(px.map((a) => a.code)).toEqual(parking.map((a) => a.code));
    expect(px.find((a) => a.code === 'plate_number')!.values).toBeUndefined();
    expect(px.find((a) => a.code === 'hazard')!.values).toBeTruthy();

    const before = Number((await t.og.ctx.db.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const post = (pairs: Array<[string, string]>) => t.req('POST', `${B}/requests.json`, { body: new URLSearchParams([['api_key', apiKey], ['lat', String(pt.lat)], ['long', String(pt.lng)], ...pairs]).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const bad: Array<Array<[string, string]>> = [
      [['service_code', 'UF02'], ['description', '井盖破损'], ['attribute[cover_type]', 'wood']],
      [['service_code', 'UF02'], ['description', '井盖破损'], ['attribute[time_of_day]', 'night']],
      [['service_code', 'UF02'], ['description', '井盖破损'], ['attribute[cover_type]', 'gas'], ['attribute[cover_type]', 'water']],
      [['service_code', 'EM04'], ['description', '楼道起火冒烟']],
      [['service_code', 'GR01'], ['description', '树木倒伏'], ['attribute[tree_count]', 'many']],
      [['service_code', 'PS01'], ['description', '路口有人打架'], ['attribute[occurred_at]', '昨天晚上']],
    ];
    for (const pairs of bad) {
      const r = await post(pairs);
      expect(r.statusCode, JSON.stringify(pairs)).toBe(400);
      valid('errors', r.json());
    }
    const after400 = Number((await t.og.ctx.db.selectFrom('cases').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    expect(after400).toBe(before);

    advisorStub.auto = false;
    const ok = await post([
      ['service_code', 'NS02'],
      ['description', '楼上住户深夜装修'],
      ['attribute[time_of_day][]', 'evening'],
      ['attribute[time_of_day][]', 'night'],
      ['attribute[recurring]', 'yes'],
      ['media_url', 'https://example.org/noise.mp4'],
    ]);
    expect(ok.statusCode).toBe(201);
    valid('postResponse', ok.json());
    const row = await t.og.ctx.db.selectFrom('cases').select(['number', 'description', 'category_code']).where('description', 'like', '楼上住户深夜装修%').executeTakeFirstOrThrow();
    expect(row.category_code).toBe('NS02');
    expect(row.description).toContain('噪声时段：晚间（18–22 时）、夜间（22–6 时）');
    expect(row.description).toContain('是否反复出现：是');
    const shown = ((await t.req('GET', `${B}/requests/${row.number}.json`)).json() as Array<{ description: string; media_url: string | null }>)[0]!;
    expect(shown.description).toBe('楼上住户深夜装修');
    expect(shown.media_url).toBe('https://example.org/noise.mp4');
  });
});
