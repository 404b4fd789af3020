import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Integration tests run on embedded PGlite always, and again on a real PostgreSQL server when
// TEST_DATABASE_URL is set (.ci/run sets it). Pure unit tests (*.unit.test.ts) run once.
// Fault tests (test/faults: kill -9, database outages) run only in `npm run test:faults`.
const pg = process.env.TEST_DATABASE_URL;
const common = { testTimeout: 60_000, hookTimeout: 120_000 };

/**
 * Integration test files share each worker's module graph (isolate: false): importing the whole
 * platform again for every file cost more than half of the pglite project's time. A file that
 * replaces a module with vi.mock needs a graph of its own, so those run in the `…-isolated`
 * projects; they are found here by their vi.mock call, not listed by hand.
 */
function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(p);
    return /\.test\.ts$/.test(e.name) && !/\.unit\.test\.ts$/.test(e.name) ? [p] : [];
  });
}
const ROOT = import.meta.dirname;
const MOCKING = [...testFiles(join(ROOT, 'src')), ...testFiles(join(ROOT, 'test'))]
  .filter((f) => /^\s*vi\.mock\(/m.test(readFileSync(f, 'utf8')))
  .map((f) => f.slice(ROOT.length + 1));
const INTEGRATION = { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['**/*.unit.test.ts', 'test/e2e/**', 'test/faults/**'], globalSetup: ['test/template-setup.ts'] };

const integration = (db: 'pglite' | 'postgres') => [
  { extends: true as const, test: { ...common, ...INTEGRATION, name: db, exclude: [...INTEGRATION.exclude, ...MOCKING], isolate: false, env: { OG_TEST_DB: db } } },
  { extends: true as const, test: { ...common, ...INTEGRATION, name: `${db}-isolated`, include: MOCKING, env: { OG_TEST_DB: db } } },
];

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      { extends: true, test: { ...common, name: 'unit', include: ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts'] } },
      ...integration('pglite'),
      ...(pg ? integration('postgres') : []),
      // The browser journeys run after the rest (two at a time): beside two busy integration workers,
      // chromium's own processes starved them into timeouts.
      { extends: true, test: { ...common, name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 180_000, globalSetup: ['test/template-setup.ts'], sequence: { groupOrder: 1 } } },
      ...(process.env.OG_FAULTS ? [{ extends: true as const, test: { ...common, name: 'faults', include: ['test/faults/**/*.test.ts'], testTimeout: 300_000, fileParallelism: false } }] : []),
    ],
  },
});
