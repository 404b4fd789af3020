import { createServer, type Server } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { brokerStatus, iotIdle, rollupAndRetention, runIotSweep } from './index.js';

/**
 * The iot module on the embedded broker: registry, ThingsBoard-compatible ingest (MQTT and HTTP),
 * persist-before-PUBACK, alarm rules (duration, hysteresis, offline), acknowledge/clear, CSV
 * import, telemetry series and roll-ups, data scope.
 */
let t: TestApp;
let admin: string;
let port: number;
const clients: mqtt.MqttClient[] = [];

beforeAll(async () => {
  t = await startTestApp({ env: { MQTT_PORT: '0', ONEGRID_JOBS: 'false' } });
  admin = await t.login('admin');
  port = brokerStatus(t.og.ctx)!.port!;
});
afterAll(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
  await t?.close();
});

async function device(token: string): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: token, clientId: `t-${token}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0 });
  clients.push(c);
  return c;
}
const db = () => t.og.ctx.db;
const deviceId = async (name: string) => (await db().selectFrom('iot_devices').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
const tokenOf = async (name: string) => {
  const id = await deviceId(name);
  return (await t.req('GET', `/api/iot/devices/${id}/credentials`, { cookie: admin })).json().accessToken as string;
};
const alarmsOf = async (id: string) => db().selectFrom('iot_alarms').selectAll().where('device_id', '=', id).orderBy('started_at').execute();

describe('registry', () => {
  it('has the device types with keys and units, and demo devices of each type', async () => {
    const types = (await t.req('GET', '/api/iot/device-types', { cookie: admin })).json();
    const codes = types.types.map((x: { code: string }) => x.code);
    expect(codes).toEqual(expect.arrayContaining(['manhole_tilt', 'bin_level', 'smoke', 'water_level', 'bracelet']));
    expect(types.types.find((x: { code: string }) => x.code === 'manhole_tilt').telemetry).toContainEqual({ key: 'tilt', name: '倾角', unit: '°' });
    const list = (await t.req('GET', '/api/iot/devices?pageSize=100', { cookie: admin })).json();
    for (const c of ['manhole_tilt', 'bin_level', 'smoke', 'water_level', 'bracelet']) expect(list.items.filter((d: { type: { code: string } }) => d.type.code === c).length).toBeGreaterThanOrEqual(2);
    const cover = list.items.find((d: { name: string }) => d.name === '供水井盖-001');
    expect(cover).toMatchObject({ coverType: 'water_supply', department: { code: 'GS' }, online: false, tokenHint: '-001' });
    expect(cover.gridId).toBeTruthy();
    expect(await tokenOf('供水井盖-001')).toBe('demo-manhole-001');
  });

  it('reports the embedded broker in /readyz', async () => {
    const r = (await t.req('GET', '/readyz')).json();
    expect(r.checks.mqtt).toEqual({ ok: true, critical: false, message: null });
  });

  it('registers a device (grid from location, owner from the category) and refuses bad input with 4xx', async () => {
    const r = await t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: '测试井盖-A', type: 'manhole_tilt', coverType: 'drainage', lng: 112.975, lat: 28.155 } });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.accessToken).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(body.device.department.code).toBe('SZ');
    expect((await t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: '测试井盖-A', type: 'manhole_tilt', lng: 112.975, lat: 28.155 } })).statusCode).toBe(409);
    expect((await t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: '界外', type: 'smoke', lng: 113.5, lat: 28.5 } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: 'x', type: 'teapot', lng: 112.975, lat: 28.155 } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: 'x', type: 'smoke', coverType: 'gas', lng: 112.975, lat: 28.155 } })).statusCode).toBe(400);
    const gw = await t.login('grid_worker.qiaotou');
    expect((await t.req('POST', '/api/iot/devices', { cookie: gw, body: { name: 'y', type: 'smoke', lng: 112.975, lat: 28.155 } })).statusCode).toBe(403);
  });

  it('imports devices from CSV, all or nothing', async () => {
    const bad = 'name,type,lng,lat,coverType\n导入-1,bin_level,112.97,28.15,\n导入-2,manhole_tilt,200,28.15,water_supply\n导入-3,teapot,112.97,28.15,\n';
    const r1 = await t.req('POST', '/api/iot/devices/import', { cookie: admin, body: bad, headers: { 'content-type': 'text/csv' } });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['row3.lng', 'row4.type']));
    expect(await db().selectFrom('iot_devices').select('id').where('name', 'like', '导入-%').execute()).toHaveLength(0);
    const good = '名称,类型,经度,纬度,地址,井盖类型,令牌\n导入-1,bin_level,112.97,28.15,"菜场门口, 东侧",,\n导入-2,manhole_tilt,112.971,28.151,,gas,import-token-0002\n';
    const r2 = await t.req('POST', '/api/iot/devices/import', { cookie: admin, body: good, headers: { 'content-type': 'text/csv' } });
    expect(r2.statusCode).toBe(200);
    expect(r2.json()).toMatchObject({ created: 2, updated: 0 });
    expect(r2.json().generatedTokens.map((x: { name: string }) => x.name)).toEqual(['导入-1']);
    const d = (await t.req('GET', '/api/iot/devices?q=导入', { cookie: admin })).json();
    expect(d.items.map((x: { address: string | null }) => x.address)).toContain('菜场门口, 东侧');
    expect(d.items.find((x: { name: string }) => x.name === '导入-2').department.code).toBe('RQ');
  });
});

describe('ingest', () => {
  it('refuses a wrong access token at CONNECT', async () => {
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'no-such-token', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('stores a QoS 1 message before the PUBACK (single object, {ts,values} arrays, attributes)', async () => {
    const c = await device('demo-bin-001');
    const id = await deviceId('垃圾桶-001');
    await c.publishAsync('v1/devices/me/telemetry', JSON.stringify({ fill: 41, battery: 88 }), { qos: 1 });
    // No waiting: the acknowledgement itself says the row is committed.
    let rows = await db().selectFrom('iot_telemetry').select(['vals']).where('device_id', '=', id).execute();
    expect(rows.map((r) => r.vals)).toEqual([{ fill: 41, battery: 88 }]);
    const base = t.clock.now().getTime() - 60_000;
    await c.publishAsync('v1/devices/me/telemetry', JSON.stringify([{ ts: base, values: { fill: 30 } }, { ts: base + 1000, values: { fill: 31, temperature: 12.5 } }]), { qos: 1 });
    rows = await db().selectFrom('iot_telemetry').select(['vals']).where('device_id', '=', id).execute();
    expect(rows).toHaveLength(3);
    await c.publishAsync('v1/devices/me/attributes', JSON.stringify({ firmware: '1.4.2', model: 'UL-200' }), { qos: 1 });
    const dev = (await t.req('GET', `/api/iot/devices/${id}`, { cookie: admin })).json();
    expect(dev).toMatchObject({ online: true, battery: 88, attributes: { firmware: '1.4.2', model: 'UL-200' } });
    // latest keeps the newest value per key (the array was older than the first message)
    expect(dev.latest.fill).toMatchObject({ value: 41, unit: '%' });
    expect(dev.latest.temperature.value).toBe(12.5);
  });

  it('acknowledges and drops bad payloads without storing anything, and keeps the session', async () => {
    const c = await device('demo-bin-002');
    const id = await deviceId('垃圾桶-002');
    await c.publishAsync('v1/devices/me/telemetry', '{not json', { qos: 1 });
    await c.publishAsync('v1/devices/me/telemetry', JSON.stringify([{ ts: 'yesterday', values: { fill: 1 } }]), { qos: 1 });
    await c.publishAsync('v1/devices/me/telemetry', JSON.stringify({ fill: 12 }), { qos: 1 });
    const rows = await db().selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).execute();
    expect(rows.map((r) => r.vals)).toEqual([{ fill: 12 }]);
  });

  it('accepts the device’s own token topic v1/devices/<token>/telemetry too (what npm run simulate publishes by default)', async () => {
    const c = await device('demo-manhole-002');
    const id = await deviceId('排水井盖-002');
    const before = await db().selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).execute();
    await c.publishAsync('v1/devices/demo-manhole-002/telemetry', JSON.stringify({ tilt: 1.5 }), { qos: 1 });
    const rows = await db().selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).execute();
    expect(rows.map((r) => r.vals)).toEqual([...before.map((r) => r.vals), { tilt: 1.5 }]);
  });

  it('accepts the ThingsBoard gateway API for registered devices behind a gateway', async () => {
    const c = await device('demo-gateway-001');
    const id = await deviceId('水位-002');
    await c.publishAsync('v1/gateway/telemetry', JSON.stringify({ '水位-002': [{ ts: t.clock.now().getTime() - 5000, values: { level: 3 } }] }), { qos: 1 });
    expect((await db().selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).execute()).map((r) => r.vals)).toEqual([{ level: 3 }]);
  });

  it('HTTP endpoint: 200 after storing, 400 for bad JSON, 401 for an unknown token', async () => {
    const id = await deviceId('烟感-002');
    const ok = await t.req('POST', '/api/v1/demo-smoke-002/telemetry', { body: { smoke: 0, density: 0.1 } });
    expect(ok.statusCode).toBe(200);
    expect((await db().selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).execute()).map((r) => r.vals)).toEqual([{ smoke: 0, density: 0.1 }]);
    expect((await t.req('POST', '/api/v1/demo-smoke-002/telemetry', { body: '{"a":', headers: { 'content-type': 'application/json' } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/v1/demo-smoke-002/telemetry', { body: { 'bad key!': 1 } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/v1/nope-nope-nope/telemetry', { body: { smoke: 0 } })).statusCode).toBe(401);
    expect((await t.req('POST', '/api/v1/demo-smoke-002/attributes', { body: { location: 'B3' } })).statusCode).toBe(200);
  });
});

describe('alarm rules', () => {
  it('raises after the duration, keeps one alarm while abnormal, clears only past the hysteresis, with acknowledge', async () => {
    // demo-manhole-003 is a power cover; its tilt rule: > 15° for 30 s, clears at ≤ 10°.
    const id = await deviceId('电力井盖-003');
    const send = (body: unknown) => t.req('POST', '/api/v1/demo-manhole-003/telemetry', { body });
    await send({ tilt: 20 });
    expect(await alarmsOf(id)).toHaveLength(0);
    t.clock.advance(20_000);
    await send({ tilt: 25 });
    expect(await alarmsOf(id)).toHaveLength(0);
    t.clock.advance(11_000);
    await send({ tilt: 26 });
    let alarms = await alarmsOf(id);
    expect(alarms.map((a) => [a.alarm_type, a.status])).toEqual([['tilt', 'active_unack']]);
    await send({ tilt: 30 });
    await send({ tilt: 12 }); // inside the hysteresis band: still active
    alarms = await alarmsOf(id);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ status: 'active_unack', readings: 3, last_value: 12 });

    const dispatcher = await t.login('dispatcher');
    const list = (await t.req('GET', `/api/iot/alarms?active=true&deviceId=${id}`, { cookie: dispatcher })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ statusName: '激活未确认', severity: 'major', device: { name: '电力井盖-003' } });
    const acked = await t.req('POST', `/api/iot/alarms/${alarms[0]!.id}/ack`, { cookie: dispatcher });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ status: 'active_ack', ackedBy: { name: expect.any(String) } });
    expect((await t.req('POST', `/api/iot/alarms/${alarms[0]!.id}/ack`, { cookie: dispatcher })).statusCode).toBe(409);

    await send({ tilt: 9 });
    alarms = await alarmsOf(id);
    expect(alarms.map((a) => a.status)).toEqual(['cleared_ack']);
    expect(alarms[0]!.cleared_by).toBe('device');
    // A power cover's tilt becomes a UF03 case to 供电公司.
    await iotIdle(t.og.ctx);
    const [withCase] = await alarmsOf(id);
    expect(withCase).toMatchObject({ case_pending: false, case_error: null });
    const c = await db().selectFrom('cases').select(['state', 'category_code', 'channel', 'source_key']).where('id', '=', withCase!.case_id!).executeTakeFirstOrThrow();
    expect(c).toMatchObject({ category_code: 'UF03', channel: 'iot', source_key: `${id}:tilt`, state: 'dispatched' });
  });

  it('a short spike shorter than the duration raises nothing', async () => {
    const id = await deviceId('排水井盖-002');
    await t.req('POST', '/api/v1/demo-manhole-002/telemetry', { body: { tilt: 40 } });
    t.clock.advance(10_000);
    await t.req('POST', '/api/v1/demo-manhole-002/telemetry', { body: { tilt: 2 } });
    t.clock.advance(30_000);
    await t.req('POST', '/api/v1/demo-manhole-002/telemetry', { body: { tilt: 40 } });
    expect(await alarmsOf(id)).toHaveLength(0);
  });

  it('rules are data an admin edits (threshold, duration, severity); others may not', async () => {
    const rules = (await t.req('GET', '/api/iot/rules?deviceType=bin_level', { cookie: admin })).json();
    const full = rules.find((r: { alarmType: string }) => r.alarmType === 'full');
    expect(full).toMatchObject({ key: 'fill', op: 'gte', threshold: 90, durationS: 300, createCase: true, categoryCode: 'UF08' });
    const gw = await t.login('grid_worker.qiaotou');
    expect((await t.req('PATCH', `/api/iot/rules/${full.id}`, { cookie: gw, body: { threshold: 80 } })).statusCode).toBe(403);
    expect((await t.req('PATCH', `/api/iot/rules/${full.id}`, { cookie: admin, body: { clearThreshold: 95 } })).statusCode).toBe(400);
    const r = await t.req('PATCH', `/api/iot/rules/${full.id}`, { cookie: admin, body: { threshold: 80, durationS: 0, severity: 'major' } });
    expect(r.statusCode).toBe(200);
    const id = await deviceId('垃圾桶-003');
    await t.req('POST', '/api/v1/demo-bin-003/telemetry', { body: { fill: 85 } });
    const alarms = await alarmsOf(id);
    expect(alarms.map((a) => [a.alarm_type, a.severity])).toEqual([['full', 'major']]);
    const created = await t.req('POST', '/api/iot/rules', { cookie: admin, body: { deviceType: 'bin_level', alarmType: 'hot', kind: 'threshold', name: '桶内高温', key: 'temperature', op: 'gt', threshold: 60, severity: 'critical', createCase: true, categoryCode: 'EM04' } });
    expect(created.statusCode).toBe(201);
    expect((await t.req('POST', '/api/iot/rules', { cookie: admin, body: { deviceType: 'bin_level', alarmType: 'hot', kind: 'threshold', name: 'dup', key: 'temperature', op: 'gt', threshold: 60, severity: 'critical' } })).statusCode).toBe(409);
  });

  it('marks silent devices offline with an offline alarm, and online again on the next reading', async () => {
    const id = await deviceId('手环-002');
    await t.req('POST', '/api/v1/demo-bracelet-002/telemetry', { body: { heart_rate: 72, battery: 60 } });
    t.clock.advanceMinutes(31);
    await runIotSweep(t.og.ctx);
    let d = (await t.req('GET', `/api/iot/devices/${id}`, { cookie: admin })).json();
    expect(d.online).toBe(false);
    let alarms = await alarmsOf(id);
    expect(alarms.map((a) => [a.alarm_type, a.status])).toEqual([['offline', 'active_unack']]);
    await t.req('POST', '/api/v1/demo-bracelet-002/telemetry', { body: { heart_rate: 75 } });
    d = (await t.req('GET', `/api/iot/devices/${id}`, { cookie: admin })).json();
    expect(d.online).toBe(true);
    alarms = await alarmsOf(id);
    expect(alarms.map((a) => [a.alarm_type, a.status])).toEqual([['offline', 'cleared_unack']]);
  });

  it('a person may clear an active alarm; the condition must then hold again to re-raise', async () => {
    const id = await deviceId('烟感-001');
    await t.req('POST', '/api/v1/demo-smoke-001/telemetry', { body: { smoke: 1 } });
    const [a] = await alarmsOf(id);
    expect(a).toMatchObject({ alarm_type: 'smoke', severity: 'critical', status: 'active_unack' });
    const hw = await t.login('dept.hw');
    expect((await t.req('POST', `/api/iot/alarms/${a!.id}/clear`, { cookie: hw })).statusCode).toBe(404); // not their device
    const r = await t.req('POST', `/api/iot/alarms/${a!.id}/clear`, { cookie: admin });
    expect(r.json()).toMatchObject({ status: 'cleared_unack' });
    await t.req('POST', '/api/v1/demo-smoke-001/telemetry', { body: { smoke: 1 } });
    expect((await alarmsOf(id)).map((x) => x.status)).toEqual(['cleared_unack', 'active_unack']);
  });
});

describe('telemetry queries and scope', () => {
  it('serves raw series and hourly roll-ups, before and after the roll-up job', async () => {
    const id = await deviceId('水位-001');
    const start = t.clock.now().getTime();
    for (let i = 0; i < 6; i++) await t.req('POST', '/api/v1/demo-water-001/telemetry', { body: { ts: start - 3 * 3_600_000 + i * 20 * 60_000, values: { level: i * 2 } } });
    const from = new Date(start - 4 * 3_600_000).toISOString();
    const raw = (await t.req('GET', `/api/iot/devices/${id}/telemetry?keys=level&from=${from}`, { cookie: admin })).json();
    expect(raw.series.level.map((p: { value: number }) => p.value)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(raw.keys).toEqual([{ key: 'level', unit: 'cm', name: '水位' }]);
    const before = (await t.req('GET', `/api/iot/devices/${id}/telemetry?keys=level&agg=hour&from=${from}`, { cookie: admin })).json();
    await t.og.ctx.db.transaction().execute(async (trx) => {
      const { rollupAndRetention } = await import('./service.js');
      await rollupAndRetention(t.og.ctx, trx);
    });
    expect(await db().selectFrom('iot_telemetry_hourly').selectAll().where('device_id', '=', id).execute()).not.toHaveLength(0);
    const after = (await t.req('GET', `/api/iot/devices/${id}/telemetry?keys=level&agg=hour&from=${from}`, { cookie: admin })).json();
    expect(after.series.level).toEqual(before.series.level);
    const sum = before.series.level.reduce((s: number, p: { n: number }) => s + p.n, 0);
    expect(sum).toBe(6);
    expect(Math.max(...before.series.level.map((p: { max: number }) => p.max))).toBe(10);
    expect((await t.req('GET', `/api/iot/devices/${id}/telemetry?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`, { cookie: admin })).statusCode).toBe(400);
  });

  it('limits lists to the caller’s scope: department handlers see their department’s devices', async () => {
    const hw = await t.login('dept.hw');
    const list = (await t.req('GET', '/api/iot/devices?pageSize=200', { cookie: hw })).json();
    expect(list.items.length).toBeGreaterThan(0);
    expect(new Set(list.items.map((d: { department: { code: string } }) => d.department.code))).toEqual(new Set(['HW']));
    const gs = (await t.req('GET', '/api/iot/devices?pageSize=200', { cookie: admin })).json().items.find((d: { name: string }) => d.name === '供水井盖-001');
    expect((await t.req('GET', `/api/iot/devices/${gs.id}`, { cookie: hw })).statusCode).toBe(404);
    const resident = await t.login('resident.qiaotou');
    expect((await t.req('GET', '/api/iot/devices', { cookie: resident })).statusCode).toBe(403);
  });
});

describe('embedded broker port already taken', () => {
  let blocker: Server;
  let busyPort: number;
  let t2: TestApp;
  beforeAll(async () => {
    // Something else (here a plain TCP server; on this machine Mosquitto) holds the port first.
    blocker = createServer((sock) => sock.destroy());
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(0, '0.0.0.0', () => resolve());
    });
    busyPort = (blocker.address() as { port: number }).port;
    t2 = await startTestApp({ env: { MQTT_PORT: String(busyPort), ONEGRID_JOBS: 'false' } });
  });
  afterAll(async () => {
    await t2?.close();
    await new Promise<void>((r) => blocker.close(() => r()));
  });

  it('still starts; /readyz is 200 and says plainly that ingest needs MQTT_URL or another MQTT_PORT', async () => {
    expect(brokerStatus(t2.og.ctx)).toMatchObject({ mode: 'embedded', ok: false });
    const r = await t2.req('GET', '/readyz');
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.status).toBe('ready');
    expect(body.checks.database.ok).toBe(true);
    expect(body.checks.mqtt).toMatchObject({ ok: false, critical: false });
    expect(body.checks.mqtt.message).toContain(`MQTT 端口 ${busyPort} 已被占用`);
    expect(body.checks.mqtt.message).toContain('MQTT_URL');
    expect(body.checks.mqtt.message).toContain('MQTT_PORT');
    expect(body.checks.mqtt.message).toContain('POST /api/v1/{token}/telemetry');
  });

  it('keeps the HTTP telemetry endpoint working', async () => {
    const id = (await t2.og.ctx.db.selectFrom('iot_devices').select('id').where('name', '=', '供水井盖-001').executeTakeFirstOrThrow()).id;
    const r = await t2.req('POST', '/api/v1/demo-manhole-001/telemetry', { body: { tilt: 3.5, battery: 77 } });
    expect(r.statusCode).toBe(200);
    const rows = await t2.og.ctx.db.selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).execute();
    expect(rows.map((x) => x.vals)).toEqual([{ tilt: 3.5, battery: 77 }]);
    const admin2 = await t2.login('admin');
    const dev = (await t2.req('GET', `/api/iot/devices/${id}`, { cookie: admin2 })).json();
    expect(dev).toMatchObject({ online: true, battery: 77 });
    expect(dev.latest.tilt.value).toBe(3.5);
  });
});

describe('retention (IOT_RETENTION_DAYS)', () => {
  let t3: TestApp;
  beforeAll(async () => {
    t3 = await startTestApp({ env: { MQTT_PORT: '0', ONEGRID_JOBS: 'false', IOT_RETENTION_DAYS: '2' } });
  });
  afterAll(async () => t3?.close());

  it('deletes raw telemetry older than the retention once rolled up, and keeps the hourly roll-ups', async () => {
    const db3 = t3.og.ctx.db;
    const id = (await db3.selectFrom('iot_devices').select('id').where('name', '=', '水位-001').executeTakeFirstOrThrow()).id;
    const send = async (level: number) => expect((await t3.req('POST', '/api/v1/demo-water-001/telemetry', { body: { level } })).statusCode).toBe(200);
    const rollup = () => db3.transaction().execute((trx) => rollupAndRetention(t3.og.ctx, trx));
    const raw = async () => (await db3.selectFrom('iot_telemetry').select(['ts', 'vals']).where('device_id', '=', id).orderBy('ts').execute()).map((r) => (r.vals as { level: number }).level);
    const hourly = () => db3.selectFrom('iot_telemetry_hourly').select(['hour', 'n', 'min', 'max', 'last']).where('device_id', '=', id).where('key', '=', 'level').orderBy('hour').execute();

    // Clock starts 2026-11-23T01:00Z: three readings in the 01:00 hour.
    const firstHour = new Date(Math.floor(t3.clock.now().getTime() / 3_600_000) * 3_600_000);
    t3.clock.advanceMinutes(5);
    await send(4);
    t3.clock.advanceMinutes(20);
    await send(10);
    t3.clock.advanceMinutes(20);
    await send(6);
    t3.clock.advanceMinutes(25); // 02:10
    await rollup();
    expect(await raw()).toEqual([4, 10, 6]); // rolled up, but within the retention
    const rolled = await hourly();
    expect(rolled.map((h) => ({ hour: new Date(h.hour).toISOString(), n: Number(h.n), min: Number(h.min), max: Number(h.max), last: Number(h.last) }))).toEqual([
      { hour: firstHour.toISOString(), n: 3, min: 4, max: 10, last: 6 },
    ]);

    // A day later, one more reading; then past the 2-day retention of the first hour.
    t3.clock.advanceMinutes(24 * 60);
    await send(8);
    t3.clock.advanceMinutes(25 * 60);
    const res = await rollup();
    expect(res.deleted).toBeGreaterThanOrEqual(3);
    expect(await raw()).toEqual([8]); // 1 day old: kept
    const after = await hourly();
    expect(after.map((h) => [new Date(h.hour).toISOString(), Number(h.n), Number(h.max)])).toEqual([
      [firstHour.toISOString(), 3, 10],
      [new Date(firstHour.getTime() + 25 * 3_600_000).toISOString(), 1, 8],
    ]);

    // The chart still shows the deleted hour from its roll-up; raw series only what is left.
    const from = new Date(firstHour.getTime() - 3_600_000).toISOString();
    const admin3 = await t3.login('admin'); // after the clock moved (sessions expire)
    const aggRes = await t3.req('GET', `/api/iot/devices/${id}/telemetry?keys=level&agg=hour&from=${from}`, { cookie: admin3 });
    expect(aggRes.statusCode, aggRes.body).toBe(200);
    const agg = aggRes.json();
    expect(agg.series.level.map((p: { ts: string; n: number; min: number; max: number }) => [p.ts, p.n, p.min, p.max])).toEqual([
      [firstHour.toISOString(), 3, 4, 10],
      [new Date(firstHour.getTime() + 25 * 3_600_000).toISOString(), 1, 8, 8],
    ]);
    const rawSeries = (await t3.req('GET', `/api/iot/devices/${id}/telemetry?keys=level&from=${from}`, { cookie: admin3 })).json();
    expect(rawSeries.series.level.map((p: { value: number }) => p.value)).toEqual([8]);
  });
});
