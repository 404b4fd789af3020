import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { can } from '../../platform/auth/permissions.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import * as ann from './service/announcements.js';
import * as act from './service/activities.js';
import * as cat from './service/catalogue.js';
import * as kb from './service/assistant.js';
import * as sos from './service/emergency.js';
import * as s from './schemas.js';

/** The public origin of a request (behind a proxy too: trustProxy is on), for links in feeds and QR codes. */
const originOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export async function servicesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['services'];
  const err = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

  // ------------------------------------------------------------ announcements
  app.get<{ Querystring: Static<typeof s.AnnouncementsQuery> }>(
    '/services/announcements',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '通知公告（本辖区，含阅读回执统计）', querystring: s.AnnouncementsQuery } },
    async (req) => ann.listAnnouncements(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.AnnouncementBody> }>(
    '/services/announcements',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '新建公告（publish=true 立即发布到居民端、站内信、公告栏和大屏）', body: s.AnnouncementBody, response: err } },
    async (req, reply) => reply.status(201).send(await ann.createAnnouncement(ctx, actorOf(req), req.body)),
  );
  app.post<{ Body: Static<typeof s.AudienceBody> }>(
    '/services/announcements/audience',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '预览目标人群（按范围、标签、年龄）', body: s.AudienceBody, response: err } },
    async (req) => ann.previewAudience(ctx, actorOf(req), req.body),
  );
  app.get<{ Querystring: Static<typeof s.SuggestQuery> }>(
    '/services/announcements/suggest',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '根据居民登记推荐目标人群', querystring: s.SuggestQuery, response: err } },
    async (req) => ann.suggestTargeting(ctx, actorOf(req), req.query.nodeId),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/announcements/:id',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '公告详情', params: IdParams, response: err } },
    async (req) => ann.getAnnouncement(ctx, actorOf(req), req.params.id),
  );
  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof s.AnnouncementPatch> }>(
    '/services/announcements/:id',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '置顶、有效期、上公告栏、撤回', params: IdParams, body: s.AnnouncementPatch, response: err } },
    async (req) => ann.updateAnnouncement(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/services/announcements/:id/publish',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '发布草稿', params: IdParams, response: err } },
    async (req) => ann.publishAnnouncement(ctx, actorOf(req), req.params.id),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/announcements/:id/receipts',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '阅读回执', params: IdParams, response: err } },
    async (req) => ann.announcementReceipts(ctx, actorOf(req), req.params.id),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/announcements/:id/sheet.pdf',
    { config: { permission: 'services.announce' }, schema: { tags, summary: '打印张贴版（楼栋公告栏，A4 PDF）', params: IdParams, response: err } },
    async (req, reply) => {
      const { pdf, fileName } = await ann.announcementSheet(ctx, actorOf(req), req.params.id);
      reply.header('Content-Disposition', `inline; filename="${fileName}"`);
      return reply.type('application/pdf').send(pdf);
    },
  );
  app.get<{ Querystring: Static<typeof s.FeedQuery> }>(
    '/services/feed.rss',
    { config: { auth: 'public' }, schema: { tags, summary: '公告栏 RSS 2.0（IPTV 机顶盒、服务大厅屏幕），node 为地点编码', querystring: s.FeedQuery, response: { 404: ErrorResponse } } },
    async (req, reply) => {
      const body = await ann.boardRss(ctx, req.query.node, originOf(req));
      reply.header('Cache-Control', 'public, max-age=60');
      return reply.type('application/rss+xml; charset=utf-8').send(body);
    },
  );
  app.get<{ Querystring: Static<typeof s.FeedQuery> }>(
    '/services/feed.json',
    { config: { auth: 'public' }, schema: { tags, summary: '公告栏 JSON（大屏），node 为地点编码', querystring: s.FeedQuery, response: { 404: ErrorResponse } } },
    async (req, reply) => {
      reply.header('Cache-Control', 'public, max-age=60');
      return ann.boardFeed(ctx, req.query.node);
    },
  );
  // resident side
  app.get('/services/my/announcements', { config: { auth: 'user' }, schema: { tags, summary: '我的通知（置顶在前）' } }, async (req) => ann.myAnnouncements(ctx, actorOf(req)));
  app.post<{ Params: Static<typeof IdParams> }>(
    '/services/my/announcements/:id/read',
    { config: { auth: 'user' }, schema: { tags, summary: '阅读通知（记录回执）', params: IdParams, response: err } },
    async (req) => ann.readAnnouncement(ctx, actorOf(req), req.params.id),
  );

  // ------------------------------------------------------------ activities
  app.get<{ Querystring: Static<typeof s.ActivitiesQuery> }>(
    '/services/activities',
    { config: { permission: 'services.activities.manage' }, schema: { tags, summary: '活动（本辖区）', querystring: s.ActivitiesQuery } },
    async (req) => act.listActivitiesForStaff(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.ActivityBody> }>(
    '/services/activities',
    { config: { permission: 'services.activities.manage' }, schema: { tags, summary: '发布活动（名额、报名条件、场地）', body: s.ActivityBody, response: err } },
    async (req, reply) => reply.status(201).send(await act.createActivity(ctx, actorOf(req), req.body)),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/activities/:id',
    { config: { permission: 'services.activities.manage' }, schema: { tags, summary: '活动详情', params: IdParams, response: err } },
    async (req) => act.getActivityForStaff(ctx, actorOf(req), req.params.id),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/activities/:id/signups',
    { config: { permission: 'services.activities.manage' }, schema: { tags, summary: '报名名单与候补名单（按报名顺序）', params: IdParams, response: err } },
    async (req) => act.activityRoster(ctx, actorOf(req), req.params.id),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/activities/:id/checkin-qr',
    { config: { permission: 'services.activities.manage' }, schema: { tags, summary: '现场签到二维码（SVG 与链接）', params: IdParams, response: err } },
    async (req) => act.checkinQr(ctx, actorOf(req), req.params.id, originOf(req)),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.ReasonBody> }>(
    '/services/activities/:id/cancel',
    { config: { permission: 'services.activities.manage' }, schema: { tags, summary: '取消活动（通知已报名居民）', params: IdParams, body: s.ReasonBody, response: err } },
    async (req) => act.cancelActivity(ctx, actorOf(req), req.params.id, req.body.reason),
  );
  // residents (and staff acting for a resident with residentId)
  app.get('/services/my/activities', { config: { auth: 'user' }, schema: { tags, summary: '可报名的活动（含我的报名状态与资格）' } }, async (req) => act.activitiesForResident(ctx, actorOf(req)));
  app.get('/services/my/signups', { config: { auth: 'user' }, schema: { tags, summary: '我的报名' } }, async (req) => act.mySignups(ctx, actorOf(req)));
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/my/activities/:id',
    { config: { auth: 'user' }, schema: { tags, summary: '活动详情（居民）', params: IdParams, response: err } },
    async (req) => act.activityForResident(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.SignupBody> }>(
    '/services/activities/:id/signup',
    { config: { auth: 'user' }, schema: { tags, summary: '报名（满员进入候补；工作人员可代居民报名）', params: IdParams, body: s.SignupBody, response: err } },
    async (req, reply) => reply.status(201).send(await act.signUp(ctx, actorOf(req), req.params.id, req.body?.residentId ?? null)),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.SignupBody> }>(
    '/services/activities/:id/signup/cancel',
    { config: { auth: 'user' }, schema: { tags, summary: '取消报名（候补第一位自动递补）', params: IdParams, body: s.SignupBody, response: err } },
    async (req) => act.cancelSignup(ctx, actorOf(req), req.params.id, req.body?.residentId ?? null),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.CheckinBody> }>(
    '/services/activities/:id/checkin',
    { config: { auth: 'user' }, schema: { tags, summary: '扫码签到', params: IdParams, body: s.CheckinBody, response: err } },
    async (req) => act.checkIn(ctx, actorOf(req), req.params.id, req.body.token),
  );

  // ------------------------------------------------------------ rooms
  app.get('/services/rooms', { config: { auth: 'user' }, schema: { tags, summary: '可预约的社区场地' } }, async (req) => act.listRooms(ctx, actorOf(req)));
  app.post<{ Body: Static<typeof s.RoomBody> }>(
    '/services/rooms',
    { config: { permission: 'services.rooms.manage' }, schema: { tags, summary: '新增场地', body: s.RoomBody, response: err } },
    async (req, reply) => reply.status(201).send(await act.createRoom(ctx, actorOf(req), req.body)),
  );
  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof s.BookingsQuery> }>(
    '/services/rooms/:id/bookings',
    { config: { auth: 'user' }, schema: { tags, summary: '场地已预约时段', params: IdParams, querystring: s.BookingsQuery, response: err } },
    async (req) => act.roomBookings(ctx, actorOf(req), req.params.id, req.query),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.BookingBody> }>(
    '/services/rooms/:id/bookings',
    { config: { auth: 'user' }, schema: { tags, summary: '预约场地（与已有预约冲突时拒绝）', params: IdParams, body: s.BookingBody, response: err } },
    async (req, reply) => reply.status(201).send(await act.bookRoom(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/services/bookings/:id/cancel',
    { config: { auth: 'user' }, schema: { tags, summary: '取消预约', params: IdParams, response: err } },
    async (req) => act.cancelBooking(ctx, actorOf(req), req.params.id),
  );
  app.get('/services/my/bookings', { config: { auth: 'user' }, schema: { tags, summary: '我的场地预约' } }, async (req) => act.myBookings(ctx, actorOf(req)));

  // ------------------------------------------------------------ catalogue and applications
  app.get<{ Querystring: Static<typeof s.MattersQuery> }>(
    '/services/matters',
    { config: { auth: 'public' }, schema: { tags, summary: '办事指南：事项、材料、流程、时限、窗口', querystring: s.MattersQuery } },
    async (req) => cat.listMatters(ctx, req.query, !!req.query.all && !!req.actor && can(req.actor, 'services.catalogue.write')),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/matters/:id',
    { config: { auth: 'public' }, schema: { tags, summary: '事项详情', params: IdParams, response: err } },
    async (req) => cat.getMatter(ctx, req.params.id),
  );
  app.put<{ Body: Static<typeof s.MatterBody> }>(
    '/services/matters',
    { config: { permission: 'services.catalogue.write' }, schema: { tags, summary: '新增或按编码修改事项', body: s.MatterBody, response: err } },
    async (req) => cat.upsertMatter(ctx, actorOf(req), req.body),
  );
  app.post<{ Body: Static<typeof s.ApplyBody> }>(
    '/services/applications',
    { config: { auth: 'user' }, schema: { tags, summary: '在线申请（上传材料照片；工作人员可代居民申请）', body: s.ApplyBody, response: err } },
    async (req, reply) => reply.status(201).send(await cat.applyForMatter(ctx, actorOf(req), req.body)),
  );
  app.get<{ Querystring: Static<typeof s.ApplicationsQuery> }>(
    '/services/applications',
    { config: { permission: 'services.applications.handle' }, schema: { tags, summary: '待办申请（本辖区）', querystring: s.ApplicationsQuery } },
    async (req) => cat.listApplications(ctx, actorOf(req), req.query),
  );
  app.get('/services/my/applications', { config: { auth: 'user' }, schema: { tags, summary: '我的办事' } }, async (req) => cat.myApplications(ctx, actorOf(req)));
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/applications/:id',
    { config: { auth: 'user' }, schema: { tags, summary: '申请详情与办理过程', params: IdParams, response: err } },
    async (req) => cat.getApplication(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof s.DecideParams>; Body: Static<typeof s.NoteBody> }>(
    '/services/applications/:id/:action',
    { config: { permission: 'services.applications.handle' }, schema: { tags, summary: '受理 accept / 办结 approve / 不予办理 reject / 退回补正 return', params: s.DecideParams, body: s.NoteBody, response: err } },
    async (req) => cat.decideApplication(ctx, actorOf(req), req.params.id, req.params.action as cat.StaffAction, req.body?.note ?? null),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.ResubmitBody> }>(
    '/services/my/applications/:id/resubmit',
    { config: { auth: 'user' }, schema: { tags, summary: '补正后重新提交', params: IdParams, body: s.ResubmitBody, response: err } },
    async (req) => cat.applicantAction(ctx, actorOf(req), req.params.id, 'resubmit', req.body ?? {}),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/services/my/applications/:id/withdraw',
    { config: { auth: 'user' }, schema: { tags, summary: '撤回申请', params: IdParams, response: err } },
    async (req) => cat.applicantAction(ctx, actorOf(req), req.params.id, 'withdraw', {}),
  );
  app.post<{ Body: Static<typeof s.RepairBody> }>(
    '/services/repairs',
    { config: { permission: 'cases.report' }, schema: { tags, summary: '物业报修（作为事件上报，由派遣规则交小区物业公司处理）', body: s.RepairBody, response: err } },
    async (req, reply) => reply.status(201).send(await cat.reportRepair(ctx, actorOf(req), req.body)),
  );

  // ------------------------------------------------------------ assistant
  app.post<{ Body: Static<typeof s.AskBody> }>(
    '/services/assistant/ask',
    { config: { auth: 'user' }, schema: { tags, summary: '智能问答（知识库检索；答不上的问题留给工作人员）', body: s.AskBody, response: err } },
    async (req) => kb.ask(ctx, actorOf(req), req.body.question),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/services/assistant/questions/:id/unhelpful',
    { config: { auth: 'user' }, schema: { tags, summary: '回答没有帮助（转给工作人员）', params: IdParams, response: err } },
    async (req) => kb.markUnhelpful(ctx, actorOf(req), req.params.id),
  );
  app.get<{ Querystring: Static<typeof s.QuestionsQuery> }>(
    '/services/assistant/questions',
    { config: { permission: 'services.kb.write' }, schema: { tags, summary: '居民提问（status=open 为未解答）', querystring: s.QuestionsQuery } },
    async (req) => kb.listQuestions(ctx, actorOf(req), req.query),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.ResolveQuestionBody> }>(
    '/services/assistant/questions/:id/resolve',
    { config: { permission: 'services.kb.write' }, schema: { tags, summary: '答复未解答的问题', params: IdParams, body: s.ResolveQuestionBody, response: err } },
    async (req) => kb.resolveQuestion(ctx, actorOf(req), req.params.id, req.body),
  );
  app.get('/services/kb/articles', { config: { permission: 'services.kb.write' }, schema: { tags, summary: '知识库条目（维护）' } }, async (req) => kb.listArticles(ctx, actorOf(req)));
  app.get('/services/kb/public', { config: { auth: 'user' }, schema: { tags, summary: '常见问题（居民浏览）' } }, async () => kb.publicArticles(ctx));
  app.post<{ Body: Static<typeof s.ArticleBody> }>(
    '/services/kb/articles',
    { config: { permission: 'services.kb.write' }, schema: { tags, summary: '新增知识条目', body: s.ArticleBody, response: err } },
    async (req, reply) => reply.status(201).send(await kb.saveArticle(ctx, actorOf(req), null, req.body)),
  );
  app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof s.ArticleBody> }>(
    '/services/kb/articles/:id',
    { config: { permission: 'services.kb.write' }, schema: { tags, summary: '修改知识条目', params: IdParams, body: s.ArticleBody, response: err } },
    async (req) => kb.saveArticle(ctx, actorOf(req), req.params.id, req.body),
  );

  // ------------------------------------------------------------ emergency button
  app.post<{ Body: Static<typeof s.EmergencyBody> }>(
    '/services/emergency',
    { config: { auth: 'user' }, schema: { tags, summary: '一键报警：位置与个人信息即时送达社区值班人员与指挥中心', body: s.EmergencyBody, response: err } },
    async (req, reply) => {
      const r = await sos.raiseEmergency(ctx, actorOf(req), req.body ?? {});
      return reply.status(r.created ? 201 : 200).send(r);
    },
  );
  app.get('/services/my/emergency', { config: { auth: 'user' }, schema: { tags, summary: '我最近一次求助及响应情况' } }, async (req) => ({ emergency: await sos.myEmergency(ctx, actorOf(req)) }));
  app.get<{ Querystring: Static<typeof s.EmergenciesQuery> }>(
    '/services/emergencies',
    { config: { permission: 'services.emergency.handle' }, schema: { tags, summary: '紧急求助（本辖区）', querystring: s.EmergenciesQuery } },
    async (req) => sos.listEmergencies(ctx, actorOf(req), req.query),
  );
  app.get<{ Params: Static<typeof IdParams> }>(
    '/services/emergencies/:id',
    { config: { permission: 'services.emergency.handle' }, schema: { tags, summary: '求助详情', params: IdParams, response: err } },
    async (req) => sos.getEmergency(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams> }>(
    '/services/emergencies/:id/ack',
    { config: { permission: 'services.emergency.handle' }, schema: { tags, summary: '确认响应（停止升级）', params: IdParams, response: err } },
    async (req) => sos.acknowledgeEmergency(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof s.ResolutionBody> }>(
    '/services/emergencies/:id/resolve',
    { config: { permission: 'services.emergency.handle' }, schema: { tags, summary: '记录处置结果', params: IdParams, body: s.ResolutionBody, response: err } },
    async (req) => sos.resolveEmergency(ctx, actorOf(req), req.params.id, req.body.resolution),
  );
}
