import { createHash } from 'node:crypto';
import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { AppContext } from '../context.js';
import { withTx } from '../context.js';
import type { Executor } from '../db/database.js';
import type { Timestamp } from '../db/schema.js';
import type { Actor } from '../auth/actor.js';
import { hasRole } from '../auth/actor.js';
import { audit } from '../audit/audit.js';
import { AppError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';

export interface FilesTable {
  id: string;
  owner_user_id: string | null;
  mime: string;
  size: number;
  sha256: string;
  path: string;
  thumb_path: string | null;
  width: number | null;
  height: number | null;
  original_name: string | null;
  ref_type: string | null;
  ref_id: string | null;
  created_at: Timestamp;
}
declare module '../db/schema.js' {
  interface DB {
    files: FilesTable;
  }
}

/** Largest photo accepted (bytes). */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024;
/** Photos per upload call (and per case). */
export const MAX_PHOTOS = 9;
export const THUMB_WIDTH = 320;

const TYPES: Array<{ mime: string; ext: string; test: (b: Buffer) => boolean }> = [
  { mime: 'image/jpeg', ext: 'jpg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/png', ext: 'png', test: (b) => b.length > 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { mime: 'image/webp', ext: 'webp', test: (b) => b.length > 12 && b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

/** The image type from the file's first bytes (never from its name or the declared type). */
export function sniffImage(buf: Buffer): { mime: string; ext: string } | null {
  const t = TYPES.find((x) => x.test(buf));
  return t ? { mime: t.mime, ext: t.ext } : null;
}

type SharpFn = (input: Buffer) => {
  metadata(): Promise<{ width?: number; height?: number }>;
  rotate(): ReturnType<SharpFn>;
  resize(w: number, h?: number, o?: Record<string, unknown>): ReturnType<SharpFn>;
  webp(o?: Record<string, unknown>): ReturnType<SharpFn>;
  toBuffer(): Promise<Buffer>;
};
let sharpLoad: Promise<SharpFn | null> | null = null;
/** sharp (libvips) makes thumbnails; without it photos are stored and served without thumbnails. */
function loadSharp(): Promise<SharpFn | null> {
  sharpLoad ??= import('sharp').then((m) => (m.default ?? m) as unknown as SharpFn).catch(() => null);
  return sharpLoad;
}

export interface FileView {
  id: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
  thumbUrl: string | null;
  createdAt: string;
}
const view = (f: { id: string; mime: string; size: number; width: number | null; height: number | null; thumb_path: string | null; created_at: Date | string }): FileView => ({
  id: f.id,
  mime: f.mime,
  size: f.size,
  width: f.width,
  height: f.height,
  url: `/api/files/${f.id}`,
  thumbUrl: f.thumb_path ? `/api/files/${f.id}/thumb` : null,
  createdAt: new Date(f.created_at).toISOString(),
});

const uploadsRoot = (ctx: AppContext) => resolve(ctx.config.dataDir, 'uploads');

/**
 * Stores photos: checks each one's type by its magic bytes and its size, decodes it (a file that
 * does not decode is refused), writes it under dataDir/uploads/YYYY/MM/ and a WebP thumbnail beside
 * it. All or nothing: one bad photo refuses the whole upload.
 */
export async function storePhotos(ctx: AppContext, actor: Actor, files: Array<{ data: Buffer; filename?: string }>): Promise<FileView[]> {
  if (files.length === 0) throw invalid('请选择要上传的照片', [{ field: 'file', message: '为必填项' }]);
  if (files.length > MAX_PHOTOS) throw invalid(`一次最多上传 ${MAX_PHOTOS} 张照片`, [{ field: 'file', message: `最多 ${MAX_PHOTOS} 张` }]);
  const sharp = await loadSharp();
  const prepared: Array<{ id: string; mime: string; ext: string; data: Buffer; thumb: Buffer | null; width: number | null; height: number | null; name: string | null }> = [];
  for (const [i, f] of files.entries()) {
    if (f.data.length === 0) throw invalid('照片为空文件', [{ field: `file.${i}`, message: '文件为空' }]);
    if (f.data.length > MAX_PHOTO_BYTES) throw new AppError('too_large', `照片不能超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB`, [{ field: `file.${i}`, message: '文件过大' }]);
    const type = sniffImage(f.data);
    if (!type) throw invalid('只接受 JPEG、PNG 或 WebP 格式的照片', [{ field: `file.${i}`, message: '文件类型不是 JPEG/PNG/WebP 图片' }]);
    let thumb: Buffer | null = null;
    let width: number | null = null;
    let height: number | null = null;
    if (sharp) {
      try {
        const meta = await sharp(f.data).metadata();
        width = meta.width ?? null;
        height = meta.height ?? null;
        thumb = await sharp(f.data).rotate().resize(THUMB_WIDTH, THUMB_WIDTH, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 70 }).toBuffer();
      } catch {
        throw invalid('照片已损坏，无法读取', [{ field: `file.${i}`, message: '图片无法解码' }]);
      }
    }
    prepared.push({ id: newId(), mime: type.mime, ext: type.ext, data: f.data, thumb, width, height, name: f.filename?.slice(0, 200) ?? null });
  }
  const now = ctx.clock.now();
  const root = uploadsRoot(ctx);
  const sub = now.toISOString().slice(0, 7).replace('-', '/');
  const written: string[] = [];
  const rows: Array<Omit<FilesTable, 'created_at'> & { created_at: Date }> = [];
  try {
    for (const p of prepared) {
      const path = join(root, sub, `${p.id}.${p.ext}`);
      await mkdir(dirname(path), { recursive: true });
      // remembered before writing: a write that fails part-way (disk full) leaves a file to remove
      written.push(path);
      await writeFile(path, p.data);
      let thumbPath: string | null = null;
      if (p.thumb) {
        thumbPath = join(root, sub, `${p.id}.thumb.webp`);
        written.push(thumbPath);
        await writeFile(thumbPath, p.thumb);
      }
      rows.push({
        id: p.id,
        owner_user_id: actor.userId,
        mime: p.mime,
        size: p.data.length,
        sha256: createHash('sha256').update(p.data).digest('hex'),
        path: relative(root, path),
        thumb_path: thumbPath ? relative(root, thumbPath) : null,
        width: p.width,
        height: p.height,
        original_name: p.name,
        ref_type: null,
        ref_id: null,
        created_at: now,
      });
    }
    await withTx(ctx, async (trx) => {
      await trx.insertInto('files').values(rows).execute();
      await audit(trx, ctx.clock, actor, { action: 'files.upload', entity: 'file', entityId: rows.length === 1 ? rows[0]!.id : null, after: rows.map((r) => ({ id: r.id, mime: r.mime, size: r.size, sha256: r.sha256 })) });
    });
  } catch (err) {
    await Promise.all(written.map((p) => unlink(p).catch(() => {})));
    throw err;
  }
  return rows.map(view);
}

/** Who may read a file attached to something: the owning module answers (e.g. cases: can the actor see the case). */
export type FileAccessResolver = (ctx: AppContext, actor: Actor, refId: string) => Promise<boolean>;
const resolvers = new Map<string, FileAccessResolver>();
export function registerFileAccess(refType: string, fn: FileAccessResolver): void {
  resolvers.set(refType, fn);
}

/**
 * Attaches uploaded files to a record, inside the caller's transaction. Only the uploader (or the
 * system) may attach a file, and a file belongs to one record.
 */
export async function attachFiles(trx: Executor, actor: Actor, ids: string[], refType: string, refId: string): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const rows = await trx.selectFrom('files').select(['id', 'owner_user_id', 'ref_type', 'ref_id']).where('id', 'in', unique).execute();
  const system = actor.userId === null && hasRole(actor, 'admin');
  for (const id of unique) {
    const r = rows.find((x) => x.id === id);
    if (!r) throw invalid('照片不存在，请重新上传', [{ field: 'photos', message: `照片 ${id} 不存在` }]);
    if (!system && r.owner_user_id !== actor.userId) throw invalid('只能使用自己上传的照片', [{ field: 'photos', message: `照片 ${id} 不是您上传的` }]);
    if (r.ref_id && (r.ref_type !== refType || r.ref_id !== refId)) throw invalid('照片已用于其他记录', [{ field: 'photos', message: `照片 ${id} 已被使用` }]);
  }
  await trx.updateTable('files').set({ ref_type: refType, ref_id: refId }).where('id', 'in', unique).execute();
}

export async function fileViews(db: Executor, ids: string[]): Promise<FileView[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('files').select(['id', 'mime', 'size', 'width', 'height', 'thumb_path', 'created_at']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is NonNullable<typeof r> => !!r).map(view);
}

/** Reads a file (or its thumbnail) for an actor allowed to see it; others get 404. */
export async function readFileFor(ctx: AppContext, actor: Actor, id: string, thumb: boolean): Promise<{ data: Buffer; mime: string }> {
  const f = await ctx.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
  if (!f) throw notFound('文件不存在');
  let ok = f.owner_user_id !== null && f.owner_user_id === actor.userId;
  if (!ok && hasRole(actor, 'admin', 'auditor')) ok = true;
  if (!ok && f.ref_type && f.ref_id) {
    const r = resolvers.get(f.ref_type);
    ok = r ? await r(ctx, actor, f.ref_id) : false;
  }
  if (!ok) throw notFound('文件不存在');
  const rel = thumb ? f.thumb_path : f.path;
  if (!rel) throw notFound('该照片没有缩略图');
  const root = uploadsRoot(ctx);
  const abs = resolve(root, rel);
  if (!abs.startsWith(root)) throw notFound('文件不存在');
  try {
    return { data: await readFile(abs), mime: thumb ? 'image/webp' : f.mime };
  } catch {
    throw notFound('文件已丢失');
  }
}
