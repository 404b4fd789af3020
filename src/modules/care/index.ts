import type { ModuleManifest } from '../../platform/module.js';
import { onHealthReadings } from '../iot/index.js';
import { can } from '../../platform/auth/permissions.js';
import { scopeCoversPath } from '../../platform/auth/scope.js';
import { registerDeskProvider } from '../grid-work/index.js';
import { listAlerts } from './service.js';
import { careRoutes } from './routes.js';
import { seedCare } from './seed.js';
import { careIdle, processReadings, CONTACT_SEND_JOB, contactSendJob, ESCALATE_JOB, escalateJob, MONITOR_JOB, nextMonitorAt, runMonitor } from './service.js';

export * from './service.js';
export { bookService, assignService, completeService, rateService, placeOrder, setOrderStatus, subsidyFor, reportBrokenFacility } from './kitchen.js';
export { recordCareVisit, listCareVisits, visitMonth } from './visits.js';

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
    [CONTACT_SEND_JOB]: contactSendJob(ctx) as never,
    // Every 15 minutes: "no data for N hours", "no movement today", retention; then schedule the next run.
    [MONITOR_JOB]: async (trx) => {
      await runMonitor(ctx, trx);
      const next = nextMonitorAt(ctx.clock.now());
      await ctx.jobs.enqueue(trx, MONITOR_JOB, {}, { runAt: next, uniqueKey: `${MONITOR_JOB}:${next.toISOString()}` });
    },
  }),
  seed: seedCare,
  start: async (ctx) => {
    // the one-stop desk (grid-work): the resident's care roster status and their open alerts (no health data)
    registerDeskProvider('care', async (c, actor, residentId) => {
      const p = await c.db.selectFrom('care_persons').select(['id', 'node_path', 'categories', 'active', 'created_at']).where('resident_id', '=', residentId).executeTakeFirst();
      if (!p || !can(actor, 'care.read') || !scopeCoversPath(actor, p.node_path)) return [];
      const alerts = (await Promise.all(['open', 'acked'].map((status) => listAlerts(c, actor, { personId: p.id, status, page: 1, pageSize: 50 })))).flatMap((r) => r.items);
      return [
        { module: 'care', kind: 'roster', id: p.id, title: `关爱名册${p.categories.length ? `（${p.categories.join('、')}）` : ''}`, state: p.active ? '在册关爱' : '已停止关爱', number: null, at: new Date(p.created_at).toISOString(), link: null },
        ...alerts.map((a) => ({ module: 'care', kind: 'alert', id: a.id, title: `关爱告警：${a.kindName}`, state: a.status === 'open' ? '待确认' : '已确认待关闭', number: null, at: a.raisedAt, link: null })),
      ];
    });
    // Bracelet readings come inside iot's ingest transaction: stored encrypted here, nowhere else.
    unsubscribers.set(ctx, onHealthReadings(ctx, (trx, readings) => processReadings(ctx, trx, readings)));
    const next = nextMonitorAt(ctx.clock.now());
    await ctx.jobs.enqueue(ctx.db, MONITOR_JOB, {}, { runAt: next, uniqueKey: `${MONITOR_JOB}:${next.toISOString()}`, unlessScheduled: true });
  },
  stop: async (ctx) => {
    unsubscribers.get(ctx)?.();
    await careIdle(ctx).catch(() => {});
  },
};
