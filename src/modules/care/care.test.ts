import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createUser } from '../../platform/auth/service.js';
import { brokerStatus, rollupAndRetention } from '../iot/index.js';
import { ageOf, careIdle, defaultThresholds } from './index.js';

/**
 * Care, end to end on the embedded MQTT broker: bracelets linked to residents in 桥头社区, a carer
 * per person, per-person thresholds, alerts to the carer's inbox with escalation, "no data",
 * canteen subsidies by tag and who may see health readings.
 */
let t: TestApp;
const mq: mqtt.MqttClient[] = [];
let admin: string;
let commAdmin: string;
let gw: string;
const db = () => t.og.ctx.db;

interface Person {
  id: string;
  residentId: string;
  birthDate: string | null;
  token: string;
  deviceId: string;
  carer: string;
  carerCookie: string;
  client: mqtt.MqttClient;
}

async function publish(p: Person, values: Record<string, unknown>) {
  await p.client.publishAsync('v1/devices/me/telemetry', JSON.stringify(values), { qos: 1 });
  await careIdle(t.og.ctx);
}

let qiaotouPath: string;
let seq = 0;
/** A 桥头 resident not yet in the roster, enrolled by the community's staff with consent, a new bracelet and a new carer account. */
async function newPerson(extra: { noDataHours?: number } = {}): Promise<Person> {
  const enrolled = (await db().selectFrom('care_persons').select('resident_id').execute()).map((r) => r.resident_id);
  let q = db().selectFrom('residents').select(['id', 'birth_date', 'name']).where('node_path', 'like', `${qiaotouPath}/%`).where('status', '=', 'resident').where('birth_date', 'is not', null);
  if (enrolled.length) q = q.where('id', 'not in', enrolled);
  const r = await q.orderBy('id').executeTakeFirstOrThrow();
  const enrol = await t.req('POST', '/api/care/persons', { cookie: commAdmin, body: { residentId: r.id, consent: { given: true, by: `${r.name}（本人）`, note: '已签署知情同意书' }, ...(extra.noDataHours ? { noDataHours: extra.noDataHours } : {}) } });
  expect(enrol.statusCode, enrol.body).toBe(201);
  const id = enrol.json().id as string;
  const token = `care-${randomBytes(6).toString('hex')}`;
  const dev = await t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: `手环-${token}`, type: 'bracelet', lng: 112.9644, lat: 28.1489, token } });
  expect(dev.statusCode).toBe(201);
  const deviceId = dev.json().device.id as string;
  expect((await t.req('POST', `/api/care/persons/${id}/devices`, { cookie: commAdmin, body: { deviceId } })).statusCode).toBe(200);
  const username = `carer.t${++seq}`;
  const carer = await createUser(t.og.ctx, systemActor(), { username, displayName: `照护人${seq}`, password: 'onegrid-demo-pass-1', roles: ['resident'] });
  expect((await t.req('POST', `/api/care/persons/${id}/carers`, { cookie: commAdmin, body: { userId: carer, kind: 'volunteer' } })).statusCode).toBe(200);
  const carerCookie = await t.login(username, 'onegrid-demo-pass-1');
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerStatus(t.og.ctx)!.port!}`, { username: token, reconnectPeriod: 0 });
  mq.push(client);
  return { id, residentId: r.id, birthDate: r.birth_date, token, deviceId, carer, carerCookie, client };
}

const inbox = async (cookie: string) => (await t.req('GET', '/api/notifications?pageSize=200', { cookie })).json().items as Array<{ kind: string; title: string; data: Record<string, unknown> }>;
const alertsOf = (personId: string) => db().selectFrom('care_alerts').selectAll().where('person_id', '=', personId).orderBy('raised_at').execute();

beforeAll(async () => {
  t = await startTestApp({ env: { MQTT_PORT: '0', ONEGRID_JOBS: 'false' } });
  admin = await t.login('admin');
  commAdmin = await t.login('community_admin.qiaotou');
  gw = await t.login('grid_worker.qiaotou');
  qiaotouPath = (await db().selectFrom('org_nodes').select('path').where('code', '=', '430103007001').executeTakeFirstOrThrow()).path;
});
afterAll(async () => {
  for (const c of mq) await c.endAsync(true);
  await t?.close();
});

describe('care', () => {
  it('seeds a roster with bracelets, a menu with subsidies and shifts', async () => {
    const persons = (await t.req('GET', '/api/care/persons?pageSize=200', { cookie: admin })).json();
    expect(persons.total).toBeGreaterThan(2);
    expect(await db().selectFrom('care_devices').selectAll().execute()).toHaveLength(2);
    const menu = (await t.req('GET', '/api/care/menu', { cookie: commAdmin })).json();
    expect(menu.length).toBeGreaterThan(0);
    expect(menu[0].subsidies.length).toBeGreaterThan(0);
    expect((await t.req('GET', '/api/care/shifts', { cookie: gw })).json().length).toBeGreaterThan(0);
  });

  it('a fall through MQTT reaches the carer and the duty staff, and escalates when nobody acknowledges', async () => {
    const p = await newPerson();
    await publish(p, { fall: 1, heart_rate: 80, steps: 120 });
    const [alert] = await alertsOf(p.id);
    expect(alert).toMatchObject({ kind: 'fall', severity: 'critical', status: 'open', level: 0 });
    const mine = await inbox(p.carerCookie);
    expect(mine.filter((n) => n.kind === 'care.alert' && n.data.alertId === alert!.id)).toHaveLength(1);
    expect((await inbox(commAdmin)).some((n) => n.kind === 'care.alert' && n.data.alertId === alert!.id)).toBe(true);
    const leader = await t.login('grid_leader.qiaotou');
    expect((await inbox(leader)).some((n) => n.data.alertId === alert!.id)).toBe(false);

    // Not yet due: nothing happens.
    t.clock.advanceMinutes(5);
    await t.og.ctx.jobs.runAllDue();
    expect((await alertsOf(p.id))[0]!.level).toBe(0);
    // Past the escalation time, unacknowledged: up one level (grid leader), the carer is reminded.
    t.clock.advanceMinutes(6);
    await t.og.ctx.jobs.runAllDue();
    expect((await alertsOf(p.id))[0]!.level).toBe(1);
    expect((await inbox(leader)).filter((n) => n.kind === 'care.alert.escalated' && n.data.alertId === alert!.id)).toHaveLength(1);
    expect((await inbox(p.carerCookie)).filter((n) => n.kind === 'care.alert.escalated')).toHaveLength(1);
    const street = await t.login('street_admin');
    expect((await inbox(street)).some((n) => n.data.alertId === alert!.id)).toBe(false);
    t.clock.advanceMinutes(11);
    await t.og.ctx.jobs.runAllDue();
    expect((await alertsOf(p.id))[0]!.level).toBe(2);
    expect((await inbox(street)).some((n) => n.kind === 'care.alert.escalated' && n.data.alertId === alert!.id)).toBe(true);

    // The carer acknowledges; an SOS acknowledged in time never escalates.
    expect((await t.req('POST', `/api/care/alerts/${alert!.id}/ack`, { cookie: p.carerCookie, body: { note: '已电话联系，家属已到场' } })).json().status).toBe('acked');
    await publish(p, { sos: 1 });
    const sos = (await alertsOf(p.id)).find((a) => a.kind === 'sos')!;
    expect(sos.status).toBe('open');
    expect((await t.req('POST', `/api/care/alerts/${sos.id}/ack`, { cookie: p.carerCookie, body: {} })).statusCode).toBe(200);
    expect((await t.req('POST', `/api/care/alerts/${sos.id}/ack`, { cookie: p.carerCookie, body: {} })).statusCode).toBe(409);
    t.clock.advanceMinutes(30);
    await t.og.ctx.jobs.runAllDue();
    expect((await db().selectFrom('care_alerts').select('level').where('id', '=', sos.id).executeTakeFirstOrThrow()).level).toBe(0);
    expect((await inbox(leader)).some((n) => n.data.alertId === sos.id)).toBe(false);
    // A stranger cannot acknowledge.
    expect((await t.req('POST', `/api/care/alerts/${alert!.id}/close`, { cookie: await t.login('resident.qiaotou'), body: {} })).statusCode).toBe(404);
  });

  it('per-person thresholds override the defaults by age (with the doctor’s advice noted)', async () => {
    const a = await newPerson();
    const b = await newPerson();
    const on = t.clock.now();
    const maxA = defaultThresholds(ageOf(a.birthDate, on)).heart_rate.max!;
    const maxB = defaultThresholds(ageOf(b.birthDate, on)).heart_rate.max!;
    // A: the default applies.
    await publish(a, { heart_rate: maxA - 5 });
    expect(await alertsOf(a.id)).toHaveLength(0);
    await publish(a, { heart_rate: maxA + 5 });
    expect((await alertsOf(a.id)).map((x) => [x.kind, x.metric])).toEqual([['out_of_range', 'heart_rate']]);

    // B: a higher limit on the doctor's advice; the same reading is normal for B.
    expect((await t.req('PUT', `/api/care/persons/${b.id}/thresholds`, { cookie: commAdmin, body: { thresholds: { heart_rate: { max: maxB + 20 } }, doctorNote: '' } })).statusCode).toBe(400);
    expect((await t.req('PUT', `/api/care/persons/${b.id}/thresholds`, { cookie: gw, body: { thresholds: { heart_rate: { max: maxB + 20 } }, doctorNote: '心内科李医生：房颤，静息心率偏快' } })).statusCode).toBe(403);
    expect((await t.req('PUT', `/api/care/persons/${b.id}/thresholds`, { cookie: commAdmin, body: { thresholds: { heart_rate: { min: 90, max: 80 } }, doctorNote: 'x' } })).statusCode).toBe(400);
    const set = await t.req('PUT', `/api/care/persons/${b.id}/thresholds`, { cookie: commAdmin, body: { thresholds: { heart_rate: { max: maxB + 20 }, spo2: { min: 88 } }, doctorNote: '心内科李医生：房颤，静息心率偏快' } });
    expect(set.statusCode).toBe(200);
    expect(set.json().thresholds.heart_rate).toMatchObject({ max: maxB + 20, source: 'person' });
    expect(set.json().thresholds.bp_systolic.source).toBe('default');
    expect(set.json().thresholds.note).toContain('李医生');
    await publish(b, { heart_rate: maxB + 5, spo2: 89 });
    expect(await alertsOf(b.id)).toHaveLength(0);
    await publish(b, { heart_rate: maxB + 25, blood_pressure: { systolic: 200, diastolic: 80 } });
    expect((await alertsOf(b.id)).map((x) => x.metric).sort()).toEqual(['bp_systolic', 'heart_rate']);
  });

  it('"no data for N hours" fires from the periodic check and ends when data returns', async () => {
    const p = await newPerson({ noDataHours: 2 });
    await publish(p, { heart_rate: 70, steps: 10 });
    t.clock.advanceMinutes(60);
    await t.og.ctx.jobs.runAllDue();
    expect((await alertsOf(p.id)).filter((a) => a.kind === 'no_data')).toHaveLength(0);
    t.clock.advanceMinutes(75);
    await t.og.ctx.jobs.runAllDue();
    const nd = (await alertsOf(p.id)).filter((a) => a.kind === 'no_data');
    expect(nd).toHaveLength(1);
    expect(nd[0]!.status).toBe('open');
    expect((await inbox(p.carerCookie)).some((n) => n.kind === 'care.alert' && n.data.kind === 'no_data')).toBe(true);
    // Only one while it lasts.
    t.clock.advanceMinutes(30);
    await t.og.ctx.jobs.runAllDue();
    expect((await alertsOf(p.id)).filter((a) => a.kind === 'no_data')).toHaveLength(1);
    await publish(p, { heart_rate: 72 });
    expect((await alertsOf(p.id)).find((a) => a.kind === 'no_data')!.status).toBe('closed');
  });

  it('a meal order applies the subsidy of the resident’s tag', async () => {
    const day = new Date(t.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const item = await t.req('POST', '/api/care/menu', { cookie: commAdmin, body: { nodePath: qiaotouPath, day, name: '清蒸鱼套餐', priceCents: 1800, subsidies: [{ tag: '高龄', amountCents: 600 }, { tag: '低保', amountCents: 1000 }], delivery: true } });
    expect(item.statusCode).toBe(201);
    const menuItemId = item.json().id as string;
    expect((await t.req('POST', '/api/care/menu', { cookie: commAdmin, body: { nodePath: qiaotouPath, day, name: 'x', priceCents: 100, subsidies: [{ tag: '高龄', amountCents: 600 }] } })).statusCode).toBe(400);
    const base = db().selectFrom('residents').select(['id', 'tags']).where('node_path', 'like', `${qiaotouPath}/%`).where('status', '=', 'resident');
    const old = await base.where((eb) => eb(eb.val('高龄'), '=', eb.fn.any('tags'))).where((eb) => eb.not(eb(eb.val('低保'), '=', eb.fn.any('tags')))).executeTakeFirstOrThrow();
    const none = await base.where((eb) => eb.not(eb(eb.val('高龄'), '=', eb.fn.any('tags')))).where((eb) => eb.not(eb(eb.val('低保'), '=', eb.fn.any('tags')))).executeTakeFirstOrThrow();
    const o1 = await t.req('POST', '/api/care/orders', { cookie: gw, body: { menuItemId, residentId: old.id, qty: 2, mode: 'delivery' } });
    expect(o1.statusCode).toBe(201);
    expect(o1.json()).toMatchObject({ unitCents: 1800, subsidyTag: '高龄', subsidyCents: 1200, payCents: 2400 });
    const o2 = await t.req('POST', '/api/care/orders', { cookie: gw, body: { menuItemId, residentId: none.id, qty: 1, mode: 'pickup' } });
    expect(o2.json()).toMatchObject({ subsidyTag: null, subsidyCents: 0, payCents: 1800 });
    // The demo district has 低保 residents in 桥头: required, so this assertion always runs.
    const low = await base.where((eb) => eb(eb.val('低保'), '=', eb.fn.any('tags'))).executeTakeFirstOrThrow();
    expect((await t.req('POST', '/api/care/orders', { cookie: gw, body: { menuItemId, residentId: low.id, qty: 1, mode: 'pickup' } })).json()).toMatchObject({ subsidyTag: '低保', subsidyCents: 1000, payCents: 800 });
    // A resident orders only for themself.
    const res = await t.login('resident.qiaotou');
    expect((await t.req('POST', '/api/care/orders', { cookie: res, body: { menuItemId, residentId: old.id, qty: 1, mode: 'pickup' } })).statusCode).toBe(403);
    expect((await t.req('POST', '/api/care/orders', { cookie: gw, body: { menuItemId, residentId: old.id, qty: 0, mode: 'pickup' } })).statusCode).toBe(400);
  });

  it('health readings: encrypted at rest, visible to the person’s carers and authorised staff only, every view logged', async () => {
    const a = await newPerson();
    const b = await newPerson();
    await publish(a, { heart_rate: 77, spo2: 97, steps: 1500 });
    await publish(b, { heart_rate: 66 });
    const raw = await db().selectFrom('care_readings').selectAll().where('person_id', '=', a.id).execute();
    expect(raw).toHaveLength(1);
    // stored as AES-GCM ciphertext (base64 may contain any digits by chance), which decrypts to the reading
    expect(raw[0]!.data_enc).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(raw[0]!.data_enc).not.toContain('heart_rate');
    expect(JSON.parse(t.og.ctx.cipher.decrypt(raw[0]!.data_enc))).toMatchObject({ heart_rate: 77 });
    expect(raw[0]!.data_enc).not.toContain('heart');

    const logs = async () => Number((await db().selectFrom('data_access_log').select((eb) => eb.fn.countAll<number>().as('n')).where('entity', '=', 'care_person').executeTakeFirstOrThrow()).n);
    const before = await logs();
    const mine = await t.req('GET', `/api/care/persons/${a.id}/readings`, { cookie: a.carerCookie });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items[0].values).toMatchObject({ heart_rate: 77, spo2: 97, steps: 1500 });
    expect(await logs()).toBe(before + 1);
    // The carer of A sees nothing of B, not even that B exists.
    expect((await t.req('GET', `/api/care/persons/${b.id}/readings`, { cookie: a.carerCookie })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/care/persons/${b.id}`, { cookie: a.carerCookie })).statusCode).toBe(404);
    expect((await t.req('GET', '/api/care/persons', { cookie: a.carerCookie })).json().items.map((x: { id: string }) => x.id)).toEqual([a.id]);
    // A grid worker who is not B's carer sees the roster entry but not the readings; the community admin may (logged).
    expect((await t.req('GET', `/api/care/persons/${b.id}`, { cookie: gw })).statusCode).toBe(200);
    expect((await t.req('GET', `/api/care/persons/${b.id}/readings`, { cookie: gw })).statusCode).toBe(404);
    expect((await t.req('GET', `/api/care/persons/${b.id}/readings`, { cookie: commAdmin })).json().items[0].values.heart_rate).toBe(66);
    expect(await logs()).toBe(before + 2);
    // Staff of another community cannot.
    expect((await t.req('GET', `/api/care/persons/${b.id}/readings`, { cookie: await t.login('community_admin.mulian') })).statusCode).toBe(404);
  });

  it('bracelet health values exist only encrypted in care: nothing in clear in iot, no iot endpoint returns them', async () => {
    const a = await newPerson();
    const b = await newPerson();
    // The grid worker becomes A's carer (not B's).
    const gwUser = await db().selectFrom('users').select('id').where('username', '=', 'grid_worker.qiaotou').executeTakeFirstOrThrow();
    expect((await t.req('POST', `/api/care/persons/${a.id}/carers`, { cookie: gw, body: { userId: gwUser.id, kind: 'grid_worker' } })).statusCode).toBe(200);
    const HEALTH = ['heart_rate', 'blood_pressure', 'systolic', 'diastolic', 'bp_systolic', 'bp_diastolic', 'spo2', 'steps', 'fall', 'sos'];
    await publish(a, { heart_rate: 141.5, blood_pressure: { systolic: 187.5, diastolic: 96.5 }, spo2: 88.5, steps: 4321, fall: 1, battery: 57 });
    await publish(b, { heart_rate: 133.5, spo2: 87.5, sos: 1, steps: 17, battery: 64 });
    await b.client.publishAsync('v1/devices/me/attributes', JSON.stringify({ firmware: '2.1.0', heart_rate: 133.5 }), { qos: 1 });
    await careIdle(t.og.ctx);
    // Roll the hour up so the hourly table is filled too.
    t.clock.advanceMinutes(90);
    await t.og.ctx.db.transaction().execute((trx) => rollupAndRetention(t.og.ctx, trx));

    // care has both readings, encrypted.
    for (const [p, hr] of [[a, 141.5], [b, 133.5]] as const) {
      const rows = await db().selectFrom('care_readings').selectAll().where('person_id', '=', p.id).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.data_enc).not.toContain('heart');
      expect(JSON.parse(t.og.ctx.cipher.decrypt(rows[0]!.data_enc))).toMatchObject({ heart_rate: hr });
    }
    // iot keeps the battery and the last-seen state only, in every table.
    const devs = [a.deviceId, b.deviceId];
    const tele = await db().selectFrom('iot_telemetry').selectAll().where('device_id', 'in', devs).execute();
    expect(tele.map((r) => Object.keys(r.vals).sort())).toEqual([['battery'], ['battery']]);
    expect((await db().selectFrom('iot_latest').select(['key']).where('device_id', 'in', devs).execute()).map((r) => r.key)).toEqual(['battery', 'battery']);
    const hourly = await db().selectFrom('iot_telemetry_hourly').select('key').where('device_id', 'in', devs).execute();
    expect(hourly.length).toBeGreaterThan(0);
    expect(hourly.every((r) => r.key === 'battery')).toBe(true);
    const dev = await db().selectFrom('iot_devices').selectAll().where('id', 'in', devs).execute();
    expect(dev.map((d) => [d.battery, d.online])).toEqual(expect.arrayContaining([[57, true], [64, true]]));
    expect(dev.find((d) => d.id === b.deviceId)!.attributes).toEqual({ firmware: '2.1.0' });
    // No iot alarm or case for the fall / SOS: care alerts on them (per person), iot does not.
    expect(await db().selectFrom('iot_alarms').selectAll().where('device_id', 'in', devs).execute()).toHaveLength(0);
    expect((await alertsOf(a.id)).map((x) => x.kind)).toContain('fall');
    expect((await alertsOf(b.id)).map((x) => x.kind)).toContain('sos');
    expect(await db().selectFrom('cases').select('id').where('source_key', 'like', `%${a.deviceId}%`).execute()).toHaveLength(0);
    // A scan of every iot table row as text: no health key, no health value.
    for (const table of ['iot_telemetry', 'iot_latest', 'iot_telemetry_hourly', 'iot_alarms', 'iot_devices', 'iot_rule_state', 'iot_case_links'] as const) {
      const rows = await db().selectFrom(table).selectAll().execute();
      const text = JSON.stringify(rows.filter((r) => devs.includes((r as { device_id?: string; id: string }).device_id ?? (r as { id: string }).id)));
      for (const k of HEALTH) expect(text, `${table} has ${k}`).not.toContain(`"${k}"`);
      for (const v of ['141.5', '187.5', '96.5', '88.5', '4321', '133.5', '87.5']) expect(text, `${table} has ${v}`).not.toContain(v);
    }

    // Reads: the grid worker (carer of A, iot.read, not care.health.read) through every endpoint.
    const noHealth = (body: string) => HEALTH.every((k) => !body.includes(`"${k}"`)) && !body.includes('133.5') && !body.includes('141.5');
    for (const p of [a, b]) {
      const d = await t.req('GET', `/api/iot/devices/${p.deviceId}`, { cookie: gw });
      expect([200, 404]).toContain(d.statusCode);
      expect(noHealth(d.body), d.body).toBe(true);
      const series = await t.req('GET', `/api/iot/devices/${p.deviceId}/telemetry?keys=heart_rate`, { cookie: gw });
      expect([403, 404]).toContain(series.statusCode);
      for (const agg of ['raw', 'hour']) {
        const all = await t.req('GET', `/api/iot/devices/${p.deviceId}/telemetry?agg=${agg}&from=${new Date(t.clock.now().getTime() - 86_400_000).toISOString()}`, { cookie: gw });
        expect([200, 404]).toContain(all.statusCode);
        expect(noHealth(all.body), all.body).toBe(true);
      }
    }
    // Even the admin gets no health value through iot (listing with latest values, series by key).
    const list = await t.req('GET', '/api/iot/devices?type=bracelet&latest=true&pageSize=100', { cookie: admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.some((d: { id: string; latest: Record<string, unknown> }) => d.id === b.deviceId && 'battery' in d.latest)).toBe(true);
    expect(noHealth(list.body)).toBe(true);
    expect((await t.req('GET', `/api/iot/devices/${b.deviceId}/telemetry?keys=heart_rate&keys=battery`, { cookie: admin })).statusCode).toBe(403);
    const bAdmin = await t.req('GET', `/api/iot/devices/${b.deviceId}/telemetry?agg=raw&from=${new Date(t.clock.now().getTime() - 86_400_000).toISOString()}`, { cookie: admin });
    expect(bAdmin.json().series.battery.map((x: { value: number }) => x.value)).toEqual([64]);
    expect(noHealth(bAdmin.body)).toBe(true);
    const alarms = await t.req('GET', `/api/iot/alarms?deviceId=${b.deviceId}`, { cookie: admin });
    expect(noHealth(alarms.body)).toBe(true);
    // A rule on a bracelet's health key cannot be created in iot.
    expect((await t.req('POST', '/api/iot/rules', { cookie: admin, body: { deviceType: 'bracelet', alarmType: 'hr', kind: 'threshold', name: '心率', key: 'heart_rate', op: 'gt', threshold: 120, severity: 'major' } })).statusCode).toBe(400);

    // care: B's readings and alert details are refused to A's carer; A's are readable and every view is logged.
    expect((await t.req('GET', `/api/care/persons/${b.id}/readings`, { cookie: gw })).statusCode).toBe(404);
    const bAlert = (await alertsOf(b.id)).find((x) => x.kind === 'sos')!;
    const bAlertView = await t.req('GET', `/api/care/alerts/${bAlert.id}`, { cookie: gw });
    expect([200, 403, 404]).toContain(bAlertView.statusCode);
    expect(bAlertView.json().detail ?? null).toBeNull();
    const logsOfGw = async () => db().selectFrom('data_access_log').selectAll().where('actor_id', '=', gwUser.id).where('entity', '=', 'care_person').execute();
    const before = new Set((await logsOfGw()).map((l) => l.id));
    const mine = await t.req('GET', `/api/care/persons/${a.id}/readings`, { cookie: gw });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items[0].values).toMatchObject({ heart_rate: 141.5, bp_systolic: 187.5, spo2: 88.5, fall: 1 });
    const added = (await logsOfGw()).filter((l) => !before.has(l.id));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ entity_id: a.id, fields: ['health_readings'] });
    expect((await logsOfGw()).some((l) => l.entity_id === b.id)).toBe(false);
  });

  it('a fall reaches a family contact without an account through the external channel (phone masked in logs and views)', async () => {
    const p = await newPerson();
    // An SMS gateway behind the webhook channel, and the console channel (server log).
    const received: Array<{ message: { kind: string; title: string; userId: string; to?: { phone: string; name: string }; data: Record<string, unknown> } }> = [];
    const server: Server = createServer((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        received.push(JSON.parse(b));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;
    const ctx = t.og.ctx;
    const log = ctx.log;
    const logged: unknown[] = [];
    try {
      expect((await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name: 'sms-gateway', driver: 'webhook', config: { url }, kinds: ['care.alert'] } })).statusCode).toBe(200);
      expect((await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name: 'server-log', driver: 'console', config: {}, kinds: ['care.alert'] } })).statusCode).toBe(200);
      // A daughter with only a phone, and a son with an account (he gets the inbox message, not a channel message to his phone).
      const sonName = `son.t${++seq}`;
      const son = await createUser(ctx, systemActor(), { username: sonName, displayName: '儿子', password: 'onegrid-demo-pass-1', roles: ['resident'] });
      expect((await t.req('POST', `/api/care/persons/${p.id}/contacts`, { cookie: commAdmin, body: { name: '王女儿', relation: '女儿', phone: '13912345678' } })).statusCode).toBe(200);
      expect((await t.req('POST', `/api/care/persons/${p.id}/contacts`, { cookie: commAdmin, body: { name: '王儿子', relation: '儿子', phone: '13700001111', userId: son } })).statusCode).toBe(200);
      await publish(p, { fall: 1, steps: 3 });
      const [alert] = await alertsOf(p.id);
      expect(alert!.kind).toBe('fall');
      // recorded in the same transaction as the alert, sent only by the job after commit
      const pending = await db().selectFrom('care_contact_messages').selectAll().where('alert_id', '=', alert!.id).execute();
      expect(pending.map((m) => [m.channel_name, m.status]).sort()).toEqual([['server-log', 'pending'], ['sms-gateway', 'pending']]);
      expect(received).toHaveLength(0);
      ctx.log = { ...log, info: (o: unknown) => logged.push(o) };
      await ctx.jobs.runAllDue();
      ctx.log = log;

      const toPhone = received.filter((r) => r.message.to);
      expect(toPhone).toHaveLength(1);
      expect(toPhone[0]!.message).toMatchObject({ kind: 'care.alert', userId: '', to: { phone: '13912345678', name: '王女儿' }, data: { alertId: alert!.id } });
      expect(toPhone[0]!.message.title).toContain('疑似跌倒');
      expect(received.some((r) => JSON.stringify(r).includes('13700001111'))).toBe(false);
      // the console channel logs the phone masked, never in clear
      const text = JSON.stringify(logged);
      expect(text).toContain('139****5678');
      expect(text).not.toContain('13912345678');
      expect(text).not.toContain('13700001111');
      // the son (an account) has it in his inbox
      expect((await inbox(await t.login(sonName, 'onegrid-demo-pass-1'))).some((n) => n.kind === 'care.alert' && n.data.alertId === alert!.id)).toBe(true);

      // Staff see what was sent to whom, the phone masked; nothing in clear at rest but the encrypted contact.
      const view = await t.req('GET', `/api/care/alerts/${alert!.id}`, { cookie: commAdmin });
      expect(view.statusCode).toBe(200);
      const sent = view.json().contactMessages as Array<{ contactName: string; phone: string; channel: string; status: string; sentAt: string | null }>;
      expect(sent.map((m) => [m.contactName, m.phone, m.channel, m.status]).sort()).toEqual([
        ['王女儿', '139****5678', 'server-log', 'sent'],
        ['王女儿', '139****5678', 'sms-gateway', 'sent'],
      ]);
      expect(sent.every((m) => m.sentAt)).toBe(true);
      expect(view.body).not.toContain('13912345678');
      const rows = await db().selectFrom('care_contact_messages').selectAll().where('alert_id', '=', alert!.id).execute();
      expect(JSON.stringify(rows)).not.toContain('13912345678');
      const audits = await db().selectFrom('audit_log').selectAll().where('action', '=', 'care.alert.contact_notify').where('entity_id', '=', alert!.id).execute();
      expect(audits).toHaveLength(2);
      expect(JSON.stringify(audits)).not.toContain('13912345678');
    } finally {
      ctx.log = log;
      for (const [name, driver, config] of [['sms-gateway', 'webhook', { url }], ['server-log', 'console', {}]] as const) {
        await t.req('PUT', '/api/notify/channels', { cookie: admin, body: { name, driver, config, enabled: false } });
      }
      await new Promise((r) => server.close(r));
    }
    // With no channel enabled, the contact message is recorded as not sendable, so staff know to phone.
    await publish(p, { sos: 1 });
    const sos = (await alertsOf(p.id)).find((a) => a.kind === 'sos')!;
    const noChannel = (await t.req('GET', `/api/care/alerts/${sos.id}`, { cookie: commAdmin })).json().contactMessages;
    expect(noChannel).toEqual([expect.objectContaining({ contactName: '王女儿', phone: '139****5678', channel: null, status: 'no_channel' })]);
  });

  it('retention: raw readings older than the configured days are deleted, alerts kept', async () => {
    const p = await newPerson();
    await publish(p, { heart_rate: 70, fall: 1 });
    expect((await t.req('PATCH', '/api/care/settings', { cookie: commAdmin, body: { readingRetentionDays: 1 } })).statusCode).toBe(403);
    expect((await t.req('PATCH', '/api/care/settings', { cookie: admin, body: { readingRetentionDays: 0 } })).statusCode).toBe(400);
    expect((await t.req('PATCH', '/api/care/settings', { cookie: admin, body: { readingRetentionDays: 1 } })).json().readingRetentionDays).toBe(1);
    t.clock.advanceMinutes(26 * 60);
    await t.og.ctx.jobs.runAllDue();
    expect(await db().selectFrom('care_readings').selectAll().where('person_id', '=', p.id).execute()).toHaveLength(0);
    expect((await alertsOf(p.id)).length).toBeGreaterThan(0);
  });
  // Last in the file: it moves the shared clock to the next day's evening.
  it('"no movement today" fires in the evening for a bracelet that reported but counted no steps, once a day', async () => {
    // Start on a fresh day, 10:00 in Asia/Shanghai (the clock is shared with the other tests).
    const DAY = 86_400_000;
    const H = 3_600_000;
    const now = t.clock.now().getTime();
    const localMidnight = Math.floor((now + 8 * H) / DAY) * DAY - 8 * H;
    t.clock.advance(localMidnight + DAY + 10 * H - now);
    // the jump outlives the sessions signed in at the start (SESSION_TTL_HOURS): sign in again
    admin = await t.login('admin');
    commAdmin = await t.login('community_admin.qiaotou');
    const still = await newPerson({ noDataHours: 48 });
    const walker = await newPerson({ noDataHours: 48 });
    await publish(still, { heart_rate: 70, steps: 0 });
    await publish(walker, { heart_rate: 72, steps: 350 });
    const noMovement = async (id: string) => (await alertsOf(id)).filter((a) => a.kind === 'no_movement');

    // 19:30: before the evening hour (default 20:00) nobody is flagged.
    t.clock.advance(9.5 * H);
    await publish(still, { heart_rate: 68, steps: 0 });
    await t.og.ctx.jobs.runAllDue();
    expect(await noMovement(still.id)).toHaveLength(0);

    // 20:30: the one who reported all day without a step is flagged, the walker is not.
    t.clock.advance(H);
    await t.og.ctx.jobs.runAllDue();
    expect(await noMovement(still.id)).toHaveLength(1);
    expect(await noMovement(walker.id)).toHaveLength(0);
    expect((await inbox(still.carerCookie)).filter((n) => n.kind === 'care.alert' && n.data.kind === 'no_movement')).toHaveLength(1);

    // Once a day: a later check the same evening adds nothing.
    t.clock.advance(H);
    await t.og.ctx.jobs.runAllDue();
    expect(await noMovement(still.id)).toHaveLength(1);
  });
});
