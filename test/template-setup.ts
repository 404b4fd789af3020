import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.js';
import { createOneGrid } from '../src/app.js';
import { ManualClock } from '../src/platform/clock.js';
import { freshPostgres } from './helpers.js';
import { TEST_CLOCK_START } from './template.js';

/**
 * Once per run of the pglite or postgres project: a database migrated and seeded with the demo
 * district, which startTestApp copies instead of migrating and seeding again for every test app
 * (≈ 5 s each on this machine), and the e2e project's startE2eApp likewise. PGlite: its data directory as a tarball in a temporary file;
 * PostgreSQL: a database used with CREATE DATABASE … TEMPLATE. Made with the same clock and a key
 * that the tests then use, so it is exactly what a fresh start would have written.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const key = randomBytes(32).toString('base64');
  const dir = mkdtempSync(join(tmpdir(), 'og-template-'));
  const env = { ONEGRID_ENCRYPTION_KEY: key, LOG_LEVEL: 'silent', ONEGRID_DEMO_CASES: '0', ONEGRID_DATA_DIR: dir };
  // the browser journeys run on the system clock: their template is made by it too
  const clock = project.name === 'e2e' ? undefined : new ManualClock(TEST_CLOCK_START);
  if (project.name.startsWith('postgres')) {
    const f = await freshPostgres();
    const name = new URL(f.url).pathname.slice(1);
    const og = await createOneGrid(loadConfig({ ...env, DATABASE_URL: f.url }), { clock, logger: false, seed: true, startJobs: false });
    await og.close();
    project.provide('ogTemplate', { kind: 'postgres', key, database: name });
    return async () => {
      await f.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const og = await createOneGrid(loadConfig(env), { clock, logger: false, seed: true, startJobs: false, dataDir: 'memory://' });
  const tar = Buffer.from(await (await og.dumpDataDir!()).arrayBuffer());
  await og.close();
  const file = join(dir, 'pglite.tar');
  writeFileSync(file, tar);
  project.provide('ogTemplate', { kind: 'pglite', key, file });
  return async () => rmSync(dir, { recursive: true, force: true });
}
