import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Executor, Tx } from '../../platform/db/database.js';
import type { Actor } from '../../platform/auth/actor.js';
import { can, requirePermission } from '../../platform/auth/permissions.js';
import { assertPathInScope, scopeCoversPath, scopeOf } from '../../platform/auth/scope.js';
import { createUser } from '../../platform/auth/service.js';
import { audit } from '../../platform/audit/audit.js';
import { maskPhone } from '../../platform/crypto.js';
import { conflict, forbidden, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { communityById, communityByPath, communityPathOf, openPartnerAccount, partnerAccount, type ClaimGrantedEvent, type GrantReversedEvent } from '../ledger/index.js';
import { partnersRepo, type AgreementRow, type CreditKind, type OrgStage, type PartnerForm, type PartnerRow, type PartnerType, type PathFilter, type SocialOrgRow } from './repository.js';
import { CREDIT_LEVEL_NAMES, creditOf, type CreditResult } from './scoring.js';

export const PARTNER_TYPE_NAMES: Record<PartnerType, string> = { resource: '资源型', professional: '专业型', volunteer: '志愿型' };
export const STAGE_NAMES: Record<OrgStage, string> = { applied: '申请入驻', incubating: '孵化中', registered: '已登记', graduated: '已出壳' };
const STAGE_ORDER: OrgStage[] = ['applied', 'incubating', 'registered', 'graduated'];

// ---------------------------------------------------------------- scope helpers

/** The org subtree a staff member sees (null = all); 'none' for everyone else. */
export function staffPath(actor: Actor): PathFilter | 'none' {
  const s = scopeOf(actor);
  if (s.kind === 'all') return null;
  if (s.kind === 'subtree') return s.path;
  return 'none';
}

/** The partner record the signed-in partner account speaks for. */
export async function myPartner(ctx: AppContext, actor: Actor, db: Executor = ctx.db): Promise<PartnerRow | undefined> {
  if (!actor.userId || !actor.roles.includes('partner')) return undefined;
  return partnersRepo.byUser(db, actor.userId);
}

export async function visiblePartner(ctx: AppContext, actor: Actor, id: string): Promise<PartnerRow> {
  const p = await partnersRepo.byId(ctx.db, id);
  if (!p) throw notFound('合伙人不存在');
  if (p.user_id && p.user_id === actor.userId) return p;
  if (can(actor, 'partners.read') && scopeCoversPath(actor, p.node_path)) return p;
  throw notFound('合伙人不存在');
}

/** Appends to a partner's credit record and recomputes its score and level, in the caller's transaction. */
export async function recordCredit(ctx: AppContext, trx: Tx, partnerId: string, kind: CreditKind, value: number, note: string, refId: string | null = null): Promise<CreditResult> {
  await partnersRepo.insertCredit(trx, { id: newId(), partner_id: partnerId, kind, value, note, ref_id: refId, at: ctx.clock.now() });
  const c = creditOf(await partnersRepo.creditEvents(trx, partnerId));
  await partnersRepo.update(trx, partnerId, { credit_score: c.score, credit_level: c.level, updated_at: ctx.clock.now() });
  return c;
}

/**
 * Points a partner (or merchant) earns for a confirmed service claim go on its credit record, in the
 * ledger's approving transaction (subscribed with the ledger's onClaimGranted in index.ts). Project
 * points are recorded by settleProject, which pays them directly, so they never pass through here.
 */
export async function creditFromClaim(ctx: AppContext, trx: Tx, e: ClaimGrantedEvent): Promise<void> {
  if (e.ownerKind !== 'partner' && e.ownerKind !== 'merchant') return;
  if (e.points <= 0) return;
  const partner = await partnersRepo.byId(trx, e.ownerId);
  if (!partner) return;
  await recordCredit(ctx, trx, partner.id, 'points', e.points, `${e.ruleAction}${e.note ? '：' + e.note : ''}`.slice(0, 200), e.claimId);
}

/**
 * A reversed grant takes its points off the partner's credit record: a negative points event
 * referring to the same claim, in the reversal's transaction (subscribed in index.ts). A claim whose
 * points never reached the record (an ordinary resident's) leaves it alone.
 */
export async function uncreditReversedClaim(ctx: AppContext, trx: Tx, e: GrantReversedEvent): Promise<void> {
  if (e.ownerKind !== 'partner' && e.ownerKind !== 'merchant') return;
  const partner = await partnersRepo.byId(trx, e.ownerId);
  if (!partner) return;
  const credited = (await partnersRepo.creditEvents(trx, partner.id)).filter((c) => c.kind === 'points' && c.ref_id === e.claimId).reduce((s, c) => s + Number(c.value), 0);
  if (credited <= 0) return;
  await recordCredit(ctx, trx, partner.id, 'points', -Math.min(credited, e.points), e.memo.slice(0, 200), e.claimId);
}

// ---------------------------------------------------------------- partners

export interface PartnerView {
  id: string;
  name: string;
  type: PartnerType;
  typeName: string;
  form: PartnerForm;
  merchant: boolean;
  services: string[];
  contactName: string | null;
  phone: string | null;
  description: string;
  nodePath: string;
  communityName: string | null;
  hasAccount: boolean;
  status: string;
  creditScore: number;
  creditLevel: string;
  creditLevelName: string;
}

async function communityName(ctx: AppContext, path: string): Promise<string | null> {
  return (await communityByPath(ctx, path).catch(() => null))?.name ?? null;
}

async function viewPartner(ctx: AppContext, p: PartnerRow, revealPhone = false): Promise<PartnerView> {
  const phone = ctx.cipher.decrypt(p.phone_enc);
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    typeName: PARTNER_TYPE_NAMES[p.type],
    form: p.form,
    merchant: p.merchant,
    services: p.services,
    contactName: p.contact_name,
    phone: revealPhone ? phone : maskPhone(phone),
    description: p.description,
    nodePath: p.node_path,
    communityName: await communityName(ctx, p.node_path),
    hasAccount: p.user_id !== null,
    status: p.status,
    creditScore: Number(p.credit_score),
    creditLevel: p.credit_level,
    creditLevelName: CREDIT_LEVEL_NAMES[p.credit_level as keyof typeof CREDIT_LEVEL_NAMES] ?? p.credit_level,
  };
}

export interface PartnerInput {
  name: string;
  type: PartnerType;
  form: PartnerForm;
  merchant?: boolean;
  services: string[];
  contactName?: string;
  phone?: string;
  description?: string;
  communityId: string;
  /** a new sign-in for the partner (role partner) */
  account?: { username: string; password: string };
  /** or an existing user with the partner role */
  username?: string;
}

export async function createPartner(ctx: AppContext, actor: Actor, input: PartnerInput): Promise<PartnerView> {
  requirePermission(actor, 'partners.manage');
  const c = await communityById(ctx, input.communityId);
  assertPathInScope(actor, c.path);
  if (input.account && input.username) throw invalid('新建账号与关联已有账号只能选一项');
  let existingUser: string | null = null;
  if (input.username) {
    const u = await ctx.db.selectFrom('users').select(['id', 'roles']).where('username', '=', input.username).executeTakeFirst();
    if (!u) throw invalid(`用户 ${input.username} 不存在`, [{ field: 'username', message: '用户不存在' }]);
    if (!u.roles.includes('partner')) throw invalid('该用户不是社区合伙人角色', [{ field: 'username', message: '须为社区合伙人角色' }]);
    if (await partnersRepo.byUser(ctx.db, u.id)) throw conflict('该账号已关联其他合伙人');
    existingUser = u.id;
  }
  const id = newId();
  const now = ctx.clock.now();
  const row: PartnerRow = {
    id,
    name: input.name,
    type: input.type,
    form: input.form,
    merchant: input.merchant ?? false,
    services: [...new Set(input.services)],
    contact_name: input.contactName ?? null,
    phone_enc: ctx.cipher.encrypt(input.phone ?? null),
    description: input.description ?? '',
    node_path: c.path,
    user_id: existingUser,
    status: 'active',
    credit_score: creditOf([]).score,
    credit_level: creditOf([]).level,
    created_at: now,
    updated_at: now,
  };
  await withTx(ctx, async (trx) => {
    if (await trx.selectFrom('partners').select('id').where('node_path', '=', c.path).where('name', '=', input.name).executeTakeFirst()) throw conflict(`${c.name}已有名为「${input.name}」的合伙人`);
    if (input.account) row.user_id = await createUser(ctx, actor, { username: input.account.username, displayName: input.name, password: input.account.password, roles: ['partner'] }, trx);
    await partnersRepo.insert(trx, row);
    const acc = await openPartnerAccount(ctx, trx, { partnerId: id, name: input.name, nodePath: c.path, merchant: row.merchant, holderUserId: row.user_id });
    await audit(trx, ctx.clock, actor, { action: 'partner.create', entity: 'partner', entityId: id, after: { ...row, phone_enc: undefined, accountId: acc.id } });
  });
  return viewPartner(ctx, row);
}

export async function updatePartner(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: { name?: string; services?: string[]; contactName?: string | null; phone?: string | null; description?: string; status?: 'active' | 'suspended'; type?: PartnerType },
): Promise<PartnerView> {
  requirePermission(actor, 'partners.manage');
  const p = await visiblePartner(ctx, actor, id);
  if (!scopeCoversPath(actor, p.node_path)) throw notFound('合伙人不存在');
  const set: Partial<PartnerRow> = { updated_at: ctx.clock.now() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.services !== undefined) set.services = [...new Set(patch.services)];
  if (patch.contactName !== undefined) set.contact_name = patch.contactName;
  if (patch.phone !== undefined) set.phone_enc = ctx.cipher.encrypt(patch.phone);
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.status !== undefined) set.status = patch.status;
  if (patch.type !== undefined) set.type = patch.type;
  await withTx(ctx, async (trx) => {
    await partnersRepo.update(trx, id, set);
    if (set.name) await openPartnerAccount(ctx, trx, { partnerId: id, name: set.name, nodePath: p.node_path, merchant: p.merchant, holderUserId: p.user_id });
    await audit(trx, ctx.clock, actor, { action: 'partner.update', entity: 'partner', entityId: id, before: { ...p, phone_enc: undefined }, after: { ...set, phone_enc: undefined } });
  });
  return viewPartner(ctx, (await partnersRepo.byId(ctx.db, id))!);
}

export async function listPartners(
  ctx: AppContext,
  actor: Actor,
  f: { type?: PartnerType; service?: string; q?: string; status?: string; communityId?: string; page: number; pageSize: number },
): Promise<{ items: PartnerView[]; total: number; page: number; pageSize: number }> {
  requirePermission(actor, 'partners.read');
  const sp = staffPath(actor);
  if (sp === 'none') return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
  let path = sp;
  if (f.communityId) {
    const c = await communityById(ctx, f.communityId);
    assertPathInScope(actor, c.path);
    path = c.path;
  }
  const { rows, total } = await partnersRepo.list(ctx.db, { path, type: f.type, service: f.service, q: f.q, status: f.status, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: await Promise.all(rows.map((r) => viewPartner(ctx, r))), total, page: f.page, pageSize: f.pageSize };
}

/** Active partners offering a service, best credit first (for choosing who to ask). */
export async function recommendPartners(ctx: AppContext, actor: Actor, f: { service?: string; type?: PartnerType; limit?: number }): Promise<PartnerView[]> {
  requirePermission(actor, 'partners.read');
  const sp = staffPath(actor);
  if (sp === 'none') return [];
  // a community's staff may be recommended the partners of the whole street
  const path = sp === null ? null : sp.split('/').slice(0, 2).join('/');
  const { rows } = await partnersRepo.list(ctx.db, { path, type: f.type, service: f.service, status: 'active', orderByCredit: true, limit: f.limit ?? 10, offset: 0 });
  return Promise.all(rows.map((r) => viewPartner(ctx, r)));
}

export interface AgreementView {
  id: string;
  partnerId: string;
  partnerName?: string;
  title: string;
  content: string;
  startsOn: string;
  endsOn: string;
  status: string;
  current: boolean;
}

const viewAgreement = (ctx: AppContext, a: AgreementRow & { partner_name?: string }): AgreementView => {
  const today = new Date(ctx.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  return {
    id: a.id,
    partnerId: a.partner_id,
    partnerName: a.partner_name,
    title: a.title,
    content: a.content,
    startsOn: a.starts_on,
    endsOn: a.ends_on,
    status: a.status,
    current: a.status === 'active' && a.starts_on <= today && today <= a.ends_on,
  };
};

export async function getPartner(ctx: AppContext, actor: Actor, id: string) {
  const p = await visiblePartner(ctx, actor, id);
  const [agreements, events, account] = await Promise.all([partnersRepo.agreementsOf(ctx.db, id), partnersRepo.creditEvents(ctx.db, id), partnerAccount(ctx, ctx.db, id)]);
  const credit = creditOf(events);
  return {
    ...(await viewPartner(ctx, p)),
    agreements: agreements.map((a) => viewAgreement(ctx, a)),
    credit,
    creditEvents: events.slice(0, 50).map((e) => ({ id: e.id, kind: e.kind, value: Number(e.value), note: e.note, at: new Date(e.at).toISOString() })),
    account: account ? { id: account.id, balance: Number(account.balance), kind: account.owner_kind } : null,
  };
}

export async function getMyPartner(ctx: AppContext, actor: Actor) {
  const p = await myPartner(ctx, actor);
  if (!p) throw notFound('您的账号未关联合伙人');
  return getPartner(ctx, actor, p.id);
}

export async function listAgreements(ctx: AppContext, actor: Actor): Promise<AgreementView[]> {
  requirePermission(actor, 'partners.read');
  const sp = staffPath(actor);
  if (sp === 'none') return [];
  return (await partnersRepo.listAgreements(ctx.db, sp)).map((a) => viewAgreement(ctx, a));
}

export async function addAgreement(ctx: AppContext, actor: Actor, partnerId: string, input: { title: string; content: string; startsOn: string; endsOn: string }): Promise<AgreementView> {
  requirePermission(actor, 'partners.manage');
  const p = await visiblePartner(ctx, actor, partnerId);
  if (!scopeCoversPath(actor, p.node_path)) throw notFound('合伙人不存在');
  if (input.endsOn < input.startsOn) throw invalid('协议结束日期不能早于开始日期', [{ field: 'endsOn', message: '不能早于开始日期' }]);
  const row: AgreementRow = { id: newId(), partner_id: p.id, title: input.title, content: input.content, starts_on: input.startsOn, ends_on: input.endsOn, node_path: p.node_path, status: 'active', created_at: ctx.clock.now() };
  await withTx(ctx, async (trx) => {
    await partnersRepo.insertAgreement(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'partner.agreement.create', entity: 'partner_agreement', entityId: row.id, after: row });
  });
  return viewAgreement(ctx, row);
}

export async function terminateAgreement(ctx: AppContext, actor: Actor, id: string): Promise<AgreementView> {
  requirePermission(actor, 'partners.manage');
  const a = await partnersRepo.agreementById(ctx.db, id);
  if (!a || !scopeCoversPath(actor, a.node_path)) throw notFound('协议不存在');
  if (a.status === 'terminated') throw conflict('协议已终止');
  await withTx(ctx, async (trx) => {
    await partnersRepo.setAgreementStatus(trx, id, 'terminated');
    await audit(trx, ctx.clock, actor, { action: 'partner.agreement.terminate', entity: 'partner_agreement', entityId: id, before: { status: a.status }, after: { status: 'terminated' } });
  });
  return viewAgreement(ctx, { ...a, status: 'terminated' });
}

/** Staff record a delivery on time, a late one or a violation on the partner's credit record. */
export async function addCreditEvent(ctx: AppContext, actor: Actor, partnerId: string, input: { kind: 'on_time' | 'late' | 'violation'; note: string }): Promise<CreditResult> {
  requirePermission(actor, 'partners.manage');
  const p = await visiblePartner(ctx, actor, partnerId);
  if (!scopeCoversPath(actor, p.node_path)) throw notFound('合伙人不存在');
  return withTx(ctx, async (trx) => {
    const c = await recordCredit(ctx, trx, p.id, input.kind, 0, input.note);
    await audit(trx, ctx.clock, actor, { action: 'partner.credit', entity: 'partner', entityId: p.id, before: { score: Number(p.credit_score), level: p.credit_level }, after: { kind: input.kind, note: input.note, score: c.score, level: c.level } });
    return c;
  });
}

// ---------------------------------------------------------------- social organisations

export interface SocialOrgView {
  id: string;
  name: string;
  field: string;
  stage: OrgStage;
  stageName: string;
  leaderName: string | null;
  description: string;
  nodePath: string;
  partnerId: string | null;
  stageHistory: Array<{ stage: string; at: string; note: string }>;
}
const viewOrg = (o: SocialOrgRow): SocialOrgView => ({
  id: o.id,
  name: o.name,
  field: o.field,
  stage: o.stage,
  stageName: STAGE_NAMES[o.stage],
  leaderName: o.leader_name,
  description: o.description,
  nodePath: o.node_path,
  partnerId: o.partner_id,
  stageHistory: o.stage_history ?? [],
});

export async function createSocialOrg(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; field: string; stage?: OrgStage; leaderName?: string; description?: string; communityId: string; partnerId?: string },
): Promise<SocialOrgView> {
  requirePermission(actor, 'partners.manage');
  const c = await communityById(ctx, input.communityId);
  assertPathInScope(actor, c.path);
  if (input.partnerId) await visiblePartner(ctx, actor, input.partnerId);
  const now = ctx.clock.now();
  const stage = input.stage ?? 'applied';
  const row: SocialOrgRow = {
    id: newId(),
    name: input.name,
    field: input.field,
    stage,
    leader_name: input.leaderName ?? null,
    description: input.description ?? '',
    node_path: c.path,
    partner_id: input.partnerId ?? null,
    stage_history: [{ stage, at: now.toISOString(), note: '登记' }],
    created_at: now,
    updated_at: now,
  };
  await withTx(ctx, async (trx) => {
    if (await trx.selectFrom('social_orgs').select('id').where('node_path', '=', c.path).where('name', '=', input.name).executeTakeFirst()) throw conflict(`${c.name}已有名为「${input.name}」的社会组织`);
    await partnersRepo.insertOrg(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'social_org.create', entity: 'social_org', entityId: row.id, after: row });
  });
  return viewOrg(row);
}

async function visibleOrg(ctx: AppContext, actor: Actor, id: string): Promise<SocialOrgRow> {
  const o = await partnersRepo.orgById(ctx.db, id);
  if (!o) throw notFound('社会组织不存在');
  if (can(actor, 'partners.read') && scopeCoversPath(actor, o.node_path)) return o;
  const mine = await myPartner(ctx, actor);
  if (mine && o.partner_id === mine.id) return o;
  throw notFound('社会组织不存在');
}

export async function listSocialOrgs(ctx: AppContext, actor: Actor, f: { stage?: OrgStage; page: number; pageSize: number }) {
  const sp = staffPath(actor);
  let partnerId: string | undefined;
  if (sp === 'none' || !can(actor, 'partners.read')) {
    const mine = await myPartner(ctx, actor);
    if (!mine) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
    partnerId = mine.id;
  }
  const { rows, total } = await partnersRepo.listOrgs(ctx.db, { path: sp === 'none' ? null : sp, partnerId, stage: f.stage, limit: f.pageSize, offset: (f.page - 1) * f.pageSize });
  return { items: rows.map(viewOrg), total, page: f.page, pageSize: f.pageSize };
}

export async function getSocialOrg(ctx: AppContext, actor: Actor, id: string) {
  const o = await visibleOrg(ctx, actor, id);
  const acts = await partnersRepo.activitiesOf(ctx.db, id);
  return { ...viewOrg(o), activities: acts.map((a) => ({ id: a.id, title: a.title, heldOn: a.held_on, participants: a.participants, summary: a.summary })) };
}

/** Moves an organisation forward in incubation (申请入驻 → 孵化中 → 已登记 → 已出壳); never backwards. */
export async function setOrgStage(ctx: AppContext, actor: Actor, id: string, input: { stage: OrgStage; note: string }): Promise<SocialOrgView> {
  requirePermission(actor, 'partners.manage');
  const o = await visibleOrg(ctx, actor, id);
  if (!scopeCoversPath(actor, o.node_path)) throw notFound('社会组织不存在');
  if (STAGE_ORDER.indexOf(input.stage) <= STAGE_ORDER.indexOf(o.stage)) throw conflict(`当前阶段为「${STAGE_NAMES[o.stage]}」，只能向后推进`);
  const now = ctx.clock.now();
  const history = [...(o.stage_history ?? []), { stage: input.stage, at: now.toISOString(), note: input.note }];
  await withTx(ctx, async (trx) => {
    await partnersRepo.updateOrg(trx, id, { stage: input.stage, stage_history: history, updated_at: now });
    await audit(trx, ctx.clock, actor, { action: 'social_org.stage', entity: 'social_org', entityId: id, before: { stage: o.stage }, after: { stage: input.stage, note: input.note } });
  });
  return viewOrg({ ...o, stage: input.stage, stage_history: history });
}

export async function addOrgActivity(ctx: AppContext, actor: Actor, id: string, input: { title: string; heldOn: string; participants: number; summary?: string }) {
  const o = await visibleOrg(ctx, actor, id);
  const mine = await myPartner(ctx, actor);
  if (!(can(actor, 'partners.manage') && scopeCoversPath(actor, o.node_path)) && !(mine && mine.id === o.partner_id)) throw forbidden('无权为该组织登记活动');
  const now = ctx.clock.now();
  if (new Date(input.heldOn + 'T00:00:00+08:00') > now) throw invalid('活动日期不能晚于今天', [{ field: 'heldOn', message: '不能晚于今天' }]);
  const row = { id: newId(), org_id: id, title: input.title, held_on: input.heldOn, participants: input.participants, summary: input.summary ?? '', created_at: now };
  await withTx(ctx, async (trx) => {
    await partnersRepo.insertActivity(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'social_org.activity', entity: 'social_org', entityId: id, after: row });
  });
  return { id: row.id, title: row.title, heldOn: row.held_on, participants: row.participants, summary: row.summary };
}

export { communityPathOf };
