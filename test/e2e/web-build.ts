import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of any file under a directory (0 when it has none). */
export function newestMtime(dir: string): number {
  let m = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    m = Math.max(m, f.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return m;
}

/**
 * Builds the web app (web/dist) when it is missing or older than any file under `sources`
 * (relative to `root`; the whole web/src by default), so a browser test never runs stale pages.
 */
export function ensureWebBuild(root: string, sources = 'web/src'): void {
  const index = join(root, 'web/dist/index.html');
  const fresh = () => existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(root, sources));
  if (fresh()) return;
  // Browser test files run in parallel: one builds while the others wait, then finds it fresh.
  const lock = join(root, 'web/.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (fresh()) return;
    // NODE_ENV is 'test' inside Vitest; inherited, it would make a development build of React and
    // antd whose console warnings the browser tests count as errors
    const r = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    if (r.status !== 0) throw new Error('web build failed');
  } finally {
    rmdirSync(lock);
  }
}
