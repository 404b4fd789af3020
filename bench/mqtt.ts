/**
 * MQTT ingest benchmark: end-to-end messages per second through Mosquitto (device publish →
 * broker → OneGrid's persistent-session subscriber → batch committed and rules evaluated), next to
 * the raw broker rate measured in the same run with the same tools (mosquitto_pub → mosquitto_sub).
 *
 * Run alone: `node --import tsx bench/mqtt.ts`. Uses PostgreSQL when BENCH_DATABASE_URL (or
 * BENCH_PG_URL / TEST_DATABASE_URL) is set — a fresh database is created and dropped — else PGlite.
 * Env: BENCH_MQTT_URL (default mqtt://127.0.0.1:1883), BENCH_MQTT_MESSAGES (default 40000),
 * BENCH_MQTT_PUBLISHERS (default 4).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import mqtt from 'mqtt';
import { loadConfig } from '../src/config.js';
import { createOneGrid } from '../src/app.js';
import { systemActor } from '../src/platform/auth/actor.js';
import { importDevicesCsv, iotIdle, iotRuntime } from '../src/modules/iot/index.js';

export interface MqttBench {
  mqtt_e2e_msgs_per_s: number;
  mqtt_raw_msgs_per_s: number;
  mqtt_ratio: number;
  mqtt_messages: number;
  mqtt_raw_dropped_by_broker: number;
  mqtt_e2e_not_stored: number;
  mqtt_publishers: number;
  mqtt_db: string;
  mqtt_avg_batch: number;
}

const BROKER = process.env.BENCH_MQTT_URL || 'mqtt://127.0.0.1:1883';

function run(cmd: string, args: string[], stdinFile?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: [stdinFile ? 'pipe' : 'ignore', 'ignore', 'inherit'] });
    if (stdinFile) {
      import('node:fs').then(({ createReadStream }) => createReadStream(stdinFile).pipe(p.stdin!));
    }
    p.on('error', reject);
    p.on('exit', (code) => resolve(code ?? 1));
  });
}

/** One file per publisher: `per` lines of ThingsBoard telemetry with distinct device timestamps. */
function lines(dir: string, k: number, per: number, base: number): string {
  const f = join(dir, `pub-${k}.txt`);
  const out: string[] = [];
  for (let i = 0; i < per; i++) out.push(JSON.stringify({ ts: base + i, values: { fill: (i * 7) % 100, battery: 90 - (i % 50) / 10, temperature: 20 + (i % 10) } }));
  writeFileSync(f, out.join('\n') + '\n');
  return f;
}

/** Waits until done() or until `lastProgress()` is older than `idleMs` (nothing more is coming). */
async function waitFor(done: () => boolean, lastProgress: () => number, idleMs: number): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const lp = lastProgress() || t0;
    if (done()) {
      lastProgress();
      return;
    }
    if (performance.now() - lp > idleMs + 10_000 * Number(lp === t0)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function freshPg(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `og_mqtt_bench_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = '/' + name;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function benchMqtt(opts: { messages?: number; publishers?: number } = {}): Promise<MqttBench> {
  const total = opts.messages ?? Number(process.env.BENCH_MQTT_MESSAGES || 40_000);
  const pubs = opts.publishers ?? Number(process.env.BENCH_MQTT_PUBLISHERS || 4);
  const per = Math.ceil(total / pubs);
  const n = per * pubs;
  const url = new URL(BROKER);
  const host = url.hostname;
  const port = url.port || '1883';
  const run_id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'og-mqtt-bench-'));
  const base = Date.now() - 3_600_000;
  const files = Array.from({ length: pubs }, (_, k) => lines(dir, k, per, base));
  const pubArgs = (topic: string, user?: string) => ['-h', host, '-p', port, '-q', '1', '-M', '200', '-V', 'mqttv5', '-t', topic, ...(user ? ['-u', user] : []), '-l'];

  // ---- raw broker rate: the same publishers into one QoS 1 subscriber (Receive Maximum 65535, as OneGrid's subscriber).
  // Mosquitto drops QoS 1 messages for a subscriber whose queue is full (max_queued_messages), so
  // the rate is what arrived over the time until the last arrival; drops are reported separately.
  const sub = spawn('mosquitto_sub', ['-h', host, '-p', port, '-q', '1', '-V', 'mqttv5', '-D', 'connect', 'receive-maximum', '65535', '-t', `bench/${run_id}/#`, '-C', String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let got = 0;
  let lastAt = 0;
  sub.stdout!.on('data', (b: Buffer) => {
    for (const x of b) if (x === 10) got++;
    lastAt = performance.now();
  });
  const subDone = new Promise((r) => sub.on('exit', r));
  await new Promise((r) => setTimeout(r, 500));
  const r0 = performance.now();
  await Promise.all(files.map((f, k) => run('mosquitto_pub', pubArgs(`bench/${run_id}/${k}`), f)));
  await waitFor(() => got >= n, () => lastAt, 2000);
  sub.kill();
  await subDone;
  const raw = got / ((lastAt - r0) / 1000);
  const rawDropped = n - got;

  // ---- end to end through OneGrid
  const pgBase = process.env.BENCH_DATABASE_URL || process.env.BENCH_PG_URL || process.env.TEST_DATABASE_URL;
  const fresh = pgBase ? await freshPg(pgBase) : null;
  const clientId = `onegrid-bench-${run_id}`;
  const config = loadConfig({
    ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    MQTT_URL: BROKER,
    MQTT_CLIENT_ID: clientId,
    ONEGRID_JOBS: 'false',
    ...(fresh ? { DATABASE_URL: fresh.url } : {}),
  });
  const og = await createOneGrid(config, { logger: false, startJobs: false, dataDir: 'memory://' });
  let e2e = 0;
  let avgBatch = 0;
  let e2eStored = 0;
  try {
    const tokens = Array.from({ length: pubs }, (_, k) => `bench-${run_id}-${k}`);
    const csv = ['name,type,lng,lat,token', ...tokens.map((t, k) => `压测垃圾桶-${run_id}-${k},bin_level,${112.965 + k * 0.002},${28.145 + k * 0.002},${t}`)].join('\n');
    await importDevicesCsv(og.ctx, systemActor(), csv);
    const rt = iotRuntime(og.ctx);
    for (let i = 0; i < 100 && !rt.ingest?.status().ok; i++) await new Promise((r) => setTimeout(r, 100));
    if (!rt.ingest?.status().ok) throw new Error(`not subscribed: ${rt.ingest?.status().problem}`);
    const before = { accepted: rt.pipeline.stats.accepted, batches: rt.pipeline.stats.batches };
    const t0 = performance.now();
    await Promise.all(files.map((f, k) => run('mosquitto_pub', pubArgs(`v1/devices/${tokens[k]}/telemetry`, tokens[k]), f)));
    let last = 0;
    let seen = 0;
    await waitFor(
      () => rt.pipeline.stats.accepted - before.accepted >= n,
      () => {
        const a = rt.pipeline.stats.accepted - before.accepted;
        if (a !== seen) {
          seen = a;
          last = performance.now();
        }
        return last;
      },
      3000,
    );
    await iotIdle(og.ctx);
    const stored = Number((await og.ctx.db.selectFrom('iot_telemetry').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    e2e = stored / ((last - t0) / 1000);
    e2eStored = stored;
    avgBatch = (rt.pipeline.stats.accepted - before.accepted) / Math.max(1, rt.pipeline.stats.batches - before.batches);
  } finally {
    await og.close();
    // Remove the benchmark's persistent session from the broker.
    const c = await mqtt.connectAsync(BROKER, { clientId, clean: true, protocolVersion: 5, reconnectPeriod: 0 }).catch(() => null);
    await c?.endAsync().catch(() => {});
    if (fresh) await fresh.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    mqtt_e2e_msgs_per_s: Math.round(e2e),
    mqtt_raw_msgs_per_s: Math.round(raw),
    mqtt_ratio: Math.round((e2e / raw) * 100) / 100,
    mqtt_messages: n,
    mqtt_raw_dropped_by_broker: rawDropped,
    mqtt_e2e_not_stored: n - e2eStored,
    mqtt_publishers: pubs,
    mqtt_db: fresh ? 'postgres' : 'pglite',
    mqtt_avg_batch: Math.round(avgBatch),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchMqtt()
    .then((r) => {
      console.log(JSON.stringify(r, null, 2));
      process.exit(0);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
