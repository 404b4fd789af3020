import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorFromApiKey } from '../../platform/auth/service.js';
import { toXml, type XmlValue } from './xml.js';
import * as svc from './service.js';
import { EXCHANGE_SYSTEM_RE, exportCases, importExchange } from './exchange.js';
import { actorOf } from '../../platform/http/app.js';
import type { Actor } from '../../platform/auth/actor.js';

type Fmt = 'json' | 'xml';
const FORMATS: Fmt[] = ['json', 'xml'];

/** XML root and item element names of each Open311 document. */
const XML_SHAPES = {
  services: ['services', 'service'],
  requests: ['service_requests', 'request'],
  errors: ['errors', 'error'],
} as const;

function send(reply: FastifyReply, fmt: Fmt, status: number, json: unknown, xml: () => string): FastifyReply {
  reply.status(status);
  if (fmt === 'xml') return reply.type('text/xml; charset=utf-8').send(xml());
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(json));
}

function sendList(reply: FastifyReply, fmt: Fmt, shape: keyof typeof XML_SHAPES, items: unknown[], status = 200): FastifyReply {
  const [root, item] = XML_SHAPES[shape];
  return send(reply, fmt, status, items, () => toXml(root, { [item]: items as XmlValue[] }));
}

function sendError(reply: FastifyReply, fmt: Fmt, e: svc.Open311Error): FastifyReply {
  return sendList(reply, fmt, 'errors', [{ code: e.status, description: e.description }], e.status);
}

const fmtOf = (req: FastifyRequest): Fmt => (/\.xml(\?|$)/.test(req.url) ? 'xml' : 'json');

function splitFile(file: string): { id: string; fmt: Fmt } {
  const m = /^(.+)\.(json|xml)$/.exec(file);
  if (!m) throw new svc.Open311Error(404, '不支持的格式，请使用 .json 或 .xml');
  return { id: m[1]!, fmt: m[2] as Fmt };
}

const FileParams = Type.Object({ file: Type.String({ minLength: 1, maxLength: 200 }) });
const RequestsQuery = Type.Object({
  service_request_id: Type.Optional(Type.String({ maxLength: 2000 })),
  service_code: Type.Optional(Type.String({ maxLength: 500 })),
  start_date: Type.Optional(Type.String({ maxLength: 40 })),
  end_date: Type.Optional(Type.String({ maxLength: 40 })),
  status: Type.Optional(Type.String({ maxLength: 20 })),
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })),
});
const PostBody = Type.Object(
  { api_key: Type.Optional(Type.String({ maxLength: 200 })), service_code: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: Type.Union([Type.String({ maxLength: 4000 }), Type.Array(Type.String({ maxLength: 4000 }), { maxItems: 10 })]) },
);

/** Open311 GeoReport v2 at /api/open311/v2, as an adapter over cases. */
export async function open311Routes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await app.register(
    async (o) => {
      o.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_req, body, done) => {
        const p = new URLSearchParams(body as string);
        const out: Record<string, string | string[]> = {};
        for (const k of new Set(p.keys())) {
          const all = p.getAll(k);
          out[k] = all.length === 1 ? all[0]! : all;
        }
        done(null, out);
      });
      o.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number }, req, reply) => {
        const fmt = fmtOf(req);
        const e = svc.toOpen311Error(err);
        if (e) return sendError(reply, fmt, e);
        if (err.validation || (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)) return sendError(reply, fmt, new svc.Open311Error(err.statusCode === 404 ? 404 : 400, '请求参数不正确'));
        req.log.error({ err }, 'open311 error');
        return reply.status(500).type('application/json; charset=utf-8').send(JSON.stringify([{ code: 500, description: '服务器内部错误' }]));
      });
      const tags = ['open311'];
      const config = { auth: 'public' as const };

      for (const fmt of FORMATS) {
        o.get(`/discovery.${fmt}`, { config, schema: { tags, summary: 'Open311 发现文档' } }, async (req, reply) => {
          const base = `${req.protocol}://${req.host}/api/open311/v2/`;
          const doc = {
            changeset: '2026-11-01T00:00:00+08:00',
            contact: 'OneGrid 一网统管平台运维组',
            key_service: '请联系平台管理员申请 API 密钥（需要 open311.submit 权限）',
            endpoints: [{ specification: 'http://wiki.open311.org/GeoReport_v2', url: base, changeset: '2026-11-01T00:00:00+08:00', type: 'production', formats: ['application/json', 'text/xml'] }],
          };
          return send(reply, fmt, 200, doc, () => toXml('discovery', { ...doc, endpoints: { endpoint: doc.endpoints.map((e) => ({ ...e, formats: { format: e.formats } })) } }));
        });

        o.get(`/services.${fmt}`, { config, schema: { tags, summary: '服务列表（每个事件分类一个服务）', querystring: Type.Object({ jurisdiction_id: Type.Optional(Type.String({ maxLength: 100 })) }) } }, async (_req, reply) =>
          sendList(reply, fmt, 'services', await svc.listServices(ctx)),
        );

        o.get(`/requests.${fmt}`, { config, schema: { tags, summary: '诉求列表', querystring: RequestsQuery } }, async (req, reply) =>
          sendList(reply, fmt, 'requests', await svc.listRequests(ctx, req.query as Record<string, string | undefined>)),
        );

        o.post(`/requests.${fmt}`, { config, schema: { tags, summary: '提交诉求（表单编码，须 api_key）', body: PostBody } }, async (req, reply) => {
          const form = (req.body ?? {}) as svc.Form;
          // The spec requires api_key: a session cookie is not enough. The key comes as the form field
          // or as `Authorization: Bearer` (resolved by the platform into an actor that carries its key id).
          const key = typeof form.api_key === 'string' && form.api_key.trim() !== '' ? form.api_key.trim() : undefined;
          const bearer = req.headers.authorization?.startsWith('Bearer ') ?? false;
          let actor: Actor | null = null;
          if (key) actor = await actorFromApiKey(ctx, key, req.id);
          else if (req.actor?.apiKeyId) actor = req.actor;
          if (!actor) throw new svc.Open311Error(403, key || bearer ? 'api_key 无效或已吊销' : '缺少 api_key（须使用具有 open311.submit 权限的 API 密钥）');
          const r = await svc.submitRequest(ctx, actor, form);
          return sendList(reply, fmt, 'requests', [r], 201);
        });
      }

      o.get('/services/:file', { config, schema: { tags, summary: '服务定义（属性与取值）', params: FileParams } }, async (req, reply) => {
        const { id, fmt } = splitFile((req.params as { file: string }).file);
        const def = await svc.serviceDefinition(ctx, id);
        return send(reply, fmt, 200, def, () => toXml('service_definition', { service_code: def.service_code, attributes: { attribute: def.attributes.map((a) => ({ ...a, values: a.values ? { value: a.values } : undefined })) } }));
      });

      o.get('/tokens/:file', { config, schema: { tags, summary: '令牌换取诉求编号', params: FileParams } }, async (req, reply) => {
        const { id, fmt } = splitFile((req.params as { file: string }).file);
        return sendList(reply, fmt, 'requests', [await svc.resolveToken(ctx, id)]);
      });

      o.get('/requests/:file', { config, schema: { tags, summary: '单个诉求', params: FileParams } }, async (req, reply) => {
        const { id, fmt } = splitFile((req.params as { file: string }).file);
        return sendList(reply, fmt, 'requests', [await svc.getRequest(ctx, id)]);
      });
    },
    { prefix: '/open311/v2' },
  );

  // ---------------------------------------------------------------- data exchange (documented in docs/open311.md)
  const ExportQuery = Type.Object({
    system: Type.String({ pattern: EXCHANGE_SYSTEM_RE.source, maxLength: 40 }),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    escalatedOnly: Type.Optional(Type.Boolean({ default: true })),
  });
  app.get('/exchange/cases', { config: { permission: 'exchange.export' }, schema: { tags: ['exchange'], summary: '导出上报上级平台的案卷（JSON 交换格式）', querystring: ExportQuery } }, async (req) => {
    const q = req.query as { system: string; since?: string; escalatedOnly?: boolean };
    return exportCases(ctx, actorOf(req), q);
  });
  const ImportBody = Type.Object(
    {
      format: Type.Literal('onegrid.exchange/v1'),
      system: Type.String({ pattern: EXCHANGE_SYSTEM_RE.source, maxLength: 40 }),
      items: Type.Array(
        Type.Object(
          {
            type: Type.Union([Type.Literal('case'), Type.Literal('decision')]),
            externalId: Type.String({ minLength: 1, maxLength: 100 }),
            caseNumber: Type.Optional(Type.String({ pattern: '^\\d{13}$' })),
            decision: Type.Optional(Type.Union([Type.Literal('instruct'), Type.Literal('urge'), Type.Literal('reopen')])),
            note: Type.Optional(Type.String({ maxLength: 2000 })),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            serviceCode: Type.Optional(Type.String({ maxLength: 40 })),
            lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
            long: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
            address: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 500 },
      ),
    },
    { additionalProperties: false },
  );
  app.post('/exchange/import', { config: { permission: 'exchange.import' }, schema: { tags: ['exchange'], summary: '导入上级平台下发的案卷与决定（按外部编号幂等）', body: ImportBody } }, async (req) =>
    importExchange(ctx, actorOf(req), req.body as never),
  );
}
