import type { AppContext } from '../../../platform/context.js';
import { withTx } from '../../../platform/context.js';
import type { Tx } from '../../../platform/db/database.js';
import type { Actor } from '../../../platform/auth/actor.js';
import { can, requirePermission } from '../../../platform/auth/permissions.js';
import { assertRowInScope, scopeCoversPath } from '../../../platform/auth/scope.js';
import { audit } from '../../../platform/audit/audit.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { maskPhone } from '../../../platform/crypto.js';
import { notifyUsers } from '../../../platform/notify/index.js';
import { attachFiles, fileViews, type FileView } from '../../../platform/files/index.js';
import { addWorkingTime, loadCalendar } from '../../../platform/calendar/index.js';
import { getResident, nodeBriefs, residentsMatching, usersOfResidents } from '../../org/index.js';
import { reportCase } from '../../cases/index.js';
import { svcRepo, type ApplicationRow, type ApplicationStatus, type MatterDocument, type MatterRow } from '../repository.js';
import { actingFor, iso, requireText, selfResident, shanghaiDay, staffScope } from './common.js';

// ---------------------------------------------------------------- catalogue

export interface MatterView {
  id: string;
  code: string;
  name: string;
  category: string;
  summary: string;
  eligibility: string;
  documents: MatterDocument[];
  steps: string[];
  timeLimitDays: number;
  desk: string;
  phone: string | null;
  fee: string;
  online: boolean;
  active: boolean;
}
export const viewMatter = (m: MatterRow): MatterView => ({
  id: m.id,
  code: m.code,
  name: m.name,
  category: m.category,
  summary: m.summary,
  eligibility: m.eligibility,
  documents: (m.documents ?? []) as MatterDocument[],
  steps: (m.steps ?? []) as string[],
  timeLimitDays: m.time_limit_days,
  desk: m.desk,
  phone: m.phone,
  fee: m.fee,
  online: m.online,
  active: m.active,
});

export async function listMatters(ctx: AppContext, q: { q?: string; category?: string }, includeInactive = false): Promise<MatterView[]> {
  let rows = await svcRepo.matters(ctx.db, includeInactive);
  if (q.category) rows = rows.filter((m) => m.category === q.category);
  if (q.q) {
    const s = q.q.trim();
    rows = rows.filter((m) => m.name.includes(s) || m.summary.includes(s) || m.category.includes(s));
  }
  return rows.map(viewMatter);
}

export async function getMatter(ctx: AppContext, id: string): Promise<MatterView> {
  const m = await svcRepo.matterById(ctx.db, id);
  if (!m || !m.active) throw notFound('事项不存在');
  return viewMatter(m);
}

export interface MatterInput {
  code: string;
  name: string;
  category: string;
  summary: string;
  eligibility?: string;
  documents: MatterDocument[];
  steps: string[];
  timeLimitDays: number;
  desk: string;
  phone?: string | null;
  fee?: string;
  online?: boolean;
  active?: boolean;
  sort?: number;
}

/** Creates or updates (by code) a matter of the catalogue. */
export async function upsertMatter(ctx: AppContext, actor: Actor, input: MatterInput, trxIn?: Tx): Promise<MatterView> {
  requirePermission(actor, 'services.catalogue.write');
  const name = requireText(input.name, 'name', 60, '事项名称');
  const summary = requireText(input.summary, 'summary', 2000, '事项说明');
  const desk = requireText(input.desk, 'desk', 200, '办理窗口');
  if (!Number.isInteger(input.timeLimitDays) || input.timeLimitDays < 1 || input.timeLimitDays > 365) throw invalid('办理时限须为 1–365 个工作日', [{ field: 'timeLimitDays', message: '须为 1–365' }]);
  const run = async (trx: Tx) => {
    const before = await svcRepo.matterByCode(trx, input.code);
    const now = ctx.clock.now();
    const row = {
      code: input.code,
      name,
      category: input.category.trim() || '其他',
      summary,
      eligibility: input.eligibility?.trim() ?? '',
      documents: JSON.stringify(input.documents ?? []),
      steps: JSON.stringify(input.steps ?? []),
      time_limit_days: input.timeLimitDays,
      desk,
      phone: input.phone?.trim() || null,
      fee: input.fee?.trim() || '免费',
      online: input.online ?? true,
      active: input.active ?? true,
      sort: input.sort ?? 0,
      updated_at: now,
    };
    if (before) await trx.updateTable('svc_matters').set(row).where('id', '=', before.id).execute();
    else await trx.insertInto('svc_matters').values({ ...row, id: newId(), created_at: now }).execute();
    const after = (await svcRepo.matterByCode(trx, input.code))!;
    await audit(trx, ctx.clock, actor, { action: before ? 'services.matter.update' : 'services.matter.create', entity: 'svc_matter', entityId: after.id, before: before ? viewMatter(before) : undefined, after: viewMatter(after) });
    return viewMatter(after);
  };
  return trxIn ? run(trxIn) : withTx(ctx, run);
}

// ---------------------------------------------------------------- applications

export const APPLICATION_STATUS_NAMES: Record<ApplicationStatus, string> = {
  submitted: '已提交',
  accepted: '已受理',
  need_more: '待补正',
  approved: '已办结（通过）',
  rejected: '不予办理',
  withdrawn: '已撤回',
};

export interface ApplicationView {
  id: string;
  number: string;
  matter: { id: string; code: string; name: string; timeLimitDays: number; desk: string };
  residentId: string;
  residentName: string;
  nodePath: string;
  proxyStaffName: string | null;
  details: string;
  contactPhone: string | null;
  files: FileView[];
  status: ApplicationStatus;
  statusName: string;
  dueAt: string;
  overdue: boolean;
  handlerName: string | null;
  result: string | null;
  decidedAt: string | null;
  createdAt: string;
  events?: Array<{ at: string; actorName: string; action: string; fromStatus: string | null; toStatus: string; note: string | null }>;
}

async function viewApplication(ctx: AppContext, a: ApplicationRow, withEvents: boolean): Promise<ApplicationView> {
  const m = (await svcRepo.matterById(ctx.db, a.matter_id))!;
  let phone: string | null = null;
  if (a.contact_phone_enc) {
    try {
      phone = maskPhone(ctx.cipher.decrypt(a.contact_phone_enc));
    } catch {
      phone = null;
    }
  }
  const v: ApplicationView = {
    id: a.id,
    number: a.number,
    matter: { id: m.id, code: m.code, name: m.name, timeLimitDays: m.time_limit_days, desk: m.desk },
    residentId: a.resident_id,
    residentName: a.resident_name,
    nodePath: a.node_path,
    proxyStaffName: a.proxy_staff_name,
    details: a.details,
    contactPhone: phone,
    files: await fileViews(ctx.db, a.files),
    status: a.status,
    statusName: APPLICATION_STATUS_NAMES[a.status],
    dueAt: new Date(a.due_at).toISOString(),
    overdue: ['submitted', 'accepted'].includes(a.status) && new Date(a.due_at) < ctx.clock.now(),
    handlerName: a.handler_name,
    result: a.result,
    decidedAt: iso(a.decided_at),
    createdAt: new Date(a.created_at).toISOString(),
  };
  if (withEvents) {
    v.events = (await svcRepo.applicationEvents(ctx.db, a.id)).map((e) => ({ at: new Date(e.at).toISOString(), actorName: e.actor_name, action: e.action, fromStatus: e.from_status, toStatus: e.to_status, note: e.note }));
  }
  return v;
}

async function addEvent(trx: Tx, ctx: AppContext, actor: Actor, id: string, action: string, from: string | null, to: string, note: string | null) {
  await trx.insertInto('svc_application_events').values({ id: newId(), application_id: id, at: ctx.clock.now(), actor_name: actor.displayName, action, from_status: from, to_status: to, note }).execute();
}

export interface ApplyInput {
  matterId: string;
  details?: string;
  phone?: string | null;
  files?: string[];
  /** proxy service: the resident staff apply for */
  residentId?: string | null;
}

/** Applies for a matter online: by the resident, or by staff acting for a resident (帮代办). */
export async function applyForMatter(ctx: AppContext, actor: Actor, input: ApplyInput): Promise<ApplicationView> {
  const m = await svcRepo.matterById(ctx.db, input.matterId);
  if (!m || !m.active) throw invalid('事项不存在', [{ field: 'matterId', message: '事项不存在或已停办' }]);
  if (!m.online) throw conflict(`“${m.name}”需到${m.desk}现场办理`);
  const details = (input.details ?? '').trim();
  if (details.length > 2000) throw invalid('申请说明不能超过 2000 字', [{ field: 'details', message: '不能超过 2000 字' }]);
  if (input.phone && !/^1\d{10}$/.test(input.phone)) throw invalid('手机号格式不正确', [{ field: 'phone', message: '须为 11 位手机号' }]);
  const files = [...new Set(input.files ?? [])];
  if (files.length > 9) throw invalid('最多上传 9 份材料', [{ field: 'files', message: '最多 9 份' }]);
  let residentId: string;
  let residentName: string;
  let nodePath: string;
  let as = actor;
  let proxy = false;
  if (input.residentId && input.residentId !== actor.residentId) {
    requirePermission(actor, 'services.proxy');
    const r = await getResident(ctx, actor, input.residentId); // scope: 404 outside
    if (r.status !== 'resident') throw conflict('该居民已不在册');
    residentId = r.id;
    residentName = r.name;
    nodePath = r.nodePath;
    as = actingFor(actor, r.id);
    proxy = true;
  } else {
    const me = await selfResident(ctx, actor);
    residentId = me.id;
    residentName = me.name;
    nodePath = me.nodePath;
  }
  const required = ((m.documents ?? []) as MatterDocument[]).filter((d) => d.required).length;
  if (required > 0 && files.length === 0) throw invalid(`请上传所需材料（${((m.documents ?? []) as MatterDocument[]).filter((d) => d.required).map((d) => d.name).join('、')}）`, [{ field: 'files', message: '请上传材料照片' }]);
  const now = ctx.clock.now();
  const cal = await loadCalendar(ctx);
  const dayMs = cal.periods.reduce((s, [a, b]) => s + (b - a) * 60_000, 0);
  const dueAt = addWorkingTime(cal, now, m.time_limit_days * dayMs);
  const id = newId();
  for (let attempt = 0; ; attempt++) {
    try {
      await withTx(ctx, async (trx) => {
        const number = await svcRepo.nextApplicationNumber(trx, shanghaiDay(now));
        await trx
          .insertInto('svc_applications')
          .values({
            id,
            number,
            matter_id: m.id,
            resident_id: residentId,
            resident_name: residentName,
            node_path: nodePath,
            applicant_user_id: actor.userId,
            proxy_staff_id: proxy ? actor.userId : null,
            proxy_staff_name: proxy ? actor.displayName : null,
            details,
            contact_phone_enc: input.phone ? ctx.cipher.encrypt(input.phone) : null,
            files,
            status: 'submitted',
            due_at: dueAt,
            handler_id: null,
            handler_name: null,
            result: null,
            decided_at: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        await attachFiles(trx, actor, files, 'svc_application', id);
        await addEvent(trx, ctx, actor, id, proxy ? '代为申请' : '提交申请', null, 'submitted', proxy ? `${actor.displayName}代${residentName}申请` : null);
        await audit(trx, ctx.clock, as, { action: 'services.application.submit', entity: 'svc_application', entityId: id, after: { number, matter: m.code, residentId, files: files.length, proxy } });
      });
      break;
    } catch (err) {
      // two applications took the same number in the same instant: take the next one
      if ((err as { code?: string; constraint?: string }).code === '23505' && attempt < 5) continue;
      throw err;
    }
  }
  return viewApplication(ctx, (await svcRepo.applicationById(ctx.db, id))!, true);
}

/** May the actor see this application: its applicant (resident or the account that applied), or handling staff in scope. */
export function canSeeApplication(actor: Actor, a: ApplicationRow): boolean {
  if (actor.residentId && actor.residentId === a.resident_id) return true;
  if (actor.userId && actor.userId === a.applicant_user_id) return true;
  return (can(actor, 'services.applications.handle') || can(actor, 'services.proxy')) && scopeCoversPath(actor, a.node_path);
}

export async function getApplication(ctx: AppContext, actor: Actor, id: string): Promise<ApplicationView> {
  const a = await svcRepo.applicationById(ctx.db, id);
  if (!a || !canSeeApplication(actor, a)) throw notFound('申请不存在');
  return viewApplication(ctx, a, true);
}

export async function myApplications(ctx: AppContext, actor: Actor): Promise<ApplicationView[]> {
  const me = await selfResident(ctx, actor);
  const { rows } = await svcRepo.listApplications(ctx.db, { scope: { kind: 'all' }, residentId: me.id, limit: 100, offset: 0 });
  return Promise.all(rows.map((r) => viewApplication(ctx, r, false)));
}

export async function listApplications(ctx: AppContext, actor: Actor, q: { status?: string; matterId?: string; page: number; pageSize: number }) {
  requirePermission(actor, 'services.applications.handle');
  const { rows, total } = await svcRepo.listApplications(ctx.db, { scope: staffScope(actor), status: q.status, matterId: q.matterId, limit: q.pageSize, offset: (q.page - 1) * q.pageSize });
  return { items: await Promise.all(rows.map((r) => viewApplication(ctx, r, false))), total, page: q.page, pageSize: q.pageSize };
}

export type StaffAction = 'accept' | 'approve' | 'reject' | 'return';
const STAFF_TRANSITIONS: Record<StaffAction, { from: ApplicationStatus[]; to: ApplicationStatus; name: string; needsNote: boolean }> = {
  accept: { from: ['submitted'], to: 'accepted', name: '受理', needsNote: false },
  approve: { from: ['submitted', 'accepted'], to: 'approved', name: '办结（通过）', needsNote: false },
  reject: { from: ['submitted', 'accepted'], to: 'rejected', name: '不予办理', needsNote: true },
  return: { from: ['submitted', 'accepted'], to: 'need_more', name: '退回补正', needsNote: true },
};

/** The staff workflow: accept, approve, reject (with the reason) or return for more documents; the applicant is told in the inbox. */
export async function decideApplication(ctx: AppContext, actor: Actor, id: string, action: StaffAction, note?: string | null): Promise<ApplicationView> {
  requirePermission(actor, 'services.applications.handle');
  const t = STAFF_TRANSITIONS[action];
  const text = note?.trim() || null;
  if (t.needsNote && !text) throw invalid(action === 'reject' ? '请填写不予办理的理由' : '请写明需要补正的材料', [{ field: 'note', message: '为必填项' }]);
  if (text && text.length > 1000) throw invalid('说明不能超过 1000 字', [{ field: 'note', message: '不能超过 1000 字' }]);
  await withTx(ctx, async (trx) => {
    const a = await svcRepo.applicationById(trx, id, true);
    if (!a) throw notFound('申请不存在');
    assertRowInScope(actor, a.node_path);
    if (!t.from.includes(a.status)) throw conflict(`当前状态“${APPLICATION_STATUS_NAMES[a.status]}”不能${t.name}`);
    const now = ctx.clock.now();
    const final = t.to === 'approved' || t.to === 'rejected';
    await trx
      .updateTable('svc_applications')
      .set({ status: t.to, handler_id: actor.userId, handler_name: actor.displayName, updated_at: now, ...(final ? { decided_at: now, result: text ?? (t.to === 'approved' ? '审核通过' : null) } : {}) })
      .where('id', '=', id)
      .execute();
    await addEvent(trx, ctx, actor, id, t.name, a.status, t.to, text);
    const m = (await svcRepo.matterById(trx, a.matter_id))!;
    const users = await usersOfResidents(trx, [a.resident_id]);
    await notifyUsers(ctx, trx, users.map((u) => u.userId), {
      kind: 'services.application',
      title: `${m.name}：${APPLICATION_STATUS_NAMES[t.to]}`,
      body: `您的申请 ${a.number} ${APPLICATION_STATUS_NAMES[t.to]}${text ? `。说明：${text}` : ''}`,
      link: `/h5/applications?id=${id}`,
      data: { applicationId: id },
    });
    await audit(trx, ctx.clock, actor, { action: `services.application.${action}`, entity: 'svc_application', entityId: id, before: { status: a.status }, after: { status: t.to, note: text } });
  });
  return getApplication(ctx, actor, id);
}

/** The applicant answers a return (补正) with more documents, or withdraws. */
export async function applicantAction(ctx: AppContext, actor: Actor, id: string, action: 'resubmit' | 'withdraw', input: { details?: string; files?: string[] }): Promise<ApplicationView> {
  await withTx(ctx, async (trx) => {
    const a = await svcRepo.applicationById(trx, id, true);
    if (!a || !canSeeApplication(actor, a)) throw notFound('申请不存在');
    const own = (actor.residentId && actor.residentId === a.resident_id) || (actor.userId && actor.userId === a.applicant_user_id);
    if (!own) throw notFound('申请不存在');
    const as = actor.residentId === a.resident_id ? actor : actingFor(actor, a.resident_id);
    const now = ctx.clock.now();
    if (action === 'withdraw') {
      if (!['submitted', 'accepted', 'need_more'].includes(a.status)) throw conflict('该申请已办结，不能撤回');
      await trx.updateTable('svc_applications').set({ status: 'withdrawn', updated_at: now }).where('id', '=', id).execute();
      await addEvent(trx, ctx, actor, id, '撤回申请', a.status, 'withdrawn', null);
    } else {
      if (a.status !== 'need_more') throw conflict('只有待补正的申请可以补充材料');
      const add = [...new Set(input.files ?? [])].filter((f) => !a.files.includes(f));
      if (a.files.length + add.length > 18) throw invalid('材料过多', [{ field: 'files', message: '最多 18 份' }]);
      const details = input.details?.trim();
      if (details && details.length > 2000) throw invalid('申请说明不能超过 2000 字', [{ field: 'details', message: '不能超过 2000 字' }]);
      await attachFiles(trx, actor, add, 'svc_application', id);
      await trx.updateTable('svc_applications').set({ status: 'submitted', files: [...a.files, ...add], details: details ? `${a.details}\n【补正】${details}`.trim() : a.details, updated_at: now }).where('id', '=', id).execute();
      await addEvent(trx, ctx, actor, id, '补正后重新提交', a.status, 'submitted', details ?? null);
    }
    await audit(trx, ctx.clock, as, { action: `services.application.${action}`, entity: 'svc_application', entityId: id, before: { status: a.status }, after: { status: action === 'withdraw' ? 'withdrawn' : 'submitted' } });
  });
  return getApplication(ctx, actor, id);
}

// ---------------------------------------------------------------- repairs inside an estate (物业报修) → cases

/** Category of repairs of shared parts inside an estate; cases routes it to the estate's property company. */
export const REPAIR_CATEGORY = 'PR01';

/**
 * A resident's repair request (物业报修). It is a case like any other: reported on the resident
 * channel in category 物业报修, located at the resident's building unless a point is given, and
 * routed by dispatch to the estate's property company. No second workflow.
 */
export async function reportRepair(ctx: AppContext, actor: Actor, input: { description: string; photos?: string[]; location?: { lng: number; lat: number } | null; address?: string | null; idempotencyKey?: string | null }) {
  const me = await selfResident(ctx, actor);
  const description = requireText(input.description, 'description', 2000, '报修内容');
  let location = input.location ?? null;
  let address = input.address?.trim() || null;
  if (!location) {
    const parts = me.nodePath.split('/');
    const paths = parts.map((_, i) => parts.slice(0, i + 1).join('/')).reverse();
    const nodes = await nodeBriefs(ctx.db, { paths });
    const placed = paths.map((p) => nodes.find((n) => n.path === p)).find((n) => n && n.lng != null && n.lat != null);
    if (!placed) throw invalid('无法确定您的住址位置，请在地图上选择报修位置', [{ field: 'location', message: '为必填项' }]);
    location = { lng: placed.lng!, lat: placed.lat! };
    address ??= placed.name;
  }
  const c = await reportCase(ctx, actor, { description, location, address, categoryCode: REPAIR_CATEGORY, channel: 'resident', photos: input.photos ?? [], idempotencyKey: input.idempotencyKey ?? null });
  return { caseId: c.id, number: c.number, trackCode: c.trackCode, stateName: c.stateName, department: c.department?.name ?? null, estate: c.estate?.name ?? null, created: (c as { created?: boolean }).created ?? true };
}

/** Desk items (grid-work's one-stop desk): open applications and upcoming sign-ups of a resident. */
export async function deskItems(ctx: AppContext, _actor: Actor, residentId: string) {
  const apps = await ctx.db
    .selectFrom('svc_applications as a')
    .innerJoin('svc_matters as m', 'm.id', 'a.matter_id')
    .select(['a.id', 'a.number', 'a.status', 'a.created_at', 'm.name'])
    .where('a.resident_id', '=', residentId)
    .where('a.status', 'in', ['submitted', 'accepted', 'need_more'])
    .execute();
  const signups = await ctx.db
    .selectFrom('svc_signups as s')
    .innerJoin('svc_activities as a', 'a.id', 's.activity_id')
    .select(['s.id', 's.status', 'a.title', 'a.starts_at'])
    .where('s.resident_id', '=', residentId)
    .where('s.status', '<>', 'cancelled')
    .where('a.ends_at', '>', ctx.clock.now())
    .execute();
  // keep the resident check honest: a resident who left the register has no open desk items here
  const [r] = await residentsMatching(ctx.db, { ids: [residentId], on: ctx.clock.now() });
  if (!r) return [];
  return [
    ...apps.map((a) => ({ module: 'services', kind: 'application', id: a.id, title: a.name, state: APPLICATION_STATUS_NAMES[a.status], number: a.number, at: iso(a.created_at), link: `/services/applications?id=${a.id}` })),
    ...signups.map((s) => ({ module: 'services', kind: 'activity', id: s.id, title: s.title, state: s.status === 'confirmed' ? '报名成功' : '候补中', number: null, at: iso(s.starts_at), link: null })),
  ];
}
