import type { RuleOp, Severity } from './repository.js';

/**
 * The alarm rule engine: pure functions over in-memory state. The ingest pipeline feeds it a batch
 * of readings, persists the transitions it returns in the same transaction as the telemetry, and
 * only then adopts the new state (so a failed write leaves the cache as it was).
 */
export interface Rule {
  id: string;
  deviceType: string;
  alarmType: string;
  name: string;
  kind: 'threshold' | 'offline';
  key: string | null;
  op: RuleOp | null;
  threshold: number | null;
  clearThreshold: number | null;
  durationS: number;
  offlineMinutes: number | null;
  severity: Severity;
  createCase: boolean;
  categoryCode: string | null;
  enabled: boolean;
}

export interface RuleState {
  /** ms since epoch when the condition started to hold (not yet raised), or null */
  pendingSince: number | null;
  /** the active alarm of this device and rule, if any */
  alarmId: string | null;
}

export interface Reading {
  deviceId: string;
  ts: number;
  values: Record<string, unknown>;
}

export type Transition =
  | { type: 'pending'; deviceId: string; ruleId: string; since: number | null }
  | { type: 'raise'; deviceId: string; rule: Rule; alarmId: string; ts: number; value: unknown }
  | { type: 'update'; deviceId: string; rule: Rule; alarmId: string; ts: number; value: unknown; readings: number }
  | { type: 'clear'; deviceId: string; rule: Rule; alarmId: string; ts: number; value: unknown };

/** A reading's value as a number: numbers, booleans (1/0) and numeric strings; otherwise null. */
export function numeric(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function compare(op: RuleOp, v: number, t: number): boolean {
  switch (op) {
    case 'gt':
      return v > t;
    case 'gte':
      return v >= t;
    case 'lt':
      return v < t;
    case 'lte':
      return v <= t;
    case 'eq':
      return v === t;
    case 'neq':
      return v !== t;
  }
}

/** The raise condition holds for this value (threshold rules). */
export function abnormal(rule: Rule, v: number): boolean {
  return compare(rule.op!, v, rule.threshold!);
}

/**
 * The value is normal enough to clear an active alarm. With hysteresis the value must be back
 * beyond the clear threshold (tilt > 15 raises, tilt ≤ 10 clears); without, the condition is false.
 */
export function normal(rule: Rule, v: number): boolean {
  if (rule.clearThreshold === null || rule.clearThreshold === undefined) return !abnormal(rule, v);
  switch (rule.op) {
    case 'gt':
    case 'gte':
      return v <= rule.clearThreshold;
    case 'lt':
    case 'lte':
      return v >= rule.clearThreshold;
    default:
      return !abnormal(rule, v);
  }
}

/**
 * Evaluates readings (any order; sorted here by time per device) against the rules of each
 * device's type. `state` maps `${deviceId}:${ruleId}` to the current state and is NOT modified;
 * the returned `next` holds the states after the batch. New alarms get their id from `newAlarmId`.
 */
export function evaluate(
  readings: Reading[],
  rulesOf: (deviceId: string) => Rule[],
  state: Map<string, RuleState>,
  newAlarmId: () => string,
): { transitions: Transition[]; next: Map<string, RuleState> } {
  const next = new Map<string, RuleState>();
  const get = (k: string): RuleState => next.get(k) ?? state.get(k) ?? { pendingSince: null, alarmId: null };
  const transitions: Transition[] = [];
  const updates = new Map<string, Extract<Transition, { type: 'update' }>>();
  const sorted = [...readings].sort((a, b) => a.ts - b.ts);
  const pendingOut = new Map<string, Extract<Transition, { type: 'pending' }>>();
  for (const r of sorted) {
    for (const rule of rulesOf(r.deviceId)) {
      if (!rule.enabled) continue;
      const k = `${r.deviceId}:${rule.id}`;
      const s = get(k);
      if (rule.kind === 'offline') {
        // Any reading means the device is online again.
        if (s.alarmId) {
          transitions.push({ type: 'clear', deviceId: r.deviceId, rule, alarmId: s.alarmId, ts: r.ts, value: null });
          next.set(k, { pendingSince: null, alarmId: null });
        }
        continue;
      }
      if (!(rule.key! in r.values)) continue;
      const v = numeric(r.values[rule.key!]);
      if (v === null) continue;
      if (s.alarmId) {
        if (normal(rule, v)) {
          const u = updates.get(s.alarmId);
          if (u) {
            transitions.splice(transitions.indexOf(u), 1);
            updates.delete(s.alarmId);
          }
          transitions.push({ type: 'clear', deviceId: r.deviceId, rule, alarmId: s.alarmId, ts: r.ts, value: r.values[rule.key!] });
          next.set(k, { pendingSince: null, alarmId: null });
        } else {
          const u = updates.get(s.alarmId);
          if (u) {
            u.ts = r.ts;
            u.value = r.values[rule.key!];
            u.readings++;
          } else {
            const t: Extract<Transition, { type: 'update' }> = { type: 'update', deviceId: r.deviceId, rule, alarmId: s.alarmId, ts: r.ts, value: r.values[rule.key!], readings: 1 };
            updates.set(s.alarmId, t);
            transitions.push(t);
          }
          next.set(k, s);
        }
        continue;
      }
      if (abnormal(rule, v)) {
        const since = s.pendingSince ?? r.ts;
        if (r.ts - since >= rule.durationS * 1000) {
          const id = newAlarmId();
          transitions.push({ type: 'raise', deviceId: r.deviceId, rule, alarmId: id, ts: r.ts, value: r.values[rule.key!] });
          next.set(k, { pendingSince: null, alarmId: id });
          if (s.pendingSince !== null || pendingOut.has(k)) pendingOut.set(k, { type: 'pending', deviceId: r.deviceId, ruleId: rule.id, since: null });
        } else if (s.pendingSince === null) {
          next.set(k, { pendingSince: since, alarmId: null });
          pendingOut.set(k, { type: 'pending', deviceId: r.deviceId, ruleId: rule.id, since });
        }
      } else if (s.pendingSince !== null) {
        next.set(k, { pendingSince: null, alarmId: null });
        pendingOut.set(k, { type: 'pending', deviceId: r.deviceId, ruleId: rule.id, since: null });
      }
    }
  }
  transitions.push(...pendingOut.values());
  return { transitions, next };
}

