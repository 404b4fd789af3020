import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { residentsMatching } from '../../org/index.js';
import { svcRepo, type ArticleRow, type QuestionRow } from '../repository.js';
import { iso, requireText, staffScope } from './common.js';

// ---------------------------------------------------------------- Chinese retrieval: jieba + BM25

/** Words of community services kept whole by the segmenter. */
const DOMAIN_WORDS = [
  '高龄津贴', '高龄补贴', '老年优待证', '优待证', '居住登记', '居住证', '居住证明', '低保', '最低生活保障', '残疾人补贴', '残疾人证', '护理补贴',
  '生活补贴', '临时救助', '医保', '社保', '养老保险', '资格认证', '老年食堂', '长者食堂', '助餐', '四点半课堂', '托管', '健康讲座', '义诊',
  '物业报修', '报修', '停水', '停电', '燃气', '独居老人', '志愿者', '时间银行', '积分', '党群服务中心', '一网通办', '帮代办', '代办',
  '证明开具', '无犯罪记录', '户籍', '户口', '迁入', '迁出', '出生证明', '独生子女', '计生', '优抚', '退役军人', '电动车', '充电桩',
  '垃圾分类', '养犬', '犬只', '场地预约', '活动室', '智能手机', '一键报警', '紧急呼叫', '适老化', '改造', '家庭医生', '签约',
];

let jieba: Jieba | null = null;
function segmenter(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(Buffer.from(DOMAIN_WORDS.map((w) => `${w} 3000 n`).join('\n')));
  }
  return jieba;
}

const STOPWORDS = new Set(
  (
    '的 了 是 在 我 我们 你 你们 他 她 它 有 和 与 及 或 也 都 就 吗 呢 吧 啊 呀 嘛 哦 请问 请 问 怎么 怎么样 怎样 如何 什么 啥 哪里 哪儿 哪 ' +
    '多少 几 个 要 想 需要 可以 能 能不能 会 去 到 在哪 哪个 一下 这个 那个 这 那 谁 为什么 么 还 又 把 被 给 对 从 上 下 里 该 应该 ' +
    '办 办理 手续 问题 情况 一个 有没有 没有 不 是否 有关 关于 家里 家 老人家'
  )
    .trim()
    .split(/\s+/),
);
const WORDISH = /[\u4e00-\u9fffa-z0-9]/;

/** Segmented content terms of a text (search mode: long words and their parts). */
export function terms(text: string): string[] {
  const t = text.normalize('NFKC').toLowerCase();
  return segmenter()
    .cutForSearch(t, true)
    .map((w) => w.trim())
    .filter((w) => w && WORDISH.test(w) && !STOPWORDS.has(w));
}

interface Doc {
  id: string;
  tf: Map<string, number>;
  len: number;
}

/** Okapi BM25 over segmented terms (k1 = 1.2, b = 0.75). */
export class Bm25Index {
  private readonly docs: Doc[] = [];
  private readonly df = new Map<string, number>();
  private avgLen = 0;
  constructor(entries: Array<{ id: string; fields: Array<{ text: string; weight: number }> }>) {
    for (const e of entries) {
      const tf = new Map<string, number>();
      let len = 0;
      for (const f of e.fields) {
        for (const w of terms(f.text)) {
          tf.set(w, (tf.get(w) ?? 0) + f.weight);
          len += f.weight;
        }
      }
      this.docs.push({ id: e.id, tf, len });
      for (const w of tf.keys()) this.df.set(w, (this.df.get(w) ?? 0) + 1);
    }
    this.avgLen = this.docs.length ? this.docs.reduce((s, d) => s + d.len, 0) / this.docs.length : 1;
  }
  idf(term: string): number {
    const n = this.docs.length;
    const df = this.df.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }
  /**
   * Ranked documents with their BM25 score and coverage: the share of the query's information
   * (sum of idf, unknown words counting as the rarest) that the document contains.
   */
  search(query: string, limit = 5): Array<{ id: string; score: number; coverage: number; matched: string[] }> {
    const q = [...new Set(terms(query))];
    if (!q.length || !this.docs.length) return [];
    const maxIdf = this.idf('\u0000');
    const total = q.reduce((s, t) => s + (this.df.has(t) ? this.idf(t) : maxIdf), 0);
    const k1 = 1.2;
    const b = 0.75;
    const out: Array<{ id: string; score: number; coverage: number; matched: string[] }> = [];
    for (const d of this.docs) {
      let score = 0;
      let covered = 0;
      const matched: string[] = [];
      for (const t of q) {
        const f = d.tf.get(t);
        if (!f) continue;
        const idf = this.idf(t);
        score += idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * d.len) / this.avgLen)));
        covered += idf;
        matched.push(t);
      }
      if (score > 0) out.push({ id: d.id, score, coverage: total ? covered / total : 0, matched });
    }
    return out.sort((a, b2) => b2.score - a.score).slice(0, limit);
  }
}

/** The smallest coverage of the question's information for an article to count as the answer. */
export const ANSWER_COVERAGE = 0.5;

const indexes = new WeakMap<AppContext, { version: string; index: Bm25Index; articles: Map<string, ArticleRow> }>();

async function kbIndex(ctx: AppContext) {
  const version = await svcRepo.kbVersion(ctx.db);
  const cached = indexes.get(ctx);
  if (cached && cached.version === version) return cached;
  const rows = await svcRepo.articles(ctx.db);
  const index = new Bm25Index(
    rows.map((a) => ({
      id: a.id,
      fields: [
        { text: a.title, weight: 3 },
        { text: a.keywords.join(' '), weight: 3 },
        { text: a.body, weight: 1 },
      ],
    })),
  );
  const entry = { version, index, articles: new Map(rows.map((a) => [a.id, a])) };
  indexes.set(ctx, entry);
  return entry;
}

export interface ArticleView {
  id: string;
  title: string;
  body: string;
  keywords: string[];
  matterCode: string | null;
  active: boolean;
  hits: number;
  updatedAt: string;
}
const viewArticle = (a: ArticleRow): ArticleView => ({ id: a.id, title: a.title, body: a.body, keywords: a.keywords, matterCode: a.matter_code, active: a.active, hits: a.hits, updatedAt: new Date(a.updated_at).toISOString() });

/**
 * Answers a resident's question from the knowledge base. The best article is shown when it covers
 * enough of the question; otherwise the question is kept for staff and the resident is offered
 * to open a case or an application instead.
 */
export async function ask(ctx: AppContext, actor: Actor, question: string) {
  const q = requireText(question, 'question', 300, '问题');
  const { index, articles } = await kbIndex(ctx);
  const hits = index.search(q, 4);
  const top = hits[0];
  const answered = !!top && top.coverage >= ANSWER_COVERAGE;
  let nodePath: string | null = null;
  if (actor.residentId) {
    const [r] = await residentsMatching(ctx.db, { ids: [actor.residentId], on: ctx.clock.now() });
    nodePath = r?.nodePath ?? null;
  }
  const id = newId();
  const now = ctx.clock.now();
  const article = answered ? articles.get(top.id)! : null;
  await withTx(ctx, async (trx) => {
    await trx
      .insertInto('svc_questions')
      .values({ id, question: q, user_id: actor.userId, resident_id: actor.residentId, node_path: nodePath, article_id: article?.id ?? null, score: top?.coverage ?? 0, answered, status: answered ? 'none' : 'open', resolution: null, resolved_by: null, created_at: now, resolved_at: null })
      .execute();
    if (article) await trx.updateTable('svc_kb_articles').set((eb) => ({ hits: eb('hits', '+', 1) })).where('id', '=', article.id).execute();
    await audit(trx, ctx.clock, actor, { action: 'services.assistant.ask', entity: 'svc_question', entityId: id, after: { answered, articleId: article?.id ?? null, score: top ? Number(top.coverage.toFixed(3)) : 0 } });
  });
  const matter = article?.matter_code ? await svcRepo.matterByCode(ctx.db, article.matter_code) : null;
  return {
    questionId: id,
    answered,
    score: top ? Number(top.coverage.toFixed(3)) : 0,
    article: article ? viewArticle(article) : null,
    related: hits
      .filter((h) => h.id !== article?.id && h.coverage >= 0.2)
      .slice(0, 3)
      .map((h) => ({ id: h.id, title: articles.get(h.id)!.title })),
    matter: matter && matter.active ? { id: matter.id, name: matter.name } : null,
    suggestions: answered ? [] : ['report', 'apply'],
  };
}

/** "This did not help": the question goes to the staff's list of unanswered questions. */
export async function markUnhelpful(ctx: AppContext, actor: Actor, id: string) {
  await withTx(ctx, async (trx) => {
    const qn = await trx.selectFrom('svc_questions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!qn || !actor.userId || qn.user_id !== actor.userId) throw notFound('问题不存在');
    if (qn.status === 'open') return;
    if (qn.status === 'resolved') throw conflict('工作人员已答复该问题');
    await trx.updateTable('svc_questions').set({ status: 'open', answered: false }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'services.assistant.unhelpful', entity: 'svc_question', entityId: id, before: { status: qn.status }, after: { status: 'open' } });
  });
  return { ok: true };
}

const viewQuestion = (q: QuestionRow, article: string | null) => ({
  id: q.id,
  question: q.question,
  answered: q.answered,
  score: q.score,
  status: q.status,
  articleId: q.article_id,
  articleTitle: article,
  resolution: q.resolution,
  resolvedBy: q.resolved_by,
  createdAt: new Date(q.created_at).toISOString(),
  resolvedAt: iso(q.resolved_at),
});

/** Unanswered questions (status open) and their answers, for the staff who keep the knowledge base. */
export async function listQuestions(ctx: AppContext, actor: Actor, f: { status?: 'open' | 'resolved' | 'none'; page: number; pageSize: number }) {
  requirePermission(actor, 'services.kb.write');
  const scope = staffScope(actor);
  let q = ctx.db.selectFrom('svc_questions');
  if (scope.kind === 'none') return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
  if (scope.kind === 'subtree') {
    const p = scope.path;
    // questions from residents of the scope; questions of people without a registered home go to street-level staff
    q = q.where((eb) => eb.or([eb('node_path', '=', p), eb('node_path', 'like', p.replace(/[\\%_]/g, '\\$&') + '/%'), ...(p.split('/').length <= 2 ? [eb('node_path', 'is', null)] : [])]));
  }
  if (f.status) q = q.where('status', '=', f.status);
  const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.pageSize).offset((f.page - 1) * f.pageSize).execute();
  const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const ids = [...new Set(rows.map((r) => r.article_id).filter((x): x is string => !!x))];
  const titles = ids.length ? new Map((await ctx.db.selectFrom('svc_kb_articles').select(['id', 'title']).where('id', 'in', ids).execute()).map((a) => [a.id, a.title])) : new Map<string, string>();
  return { items: rows.map((r) => viewQuestion(r, r.article_id ? (titles.get(r.article_id) ?? null) : null)), total: Number(total.n), page: f.page, pageSize: f.pageSize };
}

export async function resolveQuestion(ctx: AppContext, actor: Actor, id: string, input: { resolution: string; articleId?: string | null }) {
  requirePermission(actor, 'services.kb.write');
  const resolution = requireText(input.resolution, 'resolution', 2000, '答复');
  await withTx(ctx, async (trx) => {
    const qn = await trx.selectFrom('svc_questions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!qn) throw notFound('问题不存在');
    const scope = staffScope(actor);
    if (scope.kind === 'none' || (scope.kind === 'subtree' && !(qn.node_path === null ? scope.path.split('/').length <= 2 : qn.node_path === scope.path || qn.node_path.startsWith(scope.path + '/')))) throw notFound('问题不存在');
    if (qn.status === 'resolved') throw conflict('该问题已答复');
    if (input.articleId && !(await trx.selectFrom('svc_kb_articles').select('id').where('id', '=', input.articleId).executeTakeFirst())) throw invalid('知识条目不存在', [{ field: 'articleId', message: '不存在' }]);
    await trx.updateTable('svc_questions').set({ status: 'resolved', resolution, resolved_by: actor.displayName, resolved_at: ctx.clock.now(), article_id: input.articleId ?? qn.article_id }).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, { action: 'services.assistant.resolve', entity: 'svc_question', entityId: id, before: { status: qn.status }, after: { status: 'resolved', resolution, articleId: input.articleId ?? null } });
  });
  return { ok: true };
}

// ---------------------------------------------------------------- knowledge base maintenance

export async function listArticles(ctx: AppContext, actor: Actor): Promise<ArticleView[]> {
  requirePermission(actor, 'services.kb.write');
  return (await svcRepo.articles(ctx.db, true)).map(viewArticle);
}

/** Published articles for residents to browse (no staff fields). */
export async function publicArticles(ctx: AppContext) {
  return (await svcRepo.articles(ctx.db)).map((a) => ({ id: a.id, title: a.title, body: a.body, matterCode: a.matter_code }));
}

export interface ArticleInput {
  title: string;
  body: string;
  keywords?: string[];
  matterCode?: string | null;
  active?: boolean;
}

export async function saveArticle(ctx: AppContext, actor: Actor, id: string | null, input: ArticleInput): Promise<ArticleView> {
  requirePermission(actor, 'services.kb.write');
  const title = requireText(input.title, 'title', 100, '标题');
  const body = requireText(input.body, 'body', 5000, '正文');
  const keywords = [...new Set((input.keywords ?? []).map((k) => k.trim()).filter(Boolean))].slice(0, 30);
  if (input.matterCode && !(await svcRepo.matterByCode(ctx.db, input.matterCode))) throw invalid('关联事项不存在', [{ field: 'matterCode', message: '不存在' }]);
  const now = ctx.clock.now();
  const artId = id ?? newId();
  await withTx(ctx, async (trx) => {
    const before = id ? await trx.selectFrom('svc_kb_articles').selectAll().where('id', '=', id).forUpdate().executeTakeFirst() : undefined;
    if (id && !before) throw notFound('知识条目不存在');
    const row = { title, body, keywords, matter_code: input.matterCode ?? null, active: input.active ?? true, updated_by: actor.displayName, updated_at: now };
    if (before) await trx.updateTable('svc_kb_articles').set(row).where('id', '=', artId).execute();
    else await trx.insertInto('svc_kb_articles').values({ ...row, id: artId, hits: 0, created_at: now }).execute();
    await audit(trx, ctx.clock, actor, { action: before ? 'services.kb.update' : 'services.kb.create', entity: 'svc_kb_article', entityId: artId, before: before ? viewArticle(before) : undefined, after: { title, keywords, active: row.active } });
  });
  // this instance rebuilds at once; others notice the count or the latest update time change
  indexes.delete(ctx);
  return viewArticle((await ctx.db.selectFrom('svc_kb_articles').selectAll().where('id', '=', artId).executeTakeFirst())!);
}
