import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { systemClock, type Clock } from './platform/clock.js';
import { FieldCipher } from './platform/crypto.js';
import { openDatabase } from './platform/db/database.js';
import { migrate } from './platform/db/migrate.js';
import type { AppContext, Logger } from './platform/context.js';
import { EventBus } from './platform/events.js';
import { JobQueue } from './platform/jobs/queue.js';
import { buildApp, type HealthCheck } from './platform/http/app.js';
import { registerPermissions } from './platform/auth/permissions.js';
import { setNodePathResolver } from './platform/auth/service.js';
import { MODULES } from './modules/index.js';
import { nodePathOf } from './modules/org/index.js';

export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '../web/dist');

let permissionsRegistered = false;
function registerAllPermissions(): void {
  if (permissionsRegistered) return;
  for (const m of MODULES) if (m.permissions) registerPermissions(m.permissions);
  permissionsRegistered = true;
}

export interface OneGrid {
  ctx: AppContext;
  app: FastifyInstance;
  healthChecks: HealthCheck[];
  close(): Promise<void>;
  /** PGlite only: the data directory as a tarball */
  dumpDataDir?: () => Promise<Blob>;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * Builds the whole platform: database (migrated), modules, HTTP app, job worker. Used by main.ts
 * and by the tests (which pass a manual clock and no logger).
 */
export async function createOneGrid(config: Config, opts: { clock?: Clock; logger?: boolean; seed?: boolean; startJobs?: boolean; dataDir?: string; loadDataDir?: Blob } = {}): Promise<OneGrid> {
  registerAllPermissions();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: opts.dataDir ?? config.dataDir, loadDataDir: opts.loadDataDir });
  try {
    await migrate(database.db);
  } catch (err) {
    await database.close();
    throw err;
  }
  const clock = opts.clock ?? systemClock;
  const log: Logger = silentLogger;
  const ctx: AppContext = {
    config,
    db: database.db,
    dbKind: database.kind,
    clock,
    cipher: new FieldCipher(config.encryptionKey, config.previousEncryptionKeys),
    log,
    jobs: new JobQueue(database.db, clock, log),
    events: new EventBus(),
  };
  setNodePathResolver(nodePathOf);
  for (const m of MODULES) if (m.jobs) for (const [kind, h] of Object.entries(m.jobs(ctx))) ctx.jobs.register(kind, h);
  const healthChecks: HealthCheck[] = MODULES.flatMap((m) => m.healthChecks?.(ctx) ?? []);
  const app = await buildApp(ctx, { modules: MODULES, healthChecks, webDist: WEB_DIST, logger: opts.logger ?? false });
  if (opts.logger !== false) ctx.log = app.log;
  (ctx.jobs as unknown as { log: Logger }).log = ctx.log;
  if (opts.seed ?? config.demo) for (const m of MODULES) if (m.seed) await m.seed(ctx);
  for (const m of MODULES) if (m.start) await m.start(ctx);
  if (opts.startJobs ?? config.jobs) ctx.jobs.start(config.jobPollMs);
  return {
    ctx,
    app,
    healthChecks,
    dumpDataDir: database.dumpDataDir,
    async close() {
      await ctx.jobs.stop();
      for (const m of [...MODULES].reverse()) if (m.stop) await m.stop(ctx);
      await app.close();
      await app.drainHandlers(5_000);
      await database.close();
    },
  };
}
