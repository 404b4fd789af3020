/**
 * `npm start` as a user runs it: `node --import tsx scripts/start.ts` (what the npm script runs) in a
 * child process, on a fresh data directory (embedded PGlite, generated key, embedded MQTT broker),
 * until /readyz is 200; then a demo sign-in and the console page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../faults/server.js';

const ROOT = join(import.meta.dirname, '../..');
const START = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;

let proc: ChildProcess | null = null;
let dataDir: string;
let base: string;
let stderr = '';

beforeAll(async () => {
  // The test runs the same command as the npm script, without npm in between (so the kill below ends the server itself).
  expect(START).toBe('node --import tsx scripts/start.ts');
  dataDir = mkdtempSync(join(tmpdir(), 'onegrid-start-'));
  const [port, mqttPort] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), HOST: '127.0.0.1', MQTT_PORT: String(mqttPort), ONEGRID_DATA_DIR: dataDir, ONEGRID_DEMO_CASES: '50', LOG_LEVEL: 'warn' };
  // a fresh start on the embedded defaults: no server database, broker, key or admin password from the caller's environment
  for (const k of ['DATABASE_URL', 'MQTT_URL', 'ONEGRID_ENCRYPTION_KEY', 'ONEGRID_ENCRYPTION_KEY_PREVIOUS', 'ONEGRID_ADMIN_PASSWORD', 'ONEGRID_DEMO', 'OG_TEST_DB', 'TEST_DATABASE_URL']) delete env[k];
  proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => proc!.once('exit', (code, signal) => reject(new Error(`npm start exited (${code ?? signal}) before it was ready:\n${stderr}`))));
  exited.catch(() => {});
  await Promise.race([until(async () => (await fetch(`${base}/readyz`)).status === 200, 'npm start to be ready', 170_000), exited]);
}, 180_000);

afterAll(async () => {
  if (proc && proc.exitCode === null && proc.signalCode === null) {
    const gone = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc?.kill('SIGKILL'), 15_000);
    await gone;
    clearTimeout(t);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on a fresh data directory', () => {
  it('is ready with the database check ok, and keeps its database and key in ONEGRID_DATA_DIR', async () => {
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(200);
    const b = (await r.json()) as { checks: { database: { ok: boolean } } };
    expect(b.checks.database.ok).toBe(true);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(true);
    // no key was given, so the embedded default generated one and wrote it next to the database
    expect(Buffer.from(readFileSync(join(dataDir, 'encryption.key'), 'utf8').trim(), 'base64')).toHaveLength(32);
  });

  it('signs the demo admin in, and /api/auth/me knows the session', async () => {
    expect((await fetch(`${base}/api/auth/me`)).status).toBe(401);
    const bad = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) });
    expect(bad.status).toBe(401);
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'onegrid-demo' }) });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(cookie).toMatch(/og_session=/);
    const me = await fetch(`${base}/api/auth/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { username: string; roles: string[] };
    expect(body.username).toBe('admin');
    expect(body.roles).toEqual(['admin']);
  });

  it('serves the console HTML at /', async () => {
    const r = await fetch(`${base}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    const html = await r.text();
    expect(html).toMatch(/<div id="root">/);
    // the page's script is served too
    const src = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(src).toBeTruthy();
    const js = await fetch(new URL(src!, base));
    expect(js.status).toBe(200);
  });
});
