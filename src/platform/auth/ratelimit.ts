import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Clock } from '../clock.js';

/**
 * A fixed-window counter in the database, so every instance shares it. Returns the count in the
 * current window including this hit, and when the window ends.
 */
export async function hitRateLimit(db: Executor, clock: Clock, key: string, windowSeconds: number): Promise<{ count: number; resetAt: Date }> {
  const now = clock.now().getTime();
  const start = new Date(Math.floor(now / (windowSeconds * 1000)) * windowSeconds * 1000);
  const r = await sql<{ count: number }>`
    INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${start}, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1
    RETURNING count`.execute(db);
  return { count: r.rows[0]!.count, resetAt: new Date(start.getTime() + windowSeconds * 1000) };
}

/** Drops windows older than a day (a periodic job). */
export async function pruneRateLimits(db: Executor, clock: Clock): Promise<void> {
  await db.deleteFrom('rate_limits').where('window_start', '<', new Date(clock.now().getTime() - 86_400_000)).execute();
}
