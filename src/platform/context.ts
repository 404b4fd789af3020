import type { Config } from '../config.js';
import type { Clock } from './clock.js';
import type { FieldCipher } from './crypto.js';
import type { Db, Tx } from './db/database.js';
import type { JobQueue } from './jobs/queue.js';
import type { EventBus } from './events.js';

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** What a service function gets besides the actor: the platform's parts, never HTTP. */
export interface AppContext {
  config: Config;
  db: Db;
  dbKind: 'pglite' | 'postgres';
  clock: Clock;
  cipher: FieldCipher;
  log: Logger;
  jobs: JobQueue;
  events: EventBus;
}

/** Runs `fn` in one transaction; events it queued on `after` are published only after COMMIT. */
export async function withTx<T>(ctx: AppContext, fn: (trx: Tx, after: AfterCommit) => Promise<T>): Promise<T> {
  const after = new AfterCommit();
  const result = await ctx.db.transaction().execute((trx) => fn(trx, after));
  after.run(ctx);
  return result;
}

export class AfterCommit {
  private readonly fns: Array<() => void> = [];
  add(fn: () => void): void {
    this.fns.push(fn);
  }
  run(ctx: AppContext): void {
    for (const f of this.fns) {
      try {
        f();
      } catch (err) {
        ctx.log.error({ err }, 'after-commit hook failed');
      }
    }
  }
}
