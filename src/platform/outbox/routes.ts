import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { actorOf } from '../http/app.js';
import { IdParams, PageQuery } from '../http/schemas.js';
import * as svc from './service.js';

const SubscriberBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    url: Type.String({ minLength: 8, maxLength: 2000 }),
    events: Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 10 }),
    secret: Type.String({ minLength: 16, maxLength: 200 }),
  },
  { additionalProperties: false },
);
const SubscriberPatch = Type.Partial(Type.Object({ ...SubscriberBody.properties, active: Type.Boolean() }), { additionalProperties: false });
const DeliveriesQuery = Type.Object({
  subscriberId: Type.Optional(Type.String({ format: 'uuid' })),
  state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')])),
  ...PageQuery,
});

export async function outboxRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['webhooks'];
  const config = { permission: 'webhooks.manage' };

  app.get('/webhooks/events', { config, schema: { tags, summary: '可订阅的事件类型' } }, async () => svc.WEBHOOK_EVENTS.map((code) => ({ code, name: svc.WEBHOOK_EVENT_NAMES[code] })));

  app.get('/webhooks/subscribers', { config, schema: { tags, summary: 'Webhook 订阅列表' } }, async () => svc.listSubscribers(ctx));

  app.post<{ Body: Static<typeof SubscriberBody> }>('/webhooks/subscribers', { config, schema: { tags, summary: '新建 Webhook 订阅', body: SubscriberBody } }, async (req, reply) =>
    reply.status(201).send(await svc.createSubscriber(ctx, actorOf(req), req.body)),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof SubscriberPatch> }>(
    '/webhooks/subscribers/:id',
    { config, schema: { tags, summary: '修改或停用 Webhook 订阅', params: IdParams, body: SubscriberPatch } },
    async (req) => svc.updateSubscriber(ctx, actorOf(req), req.params.id, req.body),
  );

  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>('/webhooks/deliveries', { config, schema: { tags, summary: '投递日志', querystring: DeliveriesQuery } }, async (req) => svc.listDeliveries(ctx, req.query));

  app.get<{ Params: Static<typeof IdParams> }>('/webhooks/deliveries/:id', { config, schema: { tags, summary: '投递详情与每次尝试', params: IdParams } }, async (req) => svc.getDelivery(ctx, req.params.id));

  app.post<{ Params: Static<typeof IdParams> }>('/webhooks/deliveries/:id/replay', { config, schema: { tags, summary: '重新投递', params: IdParams } }, async (req) => svc.replayDelivery(ctx, actorOf(req), req.params.id));
}
