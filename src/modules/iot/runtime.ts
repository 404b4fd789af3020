import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import { systemActor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { startEmbeddedBroker, startExternalSubscriber, type BrokerStatus, type Ingest } from './broker.js';
import { CaseWorker } from './closure.js';
import { DeviceDirectory, IngestPipeline, RuleBook } from './ingest.js';
import type { Reading } from './engine.js';
import { iotRepo, type TelemetryKeyDef } from './repository.js';
import { alarmEvent } from './live.js';
import type { DomainEvent } from '../../platform/events.js';

/** The module's per-instance parts: caches, the ingest pipeline, the broker, the case worker. */
export interface IotRuntime {
  pipeline: IngestPipeline;
  worker: CaseWorker;
  ingest: Ingest | null;
  types: Map<string, { name: string; telemetry: TelemetryKeyDef[] }>;
  sweepTimer: NodeJS.Timeout | null;
  unsubscribe: (() => void) | null;
}

const runtimes = new WeakMap<AppContext, IotRuntime>();
const telemetryListeners = new WeakMap<AppContext, Set<(readings: Reading[]) => void>>();
const healthHandlers = new WeakMap<AppContext, Set<(trx: Tx, readings: Reading[]) => Promise<void>>>();

/**
 * Registers the handler of health devices' readings (bracelets; the care module): it is called INSIDE
 * the ingest transaction with the full readings, the only place their health values go — iot itself
 * keeps only their non-health keys (catalog HEALTH_DEVICE_TYPES). A throw rolls the batch back (the
 * device is not acknowledged and retries). Returns an unregister function.
 */
export function onHealthReadings(ctx: AppContext, fn: (trx: Tx, readings: Reading[]) => Promise<void>): () => void {
  let set = healthHandlers.get(ctx);
  if (!set) healthHandlers.set(ctx, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/**
 * Calls `fn` with each batch of readings after it is committed. Readings of health devices carry only
 * the keys iot keeps (see onHealthReadings). The listener must not throw or block; it does its own
 * durable work. Returns an unsubscribe.
 */
export function onTelemetryCommitted(ctx: AppContext, fn: (readings: Reading[]) => void): () => void {
  let set = telemetryListeners.get(ctx);
  if (!set) telemetryListeners.set(ctx, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

export function iotRuntime(ctx: AppContext): IotRuntime {
  let rt = runtimes.get(ctx);
  if (!rt) {
    const devices = new DeviceDirectory(ctx);
    const rules = new RuleBook(ctx);
    const pipeline = new IngestPipeline(ctx, devices, rules);
    const types = new Map<string, { name: string; telemetry: TelemetryKeyDef[] }>();
    const worker = new CaseWorker(
      ctx,
      pipeline,
      (type, key) => types.get(type)?.telemetry.find((t) => t.key === key)?.unit ?? '',
      (type) => types.get(type)?.name ?? type,
    );
    pipeline.onCommitted = (b) => {
      worker.onBatch(b);
      for (const fn of telemetryListeners.get(ctx) ?? []) {
        try {
          fn(b.readings);
        } catch (err) {
          ctx.log.error({ err }, 'iot: telemetry listener failed');
        }
      }
    };
    pipeline.onHealthReadings = async (trx, readings) => {
      for (const fn of healthHandlers.get(ctx) ?? []) await fn(trx, readings);
    };
    rt = { pipeline, worker, ingest: null, types, sweepTimer: null, unsubscribe: null };
    runtimes.set(ctx, rt);
  }
  return rt;
}

export async function loadTypes(ctx: AppContext): Promise<void> {
  const rt = iotRuntime(ctx);
  rt.types.clear();
  for (const t of await iotRepo.listDeviceTypes(ctx.db)) rt.types.set(t.code, { name: t.name, telemetry: t.telemetry });
}

export const SWEEP_INTERVAL_MS = 30_000;

export async function startRuntime(ctx: AppContext): Promise<void> {
  const rt = iotRuntime(ctx);
  await loadTypes(ctx);
  await rt.pipeline.rules.refresh(true);
  await rt.worker.refreshWatched();
  rt.ingest = ctx.config.mqttUrl ? startExternalSubscriber(ctx, rt.pipeline, ctx.config.mqttUrl) : await startEmbeddedBroker(ctx, rt.pipeline);
  // Case events make verification prompt; correctness does not depend on them (each reading checks the case).
  rt.unsubscribe = ctx.events.subscribe((e) => {
    if (e.type === 'case.resolved' || e.type === 'case.closed') void rt.worker.refreshWatched().catch(() => {});
  });
  if (ctx.config.jobs) {
    rt.sweepTimer = setInterval(() => void runIotSweep(ctx).catch((err) => ctx.log.warn({ err }, 'iot: sweep failed')), SWEEP_INTERVAL_MS);
    rt.sweepTimer.unref();
  }
}

export async function stopRuntime(ctx: AppContext): Promise<void> {
  const rt = runtimes.get(ctx);
  if (!rt) return;
  if (rt.sweepTimer) clearInterval(rt.sweepTimer);
  rt.unsubscribe?.();
  await rt.ingest?.stop();
  await rt.pipeline.stop();
  await rt.worker.idle();
  runtimes.delete(ctx);
}

export function brokerStatus(ctx: AppContext): BrokerStatus | null {
  return runtimes.get(ctx)?.ingest?.status() ?? null;
}

/** Waits until submitted telemetry is stored and the case work it caused is done (tests, simulate). */
export async function iotIdle(ctx: AppContext): Promise<void> {
  const rt = iotRuntime(ctx);
  await rt.pipeline.drain();
  await rt.worker.idle();
  await rt.pipeline.drain();
}

/**
 * The periodic sweep (every 30 s on instances that run jobs; tests call it directly): devices
 * silent longer than their offline rule go offline and raise the offline alarm; alarms still to be
 * reported as cases are retried; resolved device cases whose device stayed normal are verified.
 */
export async function runIotSweep(ctx: AppContext): Promise<void> {
  const rt = iotRuntime(ctx);
  await rt.pipeline.rules.refresh();
  const now = ctx.clock.now();
  await rt.pipeline.runExclusive(async () => {
    const raised: Array<{ deviceId: string; ruleId: string; id: string }> = [];
    const live: DomainEvent[] = [];
    for (const type of rt.types.keys()) {
      const minutes = rt.pipeline.rules.offlineMinutes(type);
      const rule = rt.pipeline.rules.of(type).find((r) => r.kind === 'offline' && r.enabled) ?? null;
      await ctx.db.transaction().execute(async (trx) => {
        const gone = await iotRepo.markOffline(trx, type, new Date(now.getTime() - minutes * 60_000));
        for (const d of gone) {
          if (!rule) continue;
          const id = newId();
          const ok = await iotRepo.insertAlarm(trx, {
            id,
            device_id: d.id,
            rule_id: rule.id,
            alarm_type: rule.alarmType,
            severity: rule.severity,
            status: 'active_unack',
            started_at: now,
            cleared_at: null,
            cleared_by: null,
            acked_at: null,
            acked_by: null,
            acked_by_name: null,
            first_value: { lastSeenAt: d.last_seen_at },
            last_value: { lastSeenAt: d.last_seen_at },
            last_at: now,
            readings: 1,
            node_path: d.node_path,
            department_id: d.department_id,
            case_id: null,
            case_pending: rule.createCase,
            case_error: null,
            created_at: now,
            updated_at: now,
          });
          if (ok) {
            raised.push({ deviceId: d.id, ruleId: rule.id, id });
            await audit(trx, ctx.clock, systemActor(), { action: 'iot.alarm.raise', entity: 'iot_alarm', entityId: id, after: { device: d.name, rule: rule.name, severity: rule.severity } });
            live.push(alarmEvent({ id, status: 'raised', alarmType: rule.alarmType, ruleName: rule.name, severity: rule.severity }, { id: d.id, name: d.name, typeCode: d.type_code, nodePath: d.node_path, lng: d.lng, lat: d.lat }, now));
          }
        }
      });
    }
    // Adopt the new alarms into the rule state only after they committed.
    for (const r of raised) rt.pipeline.setState(r.deviceId, r.ruleId, { pendingSince: null, alarmId: r.id });
    for (const e of live) ctx.events.publish(e);
    if (raised.length) rt.worker.kickPending();
  });
  await rt.worker.sweep();
}
