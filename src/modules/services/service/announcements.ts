import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Executor, Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { systemActor } from '../../../platform/auth/actor.js';
import { requirePermission } from '../../../platform/auth/permissions.js';
import { assertPathInScope, assertRowInScope } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { createPdf, pdfBuffer } from '../../../platform/pdf/pdf.js';
import { notifyUsers } from '../../../platform/notify/index.js';
import { nodeBriefs, residentsMatching, RESIDENT_TAGS, usersOfResidents } from '../../org/index.js';
import { svcRepo, type AnnouncementRow } from '../repository.js';
import { iso, parseTime, requireText, selfResident, shanghaiText, staffScope } from './common.js';

export const EXPIRE_JOB = 'services.announcement.expire';

export const ANNOUNCEMENT_CATEGORIES: Record<string, string> = {
  notice: '通知',
  canteen: '老年食堂',
  health: '健康讲座',
  event: '社区活动',
  outage: '停水停电',
  safety: '安全提示',
  policy: '政策宣传',
};

export interface AnnouncementView {
  id: string;
  title: string;
  body: string;
  category: string;
  categoryName: string;
  scope: { nodeId: string; path: string; name: string };
  targetTags: string[];
  minAge: number | null;
  maxAge: number | null;
  pinned: boolean;
  onBoard: boolean;
  status: AnnouncementRow['status'];
  statusName: string;
  publishedAt: string | null;
  expiresAt: string | null;
  audienceCount: number;
  readCount?: number;
  read?: boolean;
  authorName: string;
  createdAt: string;
}

const STATUS_NAMES = { draft: '草稿', published: '已发布', expired: '已过期', withdrawn: '已撤回' } as const;

export function viewAnnouncement(a: AnnouncementRow, extra: { readCount?: number; read?: boolean } = {}): AnnouncementView {
  return {
    id: a.id,
    title: a.title,
    body: a.body,
    category: a.category,
    categoryName: ANNOUNCEMENT_CATEGORIES[a.category] ?? a.category,
    scope: { nodeId: a.scope_node_id, path: a.scope_path, name: a.scope_name },
    targetTags: a.target_tags,
    minAge: a.min_age,
    maxAge: a.max_age,
    pinned: a.pinned,
    onBoard: a.on_board,
    status: a.status,
    statusName: STATUS_NAMES[a.status],
    publishedAt: iso(a.published_at),
    expiresAt: iso(a.expires_at),
    audienceCount: a.audience_count,
    authorName: a.author_name,
    createdAt: new Date(a.created_at).toISOString(),
    ...extra,
  };
}

export interface Targeting {
  nodeId: string;
  tags?: string[];
  minAge?: number | null;
  maxAge?: number | null;
}

function checkTargeting(t: Targeting): void {
  const problems: Array<{ field: string; message: string }> = [];
  for (const tag of t.tags ?? []) if (!(RESIDENT_TAGS as readonly string[]).includes(tag)) problems.push({ field: 'tags', message: `未知标签 ${tag}` });
  if (t.minAge != null && t.maxAge != null && t.minAge > t.maxAge) problems.push({ field: 'maxAge', message: '不能小于最小年龄' });
  if (problems.length) throw invalid('目标人群设置有误', problems);
}

/** The scope node (building, estate, community or street) inside the actor's scope. */
async function scopeNode(ctx: AppContext, actor: Actor, nodeId: string) {
  const [n] = await nodeBriefs(ctx.db, { ids: [nodeId] });
  if (!n) throw invalid('发布范围不存在', [{ field: 'nodeId', message: '节点不存在' }]);
  if (!['street', 'community', 'estate', 'grid', 'building', 'district'].includes(n.level)) throw invalid('发布范围须为街道、社区、小区、网格或楼栋', [{ field: 'nodeId', message: '层级不正确' }]);
  assertPathInScope(actor, n.path);
  return n;
}

/** Who a targeting reaches: residents in the register under the node having any of the tags and within the age range. */
async function audienceOf(ctx: AppContext, path: string, t: Targeting, db: Executor = ctx.db) {
  return residentsMatching(db, { under: path, tagsAny: t.tags ?? [], minAge: t.minAge ?? null, maxAge: t.maxAge ?? null, on: ctx.clock.now() });
}

/** A preview of a targeting before publishing: how many residents and user accounts it reaches. */
export async function previewAudience(ctx: AppContext, actor: Actor, t: Targeting) {
  requirePermission(actor, 'services.announce');
  checkTargeting(t);
  const n = await scopeNode(ctx, actor, t.nodeId);
  const people = await audienceOf(ctx, n.path, t);
  const users = await usersOfResidents(ctx.db, people.map((p) => p.id));
  const byTag: Record<string, number> = {};
  for (const p of people) for (const tag of p.tags) byTag[tag] = (byTag[tag] ?? 0) + 1;
  return { scope: { nodeId: n.id, name: n.name, level: n.level }, residents: people.length, accounts: users.length, byTag };
}

/**
 * Suggests targeting for a place from the resident registry: the tags over-represented there
 * compared with the whole street (e.g. an estate with many elderly living alone gets the senior
 * canteen and health talks), with the notice categories that fit each group.
 */
export async function suggestTargeting(ctx: AppContext, actor: Actor, nodeId: string) {
  requirePermission(actor, 'services.announce');
  const n = await scopeNode(ctx, actor, nodeId);
  const now = ctx.clock.now();
  const root = n.path.split('/').slice(0, 2).join('/'); // the street (district/street)
  const [here, all] = await Promise.all([residentsMatching(ctx.db, { under: n.path, on: now }), residentsMatching(ctx.db, { under: root, on: now })]);
  const count = (rows: typeof here, pred: (r: (typeof here)[number]) => boolean) => rows.filter(pred).length;
  const FITS: Record<string, string[]> = {
    独居老人: ['canteen', 'health'],
    高龄: ['canteen', 'health'],
    残疾人: ['policy'],
    低保: ['policy'],
    优抚对象: ['policy'],
    重点关注: ['safety'],
    党员: ['event'],
    志愿者: ['event'],
  };
  const groups = RESIDENT_TAGS.map((tag) => {
    const c = count(here, (r) => r.tags.includes(tag));
    const share = here.length ? c / here.length : 0;
    const baseline = all.length ? count(all, (r) => r.tags.includes(tag)) / all.length : 0;
    return { tag, count: c, share, baseline, suggested: c >= 3 && share >= baseline * 1.2 && share > 0, categories: FITS[tag] ?? [] };
  });
  const elderly = count(here, (r) => (r.birthDate ? new Date(now.getTime()).getUTCFullYear() - Number(r.birthDate.slice(0, 4)) >= 60 : false));
  const elderlyAll = count(all, (r) => (r.birthDate ? new Date(now.getTime()).getUTCFullYear() - Number(r.birthDate.slice(0, 4)) >= 60 : false));
  const elderlyShare = here.length ? elderly / here.length : 0;
  const elderlyBaseline = all.length ? elderlyAll / all.length : 0;
  return {
    scope: { nodeId: n.id, name: n.name, level: n.level },
    residents: here.length,
    groups: groups.sort((a, b) => Number(b.suggested) - Number(a.suggested) || b.share - a.share),
    elderly: { count: elderly, share: elderlyShare, baseline: elderlyBaseline, suggested: elderly >= 3 && elderlyShare >= elderlyBaseline * 1.2, minAge: 60 },
  };
}

export interface AnnouncementInput extends Targeting {
  title: string;
  body: string;
  category?: string;
  pinned?: boolean;
  onBoard?: boolean;
  expiresAt?: string | null;
  publish?: boolean;
}

export async function createAnnouncement(ctx: AppContext, actor: Actor, input: AnnouncementInput): Promise<AnnouncementView> {
  requirePermission(actor, 'services.announce');
  const title = requireText(input.title, 'title', 100, '标题');
  const body = requireText(input.body, 'body', 10000, '正文');
  checkTargeting(input);
  const category = input.category ?? 'notice';
  if (!(category in ANNOUNCEMENT_CATEGORIES)) throw invalid('分类不正确', [{ field: 'category', message: `须为 ${Object.keys(ANNOUNCEMENT_CATEGORIES).join('/')} 之一` }]);
  const expiresAt = parseTime(input.expiresAt, 'expiresAt');
  const now = ctx.clock.now();
  if (expiresAt && expiresAt <= now) throw invalid('过期时间须晚于现在', [{ field: 'expiresAt', message: '须晚于现在' }]);
  const n = await scopeNode(ctx, actor, input.nodeId);
  const targeted = (input.tags?.length ?? 0) > 0 || input.minAge != null || input.maxAge != null;
  const id = newId();
  await withTx(ctx, async (trx) => {
    const row = {
      id,
      title,
      body,
      category,
      scope_node_id: n.id,
      scope_path: n.path,
      scope_name: n.name,
      target_tags: input.tags ?? [],
      min_age: input.minAge ?? null,
      max_age: input.maxAge ?? null,
      pinned: input.pinned ?? false,
      // notices for a group are not put on public screens unless asked
      on_board: input.onBoard ?? !targeted,
      status: 'draft' as const,
      published_at: null,
      expires_at: expiresAt,
      audience_count: 0,
      author_id: actor.userId,
      author_name: actor.displayName,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('svc_announcements').values(row).execute();
    if (input.publish) await publishIn(ctx, trx, actor, row as AnnouncementRow);
    else await audit(trx, ctx.clock, actor, { action: 'services.announcement.create', entity: 'svc_announcement', entityId: id, after: { title, scope: n.path, tags: row.target_tags } });
  });
  return getAnnouncement(ctx, actor, id);
}

/** Fixes the audience, puts the notice in each recipient's inbox, schedules its expiry. */
async function publishIn(ctx: AppContext, trx: Tx, actor: Actor, a: AnnouncementRow): Promise<void> {
  const now = ctx.clock.now();
  const people = await audienceOf(ctx, a.scope_path, { nodeId: a.scope_node_id, tags: a.target_tags, minAge: a.min_age, maxAge: a.max_age }, trx);
  for (let i = 0; i < people.length; i += 500) {
    const part = people.slice(i, i + 500);
    await trx.insertInto('svc_announcement_recipients').values(part.map((p) => ({ announcement_id: a.id, resident_id: p.id, node_path: p.nodePath, read_at: null }))).onConflict((oc) => oc.doNothing()).execute();
  }
  await trx.updateTable('svc_announcements').set({ status: 'published', published_at: now, audience_count: people.length, updated_at: now }).where('id', '=', a.id).execute();
  const users = await usersOfResidents(trx, people.map((p) => p.id));
  await notifyUsers(ctx, trx, users.map((u) => u.userId), {
    kind: 'services.announcement',
    title: `${a.pinned ? '【置顶】' : ''}${a.title}`,
    body: a.body.slice(0, 200),
    link: `/h5/notices?id=${a.id}`,
    data: { announcementId: a.id },
  });
  if (a.expires_at) await ctx.jobs.enqueue(trx, EXPIRE_JOB, { id: a.id }, { runAt: new Date(a.expires_at), uniqueKey: `svc-ann:${a.id}:expire:${new Date(a.expires_at).getTime()}` });
  await audit(trx, ctx.clock, actor, {
    action: 'services.announcement.publish',
    entity: 'svc_announcement',
    entityId: a.id,
    after: { title: a.title, scope: a.scope_path, tags: a.target_tags, minAge: a.min_age, maxAge: a.max_age, audience: people.length, inbox: users.length },
  });
}

async function loadForStaff(ctx: AppContext, actor: Actor, id: string, trx?: Tx, lock = false): Promise<AnnouncementRow> {
  const db = trx ?? ctx.db;
  const a = lock ? await db.selectFrom('svc_announcements').selectAll().where('id', '=', id).forUpdate().executeTakeFirst() : await svcRepo.announcementById(db, id);
  if (!a) throw notFound('公告不存在');
  assertRowInScope(actor, a.scope_path);
  return a;
}

export async function publishAnnouncement(ctx: AppContext, actor: Actor, id: string): Promise<AnnouncementView> {
  requirePermission(actor, 'services.announce');
  await withTx(ctx, async (trx) => {
    const a = await loadForStaff(ctx, actor, id, trx, true);
    if (a.status !== 'draft') throw conflict('只有草稿可以发布');
    if (a.expires_at && new Date(a.expires_at) <= ctx.clock.now()) throw conflict('公告已过期，请修改过期时间');
    await publishIn(ctx, trx, actor, a);
  });
  return getAnnouncement(ctx, actor, id);
}

export async function updateAnnouncement(ctx: AppContext, actor: Actor, id: string, patch: { pinned?: boolean; expiresAt?: string | null; onBoard?: boolean; withdraw?: boolean }): Promise<AnnouncementView> {
  requirePermission(actor, 'services.announce');
  const expiresAt = patch.expiresAt === undefined ? undefined : parseTime(patch.expiresAt, 'expiresAt');
  const now = ctx.clock.now();
  if (expiresAt && expiresAt <= now) throw invalid('过期时间须晚于现在', [{ field: 'expiresAt', message: '须晚于现在' }]);
  await withTx(ctx, async (trx) => {
    const a = await loadForStaff(ctx, actor, id, trx, true);
    if (a.status === 'withdrawn') throw conflict('公告已撤回');
    const set: Record<string, unknown> = { updated_at: now };
    if (patch.pinned !== undefined) set.pinned = patch.pinned;
    if (patch.onBoard !== undefined) set.on_board = patch.onBoard;
    if (expiresAt !== undefined) {
      set.expires_at = expiresAt;
      if (a.status === 'expired') set.status = 'published';
      if (expiresAt && a.status !== 'draft') await ctx.jobs.enqueue(trx, EXPIRE_JOB, { id }, { runAt: expiresAt, uniqueKey: `svc-ann:${id}:expire:${expiresAt.getTime()}` });
    }
    if (patch.withdraw) set.status = 'withdrawn';
    await trx.updateTable('svc_announcements').set(set).where('id', '=', id).execute();
    await audit(trx, ctx.clock, actor, {
      action: patch.withdraw ? 'services.announcement.withdraw' : 'services.announcement.update',
      entity: 'svc_announcement',
      entityId: id,
      before: { pinned: a.pinned, expiresAt: iso(a.expires_at), onBoard: a.on_board, status: a.status },
      after: { pinned: set.pinned ?? a.pinned, expiresAt: expiresAt === undefined ? iso(a.expires_at) : iso(expiresAt), onBoard: set.on_board ?? a.on_board, status: set.status ?? a.status },
    });
  });
  return getAnnouncement(ctx, actor, id);
}

/** The expiry job: a published notice whose time has come is marked expired (a later expiry set since leaves it alone). */
export function expireJob(ctx: AppContext) {
  return async (trx: Tx, payload: { id: string }) => {
    const a = await trx.selectFrom('svc_announcements').selectAll().where('id', '=', payload.id).forUpdate().executeTakeFirst();
    if (!a || a.status !== 'published' || !a.expires_at || new Date(a.expires_at) > ctx.clock.now()) return;
    await trx.updateTable('svc_announcements').set({ status: 'expired', updated_at: ctx.clock.now() }).where('id', '=', a.id).execute();
    await audit(trx, ctx.clock, systemActor(), { action: 'services.announcement.expire', entity: 'svc_announcement', entityId: a.id, before: { status: 'published' }, after: { status: 'expired' } });
  };
}

export async function getAnnouncement(ctx: AppContext, actor: Actor, id: string): Promise<AnnouncementView> {
  requirePermission(actor, 'services.announce');
  const a = await loadForStaff(ctx, actor, id);
  const reads = await svcRepo.readCounts(ctx.db, [id]);
  return viewAnnouncement(a, { readCount: reads.get(id) ?? 0 });
}

export async function listAnnouncements(ctx: AppContext, actor: Actor, q: { status?: string; q?: string; page: number; pageSize: number }) {
  requirePermission(actor, 'services.announce');
  const { rows, total } = await svcRepo.listAnnouncements(ctx.db, { scope: staffScope(actor), status: q.status, q: q.q, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
  const reads = await svcRepo.readCounts(ctx.db, rows.map((r) => r.id));
  return { items: rows.map((r) => viewAnnouncement(r, { readCount: reads.get(r.id) ?? 0 })), total, page: q.page, pageSize: q.pageSize };
}

/** Read receipts: who of the audience has read it (names of residents in the actor's scope). */
export async function announcementReceipts(ctx: AppContext, actor: Actor, id: string) {
  const a = await getAnnouncement(ctx, actor, id);
  const rows = await ctx.db
    .selectFrom('svc_announcement_recipients as r')
    .innerJoin('residents as p', 'p.id', 'r.resident_id')
    .select(['r.resident_id', 'p.name', 'r.node_path', 'r.read_at'])
    .where('r.announcement_id', '=', id)
    .orderBy('r.read_at', 'asc')
    .orderBy('r.node_path')
    .limit(2000)
    .execute();
  const nodes = await nodeBriefs(ctx.db, { paths: [...new Set(rows.map((r) => r.node_path.split('/').slice(0, -1).join('/')))] });
  const byPath = new Map(nodes.map((n) => [n.path, n.name]));
  return {
    announcement: a,
    total: rows.length,
    read: rows.filter((r) => r.read_at).length,
    items: rows.map((r) => ({ residentId: r.resident_id, name: r.name, building: byPath.get(r.node_path.split('/').slice(0, -1).join('/')) ?? null, readAt: iso(r.read_at) })),
  };
}

// ---------------------------------------------------------------- resident side

export async function myAnnouncements(ctx: AppContext, actor: Actor): Promise<AnnouncementView[]> {
  const me = await selfResident(ctx, actor);
  const rows = await svcRepo.announcementsForResident(ctx.db, me.id, ctx.clock.now());
  return rows.map((r) => viewAnnouncement(r, { read: r.read_at !== null }));
}

/** Opening a notice records the read receipt (once). Not audited: like marking a message read, it is not a business write. */
export async function readAnnouncement(ctx: AppContext, actor: Actor, id: string): Promise<AnnouncementView> {
  const me = await selfResident(ctx, actor);
  const rec = await ctx.db.selectFrom('svc_announcement_recipients').select(['read_at']).where('announcement_id', '=', id).where('resident_id', '=', me.id).executeTakeFirst();
  const a = await svcRepo.announcementById(ctx.db, id);
  if (!rec || !a || a.status === 'draft' || a.status === 'withdrawn') throw notFound('公告不存在');
  if (!rec.read_at) await ctx.db.updateTable('svc_announcement_recipients').set({ read_at: ctx.clock.now() }).where('announcement_id', '=', id).where('resident_id', '=', me.id).where('read_at', 'is', null).execute();
  return viewAnnouncement(a, { read: true });
}

// ---------------------------------------------------------------- boards: feed and printable sheet

/** Board notices for a place given by its org code (public: only notices marked for boards). */
export async function boardFeed(ctx: AppContext, code: string, limit = 30) {
  const [n] = await ctx.db.selectFrom('org_nodes').select(['id', 'path', 'name', 'level']).where('code', '=', code).execute();
  if (!n) throw notFound('未找到该地点编码');
  const rows = await svcRepo.boardAnnouncements(ctx.db, n.path, ctx.clock.now(), limit);
  return { node: { code, name: n.name, level: n.level }, items: rows.map((r) => viewAnnouncement(r)) };
}

// characters XML 1.0 does not allow (all C0 controls but tab, LF and CR)
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!).replace(CONTROL_CHARS, '');

/** RSS 2.0 for IPTV set-top boxes and service-hall screens. */
export async function boardRss(ctx: AppContext, code: string, base: string): Promise<string> {
  const f = await boardFeed(ctx, code);
  const link = `${base}/h5/notices`;
  const items = f.items
    .map(
      (a) => `    <item>
      <title>${xml((a.pinned ? '【置顶】' : '') + a.title)}</title>
      <link>${xml(`${link}?id=${a.id}`)}</link>
      <description>${xml(a.body)}</description>
      <category>${xml(a.categoryName)}</category>
      <guid isPermaLink="false">${a.id}</guid>
      <pubDate>${new Date(a.publishedAt!).toUTCString()}</pubDate>
    </item>`,
    )
    .join('\n');
  const last = f.items.reduce((m, a) => Math.max(m, new Date(a.publishedAt!).getTime()), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>${xml(`${f.node.name} · 通知公告`)}</title>
    <link>${xml(link)}</link>
    <description>${xml(`${f.node.name}的社区通知公告（一网统管）`)}</description>
    <language>zh-cn</language>
    <lastBuildDate>${new Date(last || ctx.clock.now().getTime()).toUTCString()}</lastBuildDate>
    <ttl>10</ttl>
${items}
  </channel>
</rss>
`;
}

/** The printable notice sheet for a building's notice board (A4). */
export async function announcementSheet(ctx: AppContext, actor: Actor, id: string): Promise<{ pdf: Buffer; fileName: string }> {
  const a = await getAnnouncement(ctx, actor, id);
  if (a.status === 'draft' || a.status === 'withdrawn') throw conflict('只能打印已发布的公告');
  const doc = createPdf({ title: a.title, margin: 64 });
  doc.font('cn-bold').fontSize(30).text(a.categoryName === '通知' ? '通  知' : a.categoryName, { align: 'center' });
  doc.moveDown(0.4).fontSize(22).text(a.title, { align: 'center' });
  doc.moveDown(1).font('cn').fontSize(16).text(a.body, { align: 'left', lineGap: 8, paragraphGap: 8, indent: 32 });
  doc.moveDown(2).fontSize(15).text(a.scope.name, { align: 'right' });
  doc.text(shanghaiText(a.publishedAt!).slice(0, 10), { align: 'right' });
  if (a.expiresAt) doc.moveDown(1).fontSize(11).fillColor('#555').text(`本通知有效期至 ${shanghaiText(a.expiresAt)}`, { align: 'left' });
  doc.fillColor('#555').fontSize(11).text('手机查看：登录“一网统管”居民端 → 通知公告', { align: 'left' });
  return { pdf: await pdfBuffer(doc), fileName: `notice-${a.id.slice(-8)}.pdf` };
}
