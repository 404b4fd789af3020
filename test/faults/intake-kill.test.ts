import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgres } from '../helpers.js';
import { freePort, kill9, killAll, login, startServer } from './server.js';

/**
 * Fault suite: kill -9 the server in the middle of a burst of case intake. A 201 is sent only after
 * the case's transaction committed, so every case a client was answered for must be there after the
 * restart — on the embedded PGlite (data directory on disk) and on PostgreSQL.
 */
const KEY = randomBytes(32).toString('base64');
const dirs: string[] = [];
const drops: Array<() => Promise<void>> = [];
afterAll(async () => {
  killAll();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const d of drops) await d();
});

const body = (i: number) => ({
  description: ['小区门口路灯不亮好几天了', '人行道井盖松动，踩上去咣当响', '垃圾桶满了没人清运，味道很大'][i % 3],
  location: { lng: 112.961 + ((i * 37) % 280) / 10_000, lat: 28.141 + ((i * 53) % 280) / 10_000 },
  address: '长沙市天心区新开铺街道',
  idempotencyKey: `kill-burst-${i.toString().padStart(6, '0')}`,
});

const variants = [{ name: 'embedded PGlite', pg: false }, ...(process.env.TEST_DATABASE_URL ? [{ name: 'PostgreSQL', pg: true }] : [])];

describe('kill -9 during a burst of case intake', () => {
  for (const v of variants) {
    it(`${v.name}: every case answered 201 is there after the restart, and a retry creates no second case`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'og-intake-kill-'));
      dirs.push(dir);
      const env: Record<string, string> = { ONEGRID_DATA_DIR: dir, PORT: String(await freePort()), MQTT_PORT: String(await freePort()), ONEGRID_DEMO_CASES: '0' };
      if (v.pg) {
        const f = await freshPostgres();
        env.DATABASE_URL = f.url;
        drops.push(f.drop);
      }
      const s1 = await startServer(env, { key: KEY });
      const cookie = await login(s1.base, 'resident.qiaotou');
      const mineTotal = async (base: string, c: string) => ((await (await fetch(`${base}/api/cases/mine?pageSize=1`, { headers: { cookie: c } })).json()) as { total: number }).total;
      const before = await mineTotal(s1.base, cookie);

      // 8 clients send reports one after another; the server is killed once 150 were answered.
      const acked = new Map<number, string>();
      let next = 0;
      let killing: Promise<void> | null = null;
      const client = async () => {
        while (!killing) {
          const i = next++;
          const r = await fetch(`${s1.base}/api/cases`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body(i)) }).catch(() => null);
          if (!r) return; // the connection died with the server
          if (r.status === 201) acked.set(i, ((await r.json()) as { id: string }).id);
          if (acked.size >= 150 && !killing) killing = kill9(s1.proc);
        }
      };
      await Promise.all(Array.from({ length: 8 }, client));
      await killing;
      expect(acked.size).toBeGreaterThanOrEqual(150);
      const sent = next;

      const s2 = await startServer(env, { key: KEY });
      const cookie2 = await login(s2.base, 'resident.qiaotou');
      const missing: number[] = [];
      for (const [i, id] of acked) {
        const r = await fetch(`${s2.base}/api/cases/${id}`, { headers: { cookie: cookie2 } });
        if (r.status !== 200) missing.push(i);
      }
      expect(missing).toEqual([]);

      // The client that lost its answer retries every request with the same idempotency key:
      // each report exists exactly once afterwards.
      const ids = new Set<string>();
      for (let i = 0; i < sent; i++) {
        const r = await fetch(`${s2.base}/api/cases`, { method: 'POST', headers: { cookie: cookie2, 'content-type': 'application/json' }, body: JSON.stringify(body(i)) });
        expect([200, 201]).toContain(r.status);
        const id = ((await r.json()) as { id: string }).id;
        if (acked.has(i)) expect(id).toBe(acked.get(i));
        ids.add(id);
      }
      expect(ids.size).toBe(sent);
      expect(await mineTotal(s2.base, cookie2)).toBe(before + sent);
      await kill9(s2.proc);
    }, 300_000);
  }
});
