import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import * as svc from './service.js';
import { handoverCase } from './handover.js';
import * as s from './schemas.js';

type Id = { Params: Static<typeof IdParams> };

export async function mediationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['mediation'];
  const r404 = { 404: ErrorResponse };

  // ------------------------------------------------------------ disputes
  app.get<{ Querystring: Static<typeof s.DisputesQuery> }>(
    '/mediation/disputes',
    { config: { auth: 'user' }, schema: { tags, summary: '矛盾纠纷列表（按数据权限；居民为本人申请）', querystring: s.DisputesQuery } },
    async (req) => svc.listDisputes(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.DisputeBody> }>(
    '/mediation/disputes',
    { config: { permission: 'mediation.report' }, schema: { tags, summary: '调解员/网格员登记纠纷', body: s.DisputeBody } },
    async (req, reply) => reply.status(201).send(await svc.createDispute(ctx, actorOf(req), req.body)),
  );
  app.post<{ Body: Static<typeof s.ApplyBody> }>(
    '/mediation/apply',
    { config: { permission: 'mediation.apply' }, schema: { tags, summary: '居民/企业在线申请调解', body: s.ApplyBody } },
    async (req, reply) => reply.status(201).send(await svc.applyOnline(ctx, actorOf(req), req.body)),
  );
  app.post<{ Body: Static<typeof s.FromCaseBody> }>(
    '/mediation/disputes/from-case',
    { config: { permission: 'mediation.report' }, schema: { tags, summary: '矛盾纠纷类案卷转入调解（保留案卷关联，重复转入返回已有纠纷）', body: s.FromCaseBody } },
    async (req, reply) => {
      const r = await handoverCase(ctx, actorOf(req), req.body.caseId, { respondentName: req.body.respondentName, riskLevel: req.body.riskLevel });
      return reply.status(r.created ? 201 : 200).send(await svc.getDispute(ctx, actorOf(req), r.id));
    },
  );
  app.get<Id & { Querystring: Static<typeof s.RevealQuery> }>(
    '/mediation/disputes/:id',
    { config: { auth: 'user' }, schema: { tags, summary: '纠纷详情；reveal=true 显示当事人完整联系方式（记录访问日志）', params: IdParams, querystring: s.RevealQuery, response: r404 } },
    async (req) => svc.getDispute(ctx, actorOf(req), req.params.id, { reveal: req.query.reveal }),
  );
  app.patch<Id & { Body: Static<typeof s.PatchBody> }>(
    '/mediation/disputes/:id',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '修改风险等级、类型、涉企标记', params: IdParams, body: s.PatchBody } },
    async (req) => svc.updateDispute(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.AcceptBody> }>(
    '/mediation/disputes/:id/accept',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '受理申请', params: IdParams, body: s.AcceptBody } },
    async (req) => svc.acceptDispute(ctx, actorOf(req), req.params.id, req.body ?? {}),
  );
  app.post<Id & { Body: Static<typeof s.ReasonBody> }>(
    '/mediation/disputes/:id/reject',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '不予受理（说明理由）', params: IdParams, body: s.ReasonBody } },
    async (req) => svc.rejectDispute(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.EscalateBody> }>(
    '/mediation/disputes/:id/escalate',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '上交上一级调处中心（网格 → 街道 → 区）', params: IdParams, body: s.EscalateBody } },
    async (req) => svc.escalateDispute(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.ContactBody> }>(
    '/mediation/disputes/:id/contacts',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '登记当事人来访、来电、信访', params: IdParams, body: s.ContactBody } },
    async (req) => svc.recordContact(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.AssignBody> }>(
    '/mediation/disputes/:id/mediators',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '邀请调解员/专家参与（三调联动）', params: IdParams, body: s.AssignBody } },
    async (req) => svc.assignExpert(ctx, actorOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: Static<typeof s.ExpertParams> }>(
    '/mediation/disputes/:id/mediators/:expertId',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '调解员退出本案', params: s.ExpertParams } },
    async (req) => svc.releaseExpert(ctx, actorOf(req), req.params.id, req.params.expertId),
  );
  app.get<Id & { Querystring: Static<typeof s.SuggestQuery> }>(
    '/mediation/disputes/:id/suggestions',
    { config: { permission: 'mediation.read' }, schema: { tags, summary: '推荐合适的调解员/专家（类型、地点、在办量）', params: IdParams, querystring: s.SuggestQuery } },
    async (req) => svc.suggestForDispute(ctx, actorOf(req), req.params.id, req.query.kind),
  );
  app.post<Id & { Body: Static<typeof s.SessionBody> }>(
    '/mediation/disputes/:id/sessions',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '安排调解（现场或线上）', params: IdParams, body: s.SessionBody } },
    async (req, reply) => reply.status(201).send(await svc.scheduleSession(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post<{ Params: Static<typeof s.SessionParams>; Body: Static<typeof s.ReasonBody> }>(
    '/mediation/disputes/:id/sessions/:sessionId/cancel',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '取消调解场次', params: s.SessionParams, body: s.ReasonBody } },
    async (req) => svc.cancelSession(ctx, actorOf(req), req.params.id, req.params.sessionId, req.body.reason),
  );
  app.post<{ Params: Static<typeof s.SessionParams>; Body: Static<typeof s.OutcomeBody> }>(
    '/mediation/disputes/:id/sessions/:sessionId/outcome',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '记录调解结果（出席、笔录、达成协议/部分达成/调解不成）', params: s.SessionParams, body: s.OutcomeBody } },
    async (req) => svc.recordOutcome(ctx, actorOf(req), req.params.id, req.params.sessionId, req.body),
  );
  app.post<Id & { Body: Static<typeof s.ReferralBody> }>(
    '/mediation/disputes/:id/refer',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '调解不成，引导诉讼或仲裁（记录去向）', params: IdParams, body: s.ReferralBody } },
    async (req) => svc.referDispute(ctx, actorOf(req), req.params.id, req.body),
  );

  // ------------------------------------------------------------ agreements
  app.get<Id>(
    '/mediation/agreements/:id/pdf',
    { config: { auth: 'user' }, schema: { tags, summary: '下载人民调解协议书（PDF）', params: IdParams, response: r404 } },
    async (req, reply) => {
      const { filename, pdf } = await svc.agreementDocument(ctx, actorOf(req), req.params.id);
      reply.header('Content-Disposition', `attachment; filename="${filename}"`);
      return reply.type('application/pdf').send(pdf);
    },
  );
  app.post<Id>(
    '/mediation/agreements/:id/sign',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '登记当事人已签署协议', params: IdParams } },
    async (req) => svc.signAgreement(ctx, actorOf(req), req.params.id),
  );
  app.post<Id & { Body: Static<typeof s.JudicialBody> }>(
    '/mediation/agreements/:id/judicial',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '司法确认：已申请、已确认、不予确认', params: IdParams, body: s.JudicialBody } },
    async (req) => svc.updateJudicial(ctx, actorOf(req), req.params.id, req.body),
  );

  // ------------------------------------------------------------ follow-ups
  app.get<{ Querystring: Static<typeof s.FollowupsQuery> }>(
    '/mediation/followups',
    { config: { permission: 'mediation.read' }, schema: { tags, summary: '回访任务（7 天、30 天）', querystring: s.FollowupsQuery } },
    async (req) => svc.listFollowups(ctx, actorOf(req), req.query),
  );
  app.post<Id & { Body: Static<typeof s.FollowupBody> }>(
    '/mediation/followups/:id',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '记录回访（已履行、部分履行、未履行→重新调解；心理疏导转介）', params: IdParams, body: s.FollowupBody } },
    async (req) => svc.recordFollowup(ctx, actorOf(req), req.params.id, req.body),
  );

  // ------------------------------------------------------------ warnings, statistics
  app.get<{ Querystring: Static<typeof s.WarningsQuery> }>(
    '/mediation/warnings',
    { config: { permission: 'mediation.read' }, schema: { tags, summary: '矛盾纠纷预警（重复发生、风险升级、反复来访）', querystring: s.WarningsQuery } },
    async (req) => svc.listWarnings(ctx, actorOf(req), req.query),
  );
  app.post<Id & { Body: Static<typeof s.AckBody> }>(
    '/mediation/warnings/:id/ack',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '街道调处中心处置预警', params: IdParams, body: s.AckBody } },
    async (req) => svc.acknowledgeWarning(ctx, actorOf(req), req.params.id, req.body),
  );
  app.get<{ Querystring: Static<typeof s.StatsQuery> }>(
    '/mediation/statistics',
    { config: { permission: 'mediation.read' }, schema: { tags, summary: '统计：类型、层级、调解成功率、平均用时、回访履行', querystring: s.StatsQuery } },
    async (req) => svc.statistics(ctx, actorOf(req), req.query),
  );

  // ------------------------------------------------------------ expert pool
  app.get<{ Querystring: Static<typeof s.ExpertsQuery> }>(
    '/mediation/experts',
    { config: { permission: 'mediation.read' }, schema: { tags, summary: '诉源治理专家库', querystring: s.ExpertsQuery } },
    async (req) => svc.listExperts(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.ExpertBody> }>(
    '/mediation/experts',
    { config: { permission: 'mediation.experts' }, schema: { tags, summary: '新增专家', body: s.ExpertBody } },
    async (req, reply) => reply.status(201).send(await svc.createExpert(ctx, actorOf(req), req.body)),
  );
  app.patch<Id & { Body: Static<typeof s.ExpertPatch> }>(
    '/mediation/experts/:id',
    { config: { permission: 'mediation.experts' }, schema: { tags, summary: '修改专家（可接案、专长、负荷）', params: IdParams, body: s.ExpertPatch, response: r404 } },
    async (req) => svc.updateExpert(ctx, actorOf(req), req.params.id, req.body),
  );

  // ------------------------------------------------------------ legal aid
  app.get<{ Querystring: Static<typeof s.LegalAidQuery> }>(
    '/mediation/legal-aid',
    { config: { auth: 'user' }, schema: { tags, summary: '法律咨询（居民/企业为本人的申请）', querystring: s.LegalAidQuery } },
    async (req) => svc.listLegalAid(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.LegalAidBody> }>(
    '/mediation/legal-aid',
    { config: { permission: 'mediation.apply' }, schema: { tags, summary: '申请法律咨询（自动匹配专家库律师）', body: s.LegalAidBody } },
    async (req, reply) => reply.status(201).send(await svc.requestLegalAid(ctx, actorOf(req), req.body)),
  );
  app.post<Id & { Body: Static<typeof s.LegalAidHandleBody> }>(
    '/mediation/legal-aid/:id',
    { config: { permission: 'mediation.handle' }, schema: { tags, summary: '改派专家或答复法律咨询', params: IdParams, body: s.LegalAidHandleBody } },
    async (req) => svc.handleLegalAid(ctx, actorOf(req), req.params.id, req.body),
  );
}
