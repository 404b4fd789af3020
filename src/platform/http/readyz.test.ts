import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { migrationFiles } from '../db/migrate.js';

interface Readyz {
  status: string;
  checks: Record<string, { ok: boolean; critical: boolean; message: string | null }>;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ seed: false });
});
afterAll(async () => t?.close());

describe('GET /readyz', () => {
  it('is 200 with the database check ok once every migration is applied', async () => {
    const r = await t.req('GET', '/readyz');
    expect(r.statusCode).toBe(200);
    const b = r.json() as Readyz;
    expect(b.status).toBe('ready');
    expect(b.checks.database).toEqual({ ok: true, critical: true, message: null });
    expect(r.headers['retry-after']).toBeUndefined();
  });

  it('is 503 with Retry-After while a migration on disk is not applied, and ready again once it is', async () => {
    const db = t.og.ctx.db;
    const last = migrationFiles().at(-1)!.version;
    const row = await db.selectFrom('schema_migrations').selectAll().where('version', '=', last).executeTakeFirstOrThrow();
    await db.deleteFrom('schema_migrations').where('version', '=', last).execute();
    try {
      const r = await t.req('GET', '/readyz');
      expect(r.statusCode).toBe(503);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      const b = r.json() as Readyz;
      expect(b.status).toBe('not_ready');
      expect(b.checks.database!.ok).toBe(false);
      expect(b.checks.database!.critical).toBe(true);
      expect(b.checks.database!.message).toContain(last);
      // liveness is not readiness: the process itself is still healthy
      expect((await t.req('GET', '/healthz')).statusCode).toBe(200);
    } finally {
      await db.insertInto('schema_migrations').values(row).execute();
    }
    const again = await t.req('GET', '/readyz');
    expect(again.statusCode).toBe(200);
    expect((again.json() as Readyz).checks.database!.ok).toBe(true);
  });
});
