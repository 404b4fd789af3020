import { describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { PGlitePool } from './pglite-pool.js';

const fakePg = { close: async () => undefined } as unknown as PGlite;

describe('PGlitePool', () => {
  it('lends the one session to one borrower at a time, in order', async () => {
    const pool = new PGlitePool(fakePg, 1000);
    const order: string[] = [];
    const first = await pool.connect();
    const second = pool.connect().then((c) => {
      order.push('second');
      return c;
    });
    const third = pool.connect().then((c) => {
      order.push('third');
      return c;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['second', 'third']);
    // free again: a new borrower gets it at once
    (await pool.connect()).release();
    await pool.end();
  });

  it('refuses a borrower that waited too long with 53300 (answered 503), and the queue goes on', async () => {
    const pool = new PGlitePool(fakePg, 50);
    const holder = await pool.connect();
    const refused = pool.connect();
    await expect(refused).rejects.toMatchObject({ code: '53300' });
    // the refused waiter left the queue: the next borrower gets the session when it is released
    const next = pool.connect();
    holder.release();
    (await next).release();
    await pool.end();
  });
});
