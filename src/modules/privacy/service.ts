import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import { requirePermission } from '../../platform/auth/permissions.js';
import { assertRowInScope, scopeOf } from '../../platform/auth/scope.js';
import { audit } from '../../platform/audit/audit.js';
import { conflict, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { getResident } from '../org/index.js';
import { myCases } from '../cases/index.js';
import { privacyRepo } from './repository.js';

export const CONSENT_PURPOSES = {
  health_monitoring: '智能手环等健康数据监测',
  contact_by_staff: '网格员、社区工作人员联系走访',
  targeted_notices: '按人群标签推送通知与活动',
  volunteer_matching: '志愿服务与时间银行匹配',
} as const;
export type ConsentPurpose = keyof typeof CONSENT_PURPOSES;

/** Case states in which a case is finished: a resident with cases in other states keeps their data until they are. */
const FINISHED = new Set(['closed', 'rejected', 'merged']);

function ownResident(actor: Actor): string {
  if (!actor.residentId) throw forbidden('仅居民本人可以办理');
  return actor.residentId;
}

/** Everything OneGrid holds about the signed-in resident (PIPL art. 45), personal fields in clear. */
export async function exportMyData(ctx: AppContext, actor: Actor) {
  const residentId = ownResident(actor);
  const resident = await getResident(ctx, actor, residentId, ['phone', 'idCard', 'address']);
  const cases = [];
  for (let page = 1; page <= 20; page++) {
    const p = await myCases(ctx, actor, { page, pageSize: 100 });
    cases.push(...p.items);
    if (p.items.length < 100) break;
  }
  const consents = (await privacyRepo.consents(ctx.db, residentId)).map((c) => ({ purpose: c.purpose, granted: c.granted, at: c.at, channel: c.channel, note: c.note }));
  const accessLog = await privacyRepo.accessLogAbout(ctx.db, residentId);
  return {
    exportedAt: ctx.clock.now().toISOString(),
    account: { username: actor.username, displayName: actor.displayName, roles: actor.roles },
    resident,
    cases,
    consents,
    /** who looked at my personal data in clear, and when */
    accessLog: accessLog.map((a) => ({ at: a.at, by: a.actor_name, fields: a.fields, reason: a.reason })),
  };
}

export async function myConsents(ctx: AppContext, actor: Actor) {
  const residentId = ownResident(actor);
  const rows = await privacyRepo.consents(ctx.db, residentId);
  // The latest record per purpose is in force.
  const current = new Map<string, { purpose: string; label: string; granted: boolean; at: Date }>();
  for (const r of rows) current.set(r.purpose, { purpose: r.purpose, label: CONSENT_PURPOSES[r.purpose as ConsentPurpose] ?? r.purpose, granted: r.granted, at: new Date(r.at) });
  return { current: [...current.values()], history: rows.map((r) => ({ purpose: r.purpose, granted: r.granted, at: r.at, channel: r.channel })) };
}

/** Records a consent given or withdrawn by the resident (or by staff for them, with a note). */
export async function recordConsent(ctx: AppContext, actor: Actor, input: { residentId?: string; purpose: ConsentPurpose; granted: boolean; note?: string }) {
  let residentId: string;
  let channel: 'self' | 'staff';
  if (input.residentId && input.residentId !== actor.residentId) {
    requirePermission(actor, 'privacy.manage');
    const r = await getResident(ctx, actor, input.residentId);
    assertRowInScope(actor, r.nodePath);
    residentId = input.residentId;
    channel = 'staff';
  } else {
    residentId = ownResident(actor);
    channel = 'self';
  }
  const row = { id: newId(), resident_id: residentId, purpose: input.purpose, granted: input.granted, at: ctx.clock.now(), recorded_by: actor.userId, channel, note: input.note ?? null };
  await withTx(ctx, async (trx) => {
    await privacyRepo.addConsent(trx, row);
    await audit(trx, ctx.clock, actor, { action: input.granted ? 'consent.grant' : 'consent.withdraw', entity: 'resident', entityId: residentId, after: { purpose: input.purpose, channel } });
  });
  return { id: row.id, purpose: row.purpose, granted: row.granted, at: row.at, channel };
}

/** The resident asks for their personal information to be deleted (PIPL art. 47). */
export async function requestDeletion(ctx: AppContext, actor: Actor, note?: string) {
  const residentId = ownResident(actor);
  return withTx(ctx, async (trx) => {
    if (await privacyRepo.openRequest(trx, residentId)) throw conflict('您已有一项删除申请正在办理');
    const row = { id: newId(), resident_id: residentId, requested_by: actor.userId, requested_at: ctx.clock.now(), note: note ?? null, state: 'pending' as const, exceptions: '[]', decided_by: null, decided_at: null };
    await privacyRepo.insertRequest(trx, row);
    await audit(trx, ctx.clock, actor, { action: 'privacy.deletion.request', entity: 'resident', entityId: residentId, after: { requestId: row.id } });
    return { id: row.id, state: row.state, requestedAt: row.requested_at };
  });
}

export async function listDeletionRequests(ctx: AppContext, actor: Actor) {
  requirePermission(actor, 'privacy.manage');
  const rows = await privacyRepo.listRequests(ctx.db, 'all');
  const s = scopeOf(actor);
  const visible = [];
  for (const r of rows) {
    if (s.kind !== 'all') {
      try {
        const res = await getResident(ctx, actor, r.resident_id);
        assertRowInScope(actor, res.nodePath);
      } catch {
        continue;
      }
    }
    visible.push({ id: r.id, residentId: r.resident_id, requestedAt: r.requested_at, note: r.note, state: r.state, exceptions: r.exceptions, decidedAt: r.decided_at });
  }
  return visible;
}

/**
 * Carries out a deletion request. Personal fields are cleared and the resident's accounts disabled,
 * unless the law requires keeping them for now: a case the resident reported or follows that is
 * not finished keeps the data until it is (the request is then 'deferred' with the reasons, and can
 * be carried out again later). Records other laws require to be kept (mediation agreements, the
 * audit log) refer to the resident by id and are not deleted; their copies of names stay as the
 * law requires.
 */
export async function executeDeletion(ctx: AppContext, actor: Actor, requestId: string) {
  requirePermission(actor, 'privacy.manage');
  const req = await ctx.db.selectFrom('deletion_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!req) throw notFound('申请不存在');
  const resident = await getResident(ctx, actor, req.resident_id);
  assertRowInScope(actor, resident.nodePath);
  if (req.state === 'completed') throw conflict('该申请已办结');
  // Open cases of the resident, seen through their own accounts.
  const accounts = await ctx.db.selectFrom('users').select(['id', 'username', 'display_name', 'roles']).where('resident_id', '=', req.resident_id).execute();
  const open: string[] = [];
  for (const u of accounts) {
    const asResident: Actor = { ...actor, userId: u.id, username: u.username, displayName: u.display_name, roles: ['resident'], residentId: req.resident_id, nodeId: null, nodePath: null, departmentId: null, scopes: null };
    for (let page = 1; page <= 20; page++) {
      const p = await myCases(ctx, asResident, { page, pageSize: 100 });
      for (const c of p.items) if (!FINISHED.has(c.state)) open.push(c.number);
      if (p.items.length < 100) break;
    }
  }
  const now = ctx.clock.now();
  return withTx(ctx, async (trx) => {
    const locked = await privacyRepo.requestById(trx, requestId);
    if (!locked || locked.state === 'completed') throw conflict('该申请已办结');
    if (open.length) {
      const exceptions = [{ kind: 'open_cases', message: '存在尚未办结的事件，个人信息依法保留至办结后再删除', refs: open }];
      await privacyRepo.updateRequest(trx, requestId, { state: 'deferred', exceptions: JSON.stringify(exceptions), decided_by: actor.userId, decided_at: now });
      await audit(trx, ctx.clock, actor, { action: 'privacy.deletion.defer', entity: 'resident', entityId: req.resident_id, after: { requestId, exceptions } });
      return { id: requestId, state: 'deferred' as const, exceptions };
    }
    await privacyRepo.anonymiseResident(trx, req.resident_id, now);
    const disabled = await privacyRepo.disableAccountsOf(trx, req.resident_id, now);
    await privacyRepo.updateRequest(trx, requestId, { state: 'completed', exceptions: '[]', decided_by: actor.userId, decided_at: now });
    await audit(trx, ctx.clock, actor, { action: 'privacy.deletion.complete', entity: 'resident', entityId: req.resident_id, after: { requestId, accountsDisabled: disabled.length } });
    return { id: requestId, state: 'completed' as const, exceptions: [] };
  });
}
