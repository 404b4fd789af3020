import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { node, residentAccounts, residentsUnder, type ResidentAccount } from './testkit.js';

/**
 * The deliberation hall end to end over HTTP: a resident proposes, neighbours support, staff accept
 * and schedule it, a meeting signs in and minutes it, owners vote by household and floor area, and
 * the resolution is tracked to completion. Scope and duplicate rules are checked at each step.
 */
let t: TestApp;
let residentQ: string;
let adminQ: string;
let gridQ: string;
let residentM: string;
let adminM: string;
let me: { residentId: string; householdId: string };
let supporters: ResidentAccount[];
let topicId: string;

const DAY = 86400_000;
const at = (ms: number) => new Date(t.clock.now().getTime() + ms).toISOString();
const statuses = (rs: Array<{ statusCode: number }>) => rs.map((r) => r.statusCode).sort();
async function renewSessions() {
  [residentQ, adminQ] = (await Promise.all(['resident.qiaotou', 'community_admin.qiaotou'].map((u) => t.login(u)))) as [string, string];
  supporters[0]!.cookie = await t.login('sup0');
}

/** Runs every due job (the queue hands out a batch at a time, and other modules' jobs fall due too). */
async function runJobs(): Promise<void> {
  for (let i = 0; i < 100 && (await t.og.ctx.jobs.runDue()) > 0; i++);
}

beforeAll(async () => {
  // The story spans weeks of (manual) time: sessions last the longest allowed, and are renewed after the longest jumps.
  t = await startTestApp({ env: { SESSION_TTL_HOURS: '720' } });
  [residentQ, adminQ, gridQ, residentM, adminM] = (await Promise.all(['resident.qiaotou', 'community_admin.qiaotou', 'grid_worker.qiaotou', 'resident.mulian', 'community_admin.mulian'].map((u) => t.login(u)))) as [string, string, string, string, string];
  const m = (await t.req('GET', '/api/auth/me', { cookie: residentQ })).json();
  const residentId = m.residentId ?? m.user?.residentId;
  const estate = await node(t, '430103007001E1');
  const all = await residentsUnder(t, estate.path);
  const mine = all.find((r) => r.id === residentId)!;
  me = { residentId, householdId: mine.householdId! };
  // Neighbours of other households in the same estate.
  const seen = new Set([mine.householdId]);
  const picks = all.filter((r) => !seen.has(r.householdId) && seen.add(r.householdId)).slice(0, 3);
  supporters = await residentAccounts(t, picks, 'sup');
});
afterAll(async () => t?.close());

describe('topics 议题', () => {
  it('a resident proposes for their estate; neighbours support once each; the threshold sends it to review', async () => {
    const r = await t.req('POST', '/api/deliberation/topics', { cookie: residentQ, body: { title: '小区北门增设无障碍坡道', body: '北门台阶较高，老人和轮椅出入不便，建议增设无障碍坡道和扶手。', category: '公共设施' } });
    expect(r.statusCode).toBe(201);
    const topic = r.json();
    topicId = topic.id;
    expect(topic.status).toBe('proposed');
    expect(topic.nodeName).toBe('桥头小区');
    expect(topic.mine).toBe(true);
    // 27 households in the estate: a tenth, at least 3
    expect(topic.supportThreshold).toBe(3);

    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/support`, { cookie: residentQ })).statusCode).toBe(409);

    // The same resident pressing "support" five times at once counts once.
    const burst = await Promise.all(Array.from({ length: 5 }, () => t.req('POST', `/api/deliberation/topics/${topicId}/support`, { cookie: supporters[0]!.cookie })));
    expect(statuses(burst)).toEqual([200, 409, 409, 409, 409]);
    let d = (await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentQ })).json();
    expect(d.supportCount).toBe(1);

    const second = (await t.req('POST', `/api/deliberation/topics/${topicId}/support`, { cookie: supporters[1]!.cookie })).json();
    expect(second).toMatchObject({ supportCount: 2, status: 'proposed', supportedByMe: true });
    const third = (await t.req('POST', `/api/deliberation/topics/${topicId}/support`, { cookie: supporters[2]!.cookie })).json();
    expect(third).toMatchObject({ supportCount: 3, status: 'supported' });

    d = (await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: supporters[0]!.cookie })).json();
    expect(d.supportedByMe).toBe(true);
    expect(d.canSupport).toBe(false);
  });

  it('residents of another community neither see nor support it; their list leaves it out', async () => {
    expect((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentM })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/support`, { cookie: residentM })).statusCode).toBe(404);
    const theirs = (await t.req('GET', '/api/deliberation/topics?pageSize=200', { cookie: residentM })).json();
    expect(theirs.items.map((x: { id: string }) => x.id)).not.toContain(topicId);
    const ours = (await t.req('GET', '/api/deliberation/topics?pageSize=200', { cookie: residentQ })).json();
    expect(ours.items.map((x: { id: string }) => x.id)).toContain(topicId);
    const mine = (await t.req('GET', '/api/deliberation/topics?mine=true', { cookie: residentQ })).json();
    expect(mine.items.map((x: { id: string }) => x.id)).toEqual([topicId]);
  });

  it('only staff managing the community review it; rejecting needs a reason', async () => {
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/review`, { cookie: gridQ, body: { decision: 'accept' } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/review`, { cookie: residentQ, body: { decision: 'accept' } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/review`, { cookie: adminM, body: { decision: 'accept' } })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/review`, { cookie: adminQ, body: { decision: 'reject' } })).statusCode).toBe(400);
    const ok = await t.req('POST', `/api/deliberation/topics/${topicId}/review`, { cookie: adminQ, body: { decision: 'accept', note: '符合立项条件' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('accepted');
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/withdraw`, { cookie: residentQ })).statusCode).toBe(409);
    // grid workers read the community's topics
    expect((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: gridQ })).statusCode).toBe(200);
  });

  it('residents and staff discuss it; residents see neighbours by surname only', async () => {
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/comments`, { cookie: supporters[0]!.cookie, body: { body: '赞成，坡道旁最好加装夜间照明。' } })).statusCode).toBe(201);
    expect((await t.req('POST', `/api/deliberation/topics/${topicId}/comments`, { cookie: adminQ, body: { body: '已联系物业现场勘查。' } })).statusCode).toBe(201);
    const d = (await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentQ })).json();
    expect(d.comments).toHaveLength(2);
    expect(d.comments[0].authorName).toBe(supporters[0]!.name[0] + '*'.repeat(Math.min(2, supporters[0]!.name.length - 1)));
    expect(d.comments[1]).toMatchObject({ isStaff: true, authorName: '桥头社区管理员' });
  });
});

describe('meetings 议事会议', () => {
  let meetingId: string;
  let startsAt: string;

  it('staff schedule a meeting with the topic on its agenda', async () => {
    const community = await node(t, '430103007001');
    startsAt = at(2 * DAY);
    const r = await t.req('POST', '/api/deliberation/meetings', {
      cookie: adminQ,
      body: { title: '桥头社区第三季度居民议事会', nodeId: community.id, startsAt, endsAt: at(2 * DAY + 2 * 3600_000), location: '桥头社区党群服务中心二楼议事厅', agenda: [{ topicId }, { title: '社区近期工作通报' }] },
    });
    expect(r.statusCode).toBe(201);
    meetingId = r.json().id;
    expect((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentQ })).json().status).toBe('scheduled');
    // A topic may be on one agenda only until it is discussed
    const dup = await t.req('POST', '/api/deliberation/meetings', { cookie: adminQ, body: { title: '重复会议', nodeId: community.id, startsAt, endsAt: at(2 * DAY + 3600_000), location: '议事厅', agenda: [{ topicId }] } });
    expect(dup.statusCode).toBe(409);
    expect((await t.req('POST', '/api/deliberation/meetings', { cookie: adminM, body: { title: '越权会议', nodeId: community.id, startsAt, endsAt: at(2 * DAY + 3600_000), location: '议事厅', agenda: [] } })).statusCode).toBe(403);
  });

  it('residents sign in from an hour before the start, once; a grid worker signs in a neighbour of their grid', async () => {
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: residentQ, body: {} })).statusCode).toBe(409);
    t.clock.set(new Date(new Date(startsAt).getTime() - 30 * 60_000));
    const burst = await Promise.all(Array.from({ length: 4 }, () => t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: residentQ, body: {} })));
    expect(statuses(burst)).toEqual([200, 409, 409, 409]);
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: supporters[1]!.cookie, body: {} })).statusCode).toBe(200);

    const grid = await node(t, '430103007001G01');
    const gridResidents = await residentsUnder(t, grid.path);
    const neighbour = gridResidents.find((r) => r.id !== me.residentId && !supporters.some((s) => s.residentId === r.id))!;
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: gridQ, body: { residentId: neighbour.id } })).statusCode).toBe(200);
    const outsider = (await residentsUnder(t, (await node(t, '430103007001G02')).path))[0]!;
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: gridQ, body: { residentId: outsider.id } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: residentQ, body: { residentId: neighbour.id } })).statusCode).toBe(403);

    const staffView = (await t.req('GET', `/api/deliberation/meetings/${meetingId}`, { cookie: adminQ })).json();
    expect(staffView.residentSigninCount).toBe(3);
    expect(staffView.signins.map((s: { name: string; method: string }) => `${s.name}/${s.method}`)).toContain(`${neighbour.name}/proxy`);
    const residentView = (await t.req('GET', `/api/deliberation/meetings/${meetingId}`, { cookie: residentQ })).json();
    expect(residentView).toMatchObject({ signinCount: 3, signedInByMe: true, signins: [] });
  });

  it('minutes need an outcome for every topic and are published once; "to vote" returns the topic for a vote', async () => {
    const d = (await t.req('GET', `/api/deliberation/meetings/${meetingId}`, { cookie: adminQ })).json();
    const item = d.agenda.find((a: { topicId: string | null }) => a.topicId === topicId);
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/minutes`, { cookie: adminQ, body: { minutes: '会议讨论了无障碍坡道。', outcomes: [{ agendaItemId: item.id, outcome: 'to_vote' }] } })).statusCode).toBe(409);
    t.clock.set(new Date(new Date(startsAt).getTime() + 90 * 60_000));
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/minutes`, { cookie: adminQ, body: { minutes: '会议讨论了无障碍坡道。', outcomes: [] } })).statusCode).toBe(400);
    const r = await t.req('POST', `/api/deliberation/meetings/${meetingId}/minutes`, { cookie: adminQ, body: { minutes: '到会居民 3 人。坡道涉及 1 栋业主共有部分，提交 1 栋业主表决。', outcomes: [{ agendaItemId: item.id, outcome: 'to_vote', note: '提交 1 栋业主表决' }] } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'held', agenda: expect.arrayContaining([expect.objectContaining({ topicId, outcome: 'to_vote' })]) });
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/minutes`, { cookie: adminQ, body: { minutes: '再次发布', outcomes: [] } })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/deliberation/meetings/${meetingId}/sign-in`, { cookie: supporters[2]!.cookie, body: {} })).statusCode).toBe(409);
    expect((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentQ })).json().status).toBe('accepted');
  });
});

describe('votes 表决 (owners, by household and floor area)', () => {
  let building: { id: string; path: string };
  let households: Array<{ householdId: string; householdName: string }>;
  let voters: ResidentAccount[];
  let voteId: string;

  it('staff keep the owners roll; areas feed the electorate', async () => {
    building = await node(t, '430103007001G01B1');
    const roll = (await t.req('GET', `/api/deliberation/roll?nodeId=${building.id}`, { cookie: adminQ })).json();
    expect(roll.households).toBe(3);
    expect(roll.registered).toBe(3);
    households = roll.items;
    const areas = [50, 60, 150];
    for (const [i, h] of households.entries()) {
      const r = await t.req('PUT', `/api/deliberation/roll/${h.householdId}`, { cookie: adminQ, body: { areaM2: areas[i] } });
      expect(r.statusCode).toBe(200);
    }
    expect((await t.req('PUT', `/api/deliberation/roll/${households[0]!.householdId}`, { cookie: gridQ, body: { areaM2: 99 } })).statusCode).toBe(403);
    const stranger = (await residentsUnder(t, (await node(t, '430103007001G02')).path))[0]!;
    expect((await t.req('PUT', `/api/deliberation/roll/${households[0]!.householdId}`, { cookie: adminQ, body: { areaM2: 50, ownerResidentId: stranger.id } })).statusCode).toBe(400);
    expect((await t.req('GET', `/api/deliberation/roll?nodeId=${building.id}`, { cookie: adminQ })).json().totalAreaM2).toBe(260);
  });

  it('a vote on the topic freezes the electorate: 3 households, 260 m²', async () => {
    // a second adult in the third household, registered by the community
    const extra = await t.req('POST', '/api/org/residents', { cookie: adminQ, body: { name: '欧阳春秀', gender: 'F', birthDate: '1980-05-06', householdId: households[2]!.householdId, relation: '配偶' } });
    expect(extra.statusCode).toBe(201);
    const residents = await residentsUnder(t, building.path);
    const pick = [0, 1, 2].map((i) => residents.filter((r) => r.householdId === households[i]!.householdId));
    const thirdTwo = pick[2]!.filter((r) => r.id === extra.json().id).concat(pick[2]!.filter((r) => r.id !== extra.json().id).slice(0, 1));
    voters = await residentAccounts(t, [pick[0]![0]!, pick[1]![0]!, ...thirdTwo], 'b1_');

    const r = await t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '1栋北门无障碍坡道占用共有部分表决', topicId, nodeId: building.id, method: 'owner', rule: 'double_majority', closesAt: at(3 * DAY) } });
    expect(r.statusCode).toBe(201);
    voteId = r.json().id;
    expect(r.json()).toMatchObject({ eligibleCount: 3, eligibleAreaM2: 260, phase: 'open', result: null });
    expect((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentQ })).json().status).toBe('voting');
    // Changing the roll now does not change this vote's electorate
    await t.req('PUT', `/api/deliberation/roll/${households[2]!.householdId}`, { cookie: adminQ, body: { areaM2: 10 } });
    expect((await t.req('GET', `/api/deliberation/votes/${voteId}`, { cookie: adminQ })).json().eligibleAreaM2).toBe(260);
    // Rules that count floor area need an owners' vote
    expect((await t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '错误设置', nodeId: building.id, method: 'resident', rule: 'double_majority', closesAt: at(DAY) } })).statusCode).toBe(400);
  });

  it('one ballot per household, even when requests arrive in parallel', async () => {
    const [h1, h2, h3a, h3b] = voters;
    const burst = await Promise.all(Array.from({ length: 6 }, () => t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: h1!.cookie, body: { choice: 'agree' } })));
    expect(statuses(burst)).toEqual([201, 409, 409, 409, 409, 409]);
    // two members of one household at the same moment
    const pair = await Promise.all([h3a, h3b].map((v) => t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: v!.cookie, body: { choice: 'oppose' } })));
    expect(statuses(pair)).toEqual([201, 409]);
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: h2!.cookie, body: { choice: 'agree' } })).statusCode).toBe(201);

    // outside the building, outside the community, and staff voting for themselves
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: supporters.find((s) => !s.nodePath.startsWith(building.path + '/'))!.cookie, body: { choice: 'agree' } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: residentM, body: { choice: 'agree' } })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: adminQ, body: { choice: 'agree' } })).statusCode).toBe(403);

    const open = (await t.req('GET', `/api/deliberation/votes/${voteId}`, { cookie: h3b!.cookie })).json();
    expect(open.result).toBeNull();
    expect(open.turnout).toMatchObject({ participated: 3, participatedAreaM2: 260, rate: 1 });
    // the household has voted; the member who did not cast it does not see the choice
    expect(open.my).toMatchObject({ eligible: true, voted: true, byHousehold: true });
    const electors = (await t.req('GET', `/api/deliberation/votes/${voteId}/electors`, { cookie: adminQ })).json();
    expect(electors.items).toHaveLength(3);
    expect(electors.items.every((e: { voted: boolean; choice?: unknown }) => e.voted && e.choice === undefined)).toBe(true);
    expect((await t.req('GET', `/api/deliberation/votes/${voteId}/electors`, { cookie: residentQ })).statusCode).toBe(403);

    // the audit log records that ballots were cast, never the choice
    const rows = await t.og.ctx.db.selectFrom('audit_log').select(['after']).where('action', '=', 'deliberation.vote.ballot').where('entity_id', '=', voteId).execute();
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toMatch(/agree|oppose/);
  });

  it('closes at the deadline: majority of households but not of floor area, so it fails', async () => {
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/close`, { cookie: adminQ })).statusCode).toBe(409);
    t.clock.advance(3 * DAY + 60_000);
    expect((await t.req('POST', `/api/deliberation/votes/${voteId}/ballots`, { cookie: voters[1]!.cookie, body: { choice: 'oppose' } })).statusCode).toBe(409);
    await runJobs();
    const v = (await t.req('GET', `/api/deliberation/votes/${voteId}`, { cookie: residentQ })).json();
    expect(v.status).toBe('closed');
    expect(v.passed).toBe(false);
    expect(v.result).toMatchObject({ counts: { agree: 2, oppose: 1, abstain: 0 }, areasM2: { agree: 110, oppose: 150, abstain: 0 }, quorumMet: true, countPassed: true, areaPassed: false });
    expect(v.result.explanation).toMatch(/面积未达过半数/);
    expect((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: residentQ })).json().status).toBe('failed');
    expect((await t.req('POST', '/api/deliberation/resolutions', { cookie: adminQ, body: { title: '不应形成', content: '未通过的表决', assignee: '物业', dueDate: '2027-01-31', voteId } })).statusCode).toBe(409);
  });

  it('a major matter passes with three quarters; its resolution is tracked, flagged overdue, and completed', async () => {
    const estate = await node(t, '430103007001E1');
    const topic = (await t.req('POST', '/api/deliberation/topics', { cookie: adminQ, body: { title: '1栋加装电梯', body: '1栋为多层住宅，老年住户多，拟申请既有住宅加装电梯。', category: '加装电梯', nodeId: estate.id } })).json();
    expect(topic.status).toBe('accepted');
    const vote = (await t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '1栋加装电梯业主表决', topicId: topic.id, nodeId: building.id, method: 'owner', rule: 'double_three_quarters', closesAt: at(7 * DAY) } })).json();
    // the roll now says 50 + 60 + 10 m²
    expect(vote.eligibleAreaM2).toBe(120);
    for (const v of voters.slice(0, 3)) expect((await t.req('POST', `/api/deliberation/votes/${vote.id}/ballots`, { cookie: v.cookie, body: { choice: 'agree' } })).statusCode).toBe(201);
    t.clock.advance(7 * DAY + 1000);
    const closed = (await t.req('POST', `/api/deliberation/votes/${vote.id}/close`, { cookie: adminQ })).json();
    expect(closed).toMatchObject({ status: 'closed', passed: true });
    expect((await t.req('GET', `/api/deliberation/topics/${topic.id}`, { cookie: residentQ })).json().status).toBe('passed');

    const today = new Date(t.clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 10);
    const due = new Date(t.clock.now().getTime() + 8 * 3600_000 + 30 * DAY).toISOString().slice(0, 10);
    expect((await t.req('POST', '/api/deliberation/resolutions', { cookie: adminQ, body: { title: '1栋加装电梯', content: '启动加装电梯报建。', assignee: '1栋加装电梯业主小组', dueDate: '2020-01-01', voteId: vote.id } })).statusCode).toBe(400);
    const res = await t.req('POST', '/api/deliberation/resolutions', { cookie: adminQ, body: { title: '1栋加装电梯', content: '委托有资质单位设计，办理报建并公示。', assignee: '1栋加装电梯业主小组、桥头社区', dueDate: due, voteId: vote.id } });
    expect(res.statusCode).toBe(201);
    const rid = res.json().id;
    expect(res.json()).toMatchObject({ status: 'in_progress', topicId: topic.id, progress: 0 });
    expect(today < due).toBe(true);
    expect((await t.req('GET', `/api/deliberation/topics/${topic.id}`, { cookie: residentQ })).json().status).toBe('resolved');
    // residents follow it; only staff report progress
    expect((await t.req('GET', '/api/deliberation/resolutions', { cookie: residentQ })).json().items.map((x: { id: string }) => x.id)).toContain(rid);
    expect((await t.req('POST', `/api/deliberation/resolutions/${rid}/progress`, { cookie: residentQ, body: { note: 'x', progress: 10 } })).statusCode).toBe(403);
    expect((await t.req('POST', `/api/deliberation/resolutions/${rid}/progress`, { cookie: adminQ, body: { note: '设计方案已公示', progress: 40 } })).json().progress).toBe(40);

    t.clock.advance(31 * DAY);
    await runJobs();
    await renewSessions();
    const late = (await t.req('GET', `/api/deliberation/resolutions/${rid}`, { cookie: residentQ })).json();
    expect(late).toMatchObject({ overdue: true, statusLabel: '逾期未办结' });
    expect((await t.req('GET', '/api/deliberation/resolutions?overdue=true', { cookie: adminQ })).json().items.map((x: { id: string }) => x.id)).toContain(rid);

    const done = (await t.req('POST', `/api/deliberation/resolutions/${rid}/progress`, { cookie: adminQ, body: { note: '电梯已安装并验收', progress: 100, completed: true } })).json();
    expect(done).toMatchObject({ status: 'completed', progress: 100 });
    expect(done.updates.map((u: { progress: number }) => u.progress)).toEqual([40, 100]);
    expect((await t.req('GET', `/api/deliberation/topics/${topic.id}`, { cookie: residentQ })).json().status).toBe('completed');
    expect((await t.req('POST', `/api/deliberation/resolutions/${rid}/progress`, { cookie: adminQ, body: { note: '再报', progress: 50 } })).statusCode).toBe(409);
  });
});

describe('support window', () => {
  it('a proposal below the threshold cannot be accepted, and expires after 30 days', async () => {
    await renewSessions();
    const r = (await t.req('POST', '/api/deliberation/topics', { cookie: supporters[0]!.cookie, body: { title: '楼道增设扶手', body: '老旧楼道没有扶手，建议增设。', category: '公共设施' } })).json();
    expect((await t.req('POST', `/api/deliberation/topics/${r.id}/review`, { cookie: adminQ, body: { decision: 'accept' } })).statusCode).toBe(409);
    t.clock.advance(29 * 86400_000);
    await runJobs();
    await renewSessions();
    expect((await t.req('GET', `/api/deliberation/topics/${r.id}`, { cookie: residentQ })).json().status).toBe('proposed');
    t.clock.advance(2 * 86400_000);
    await runJobs();
    await renewSessions();
    expect((await t.req('GET', `/api/deliberation/topics/${r.id}`, { cookie: residentQ })).json().status).toBe('expired');
    expect((await t.req('POST', `/api/deliberation/topics/${r.id}/support`, { cookie: residentQ })).statusCode).toBe(409);
  });
});
