import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { startPluginMosquitto, type PrivateMosquitto } from '../../../test/mosquitto.js';
import { brokerStatus } from './index.js';

/**
 * ThingsBoard devices unchanged on an external Mosquitto: with deploy/mosquitto's plugin the broker
 * stamps the publisher's username (the access token) into the topic, so `v1/devices/me/…` and the
 * gateway API work through MQTT_URL as on the embedded broker, and a device cannot publish as another.
 */
const run = promisify(execFile);
let broker: PrivateMosquitto;
let t: TestApp;

beforeAll(async () => {
  broker = await startPluginMosquitto();
  t = await startTestApp({ env: { MQTT_URL: broker.url, MQTT_CLIENT_ID: `onegrid-test-${randomBytes(4).toString('hex')}`, ONEGRID_JOBS: 'false' } });
  const end = Date.now() + 20_000;
  while (!brokerStatus(t.og.ctx)?.ok) {
    if (Date.now() > end) throw new Error('no subscription to the private Mosquitto');
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(async () => {
  await t?.close();
  await broker?.stop();
});

const db = () => t.og.ctx.db;
const deviceId = async (name: string) => (await db().selectFrom('iot_devices').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
const valsOf = async (id: string) => (await db().selectFrom('iot_telemetry').select('vals').where('device_id', '=', id).orderBy('ts').execute()).map((r) => r.vals);
const pub = (user: string, topic: string, body: unknown) =>
  run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-u', user, '-t', topic, '-q', '1', '-m', JSON.stringify(body)]);
async function until(fn: () => Promise<boolean>, what: string) {
  const end = Date.now() + 15_000;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('external Mosquitto with the OneGrid plugin', () => {
  it('takes telemetry and attributes on v1/devices/me/… from the token in the username', async () => {
    const id = await deviceId('烟感-001');
    await pub('demo-smoke-001', 'v1/devices/me/telemetry', { smoke: 0, density: 0.2 });
    await until(async () => (await valsOf(id)).length === 1, 'the reading');
    expect(await valsOf(id)).toEqual([{ smoke: 0, density: 0.2 }]);
    await pub('demo-smoke-001', 'v1/devices/me/attributes', { firmware: 'v2.1' });
    await until(async () => {
      const d = await db().selectFrom('iot_devices').select('attributes').where('id', '=', id).executeTakeFirstOrThrow();
      return (d.attributes as Record<string, unknown> | null)?.firmware === 'v2.1';
    }, 'the attribute');
  });

  it('takes the gateway API for the devices behind a gateway', async () => {
    const id = await deviceId('水位-002');
    await pub('demo-gateway-001', 'v1/gateway/telemetry', { '水位-002': [{ ts: t.clock.now().getTime() - 5000, values: { level: 7 } }] });
    await until(async () => (await valsOf(id)).length === 1, 'the gateway reading');
    expect(await valsOf(id)).toEqual([{ level: 7 }]);
  });

  it("refuses a message on another device's topic, and one without a username", async () => {
    const victim = await deviceId('烟感-002');
    await pub('demo-bin-001', 'v1/devices/demo-smoke-002/telemetry', { smoke: 1, density: 9 });
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 'v1/devices/me/telemetry', '-q', '1', '-m', '{"smoke":1}']);
    // the victim's own reading, published after the forged ones, is the barrier: once it is stored,
    // anything accepted before it would be stored too (one subscription, messages in order)
    await pub('demo-smoke-002', 'v1/devices/demo-smoke-002/telemetry', { smoke: 0, density: 0.1 });
    await until(async () => (await valsOf(victim)).length > 0, "the victim's own reading");
    expect(await valsOf(victim)).toEqual([{ smoke: 0, density: 0.1 }]);
  });
});
