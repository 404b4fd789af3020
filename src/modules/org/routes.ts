import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams, Page } from '../../platform/http/schemas.js';
import type { Level } from './repository.js';
import * as svc from './service.js';
import * as s from './schemas.js';

export async function orgRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['org'];

  app.get<{ Querystring: Static<typeof s.NodesQuery> }>(
    '/org/nodes',
    { config: { permission: 'org.read' }, schema: { tags, summary: '组织节点列表（区/街道/社区/小区/网格/楼栋/户）', querystring: s.NodesQuery, response: { 200: Type.Array(s.NodeSchema) } } },
    async (req) => svc.listNodes(ctx, actorOf(req), { levels: req.query.level as Level[] | undefined, parentId: req.query.parentId, withGeometry: req.query.geometry }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/org/nodes/:id',
    { config: { permission: 'org.read' }, schema: { tags, summary: '节点详情（含上级与下级）', params: IdParams, response: { 404: ErrorResponse } } },
    async (req) => svc.getNode(ctx, actorOf(req), req.params.id),
  );

  app.post<{ Body: Static<typeof s.NodeBody> }>(
    '/org/nodes',
    { config: { permission: 'org.write' }, schema: { tags, summary: '新建或按编码更新节点', body: s.NodeBody } },
    async (req, reply) => {
      const r = await svc.upsertNodes(ctx, actorOf(req), [req.body]);
      return reply.status(r.created ? 201 : 200).send(r);
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/org/nodes/:id',
    { config: { permission: 'org.write' }, schema: { tags, summary: '删除节点（须无下级、无居民）', params: IdParams } },
    async (req, reply) => {
      await svc.deleteNode(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: Static<typeof s.LocateQuery> }>(
    '/org/locate',
    { config: { auth: 'public' }, schema: { tags, summary: '坐标（GCJ-02）→ 网格、小区、社区', querystring: s.LocateQuery, response: { 200: s.LocateResponse } } },
    async (req) => svc.locatePoint(ctx, req.query.lng, req.query.lat),
  );

  app.get<{ Querystring: Static<typeof s.ExportQuery> }>(
    '/org/geojson',
    { config: { permission: 'org.read' }, schema: { tags, summary: '导出组织树与边界（GeoJSON）', querystring: s.ExportQuery } },
    async (req, reply) => {
      const fc = await svc.exportGeoJson(ctx, actorOf(req), (req.query.level as Level[] | undefined) ?? ['district', 'street', 'community', 'estate', 'grid', 'building']);
      reply.header('Content-Disposition', 'attachment; filename="onegrid-org.geojson"');
      return reply.type('application/geo+json').send(fc);
    },
  );

  app.post(
    '/org/geojson',
    { config: { permission: 'org.write' }, bodyLimit: 20 * 1024 * 1024, schema: { tags, summary: '导入组织树与边界（GeoJSON FeatureCollection，按编码新增或更新）', body: Type.Object({ type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Any()) }) } },
    async (req) => svc.importGeoJson(ctx, actorOf(req), req.body),
  );

  app.get('/org/departments', { config: { auth: 'user' }, schema: { tags, summary: '处置部门', response: { 200: Type.Array(s.DepartmentSchema) } } }, async () => svc.listDepartments(ctx));

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof s.DepartmentPatch> }>(
    '/org/departments/:id',
    { config: { permission: 'org.write.all' }, schema: { tags, summary: '修改部门（名称、服务区域、电话、启用）', params: IdParams, body: s.DepartmentPatch, response: { 200: s.DepartmentSchema } } },
    async (req) => svc.updateDepartment(ctx, actorOf(req), req.params.id, req.body),
  );

  app.get<{ Querystring: Static<typeof s.ResidentsQuery> }>(
    '/org/residents',
    { config: { permission: 'residents.read' }, schema: { tags, summary: '居民（实有人口）列表，个人信息已脱敏', querystring: s.ResidentsQuery, response: { 200: Page(s.ResidentSchema), 403: ErrorResponse } } },
    async (req) => svc.listResidents(ctx, actorOf(req), req.query),
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof s.RevealQuery> }>(
    '/org/residents/:id',
    { config: { auth: 'user' }, schema: { tags, summary: '居民详情；reveal=phone 等显示完整信息（记录访问日志）', params: IdParams, querystring: s.RevealQuery, response: { 200: s.ResidentSchema, 404: ErrorResponse } } },
    async (req) => svc.getResident(ctx, actorOf(req), req.params.id, req.query.reveal ?? []),
  );

  app.post<{ Body: Static<typeof s.ResidentBody> }>(
    '/org/residents',
    { config: { permission: 'residents.write' }, schema: { tags, summary: '登记居民', body: s.ResidentBody, response: { 201: s.ResidentSchema } } },
    async (req, reply) => reply.status(201).send(await svc.createResident(ctx, actorOf(req), req.body)),
  );

  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof s.TagsBody> }>(
    '/org/residents/:id/tags',
    { config: { permission: 'residents.write' }, schema: { tags, summary: '设置居民标签', params: IdParams, body: s.TagsBody, response: { 200: s.ResidentSchema } } },
    async (req) => svc.setResidentTags(ctx, actorOf(req), req.params.id, req.body.tags),
  );
}
