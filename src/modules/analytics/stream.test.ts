import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { pathWithin } from '../../platform/auth/scope.js';
import { runIotSweep } from '../iot/index.js';
import { tokenHash } from '../iot/ingest.js';
import { pointInCell } from '../org/demo-geometry.js';

/**
 * The command center's live stream (SSE) carries device alarms: telemetry over the device HTTP API
 * that holds a tilted manhole cover past its rule's 30 s raises an alarm, and an `iot.alarm` frame
 * reaches the street's screen but not the screen of a community the device is not in. Read over a
 * real socket, as a browser's EventSource would.
 */
let t: TestApp;
let base: string;

interface Frame {
  event: string;
  data: Record<string, unknown>;
}

async function until<T>(fn: () => T | null | undefined | false | Promise<T | null | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Opens the stream as `username` and collects its frames until closed. */
async function subscribe(username: string) {
  const cookie = await t.login(username);
  const ac = new AbortController();
  const res = await fetch(`${base}/api/analytics/stream`, { headers: { cookie, accept: 'text/event-stream' }, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames: Frame[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const raw = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(raw)?.[1];
          const data = /^data: (.*)$/m.exec(raw)?.[1];
          if (event && data) frames.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch {
      /* aborted */
    }
  })();
  await until(() => frames.some((f) => f.event === 'hello'), `${username}'s stream to open`);
  return {
    frames,
    alarms: () => frames.filter((f) => f.event === 'iot.alarm').map((f) => f.data),
    close: async () => {
      ac.abort();
      await pump;
    },
  };
}

async function telemetry(token: string, body: unknown): Promise<void> {
  const r = await fetch(`${base}/api/v1/${token}/telemetry`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}

const device = (token: string) => t.og.ctx.db.selectFrom('iot_devices').select(['id', 'name', 'node_path', 'lng', 'lat']).where('token_hash', '=', tokenHash(token)).executeTakeFirstOrThrow();

beforeAll(async () => {
  t = await startTestApp({ env: { MQTT_PORT: '0', ONEGRID_JOBS: 'false' } });
  await t.og.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.og.app.server.address() as AddressInfo).port}`;
});
afterAll(async () => t?.close());

describe('device alarms on the live stream', () => {
  it('an alarm raised by telemetry reaches the street screen, not another community’s; its clearing follows', async () => {
    const cover = await device('demo-manhole-001');
    // a cover in 木莲 (mulian), put there for this test
    const [lng, lat] = pointInCell(3, 3, 0.5, 0.5);
    const made = await t.req('POST', '/api/iot/devices', { cookie: await t.login('admin'), body: { name: '测试井盖-木莲', type: 'manhole_tilt', coverType: 'drainage', lng, lat, token: 'test-stream-mulian' } });
    expect(made.statusCode).toBe(201);
    const mulianCover = await device('test-stream-mulian');
    const mulian = await sql<{ path: string }>`SELECT path FROM org_nodes WHERE code = '430103007002'`.execute(t.og.ctx.db).then((r) => r.rows[0]!.path);
    // the premise: one cover lies outside mulian, the other inside
    expect(pathWithin(cover.node_path, mulian)).toBe(false);
    expect(pathWithin(mulianCover.node_path, mulian)).toBe(true);
    const grid = await sql<{ name: string }>`SELECT name FROM org_nodes WHERE path = ${cover.node_path}`.execute(t.og.ctx.db).then((r) => r.rows[0]!.name);
    const communities = await sql<{ name: string; path: string }>`SELECT name, path FROM org_nodes WHERE level = 'community'`.execute(t.og.ctx.db).then((r) => r.rows);
    const community = communities.filter((c) => pathWithin(cover.node_path, c.path));
    expect(community).toHaveLength(1);

    const street = await subscribe('street_admin');
    const other = await subscribe('community_admin.mulian');
    try {
      const now = t.clock.now().getTime();
      // tilted 40° for 31 s (device timestamps): past the rule "tilt > 15° for 30 s"
      await telemetry('demo-manhole-001', [
        { ts: now - 31_000, values: { tilt: 40 } },
        { ts: now, values: { tilt: 40 } },
      ]);
      const raised = await until(() => street.alarms().find((a) => a.status === 'raised'), 'the raised alarm on the street screen');
      const row = await t.og.ctx.db.selectFrom('iot_alarms').selectAll().where('device_id', '=', cover.id).executeTakeFirstOrThrow();
      expect(raised).toMatchObject({
        type: 'iot.alarm',
        alarmId: row.id,
        status: 'raised',
        alarmType: 'tilt',
        severity: 'major',
        severityName: '重要',
        deviceType: 'manhole_tilt',
        deviceTypeName: '井盖倾斜传感器',
        device: cover.name,
        lng: cover.lng,
        lat: cover.lat,
        path: cover.node_path,
        grid,
        community: community[0]!.name,
      });

      // an alarm in mulian reaches mulian's screen; by then the qiaotou alarm would have too, had it been sent
      await telemetry('test-stream-mulian', [
        { ts: now - 31_000, values: { tilt: 50 } },
        { ts: now, values: { tilt: 50 } },
      ]);
      const theirs = await until(() => other.alarms().find((a) => a.status === 'raised'), 'the mulian alarm on the mulian screen');
      expect(theirs).toMatchObject({ deviceType: 'manhole_tilt', path: mulianCover.node_path });
      expect(other.alarms().filter((a) => a.path === cover.node_path)).toEqual([]);
      expect(other.frames.filter((f) => f.data.path === cover.node_path)).toEqual([]);
      await until(() => street.alarms().some((a) => a.path === mulianCover.node_path), 'the mulian alarm on the street screen');

      // the cover back at 5° clears the alarm (below the 10° hysteresis)
      await telemetry('demo-manhole-001', { ts: now + 1_000, values: { tilt: 5 } });
      const cleared = await until(() => street.alarms().find((a) => a.status === 'cleared' && a.alarmId === row.id), 'the cleared alarm');
      expect(cleared).toMatchObject({ clearedBy: 'device', deviceType: 'manhole_tilt' });
      expect(other.alarms().some((a) => a.alarmId === row.id)).toBe(false);

      // cleared by hand (the mulian cover's alarm): both screens that saw it hear of it
      const mulianAlarm = theirs.alarmId as string;
      const byHand = await t.req('POST', `/api/iot/alarms/${mulianAlarm}/clear`, { cookie: await t.login('admin') });
      expect(byHand.statusCode).toBe(200);
      for (const s of [street, other]) {
        const c = await until(() => s.alarms().find((a) => a.alarmId === mulianAlarm && a.status === 'cleared'), 'the alarm cleared by hand');
        expect(c).toMatchObject({ clearedBy: 'person', path: mulianCover.node_path });
        expect(JSON.stringify(c)).not.toContain('管理员');
      }
    } finally {
      await street.close();
      await other.close();
    }
  });

  it('a health device (a resident’s bracelet) is shown by type and grid only: no name, no point', async () => {
    const bracelet = await device('demo-bracelet-001');
    const street = await subscribe('street_admin');
    try {
      await telemetry('demo-bracelet-001', { battery: 80 });
      t.clock.advance(31 * 60_000); // past the bracelet's 30-minute offline rule
      await runIotSweep(t.og.ctx);
      const a = await until(() => street.alarms().find((x) => x.deviceType === 'bracelet' && x.status === 'raised'), 'the bracelet offline alarm');
      expect(a).toMatchObject({ alarmType: 'offline', path: bracelet.node_path, deviceTypeName: '智能手环' });
      expect(typeof a.grid).toBe('string');
      for (const k of ['lng', 'lat', 'device', 'deviceId', 'address']) expect(a).not.toHaveProperty(k);
      expect(JSON.stringify(a)).not.toContain(bracelet.name);
    } finally {
      await street.close();
    }
  });
});
