import type { ModuleManifest } from '../../platform/module.js';
import { analyticsRoutes } from './routes.js';
import { HOURLY_JOB, nextHour, refreshRollup, runEarlyWarningIn } from './service.js';
import { EXTERNAL_IMPORT_JOB, runExternalImportBatch } from './imports.js';

export { getDashboard, getHotspots, getRepeats, listWarnings, runEarlyWarning, refreshRollup, figuresOf, type Figures } from './service.js';
export { dbscan, judgeDay, judgeWeek, poissonUpperTail } from './stats.js';

const enqueueNext = (ctx: Parameters<NonNullable<ModuleManifest['start']>>[0], db = ctx.db, opts: { unlessScheduled?: boolean } = {}) => {
  const at = nextHour(ctx.clock.now());
  return ctx.jobs.enqueue(db, HOURLY_JOB, {}, { runAt: at, uniqueKey: `${HOURLY_JOB}:${at.toISOString()}`, ...opts });
};

export const analyticsModule: ModuleManifest = {
  name: 'analytics',
  permissions: {
    'analytics.view': { roles: ['grid_worker', 'grid_leader', 'dispatcher', 'supervisor', 'community_admin', 'street_admin', 'auditor', 'admin'], description: '查看指挥中心大屏、热点、重复问题、预警与统计报表（本辖区）' },
    'analytics.warnings.ack': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '确认异常预警' },
    'analytics.import': { roles: ['dispatcher', 'community_admin', 'street_admin', 'admin'], description: '导入 12345 工单与信访记录（本辖区）' },
  },
  routes: analyticsRoutes,
  jobs: (ctx) => ({
    // Hourly: bring the daily roll-up up to yesterday, run the early-warning rule, schedule the next run.
    [HOURLY_JOB]: async (trx) => {
      await refreshRollup(ctx, { db: trx });
      const { events } = await runEarlyWarningIn(ctx, trx);
      await enqueueNext(ctx, trx);
      // published as the job's transaction commits (the handler's last step)
      setImmediate(() => events.forEach((e) => ctx.events.publish(e)));
    },
    // One batch of an external-record import (12345 / petitions) per run; the next batch is queued by the handler.
    [EXTERNAL_IMPORT_JOB]: (trx, payload) => runExternalImportBatch(ctx, trx, payload as { importId: string; offset: number }),
  }),
  start: async (ctx) => {
    await refreshRollup(ctx);
    await enqueueNext(ctx, ctx.db, { unlessScheduled: true });
  },
};
