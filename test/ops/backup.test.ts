import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_DB, type TestApp } from '../helpers.js';

// Backup and restore work on a PostgreSQL server (pg_dump/pg_restore); PGlite's data directory is
// backed up by copying it while the server is stopped (docs/operations.md).
describe.runIf(TEST_DB === 'postgres')('backup and restore', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'og-backup-'));
    mkdirSync(join(dir, 'data/uploads/2026/11'), { recursive: true });
    writeFileSync(join(dir, 'data/uploads/2026/11/photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores into a fresh database with every table’s row count intact, and notices a difference', () => {
    const url = t.config.databaseUrl!;
    const env = { ...process.env, DATABASE_URL: url, ONEGRID_DATA_DIR: join(dir, 'data') };
    const prefix = execFileSync('bash', ['scripts/backup.sh', join(dir, 'out')], { env, encoding: 'utf8' }).trim();
    const counts = readFileSync(prefix + '.counts', 'utf8');
    expect(counts).toMatch(/^residents\t\d{3,}$/m);
    expect(counts).toMatch(/^audit_log\t\d+$/m);
    const server = process.env.TEST_DATABASE_URL!;
    const out = execFileSync('bash', ['scripts/restore-check.sh', prefix, server], { env, encoding: 'utf8' });
    expect(out).toMatch(/restore check passed: \d+ tables, \d+ rows identical; 1 upload files/);

    // A backup whose recorded counts disagree with what it restores must fail the check.
    writeFileSync(prefix + '.counts', counts.replace(/^(residents\t)(\d+)$/m, (_m, a, n) => `${a}${Number(n) + 1}`));
    let code = 0;
    try {
      execFileSync('bash', ['scripts/restore-check.sh', prefix, server], { env, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(1);
  });
});
