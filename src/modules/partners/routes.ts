import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams, Page } from '../../platform/http/schemas.js';
import * as svc from './service.js';
import * as prj from './projects.js';
import * as s from './schemas.js';

type Id = { Params: Static<typeof IdParams> };
const user = { auth: 'user' as const };
const e = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export async function partnersRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['partners'];

  // ------------------------------------------------------------ registry
  app.get<{ Querystring: Static<typeof s.PartnersQuery> }>(
    '/partners',
    { config: { permission: 'partners.read' }, schema: { tags, summary: '社区合伙人名录（含信用等级）', querystring: s.PartnersQuery, response: { 200: Page(s.PartnerSchema), ...e } } },
    async (req) => svc.listPartners(ctx, actorOf(req), req.query),
  );
  app.get('/partners/me', { config: user, schema: { tags, summary: '我的合伙人档案（合伙人账号）', response: e } }, async (req) => svc.getMyPartner(ctx, actorOf(req)));
  app.get<{ Querystring: Static<typeof s.RecommendQuery> }>(
    '/partners/recommend',
    { config: { permission: 'partners.read' }, schema: { tags, summary: '按服务推荐合伙人（信用优先）', querystring: s.RecommendQuery, response: { 200: Type.Array(s.PartnerSchema) } } },
    async (req) => svc.recommendPartners(ctx, actorOf(req), req.query),
  );
  app.get('/partners/agreements', { config: { permission: 'partners.read' }, schema: { tags, summary: '服务协议', response: { 200: Type.Array(s.AgreementSchema) } } }, async (req) => svc.listAgreements(ctx, actorOf(req)));
  app.post<{ Body: Static<typeof s.PartnerBody> }>(
    '/partners',
    { config: { permission: 'partners.manage' }, schema: { tags, summary: '登记合伙人（可同时开通账号）', body: s.PartnerBody, response: { 201: s.PartnerSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await svc.createPartner(ctx, actorOf(req), req.body)),
  );
  app.get<Id>('/partners/:id', { config: user, schema: { tags, summary: '合伙人详情（协议、信用记录、积分）', params: IdParams, response: e } }, async (req) => svc.getPartner(ctx, actorOf(req), req.params.id));
  app.patch<Id & { Body: Static<typeof s.PartnerPatch> }>(
    '/partners/:id',
    { config: { permission: 'partners.manage' }, schema: { tags, summary: '修改合伙人', params: IdParams, body: s.PartnerPatch, response: { 200: s.PartnerSchema, ...e } } },
    async (req) => svc.updatePartner(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.AgreementBody> }>(
    '/partners/:id/agreements',
    { config: { permission: 'partners.manage' }, schema: { tags, summary: '签订服务协议（期限、内容）', params: IdParams, body: s.AgreementBody, response: { 201: s.AgreementSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await svc.addAgreement(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post<Id>(
    '/partners/agreements/:id/terminate',
    { config: { permission: 'partners.manage' }, schema: { tags, summary: '终止服务协议', params: IdParams, response: { 200: s.AgreementSchema, ...e } } },
    async (req) => svc.terminateAgreement(ctx, actorOf(req), req.params.id),
  );
  app.post<Id & { Body: Static<typeof s.CreditBody> }>(
    '/partners/:id/credit-events',
    { config: { permission: 'partners.manage' }, schema: { tags, summary: '记入信用记录（按期履约、逾期、违约）', params: IdParams, body: s.CreditBody, response: e } },
    async (req, reply) => reply.status(201).send(await svc.addCreditEvent(ctx, actorOf(req), req.params.id, req.body)),
  );

  // ------------------------------------------------------------ needs
  const ntags = ['projects'];
  app.get<{ Querystring: Static<typeof s.NeedsQuery> }>(
    '/needs',
    { config: user, schema: { tags: ntags, summary: '居民需求（问卷与走访）', querystring: s.NeedsQuery, response: e } },
    async (req) => prj.listNeeds(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.NeedBody> }>(
    '/needs',
    { config: user, schema: { tags: ntags, summary: '提交需求：居民填写在线问卷，工作人员录入走访所得', body: s.NeedBody, response: { 201: s.NeedSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await prj.submitNeed(ctx, actorOf(req), req.body)),
  );
  app.post<Id>('/needs/:id/dismiss', { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '不予采纳', params: IdParams, response: { 200: s.NeedSchema, ...e } } }, async (req) => prj.dismissNeed(ctx, actorOf(req), req.params.id));

  // ------------------------------------------------------------ projects
  app.get<{ Querystring: Static<typeof s.ProjectsQuery> }>(
    '/projects',
    { config: user, schema: { tags: ntags, summary: '项目看板', querystring: s.ProjectsQuery, response: { 200: Page(s.ProjectSchema) } } },
    async (req) => prj.listProjects(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.ProjectBody> }>(
    '/projects',
    { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '由需求生成项目（预算、资源、积分、评价权重）', body: s.ProjectBody, response: { 201: s.ProjectSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await prj.createProject(ctx, actorOf(req), req.body)),
  );
  app.get<Id>('/projects/:id', { config: user, schema: { tags: ntags, summary: '项目详情（认领、日志、评价）', params: IdParams, response: e } }, async (req) => prj.getProject(ctx, actorOf(req), req.params.id));
  app.patch<Id & { Body: Static<typeof s.ProjectPatch> }>(
    '/projects/:id',
    { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '修改项目（草稿或已发布）', params: IdParams, body: s.ProjectPatch, response: { 200: s.ProjectSchema, ...e } } },
    async (req) => prj.updateProject(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id>('/projects/:id/publish', { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '发布项目', params: IdParams, response: { 200: s.ProjectSchema, ...e } } }, async (req) => prj.publishProject(ctx, actorOf(req), req.params.id));
  app.post<Id & { Body: Static<typeof s.ReasonBody> }>(
    '/projects/:id/cancel',
    { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '取消项目', params: IdParams, body: s.ReasonBody, response: { 200: s.ProjectSchema, ...e } } },
    async (req) => prj.cancelProject(ctx, actorOf(req), req.params.id, req.body.reason),
  );
  app.post<Id & { Body: Static<typeof s.ClaimBody> }>(
    '/projects/:id/claims',
    { config: { permission: 'projects.claim' }, schema: { tags: ntags, summary: '合伙人认领项目（待审核）', params: IdParams, body: s.ClaimBody, response: e } },
    async (req, reply) => reply.status(201).send(await prj.claimProject(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post<{ Params: Static<typeof s.ClaimParams>; Body: Static<typeof s.ReviewBody> }>(
    '/projects/:id/claims/:claimId/review',
    { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '审核认领', params: s.ClaimParams, body: s.ReviewBody, response: { 200: s.ProjectSchema, ...e } } },
    async (req) => prj.reviewProjectClaim(ctx, actorOf(req), req.params.id, req.params.claimId, req.body),
  );
  app.post<Id & { Body: Static<typeof s.LogBody> }>(
    '/projects/:id/logs',
    { config: user, schema: { tags: ntags, summary: '项目实施日志（进展、问题、完成报告）', params: IdParams, body: s.LogBody, response: e } },
    async (req, reply) => reply.status(201).send(await prj.addProjectLog(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post<Id & { Body: Static<typeof s.NoteBody> }>(
    '/projects/:id/confirm',
    { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '确认项目完成', params: IdParams, body: s.NoteBody, response: { 200: s.ProjectSchema, ...e } } },
    async (req) => prj.confirmCompletion(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.EvaluationBody> }>(
    '/projects/:id/evaluations',
    { config: user, schema: { tags: ntags, summary: '评价项目（居民、工作人员、第三方）', params: IdParams, body: s.EvaluationBody, response: e } },
    async (req, reply) => reply.status(201).send(await prj.evaluateProject(ctx, actorOf(req), req.params.id, req.body)),
  );
  app.post<Id>(
    '/projects/:id/settle',
    { config: { permission: 'projects.manage' }, schema: { tags: ntags, summary: '结项：按权重计算综合得分并发放积分', params: IdParams, response: { 200: s.ProjectSchema, ...e } } },
    async (req) => prj.settleProject(ctx, actorOf(req), req.params.id),
  );

  // ------------------------------------------------------------ social organisations
  const otags = ['social-orgs'];
  app.get<{ Querystring: Static<typeof s.OrgsQuery> }>(
    '/social-orgs',
    { config: user, schema: { tags: otags, summary: '社会组织孵化名录', querystring: s.OrgsQuery, response: { 200: Page(s.OrgSchema) } } },
    async (req) => svc.listSocialOrgs(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.OrgBody> }>(
    '/social-orgs',
    { config: { permission: 'partners.manage' }, schema: { tags: otags, summary: '登记社会组织', body: s.OrgBody, response: { 201: s.OrgSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await svc.createSocialOrg(ctx, actorOf(req), req.body)),
  );
  app.get<Id>('/social-orgs/:id', { config: user, schema: { tags: otags, summary: '社会组织详情（含活动）', params: IdParams, response: e } }, async (req) => svc.getSocialOrg(ctx, actorOf(req), req.params.id));
  app.post<Id & { Body: Static<typeof s.StageBody> }>(
    '/social-orgs/:id/stage',
    { config: { permission: 'partners.manage' }, schema: { tags: otags, summary: '推进孵化阶段', params: IdParams, body: s.StageBody, response: { 200: s.OrgSchema, ...e } } },
    async (req) => svc.setOrgStage(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.ActivityBody> }>(
    '/social-orgs/:id/activities',
    { config: user, schema: { tags: otags, summary: '登记组织活动', params: IdParams, body: s.ActivityBody, response: e } },
    async (req, reply) => reply.status(201).send(await svc.addOrgActivity(ctx, actorOf(req), req.params.id, req.body)),
  );
}
