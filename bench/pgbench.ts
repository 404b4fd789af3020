import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The floor for intake: pgbench's single-row INSERT transactions per second on the same server,
 * into a table shaped like a case row (uuid key, a few text columns, jsonb, timestamps, one index).
 */
export async function pgbenchInsertTps(url: string, clients: number, seconds: number): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS bench_floor; CREATE TABLE bench_floor (id uuid PRIMARY KEY, number text, description text, state text, grid_path text, data jsonb, created_at timestamptz); CREATE INDEX ON bench_floor (grid_path, state)`);
  await c.end();
  const dir = mkdtempSync(join(tmpdir(), 'og-pgbench-'));
  const script = join(dir, 'insert.sql');
  writeFileSync(
    script,
    "INSERT INTO bench_floor VALUES (gen_random_uuid(), md5(random()::text), repeat('路灯不亮', 20), 'reported', '430103/430103007/430103007001', '{\"lng\":112.97,\"lat\":28.15}', now());\n",
  );
  const out = execFileSync('pgbench', ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, url], { encoding: 'utf8' });
  const m = out.match(/tps = ([\d.]+)/);
  if (!m) throw new Error('pgbench printed no tps:\n' + out);
  return Math.round(Number(m[1]));
}
