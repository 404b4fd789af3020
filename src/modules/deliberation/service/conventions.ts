import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { pathWithin } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { assertManage, assertSees, canManage, residentCovered, viewerOf, type Viewer } from '../policy.js';
import { deliberationRepo as repo, type AnnotationRow, type Article, type ChangelogEntry, type ConventionRow, type VersionRow } from '../repository.js';
import { iso, nodeOrInvalid, uniqueOr409 } from './common.js';

export const CONVENTION_LEVELS = ['community', 'estate'];

export const VERSION_STATUS_LABEL: Record<VersionRow['status'], string> = { draft: '草案', consultation: '征求意见中', adopted: '现行版本', superseded: '已废止' };

const viewVersion = (x: VersionRow) => ({
  version: x.version,
  status: x.status,
  statusLabel: VERSION_STATUS_LABEL[x.status],
  articles: x.articles as Article[],
  changeNote: x.change_note,
  changelog: (x.changelog as ChangelogEntry[] | null) ?? [],
  adoptedAt: iso(x.adopted_at),
  adoptedVia: x.adopted_via,
  adoptedRef: x.adopted_ref,
  createdAt: iso(x.created_at)!,
});

const viewConvention = (c: ConventionRow) => ({
  id: c.id,
  title: c.title,
  nodeId: c.node_id,
  nodePath: c.node_path,
  nodeName: c.node_name,
  currentVersion: c.current_version,
  createdAt: iso(c.created_at)!,
  updatedAt: iso(c.updated_at)!,
});

const viewAnnotation = (a: AnnotationRow, staff: boolean) => ({
  id: a.id,
  version: a.version,
  articleNo: a.article_no,
  body: a.body,
  suggestedText: a.suggested_text,
  appliedVersion: a.applied_version,
  authorName: staff ? a.author_name : a.author_name.slice(0, 1) + '**',
  status: a.status,
  reply: a.reply,
  repliedAt: iso(a.replied_at),
  createdAt: iso(a.created_at)!,
});

/** Articles are numbered 1..n in order; the numbers given by the client are checked, not trusted. */
function checkArticles(articles: Article[]): Article[] {
  if (!articles.length) throw invalid('公约至少需要一条条款', [{ field: 'articles', message: '不能为空' }]);
  return articles.map((a, i) => {
    if (a.no !== i + 1) throw invalid('条款须从第 1 条起连续编号', [{ field: `articles.${i}.no`, message: `应为 ${i + 1}` }]);
    if (!a.text.trim()) throw invalid(`第 ${i + 1} 条内容不能为空`, [{ field: `articles.${i}.text`, message: '为必填项' }]);
    return { no: a.no, ...(a.title?.trim() ? { title: a.title.trim() } : {}), text: a.text.trim() };
  });
}

export async function listConventions(ctx: AppContext, actor: Actor, f: { page: number; pageSize: number }) {
  const v = await viewerOf(ctx, actor);
  const { rows, total } = await repo.listConventions(ctx.db, { path: v.filter, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewConvention), total, page: f.page, pageSize: f.pageSize };
}

async function visibleConvention(v: Viewer, db: Tx | AppContext['db'], id: string, forUpdate = false): Promise<ConventionRow> {
  const c = await repo.conventionById(db, id, forUpdate);
  if (!c) throw notFound('公约不存在');
  assertSees(v, c.node_path);
  return c;
}

export async function getConvention(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const c = await visibleConvention(v, ctx.db, id);
  const [versions, annotations, votes] = await Promise.all([repo.versions(ctx.db, id), repo.annotations(ctx.db, id), repo.votesOfConvention(ctx.db, id)]);
  const staff = v.kind === 'staff';
  return {
    ...viewConvention(c),
    versions: versions.map(viewVersion),
    annotations: annotations.map((a) => viewAnnotation(a, staff)),
    votes: votes.map((x) => ({ id: x.id, title: x.title, version: x.convention_version, status: x.status, passed: x.passed, closesAt: iso(x.closes_at)! })),
    canAnnotate: residentCovered(v, c.node_path) && versions.some((x) => x.status === 'consultation'),
    canManage: canManage(actor, c.node_path),
  };
}

export async function createConvention(ctx: AppContext, actor: Actor, input: { title: string; nodeId: string; articles: Article[]; changeNote?: string }) {
  const node = await nodeOrInvalid(ctx.db, input.nodeId, CONVENTION_LEVELS);
  assertManage(actor, node.path);
  const articles = checkArticles(input.articles);
  const now = ctx.clock.now();
  const c: ConventionRow = { id: newId(), title: input.title.trim(), node_id: node.id, node_path: node.path, node_name: node.name, current_version: null, created_by: actor.userId, created_at: now, updated_at: now };
  if (!c.title) throw invalid('公约名称不能为空', [{ field: 'title', message: '为必填项' }]);
  await withTx(ctx, async (trx) => {
    await repo.insertConvention(trx, c);
    await repo.insertVersion(trx, { convention_id: c.id, version: 1, articles, change_note: input.changeNote?.trim() || '首次制定', changelog: articles.map((a) => ({ articleNo: a.no, change: 'added' as const, annotationId: null, note: '首次制定' })), status: 'draft', adopted_at: null, adopted_via: null, adopted_ref: null, created_by: actor.userId, created_at: now });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.convention.create', entity: 'deliberation_convention', entityId: c.id, after: { title: c.title, node: c.node_path, articles: articles.length } });
  });
  return getConvention(ctx, actor, c.id);
}

/** Drafts the next version (修订); only one version may be in the making at a time. */
export async function draftVersion(ctx: AppContext, actor: Actor, id: string, input: { articles: Article[]; changeNote: string }) {
  const v = await viewerOf(ctx, actor);
  const articles = checkArticles(input.articles);
  if (!input.changeNote.trim()) throw invalid('请说明修订内容', [{ field: 'changeNote', message: '为必填项' }]);
  await uniqueOr409(
    () =>
      withTx(ctx, async (trx) => {
        const c = await visibleConvention(v, trx, id, true);
        assertManage(actor, c.node_path);
        const versions = await repo.versions(trx, id);
        if (versions.some((x) => x.status === 'draft' || x.status === 'consultation')) throw conflict('已有未定稿的修订版本，请先完成或废止');
        const next = Math.max(0, ...versions.map((x) => x.version)) + 1;
        const base = versions.find((x) => x.version === c.current_version) ?? versions[versions.length - 1];
        const changelog = changelogOf(base ? (base.articles as Article[]) : [], articles, new Map());
        await repo.insertVersion(trx, { convention_id: id, version: next, articles, change_note: input.changeNote.trim(), changelog, status: 'draft', adopted_at: null, adopted_via: null, adopted_ref: null, created_by: actor.userId, created_at: ctx.clock.now() });
        await repo.updateConvention(trx, id, { updated_at: ctx.clock.now() });
        await audit(trx, ctx.clock, actor, { action: 'deliberation.convention.draft', entity: 'deliberation_convention', entityId: id, after: { version: next, changeNote: input.changeNote, articles: articles.length } });
      }),
    '已有未定稿的修订版本，请先完成或废止',
  );
  return getConvention(ctx, actor, id);
}

async function draftOf(ctx: AppContext, actor: Actor, trx: Tx, id: string, version: number): Promise<{ c: ConventionRow; ver: VersionRow }> {
  const v = await viewerOf(ctx, actor, trx);
  const c = await visibleConvention(v, trx, id, true);
  assertManage(actor, c.node_path);
  const ver = await repo.version(trx, id, version);
  if (!ver) throw notFound('公约版本不存在');
  return { c, ver };
}

/** Opens a draft for residents' annotations (征求意见). */
export async function openConsultation(ctx: AppContext, actor: Actor, id: string, version: number) {
  await withTx(ctx, async (trx) => {
    const { ver } = await draftOf(ctx, actor, trx, id, version);
    if (ver.status !== 'draft') throw conflict(`该版本为「${VERSION_STATUS_LABEL[ver.status]}」，不能征求意见`);
    await repo.updateVersion(trx, id, version, { status: 'consultation' });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.convention.consult', entity: 'deliberation_convention', entityId: id, before: { version, status: ver.status }, after: { version, status: 'consultation' } });
  });
  return getConvention(ctx, actor, id);
}

/** Adopts a version: the previous one is superseded. Called by a passed vote, or by staff citing the meeting that adopted it. */
export async function adoptVersion(ctx: AppContext, trx: Tx, conventionId: string, version: number, via: { via: 'vote' | 'meeting'; ref: string }): Promise<void> {
  const c = await repo.conventionById(trx, conventionId, true);
  const ver = await repo.version(trx, conventionId, version);
  if (!c || !ver || !['draft', 'consultation'].includes(ver.status)) return;
  const now = ctx.clock.now();
  if (c.current_version !== null) await repo.updateVersion(trx, conventionId, c.current_version, { status: 'superseded' });
  await repo.updateVersion(trx, conventionId, version, { status: 'adopted', adopted_at: now, adopted_via: via.via, adopted_ref: via.ref });
  await repo.updateConvention(trx, conventionId, { current_version: version, updated_at: now });
}

export async function adoptByMeeting(ctx: AppContext, actor: Actor, id: string, version: number, meetingId: string) {
  await withTx(ctx, async (trx) => {
    const { c, ver } = await draftOf(ctx, actor, trx, id, version);
    if (!['draft', 'consultation'].includes(ver.status)) throw conflict(`该版本为「${VERSION_STATUS_LABEL[ver.status]}」，不能通过`);
    const m = await repo.meetingById(trx, meetingId);
    if (!m || m.status !== 'held') throw invalid('须为已召开并发布纪要的会议', [{ field: 'meetingId', message: '会议不存在或未召开' }]);
    if (!pathWithin(c.node_path, m.node_path)) throw invalid('会议范围须覆盖公约的适用范围', [{ field: 'meetingId', message: '会议范围不符' }]);
    if ((await repo.votesOfConvention(trx, id)).some((x) => x.status === 'open' && x.convention_version === version)) throw conflict('该版本正在表决中，请等待表决结果');
    await adoptVersion(ctx, trx, id, version, { via: 'meeting', ref: meetingId });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.convention.adopt', entity: 'deliberation_convention', entityId: id, before: { currentVersion: c.current_version }, after: { currentVersion: version, via: 'meeting', meetingId } });
  });
  return getConvention(ctx, actor, id);
}

/** The changelog of a new version against its base: one entry per article added, removed or changed, citing the annotation it came from. */
function changelogOf(from: Article[], to: Article[], fromAnnotation: Map<number, AnnotationRow>): ChangelogEntry[] {
  return diffArticles(from, to)
    .filter((c) => c.change !== 'unchanged')
    .map((c) => {
      const a = fromAnnotation.get(c.no);
      const change = c.change as ChangelogEntry['change'];
      const note = a ? `采纳居民${a.author_name.slice(0, 1)}**的修改建议` : change === 'added' ? '新增条款' : change === 'removed' ? '删除条款' : '修改条款';
      return { articleNo: c.no, change, annotationId: a?.id ?? null, note };
    });
}

/**
 * Publishes the next version from a version under consultation: each accepted suggestion replaces
 * its article's text, the changelog lists every change with the suggestion it came from, and the
 * consulted version is superseded. The new version opens for consultation again (or goes to a vote).
 */
export async function reviseFromSuggestions(ctx: AppContext, actor: Actor, id: string, version: number, input: { changeNote?: string }) {
  let next = 0;
  await uniqueOr409(
    () =>
      withTx(ctx, async (trx) => {
        const { c, ver } = await draftOf(ctx, actor, trx, id, version);
        if (!['draft', 'consultation'].includes(ver.status)) throw conflict(`该版本为「${VERSION_STATUS_LABEL[ver.status]}」，不能据此修订`);
        if ((await repo.votesOfConvention(trx, id)).some((x) => x.status === 'open' && x.convention_version === version)) throw conflict('该版本正在表决中，不能修订');
        const all = await repo.annotations(trx, id);
        const accepted = all.filter((a) => a.version === version && a.status === 'adopted' && a.suggested_text && a.applied_version === null);
        if (!accepted.length) throw conflict('没有已采纳的修改建议，请先答复居民意见');
        const byArticle = new Map<number, AnnotationRow>();
        for (const a of accepted) byArticle.set(a.article_no, a);
        const articles = (ver.articles as Article[]).map((a) => {
          const s = byArticle.get(a.no);
          return s ? { ...a, text: s.suggested_text!.trim() } : a;
        });
        const changelog = changelogOf(ver.articles as Article[], articles, byArticle);
        const versions = await repo.versions(trx, id);
        next = Math.max(0, ...versions.map((x) => x.version)) + 1;
        const now = ctx.clock.now();
        await repo.updateVersion(trx, id, version, { status: 'superseded' });
        const note = input.changeNote?.trim() || `根据征求意见修订：${changelog.map((x) => `第${x.articleNo}条`).join('、')}`;
        await repo.insertVersion(trx, { convention_id: id, version: next, articles, change_note: note, changelog, status: 'consultation', adopted_at: null, adopted_via: null, adopted_ref: null, created_by: actor.userId, created_at: now });
        for (const a of accepted) await repo.updateAnnotation(trx, a.id, { applied_version: next });
        await repo.updateConvention(trx, id, { updated_at: now });
        await audit(trx, ctx.clock, actor, {
          action: 'deliberation.convention.revise',
          entity: 'deliberation_convention',
          entityId: c.id,
          before: { version, status: ver.status },
          after: { version: next, status: 'consultation', changelog },
        });
      }),
    '已有未定稿的修订版本',
  );
  return getConvention(ctx, actor, id);
}

/** 批注: a resident comments on one article of a version under consultation, optionally with the wording they suggest. */
export async function annotate(ctx: AppContext, actor: Actor, id: string, version: number, input: { articleNo: number; body: string; suggestedText?: string }) {
  const v = await viewerOf(ctx, actor);
  const text = input.body.trim();
  if (!text) throw invalid('批注内容不能为空', [{ field: 'body', message: '为必填项' }]);
  return withTx(ctx, async (trx) => {
    const c = await visibleConvention(v, trx, id);
    if (v.kind === 'resident' && !residentCovered(v, c.node_path)) throw forbidden('只有公约适用范围内的居民可以提出意见');
    const ver = await repo.version(trx, id, version);
    if (!ver) throw notFound('公约版本不存在');
    if (ver.status !== 'consultation') throw conflict('该版本未在征求意见中');
    if (!(ver.articles as Article[]).some((a) => a.no === input.articleNo)) throw invalid(`第 ${input.articleNo} 条不存在`, [{ field: 'articleNo', message: '条款不存在' }]);
    const now = ctx.clock.now();
    const suggested = input.suggestedText?.trim() || null;
    const current = (ver.articles as Article[]).find((a) => a.no === input.articleNo)!;
    if (suggested !== null && suggested === current.text) throw invalid('建议的表述与原文相同', [{ field: 'suggestedText', message: '与原文相同' }]);
    const row: AnnotationRow = { id: newId(), convention_id: id, version, article_no: input.articleNo, body: text, suggested_text: suggested, applied_version: null, author_user_id: actor.userId, author_resident_id: v.kind === 'resident' ? v.resident.id : null, author_name: v.kind === 'resident' ? v.resident.name : actor.displayName, status: 'open', reply: null, replied_by: null, replied_at: null, created_at: now };
    await repo.insertAnnotation(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'deliberation.convention.annotate', entity: 'deliberation_convention', entityId: id, after: { annotationId: row.id, version, articleNo: input.articleNo, suggested: suggested !== null } });
    return viewAnnotation(row, v.kind === 'staff');
  });
}

export async function replyAnnotation(ctx: AppContext, actor: Actor, annotationId: string, input: { status: 'adopted' | 'declined'; reply: string }) {
  const v = await viewerOf(ctx, actor);
  return withTx(ctx, async (trx) => {
    const a = await repo.annotationById(trx, annotationId);
    if (!a) throw notFound('批注不存在');
    const c = await visibleConvention(v, trx, a.convention_id);
    assertManage(actor, c.node_path);
    if (a.status !== 'open') throw conflict('该批注已答复');
    if (!input.reply.trim()) throw invalid('请填写答复', [{ field: 'reply', message: '为必填项' }]);
    if (input.status === 'adopted' && a.suggested_text) {
      const clash = (await repo.annotations(trx, a.convention_id)).find((x) => x.id !== a.id && x.version === a.version && x.article_no === a.article_no && x.status === 'adopted' && x.suggested_text && x.applied_version === null);
      if (clash) throw conflict(`第 ${a.article_no} 条已采纳了另一条修改建议，同一条款一次只能采纳一种表述`);
    }
    const now = ctx.clock.now();
    await repo.updateAnnotation(trx, annotationId, { status: input.status, reply: input.reply.trim(), replied_by: actor.userId, replied_at: now });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.convention.reply', entity: 'deliberation_convention', entityId: c.id, before: { annotationId, status: a.status }, after: { annotationId, status: input.status } });
    return viewAnnotation({ ...a, status: input.status, reply: input.reply.trim(), replied_by: actor.userId, replied_at: now }, true);
  });
}

export type ArticleChange = { no: number; change: 'added' | 'removed' | 'changed' | 'unchanged'; before: Article | null; after: Article | null };

/** Article-by-article comparison of two versions (by article number). */
export function diffArticles(from: Article[], to: Article[]): ArticleChange[] {
  const max = Math.max(from.length, to.length);
  const out: ArticleChange[] = [];
  for (let no = 1; no <= max; no++) {
    const a = from.find((x) => x.no === no) ?? null;
    const b = to.find((x) => x.no === no) ?? null;
    const change = !a ? 'added' : !b ? 'removed' : a.text !== b.text || (a.title ?? '') !== (b.title ?? '') ? 'changed' : 'unchanged';
    out.push({ no, change, before: a, after: b });
  }
  return out;
}

export async function diffVersions(ctx: AppContext, actor: Actor, id: string, from: number, to: number) {
  const v = await viewerOf(ctx, actor);
  await visibleConvention(v, ctx.db, id);
  const [a, b] = await Promise.all([repo.version(ctx.db, id, from), repo.version(ctx.db, id, to)]);
  if (!a || !b) throw notFound('公约版本不存在');
  return { conventionId: id, from, to, changes: diffArticles(a.articles as Article[], b.articles as Article[]) };
}
