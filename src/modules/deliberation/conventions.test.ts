import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { node, residentAccounts, residentsUnder, type ResidentAccount } from './testkit.js';

/**
 * Conventions (公约): a draft, residents' annotations on articles, adoption by an owners' vote with
 * paper ballots recorded by staff, a revision compared article by article, adoption by a meeting.
 */
let t: TestApp;
let adminQ: string;
let gridQ: string;
let residentQ: string;
let residentM: string;
let neighbour: ResidentAccount;
let estate: { id: string; path: string };
let conventionId: string;

const ARTICLES = [
  { no: 1, title: '总则', text: '为维护湘府花园公共秩序，制定本公约。' },
  { no: 2, title: '停车', text: '车辆停放在划定车位，不占用消防通道。' },
  { no: 3, title: '养犬', text: '文明养犬，出户牵绳。' },
];

/** Runs every due job (the queue hands out a batch at a time, and other modules' jobs fall due too). */
async function runJobs(): Promise<void> {
  for (let i = 0; i < 100 && (await t.og.ctx.jobs.runDue()) > 0; i++);
}

beforeAll(async () => {
  t = await startTestApp({ env: { SESSION_TTL_HOURS: '720' } });
  [adminQ, gridQ, residentQ, residentM] = (await Promise.all(['community_admin.qiaotou', 'grid_worker.qiaotou', 'resident.qiaotou', 'resident.mulian'].map((u) => t.login(u)))) as [string, string, string, string];
  estate = await node(t, '430103007001E2');
  neighbour = (await residentAccounts(t, (await residentsUnder(t, estate.path)).slice(0, 1), 'e2_'))[0]!;
});
afterAll(async () => t?.close());

describe('conventions 公约', () => {
  it('every community has its residents convention in force; residents see only their own community', async () => {
    const ours = (await t.req('GET', '/api/deliberation/conventions', { cookie: residentQ })).json();
    expect(ours.items.map((c: { title: string }) => c.title)).toEqual(['桥头社区居民公约']);
    expect(ours.items[0].currentVersion).toBe(1);
    const theirs = (await t.req('GET', '/api/deliberation/conventions', { cookie: residentM })).json();
    expect(theirs.items.map((c: { title: string }) => c.title)).toEqual(['木莲社区居民公约']);
    expect((await t.req('GET', `/api/deliberation/conventions/${ours.items[0].id}`, { cookie: residentM })).statusCode).toBe(404);
  });

  it('staff draft a convention for an estate and open it for comments; residents there annotate articles', async () => {
    expect((await t.req('POST', '/api/deliberation/conventions', { cookie: gridQ, body: { title: '湘府花园业主公约', nodeId: estate.id, articles: ARTICLES } })).statusCode).toBe(403);
    expect((await t.req('POST', '/api/deliberation/conventions', { cookie: adminQ, body: { title: '湘府花园业主公约', nodeId: estate.id, articles: [{ no: 2, text: '跳号' }] } })).statusCode).toBe(400);
    const r = await t.req('POST', '/api/deliberation/conventions', { cookie: adminQ, body: { title: '湘府花园业主公约', nodeId: estate.id, articles: ARTICLES } });
    expect(r.statusCode).toBe(201);
    conventionId = r.json().id;
    expect(r.json().versions).toMatchObject([{ version: 1, status: 'draft' }]);

    const note = { articleNo: 2, body: '建议明确访客车辆临时停放区域。' };
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/1/annotations`, { cookie: neighbour.cookie, body: note })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/1/consult`, { cookie: adminQ })).statusCode).toBe(200);
    const a = await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/1/annotations`, { cookie: neighbour.cookie, body: note });
    expect(a.statusCode).toBe(201);
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/1/annotations`, { cookie: neighbour.cookie, body: { articleNo: 9, body: '没有这一条' } })).statusCode).toBe(400);
    // a resident of another estate of the community reads it but may not annotate; another community does not see it
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/1/annotations`, { cookie: residentQ, body: note })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/1/annotations`, { cookie: residentM, body: note })).statusCode).toBe(404);

    const reply = await t.req('POST', `/api/deliberation/annotations/${a.json().id}/reply`, { cookie: adminQ, body: { status: 'adopted', reply: '采纳，将在修订稿中增加访客车位条款。' } });
    expect(reply.json()).toMatchObject({ status: 'adopted' });
    expect((await t.req('POST', `/api/deliberation/annotations/${a.json().id}/reply`, { cookie: adminQ, body: { status: 'declined', reply: '改主意' } })).statusCode).toBe(409);
    const d = (await t.req('GET', `/api/deliberation/conventions/${conventionId}`, { cookie: residentQ })).json();
    expect(d.annotations).toMatchObject([{ articleNo: 2, status: 'adopted', authorName: neighbour.name[0] + '**' }]);
    expect(d.canAnnotate).toBe(false);
  });

  it('an owners vote adopts it: staff record paper ballots for households of their scope; the passed version takes effect', async () => {
    const closesAt = new Date(t.clock.now().getTime() + 5 * 86400_000).toISOString();
    const v = await t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '湘府花园业主公约表决', conventionId, nodeId: estate.id, method: 'owner', rule: 'double_majority', closesAt } });
    expect(v.statusCode).toBe(201);
    const voteId = v.json().id;
    expect(v.json()).toMatchObject({ conventionVersion: 1, eligibleCount: 27 });

    const roll = (await t.req('GET', `/api/deliberation/roll?nodeId=${estate.id}`, { cookie: adminQ })).json();
    // the 20 largest flats agree, the other 7 oppose: more than half by owners and by area, everyone took part
    const byArea = [...roll.items].sort((a: { areaM2: number }, b: { areaM2: number }) => b.areaM2 - a.areaM2);
    const residents = await residentsUnder(t, estate.path);
    const ownerOf = (h: { householdId: string; ownerResidentId: string | null }) => h.ownerResidentId ?? residents.find((r) => r.householdId === h.householdId)!.id;

    // the grid worker of another estate does not even see this vote, let alone record ballots in it
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: gridQ, body: { choice: 'agree', residentId: ownerOf(byArea[0]) } })).statusCode).toBe(404);
    // a resident cannot cast a ballot for someone else
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: neighbour.cookie, body: { choice: 'agree', residentId: ownerOf(byArea[0]) } })).statusCode).toBe(403);
    for (const [i, h] of byArea.entries()) {
      const r = await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: adminQ, body: { choice: i < 20 ? 'agree' : 'oppose', residentId: ownerOf(h) } });
      expect(r.statusCode, h.householdName).toBe(201);
      expect(r.json().method).toBe('paper');
    }
    // the neighbour's household has been voted for on paper already
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: neighbour.cookie, body: { choice: 'oppose' } })).statusCode).toBe(409);

    t.clock.advance(5 * 86400_000 + 1000);
    await runJobs();
    const closed = (await t.req('GET', `/api/deliberation/votes/${voteId}`, { cookie: neighbour.cookie })).json();
    const agreeArea = byArea.slice(0, 20).reduce((s: number, h: { areaM2: number }) => s + h.areaM2, 0);
    expect(closed.passed).toBe(true);
    expect(closed.result.counts).toEqual({ agree: 20, oppose: 7, abstain: 0 });
    expect(closed.result.areasM2.agree).toBeCloseTo(agreeArea, 2);
    const c = (await t.req('GET', `/api/deliberation/conventions/${conventionId}`, { cookie: neighbour.cookie })).json();
    expect(c.currentVersion).toBe(1);
    expect(c.versions[0]).toMatchObject({ status: 'adopted', adoptedVia: 'vote', adoptedRef: voteId });
    // proxy ballots are audited as acting for the resident
    const audits = await t.og.ctx.db.selectFrom('audit_log').select(['acting_for_id']).where('action', '=', 'deliberation.vote.ballot').where('entity_id', '=', voteId).execute();
    expect(audits).toHaveLength(27);
    expect(audits.every((a) => a.acting_for_id !== null)).toBe(true);
  });

  it('a revision is compared article by article and adopted by a residents meeting; the old version is superseded', async () => {
    const revised = [ARTICLES[0]!, { no: 2, title: '停车', text: '车辆停放在划定车位，不占用消防通道；访客车辆停放在东门临时车位。' }, ARTICLES[2]!, { no: 4, title: '垃圾分类', text: '按时按点分类投放生活垃圾。' }];
    const r = await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions`, { cookie: adminQ, body: { articles: revised, changeNote: '采纳居民意见，增加访客停车与垃圾分类条款' } });
    expect(r.statusCode).toBe(201);
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions`, { cookie: adminQ, body: { articles: revised, changeNote: '第二份草案' } })).statusCode).toBe(409);

    const diff = (await t.req('GET', `/api/deliberation/conventions/${conventionId}/diff?from=1&to=2`, { cookie: neighbour.cookie })).json();
    expect(diff.changes.map((c: { no: number; change: string }) => `${c.no}:${c.change}`)).toEqual(['1:unchanged', '2:changed', '3:unchanged', '4:added']);

    const held = (await t.req('GET', '/api/deliberation/meetings?status=held', { cookie: adminQ })).json();
    const meeting = held.items.find((m: { nodeName: string }) => m.nodeName === '桥头社区');
    expect(meeting).toBeTruthy();
    const other = (await t.req('GET', '/api/deliberation/meetings?status=held', { cookie: await t.login('admin') })).json().items.find((m: { nodeName: string }) => m.nodeName === '木莲社区');
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/2/adopt`, { cookie: adminQ, body: { meetingId: other.id } })).statusCode).toBe(400);
    const ok = await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/2/adopt`, { cookie: adminQ, body: { meetingId: meeting.id } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().currentVersion).toBe(2);
    expect(ok.json().versions.map((v: { version: number; status: string }) => `${v.version}:${v.status}`)).toEqual(['1:superseded', '2:adopted']);
    expect((await t.req('POST', `/api/deliberation/conventions/${conventionId}/versions/2/adopt`, { cookie: adminQ, body: { meetingId: meeting.id } })).statusCode).toBe(409);
  });
});
