import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, TEST_DB } from '../../../test/helpers.js';
import { openDatabase, type Database } from './database.js';
import { writeTogether } from './statement.js';

interface T {
  parent: { id: number; name: string; at: Date };
  child: { parent_id: number; tag: string };
}

describe('writeTogether', () => {
  let database: Database;
  let db: Kysely<T>;
  let drop: (() => Promise<void>) | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'og-statement-'));
    let url: string | undefined;
    if (TEST_DB === 'postgres') ({ url, drop } = await freshPostgres());
    database = url ? await openDatabase({ url, poolSize: 2 }) : await openDatabase({ dataDir: dir });
    db = database.db as unknown as Kysely<T>;
    await sql`CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL)`.execute(db);
    await sql`CREATE TABLE child (parent_id int NOT NULL REFERENCES parent (id), tag text NOT NULL UNIQUE)`.execute(db);
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });
  const count = async (table: 'parent' | 'child') => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!.n);

  it('writes every part, children of a row written beside them included, and returns the first part’s rows as a read would', async () => {
    const at = new Date('2026-12-04T08:00:00Z');
    const rows = await writeTogether(db, db.insertInto('parent').values({ id: 1, name: '桥头社区', at }).returningAll(), [
      db.insertInto('child').values([
        { parent_id: 1, tag: 'a' },
        { parent_id: 1, tag: 'b' },
      ]),
      null,
    ]);
    expect(rows).toEqual([{ id: 1, name: '桥头社区', at }]);
    expect(await count('child')).toBe(2);
  });

  it('writes nothing when any part fails', async () => {
    const before = [await count('parent'), await count('child')];
    // the second child's tag is taken: the parent written beside it must not stay
    await expect(
      writeTogether(db, db.insertInto('parent').values({ id: 2, name: '木莲社区', at: new Date() }).returningAll(), [db.insertInto('child').values({ parent_id: 2, tag: 'c' }), db.insertInto('child').values({ parent_id: 2, tag: 'a' })]),
    ).rejects.toMatchObject({ code: '23505' });
    // a child of a parent nobody writes breaks the foreign key when the statement ends
    await expect(writeTogether(db, db.insertInto('parent').values({ id: 3, name: '新天社区', at: new Date() }).returningAll(), [db.insertInto('child').values({ parent_id: 99, tag: 'd' })])).rejects.toMatchObject({
      code: '23503',
    });
    expect([await count('parent'), await count('child')]).toEqual(before);
  });
});
