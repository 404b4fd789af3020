import type { ModuleManifest } from '../../platform/module.js';
import { onHealthReadings } from '../iot/index.js';
import { careRoutes } from './routes.js';
import { seedCare } from './seed.js';
import { careIdle, processReadings, ESCALATE_JOB, escalateJob, MONITOR_JOB, nextMonitorAt, runMonitor } from './service.js';

export * from './service.js';
export { bookService, assignService, completeService, rateService, placeOrder, subsidyFor, reportBrokenFacility } from './kitchen.js';

const unsubscribers = new WeakMap<object, () => void>();

export const careModule: ModuleManifest = {
  name: 'care',
  permissions: {
    'care.read': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '查看辖区关爱名册与告警（不含健康数据）' },
    'care.write': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '维护关爱名册、照护人、家属、手环绑定、上门服务派单' },
    'care.health.read': { roles: ['community_admin', 'street_admin', 'admin'], description: '查看辖区关爱对象的健康数据（每次记录）' },
    'care.thresholds.write': { roles: ['community_admin', 'street_admin', 'admin'], description: '按医生建议调整个人体征阈值' },
    'care.alerts.ack': { roles: ['grid_worker', 'grid_leader', 'community_admin', 'street_admin', 'admin'], description: '确认和关闭辖区关爱告警' },
    'care.canteen.write': { roles: ['community_admin', 'street_admin', 'admin'], description: '维护长者食堂菜单、捐赠与帮厨班次' },
    'care.settings': { roles: ['street_admin', 'admin'], description: '设置健康数据保留期与告警升级时间' },
  },
  routes: careRoutes,
  jobs: (ctx) => ({
    [ESCALATE_JOB]: escalateJob(ctx) as never,
    // Every 15 minutes: "no data for N hours", "no movement today", retention; then schedule the next run.
    [MONITOR_JOB]: async (trx) => {
      await runMonitor(ctx, trx);
      const next = nextMonitorAt(ctx.clock.now());
      await ctx.jobs.enqueue(trx, MONITOR_JOB, {}, { runAt: next, uniqueKey: `${MONITOR_JOB}:${next.toISOString()}` });
    },
  }),
  seed: seedCare,
  start: async (ctx) => {
    // Bracelet readings come inside iot's ingest transaction: stored encrypted here, nowhere else.
    unsubscribers.set(ctx, onHealthReadings(ctx, (trx, readings) => processReadings(ctx, trx, readings)));
    const next = nextMonitorAt(ctx.clock.now());
    await ctx.jobs.enqueue(ctx.db, MONITOR_JOB, {}, { runAt: next, uniqueKey: `${MONITOR_JOB}:${next.toISOString()}` });
  },
  stop: async (ctx) => {
    unsubscribers.get(ctx)?.();
    await careIdle(ctx).catch(() => {});
  },
};
