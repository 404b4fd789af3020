import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { IdParams } from '../../platform/http/schemas.js';
import * as svc from './service.js';

const Purpose = Type.Union(Object.keys(svc.CONSENT_PURPOSES).map((p) => Type.Literal(p)));
const ConsentBody = Type.Object(
  { purpose: Purpose, granted: Type.Boolean(), residentId: Type.Optional(Type.String({ format: 'uuid' })), note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
const DeletionBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export async function privacyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['privacy'];
  app.get('/privacy/me/export', { config: { auth: 'user' }, schema: { tags, summary: '导出本人个人信息（个人信息保护法第45条）' } }, async (req, reply) => {
    const data = await svc.exportMyData(ctx, actorOf(req));
    reply.header('Content-Disposition', 'attachment; filename="my-onegrid-data.json"');
    return data;
  });
  app.get('/privacy/me/consents', { config: { auth: 'user' }, schema: { tags, summary: '本人授权同意记录' } }, async (req) => svc.myConsents(ctx, actorOf(req)));
  app.post<{ Body: Static<typeof ConsentBody> }>('/privacy/consents', { config: { auth: 'user' }, schema: { tags, summary: '同意或撤回授权（本人，或工作人员代为登记）', body: ConsentBody } }, async (req, reply) =>
    reply.status(201).send(await svc.recordConsent(ctx, actorOf(req), { ...req.body, purpose: req.body.purpose as svc.ConsentPurpose })),
  );
  app.post<{ Body: Static<typeof DeletionBody> }>('/privacy/me/deletion-request', { config: { auth: 'user' }, schema: { tags, summary: '申请删除本人个人信息（个人信息保护法第47条）', body: DeletionBody } }, async (req, reply) =>
    reply.status(201).send(await svc.requestDeletion(ctx, actorOf(req), req.body.note)),
  );
  app.get('/privacy/deletion-requests', { config: { permission: 'privacy.manage' }, schema: { tags, summary: '个人信息删除申请' } }, async (req) => svc.listDeletionRequests(ctx, actorOf(req)));
  app.post<{ Params: Static<typeof IdParams> }>(
    '/privacy/deletion-requests/:id/execute',
    { config: { permission: 'privacy.manage' }, schema: { tags, summary: '办理删除申请（依法保留的例外会记录原因）', params: IdParams } },
    async (req) => svc.executeDeletion(ctx, actorOf(req), req.params.id),
  );
}
