import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { multipart, tinyJpeg } from '../../modules/cases/testing.js';
import { MAX_PHOTO_BYTES, sniffImage } from './index.js';

describe('files: photo upload', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    t = await startTestApp();
    cookie = await t.login('resident.qiaotou');
  });
  afterAll(async () => t?.close());
  const upload = (files: Array<{ name: string; data: Buffer; type?: string }>, c: string | undefined = cookie) => {
    const m = multipart(files);
    return t.req('POST', '/api/files', { cookie: c, body: m.body, headers: m.headers });
  };

  it('stores JPEG/PNG/WebP with a thumbnail under dataDir/uploads, checked by magic bytes', async () => {
    const sharp = (await import('sharp')).default;
    const jpg = await tinyJpeg();
    const png = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#246' } }).png().toBuffer();
    const webp = await sharp({ create: { width: 20, height: 20, channels: 3, background: '#fff' } }).webp().toBuffer();
    // the declared type and name do not matter, the bytes do
    const r = await upload([
      { name: 'a.jpg', data: jpg },
      { name: 'b.bin', data: png, type: 'application/octet-stream' },
      { name: 'c.webp', data: webp, type: 'image/webp' },
    ]);
    expect(r.statusCode).toBe(201);
    const files = r.json();
    expect(files.map((f: { mime: string }) => f.mime)).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(files[1]).toMatchObject({ width: 800, height: 600, size: png.length });
    const thumb = await t.req('GET', files[1].thumbUrl, { cookie });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    const meta = await sharp(thumb.rawPayload).metadata();
    expect(meta.width).toBe(320);
    const orig = await t.req('GET', files[0].url, { cookie });
    expect(orig.rawPayload.equals(jpg)).toBe(true);
    const row = await t.og.ctx.db.selectFrom('files').selectAll().where('id', '=', files[0].id).executeTakeFirstOrThrow();
    expect(existsSync(join(t.config.dataDir, 'uploads', row.path))).toBe(true);
    // an unattached photo is only its uploader's
    expect((await t.req('GET', files[0].url, { cookie: await t.login('resident.mulian') })).statusCode).toBe(404);
    expect((await t.req('GET', files[0].url)).statusCode).toBe(401);
  });

  it('refuses other types, empty and corrupt images, too many and too large files', async () => {
    const bad = await upload([{ name: 'x.jpg', data: Buffer.from('<html>not an image</html>') }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('JPEG');
    const gif = await upload([{ name: 'x.gif', data: Buffer.from('GIF89a' + 'x'.repeat(50)) }]);
    expect(gif.statusCode).toBe(400);
    const corrupt = await upload([{ name: 'x.jpg', data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]) }]);
    expect(corrupt.statusCode).toBe(400);
    expect(corrupt.json().error.message).toContain('损坏');
    const jpg = await tinyJpeg();
    const ten = await upload(Array.from({ length: 10 }, (_, i) => ({ name: `${i}.jpg`, data: jpg })));
    expect(ten.statusCode).toBe(400);
    const big = Buffer.concat([jpg, Buffer.alloc(MAX_PHOTO_BYTES + 1 - jpg.length)]);
    const large = await upload([{ name: 'big.jpg', data: big }]);
    expect(large.statusCode).toBe(413);
    const anon = multipart([{ name: 'a.jpg', data: jpg }]);
    expect((await t.req('POST', '/api/files', { body: anon.body, headers: anon.headers })).statusCode).toBe(401);
    const notMultipart = await t.req('POST', '/api/files', { cookie, body: { a: 1 } });
    expect(notMultipart.statusCode).toBe(400);
    // nothing half-written: only the three good photos of the first test exist
    expect((await t.og.ctx.db.selectFrom('files').select('id').execute()).length).toBe(3);
  });

  it('refuses a disguised executable (ELF, PE) named photo.jpg with type image/jpeg', async () => {
    const before = (await t.og.ctx.db.selectFrom('files').select('id').execute()).length;
    // ELF header of a 64-bit little-endian x86-64 executable, then filler
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(8), Buffer.from([0x02, 0x00, 0x3e, 0x00]), Buffer.alloc(400, 0x90)]);
    // DOS/PE header: "MZ", the DOS stub message, e_lfanew → "PE\0\0"
    const pe = Buffer.alloc(512, 0);
    pe.write('MZ', 0, 'latin1');
    pe.writeUInt32LE(0x80, 0x3c);
    pe.write('This program cannot be run in DOS mode.', 0x4e, 'latin1');
    pe.write('PE\0\0', 0x80, 'latin1');
    for (const data of [elf, pe]) {
      const r = await upload([{ name: 'photo.jpg', data, type: 'image/jpeg' }]);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('invalid');
    }
    // one good photo beside an executable: the whole request is refused, nothing is stored
    const mixed = await upload([{ name: 'ok.jpg', data: await tinyJpeg() }, { name: 'photo.jpg', data: pe, type: 'image/jpeg' }]);
    expect(mixed.statusCode).toBe(400);
    expect((await t.og.ctx.db.selectFrom('files').select('id').execute()).length).toBe(before);
  });

  it('sniffs magic bytes', () => {
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0]))?.mime).toBe('image/jpeg');
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 '))?.mime).toBe('image/webp');
    expect(sniffImage(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(sniffImage(Buffer.from('%PDF-1.7 xxxxx'))).toBeNull();
  });
});
