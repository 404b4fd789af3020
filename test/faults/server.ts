import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Shared pieces of the fault suite: the real server as a child process (`node --import tsx
 * src/main.ts`), so that it can be killed with SIGKILL and started again on the same database.
 */
export const ROOT = join(import.meta.dirname, '../..');

const procs: ChildProcess[] = [];

/** Kills every process this file started (call from afterAll). */
export function killAll(): void {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
}

/** Remembers a process started elsewhere (e.g. a private broker) so killAll ends it too. */
export function track(p: ChildProcess): ChildProcess {
  procs.push(p);
  return p;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Polls `fn` every 100 ms until it returns something truthy; throws after `ms`. */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, what: string, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ServerProc {
  proc: ChildProcess;
  base: string;
}

/**
 * Starts the server with `env` (PORT required) and waits until /readyz is 200 — and, with
 * `needMqtt`, until its MQTT check is ok.
 */
export async function startServer(env: Record<string, string>, opts: { key: string; needMqtt?: boolean }): Promise<ServerProc> {
  const proc = track(spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ONEGRID_ENCRYPTION_KEY: opts.key, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }));
  const base = `http://127.0.0.1:${env.PORT}`;
  // a server that dies while starting fails the test at once instead of after the wait
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}) before it was ready`))));
  exited.catch(() => {});
  const ready = until(async () => {
    const r = await fetch(`${base}/readyz`);
    const b = (await r.json()) as { checks: { mqtt?: { ok: boolean } } };
    return r.status === 200 && (!opts.needMqtt || b.checks.mqtt?.ok);
  }, opts.needMqtt ? 'the server to be ready with MQTT' : 'the server to be ready');
  await Promise.race([ready, exited]);
  return { proc, base };
}

export async function kill9(proc: ChildProcess): Promise<void> {
  proc.kill('SIGKILL');
  await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once('exit', r)));
}

/** Signs in and returns the session cookie header value. */
export async function login(base: string, username = 'admin', password = 'onegrid-demo'): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
  return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}
