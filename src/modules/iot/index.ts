import type { ModuleManifest } from '../../platform/module.js';
import { iotRoutes } from './routes.js';
import { seedIot } from './seed.js';
import { rollupAndRetention, seedReferenceData } from './service.js';
import { brokerStatus, startRuntime, stopRuntime } from './runtime.js';

export * from './service.js';
export { iotIdle, runIotSweep, brokerStatus, iotRuntime, onTelemetryCommitted, onHealthReadings } from './runtime.js';
export { HEALTH_DEVICE_TYPES, isHealthType } from './catalog.js';
export type { Reading } from './engine.js';
export { DEMO_DEVICES } from './seed.js';

const STAFF = ['grid_worker', 'grid_leader', 'dispatcher', 'dept_handler', 'supervisor', 'community_admin', 'street_admin', 'mediator', 'auditor', 'admin'] as const;
export const ROLLUP_JOB = 'iot.rollup';

const nextHour = (d: Date) => new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000 + 3_600_000 + 60_000);

export const iotModule: ModuleManifest = {
  name: 'iot',
  permissions: {
    'iot.read': { roles: [...STAFF], description: '查看物联网设备、遥测与告警' },
    'iot.devices.write': { roles: ['admin', 'street_admin'], description: '登记、导入和修改物联网设备及其访问令牌' },
    'iot.rules.write': { roles: ['admin', 'street_admin'], description: '维护告警规则（阈值、持续时间、回差、级别）' },
    'iot.alarms.ack': { roles: ['grid_worker', 'grid_leader', 'dispatcher', 'dept_handler', 'supervisor', 'community_admin', 'street_admin', 'admin'], description: '确认和清除告警' },
  },
  routes: iotRoutes,
  jobs: (ctx) => ({
    // Hourly: roll complete hours up and drop raw telemetry past retention; then schedule the next run.
    [ROLLUP_JOB]: async (trx) => {
      await rollupAndRetention(ctx, trx);
      await ctx.jobs.enqueue(trx, ROLLUP_JOB, {}, { runAt: nextHour(ctx.clock.now()), uniqueKey: `${ROLLUP_JOB}:${nextHour(ctx.clock.now()).toISOString()}` });
    },
  }),
  healthChecks: (ctx) => [
    {
      name: 'mqtt',
      critical: false,
      check: async () => {
        const s = brokerStatus(ctx);
        if (!s) return '物联网接入未启动';
        return s.ok ? null : s.problem;
      },
    },
  ],
  seed: seedIot,
  start: async (ctx) => {
    await seedReferenceData(ctx);
    await ctx.jobs.enqueue(ctx.db, ROLLUP_JOB, {}, { runAt: nextHour(ctx.clock.now()), uniqueKey: `${ROLLUP_JOB}:${nextHour(ctx.clock.now()).toISOString()}`, unlessScheduled: true });
    await startRuntime(ctx);
  },
  stop: stopRuntime,
};
