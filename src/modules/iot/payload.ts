/**
 * ThingsBoard device API payloads (https://thingsboard.io/docs/reference/mqtt-api/):
 * - telemetry: `{"temperature":42}`, `{"ts":1451649600512,"values":{...}}`, or an array of either;
 * - attributes: a flat JSON object;
 * - gateway telemetry: `{"Device A":[{"ts":…,"values":{…}}], …}`; gateway attributes: `{"Device A":{…}}`.
 * Parsing is strict enough that bad input is refused with a reason, never stored half.
 */
export interface ParsedEntry {
  /** device time in ms, or null for "now" */
  ts: number | null;
  values: Record<string, unknown>;
}

export class PayloadError extends Error {}

const MAX_KEYS = 100;
const MAX_ENTRIES = 1000;
const KEY_RE = /^[A-Za-z0-9_.\-:]{1,64}$/;
/** earliest accepted device time (2000-01-01) and how far ahead of the server clock a device may be */
const MIN_TS = 946_684_800_000;
const MAX_AHEAD_MS = 24 * 3_600_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function values(v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw new PayloadError('values 必须是 JSON 对象');
  const keys = Object.keys(v);
  if (keys.length === 0) throw new PayloadError('values 不能为空');
  if (keys.length > MAX_KEYS) throw new PayloadError(`一条数据最多 ${MAX_KEYS} 个键`);
  for (const k of keys) if (!KEY_RE.test(k)) throw new PayloadError(`键名不合法：${k.slice(0, 80)}`);
  return v;
}

function entry(e: unknown, now: number): ParsedEntry {
  if (!isObject(e)) throw new PayloadError('遥测数据必须是 JSON 对象或对象数组');
  if ('ts' in e && 'values' in e) {
    const ts = e.ts;
    if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < MIN_TS || ts > now + MAX_AHEAD_MS) throw new PayloadError('ts 必须是毫秒时间戳，且不能晚于当前时间一天以上');
    return { ts, values: values(e.values) };
  }
  return { ts: null, values: values(e) };
}

export function parseJson(buf: Buffer | string): unknown {
  try {
    return JSON.parse(typeof buf === 'string' ? buf : buf.toString('utf8'));
  } catch {
    throw new PayloadError('数据不是合法的 JSON');
  }
}

export function parseTelemetry(body: unknown, now: number): ParsedEntry[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new PayloadError('遥测数据不能为空');
  if (list.length > MAX_ENTRIES) throw new PayloadError(`一次最多 ${MAX_ENTRIES} 条遥测数据`);
  return list.map((e) => entry(e, now));
}

export function parseAttributes(body: unknown): Record<string, unknown> {
  return values(body);
}

/** Gateway telemetry: device name → entries. */
export function parseGatewayTelemetry(body: unknown, now: number): Map<string, ParsedEntry[]> {
  if (!isObject(body)) throw new PayloadError('网关数据必须是以设备名为键的 JSON 对象');
  const out = new Map<string, ParsedEntry[]>();
  for (const [name, list] of Object.entries(body)) out.set(name, parseTelemetry(list, now));
  return out;
}

export function parseGatewayAttributes(body: unknown): Map<string, Record<string, unknown>> {
  if (!isObject(body)) throw new PayloadError('网关数据必须是以设备名为键的 JSON 对象');
  const out = new Map<string, Record<string, unknown>>();
  for (const [name, attrs] of Object.entries(body)) out.set(name, values(attrs));
  return out;
}
