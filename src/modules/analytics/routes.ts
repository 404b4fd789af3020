import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import * as svc from './service.js';
import * as reports from './reports.js';
import * as s from './schemas.js';
import { LiveStream } from './stream.js';
import { externalImportRoutes } from './imports-routes.js';

export async function analyticsRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['analytics'];
  const live = new LiveStream(ctx);
  app.addHook('onClose', async () => live.close());
  await externalImportRoutes(app, ctx);

  app.get<{ Querystring: s.PeriodQuery }>(
    '/analytics/dashboard',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '指挥中心大屏数据：今日指标、趋势、分类与部门、网格排名、预警', querystring: s.PeriodQuery, response: { 400: ErrorResponse, 403: ErrorResponse } } },
    async (req) => svc.getDashboard(ctx, actorOf(req), req.query),
  );

  app.get<{ Querystring: s.HotspotQuery }>(
    '/analytics/hotspots',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '热点：按网格、按分类计数，热力点与空间聚类（DBSCAN）', querystring: s.HotspotQuery, response: { 400: ErrorResponse, 403: ErrorResponse } } },
    async (req) => svc.getHotspots(ctx, actorOf(req), req.query),
  );

  app.get<{ Querystring: s.RepeatQuery }>(
    '/analytics/repeats',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '高频与重复问题：同一地址、同一反映人多次上报', querystring: s.RepeatQuery, response: { 400: ErrorResponse, 403: ErrorResponse } } },
    async (req) => svc.getRepeats(ctx, actorOf(req), req.query),
  );

  app.get<{ Querystring: s.PeriodQuery }>(
    '/analytics/warnings',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '异常预警列表', querystring: s.PeriodQuery, response: { 400: ErrorResponse, 403: ErrorResponse } } },
    async (req) => svc.listWarnings(ctx, actorOf(req), req.query),
  );

  app.post<{ Params: { id: string } }>(
    '/analytics/warnings/:id/ack',
    { config: { permission: 'analytics.warnings.ack' }, schema: { tags, summary: '确认预警（已知晓、已安排处置）', params: IdParams, response: { 404: ErrorResponse } } },
    async (req) => svc.acknowledgeWarning(ctx, actorOf(req), req.params.id),
  );

  app.get<{ Querystring: s.ReportQuery }>(
    '/analytics/reports',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '周报、月报：指标与上期对比、每日趋势、高发问题、部门与网格排名、预警；format=pdf|xlsx 下载（记入审计）', querystring: s.ReportQuery, response: { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse } } },
    async (req, reply) => {
      const { format, ...q } = req.query;
      if (!format || format === 'json') return reports.buildReport(ctx, actorOf(req), q);
      const file = await reports.exportReport(ctx, actorOf(req), { ...q, format });
      reply.header('Content-Disposition', `attachment; filename="${file.filename.ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename.utf8)}`);
      return reply.type(file.contentType).send(file.body);
    },
  );

  app.get(
    '/analytics/reports/scopes',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '可出报表的范围：本辖区及其下的街道、社区', response: { 403: ErrorResponse } } },
    async (req) => reports.reportScopes(ctx, actorOf(req)),
  );

  app.get<{ Querystring: { nodeId?: string } }>(
    '/analytics/stream',
    { config: { permission: 'analytics.view' }, schema: { tags, summary: '实时推送（SSE）：新上报的事件、状态变化、告警与预警', querystring: s.StreamQuery } },
    async (req, reply) => {
      const path = await svc.analyticsPath(ctx, actorOf(req), req.query.nodeId);
      reply.hijack();
      live.add(reply.raw, path);
    },
  );
}
