import { defineConfig } from 'vitest/config';

// Integration tests run on embedded PGlite always, and again on a real PostgreSQL server when
// TEST_DATABASE_URL is set (.ci/run sets it). Pure unit tests (*.unit.test.ts) run once.
// Fault tests (test/faults: kill -9, database outages) run only in `npm run test:faults`.
const pg = process.env.TEST_DATABASE_URL;
const common = { testTimeout: 60_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      { extends: true, test: { ...common, name: 'unit', include: ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts'] } },
      { extends: true, test: { ...common, name: 'pglite', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['**/*.unit.test.ts', 'test/e2e/**', 'test/faults/**'], env: { OG_TEST_DB: 'pglite' }, globalSetup: ['test/template-setup.ts'] } },
      ...(pg ? [{ extends: true as const, test: { ...common, name: 'postgres', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['**/*.unit.test.ts', 'test/e2e/**', 'test/faults/**'], env: { OG_TEST_DB: 'postgres' }, globalSetup: ['test/template-setup.ts'] } }] : []),
      { extends: true, test: { ...common, name: 'e2e', include: ['test/e2e/**/*.test.ts'], testTimeout: 180_000, globalSetup: ['test/template-setup.ts'] } },
      ...(process.env.OG_FAULTS ? [{ extends: true as const, test: { ...common, name: 'faults', include: ['test/faults/**/*.test.ts'], testTimeout: 300_000, fileParallelism: false } }] : []),
    ],
  },
});
