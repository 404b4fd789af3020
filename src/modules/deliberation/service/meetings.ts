import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { pathWithin } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { residentBriefs } from '../../org/index.js';
import { assertAssist, assertManage, assertSees, canManage, residentCovered, viewerOf, type Viewer } from '../policy.js';
import { deliberationRepo as repo, type AgendaOutcome, type Invitee, type MeetingMode, type MeetingRow, type TopicStatus } from '../repository.js';
import { iso, nodeOrInvalid, uniqueOr409 } from './common.js';
import { manageableTopic } from './topics.js';

export const MEETING_LEVELS = ['community', 'estate', 'grid', 'building'];
export const MEETING_MODE_LABEL: Record<MeetingMode, string> = { in_person: '线下', online: '线上', hybrid: '线上线下结合' };
/** Parties invited to a meeting (列席/参会单位). */
export const INVITEE_KINDS = ['resident_rep', 'property', 'owners_committee', 'party', 'expert', 'department', 'other'] as const;
export const INVITEE_LABEL: Record<(typeof INVITEE_KINDS)[number], string> = {
  resident_rep: '居民代表',
  property: '物业服务企业',
  owners_committee: '业主委员会',
  party: '党组织',
  expert: '专家（律师等）',
  department: '职能部门',
  other: '其他',
};
/** Residents may sign in from an hour before the start until the end. */
const SIGNIN_EARLY_MS = 60 * 60_000;

export interface MeetingView {
  id: string;
  title: string;
  nodeId: string;
  nodePath: string;
  nodeName: string;
  startsAt: string;
  endsAt: string;
  location: string | null;
  mode: MeetingMode;
  modeLabel: string;
  onlineUrl: string | null;
  invitees: Array<Invitee & { kindLabel: string }>;
  status: MeetingRow['status'];
  minutes: string | null;
  minutesPublishedAt: string | null;
  createdAt: string;
}

const viewMeeting = (m: MeetingRow): MeetingView => ({
  id: m.id,
  title: m.title,
  nodeId: m.node_id,
  nodePath: m.node_path,
  nodeName: m.node_name,
  startsAt: iso(m.starts_at)!,
  endsAt: iso(m.ends_at)!,
  location: m.location,
  mode: m.mode,
  modeLabel: MEETING_MODE_LABEL[m.mode],
  onlineUrl: m.online_url,
  invitees: ((m.invitees as Invitee[] | null) ?? []).map((i) => ({ ...i, kindLabel: INVITEE_LABEL[i.kind as keyof typeof INVITEE_LABEL] ?? i.kind })),
  status: m.status,
  minutes: m.minutes,
  minutesPublishedAt: iso(m.minutes_published_at),
  createdAt: iso(m.created_at)!,
});

export async function listMeetings(ctx: AppContext, actor: Actor, f: { status?: string; page: number; pageSize: number }) {
  const v = await viewerOf(ctx, actor);
  const { rows, total } = await repo.listMeetings(ctx.db, { path: v.filter, status: f.status, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewMeeting), total, page: f.page, pageSize: f.pageSize };
}

async function visibleMeeting(v: Viewer, db: Tx | AppContext['db'], id: string, forUpdate = false): Promise<MeetingRow> {
  const m = await repo.meetingById(db, id, forUpdate);
  if (!m) throw notFound('会议不存在');
  assertSees(v, m.node_path);
  return m;
}

export async function getMeeting(ctx: AppContext, actor: Actor, id: string) {
  const v = await viewerOf(ctx, actor);
  const m = await visibleMeeting(v, ctx.db, id);
  const [agenda, signins] = await Promise.all([repo.agenda(ctx.db, id), repo.signins(ctx.db, id)]);
  const topics = new Map<string, { status: TopicStatus; title: string }>();
  for (const a of agenda) {
    if (!a.topic_id) continue;
    const t = await repo.topicById(ctx.db, a.topic_id);
    if (t) topics.set(t.id, { status: t.status, title: t.title });
  }
  const me = v.kind === 'resident' ? v.resident.id : actor.userId;
  return {
    ...viewMeeting(m),
    agenda: agenda.map((a) => ({ id: a.id, seq: a.seq, topicId: a.topic_id, title: a.title, topicStatus: a.topic_id ? (topics.get(a.topic_id)?.status ?? null) : null, outcome: a.outcome, note: a.note })),
    signinCount: signins.length,
    residentSigninCount: signins.filter((s) => s.kind === 'resident').length,
    signedInByMe: signins.some((s) => s.attendee_key === me),
    // Who attended is shown to staff; residents see the count.
    signins: v.kind === 'staff' ? signins.map((s) => ({ name: s.name, kind: s.kind, method: s.method, signedAt: iso(s.signed_at)! })) : [],
    canManage: canManage(actor, m.node_path),
  };
}

export interface AgendaInput {
  topicId?: string;
  title?: string;
}

async function buildAgenda(ctx: AppContext, actor: Actor, trx: Tx, meeting: { id: string; node_path: string }, items: AgendaInput[]) {
  const rows = [];
  const seen = new Set<string>();
  for (const [i, it] of items.entries()) {
    if (it.topicId) {
      if (seen.has(it.topicId)) throw invalid('同一议题不能重复列入议程', [{ field: `agenda.${i}.topicId`, message: '重复' }]);
      seen.add(it.topicId);
      const t = await manageableTopic(ctx, actor, trx, it.topicId, ['accepted', 'supported'], '列入议程');
      if (!pathWithin(t.node_path, meeting.node_path)) throw invalid(`议题「${t.title}」不属于本次会议的范围`, [{ field: `agenda.${i}.topicId`, message: '超出会议范围' }]);
      rows.push({ id: newId(), meeting_id: meeting.id, seq: i + 1, topic_id: t.id, title: it.title?.trim() || t.title, outcome: null, note: null });
    } else {
      if (!it.title?.trim()) throw invalid('议程须为议题或填写事项名称', [{ field: `agenda.${i}.title`, message: '为必填项' }]);
      rows.push({ id: newId(), meeting_id: meeting.id, seq: i + 1, topic_id: null, title: it.title.trim(), outcome: null, note: null });
    }
  }
  return rows;
}

export interface MeetingInput {
  title: string;
  nodeId: string;
  startsAt: string;
  endsAt: string;
  mode?: MeetingMode;
  location?: string;
  onlineUrl?: string;
  invitees?: Invitee[];
  agenda: AgendaInput[];
}

function checkMode(input: { mode?: MeetingMode; location?: string; onlineUrl?: string; invitees?: Invitee[] }) {
  const mode = input.mode ?? 'in_person';
  const location = input.location?.trim() || null;
  const onlineUrl = input.onlineUrl?.trim() || null;
  if (mode !== 'online' && !location) throw invalid('线下会议请填写地点', [{ field: 'location', message: '为必填项' }]);
  if (mode !== 'in_person' && !onlineUrl) throw invalid('线上会议请填写会议链接', [{ field: 'onlineUrl', message: '为必填项' }]);
  if (onlineUrl && !/^https?:\/\/\S+$/.test(onlineUrl)) throw invalid('会议链接须以 http:// 或 https:// 开头', [{ field: 'onlineUrl', message: '链接格式不正确' }]);
  const invitees = (input.invitees ?? []).map((i, n) => {
    if (!(INVITEE_KINDS as readonly string[]).includes(i.kind)) throw invalid('参会方类型不正确', [{ field: `invitees.${n}.kind`, message: `须为 ${INVITEE_KINDS.join('/')}` }]);
    const name = i.name.trim();
    if (!name) throw invalid('请填写参会方名称', [{ field: `invitees.${n}.name`, message: '为必填项' }]);
    return { kind: i.kind, name, ...(i.org?.trim() ? { org: i.org.trim() } : {}) };
  });
  return { mode, location: mode === 'online' ? null : location, onlineUrl: mode === 'in_person' ? null : onlineUrl, invitees };
}

/**
 * Schedules a meeting (协商议事会) with its agenda; the topics on it become "scheduled". Topics that
 * reached their support threshold under the meeting's node and wait for a meeting are added at the end.
 */
export async function scheduleMeeting(ctx: AppContext, actor: Actor, input: MeetingInput): Promise<MeetingView> {
  const node = await nodeOrInvalid(ctx.db, input.nodeId, MEETING_LEVELS);
  assertManage(actor, node.path);
  const startsAt = new Date(input.startsAt);
  const endsAt = new Date(input.endsAt);
  const now = ctx.clock.now();
  if (!(endsAt > startsAt)) throw invalid('结束时间须晚于开始时间', [{ field: 'endsAt', message: '须晚于开始时间' }]);
  if (endsAt <= now) throw invalid('会议时间已过', [{ field: 'endsAt', message: '须晚于当前时间' }]);
  const mode = checkMode(input);
  const m: MeetingRow = {
    id: newId(),
    title: input.title.trim(),
    node_id: node.id,
    node_path: node.path,
    node_name: node.name,
    starts_at: startsAt,
    ends_at: endsAt,
    location: mode.location,
    mode: mode.mode,
    online_url: mode.onlineUrl,
    invitees: mode.invitees,
    status: 'scheduled',
    minutes: null,
    minutes_published_at: null,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  };
  if (!m.title) throw invalid('会议名称不能为空', [{ field: 'title', message: '为必填项' }]);
  await withTx(ctx, async (trx) => {
    await repo.insertMeeting(trx, m);
    const agenda = await buildAgenda(ctx, actor, trx, m, input.agenda);
    const auto: string[] = [];
    for (const t of await repo.topicsAwaitingMeeting(trx, m.node_path)) {
      if (agenda.some((a) => a.topic_id === t.id)) continue;
      agenda.push({ id: newId(), meeting_id: m.id, seq: agenda.length + 1, topic_id: t.id, title: t.title, outcome: null, note: null });
      auto.push(t.id);
    }
    await repo.replaceAgenda(trx, m.id, agenda);
    for (const a of agenda) if (a.topic_id) await repo.updateTopic(trx, a.topic_id, { status: 'scheduled', updated_at: now });
    await audit(trx, ctx.clock, actor, {
      action: 'deliberation.meeting.schedule',
      entity: 'deliberation_meeting',
      entityId: m.id,
      after: { title: m.title, node: m.node_path, startsAt: input.startsAt, mode: m.mode, location: m.location, onlineUrl: m.online_url, invitees: mode.invitees, agenda: agenda.map((a) => a.title), autoAgenda: auto },
    });
  });
  return viewMeeting(m);
}

/** Replaces the agenda of a scheduled meeting; topics taken off go back to "accepted". */
export async function setAgenda(ctx: AppContext, actor: Actor, id: string, items: AgendaInput[]) {
  const v = await viewerOf(ctx, actor);
  await withTx(ctx, async (trx) => {
    const m = await visibleMeeting(v, trx, id, true);
    assertManage(actor, m.node_path);
    if (m.status !== 'scheduled') throw conflict('会议已召开或已取消，不能修改议程');
    const before = await repo.agenda(trx, id);
    // Release the topics first so that they may be put back on.
    for (const a of before) if (a.topic_id) await repo.updateTopic(trx, a.topic_id, { status: 'accepted', updated_at: ctx.clock.now() });
    const agenda = await buildAgenda(ctx, actor, trx, m, items);
    await repo.replaceAgenda(trx, id, agenda);
    for (const a of agenda) if (a.topic_id) await repo.updateTopic(trx, a.topic_id, { status: 'scheduled', updated_at: ctx.clock.now() });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.meeting.agenda', entity: 'deliberation_meeting', entityId: id, before: before.map((a) => a.title), after: agenda.map((a) => a.title) });
  });
  return getMeeting(ctx, actor, id);
}

/**
 * 签到. A resident signs in on their phone (from an hour before the start to the end); staff sign
 * themselves in, or sign in a resident who came without a phone (`residentId`, proxy).
 */
export async function signIn(ctx: AppContext, actor: Actor, id: string, input: { residentId?: string }) {
  const v = await viewerOf(ctx, actor);
  const now = ctx.clock.now();
  await uniqueOr409(
    () =>
      withTx(ctx, async (trx) => {
        const m = await visibleMeeting(v, trx, id);
        if (m.status !== 'scheduled') throw conflict(m.status === 'held' ? '会议已结束' : '会议已取消');
        let row;
        if (input.residentId) {
          if (v.kind !== 'staff') throw forbidden('只有工作人员可以代为签到');
          const [r] = await residentBriefs(trx, { ids: [input.residentId] });
          if (!r || r.status !== 'resident' || !pathWithin(r.nodePath, m.node_path)) throw invalid('该居民不在本次会议范围内', [{ field: 'residentId', message: '不在会议范围内' }]);
          // A grid worker signs in the residents of their own grid.
          assertAssist(actor, r.nodePath);
          row = { meeting_id: id, attendee_key: r.id, resident_id: r.id, user_id: null, name: r.name, kind: 'resident' as const, method: 'proxy' as const, recorded_by: actor.userId };
        } else if (v.kind === 'resident') {
          if (!residentCovered(v, m.node_path)) throw forbidden('您不在本次会议的范围内');
          if (now.getTime() < new Date(m.starts_at).getTime() - SIGNIN_EARLY_MS) throw conflict('签到尚未开始（会前一小时开放）');
          if (now > new Date(m.ends_at)) throw conflict('会议已结束，不能签到');
          row = { meeting_id: id, attendee_key: v.resident.id, resident_id: v.resident.id, user_id: actor.userId, name: v.resident.name, kind: 'resident' as const, method: 'self' as const, recorded_by: actor.userId };
        } else {
          if (!actor.userId) throw forbidden();
          row = { meeting_id: id, attendee_key: actor.userId, resident_id: null, user_id: actor.userId, name: actor.displayName, kind: 'staff' as const, method: 'self' as const, recorded_by: actor.userId };
        }
        await repo.insertSignin(trx, { ...row, signed_at: now });
        await audit(trx, ctx.clock, input.residentId ? { ...actor, actingForResidentId: input.residentId } : actor, { action: 'deliberation.meeting.signin', entity: 'deliberation_meeting', entityId: id, after: { name: row.name, kind: row.kind, method: row.method } });
      }),
    '已签到，无需重复签到',
  );
  return getMeeting(ctx, actor, id);
}

/** Publishes the minutes and each agenda topic's outcome; the meeting is then "held". */
export async function recordMinutes(ctx: AppContext, actor: Actor, id: string, input: { minutes: string; outcomes: Array<{ agendaItemId: string; outcome: AgendaOutcome; note?: string }> }) {
  const v = await viewerOf(ctx, actor);
  await withTx(ctx, async (trx) => {
    const m = await visibleMeeting(v, trx, id, true);
    assertManage(actor, m.node_path);
    if (m.status !== 'scheduled') throw conflict(m.status === 'held' ? '会议纪要已发布' : '会议已取消');
    const now = ctx.clock.now();
    if (now < new Date(m.starts_at)) throw conflict('会议尚未开始，不能发布纪要');
    if (!input.minutes.trim()) throw invalid('会议纪要不能为空', [{ field: 'minutes', message: '为必填项' }]);
    const agenda = await repo.agenda(trx, id);
    const byItem = new Map(input.outcomes.map((o) => [o.agendaItemId, o]));
    for (const o of input.outcomes) if (!agenda.some((a) => a.id === o.agendaItemId)) throw invalid('议程事项不存在', [{ field: 'outcomes', message: `${o.agendaItemId} 不是本次会议的议程` }]);
    const missing = agenda.filter((a) => a.topic_id && !byItem.has(a.id));
    if (missing.length) throw invalid(`请填写议题「${missing[0]!.title}」的协商结果`, missing.map((a) => ({ field: 'outcomes', message: `缺少「${a.title}」的结果` })));
    const NEXT: Record<AgendaOutcome, TopicStatus> = { consensus: 'agreed', to_vote: 'accepted', deferred: 'accepted', rejected: 'rejected' };
    for (const a of agenda) {
      const o = byItem.get(a.id);
      if (!o) continue;
      await repo.setAgendaOutcome(trx, a.id, o.outcome, o.note?.trim() || null);
      if (a.topic_id) {
        const t = await repo.topicById(trx, a.topic_id, true);
        if (t && t.status === 'scheduled') {
          await repo.updateTopic(trx, a.topic_id, { status: NEXT[o.outcome], updated_at: now, ...(o.outcome === 'rejected' ? { review_note: o.note?.trim() || '经协商议事会议决定不予采纳', reviewed_by: actor.userId, reviewed_at: now } : {}) });
        }
      }
    }
    await repo.updateMeeting(trx, id, { status: 'held', minutes: input.minutes.trim(), minutes_published_at: now, updated_at: now });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.meeting.minutes', entity: 'deliberation_meeting', entityId: id, before: { status: m.status }, after: { status: 'held', outcomes: input.outcomes.map((o) => ({ item: o.agendaItemId, outcome: o.outcome })) } });
  });
  return getMeeting(ctx, actor, id);
}

export async function cancelMeeting(ctx: AppContext, actor: Actor, id: string, reason: string) {
  const v = await viewerOf(ctx, actor);
  await withTx(ctx, async (trx) => {
    const m = await visibleMeeting(v, trx, id, true);
    assertManage(actor, m.node_path);
    if (m.status !== 'scheduled') throw conflict('会议已召开或已取消');
    const now = ctx.clock.now();
    for (const a of await repo.agenda(trx, id)) {
      if (!a.topic_id) continue;
      const t = await repo.topicById(trx, a.topic_id, true);
      if (t?.status === 'scheduled') await repo.updateTopic(trx, t.id, { status: 'accepted', updated_at: now });
    }
    await repo.updateMeeting(trx, id, { status: 'cancelled', minutes: `会议取消：${reason.trim()}`, updated_at: now });
    await audit(trx, ctx.clock, actor, { action: 'deliberation.meeting.cancel', entity: 'deliberation_meeting', entityId: id, before: { status: m.status }, after: { status: 'cancelled', reason } });
  });
  return getMeeting(ctx, actor, id);
}

