import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createOneGrid, type OneGrid } from '../../src/app.js';
import type { Clock } from '../../src/platform/clock.js';
import { TEMPLATE_SAFE_ENV } from '../template.js';

export interface E2eApp {
  og: OneGrid;
  /** http://127.0.0.1:<port> */
  base: string;
  close(): Promise<void>;
}

/**
 * The whole platform on an in-memory PGlite with the demo district (no demo cases), listening on a
 * free port, for a browser journey. With the system clock it starts from the e2e run's template
 * (test/template-setup.ts: the same district migrated and seeded once, minutes earlier, by the same
 * clock), as a server started a few minutes before would be; a journey on its own clock seeds afresh.
 */
export async function startE2eApp(name: string, extraEnv: Record<string, string> = {}, opts: { clock?: Clock } = {}): Promise<E2eApp> {
  const tmpData = mkdtempSync(join(tmpdir(), `onegrid-e2e-${name}-`));
  const t = inject('ogTemplate');
  const template = t?.kind === 'pglite' && !opts.clock && Object.keys(extraEnv).every((k) => TEMPLATE_SAFE_ENV.test(k)) ? t : undefined;
  const env = { ONEGRID_ENCRYPTION_KEY: template?.key ?? randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', ONEGRID_DEMO_CASES: '0', ONEGRID_DATA_DIR: tmpData, ...extraEnv };
  const loadDataDir = template ? new Blob([new Uint8Array(readFileSync(template.file))]) : undefined;
  const og = await createOneGrid(loadConfig(env), { dataDir: 'memory://', startJobs: false, logger: false, clock: opts.clock, loadDataDir });
  await og.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    og,
    base: `http://127.0.0.1:${(og.app.server.address() as AddressInfo).port}`,
    async close() {
      await og.close();
      rmSync(tmpData, { recursive: true, force: true });
    },
  };
}
