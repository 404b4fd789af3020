import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { IdParams } from '../../platform/http/schemas.js';
import * as svc from './service.js';
import * as k from './kitchen.js';
import * as s from './schemas.js';
import * as v from './visits.js';

type P = Static<typeof IdParams>;

export async function careRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['care'];
  const user = { auth: 'user' as const };

  // Roster
  app.get<{ Querystring: Static<typeof s.PersonsQuery> }>('/care/persons', { config: user, schema: { tags, summary: '关爱名册（工作人员看辖区，照护人看自己照护的对象）', querystring: s.PersonsQuery } }, async (req) => svc.listPersons(ctx, actorOf(req), req.query));
  app.post<{ Body: Static<typeof s.PersonBody> }>('/care/persons', { config: { permission: 'care.write' }, schema: { tags, summary: '将居民纳入关爱名册', body: s.PersonBody } }, async (req, reply) =>
    reply.status(201).send(await svc.enrolPerson(ctx, actorOf(req), req.body)),
  );
  app.get<{ Params: P }>('/care/persons/:id', { config: user, schema: { tags, summary: '关爱对象详情（照护人、家属、手环、阈值、照护计划）', params: IdParams } }, async (req) => svc.getPerson(ctx, actorOf(req), req.params.id));
  app.patch<{ Params: P; Body: Static<typeof s.PersonPatch> }>('/care/persons/:id', { config: { permission: 'care.write' }, schema: { tags, summary: '修改知情同意、照护计划、无数据告警时长', params: IdParams, body: s.PersonPatch } }, async (req) =>
    svc.updatePerson(ctx, actorOf(req), req.params.id, req.body),
  );
  app.put<{ Params: P; Body: Static<typeof s.ThresholdsBody> }>('/care/persons/:id/thresholds', { config: { permission: 'care.thresholds.write' }, schema: { tags, summary: '设置个人体征阈值（须注明医生建议）', params: IdParams, body: s.ThresholdsBody } }, async (req) =>
    svc.setThresholds(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Params: P; Body: Static<typeof s.CarerBody> }>('/care/persons/:id/carers', { config: { permission: 'care.write' }, schema: { tags, summary: '指定照护人（网格员、志愿者、家属）', params: IdParams, body: s.CarerBody } }, async (req) =>
    svc.addCarer(ctx, actorOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: Static<typeof s.CarerParams> }>('/care/persons/:id/carers/:userId', { config: { permission: 'care.write' }, schema: { tags, summary: '取消照护人', params: s.CarerParams } }, async (req) =>
    svc.removeCarer(ctx, actorOf(req), req.params.id, req.params.userId),
  );
  app.post<{ Params: P; Body: Static<typeof s.ContactBody> }>('/care/persons/:id/contacts', { config: { permission: 'care.write' }, schema: { tags, summary: '登记家属联系人', params: IdParams, body: s.ContactBody } }, async (req) =>
    svc.addContact(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Params: P; Body: Static<typeof s.DeviceBody> }>('/care/persons/:id/devices', { config: { permission: 'care.write' }, schema: { tags, summary: '绑定智能手环（须已登记知情同意）', params: IdParams, body: s.DeviceBody } }, async (req) =>
    svc.linkDevice(ctx, actorOf(req), req.params.id, req.body.deviceId),
  );
  app.delete<{ Params: Static<typeof s.DeviceParams> }>('/care/persons/:id/devices/:deviceId', { config: { permission: 'care.write' }, schema: { tags, summary: '解绑手环', params: s.DeviceParams } }, async (req) =>
    svc.unlinkDevice(ctx, actorOf(req), req.params.id, req.params.deviceId),
  );
  app.get<{ Params: P; Querystring: Static<typeof s.ReadingsQuery> }>('/care/persons/:id/readings', { config: user, schema: { tags, summary: '健康数据（仅照护人与授权人员；每次查看均记录）', params: IdParams, querystring: s.ReadingsQuery } }, async (req) =>
    svc.listReadings(ctx, actorOf(req), req.params.id, req.query),
  );

  app.post<{ Params: P; Body: Static<typeof s.VisitBody> }>('/care/persons/:id/visits', { config: user, schema: { tags, summary: '登记探访（照护人或辖区工作人员；网格员同时记入走访台账）', params: IdParams, body: s.VisitBody } }, async (req, reply) =>
    reply.status(201).send(await v.recordCareVisit(ctx, actorOf(req), req.params.id, req.body ?? {})),
  );
  app.get<{ Params: P; Querystring: Static<typeof s.VisitsQuery> }>('/care/persons/:id/visits', { config: user, schema: { tags, summary: '探访记录与本月完成情况（对照照护计划）', params: IdParams, querystring: s.VisitsQuery } }, async (req) =>
    v.listCareVisits(ctx, actorOf(req), req.params.id, req.query),
  );

  // Alerts
  app.get<{ Querystring: Static<typeof s.AlertsQuery> }>('/care/alerts', { config: user, schema: { tags, summary: '关爱告警', querystring: s.AlertsQuery } }, async (req) => svc.listAlerts(ctx, actorOf(req), req.query));
  app.get<{ Params: P }>('/care/alerts/:id', { config: user, schema: { tags, summary: '告警详情', params: IdParams } }, async (req) => svc.getAlert(ctx, actorOf(req), req.params.id));
  app.post<{ Params: P; Body: Static<typeof s.NoteBody> }>('/care/alerts/:id/ack', { config: user, schema: { tags, summary: '确认告警（停止升级）', params: IdParams, body: s.NoteBody } }, async (req) =>
    svc.ackAlert(ctx, actorOf(req), req.params.id, req.body?.note),
  );
  app.post<{ Params: P; Body: Static<typeof s.NoteBody> }>('/care/alerts/:id/close', { config: user, schema: { tags, summary: '关闭告警', params: IdParams, body: s.NoteBody } }, async (req) =>
    svc.closeAlert(ctx, actorOf(req), req.params.id, req.body?.note),
  );
  app.get('/care/settings', { config: { permission: 'care.read' }, schema: { tags, summary: '关爱设置（数据保留期、升级时间）' } }, async (req) => svc.getSettings(ctx, actorOf(req)));
  app.patch<{ Body: Static<typeof s.SettingsBody> }>('/care/settings', { config: { permission: 'care.settings' }, schema: { tags, summary: '修改关爱设置', body: s.SettingsBody } }, async (req) => svc.updateSettings(ctx, actorOf(req), req.body));

  // Door-to-door services
  app.get<{ Querystring: Static<typeof s.ServicesQuery> }>('/care/services', { config: user, schema: { tags, summary: '上门服务预约', querystring: s.ServicesQuery } }, async (req) => k.listServices(ctx, actorOf(req), req.query));
  app.post<{ Body: Static<typeof s.ServiceBody> }>('/care/services', { config: user, schema: { tags, summary: '预约上门服务或手语翻译', body: s.ServiceBody } }, async (req, reply) => reply.status(201).send(await k.bookService(ctx, actorOf(req), req.body)));
  app.post<{ Params: P; Body: Static<typeof s.AssignBody> }>('/care/services/:id/assign', { config: { permission: 'care.write' }, schema: { tags, summary: '派单给合伙人或志愿者', params: IdParams, body: s.AssignBody } }, async (req) =>
    k.assignService(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Params: P; Body: Static<typeof s.CompleteBody> }>('/care/services/:id/complete', { config: user, schema: { tags, summary: '完成服务（志愿者时长记入时间银行）', params: IdParams, body: s.CompleteBody } }, async (req) =>
    k.completeService(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Params: P; Body: Static<typeof s.RateBody> }>('/care/services/:id/rate', { config: user, schema: { tags, summary: '评价服务', params: IdParams, body: s.RateBody } }, async (req) => k.rateService(ctx, actorOf(req), req.params.id, req.body));

  // Canteen
  app.get<{ Querystring: Static<typeof s.MenuQuery> }>('/care/menu', { config: user, schema: { tags, summary: '长者食堂菜单', querystring: s.MenuQuery } }, async (req) => k.listMenu(ctx, actorOf(req), req.query));
  app.post<{ Body: Static<typeof s.MenuBody> }>('/care/menu', { config: { permission: 'care.canteen.write' }, schema: { tags, summary: '发布菜品（含按标签补贴）', body: s.MenuBody } }, async (req, reply) => reply.status(201).send(await k.createMenuItem(ctx, actorOf(req), req.body)));
  app.get<{ Querystring: Static<typeof s.OrdersQuery> }>('/care/orders', { config: user, schema: { tags, summary: '订餐记录', querystring: s.OrdersQuery } }, async (req) => k.listOrders(ctx, actorOf(req), req.query));
  app.post<{ Body: Static<typeof s.OrderBody> }>('/care/orders', { config: user, schema: { tags, summary: '订餐（自取或送餐，按标签享受补贴）', body: s.OrderBody } }, async (req, reply) => reply.status(201).send(await k.placeOrder(ctx, actorOf(req), req.body)));
  app.post<{ Params: P; Body: Static<typeof s.OrderStatusBody> }>('/care/orders/:id/status', { config: user, schema: { tags, summary: '订单状态：备餐完成、已送达、已取餐或取消', params: IdParams, body: s.OrderStatusBody } }, async (req) =>
    k.setOrderStatus(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Body: Static<typeof s.DonationBody> }>('/care/donations', { config: { permission: 'care.canteen.write' }, schema: { tags, summary: '登记爱心厨房食材捐赠', body: s.DonationBody } }, async (req, reply) =>
    reply.status(201).send(await k.recordDonation(ctx, actorOf(req), req.body)),
  );
  app.get('/care/shifts', { config: user, schema: { tags, summary: '志愿者帮厨班次' } }, async (req) => k.listShifts(ctx, actorOf(req)));
  app.post<{ Body: Static<typeof s.ShiftBody> }>('/care/shifts', { config: { permission: 'care.canteen.write' }, schema: { tags, summary: '新建帮厨班次', body: s.ShiftBody } }, async (req, reply) => reply.status(201).send(await k.createShift(ctx, actorOf(req), req.body)));
  app.post<{ Params: P }>('/care/shifts/:id/signup', { config: user, schema: { tags, summary: '报名帮厨', params: IdParams } }, async (req) => k.signUpShift(ctx, actorOf(req), req.params.id));

  // Accessibility
  app.get('/care/facilities', { config: user, schema: { tags, summary: '无障碍设施' } }, async () => k.listFacilities(ctx));
  app.post<{ Body: Static<typeof s.FacilityBody> }>('/care/facilities', { config: { permission: 'care.write' }, schema: { tags, summary: '登记无障碍设施', body: s.FacilityBody } }, async (req, reply) => reply.status(201).send(await k.createFacility(ctx, actorOf(req), req.body)));
  app.post<{ Params: P; Body: Static<typeof s.ReportBody> }>('/care/facilities/:id/report', { config: user, schema: { tags, summary: '报告无障碍设施损坏（生成案件）', params: IdParams, body: s.ReportBody } }, async (req, reply) =>
    reply.status(201).send(await k.reportBrokenFacility(ctx, actorOf(req), req.params.id, req.body)),
  );
}
