import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import { rateLimited } from '../../platform/errors.js';
import { hitRateLimit } from '../../platform/auth/ratelimit.js';
import * as svc from './service.js';
import * as ev from './evaluation.js';
import * as s from './schemas.js';
import type { CasePage } from './service.js';
import type { CaseState, Channel, Priority } from './repository.js';

type LQ = Static<typeof s.ListQuery>;
const lq = (q: LQ): svc.ListQuery => ({ ...q, state: q.state as CaseState[] | undefined, channel: q.channel as Channel | undefined, priority: q.priority as Priority | undefined });

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

function sendList(reply: FastifyReply, q: LQ, p: CasePage, name: string) {
  if (q.format === 'csv') {
    reply.header('Content-Disposition', `attachment; filename="${name}.csv"`);
    return reply.type('text/csv; charset=utf-8').send(svc.casesCsv(p.items));
  }
  return reply.send(p);
}

export async function casesRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['cases'];

  app.post<{ Body: Static<typeof s.ReportBody> }>(
    '/cases',
    { config: { permission: 'cases.report' }, schema: { tags, summary: '上报事件（居民、网格员巡查、热线、第三方）', body: s.ReportBody, response: errors } },
    async (req, reply) => {
      const actor = actorOf(req);
      const b = req.body;
      const channel = (b.channel as Channel | undefined) ?? (actor.apiKeyId ? 'api' : actor.roles.includes('resident') ? 'resident' : actor.roles.includes('dispatcher') ? 'hotline' : 'patrol');
      const v = await svc.reportCase(ctx, actor, {
        description: b.description,
        location: b.location,
        address: b.address,
        categoryCode: b.category,
        channel,
        anonymous: b.anonymous,
        idempotencyKey: b.idempotencyKey,
        priority: b.priority as Priority | undefined,
        reporter: b.reporter,
        photos: b.photos,
      });
      return reply.status(v.created === false ? 200 : 201).send(v);
    },
  );

  const listSchema = { tags, querystring: s.ListQuery, response: errors };
  app.get<{ Querystring: LQ }>('/cases', { config: { auth: 'user' }, schema: { ...listSchema, summary: '案卷列表（按数据权限；format=csv 导出）' } }, async (req, reply) =>
    sendList(reply, req.query, await svc.listCases(ctx, actorOf(req), lq(req.query)), 'cases'),
  );
  app.get<{ Querystring: LQ }>('/cases/queue', { config: { permission: 'cases.dispatch' }, schema: { ...listSchema, summary: '受理派遣队列（待受理、已立案、被退回）' } }, async (req, reply) =>
    sendList(reply, req.query, await svc.dispatcherQueue(ctx, actorOf(req), lq(req.query)), 'queue'),
  );
  app.get<{ Querystring: Static<typeof s.WorklistQuery> }>(
    '/cases/worklist',
    { config: { permission: 'cases.handle' }, schema: { tags, summary: '部门工作台：待签收、处置中、临近超时、已超时、抄送', querystring: s.WorklistQuery, response: errors } },
    async (req, reply) => sendList(reply, req.query, await svc.handlerWorklist(ctx, actorOf(req), req.query.bucket as svc.WorkBucket, lq(req.query)), 'worklist'),
  );
  app.get<{ Querystring: LQ }>('/cases/verification', { config: { permission: 'cases.verify' }, schema: { ...listSchema, summary: '网格员核查任务（本网格待核查案卷）' } }, async (req, reply) =>
    sendList(reply, req.query, await svc.verificationTasks(ctx, actorOf(req), lq(req.query)), 'verification'),
  );
  app.get<{ Querystring: Static<typeof s.BoardQuery> }>(
    '/cases/board',
    { config: { permission: 'cases.supervise' }, schema: { tags, summary: '督办看板：超时、退回、延期申请、挂账、提级至本级', querystring: s.BoardQuery, response: errors } },
    async (req, reply) => sendList(reply, req.query, await svc.supervisorBoard(ctx, actorOf(req), req.query.kind as svc.Board, lq(req.query)), 'board'),
  );
  app.get<{ Querystring: LQ }>('/cases/mine', { config: { auth: 'user' }, schema: { ...listSchema, summary: '我的上报（含合并后关注的案卷）' } }, async (req, reply) =>
    sendList(reply, req.query, await svc.myCases(ctx, actorOf(req), lq(req.query)), 'my-cases'),
  );

  app.get<{ Params: Static<typeof s.TrackParams> }>(
    '/cases/track/:code',
    { config: { auth: 'public' }, schema: { tags, summary: '公开查询：按案卷编号或回执查询码查看办理进度（不含个人信息）', params: s.TrackParams, response: { 404: ErrorResponse, 429: ErrorResponse } } },
    async (req) => {
      const hit = await hitRateLimit(ctx.db, ctx.clock, `case-track:${req.ip}`, 60);
      if (hit.count > 60) throw rateLimited('查询过于频繁，请稍后再试', { retryAfterSeconds: Math.ceil((hit.resetAt.getTime() - ctx.clock.now().getTime()) / 1000) });
      return svc.trackCase(ctx, req.params.code);
    },
  );

  app.get<{ Querystring: Static<typeof s.EvaluationQuery> }>(
    '/cases/evaluation',
    { config: { permission: 'cases.evaluate' }, schema: { tags, summary: '综合评价（按部门、网格或社区；format=csv|xlsx 导出）', querystring: s.EvaluationQuery, response: errors } },
    async (req, reply) => {
      const e = await ev.evaluate(ctx, actorOf(req), { groupBy: req.query.groupBy as ev.GroupBy, from: req.query.from, to: req.query.to });
      if (req.query.format === 'csv') {
        reply.header('Content-Disposition', `attachment; filename="evaluation-${e.groupBy}.csv"`);
        return reply.type('text/csv; charset=utf-8').send(ev.evaluationCsv(e));
      }
      if (req.query.format === 'xlsx') {
        reply.header('Content-Disposition', `attachment; filename="evaluation-${e.groupBy}.xlsx"`);
        return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await ev.evaluationXlsx(e));
      }
      return e;
    },
  );
  app.get('/cases/evaluation/weights', { config: { permission: 'cases.evaluate' }, schema: { tags, summary: '综合评价权重' } }, async () => ev.getWeights(ctx));
  app.put<{ Body: Static<typeof s.WeightsBody> }>(
    '/cases/evaluation/weights',
    { config: { permission: 'cases.evaluation.weights' }, schema: { tags, summary: '修改综合评价权重', body: s.WeightsBody, response: errors } },
    async (req) => ev.setWeights(ctx, actorOf(req), req.body),
  );

  app.get<{ Params: Static<typeof IdParams>; Querystring: Static<typeof s.CaseQuery> }>(
    '/cases/:id',
    { config: { auth: 'user' }, schema: { tags, summary: '案卷详情与时间线（居民看到公开版本）；reveal=phone 显示报告人完整电话（记录访问）', params: IdParams, querystring: s.CaseQuery, response: errors } },
    async (req) => svc.getCase(ctx, actorOf(req), req.params.id, { reveal: req.query.reveal === 'phone' }),
  );

  type P = { Params: Static<typeof IdParams> };
  const step = <B>(path: string, permission: string, summary: string, body: unknown, fn: (actor: ReturnType<typeof actorOf>, id: string, b: B) => Promise<unknown>) =>
    app.post<P & { Body: B }>(`/cases/:id/${path}`, { config: { permission }, schema: { tags, summary, params: IdParams, body: body as never, response: errors } }, async (req) => fn(actorOf(req), req.params.id, req.body as B));

  step<Static<typeof s.FileBody>>('file', 'cases.dispatch', '立案', s.FileBody, (a, id, b) => svc.fileCase(ctx, a, id, b));
  step<Static<typeof s.ReasonBody>>('reject', 'cases.dispatch', '不予立案（须填理由）', s.ReasonBody, (a, id, b) => svc.rejectCase(ctx, a, id, b));
  step<Static<typeof s.DispatchBody>>('dispatch', 'cases.dispatch', '派遣（可同时更正分类、处置部门与抄送部门）', s.DispatchBody, (a, id, b) => svc.dispatchCase(ctx, a, id, b));
  step<Static<typeof s.MergeBody>>('merge', 'cases.dispatch', '合并重复案卷到另一案卷', s.MergeBody, (a, id, b) => svc.mergeCase(ctx, a, id, b));
  step<Static<typeof s.VersionBody>>('accept', 'cases.handle', '签收', s.VersionBody, (a, id, b) => svc.acceptCase(ctx, a, id, b));
  step<Static<typeof s.ReasonBody>>('return', 'cases.handle', '退回（非本部门职责，须填理由）', s.ReasonBody, (a, id, b) => svc.returnCase(ctx, a, id, b));
  step<Static<typeof s.ResolveBody>>('resolve', 'cases.handle', '处置反馈（处置情况与照片）', s.ResolveBody, (a, id, b) => svc.resolveCase(ctx, a, id, b));
  step<Static<typeof s.ExtensionBody>>('extension', 'cases.handle', '申请延期', s.ExtensionBody, (a, id, b) => svc.requestExtension(ctx, a, id, b));
  step<Static<typeof s.DecisionBody>>('extension/decision', 'cases.supervise', '审批延期申请', s.DecisionBody, (a, id, b) => svc.decideExtension(ctx, a, id, b));
  step<Static<typeof s.VerifyBody>>('verify', 'cases.verify', '核查（通过则结案，不通过则返工）', s.VerifyBody, (a, id, b) => svc.verifyCase(ctx, a, id, { ...b, by: 'person' }));
  step<Static<typeof s.ReasonBody>>('reopen', 'cases.report', '结案 7 天内申请重新办理', s.ReasonBody, (a, id, b) => svc.reopenCase(ctx, a, id, b));
  step<Static<typeof s.RateBody>>('rate', 'cases.report', '评价（1–5 分）', s.RateBody, (a, id, b) => svc.rateCase(ctx, a, id, b));
  step<Static<typeof s.ReasonBody>>('suspend', 'cases.supervise', '挂账（须填理由）', s.ReasonBody, (a, id, b) => svc.suspendCase(ctx, a, id, b));
  step<Static<typeof s.VersionBody>>('resume', 'cases.supervise', '恢复办理', s.VersionBody, (a, id, b) => svc.resumeCase(ctx, a, id, b));
  step<Static<typeof s.UrgeBody>>('urge', 'cases.supervise', '督办', s.UrgeBody, (a, id, b) => svc.urgeCase(ctx, a, id, b));
  step<Static<typeof s.ReasonBody>>('escalate', 'cases.supervise', '提级（上报上一级）', s.ReasonBody, (a, id, b) => svc.escalateCase(ctx, a, id, b));
  step<Static<typeof s.NoteBody>>('notes', 'cases.note', '添加备注（不改变状态）', s.NoteBody, (a, id, b) => svc.appendCaseNote(ctx, a, id, b.note, b.data));
}
