/**
 * `npm start`: builds the web app if it has not been built, then starts the server.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'web/dist/index.html'))) {
  console.log('Building the web console (first start only)…');
  const r = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The web build failed; the API will still start.');
  }
}
await import('../src/main.ts');
