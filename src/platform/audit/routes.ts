import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ModuleManifest } from '../module.js';
import { PageQuery } from '../http/schemas.js';
import { verifyAuditChain } from './audit.js';

const LogQuery = Type.Object({
  entity: Type.Optional(Type.String({ maxLength: 60 })),
  entityId: Type.Optional(Type.String({ maxLength: 80 })),
  actorId: Type.Optional(Type.String({ format: 'uuid' })),
  actingForId: Type.Optional(Type.String({ format: 'uuid' })),
  action: Type.Optional(Type.String({ maxLength: 80 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  ...PageQuery,
});

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  // Leading = + - @ would run as formulas in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function toCsv(header: string[], rows: unknown[][]): string {
  return '\ufeff' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

async function routes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['audit'];
  app.get<{ Querystring: Static<typeof LogQuery> }>(
    '/audit/log',
    { config: { permission: 'audit.read' }, schema: { tags, summary: '审计日志（只读，可导出 CSV）', querystring: LogQuery } },
    async (req, reply) => {
      const q = req.query;
      let b = ctx.db.selectFrom('audit_log');
      if (q.entity) b = b.where('entity', '=', q.entity);
      if (q.entityId) b = b.where('entity_id', '=', q.entityId);
      if (q.actorId) b = b.where('actor_id', '=', q.actorId);
      if (q.actingForId) b = b.where('acting_for_id', '=', q.actingForId);
      if (q.action) b = b.where('action', '=', q.action);
      if (q.from) b = b.where('at', '>=', new Date(q.from));
      if (q.to) b = b.where('at', '<', new Date(q.to));
      const csv = q.format === 'csv';
      const limit = csv ? 50_000 : q.pageSize;
      const [rows, total] = await Promise.all([
        b.selectAll().orderBy('seq', 'desc').limit(limit).offset(csv ? 0 : (q.page - 1) * q.pageSize).execute(),
        b.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      const items = rows.map((r) => ({ seq: r.seq, id: r.id, at: r.at, actorId: r.actor_id, actorName: r.actor_name, actingForId: r.acting_for_id, action: r.action, entity: r.entity, entityId: r.entity_id, before: r.before, after: r.after, requestId: r.request_id, hash: r.hash }));
      if (csv) {
        reply.header('Content-Disposition', 'attachment; filename="audit-log.csv"').type('text/csv; charset=utf-8');
        return toCsv(
          ['序号', '时间', '操作人', '代办对象', '动作', '对象', '对象ID', '变更前', '变更后', '请求ID', '哈希'],
          items.map((i) => [i.seq, i.at, i.actorName, i.actingForId, i.action, i.entity, i.entityId, i.before, i.after, i.requestId, i.hash]),
        );
      }
      return { items, total: Number(total.n), page: q.page, pageSize: q.pageSize };
    },
  );

  app.get<{ Querystring: Static<typeof LogQuery> }>(
    '/audit/data-access',
    { config: { permission: 'audit.read' }, schema: { tags, summary: '个人信息明文访问记录', querystring: LogQuery } },
    async (req) => {
      const q = req.query;
      let b = ctx.db.selectFrom('data_access_log');
      if (q.entity) b = b.where('entity', '=', q.entity);
      if (q.entityId) b = b.where('entity_id', '=', q.entityId);
      if (q.actorId) b = b.where('actor_id', '=', q.actorId);
      if (q.from) b = b.where('at', '>=', new Date(q.from));
      if (q.to) b = b.where('at', '<', new Date(q.to));
      const [rows, total] = await Promise.all([
        b.selectAll().orderBy('at', 'desc').limit(q.pageSize).offset((q.page - 1) * q.pageSize).execute(),
        b.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        items: rows.map((r) => ({ id: r.id, at: r.at, actorId: r.actor_id, actorName: r.actor_name, entity: r.entity, entityId: r.entity_id, fields: r.fields, reason: r.reason, requestId: r.request_id })),
        total: Number(total.n),
        page: q.page,
        pageSize: q.pageSize,
      };
    },
  );

  app.get('/audit/verify', { config: { permission: 'audit.read' }, schema: { tags, summary: '校验审计日志哈希链' } }, async () => verifyAuditChain(ctx.db));
}

export const auditModule: ModuleManifest = { name: 'audit', routes };
