import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Every setting OneGrid reads, validated once at start. Each entry is documented in the README's
 * configuration table; an invalid value stops the server with a message naming the variable.
 */
export interface Config {
  port: number;
  host: string;
  /** postgres://… for a real server; undefined → embedded PGlite under dataDir/pglite */
  databaseUrl: string | undefined;
  dataDir: string;
  /** external MQTT broker (mqtt://host:1883); undefined → embedded broker on mqttPort */
  mqttUrl: string | undefined;
  mqttPort: number;
  /** client id of the server's persistent session on an external broker (MQTT_URL) */
  mqttClientId: string;
  /** IoT: a resolved device case is closed when its device reads normal this long */
  iotVerifyNormalSeconds: number;
  /** IoT: raw telemetry is kept this many days (hourly roll-ups are kept) */
  iotRetentionDays: number;
  /** 32-byte AES-256-GCM key for personal data */
  encryptionKey: Buffer;
  /** keys being rotated out (ONEGRID_ENCRYPTION_KEY_PREVIOUS): decrypt only */
  previousEncryptionKeys: Buffer[];
  adminPassword: string;
  /** seed the 新开铺街道 demo district into an empty database */
  demo: boolean;
  /** how many demo cases the demo seed creates over the last 90 days (0 = none) */
  demoCases: number;
  sessionTtlHours: number;
  /** mark cookies Secure (set behind HTTPS) */
  cookieSecure: boolean;
  logLevel: string;
  /** run the background job worker in this process */
  jobs: boolean;
  jobPollMs: number;
  /** classifier confidence under which a case waits for manual triage */
  classifyThreshold: number;
  /** radius and window for duplicate detection */
  duplicateRadiusM: number;
  duplicateWindowHours: number;
  /** optional map tile URL template for the web console (no tile server by default) */
  mapTileUrl: string;
}

export class ConfigError extends Error {
  constructor(
    public readonly variable: string,
    message: string,
  ) {
    super(`配置错误 ${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function num(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new ConfigError(name, `must be a number between ${min} and ${max}, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL`);
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${u.protocol}`);
  return raw;
}

/**
 * The encryption key: ONEGRID_ENCRYPTION_KEY (base64 or hex of 32 bytes). For the embedded default
 * only, a key is generated on first start and kept in dataDir/encryption.key; a server database
 * (DATABASE_URL) requires the variable so that every instance shares one key.
 */
function parseKey(name: string, raw: string): Buffer {
  const buf = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (buf.length !== 32) throw new ConfigError(name, 'must be 32 bytes, base64 or hex encoded');
  return buf;
}

function encryptionKey(env: Env, dataDir: string, embedded: boolean, persist: boolean): Buffer {
  const raw = env.ONEGRID_ENCRYPTION_KEY;
  if (raw) return parseKey('ONEGRID_ENCRYPTION_KEY', raw);
  if (!embedded) {
    throw new ConfigError('ONEGRID_ENCRYPTION_KEY', 'is required with DATABASE_URL (generate one: openssl rand -base64 32)');
  }
  if (!persist) return randomBytes(32);
  const file = join(dataDir, 'encryption.key');
  if (existsSync(file)) {
    const buf = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (buf.length !== 32) throw new ConfigError('ONEGRID_ENCRYPTION_KEY', `${file} does not hold a 32-byte key`);
    return buf;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}

function mqttClientId(env: Env): string {
  const raw = env.MQTT_CLIENT_ID || 'onegrid-ingest';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw)) throw new ConfigError('MQTT_CLIENT_ID', 'must be 1–64 letters, digits or _ . : -');
  return raw;
}

export function loadConfig(env: Env = process.env, opts: { persistKey?: boolean } = {}): Config {
  const dataDir = resolve(env.ONEGRID_DATA_DIR || './data');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir,
    mqttUrl: url(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:']),
    mqttPort: int(env, 'MQTT_PORT', 1883, 0, 65535),
    mqttClientId: mqttClientId(env),
    iotVerifyNormalSeconds: int(env, 'IOT_VERIFY_NORMAL_SECONDS', 600, 0, 7 * 24 * 3600),
    iotRetentionDays: int(env, 'IOT_RETENTION_DAYS', 30, 1, 3650),
    encryptionKey: encryptionKey(env, dataDir, !databaseUrl, opts.persistKey ?? true),
    previousEncryptionKeys: (env.ONEGRID_ENCRYPTION_KEY_PREVIOUS || '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => parseKey('ONEGRID_ENCRYPTION_KEY_PREVIOUS', k)),
    adminPassword: env.ONEGRID_ADMIN_PASSWORD || 'onegrid-demo',
    demo: bool(env, 'ONEGRID_DEMO', true),
    demoCases: int(env, 'ONEGRID_DEMO_CASES', 2000, 0, 100000),
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 12, 1, 24 * 30),
    cookieSecure: bool(env, 'COOKIE_SECURE', false),
    logLevel,
    jobs: bool(env, 'ONEGRID_JOBS', true),
    jobPollMs: int(env, 'JOB_POLL_MS', 1000, 10, 60000),
    classifyThreshold: num(env, 'CLASSIFY_THRESHOLD', 0.6, 0, 1),
    duplicateRadiusM: num(env, 'DUPLICATE_RADIUS_M', 50, 1, 5000),
    duplicateWindowHours: num(env, 'DUPLICATE_WINDOW_HOURS', 72, 1, 24 * 90),
    mapTileUrl: env.MAP_TILE_URL || '',
  };
}
