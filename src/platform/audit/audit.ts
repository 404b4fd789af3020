import { createHash } from 'node:crypto';
import type { Db, Executor, Tx } from '../db/database.js';
import type { Actor } from '../auth/actor.js';
import { newId } from '../ids.js';
import { canonicalJson, toJsonValue } from './canonical.js';
import type { Clock } from '../clock.js';

export const GENESIS_HASH = '0'.repeat(64);

/** Fields that never enter the audit log, even encrypted. */
const REDACT = /(password|_hash$|secret|token|key_hash|_enc$)/;

export function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = REDACT.test(k) ? '[redacted]' : redact(x);
    return out;
  }
  return v;
}

export interface AuditEntry {
  action: string;
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
}

interface ChainFields {
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  acting_for_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export function chainHash(prevHash: string, f: ChainFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(f)).digest('hex');
}

/** Hash of a row's content (hash format 2); the database links it to the previous row. */
export function contentHash(f: ChainFields): string {
  return createHash('sha256').update(canonicalJson(f)).digest('hex');
}

const linkHash = (prevHash: string, content: string) => createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');

/**
 * Records a write in the audit log, inside the caller's transaction. The row carries the hash of its
 * content; a trigger (migration 0031) takes the chain lock, places the row and links it to the
 * previous one, so the lock is held only from this insert to COMMIT. Call it as the last step.
 */
export async function audit(trx: Tx, clock: Clock, actor: Actor, e: AuditEntry): Promise<void> {
  await auditWrite(trx, clock, actor, e).execute();
}

/** The audit row's INSERT, not yet sent: for a caller that sends its writes as one statement (db/statement.ts). */
export function auditWrite(db: Executor, clock: Clock, actor: Actor, e: AuditEntry) {
  const f: ChainFields = {
    id: newId(),
    at: clock.now().toISOString(),
    actor_id: actor.userId,
    actor_name: actor.displayName,
    acting_for_id: actor.actingForResidentId,
    action: e.action,
    entity: e.entity,
    entity_id: e.entityId ?? null,
    before: e.before === undefined ? null : toJsonValue(redact(e.before)),
    after: e.after === undefined ? null : toJsonValue(redact(e.after)),
    request_id: actor.requestId,
  };
  return db.insertInto('audit_log').values({
    ...f,
    before: f.before === null ? null : JSON.stringify(f.before),
    after: f.after === null ? null : JSON.stringify(f.after),
    prev_hash: '',
    hash: contentHash(f),
  });
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  brokenAt?: { seq: number; id: string; reason: string };
}

/** Walks the chain in order and reports the first row whose link or content does not match. */
export async function verifyAuditChain(db: Db | Executor, batch = 5000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let after = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(batch).execute();
    if (rows.length === 0) return { ok: true, checked };
    for (const r of rows) {
      if (r.prev_hash !== prev) {
        return { ok: false, checked, brokenAt: { seq: r.seq, id: r.id, reason: 'prev_hash does not match the previous row (row inserted, deleted or reordered)' } };
      }
      const fields: ChainFields = {
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor_id: r.actor_id,
        actor_name: r.actor_name,
        acting_for_id: r.acting_for_id,
        action: r.action,
        entity: r.entity,
        entity_id: r.entity_id,
        before: r.before,
        after: r.after,
        request_id: r.request_id,
      };
      const h = r.hash_v === 2 ? linkHash(prev, contentHash(fields)) : chainHash(prev, fields);
      if (h !== r.hash) return { ok: false, checked, brokenAt: { seq: r.seq, id: r.id, reason: 'content does not match its hash (row modified)' } };
      prev = r.hash;
      after = r.seq;
      checked++;
    }
  }
}

/** Logs a clear-text read of personal data. */
export async function logDataAccess(
  db: Executor,
  clock: Clock,
  actor: Actor,
  entry: { entity: string; entityId: string; fields: string[]; reason?: string | null },
): Promise<void> {
  await db
    .insertInto('data_access_log')
    .values({
      id: newId(),
      at: clock.now(),
      actor_id: actor.userId,
      actor_name: actor.displayName,
      entity: entry.entity,
      entity_id: entry.entityId,
      fields: entry.fields,
      reason: entry.reason ?? null,
      request_id: actor.requestId,
    })
    .execute();
}
