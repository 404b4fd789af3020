import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, TEST_DB } from '../../../test/helpers.js';
import { loadConfig } from '../../config.js';
import { createOneGrid, type OneGrid } from '../../app.js';
import { ManualClock } from '../../platform/clock.js';

/** The 7- and 30-day follow-ups are durable jobs: an agreement recorded before a restart gets its visits after it. */
describe('follow-ups survive a restart', () => {
  let dir: string;
  let drop: (() => Promise<void>) | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'og-mediation-'));
    env = { ONEGRID_DATA_DIR: dir, ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', DATABASE_URL: '' };
    if (TEST_DB === 'postgres') {
      const f = await freshPostgres();
      env.DATABASE_URL = f.url;
      drop = f.drop;
    }
  });
  afterAll(async () => {
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs every due job (other modules' jobs are due too after days). */
  const drain = async (og: OneGrid) => {
    let total = 0;
    for (let n = await og.ctx.jobs.runAllDue(); n > 0; n = await og.ctx.jobs.runDue()) total += n;
    return total;
  };
  const login = async (og: OneGrid, username: string) => {
    const r = await og.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'onegrid-demo' } });
    expect(r.statusCode).toBe(200);
    return `og_session=${r.cookies.find((c) => c.name === 'og_session')!.value}`;
  };
  const call = async (og: OneGrid, cookie: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await og.app.inject({ method, url, headers: { cookie }, ...(payload !== undefined ? { payload: payload as never } : {}) });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };

  it('records an agreement, restarts, and the visits become due at 7 and 30 days', async () => {
    const clock = new ManualClock('2026-11-23T01:00:00Z');
    let og = await createOneGrid(loadConfig(env), { clock, seed: true, startJobs: false, logger: false });
    let cookie = await login(og, 'mediator.qiaotou');
    const community = (await call(og, cookie, 'GET', '/api/org/nodes?level=community&geometry=false')).find((n: { code: string }) => n.code === '430103007001');
    const d = await call(og, cookie, 'POST', '/api/mediation/disputes', {
      type: 'neighbour',
      title: '空调外机噪音',
      description: '空调外机正对邻居卧室窗户，夜间噪音大。',
      nodeId: community.id,
      parties: [{ role: 'applicant', name: '甲方', phone: '13600001111' }, { role: 'respondent', name: '乙方' }],
    });
    const s = await call(og, cookie, 'POST', `/api/mediation/disputes/${d.id}/sessions`, { scheduledAt: clock.now().toISOString(), mode: 'in_person', location: '社区调解室' });
    const agreed = await call(og, cookie, 'POST', `/api/mediation/disputes/${d.id}/sessions/${s.sessions[0].id}/outcome`, { attendance: [], notes: '达成一致', outcome: 'agreement', terms: ['乙方于一周内将空调外机移至北侧墙面。'] });
    expect(agreed.followups.map((f: { dayOffset: number; status: string }) => [f.dayOffset, f.status])).toEqual([
      [7, 'scheduled'],
      [30, 'scheduled'],
    ]);
    await og.close(); // the server stops

    clock.advanceHours(24 * 7);
    og = await createOneGrid(loadConfig(env), { clock, seed: false, startJobs: false, logger: false });
    expect(await drain(og)).toBeGreaterThanOrEqual(1);
    cookie = await login(og, 'mediator.qiaotou');
    let now = await call(og, cookie, 'GET', `/api/mediation/disputes/${d.id}`);
    expect(now.followups.map((f: { status: string }) => f.status)).toEqual(['due', 'scheduled']);
    await og.close();

    clock.advanceHours(24 * 23);
    og = await createOneGrid(loadConfig(env), { clock, seed: false, startJobs: false, logger: false });
    await drain(og);
    cookie = await login(og, 'mediator.qiaotou');
    now = await call(og, cookie, 'GET', `/api/mediation/disputes/${d.id}`);
    expect(now.followups.map((f: { status: string }) => f.status)).toEqual(['due', 'due']);
    const inbox = await call(og, cookie, 'GET', '/api/notifications?pageSize=50');
    expect(inbox.items.filter((n: { kind: string; data: { disputeId?: string } }) => n.kind === 'mediation.followup' && n.data.disputeId === d.id)).toHaveLength(2);
    // running the jobs again changes nothing: each visit was made due once
    await drain(og);
    const again = await call(og, cookie, 'GET', '/api/notifications?pageSize=50');
    expect(again.items.filter((n: { kind: string; data: { disputeId?: string } }) => n.kind === 'mediation.followup' && n.data.disputeId === d.id)).toHaveLength(2);
    await og.close();
  }, 180_000); // two full starts with the demo district on a disk-backed database
});
