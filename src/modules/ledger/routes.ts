import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams, Page } from '../../platform/http/schemas.js';
import * as svc from './service.js';
import * as tb from './timebank.js';
import * as s from './schemas.js';

type Id = { Params: Static<typeof IdParams> };
const user = { auth: 'user' as const };

export async function ledgerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['ledger'];
  const e = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

  // ------------------------------------------------------------ accounts and statements
  app.get<{ Querystring: Static<typeof s.AccountsQuery> }>(
    '/ledger/accounts',
    { config: user, schema: { tags, summary: '积分/时间账户列表（工作人员看辖区，其他人看自己的）', querystring: s.AccountsQuery, response: { 200: Page(s.AccountSchema), ...e } } },
    async (req) => svc.listAccounts(ctx, actorOf(req), { ...req.query, nodeId: req.query.communityId }),
  );
  app.get('/ledger/accounts/me', { config: user, schema: { tags, summary: '我的账户', response: { 200: Type.Array(s.AccountSchema) } } }, async (req) => svc.myAccounts(ctx, actorOf(req)));
  app.get<Id>('/ledger/accounts/:id', { config: user, schema: { tags, summary: '账户详情', params: IdParams, response: { 200: s.AccountSchema, ...e } } }, async (req) => svc.getAccount(ctx, actorOf(req), req.params.id));
  app.get<Id & { Querystring: Static<typeof s.StatementQuery> }>(
    '/ledger/accounts/:id/statement',
    { config: user, schema: { tags, summary: '账户对账单（期初、收支明细、期末）', params: IdParams, querystring: s.StatementQuery, response: { 200: s.StatementSchema, ...e } } },
    async (req) => svc.statement(ctx, actorOf(req), req.params.id, req.query),
  );
  app.put<Id & { Body: Static<typeof s.LimitBody> }>(
    '/ledger/accounts/:id/limit',
    { config: { permission: 'ledger.manage' }, schema: { tags, summary: '设置账户透支额度（下限）', params: IdParams, body: s.LimitBody, response: { 200: s.AccountSchema, ...e } } },
    async (req) => svc.setAccountLimit(ctx, actorOf(req), req.params.id, req.body.lowerLimit),
  );

  // ------------------------------------------------------------ transfers
  app.post<{ Body: Static<typeof s.TransferBody> }>(
    '/ledger/transfers',
    { config: { permission: 'ledger.approve' }, schema: { tags, summary: '人工调整转账（幂等）', body: s.TransferBody, response: { 200: s.TransferResult, 201: s.TransferResult, ...e } } },
    async (req, reply) => {
      const r = await svc.createTransfer(ctx, actorOf(req), req.body);
      return reply.status(r.replayed ? 200 : 201).send(r);
    },
  );
  app.get<Id>('/ledger/transfers/:id', { config: user, schema: { tags, summary: '转账详情', params: IdParams, response: { 200: s.TransferSchema, ...e } } }, async (req) => svc.getTransfer(ctx, actorOf(req), req.params.id));
  app.post<Id & { Body: Static<typeof s.ReverseBody> }>(
    '/ledger/transfers/:id/reverse',
    { config: { permission: 'ledger.approve' }, schema: { tags, summary: '冲正（以反向转账抵销，不修改原记录）', params: IdParams, body: s.ReverseBody, response: { 201: s.TransferSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await svc.reverseTransfer(ctx, actorOf(req), req.params.id, req.body.memo)),
  );

  app.get<{ Querystring: Static<typeof s.ReportQuery> }>(
    '/ledger/reports/monthly',
    { config: { permission: 'ledger.report' }, schema: { tags, summary: '社区积分月报（XLSX）', querystring: s.ReportQuery, response: e } },
    async (req, reply) => {
      const r = await svc.monthlyReport(ctx, actorOf(req), req.query);
      reply.header('Content-Disposition', `attachment; filename="${r.filename}"`);
      return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(r.buffer);
    },
  );

  // ------------------------------------------------------------ earning rules and claims
  app.get<{ Querystring: Static<typeof s.RulesQuery> }>(
    '/ledger/rules',
    { config: user, schema: { tags, summary: '积分规则', querystring: s.RulesQuery, response: { 200: Type.Array(s.RuleSchema) } } },
    async (req) => svc.listRules(ctx, actorOf(req), !req.query.all),
  );
  app.post<{ Body: Static<typeof s.RuleBody> }>(
    '/ledger/rules',
    { config: { permission: 'ledger.manage' }, schema: { tags, summary: '新建积分规则', body: s.RuleBody, response: { 201: s.RuleSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await svc.createRule(ctx, actorOf(req), req.body)),
  );
  app.patch<Id & { Body: Static<typeof s.RulePatch> }>(
    '/ledger/rules/:id',
    { config: { permission: 'ledger.manage' }, schema: { tags, summary: '修改积分规则', params: IdParams, body: s.RulePatch, response: { 200: s.RuleSchema, ...e } } },
    async (req) => svc.updateRule(ctx, actorOf(req), req.params.id, req.body),
  );
  app.get<{ Querystring: Static<typeof s.ClaimsQuery> }>(
    '/ledger/claims',
    { config: user, schema: { tags, summary: '积分申请（待审核/已审核）', querystring: s.ClaimsQuery, response: { 200: Page(s.ClaimSchema) } } },
    async (req) => svc.listClaims(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.ClaimBody> }>(
    '/ledger/claims',
    { config: user, schema: { tags, summary: '申报服务积分（待工作人员确认）', body: s.ClaimBody, response: { 201: s.ClaimSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await svc.submitClaim(ctx, actorOf(req), req.body)),
  );
  app.post<Id & { Body: Static<typeof s.ReviewBody> }>(
    '/ledger/claims/:id/review',
    { config: { permission: 'ledger.approve' }, schema: { tags, summary: '确认服务并发放积分，或驳回', params: IdParams, body: s.ReviewBody, response: { 200: s.ReviewResult, ...e } } },
    async (req) => svc.reviewClaim(ctx, actorOf(req), req.params.id, req.body),
  );

  // ------------------------------------------------------------ rewards and redemption
  app.get<{ Querystring: Static<typeof s.RewardsQuery> }>(
    '/ledger/rewards',
    { config: user, schema: { tags, summary: '兑换品目录', querystring: s.RewardsQuery, response: { 200: Type.Array(s.RewardSchema) } } },
    async (req) => svc.listRewards(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.RewardBody> }>(
    '/ledger/rewards',
    { config: { permission: 'ledger.manage' }, schema: { tags, summary: '新建兑换品（场地预约优先、物品、商户优惠券）', body: s.RewardBody, response: { 201: Type.Object({ id: Type.String() }), ...e } } },
    async (req, reply) => reply.status(201).send(await svc.createReward(ctx, actorOf(req), req.body)),
  );
  app.patch<Id & { Body: Static<typeof s.RewardPatch> }>(
    '/ledger/rewards/:id',
    { config: { permission: 'ledger.manage' }, schema: { tags, summary: '修改兑换品（库存、上下架）', params: IdParams, body: s.RewardPatch, response: { 200: Type.Object({ id: Type.String() }), ...e } } },
    async (req) => svc.updateReward(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id & { Body: Static<typeof s.RedeemBody> }>(
    '/ledger/rewards/:id/redeem',
    { config: user, schema: { tags, summary: '用积分兑换，获得兑换码（幂等）', params: IdParams, body: s.RedeemBody, response: { 200: s.RedemptionSchema, 201: s.RedemptionSchema, ...e } } },
    async (req, reply) => {
      const r = await svc.redeem(ctx, actorOf(req), req.params.id, req.body);
      return reply.status(r.replayed ? 200 : 201).send(r);
    },
  );
  app.get<{ Querystring: Static<typeof s.RedemptionsQuery> }>(
    '/ledger/redemptions',
    { config: user, schema: { tags, summary: '兑换记录（我的兑换；商户看自己的核销）', querystring: s.RedemptionsQuery, response: { 200: Page(s.RedemptionSchema) } } },
    async (req) => svc.listRedemptions(ctx, actorOf(req), req.query),
  );
  app.get<Id>('/ledger/redemptions/:id', { config: user, schema: { tags, summary: '兑换详情', params: IdParams, response: { 200: s.RedemptionSchema, ...e } } }, async (req) => svc.getRedemption(ctx, actorOf(req), req.params.id));
  app.post<{ Body: Static<typeof s.VerifyBody> }>(
    '/ledger/redemptions/verify',
    { config: { permission: 'ledger.verify' }, schema: { tags, summary: '商户核销兑换码（每个码只能核销一次）', body: s.VerifyBody, response: { 200: s.RedemptionSchema, ...e } } },
    async (req) => svc.verifyCode(ctx, actorOf(req), req.body.code),
  );
  app.post<Id>(
    '/ledger/redemptions/:id/cancel',
    { config: user, schema: { tags, summary: '取消未核销的兑换（积分退回、库存恢复）', params: IdParams, response: { 200: s.RedemptionSchema, ...e } } },
    async (req) => svc.cancelRedemption(ctx, actorOf(req), req.params.id),
  );

  // ------------------------------------------------------------ time bank
  const ttags = ['timebank'];
  app.get<{ Querystring: Static<typeof s.PostsQuery> }>(
    '/timebank/posts',
    { config: user, schema: { tags: ttags, summary: '时间银行：服务与求助', querystring: s.PostsQuery, response: { 200: Page(s.PostSchema) } } },
    async (req) => tb.listPosts(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.PostBody> }>(
    '/timebank/posts',
    { config: user, schema: { tags: ttags, summary: '发布服务或求助（陪伴、代买、维修…）', body: s.PostBody, response: { 201: s.PostSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await tb.createPost(ctx, actorOf(req), req.body)),
  );
  app.get<Id>(
    '/timebank/posts/:id/matches',
    { config: user, schema: { tags: ttags, summary: '为求助匹配志愿服务', params: IdParams, response: { 200: Type.Array(s.PostSchema), ...e } } },
    async (req) => tb.matchesFor(ctx, actorOf(req), req.params.id),
  );
  app.get<{ Querystring: Static<typeof s.ExchangesQuery> }>(
    '/timebank/exchanges',
    { config: user, schema: { tags: ttags, summary: '服务记录', querystring: s.ExchangesQuery, response: { 200: Page(s.ExchangeSchema) } } },
    async (req) => tb.listExchanges(ctx, actorOf(req), req.query),
  );
  app.post<{ Body: Static<typeof s.ExchangeBody> }>(
    '/timebank/exchanges',
    { config: user, schema: { tags: ttags, summary: '匹配：志愿者响应求助', body: s.ExchangeBody, response: { 201: s.ExchangeSchema, ...e } } },
    async (req, reply) => reply.status(201).send(await tb.createExchange(ctx, actorOf(req), req.body)),
  );
  app.post<Id & { Body: Static<typeof s.ConfirmBody> }>(
    '/timebank/exchanges/:id/confirm',
    { config: user, schema: { tags: ttags, summary: '被服务人或工作人员确认服务时长，时间存入志愿者账户', params: IdParams, body: s.ConfirmBody, response: { 200: s.ExchangeSchema, ...e } } },
    async (req) => tb.confirmExchange(ctx, actorOf(req), req.params.id, req.body),
  );
  app.post<Id>(
    '/timebank/exchanges/:id/cancel',
    { config: user, schema: { tags: ttags, summary: '取消未确认的服务', params: IdParams, response: { 200: s.ExchangeSchema, ...e } } },
    async (req) => tb.cancelExchange(ctx, actorOf(req), req.params.id),
  );
  app.post<{ Body: Static<typeof s.FamilyBody> }>(
    '/timebank/family-transfers',
    { config: user, schema: { tags: ttags, summary: '时间转赠亲属（如子女的时间用于父母）', body: s.FamilyBody, response: { 200: s.TransferResult, 201: s.TransferResult, ...e } } },
    async (req, reply) => {
      const r = await tb.familyTransfer(ctx, actorOf(req), req.body);
      return reply.status(r.replayed ? 200 : 201).send(r);
    },
  );
}
