import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, kill9, killAll, login, startServer } from './server.js';

/**
 * Fault suite: PostgreSQL stops for 10 s while residents keep reporting. The server must answer
 * 503 with a Retry-After hint while the database is gone (never a 500, never crash), find the
 * database again by itself when it is back, and lose nothing it acknowledged.
 *
 * The database is a private PostgreSQL cluster (initdb in a temporary directory, its own port), so
 * stopping it disturbs nothing else on the machine.
 */
const PG_ROOT = '/usr/lib/postgresql';
const bin = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).sort((a, b) => Number(b) - Number(a)).map((v) => join(PG_ROOT, v, 'bin')).find((d) => existsSync(join(d, 'initdb'))) : undefined;
const KEY = randomBytes(32).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'og-db-outage-'));
const pgdata = join(dir, 'pg');

/** Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root). */
function pgTool(tool: string, args: string[]): string {
  const cmd = join(bin!, tool);
  const asRoot = process.getuid?.() === 0;
  return execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let pgPort = 0;
const pgCtl = (action: 'start' | 'stop') =>
  action === 'start'
    ? pgTool('pg_ctl', ['-D', pgdata, '-w', '-l', join(dir, 'pg.log'), '-o', `-p ${pgPort} -k ${dir} -c listen_addresses=127.0.0.1`, 'start'])
    : pgTool('pg_ctl', ['-D', pgdata, '-w', '-m', 'immediate', 'stop']);

afterAll(() => {
  killAll();
  try {
    pgCtl('stop');
  } catch {
    /* already stopped */
  }
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(bin)('PostgreSQL stops for 10 s under load', () => {
  it('answers 503 with Retry-After meanwhile, recovers by itself, and loses no acknowledged case', async () => {
    mkdirSync(pgdata);
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(dir, uid, gid);
      chownSync(pgdata, uid, gid);
    }
    pgTool('initdb', ['-D', pgdata, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    pgPort = await freePort();
    pgCtl('start');
    const url = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;

    const env = { DATABASE_URL: url, ONEGRID_DATA_DIR: join(dir, 'data'), PORT: String(await freePort()), MQTT_PORT: String(await freePort()), ONEGRID_DEMO_CASES: '0' };
    const s = await startServer(env, { key: KEY });
    const cookie = await login(s.base, 'resident.mulian');

    // Six residents' phones report continuously; each report is retried with its idempotency key
    // until it is acknowledged, honouring Retry-After (capped at 1 s to keep the test short).
    const acked = new Map<string, string>();
    const statuses = new Map<number, number>();
    let retryAfterSeen = 0;
    let serial = 0;
    let stop = false;
    const phone = async () => {
      while (!stop) {
        const key = `outage-${(serial++).toString().padStart(6, '0')}`;
        for (;;) {
          const r = await fetch(`${s.base}/api/cases`, {
            method: 'POST',
            headers: { cookie, 'content-type': 'application/json' },
            body: JSON.stringify({ description: '小区门口路灯不亮好几天了', location: { lng: 112.975, lat: 28.155 }, idempotencyKey: key }),
            signal: AbortSignal.timeout(15_000),
          }).catch(() => null);
          if (r) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r && (r.status === 200 || r.status === 201)) {
            acked.set(key, ((await r.json()) as { id: string }).id);
            break;
          }
          if (r?.status === 503 && r.headers.get('retry-after')) retryAfterSeen++;
          await new Promise((res) => setTimeout(res, 200));
        }
      }
    };
    const phones = Array.from({ length: 6 }, phone);

    await new Promise((r) => setTimeout(r, 3_000));
    const beforeOutage = acked.size;
    expect(beforeOutage).toBeGreaterThan(0);
    pgCtl('stop');
    await new Promise((r) => setTimeout(r, 2_000));
    const ready = await fetch(`${s.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBeTruthy();
    await new Promise((r) => setTimeout(r, 8_000));
    const duringOutage = acked.size;
    pgCtl('start');

    // The same process recovers: /readyz turns 200 and reports are acknowledged again.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && ((await fetch(`${s.base}/readyz`).then((r) => r.status).catch(() => 0)) !== 200 || acked.size < duringOutage + 30)) {
      await new Promise((r) => setTimeout(r, 200));
    }
    stop = true;
    await Promise.all(phones);
    expect(s.proc.exitCode).toBeNull();
    expect(acked.size).toBeGreaterThanOrEqual(duringOutage + 30);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    expect(retryAfterSeen).toBe(statuses.get(503));
    expect([...statuses.keys()].filter((c) => c >= 500 && c !== 503)).toEqual([]);

    // Nothing acknowledged is lost, and no retried report was stored twice.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const ids = [...acked.values()];
      const found = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM cases WHERE id = ANY($1::uuid[])', [ids]);
      expect(found.rows[0]!.n).toBe(ids.length);
      expect(new Set(ids).size).toBe(ids.length);
      const total = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM cases WHERE idem_key LIKE '%:outage-%'");
      expect(total.rows[0]!.n).toBe(ids.length);
    } finally {
      await client.end();
    }
    await kill9(s.proc);
  }, 240_000);
});
