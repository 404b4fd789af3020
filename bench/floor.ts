/**
 * The floor for a Node.js service: a bare Fastify route that does nothing but pgbench's single-row
 * INSERT, through the same driver and pool size as the server, in its own process as the server is,
 * loaded by the same autocannon run. It shows how much of pgbench's rate any HTTP service on this
 * machine keeps before it does any work of its own, so intake_ratio_16 can be read against it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './server.js';
import { intakeBody, load } from './load.js';

export async function benchNodeFloor(url: string, connections: number, seconds: number): Promise<{ rps: number; p99: number }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'floor-server.ts')], { env: { ...process.env, FLOOR_DB: url, FLOOR_PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      proc.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
      proc.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    });
    const r = await load({ url: `http://127.0.0.1:${port}/floor`, method: 'POST', cookie: '', connections, seconds, body: intakeBody });
    if (r.errors + r.non2xx > 0) throw new Error(`floor server: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return { rps: r.rps, p99: r.p99 };
  } finally {
    proc.kill('SIGTERM');
  }
}
