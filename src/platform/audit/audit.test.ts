import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_DB, type TestApp } from '../../../test/helpers.js';
import { verifyAuditChain } from './audit.js';
import { loadConfig } from '../../config.js';
import { createOneGrid } from '../../app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('audit log', () => {
  it('records writes with actor, before/after and request id, and the chain verifies', async () => {
    const admin = await t.login('street_admin');
    const r = await t.req('GET', '/api/org/residents?pageSize=1', { cookie: admin });
    const id = r.json().items[0].id;
    const put = await t.req('PUT', `/api/org/residents/${id}/tags`, { cookie: admin, body: { tags: ['志愿者'] } });
    expect(put.statusCode).toBe(200);
    const row = await t.og.ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', id).where('action', '=', 'resident.tags').executeTakeFirstOrThrow();
    expect(row.actor_name).toBe('街道管理员');
    expect(put.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.request_id).toBe(put.headers['x-request-id']);
    expect(row.after).toEqual({ tags: ['志愿者'] });
    expect((await verifyAuditChain(t.og.ctx.db)).ok).toBe(true);
  });

  it('refuses UPDATE and DELETE on the log', async () => {
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(t.og.ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 1`.execute(t.og.ctx.db)).rejects.toThrow(/append-only/);
  });

  it('reports the first tampered row (someone with table-owner rights bypasses the trigger)', async () => {
    const before = await verifyAuditChain(t.og.ctx.db);
    expect(before.ok).toBe(true);
    const victim = await t.og.ctx.db.selectFrom('audit_log').select(['seq', 'id']).orderBy('seq').offset(5).limit(1).executeTakeFirstOrThrow();
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(t.og.ctx.db);
    await sql`UPDATE audit_log SET after = '{"name":"forged"}' WHERE seq = ${victim.seq}`.execute(t.og.ctx.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(t.og.ctx.db);
    const r = await verifyAuditChain(t.og.ctx.db);
    expect(r.ok).toBe(false);
    expect(r.brokenAt!.seq).toBe(victim.seq);
    expect(r.brokenAt!.reason).toMatch(/modified/);
  });
});

// The npm script against a real on-disk database: the same check, through the command people run.
describe.runIf(TEST_DB === 'pglite')('npm run audit:verify', () => {
  it('exits 0 on an intact log and 1 with the broken row after tampering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'og-audit-'));
    const key = randomBytes(32).toString('base64');
    const env = { ...process.env, ONEGRID_DATA_DIR: dir, ONEGRID_ENCRYPTION_KEY: key, DATABASE_URL: '' };
    try {
      const og = await createOneGrid(loadConfig(env), { seed: true, startJobs: false, logger: false });
      await og.close();
      const ok = execFileSync('node', ['--import', 'tsx', 'scripts/audit-verify.ts'], { env, encoding: 'utf8' });
      expect(ok).toMatch(/审计日志完整/);
      const og2 = await createOneGrid(loadConfig(env), { seed: false, startJobs: false, logger: false });
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(og2.ctx.db);
      await sql`UPDATE audit_log SET actor_name = 'mallory' WHERE seq = 3`.execute(og2.ctx.db);
      await og2.close();
      let code = 0;
      let out = '';
      try {
        execFileSync('node', ['--import', 'tsx', 'scripts/audit-verify.ts'], { env, encoding: 'utf8' });
      } catch (e) {
        code = (e as { status: number }).status;
        out = (e as { stdout: string }).stdout;
      }
      expect(code).toBe(1);
      expect(out).toMatch(/seq 3/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000); // seeds an on-disk database twice and runs the command twice in child processes
});

describe('auditor views', () => {
  it('lets the auditor query the audit log and the data-access log, and export CSV; others are refused', async () => {
    const gw = await t.login('grid_worker.qiaotou');
    const id = (await t.req('GET', '/api/org/residents?pageSize=1', { cookie: gw })).json().items[0].id;
    await t.req('GET', `/api/org/residents/${id}?reveal=phone`, { cookie: gw });
    const auditor = await t.login('auditor');
    const access = (await t.req('GET', `/api/audit/data-access?entityId=${id}`, { cookie: auditor })).json();
    expect(access.total).toBe(1);
    expect(access.items[0]).toMatchObject({ entity: 'resident', fields: ['phone'] });
    const log = (await t.req('GET', '/api/audit/log?action=auth.login&pageSize=5', { cookie: auditor })).json();
    expect(log.total).toBeGreaterThanOrEqual(2);
    expect(log.items.every((i: { action: string }) => i.action === 'auth.login')).toBe(true);
    const csv = await t.req('GET', '/api/audit/log?action=auth.login&format=csv', { cookie: auditor });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toContain('操作人');
    expect((await t.req('GET', '/api/audit/log', { cookie: gw })).statusCode).toBe(403);
  });
});

describe('audit chain under concurrency', () => {
  it('stays one linear chain when many transactions append at once', async () => {
    const admin = await t.login('street_admin');
    const ids = (await t.req('GET', '/api/org/residents?pageSize=40', { cookie: admin })).json().items.map((r: { id: string }) => r.id);
    const tags = ['志愿者', '党员', '重点关注'];
    const results = await Promise.all(ids.map((id: string, i: number) => t.req('PUT', `/api/org/residents/${id}/tags`, { cookie: admin, body: { tags: [tags[i % 3]] } })));
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    const rows = await t.og.ctx.db.selectFrom('audit_log').select(['seq', 'prev_hash', 'hash', 'hash_v']).where('action', '=', 'resident.tags').orderBy('seq').execute();
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(rows.every((r) => r.hash_v === 2)).toBe(true);
    // every hash is someone's predecessor at most once: no fork
    const all = await t.og.ctx.db.selectFrom('audit_log').select('prev_hash').execute();
    expect(new Set(all.map((r) => r.prev_hash)).size).toBe(all.length);
  });
});
