import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PLUGIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../deploy/mosquitto');

export interface PrivateMosquitto {
  port: number;
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/**
 * A private Mosquitto (the machine's own binary) on a free port, with OneGrid's ThingsBoard-topics
 * plugin built from deploy/mosquitto (needs Debian's mosquitto-dev). Configured as
 * deploy/mosquitto/onegrid.conf recommends.
 */
export async function startPluginMosquitto(): Promise<PrivateMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'og-mosquitto-'));
  // run as root, mosquitto drops to its own user before loading the plugin
  await chmod(dir, 0o755);
  const so = join(dir, 'onegrid_tb_topics.so');
  try {
    await run('make', ['-s', '-C', PLUGIN_DIR, `OUT=${so}`]);
  } catch (err) {
    throw new Error(`building deploy/mosquitto failed (are Debian's mosquitto-dev and libmosquitto-dev installed?): ${(err as Error).message}`);
  }
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `plugin ${so}`, 'max_queued_messages 0', ''].join('\n'));
  const child: ChildProcess = spawn('mosquitto', ['-c', conf, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (b: Buffer) => (log += b.toString());
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const end = Date.now() + 10_000;
  while (!/running/.test(log)) {
    if (child.exitCode !== null || Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`private mosquitto did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
