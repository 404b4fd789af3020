import { createHash } from 'node:crypto';
import type { AppContext } from '../../platform/context.js';
import type { Tx } from '../../platform/db/database.js';
import { systemActor } from '../../platform/auth/actor.js';
import { audit } from '../../platform/audit/audit.js';
import { newId } from '../../platform/ids.js';
import { DEFAULT_OFFLINE_MINUTES, iotKeepable, iotKeepableAttributes, isHealthType } from './catalog.js';
import { evaluate, type Reading, type Rule, type RuleState, type Transition } from './engine.js';
import type { ParsedEntry } from './payload.js';
import { alarmEvent } from './live.js';
import type { DomainEvent } from '../../platform/events.js';
import { iotRepo, type DeviceRow, type RuleRow } from './repository.js';

/** Access tokens are looked up by their SHA-256 (tokens are random; the demo ones are public anyway). */
export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export interface DeviceInfo {
  id: string;
  name: string;
  typeCode: string;
  coverType: string | null;
  nodePath: string;
  departmentId: string | null;
  lng: number;
  lat: number;
  address: string | null;
  active: boolean;
  isGateway: boolean;
}

const info = (d: DeviceRow): DeviceInfo => ({
  id: d.id,
  name: d.name,
  typeCode: d.type_code,
  coverType: d.cover_type,
  nodePath: d.node_path,
  departmentId: d.department_id,
  lng: d.lng,
  lat: d.lat,
  address: d.address,
  active: d.active,
  isGateway: d.is_gateway,
});

export const toRule = (r: RuleRow): Rule => ({
  id: r.id,
  deviceType: r.device_type,
  alarmType: r.alarm_type,
  name: r.name,
  kind: r.kind,
  key: r.key,
  op: r.op,
  threshold: r.threshold,
  clearThreshold: r.clear_threshold,
  durationS: r.duration_s,
  offlineMinutes: r.offline_minutes,
  severity: r.severity,
  createCase: r.create_case,
  categoryCode: r.category_code,
  enabled: r.enabled,
});

/** Token/name → device, cached briefly (a device edit invalidates it on this instance). */
class DeviceDirectory {
  private readonly byToken = new Map<string, { d: DeviceInfo | null; at: number }>();
  /** lookups in flight, so a burst of messages from one device costs one query */
  private readonly loading = new Map<string, Promise<DeviceInfo | null>>();
  private readonly byName = new Map<string, { d: DeviceInfo | null; at: number }>();
  readonly byId = new Map<string, DeviceInfo>();
  private static readonly TTL_MS = 30_000;
  constructor(private readonly ctx: AppContext) {}

  private keep(d: DeviceInfo | null): DeviceInfo | null {
    if (d) this.byId.set(d.id, d);
    return d;
  }
  async byAccessToken(token: string): Promise<DeviceInfo | null> {
    const h = tokenHash(token);
    const c = this.byToken.get(h);
    if (c && Date.now() - c.at < DeviceDirectory.TTL_MS) return c.d;
    let p = this.loading.get(h);
    if (!p) {
      p = iotRepo
        .deviceByTokenHash(this.ctx.db, h)
        .then((row) => {
          const d = this.keep(row ? info(row) : null);
          this.byToken.set(h, { d, at: Date.now() });
          return d;
        })
        .finally(() => this.loading.delete(h));
      this.loading.set(h, p);
    }
    return p;
  }
  async byDeviceName(name: string): Promise<DeviceInfo | null> {
    const c = this.byName.get(name);
    if (c && Date.now() - c.at < DeviceDirectory.TTL_MS) return c.d;
    const row = await iotRepo.deviceByName(this.ctx.db, name);
    const d = this.keep(row ? info(row) : null);
    this.byName.set(name, { d, at: Date.now() });
    return d;
  }
  async get(id: string): Promise<DeviceInfo | null> {
    const c = this.byId.get(id);
    if (c) return c;
    const row = await iotRepo.deviceById(this.ctx.db, id);
    return this.keep(row ? info(row) : null);
  }
  invalidate(): void {
    this.byToken.clear();
    this.byName.clear();
    this.byId.clear();
  }
}

/** The enabled rules per device type, reloaded when any instance bumps iot_meta.rules_version. */
class RuleBook {
  private byType = new Map<string, Rule[]>();
  private version = -1;
  private checkedAt = 0;
  constructor(private readonly ctx: AppContext) {}
  async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.checkedAt < 5000) return;
    const meta = await iotRepo.meta(this.ctx.db);
    this.checkedAt = Date.now();
    if (!force && meta.rules_version === this.version) return;
    const rows = await iotRepo.listRules(this.ctx.db);
    const m = new Map<string, Rule[]>();
    for (const r of rows) {
      const list = m.get(r.device_type) ?? [];
      list.push(toRule(r));
      m.set(r.device_type, list);
    }
    this.byType = m;
    this.version = meta.rules_version;
  }
  of(typeCode: string): Rule[] {
    return this.byType.get(typeCode) ?? [];
  }
  all(): Rule[] {
    return [...this.byType.values()].flat();
  }
  offlineMinutes(typeCode: string): number {
    const r = this.of(typeCode).find((x) => x.kind === 'offline' && x.enabled);
    return r?.offlineMinutes ?? DEFAULT_OFFLINE_MINUTES;
  }
}

interface Item {
  readings: Reading[];
  attrs: Array<{ deviceId: string; attrs: Record<string, unknown> }>;
  done: (err?: Error) => void;
}

export interface IngestStats {
  accepted: number;
  rejected: number;
  batches: number;
  lastBatchSize: number;
  failedBatches: number;
}

/**
 * The ingest pipeline. Messages from both brokers and the HTTP endpoint are submitted here; one
 * flush at a time takes everything queued, evaluates the alarm rules in memory, and writes the
 * telemetry rows, the latest values, the devices' last-seen and the alarm transitions in ONE
 * transaction. Only after COMMIT are the submitters told (the MQTT PUBACK, the HTTP 200).
 */
export class IngestPipeline {
  private queue: Item[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  private readonly state = new Map<string, RuleState>();
  private readonly loadedDevices = new Set<string>();
  private readonly lastTs = new Map<string, number>();
  private exclusive: Promise<void> = Promise.resolve();
  readonly stats: IngestStats = { accepted: 0, rejected: 0, batches: 0, lastBatchSize: 0, failedBatches: 0 };
  /** called after each committed batch (case creation, sensor verification); health values are not in it */
  onCommitted: (batch: { readings: Reading[]; transitions: Transition[] }) => void = () => {};
  /**
   * Called INSIDE the batch transaction with the full readings of health devices (bracelets), the
   * only place their health values go (the care module stores them encrypted). A failure rolls the
   * batch back, so the device is not acknowledged and sends again. Without a handler they are dropped.
   */
  onHealthReadings: (trx: Tx, readings: Reading[]) => Promise<void> = async () => {};
  private stopped = false;

  constructor(
    private readonly ctx: AppContext,
    readonly devices: DeviceDirectory,
    readonly rules: RuleBook,
    private readonly maxBatch = 5000,
  ) {}

  /** Device time in ms; entries without one get the server time, strictly increasing per device. */
  stamp(deviceId: string, e: ParsedEntry): Reading {
    if (e.ts !== null) return { deviceId, ts: e.ts, values: e.values };
    let ts = this.ctx.clock.now().getTime();
    const last = this.lastTs.get(deviceId);
    if (last !== undefined && ts <= last) ts = last + 1;
    this.lastTs.set(deviceId, ts);
    return { deviceId, ts, values: e.values };
  }

  submit(readings: Reading[], attrs: Item['attrs'] = []): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('ingest stopped'));
    return new Promise((resolve, reject) => {
      this.queue.push({ readings, attrs, done: (err) => (err ? reject(err) : resolve()) });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // Let the messages parsed in the same I/O turn join this batch.
    setImmediate(() => {
      this.scheduled = false;
      if (!this.running) this.running = this.loop().finally(() => (this.running = null));
    });
  }

  private async loop(): Promise<void> {
    while (this.queue.length) {
      const items: Item[] = [];
      let n = 0;
      while (this.queue.length && (n === 0 || n + this.queue[0]!.readings.length <= this.maxBatch)) {
        const it = this.queue.shift()!;
        n += it.readings.length + it.attrs.length;
        items.push(it);
      }
      await this.runExclusive(() => this.flush(items));
    }
  }

  /** Serialises work that touches the rule state (batches, the offline sweep). */
  runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.exclusive.then(fn, fn);
    this.exclusive = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** Waits until everything submitted so far is written. */
  async drain(): Promise<void> {
    while (this.queue.length || this.running || this.scheduled) {
      if (this.running) await this.running;
      else await new Promise((r) => setImmediate(r));
    }
    await this.exclusive;
  }

  async stop(): Promise<void> {
    await this.drain();
    this.stopped = true;
  }

  private async loadState(deviceIds: string[]): Promise<void> {
    const missing = deviceIds.filter((id) => !this.loadedDevices.has(id));
    if (!missing.length) return;
    const { pending, active } = await iotRepo.ruleStates(this.ctx.db, missing);
    for (const p of pending) this.state.set(`${p.device_id}:${p.rule_id}`, { pendingSince: p.pending_since ? new Date(p.pending_since).getTime() : null, alarmId: null });
    for (const a of active) {
      const k = `${a.device_id}:${a.rule_id}`;
      this.state.set(k, { pendingSince: this.state.get(k)?.pendingSince ?? null, alarmId: a.id });
    }
    for (const id of missing) this.loadedDevices.add(id);
  }

  /** Forgets the cached rule state of a device (after an alarm was acknowledged/cleared by a person). */
  forgetDevice(deviceId: string): void {
    this.loadedDevices.delete(deviceId);
    for (const k of [...this.state.keys()]) if (k.startsWith(deviceId + ':')) this.state.delete(k);
  }

  setState(deviceId: string, ruleId: string, s: RuleState): void {
    this.state.set(`${deviceId}:${ruleId}`, s);
  }

  private async flush(items: Item[]): Promise<void> {
    const received = items.flatMap((i) => i.readings);
    const receivedAttrs = items.flatMap((i) => i.attrs);
    try {
      await this.rules.refresh();
      const deviceIds = [...new Set([...received.map((r) => r.deviceId), ...receivedAttrs.map((a) => a.deviceId)])];
      await this.loadState(deviceIds);
      const typeOf = new Map<string, DeviceInfo>();
      for (const id of deviceIds) {
        const d = await this.devices.get(id);
        if (d) typeOf.set(id, d);
      }
      // Health devices: iot keeps (stores, evaluates, passes on) only their non-health keys; the full
      // readings go to the health handler inside the transaction and nowhere else.
      const isHealth = (id: string) => isHealthType(typeOf.get(id)?.typeCode ?? '');
      const health = received.filter((r) => isHealth(r.deviceId));
      const readings = health.length ? received.map((r) => (isHealth(r.deviceId) ? { ...r, values: iotKeepable(typeOf.get(r.deviceId)!.typeCode, r.values) } : r)) : received;
      const attrs = receivedAttrs.map((a) => (isHealth(a.deviceId) ? { ...a, attrs: iotKeepableAttributes(typeOf.get(a.deviceId)!.typeCode, a.attrs) } : a));
      const { transitions, next } = evaluate(readings, (id) => (typeOf.get(id) ? this.rules.of(typeOf.get(id)!.typeCode) : []), this.state, newId);

      // Rows: one per device and timestamp (values merged), latest per device and key, device touch.
      const rows = new Map<string, { d: string; t: number; v: Record<string, unknown> }>();
      const latest = new Map<string, { d: string; k: string; t: number; v: unknown }>();
      const battery = new Map<string, { t: number; b: number }>();
      for (const r of readings) {
        if (!Object.keys(r.values).length) continue; // e.g. a bracelet message with health values only
        const rk = `${r.deviceId}|${r.ts}`;
        const row = rows.get(rk);
        if (row) Object.assign(row.v, r.values);
        else rows.set(rk, { d: r.deviceId, t: r.ts, v: { ...r.values } });
        for (const [k, v] of Object.entries(r.values)) {
          const lk = `${r.deviceId}|${k}`;
          const cur = latest.get(lk);
          if (!cur || cur.t <= r.ts) latest.set(lk, { d: r.deviceId, k, t: r.ts, v });
        }
        const b = r.values.battery;
        if (typeof b === 'number' && Number.isFinite(b) && (battery.get(r.deviceId)?.t ?? -Infinity) <= r.ts) battery.set(r.deviceId, { t: r.ts, b });
      }
      const mergedAttrs = new Map<string, Record<string, unknown>>();
      for (const a of attrs) mergedAttrs.set(a.deviceId, { ...mergedAttrs.get(a.deviceId), ...a.attrs });
      const now = this.ctx.clock.now();
      const iso = (t: number) => new Date(t).toISOString();

      const lost: string[] = [];
      const live: DomainEvent[] = [];
      await this.ctx.db.transaction().execute(async (trx) => {
        await iotRepo.insertTelemetry(trx, [...rows.values()].map((r) => ({ d: r.d, t: iso(r.t), v: r.v })), now);
        await iotRepo.upsertLatest(trx, [...latest.values()].map((l) => ({ d: l.d, k: l.k, t: iso(l.t), v: l.v })));
        const touched = [...new Set(readings.map((r) => r.deviceId))].sort();
        await iotRepo.touchDevices(trx, touched.map((id) => ({ id, b: battery.get(id)?.b ?? null })), now);
        await iotRepo.mergeAttributes(trx, [...mergedAttrs.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, a]) => ({ id, a })), now);
        for (const t of transitions) {
          if (t.type === 'pending') await iotRepo.setPending(trx, t.deviceId, t.ruleId, t.since === null ? null : new Date(t.since));
          else if (t.type === 'update') await iotRepo.alarmReadings(trx, t.alarmId, t.value, new Date(t.ts), t.readings);
          else if (t.type === 'raise') {
            const d = typeOf.get(t.deviceId)!;
            const ok = await iotRepo.insertAlarm(trx, {
              id: t.alarmId,
              device_id: t.deviceId,
              rule_id: t.rule.id,
              alarm_type: t.rule.alarmType,
              severity: t.rule.severity,
              status: 'active_unack',
              started_at: new Date(t.ts),
              cleared_at: null,
              cleared_by: null,
              acked_at: null,
              acked_by: null,
              acked_by_name: null,
              first_value: t.value,
              last_value: t.value,
              last_at: new Date(t.ts),
              readings: 1,
              node_path: d.nodePath,
              department_id: d.departmentId,
              case_id: null,
              case_pending: t.rule.createCase,
              case_error: null,
              created_at: now,
              updated_at: now,
            });
            if (!ok) lost.push(t.deviceId);
            else {
              await audit(trx, this.ctx.clock, systemActor(), { action: 'iot.alarm.raise', entity: 'iot_alarm', entityId: t.alarmId, after: { device: d.name, rule: t.rule.name, value: t.value, severity: t.rule.severity } });
              live.push(alarmEvent({ id: t.alarmId, status: 'raised', alarmType: t.rule.alarmType, ruleName: t.rule.name, severity: t.rule.severity }, d, now));
            }
          } else if (t.type === 'clear') {
            const row = await iotRepo.clearAlarm(trx, t.alarmId, t.value, new Date(t.ts), 'device');
            if (row) {
              await audit(trx, this.ctx.clock, systemActor(), { action: 'iot.alarm.clear', entity: 'iot_alarm', entityId: t.alarmId, after: { status: row.status, by: 'device', value: t.value } });
              const d = typeOf.get(t.deviceId);
              if (d) live.push(alarmEvent({ id: t.alarmId, status: 'cleared', alarmType: row.alarm_type, ruleName: t.rule.name, severity: row.severity, clearedBy: 'device' }, d, now));
            }
          }
        }
        if (health.length) await this.onHealthReadings(trx, health);
      });
      for (const [k, s] of next) this.state.set(k, s);
      for (const id of lost) this.forgetDevice(id);
      this.stats.accepted += readings.length;
      this.stats.batches++;
      this.stats.lastBatchSize = readings.length;
      for (const it of items) it.done();
      // the command center's live screens (in-process; after COMMIT so a screen never shows a rolled-back alarm)
      for (const e of live) this.ctx.events.publish(e);
      try {
        this.onCommitted({ readings, transitions });
      } catch (err) {
        this.ctx.log.error({ err }, 'iot: post-commit hook failed');
      }
    } catch (err) {
      this.stats.failedBatches++;
      this.ctx.log.error({ err, size: received.length }, 'iot: telemetry batch failed');
      // A failed batch may have been caused by one bad item: retry items one by one once.
      if (items.length > 1) {
        for (const it of items) await this.flush([it]);
      } else {
        this.stats.rejected += received.length;
        for (const it of items) it.done(err as Error);
      }
    }
  }
}

export { DeviceDirectory, RuleBook };
