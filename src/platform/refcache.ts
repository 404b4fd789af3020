import type { AppContext } from './context.js';

/**
 * Reference data (departments, routing rules, notification channels, …) read on every case intake
 * but changed by an administrator a few times a month: each instance keeps it for `ttlMs`. A write
 * on this instance drops the entry at once (`dropRef`); other instances see it within the TTL,
 * which is the staleness the platform accepts for reference data (docs/decisions/0020).
 *
 * Concurrent readers of a missing entry share one load; a failed load is not kept.
 */
interface Entry {
  at: number;
  value: Promise<unknown>;
  settled: boolean;
}
const entries = new WeakMap<AppContext, Map<string, Entry>>();

export const REF_TTL_MS = 5000;

/**
 * `joinPending: false` is for a caller inside a transaction that loads through it: on PGlite (one
 * connection) a load another caller started outside the transaction would wait for the connection
 * this transaction holds, so such a caller loads for itself until a value is in.
 */
export async function cachedRef<T>(ctx: AppContext, name: string, load: () => Promise<T>, ttlMs = REF_TTL_MS, opts: { joinPending?: boolean } = {}): Promise<T> {
  let m = entries.get(ctx);
  if (!m) entries.set(ctx, (m = new Map()));
  const e = m.get(name);
  if (e && Date.now() - e.at < ttlMs) {
    if (e.settled || opts.joinPending !== false) return e.value as Promise<T>;
    return load();
  }
  const fresh: Entry = { at: Date.now(), value: load(), settled: false };
  m.set(name, fresh);
  fresh.value.then(
    () => {
      fresh.settled = true;
    },
    () => {
      if (m.get(name) === fresh) m.delete(name);
    },
  );
  return fresh.value as Promise<T>;
}

/** Drops cached entries after a write on this instance (all of them without names). */
export function dropRef(ctx: AppContext, ...names: string[]): void {
  const m = entries.get(ctx);
  if (!m) return;
  if (names.length === 0) m.clear();
  for (const n of names) m.delete(n);
}
