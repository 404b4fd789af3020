import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { startPluginMosquitto } from '../../../test/mosquitto.js';
import { brokerStatus, iotIdle } from './index.js';

/**
 * The closed loop, end to end, on both brokers: a tilted water-supply manhole cover publishes →
 * alarm → a UF01 case dispatched to 供水公司 → the department resolves it → the cover reads normal
 * for IOT_VERIFY_NORMAL_SECONDS → the case is closed, verified by the sensor. And the refusal: an
 * abnormal reading after the resolution sends the case back as rework.
 */
const run = promisify(execFile);
const VERIFY_S = 300;

interface Loop {
  t: TestApp;
  /** publish one telemetry object as the device with this token */
  publish(token: string, values: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function scenario(name: string, setup: () => Promise<Loop>) {
  describe(name, () => {
    let L: Loop;
    let admin: string;
    beforeAll(async () => {
      L = await setup();
      admin = await L.t.login('admin');
    });
    afterAll(async () => L?.close());

    const db = () => L.t.og.ctx.db;
    /** a fresh device with a random token (the external broker is shared by parallel test runs) */
    async function newCover(coverType: string, lng: number, lat: number) {
      const token = `loop-${randomBytes(8).toString('hex')}`;
      const r = await L.t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: `测试井盖-${token}`, type: 'manhole_tilt', coverType, lng, lat, token } });
      expect(r.statusCode).toBe(201);
      return { token, id: r.json().device.id as string };
    }
    /** publishes and waits until the reading is stored and its case work is done */
    async function send(dev: { token: string; id: string }, values: Record<string, unknown>) {
      const before = await db().selectFrom('iot_telemetry').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', dev.id).executeTakeFirstOrThrow();
      await L.publish(dev.token, values);
      await until(async () => {
        const n = await db().selectFrom('iot_telemetry').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', dev.id).executeTakeFirstOrThrow();
        return Number(n.n) > Number(before.n);
      }, 'the reading to be stored');
      await iotIdle(L.t.og.ctx);
    }
    const caseOf = async (deviceId: string) => {
      const cs = await db().selectFrom('cases').selectAll().where('source_type', '=', 'device').where('source_key', 'like', `${deviceId}:%`).execute();
      return cs;
    };
    const events = async (caseId: string) => db().selectFrom('case_events').select(['action', 'data', 'note', 'actor_name']).where('case_id', '=', caseId).orderBy('at').orderBy('id').execute();

    it('tilted water-supply cover → case at 供水公司 → resolved → normal for the verify time → closed by the sensor', async () => {
      const dev = await newCover('water_supply', 112.9652, 28.1452);
      await send(dev, { tilt: 24, battery: 80 });
      L.t.clock.advance(31_000);
      await send(dev, { tilt: 26 });
      const [alarm] = await db().selectFrom('iot_alarms').selectAll().where('device_id', '=', dev.id).execute();
      expect(alarm).toMatchObject({ alarm_type: 'tilt', status: 'active_unack', case_pending: false, case_error: null });
      let [c] = await caseOf(dev.id);
      expect(c).toMatchObject({ channel: 'iot', category_code: 'UF01', state: 'dispatched', priority: 'high', source_key: `${dev.id}:tilt` });
      expect(alarm!.case_id).toBe(c!.id);
      const gs = await db().selectFrom('departments').select(['id']).where('code', '=', 'GS').executeTakeFirstOrThrow();
      expect(c!.department_id).toBe(gs.id);

      // Further readings go to the same case (a note at most every 10 minutes), never a new case.
      L.t.clock.advanceMinutes(11);
      await send(dev, { tilt: 28 });
      expect(await caseOf(dev.id)).toHaveLength(1);
      expect((await events(c!.id)).filter((e) => e.action === 'note').map((e) => e.note)).toEqual([expect.stringContaining('tilt = 28°')]);

      // The department accepts and resolves it.
      const dept = await L.t.login('dept.gs');
      const seen = (await L.t.req('GET', `/api/cases/${c!.id}`, { cookie: dept })).json();
      const acc = await L.t.req('POST', `/api/cases/${c!.id}/accept`, { cookie: dept, body: { version: seen.version } });
      expect(acc.statusCode).toBe(200);
      L.t.clock.advanceMinutes(20);
      const res = await L.t.req('POST', `/api/cases/${c!.id}/resolve`, { cookie: dept, body: { version: acc.json().version, note: '已更换井盖并加固' } });
      expect(res.statusCode).toBe(200);
      expect(res.json().state).toBe('resolved');

      // Normal, but not yet for long enough: still resolved.
      L.t.clock.advance(60_000);
      await send(dev, { tilt: 2 });
      [c] = await caseOf(dev.id);
      expect(c!.state).toBe('resolved');
      L.t.clock.advance((VERIFY_S - 120) * 1000);
      await send(dev, { tilt: 1.5 });
      [c] = await caseOf(dev.id);
      expect(c!.state).toBe('resolved');
      L.t.clock.advance(130_000);
      await send(dev, { tilt: 1 });
      [c] = await caseOf(dev.id);
      expect(c!.state).toBe('closed');
      const ev = await events(c!.id);
      expect(ev.find((e) => e.action === 'verified')).toMatchObject({ data: { passed: true, by: 'sensor' }, note: expect.stringContaining('传感器复核通过') });
      // The alarm itself cleared when the cover read ≤ 10°.
      const [a2] = await db().selectFrom('iot_alarms').selectAll().where('device_id', '=', dev.id).execute();
      expect(a2!.status).toBe('cleared_unack');
      const link = await db().selectFrom('iot_case_links').selectAll().where('case_id', '=', c!.id).executeTakeFirstOrThrow();
      expect(link).toMatchObject({ open: false, outcome: 'verified' });
    });

    it('an abnormal reading after the resolution refuses it: back to the department as rework', async () => {
      const dev = await newCover('drainage', 112.9741, 28.1523);
      await send(dev, { tilt: 40 });
      L.t.clock.advance(31_000);
      await send(dev, { tilt: 41 });
      let [c] = await caseOf(dev.id);
      expect(c).toMatchObject({ category_code: 'UF02', state: 'dispatched' });
      const dept = await L.t.login('dept.sz');
      const acc = await L.t.req('POST', `/api/cases/${c!.id}/accept`, { cookie: dept, body: { version: c!.version } });
      const res = await L.t.req('POST', `/api/cases/${c!.id}/resolve`, { cookie: dept, body: { version: acc.json().version, note: '已处理' } });
      expect(res.json().state).toBe('resolved');
      L.t.clock.advance(60_000);
      await send(dev, { tilt: 35 });
      [c] = await caseOf(dev.id);
      expect(c).toMatchObject({ state: 'rework', rework_count: 1 });
      const ev = await events(c!.id);
      expect(ev.find((e) => e.action === 'rework')).toMatchObject({ data: { by: 'sensor' }, note: expect.stringContaining('传感器复核未通过') });
      expect(await caseOf(dev.id)).toHaveLength(1);
    });

    it('a full bin → one UF08 case at 环卫所; further readings and a new alarm are appended, not new cases', async () => {
      const token = `loop-${randomBytes(8).toString('hex')}`;
      const r = await L.t.req('POST', '/api/iot/devices', { cookie: admin, body: { name: `测试垃圾桶-${token}`, type: 'bin_level', lng: 112.9628, lat: 28.1431, token } });
      expect(r.statusCode).toBe(201);
      const dev = { token, id: r.json().device.id as string };
      // The bin rule: fill ≥ 90 % for 5 min, clears at ≤ 60 %.
      await send(dev, { fill: 93, battery: 70 });
      L.t.clock.advance(200_000);
      await send(dev, { fill: 95 });
      expect(await caseOf(dev.id)).toHaveLength(0); // not yet 5 minutes
      L.t.clock.advance(101_000);
      await send(dev, { fill: 96 });
      const [alarm] = await db().selectFrom('iot_alarms').selectAll().where('device_id', '=', dev.id).execute();
      expect(alarm).toMatchObject({ alarm_type: 'full', severity: 'minor', status: 'active_unack', case_pending: false, case_error: null });
      let cases = await caseOf(dev.id);
      expect(cases).toHaveLength(1);
      const c = cases[0]!;
      expect(c).toMatchObject({ channel: 'iot', category_code: 'UF08', state: 'dispatched', source_key: `${dev.id}:full` });
      expect(alarm!.case_id).toBe(c.id);
      const hw = await db().selectFrom('departments').select(['id']).where('code', '=', 'HW').executeTakeFirstOrThrow();
      expect(c.department_id).toBe(hw.id);

      // A further reading 11 minutes later is appended to the same case.
      L.t.clock.advanceMinutes(11);
      await send(dev, { fill: 98 });
      cases = await caseOf(dev.id);
      expect(cases.map((x) => x.id)).toEqual([c.id]);
      expect((await events(c.id)).filter((e) => e.action === 'note').map((e) => e.note)).toEqual([expect.stringContaining('fill = 98%')]);

      // The bin is emptied (the alarm clears) and fills up again while the case is still open: a second alarm, same case.
      await send(dev, { fill: 20 });
      L.t.clock.advanceMinutes(30);
      await send(dev, { fill: 91 });
      L.t.clock.advanceMinutes(6);
      await send(dev, { fill: 92 });
      const alarms = await db().selectFrom('iot_alarms').selectAll().where('device_id', '=', dev.id).orderBy('started_at').execute();
      expect(alarms.map((a) => [a.alarm_type, a.status])).toEqual([
        ['full', 'cleared_unack'],
        ['full', 'active_unack'],
      ]);
      expect(alarms[1]!.case_id).toBe(c.id);
      cases = await caseOf(dev.id);
      expect(cases.map((x) => x.id)).toEqual([c.id]);
      expect((await events(c.id)).filter((e) => e.action === 'note').map((e) => e.note)).toEqual([expect.stringContaining('fill = 98%'), expect.stringContaining('设备再次告警')]);
    });
  });
}

scenario('embedded broker (ThingsBoard topic v1/devices/me/telemetry)', async () => {
  const t = await startTestApp({ env: { MQTT_PORT: '0', ONEGRID_JOBS: 'false', IOT_VERIFY_NORMAL_SECONDS: String(VERIFY_S) } });
  const port = brokerStatus(t.og.ctx)!.port!;
  const clients = new Map<string, mqtt.MqttClient>();
  return {
    t,
    async publish(token, values) {
      let c = clients.get(token);
      if (!c) {
        c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: token, reconnectPeriod: 0 });
        clients.set(token, c);
      }
      await c.publishAsync('v1/devices/me/telemetry', JSON.stringify(values), { qos: 1 });
    },
    async close() {
      for (const c of clients.values()) await c.endAsync(true);
      await t.close();
    },
  };
});

scenario('external Mosquitto on 127.0.0.1:1883 (mosquitto_pub, topic v1/devices/<token>/telemetry)', async () => {
  const clientId = `onegrid-test-${randomBytes(4).toString('hex')}`;
  const t = await startTestApp({ env: { MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_CLIENT_ID: clientId, ONEGRID_JOBS: 'false', IOT_VERIFY_NORMAL_SECONDS: String(VERIFY_S) } });
  await until(async () => brokerStatus(t.og.ctx)?.ok, 'the subscription to Mosquitto');
  return {
    t,
    async publish(token, values) {
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', '1883', '-u', token, '-t', `v1/devices/${token}/telemetry`, '-q', '1', '-m', JSON.stringify(values)]);
    },
    async close() {
      await t.close();
      // Remove the test's persistent session from the shared broker.
      const c = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { clientId, clean: true, protocolVersion: 5, reconnectPeriod: 0 });
      await c.endAsync();
    },
  };
});

scenario('Mosquitto with the OneGrid plugin (mosquitto_pub as the token, topic v1/devices/me/telemetry)', async () => {
  const broker = await startPluginMosquitto();
  const t = await startTestApp({ env: { MQTT_URL: broker.url, MQTT_CLIENT_ID: `onegrid-test-${randomBytes(4).toString('hex')}`, ONEGRID_JOBS: 'false', IOT_VERIFY_NORMAL_SECONDS: String(VERIFY_S) } });
  await until(async () => brokerStatus(t.og.ctx)?.ok, 'the subscription to the private Mosquitto');
  return {
    t,
    async publish(token, values) {
      await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-u', token, '-t', 'v1/devices/me/telemetry', '-q', '1', '-m', JSON.stringify(values)]);
    },
    async close() {
      await t.close();
      await broker.stop();
    },
  };
});
