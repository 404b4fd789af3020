import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { multipart } from '../../src/modules/cases/testing.js';
import { startTestApp, type TestApp } from '../helpers.js';

/**
 * Fault suite: the disk that holds uploads fills up. The upload is refused with a clear 507 in
 * Chinese, leaves no half-written file or row behind, and works again once there is room.
 * The uploads directory is a 512 KiB tmpfs (needs root, as in CI).
 */
const dir = mkdtempSync(join(tmpdir(), 'og-disk-full-'));
const uploads = join(dir, 'uploads');
mkdirSync(uploads);
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', uploads], { stdio: 'ignore' });
  mounted = true;
} catch {
  /* not root: the suite is skipped */
}

/** Every file under a directory, recursively. */
const filesUnder = (d: string): string[] => readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(d, f)).isFile());

let t: TestApp | undefined;
afterAll(async () => {
  await t?.close();
  if (mounted) execFileSync('umount', [uploads]);
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(mounted)('uploads on a full disk', () => {
  it('answers 507 with a clear message, keeps nothing half-written, and recovers when space is freed', async () => {
    t = await startTestApp({ env: { ONEGRID_DATA_DIR: dir } });
    const cookie = await t.login('resident.qiaotou');
    const sharp = (await import('sharp')).default;
    // a photo big enough that it cannot fit in what is left
    const photo = await sharp(Buffer.from(Array.from({ length: 400 * 300 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 400, height: 300, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
    expect(photo.length).toBeGreaterThan(64 * 1024);
    const upload = () => {
      const m = multipart([{ name: 'a.jpg', data: photo }]);
      return t!.req('POST', '/api/files', { cookie, body: m.body, headers: m.headers });
    };

    // fill the disk, leaving less room than one photo
    const filler = join(uploads, 'filler.bin');
    writeFileSync(filler, Buffer.alloc(512 * 1024 - 32 * 1024));
    const rowsBefore = (await t.og.ctx.db.selectFrom('files').select('id').execute()).length;

    const full = await upload();
    expect(full.statusCode).toBe(507);
    expect(full.json().error.code).toBe('insufficient_storage');
    expect(full.json().error.message).toMatch(/存储空间已满/);
    expect(full.headers['retry-after']).toBeTruthy();
    expect((await t.og.ctx.db.selectFrom('files').select('id').execute()).length).toBe(rowsBefore);
    expect(filesUnder(uploads)).toEqual(['filler.bin']);

    unlinkSync(filler);
    const ok = await upload();
    expect(ok.statusCode).toBe(201);
    expect((await t.og.ctx.db.selectFrom('files').select('id').execute()).length).toBe(rowsBefore + 1);
  });
});
