import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import type { ModuleManifest } from '../module.js';
import { actorOf } from '../http/app.js';
import { IdParams, PageQuery } from '../http/schemas.js';
import { DELIVER_JOB, deliveryJob, listChannels, listInbox, markRead, upsertChannel } from './service.js';

export * from './drivers.js';
export { notifyUsers, notificationWrites, channelsForKind, sendToAddress, listInbox, markRead, listChannels, upsertChannel, DELIVER_JOB, type NotificationInput, type NotificationView, type ChannelView, type ChannelRef } from './service.js';

const InboxQuery = Type.Object({ ...PageQuery, unread: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const ChannelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    driver: Type.String({ minLength: 1, maxLength: 32, description: 'console | webhook（以后：sms、wechat）' }),
    config: Type.Record(Type.String(), Type.Any()),
    kinds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

async function notifyRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['notify'];
  app.get<{ Querystring: Static<typeof InboxQuery> }>('/notifications', { config: { auth: 'user' }, schema: { tags, summary: '我的站内消息', querystring: InboxQuery } }, async (req) =>
    listInbox(ctx, actorOf(req), req.query),
  );
  app.post<{ Params: Static<typeof IdParams> }>('/notifications/:id/read', { config: { auth: 'user' }, schema: { tags, summary: '标记为已读', params: IdParams } }, async (req) => markRead(ctx, actorOf(req), req.params.id));
  app.post('/notifications/read-all', { config: { auth: 'user' }, schema: { tags, summary: '全部标记为已读' } }, async (req) => markRead(ctx, actorOf(req), 'all'));
  app.get('/notify/channels', { config: { permission: 'notify.channels' }, schema: { tags, summary: '外部通知渠道（webhook、控制台；短信和微信为后续驱动）' } }, async (req) => listChannels(ctx, actorOf(req)));
  app.put<{ Body: Static<typeof ChannelBody> }>('/notify/channels', { config: { permission: 'notify.channels' }, schema: { tags, summary: '新增或按名称修改通知渠道', body: ChannelBody } }, async (req) =>
    upsertChannel(ctx, actorOf(req), req.body),
  );
}

export const notifyModule: ModuleManifest = {
  name: 'notify',
  permissions: { 'notify.channels': { roles: ['admin'], description: '配置外部通知渠道' } },
  routes: notifyRoutes,
  jobs: (ctx) => ({ [DELIVER_JOB]: deliveryJob(ctx) as never }),
};
