import type { AppContext } from '../../platform/context.js';
import { withTx } from '../../platform/context.js';
import type { Actor } from '../../platform/auth/actor.js';
import { invalid, notFound } from '../../platform/errors.js';
import { appendCaseNote, getCase, listCases, reopenCase, reportCase, urgeCase, type CaseView } from '../cases/index.js';
import { open311Repo } from './repository.js';
import { presentRequest } from './service.js';

/** Exchange partner system names: letters, digits, dot, dash, underscore (e.g. city12345, yiwangtongguan). */
export const EXCHANGE_SYSTEM_RE = /^[A-Za-z0-9._-]{2,40}$/;
export const EXCHANGE_FORMAT = 'onegrid.exchange/v1';

export interface ExchangeCase {
  type: 'case';
  externalId: string;
  caseNumber: string;
  serviceCode: string | null;
  serviceName: string | null;
  description: string;
  lat: number;
  long: number;
  address: string | null;
  status: 'open' | 'closed';
  extendedStatus: string;
  state: string;
  agencyResponsible: string | null;
  escalationLevel: number;
  reportedAt: string;
  deadlineAt: string | null;
  updatedAt: string;
}

function exchangeCase(v: CaseView): ExchangeCase {
  const r = presentRequest(v);
  return {
    type: 'case',
    externalId: v.number,
    caseNumber: v.number,
    serviceCode: r.service_code,
    serviceName: r.service_name,
    description: r.description,
    lat: r.lat,
    long: r.long,
    address: r.address,
    status: r.status,
    extendedStatus: r.extended_attributes.status,
    state: v.state,
    agencyResponsible: r.agency_responsible,
    escalationLevel: v.escalationLevel,
    reportedAt: v.reportedAt,
    deadlineAt: v.deadlineAt,
    updatedAt: r.updated_datetime,
  };
}

/** Cases forwarded up: escalated cases (or all, on request) in the caller's scope, recorded as sent to `system`. */
export async function exportCases(ctx: AppContext, actor: Actor, q: { system: string; since?: string; escalatedOnly?: boolean }) {
  const views: CaseView[] = [];
  for (let page = 1; page <= 50; page++) {
    const p = await listCases(ctx, actor, { from: q.since, page, pageSize: 200 });
    for (const v of p.items) if (q.escalatedOnly === false || v.escalationLevel > 0) views.push(v);
    if (p.items.length < 200) break;
  }
  const items = views.map(exchangeCase);
  const now = ctx.clock.now();
  // record what was forwarded (first export wins; re-exports are idempotent)
  await withTx(ctx, async (trx) => {
    for (const v of views) await open311Repo.insertLink(trx, { system: q.system, external_id: `out:${v.number}`, kind: 'case_out', case_id: v.id, result: JSON.stringify({ exportedAt: now.toISOString() }), created_at: now });
  });
  return { format: EXCHANGE_FORMAT, system: q.system, exportedAt: now.toISOString(), items };
}

export interface ImportItem {
  type: 'case' | 'decision';
  externalId: string;
  caseNumber?: string;
  decision?: 'instruct' | 'urge' | 'reopen';
  note?: string;
  description?: string;
  serviceCode?: string;
  lat?: number;
  long?: number;
  address?: string;
}

export interface ImportResult {
  externalId: string;
  result: 'created' | 'applied' | 'unchanged' | 'error';
  caseNumber: string | null;
  message?: string;
}

async function caseIdByNumber(ctx: AppContext, actor: Actor, number: string): Promise<string> {
  const p = await listCases(ctx, actor, { q: number, page: 1, pageSize: 5 });
  const hit = p.items.find((c) => c.number === number);
  if (!hit) throw notFound(`案卷 ${number} 不存在或无权查看`);
  return hit.id;
}

async function importOne(ctx: AppContext, actor: Actor, system: string, it: ImportItem): Promise<ImportResult> {
  const key = `${it.type}:${it.externalId}`;
  const done = await open311Repo.link(ctx.db, system, key);
  if (done) {
    const v = await getCase(ctx, actor, done.case_id);
    return { externalId: it.externalId, result: 'unchanged', caseNumber: v.number };
  }
  if (it.type === 'case') {
    if (!it.description || it.lat === undefined || it.long === undefined) throw invalid('下发案卷须包含 description、lat、long');
    // reportCase answers the open case already reported from this source, so a re-import after a
    // crash between the case and its link finds the same case instead of reporting it twice
    const view = await reportCase(ctx, actor, { channel: 'hotline', description: it.description, location: { lng: it.long, lat: it.lat }, address: it.address ?? null, categoryCode: it.serviceCode ?? null, source: { type: `exchange:${system}`, key: it.externalId } });
    const fresh = await withTx(ctx, (trx) => open311Repo.insertLink(trx, { system, external_id: key, kind: 'case_in', case_id: view.id, result: JSON.stringify({ number: view.number }), created_at: ctx.clock.now() }));
    return { externalId: it.externalId, result: fresh ? 'created' : 'unchanged', caseNumber: view.number };
  }
  if (!it.caseNumber || !it.decision) throw invalid('上级决定须包含 caseNumber 与 decision');
  const id = await caseIdByNumber(ctx, actor, it.caseNumber);
  const note = `上级平台（${system}）：${it.note ?? ''}`.trim();
  const cur = await getCase(ctx, actor, id);
  const decision = it.decision;
  // The link and the decision commit together: the link is inserted first, so a concurrent import
  // of the same external id waits on its row and then finds it taken (nothing applied twice), and a
  // decision that fails rolls its link back (a later retry may apply it).
  const fresh = await withTx(ctx, async (trx, after) => {
    const claimed = await open311Repo.insertLink(trx, { system, external_id: key, kind: 'decision', case_id: id, result: JSON.stringify({ number: cur.number, decision }), created_at: ctx.clock.now() });
    if (!claimed) return false;
    const tx = { trx, after };
    if (decision === 'instruct') await appendCaseNote(ctx, actor, id, note, { system, externalId: it.externalId }, tx);
    else if (decision === 'urge') await urgeCase(ctx, actor, id, { note }, tx);
    else await reopenCase(ctx, actor, id, { version: cur.version, reason: note }, tx);
    return true;
  });
  return { externalId: it.externalId, result: fresh ? 'applied' : 'unchanged', caseNumber: cur.number };
}

/** Imports cases sent down and decisions on forwarded cases; each external id takes effect once. */
export async function importExchange(ctx: AppContext, actor: Actor, body: { format: string; system: string; items: ImportItem[] }): Promise<{ format: string; results: ImportResult[] }> {
  const results: ImportResult[] = [];
  for (const it of body.items) {
    try {
      results.push(await importOne(ctx, actor, body.system, it));
    } catch (err) {
      const e = err as { kind?: string; message?: string };
      if (!e.kind) throw err;
      results.push({ externalId: it.externalId, result: 'error', caseNumber: it.caseNumber ?? null, message: e.message });
    }
  }
  return { format: EXCHANGE_FORMAT, results };
}
