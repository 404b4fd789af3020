import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.js';
import { actorOf } from '../../platform/http/app.js';
import { ErrorResponse, IdParams, Page } from '../../platform/http/schemas.js';
import { listCategories } from './categories.js';
import { dispatchStats, listCorrections, recordCorrection } from './corrections.js';
import { createRule, deleteRule, listRules, updateRule } from './rules.js';
import { classifyReport, previewRoute } from './service.js';
import * as s from './schemas.js';

const CategorySchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  group: Type.String(),
  department: Type.String(),
  cc: Type.Array(Type.String()),
  limitHours: Type.Integer(),
  priority: Type.String(),
  description: Type.String(),
  active: Type.Boolean(),
});

export async function dispatchRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tags = ['dispatch'];
  app.get(
    '/dispatch/categories',
    { config: { auth: 'public' }, schema: { tags, summary: '事件分类目录（48 类）', response: { 200: Type.Array(CategorySchema) } } },
    async () => listCategories(ctx),
  );

  app.post<{ Body: Static<typeof s.ClassifyBody> }>(
    '/dispatch/classify',
    { config: { permission: 'dispatch.classify' }, schema: { tags, summary: '智能分类：前三类及置信度、处置部门、关键词、是否转人工', body: s.ClassifyBody, response: { 200: s.ClassifyResponse, 400: ErrorResponse } } },
    async (req) => classifyReport(ctx, req.body),
  );

  app.get('/dispatch/rules', { config: { permission: 'dispatch.rules.read' }, schema: { tags, summary: '分派规则（按优先级）', response: { 200: Type.Array(s.RuleSchema) } } }, async () => listRules(ctx));

  app.post<{ Body: Static<typeof s.RuleBody> }>(
    '/dispatch/rules',
    { config: { permission: 'dispatch.rules.write' }, schema: { tags, summary: '新建分派规则', body: s.RuleBody, response: { 201: s.RuleSchema, 400: ErrorResponse } } },
    async (req, reply) => reply.status(201).send(await createRule(ctx, actorOf(req), req.body)),
  );

  app.patch<{ Params: Static<typeof IdParams>; Body: Static<typeof s.RulePatch> }>(
    '/dispatch/rules/:id',
    { config: { permission: 'dispatch.rules.write' }, schema: { tags, summary: '修改分派规则', params: IdParams, body: s.RulePatch, response: { 200: s.RuleSchema, 400: ErrorResponse, 404: ErrorResponse } } },
    async (req) => updateRule(ctx, actorOf(req), req.params.id, req.body),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/dispatch/rules/:id',
    { config: { permission: 'dispatch.rules.write' }, schema: { tags, summary: '删除分派规则', params: IdParams, response: { 404: ErrorResponse } } },
    async (req, reply) => {
      await deleteRule(ctx, actorOf(req), req.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Body: Static<typeof s.PreviewBody> }>(
    '/dispatch/rules/preview',
    { config: { permission: 'dispatch.classify' }, schema: { tags, summary: '分派预览：给定分类或描述及位置，显示命中的规则和处置部门', body: s.PreviewBody, response: { 200: s.PreviewResponse, 400: ErrorResponse } } },
    async (req) => previewRoute(ctx, req.body),
  );

  app.post<{ Body: Static<typeof s.CorrectionBody> }>(
    '/dispatch/corrections',
    { config: { permission: 'dispatch.corrections.write' }, schema: { tags, summary: '记录一次分类纠正（供下次训练）', body: s.CorrectionBody, response: { 201: s.CorrectionSchema, 400: ErrorResponse } } },
    async (req, reply) => {
      const r = await recordCorrection(ctx, actorOf(req), req.body);
      return r ? reply.status(201).send(r) : reply.status(200).send({ recorded: false });
    },
  );

  app.get<{ Querystring: Static<typeof s.CorrectionsQuery> }>(
    '/dispatch/corrections',
    { config: { permission: 'dispatch.stats.read' }, schema: { tags, summary: '分类纠正记录', querystring: s.CorrectionsQuery, response: { 200: Page(s.CorrectionSchema) } } },
    async (req) => listCorrections(ctx, req.query),
  );

  app.get(
    '/dispatch/stats',
    { config: { permission: 'dispatch.stats.read' }, schema: { tags, summary: '分类效果：留出集混淆矩阵、纠正统计、被纠正最多的分类' } },
    async () => dispatchStats(ctx),
  );
}
