import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

export interface BenchServer {
  url: string;
  pid: number;
  proc: ChildProcess;
  rssMb(): number;
  login(username: string): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Servers still running: stopped with the bench when it is interrupted or exits, never orphaned. */
const live = new Set<ChildProcess>();
const killAll = () => {
  for (const p of live) p.kill('SIGKILL');
};
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  });
}

/** Starts the real server (`src/main.ts`) as a child process and waits until /readyz answers. */
export async function startServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'og-bench-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ONEGRID_DATA_DIR: dataDir, ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn', MQTT_PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      const r = await fetch(url + '/readyz');
      if (r.status === 200 || r.status === 503) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('server did not start in time');
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    pid: proc.pid!,
    proc,
    rssMb() {
      const m = readFileSync(`/proc/${proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
      return m ? Math.round(Number(m[1]) / 1024) : 0;
    },
    async login(username: string) {
      const r = await fetch(url + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'onegrid-demo' }) });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status}`);
      return r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
