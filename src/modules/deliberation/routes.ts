import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams } from '../../platform/http/schemas.js';
import * as s from './schemas.js';
import * as conventions from './service/conventions.js';
import * as meetings from './service/meetings.js';
import * as resolutions from './service/resolutions.js';
import * as roll from './service/roll.js';
import * as topics from './service/topics.js';
import * as votes from './service/votes.js';

type Id = { Params: Static<typeof IdParams> };
const user = { auth: 'user' as const };
const manage = { permission: 'deliberation.manage' };
const assist = { permission: 'deliberation.assist' };
const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export async function deliberationRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const P = '/deliberation';

  // ------------------------------------------------------------ topics 议题
  {
    const tags = ['deliberation · 议题'];
    app.get<{ Querystring: Static<typeof s.TopicsQuery> }>(`${P}/topics`, { config: user, schema: { tags, summary: '议题列表（居民看本社区，工作人员看辖区）', querystring: s.TopicsQuery } }, async (req) =>
      topics.listTopics(ctx, actorOf(req), req.query),
    );
    app.post<{ Body: Static<typeof s.TopicBody> }>(`${P}/topics`, { config: user, schema: { tags, summary: '提出议题（居民提议后征集附议；工作人员直接立项）', body: s.TopicBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await topics.proposeTopic(ctx, actorOf(req), req.body)),
    );
    app.get<Id>(`${P}/topics/:id`, { config: user, schema: { tags, summary: '议题详情（附议、讨论、会议、表决、决议）', params: IdParams, response: { 404: ErrorResponse } } }, async (req) => topics.getTopic(ctx, actorOf(req), req.params.id));
    app.post<Id>(`${P}/topics/:id/support`, { config: user, schema: { tags, summary: '附议（每位居民一次）', params: IdParams, response: errors } }, async (req) => topics.supportTopic(ctx, actorOf(req), req.params.id));
    app.post<Id>(`${P}/topics/:id/withdraw`, { config: user, schema: { tags, summary: '提议人撤回议题', params: IdParams, response: errors } }, async (req) => topics.withdrawTopic(ctx, actorOf(req), req.params.id));
    app.post<Id & { Body: Static<typeof s.ReviewBody> }>(`${P}/topics/:id/review`, { config: manage, schema: { tags, summary: '审核议题：立项或不予立项', params: IdParams, body: s.ReviewBody, response: errors } }, async (req) =>
      topics.reviewTopic(ctx, actorOf(req), req.params.id, req.body),
    );
    app.post<Id & { Body: Static<typeof s.CommentBody> }>(`${P}/topics/:id/comments`, { config: user, schema: { tags, summary: '参与讨论', params: IdParams, body: s.CommentBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await topics.commentTopic(ctx, actorOf(req), req.params.id, req.body.body)),
    );
    type C = { Params: Static<typeof s.CommentParams> };
    app.post<C & { Body: Static<typeof s.ModerateBody> }>(`${P}/topics/:id/comments/:commentId/moderate`, { config: manage, schema: { tags, summary: '隐藏或恢复评论（须说明理由，留痕）', params: s.CommentParams, body: s.ModerateBody, response: errors } }, async (req) =>
      topics.moderateComment(ctx, actorOf(req), req.params.id, req.params.commentId, req.body),
    );
    app.post<C & { Body: Static<typeof s.ReportBody> }>(`${P}/topics/:id/comments/:commentId/report`, { config: user, schema: { tags, summary: '举报不当评论（每人一次）', params: s.CommentParams, body: s.ReportBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await topics.reportComment(ctx, actorOf(req), req.params.id, req.params.commentId, req.body.reason)),
    );
    app.get<{ Querystring: Static<typeof s.ThresholdsQuery> }>(`${P}/thresholds`, { config: { permission: 'deliberation.read' }, schema: { tags, summary: '附议门槛设置（按节点与议题范围层级）', querystring: s.ThresholdsQuery, response: errors } }, async (req) =>
      topics.listThresholds(ctx, actorOf(req), req.query.nodeId),
    );
    app.put<{ Body: Static<typeof s.ThresholdBody> }>(`${P}/thresholds`, { config: manage, schema: { tags, summary: '设置或清除附议门槛（threshold 为 null 时恢复默认）', body: s.ThresholdBody, response: errors } }, async (req) =>
      topics.setThreshold(ctx, actorOf(req), req.body),
    );
  }

  // ------------------------------------------------------------ meetings 议事会议
  {
    const tags = ['deliberation · 会议'];
    app.get<{ Querystring: Static<typeof s.MeetingsQuery> }>(`${P}/meetings`, { config: user, schema: { tags, summary: '议事会议列表', querystring: s.MeetingsQuery } }, async (req) => meetings.listMeetings(ctx, actorOf(req), req.query));
    app.post<{ Body: Static<typeof s.MeetingBody> }>(`${P}/meetings`, { config: manage, schema: { tags, summary: '安排议事会议及议程', body: s.MeetingBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await meetings.scheduleMeeting(ctx, actorOf(req), req.body)),
    );
    app.get<Id>(`${P}/meetings/:id`, { config: user, schema: { tags, summary: '会议详情（议程、签到、纪要）', params: IdParams, response: { 404: ErrorResponse } } }, async (req) => meetings.getMeeting(ctx, actorOf(req), req.params.id));
    app.put<Id & { Body: Static<typeof s.AgendaBody> }>(`${P}/meetings/:id/agenda`, { config: manage, schema: { tags, summary: '调整议程', params: IdParams, body: s.AgendaBody, response: errors } }, async (req) =>
      meetings.setAgenda(ctx, actorOf(req), req.params.id, req.body.agenda),
    );
    app.post<Id & { Body: Static<typeof s.SigninBody> }>(`${P}/meetings/:id/sign-in`, { config: user, schema: { tags, summary: '签到（居民本人；工作人员可代居民签到）', params: IdParams, body: s.SigninBody, response: errors } }, async (req) =>
      meetings.signIn(ctx, actorOf(req), req.params.id, req.body ?? {}),
    );
    app.post<Id & { Body: Static<typeof s.MinutesBody> }>(`${P}/meetings/:id/minutes`, { config: manage, schema: { tags, summary: '发布会议纪要与各议题协商结果', params: IdParams, body: s.MinutesBody, response: errors } }, async (req) =>
      meetings.recordMinutes(ctx, actorOf(req), req.params.id, req.body),
    );
    app.post<Id & { Body: Static<typeof s.ReasonBody> }>(`${P}/meetings/:id/cancel`, { config: manage, schema: { tags, summary: '取消会议', params: IdParams, body: s.ReasonBody, response: errors } }, async (req) =>
      meetings.cancelMeeting(ctx, actorOf(req), req.params.id, req.body.reason),
    );
  }

  // ------------------------------------------------------------ votes 表决
  {
    const tags = ['deliberation · 表决'];
    app.get<{ Querystring: Static<typeof s.VotesQuery> }>(`${P}/votes`, { config: user, schema: { tags, summary: '表决列表', querystring: s.VotesQuery } }, async (req) => votes.listVotes(ctx, actorOf(req), req.query));
    app.post<{ Body: Static<typeof s.VoteBody> }>(`${P}/votes`, { config: manage, schema: { tags, summary: '发起表决（居民表决或业主双过半表决），选民名单于发起时确定', body: s.VoteBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await votes.createVote(ctx, actorOf(req), req.body)),
    );
    app.get<Id>(`${P}/votes/:id`, { config: user, schema: { tags, summary: '表决详情：参与率；截止后公布结果', params: IdParams, response: { 404: ErrorResponse } } }, async (req) => votes.getVote(ctx, actorOf(req), req.params.id));
    app.post<Id & { Body: Static<typeof s.BallotBody> }>(`${P}/votes/:id/ballots`, { config: user, schema: { tags, summary: '投票（一人一票或一户一票；工作人员可代录纸质选票）', params: IdParams, body: s.BallotBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await votes.castBallot(ctx, actorOf(req), req.params.id, req.body)),
    );
    app.get<Id>(`${P}/votes/:id/electors`, { config: assist, schema: { tags, summary: '选民/业主名单及是否已投票（不含投票内容）', params: IdParams, response: errors } }, async (req) => votes.listElectors(ctx, actorOf(req), req.params.id));
    app.post<Id>(`${P}/votes/:id/close`, { config: manage, schema: { tags, summary: '到期计票（通常由系统自动完成）', params: IdParams, response: errors } }, async (req) => votes.closeVote(ctx, actorOf(req), req.params.id));
    app.post<Id & { Body: Static<typeof s.ReasonBody> }>(`${P}/votes/:id/cancel`, { config: manage, schema: { tags, summary: '取消尚无人投票的表决', params: IdParams, body: s.ReasonBody, response: errors } }, async (req) =>
      votes.cancelVote(ctx, actorOf(req), req.params.id, req.body.reason),
    );
  }

  // ------------------------------------------------------------ resolutions 决议
  {
    const tags = ['deliberation · 决议'];
    app.get<{ Querystring: Static<typeof s.ResolutionsQuery> }>(`${P}/resolutions`, { config: user, schema: { tags, summary: '决议落实情况', querystring: s.ResolutionsQuery } }, async (req) => resolutions.listResolutions(ctx, actorOf(req), req.query));
    app.post<{ Body: Static<typeof s.ResolutionBody> }>(`${P}/resolutions`, { config: manage, schema: { tags, summary: '形成决议并明确责任方与期限', body: s.ResolutionBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await resolutions.createResolution(ctx, actorOf(req), req.body)),
    );
    app.get<Id>(`${P}/resolutions/:id`, { config: user, schema: { tags, summary: '决议详情与进展', params: IdParams, response: { 404: ErrorResponse } } }, async (req) => resolutions.getResolution(ctx, actorOf(req), req.params.id));
    app.post<Id & { Body: Static<typeof s.ProgressBody> }>(`${P}/resolutions/:id/progress`, { config: manage, schema: { tags, summary: '报告落实进展或办结', params: IdParams, body: s.ProgressBody, response: errors } }, async (req) =>
      resolutions.reportProgress(ctx, actorOf(req), req.params.id, req.body),
    );
  }

  // ------------------------------------------------------------ conventions 公约
  {
    const tags = ['deliberation · 公约'];
    type V = { Params: Static<typeof s.VersionParams> };
    app.get<{ Querystring: Static<typeof s.ConventionsQuery> }>(`${P}/conventions`, { config: user, schema: { tags, summary: '社区公约/居民公约列表', querystring: s.ConventionsQuery } }, async (req) => conventions.listConventions(ctx, actorOf(req), req.query));
    app.post<{ Body: Static<typeof s.ConventionBody> }>(`${P}/conventions`, { config: manage, schema: { tags, summary: '起草公约（第 1 版草案）', body: s.ConventionBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await conventions.createConvention(ctx, actorOf(req), req.body)),
    );
    app.get<Id>(`${P}/conventions/:id`, { config: user, schema: { tags, summary: '公约详情：各版本、批注、表决', params: IdParams, response: { 404: ErrorResponse } } }, async (req) => conventions.getConvention(ctx, actorOf(req), req.params.id));
    app.get<Id & { Querystring: Static<typeof s.DiffQuery> }>(`${P}/conventions/:id/diff`, { config: user, schema: { tags, summary: '两个版本逐条对比', params: IdParams, querystring: s.DiffQuery, response: { 404: ErrorResponse } } }, async (req) =>
      conventions.diffVersions(ctx, actorOf(req), req.params.id, req.query.from, req.query.to),
    );
    app.post<Id & { Body: Static<typeof s.VersionBody> }>(`${P}/conventions/:id/versions`, { config: manage, schema: { tags, summary: '起草修订版本', params: IdParams, body: s.VersionBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await conventions.draftVersion(ctx, actorOf(req), req.params.id, req.body)),
    );
    app.post<V>(`${P}/conventions/:id/versions/:version/consult`, { config: manage, schema: { tags, summary: '公开征求居民意见', params: s.VersionParams, response: errors } }, async (req) =>
      conventions.openConsultation(ctx, actorOf(req), req.params.id, req.params.version),
    );
    app.post<V & { Body: Static<typeof s.AdoptBody> }>(`${P}/conventions/:id/versions/:version/adopt`, { config: manage, schema: { tags, summary: '经居民会议通过后生效（表决通过的版本自动生效）', params: s.VersionParams, body: s.AdoptBody, response: errors } }, async (req) =>
      conventions.adoptByMeeting(ctx, actorOf(req), req.params.id, req.params.version, req.body.meetingId),
    );
    app.post<V & { Body: Static<typeof s.AnnotationBody> }>(`${P}/conventions/:id/versions/:version/annotations`, { config: user, schema: { tags, summary: '对某一条款提出意见（批注）', params: s.VersionParams, body: s.AnnotationBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await conventions.annotate(ctx, actorOf(req), req.params.id, req.params.version, req.body)),
    );
    app.post<V & { Body: Static<typeof s.ReviseBody> }>(`${P}/conventions/:id/versions/:version/revise`, { config: manage, schema: { tags, summary: '采纳居民修改建议，发布新修订稿（附修订说明）', params: s.VersionParams, body: s.ReviseBody, response: errors } }, async (req, reply) =>
      reply.status(201).send(await conventions.reviseFromSuggestions(ctx, actorOf(req), req.params.id, req.params.version, req.body ?? {})),
    );
    app.post<Id & { Body: Static<typeof s.ReplyBody> }>(`${P}/annotations/:id/reply`, { config: manage, schema: { tags, summary: '答复批注（采纳或不采纳）', params: IdParams, body: s.ReplyBody, response: errors } }, async (req) =>
      conventions.replyAnnotation(ctx, actorOf(req), req.params.id, req.body),
    );
  }

  // ------------------------------------------------------------ roll 业主名册
  {
    const tags = ['deliberation · 业主名册'];
    app.get<{ Querystring: Static<typeof s.RollQuery> }>(`${P}/roll`, { config: assist, schema: { tags, summary: '业主名册与专有部分面积', querystring: s.RollQuery, response: errors } }, async (req) => roll.listRoll(ctx, actorOf(req), req.query.nodeId));
    app.put<{ Params: Static<typeof s.HouseholdParams>; Body: Static<typeof s.RollBody> }>(`${P}/roll/:householdId`, { config: manage, schema: { tags, summary: '登记或更正一户的业主与面积', params: s.HouseholdParams, body: s.RollBody, response: errors } }, async (req) =>
      roll.setRollEntry(ctx, actorOf(req), req.params.householdId, req.body),
    );
  }
}
