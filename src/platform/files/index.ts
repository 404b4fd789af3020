import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../context.js';
import type { ModuleManifest } from '../module.js';
import { actorOf } from '../http/app.js';
import { ErrorResponse, IdParams } from '../http/schemas.js';
import { MAX_PHOTO_BYTES, MAX_PHOTOS, readFileFor, storePhotos } from './service.js';
import { readUploads } from '../http/multipart.js';

export { storePhotos, attachFiles, fileViews, registerFileAccess, sniffImage, MAX_PHOTO_BYTES, MAX_PHOTOS, type FileView, type FileAccessResolver } from './service.js';

const FileSchema = Type.Object({
  id: Type.String(),
  mime: Type.String(),
  size: Type.Integer(),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.String(),
  thumbUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

async function filesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['files'];
  app.post(
    '/files',
    {
      config: { auth: 'user' },
      bodyLimit: (MAX_PHOTO_BYTES + 64 * 1024) * MAX_PHOTOS,
      schema: {
        tags,
        summary: `上传照片（multipart/form-data，字段名 file，最多 ${MAX_PHOTOS} 张，每张不超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB，JPEG/PNG/WebP）`,
        consumes: ['multipart/form-data'],
        response: { 201: Type.Array(FileSchema), 400: ErrorResponse, 413: ErrorResponse },
      },
    },
    async (req, reply) => {
      const files = (
        await readUploads(req, { maxBytes: MAX_PHOTO_BYTES, maxFiles: MAX_PHOTOS, notMultipart: '请以 multipart/form-data 上传照片', tooLarge: `照片不能超过 ${MAX_PHOTO_BYTES / 1024 / 1024} MB`, tooMany: `一次最多上传 ${MAX_PHOTOS} 张照片` })
      ).map((f) => ({ data: f.data, filename: f.fileName }));
      return reply.status(201).send(await storePhotos(ctx, actorOf(req), files));
    },
  );
  const serve = (thumb: boolean) => async (req: { params: Static<typeof IdParams> } & Parameters<typeof actorOf>[0], reply: import('fastify').FastifyReply) => {
    const f = await readFileFor(ctx, actorOf(req), req.params.id, thumb);
    reply.header('Cache-Control', 'private, max-age=3600');
    reply.header('X-Content-Type-Options', 'nosniff');
    return reply.type(f.mime).send(f.data);
  };
  app.get<{ Params: Static<typeof IdParams> }>('/files/:id', { config: { auth: 'user' }, schema: { tags, summary: '照片原图', params: IdParams } }, serve(false) as never);
  app.get<{ Params: Static<typeof IdParams> }>('/files/:id/thumb', { config: { auth: 'user' }, schema: { tags, summary: '照片缩略图（WebP，宽不超过 320）', params: IdParams } }, serve(true) as never);
}

export const filesModule: ModuleManifest = {
  name: 'files',
  routes: filesRoutes,
};
