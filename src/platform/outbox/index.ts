import type { ModuleManifest } from '../module.js';
import { outboxRoutes } from './routes.js';
import { DELIVER_JOB, RELAY_JOB, deliverJob, relayJob, scheduleRelay, settleDeliveries } from './service.js';

export * from './service.js';
export { outboxRepo } from './repository.js';

/** The transactional outbox and the webhooks fed from it (platform part; no domain words beyond event names). */
export const outboxModule: ModuleManifest = {
  name: 'outbox',
  permissions: {
    'webhooks.manage': { roles: ['admin'], description: '管理 Webhook 订阅、查看投递日志、重新投递' },
  },
  routes: outboxRoutes,
  jobs: (ctx) => ({ [RELAY_JOB]: relayJob(ctx) as never, [DELIVER_JOB]: deliverJob(ctx) as never }),
  start: async (ctx) => {
    await scheduleRelay(ctx, ctx.db, ctx.clock.now(), { unlessScheduled: true });
  },
  // deliveries being POSTed finish and are recorded before the database closes
  stop: async () => {
    await settleDeliveries();
  },
};
