import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import { invalid } from '../../platform/errors.js';
import * as svc from './service.js';
import * as s from './schemas.js';

export async function iotRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['iot'];
  // CSV upload as text/csv (this plugin's scope only).
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  // ---- device API (ThingsBoard HTTP): POST /api/v1/{token}/telemetry and /attributes
  for (const kind of ['telemetry', 'attributes'] as const) {
    app.post<{ Params: Static<typeof s.TokenParams> }>(
      `/v1/:token/${kind}`,
      {
        config: { auth: 'public' },
        bodyLimit: 1024 * 1024,
        schema: { tags, summary: kind === 'telemetry' ? '设备上报遥测（ThingsBoard HTTP 接口，令牌即设备凭证）' : '设备上报客户端属性（ThingsBoard HTTP 接口）', params: s.TokenParams, response: { 400: ErrorResponse, 401: ErrorResponse } },
      },
      async (req, reply) => {
        await svc.ingestHttp(ctx, req.params.token, kind, req.body);
        return reply.status(200).send({});
      },
    );
  }

  app.get('/iot/device-types', { config: { permission: 'iot.read' }, schema: { tags, summary: '设备类型（遥测键与单位）与井盖类型' } }, async () => svc.listDeviceTypes(ctx));
  app.get('/iot/overview', { config: { permission: 'iot.read' }, schema: { tags, summary: '设备在线与告警概况、MQTT 接入状态' } }, async (req) => svc.overview(ctx, actorOf(req)));

  app.get<{ Querystring: Static<typeof s.DeviceQuery> }>(
    '/iot/devices',
    { config: { permission: 'iot.read' }, schema: { tags, summary: '设备列表（类型、在线、告警、网格、部门、地图视野筛选，分页）', querystring: s.DeviceQuery } },
    async (req) => svc.listDevices(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.DeviceBody> }>(
    '/iot/devices',
    { config: { permission: 'iot.devices.write' }, schema: { tags, summary: '登记设备（返回访问令牌）', body: s.DeviceBody } },
    async (req, reply) => reply.status(201).send(await svc.createDevice(ctx, actorOf(req), req.body)),
  );
  app.post(
    '/iot/devices/import',
    {
      config: { permission: 'iot.devices.write' },
      bodyLimit: 5 * 1024 * 1024,
      schema: { tags, summary: 'CSV 导入设备（text/csv，或 JSON {csv}；表头 name,type,lng,lat,address,department,coverType,token）' },
    },
    async (req) => {
      const b = req.body as unknown;
      const csv = typeof b === 'string' ? b : b && typeof b === 'object' && typeof (b as { csv?: unknown }).csv === 'string' ? (b as { csv: string }).csv : null;
      if (!csv) throw invalid('请以 text/csv 上传，或提交 JSON {"csv": "..."}');
      return svc.importDevicesCsv(ctx, actorOf(req), csv);
    },
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/iot/devices/:id',
    { config: { permission: 'iot.read' }, schema: { tags, summary: '设备详情（最新遥测值、关联案卷）', params: IdParams, response: { 404: ErrorResponse } } },
    async (req) => svc.getDevice(ctx, actorOf(req), req.params.id),
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof s.DevicePatch> }>(
    '/iot/devices/:id',
    { config: { permission: 'iot.devices.write' }, schema: { tags, summary: '修改设备', params: IdParams, body: s.DevicePatch } },
    async (req) => svc.updateDevice(ctx, actorOf(req), req.params.id, req.body),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/iot/devices/:id/credentials',
    { config: { permission: 'iot.devices.write' }, schema: { tags, summary: '查看设备访问令牌（记录访问）', params: IdParams } },
    async (req) => svc.revealCredentials(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.RotateBody> }>(
    '/iot/devices/:id/credentials',
    { config: { permission: 'iot.devices.write' }, schema: { tags, summary: '更换设备访问令牌', params: IdParams, body: s.RotateBody } },
    async (req) => svc.rotateCredentials(ctx, actorOf(req), req.params.id, req.body?.token),
  );
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof s.SeriesQuery> }>(
    '/iot/devices/:id/telemetry',
    { config: { permission: 'iot.read' }, schema: { tags, summary: '遥测曲线（时间范围；原始或按小时/天汇总）', params: IdParams, querystring: s.SeriesQuery } },
    async (req) => svc.telemetrySeries(ctx, actorOf(req), req.params.id, req.query),
  );

  app.get<{ Querystring: Static<typeof s.RulesQuery> }>(
    '/iot/rules',
    { config: { permission: 'iot.read' }, schema: { tags, summary: '告警规则', querystring: s.RulesQuery } },
    async (req) => svc.listRules(ctx, actorOf(req), req.query.deviceType),
  );
  app.post<{ Body: Static<typeof s.RuleCreate> }>(
    '/iot/rules',
    { config: { permission: 'iot.rules.write' }, schema: { tags, summary: '新增告警规则', body: s.RuleCreate } },
    async (req, reply) => reply.status(201).send(await svc.createRule(ctx, actorOf(req), req.body)),
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof s.RulePatch> }>(
    '/iot/rules/:id',
    { config: { permission: 'iot.rules.write' }, schema: { tags, summary: '修改告警规则（阈值、持续时间、回差、离线分钟、级别、是否生成案卷）', params: IdParams, body: s.RulePatch } },
    async (req) => svc.updateRule(ctx, actorOf(req), req.params.id, req.body),
  );

  app.get<{ Querystring: Static<typeof s.AlarmsQuery> }>(
    '/iot/alarms',
    { config: { permission: 'iot.read' }, schema: { tags, summary: '告警列表（状态、级别、设备、类型、时间筛选，分页）', querystring: s.AlarmsQuery } },
    async (req) => svc.listAlarms(ctx, actorOf(req), req.query),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/iot/alarms/:id',
    { config: { permission: 'iot.read' }, schema: { tags, summary: '告警详情', params: IdParams, response: { 404: ErrorResponse } } },
    async (req) => svc.getAlarm(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/iot/alarms/:id/ack',
    { config: { permission: 'iot.alarms.ack' }, schema: { tags, summary: '确认告警', params: IdParams } },
    async (req) => svc.ackAlarm(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/iot/alarms/:id/clear',
    { config: { permission: 'iot.alarms.ack' }, schema: { tags, summary: '手动清除告警', params: IdParams } },
    async (req) => svc.clearAlarm(ctx, actorOf(req), req.params.id),
  );
}
