import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { invalid } from '../../platform/errors.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import * as svc from './imports.js';
import * as s from './imports-schemas.js';
import { readUploads } from '../../platform/http/multipart.js';

const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** External records (12345 hotline, petitions): import from CSV/XLSX and analysis. Registered by routes.ts. */
export async function externalImportRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['analytics · 外部数据导入'];
  const P = '/analytics/external-imports';

  app.get(`${P}/template`, { config: { permission: 'analytics.import' }, schema: { tags, summary: '12345 工单 / 信访记录导入模板（XLSX）' } }, async (_req, reply) => {
    reply.header('Content-Disposition', 'attachment; filename="external-records-template.xlsx"');
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await svc.importTemplate());
  });

  app.post<{ Querystring: s.UploadQuery }>(
    P,
    {
      config: { permission: 'analytics.import' },
      bodyLimit: MAX_IMPORT_BYTES + 64 * 1024,
      schema: { tags, summary: '上传 CSV / XLSX：自动匹配列、逐行校验并预览（尚未导入）', consumes: ['multipart/form-data'], querystring: s.UploadQuery, response: { 400: ErrorResponse, 403: ErrorResponse, 413: ErrorResponse } },
    },
    async (req, reply) => {
      const [file] = await readUploads(req, { maxBytes: MAX_IMPORT_BYTES, maxFiles: 1, notMultipart: '请以 multipart/form-data 上传 CSV 或 XLSX 文件（字段名 file）', tooLarge: '文件不能超过 10 MB', tooMany: '一次只能上传一个文件' });
      if (!file || file.data.length === 0) throw invalid('请上传 CSV 或 XLSX 文件（字段名 file）');
      return reply.status(201).send(await svc.uploadImport(ctx, actorOf(req), file, { source: req.query.source ?? null }));
    },
  );
  app.get(P, { config: { permission: 'analytics.import' }, schema: { tags, summary: '外部数据导入任务' } }, async (req) => svc.listImports(ctx, actorOf(req)));
  app.get<{ Params: { id: string } }>(`${P}/:id`, { config: { permission: 'analytics.import' }, schema: { tags, summary: '导入任务：列映射、进度与错误行', params: IdParams, response: { 404: ErrorResponse } } }, async (req) => svc.getImport(ctx, actorOf(req), req.params.id));
  app.put<{ Params: { id: string }; Body: s.MappingBody }>(
    `${P}/:id/mapping`,
    { config: { permission: 'analytics.import' }, schema: { tags, summary: '修改列映射并重新校验预览', params: IdParams, body: s.MappingBody, response: { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse } } },
    async (req) => svc.setImportMapping(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Params: { id: string } }>(`${P}/:id/commit`, { config: { permission: 'analytics.import' }, schema: { tags, summary: '确认导入（后台分批执行，可查看进度）', params: IdParams, response: { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse } } }, async (req, reply) =>
    reply.status(202).send(await svc.commitImport(ctx, actorOf(req), req.params.id)),
  );
  app.post<{ Params: { id: string } }>(`${P}/:id/cancel`, { config: { permission: 'analytics.import' }, schema: { tags, summary: '取消待确认的导入', params: IdParams, response: { 404: ErrorResponse, 409: ErrorResponse } } }, async (req) => svc.cancelImport(ctx, actorOf(req), req.params.id));
  app.get<{ Params: { id: string }; Querystring: s.ErrorsQuery }>(
    `${P}/:id/errors`,
    { config: { permission: 'analytics.import' }, schema: { tags, summary: '导出错误行（CSV 或 XLSX）', params: IdParams, querystring: s.ErrorsQuery, response: { 404: ErrorResponse } } },
    async (req, reply) => {
      const f = await svc.exportImportErrors(ctx, actorOf(req), req.params.id, req.query.format ?? 'xlsx');
      reply.header('Content-Disposition', `attachment; filename="${f.fileName}"`);
      return reply.type(f.contentType).send(f.body);
    },
  );

  const R = '/analytics/external-records';
  app.get<{ Querystring: s.RecordQuery }>(
    R,
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '已导入的 12345 工单与信访记录（本辖区，分页筛选；来电号码脱敏）', querystring: s.RecordQuery, response: { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (req) => svc.listExternalRecords(ctx, actorOf(req), req.query),
  );
  app.get<{ Querystring: s.StatsQuery }>(
    `${R}/stats`,
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '外部记录统计：按来源、分类、网格计数，重复地址与重复来电', querystring: s.StatsQuery, response: { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (req) => svc.externalRecordStats(ctx, actorOf(req), req.query),
  );
  app.post<{ Params: { id: string }; Querystring: s.RevealQuery }>(
    `${R}/:id/reveal-phone`,
    { config: { permission: 'pii.reveal' }, schema: { tags, summary: '查看完整来电号码（记录查看日志）', params: IdParams, querystring: s.RevealQuery, response: { 403: ErrorResponse, 404: ErrorResponse } } },
    async (req) => svc.revealExternalPhone(ctx, actorOf(req), req.params.id, req.query.reason),
  );
}
