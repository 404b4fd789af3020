import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { multipart, tinyJpeg } from '../cases/testing.js';
import { node, residentAccounts, residentsUnder, type ResidentAccount } from './testkit.js';

/**
 * Self-governance rules of the deliberation hall: support thresholds an admin sets and the agenda they
 * feed, topic photos, comment moderation, meeting modes and invited parties, vote options (secret
 * ballot, two-thirds rule, own quorum, eligibility by role, one vote per household) under parallel
 * requests and paper ballots, and a convention revised from residents' suggested wording.
 */
let t: TestApp;
let adminQ: string;
let gridQ: string;
let residentM: string;
let adminM: string;
let community: { id: string; path: string };
let estate: { id: string; path: string };
let building: { id: string; path: string };
let grid: { id: string; path: string };
/** adults of the estate, one per household, the first five in grid G01 */
let people: ResidentAccount[];

const DAY = 86400_000;
const at = (ms: number) => new Date(t.clock.now().getTime() + ms).toISOString();
const statuses = (rs: Array<{ statusCode: number }>) => rs.map((r) => r.statusCode).sort();
const adult = (r: { birthDate: string | null }) => r.birthDate === null || r.birthDate <= '2006-01-01';
const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);

async function runJobs(): Promise<void> {
  for (let i = 0; i < 100 && (await t.og.ctx.jobs.runDue()) > 0; i++);
}

beforeAll(async () => {
  t = await startTestApp({ env: { SESSION_TTL_HOURS: '720' } });
  [adminQ, gridQ, residentM, adminM] = (await Promise.all(['community_admin.qiaotou', 'grid_worker.qiaotou', 'resident.mulian', 'community_admin.mulian'].map((u) => t.login(u)))) as [string, string, string, string];
  community = await node(t, '430103007001');
  estate = await node(t, '430103007001E1');
  building = await node(t, '430103007001G01B1');
  grid = await node(t, '430103007001G01');
  const me = (await t.req('GET', '/api/auth/me', { cookie: await t.login('resident.qiaotou') })).json();
  const myId = me.residentId ?? me.user?.residentId;
  const all = (await residentsUnder(t, estate.path)).filter((r) => adult(r) && r.id !== myId);
  const seen = new Set<string>();
  const distinct = all.filter((r) => r.householdId && !seen.has(r.householdId) && seen.add(r.householdId));
  const inGrid = distinct.filter((r) => r.nodePath.startsWith(grid.path + '/')).slice(0, 5);
  const rest = distinct.filter((r) => !inGrid.includes(r)).slice(0, 3);
  expect(inGrid).toHaveLength(5);
  people = await residentAccounts(t, [...inGrid, ...rest], 'gv');
});
afterAll(async () => t?.close());

describe('support threshold and the agenda', () => {
  let meetingId: string;
  let topicA: string;

  it('an admin sets the threshold per node and level; the nearest setting wins, clearing it falls back', async () => {
    expect((await t.req('PUT', '/api/deliberation/thresholds', { cookie: gridQ, body: { nodeId: community.id, level: 'estate', threshold: 2 } })).statusCode).toBe(403);
    expect((await t.req('PUT', '/api/deliberation/thresholds', { cookie: adminM, body: { nodeId: community.id, level: 'estate', threshold: 2 } })).statusCode).toBe(403);
    expect((await t.req('PUT', '/api/deliberation/thresholds', { cookie: adminQ, body: { nodeId: community.id, level: 'estate', threshold: 0 } })).statusCode).toBe(400);
    expect((await t.req('PUT', '/api/deliberation/thresholds', { cookie: adminQ, body: { nodeId: community.id, level: 'estate', threshold: 2 } })).statusCode).toBe(200);
    const s = (await t.req('GET', `/api/deliberation/thresholds?nodeId=${estate.id}`, { cookie: adminQ })).json();
    expect(s.effective.find((e: { level: string }) => e.level === 'estate')).toMatchObject({ threshold: 2, fromNodeName: '桥头社区' });
    expect((await t.req('GET', `/api/deliberation/thresholds?nodeId=${estate.id}`, { cookie: people[0]!.cookie })).statusCode).toBe(403);

    // a setting on the estate itself overrides the community's
    await t.req('PUT', '/api/deliberation/thresholds', { cookie: adminQ, body: { nodeId: estate.id, level: 'estate', threshold: 4 } });
    const four = (await t.req('POST', '/api/deliberation/topics', { cookie: people[7]!.cookie, body: { title: '小区增设快递柜', body: '快递堆放在门岗，建议增设智能快递柜。', category: '公共设施' } })).json();
    expect(four.supportThreshold).toBe(4);
    await t.req('PUT', '/api/deliberation/thresholds', { cookie: adminQ, body: { nodeId: estate.id, level: 'estate', threshold: null } });
    const audit = await t.og.ctx.db.selectFrom('audit_log').select(['after']).where('action', '=', 'deliberation.threshold.set').orderBy('seq').execute();
    expect(audit.map((a) => (a.after as { threshold: number | null }).threshold)).toEqual([2, 4, null]);
  });

  it('reaching the threshold with no meeting ahead queues the topic; the next meeting takes it onto its agenda', async () => {
    const r = await t.req('POST', '/api/deliberation/topics', { cookie: people[0]!.cookie, body: { title: '小区东侧路灯维修', body: '东侧步道三盏路灯不亮，夜间出行不安全。', category: '公共设施' } });
    expect(r.statusCode).toBe(201);
    topicA = r.json().id;
    expect(r.json().supportThreshold).toBe(2);
    expect((await t.req('POST', `/api/deliberation/topics/${topicA}/support`, { cookie: people[1]!.cookie })).json()).toMatchObject({ supportCount: 1, status: 'proposed' });
    expect((await t.req('POST', `/api/deliberation/topics/${topicA}/support`, { cookie: people[2]!.cookie })).json()).toMatchObject({ supportCount: 2, status: 'supported', statusLabel: '附议达标待上会' });

    const m = await t.req('POST', '/api/deliberation/meetings', {
      cookie: adminQ,
      body: {
        title: '桥头社区十二月议事会',
        nodeId: community.id,
        startsAt: at(3 * DAY),
        endsAt: at(3 * DAY + 2 * 3600_000),
        mode: 'hybrid',
        location: '桥头社区议事厅',
        onlineUrl: 'https://meeting.example.cn/j/123456',
        invitees: [
          { kind: 'property', name: '张经理', org: '桥头物业服务有限公司' },
          { kind: 'expert', name: '李律师', org: '湘江律师事务所' },
          { kind: 'owners_committee', name: '桥头小区业主委员会' },
        ],
        agenda: [{ title: '社区工作通报' }],
      },
    });
    expect(m.statusCode).toBe(201);
    meetingId = m.json().id;
    expect(m.json()).toMatchObject({ mode: 'hybrid', modeLabel: '线上线下结合', onlineUrl: 'https://meeting.example.cn/j/123456' });
    expect(m.json().invitees.map((i: { kindLabel: string; name: string }) => `${i.kindLabel}:${i.name}`)).toEqual(['物业服务企业:张经理', '专家（律师等）:李律师', '业主委员会:桥头小区业主委员会']);
    const d = (await t.req('GET', `/api/deliberation/meetings/${meetingId}`, { cookie: people[3]!.cookie })).json();
    expect(d.agenda.map((a: { seq: number; topicId: string | null }) => [a.seq, a.topicId])).toEqual([
      [1, null],
      [2, topicA],
    ]);
    expect((await t.req('GET', `/api/deliberation/topics/${topicA}`, { cookie: people[0]!.cookie })).json().status).toBe('scheduled');
  });

  it('with a meeting ahead, the support that reaches the threshold puts the topic straight on its agenda', async () => {
    const b = (await t.req('POST', '/api/deliberation/topics', { cookie: people[3]!.cookie, body: { title: '楼道堆物清理', body: '部分楼道堆放杂物，影响消防通道。', category: '安全隐患' } })).json();
    expect((await t.req('POST', `/api/deliberation/topics/${b.id}/support`, { cookie: people[4]!.cookie })).json().status).toBe('proposed');
    // two supporters at the same moment: both count, the topic goes onto the agenda once
    const pair = await Promise.all([people[5]!, people[6]!].map((p) => t.req('POST', `/api/deliberation/topics/${b.id}/support`, { cookie: p.cookie })));
    expect(statuses(pair)).toEqual([200, 200]);
    const topic = (await t.req('GET', `/api/deliberation/topics/${b.id}`, { cookie: adminQ })).json();
    expect(topic).toMatchObject({ supportCount: 3, status: 'scheduled' });
    const d = (await t.req('GET', `/api/deliberation/meetings/${meetingId}`, { cookie: adminQ })).json();
    expect(d.agenda.map((a: { topicId: string | null }) => a.topicId)).toEqual([null, topicA, b.id]);
    const auto = await t.og.ctx.db.selectFrom('audit_log').select(['entity_id']).where('action', '=', 'deliberation.meeting.agenda.auto').execute();
    expect(auto.map((a) => a.entity_id)).toEqual([meetingId]);
  });

  it('meeting mode needs its place or link', async () => {
    const base = { title: '线上议事会', nodeId: community.id, startsAt: at(4 * DAY), endsAt: at(4 * DAY + 3600_000), agenda: [] };
    expect((await t.req('POST', '/api/deliberation/meetings', { cookie: adminQ, body: { ...base, mode: 'online' } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/deliberation/meetings', { cookie: adminQ, body: { ...base, mode: 'in_person' } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/deliberation/meetings', { cookie: adminQ, body: { ...base, mode: 'online', onlineUrl: 'ftp://x.cn/1' } })).statusCode).toBe(400);
    expect((await t.req('POST', '/api/deliberation/meetings', { cookie: adminQ, body: { ...base, mode: 'online', onlineUrl: 'https://x.cn/1', invitees: [{ kind: 'alien', name: 'x' }] } })).statusCode).toBe(400);
    const ok = (await t.req('POST', '/api/deliberation/meetings', { cookie: adminQ, body: { ...base, mode: 'online', onlineUrl: 'https://x.cn/1', location: '忽略' } })).json();
    expect(ok).toMatchObject({ mode: 'online', location: null, onlineUrl: 'https://x.cn/1' });
  });
});

describe('topic photos and comment moderation', () => {
  let topicId: string;
  let commentId: string;

  it('a topic carries the proposer’s photos, visible to those who see the topic', async () => {
    const m = multipart([{ name: 'lamp.jpg', data: await tinyJpeg() }]);
    const up = await t.req('POST', '/api/files', { cookie: people[0]!.cookie, body: m.body, headers: m.headers });
    expect(up.statusCode).toBe(201);
    const photo = up.json()[0].id;
    // someone else's upload cannot be attached
    expect((await t.req('POST', '/api/deliberation/topics', { cookie: people[1]!.cookie, body: { title: '借用照片', body: '用别人的照片提议题。', category: '其他', photos: [photo] } })).statusCode).toBe(400);
    const r = await t.req('POST', '/api/deliberation/topics', { cookie: people[0]!.cookie, body: { title: '健身器材损坏', body: '中心花园的健身器材有两处损坏。', category: '公共设施', photos: [photo] } });
    expect(r.statusCode).toBe(201);
    topicId = r.json().id;
    const d = (await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: people[1]!.cookie })).json();
    expect(d.photos).toHaveLength(1);
    expect(d.photos[0]).toMatchObject({ id: photo, mime: 'image/jpeg' });
    expect((await t.req('GET', `/api/files/${photo}`, { cookie: people[1]!.cookie })).statusCode).toBe(200);
    expect((await t.req('GET', `/api/files/${photo}`, { cookie: gridQ })).statusCode).toBe(200);
    expect((await t.req('GET', `/api/files/${photo}`, { cookie: residentM })).statusCode).toBe(404);
  });

  it('residents report a comment once; staff hide it with a reason (audited) and residents no longer see it; restoring brings it back', async () => {
    const c = await t.req('POST', `/api/deliberation/topics/${topicId}/comments`, { cookie: people[1]!.cookie, body: { body: '物业就是不作为，全是骗子！' } });
    expect(c.statusCode).toBe(201);
    commentId = c.json().id;
    const url = `/api/deliberation/topics/${topicId}/comments/${commentId}`;
    expect((await t.req('POST', `${url}/report`, { cookie: people[2]!.cookie, body: { reason: '人身攻击' } })).statusCode).toBe(201);
    expect((await t.req('POST', `${url}/report`, { cookie: people[2]!.cookie, body: { reason: '人身攻击' } })).statusCode).toBe(409);
    expect((await t.req('POST', `${url}/report`, { cookie: people[1]!.cookie, body: { reason: '自己举报' } })).statusCode).toBe(409);

    expect((await t.req('POST', `${url}/moderate`, { cookie: people[0]!.cookie, body: { action: 'hide', reason: '不文明' } })).statusCode).toBe(403);
    expect((await t.req('POST', `${url}/moderate`, { cookie: gridQ, body: { action: 'hide', reason: '不文明' } })).statusCode).toBe(403);
    expect((await t.req('POST', `${url}/moderate`, { cookie: adminQ, body: { action: 'hide', reason: '' } })).statusCode).toBe(400);
    const hidden = await t.req('POST', `${url}/moderate`, { cookie: adminQ, body: { action: 'hide', reason: '含人身攻击内容' } });
    expect(hidden.statusCode).toBe(200);
    expect(hidden.json().comments.find((x: { id: string }) => x.id === commentId)).toMatchObject({ hidden: true, hiddenReason: '含人身攻击内容', reportCount: 1 });
    expect((await t.req('POST', `${url}/moderate`, { cookie: adminQ, body: { action: 'hide', reason: '再次隐藏' } })).statusCode).toBe(409);
    for (const p of [people[0]!, people[1]!]) {
      const d = (await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: p.cookie })).json();
      expect(ids(d.comments)).not.toContain(commentId);
    }
    // a hidden comment cannot be reported by residents any more
    expect((await t.req('POST', `${url}/report`, { cookie: people[3]!.cookie, body: { reason: '不当' } })).statusCode).toBe(404);

    expect((await t.req('POST', `${url}/moderate`, { cookie: adminQ, body: { action: 'restore', reason: '当事人已修改态度，恢复显示' } })).statusCode).toBe(200);
    expect(ids((await t.req('GET', `/api/deliberation/topics/${topicId}`, { cookie: people[0]!.cookie })).json().comments)).toContain(commentId);
    const log = await t.og.ctx.db.selectFrom('audit_log').select(['action', 'after']).where('action', 'like', 'deliberation.comment.%').orderBy('seq').execute();
    expect(log.map((l) => l.action)).toEqual(['deliberation.comment.report', 'deliberation.comment.hide', 'deliberation.comment.restore']);
    expect(log[1]!.after).toMatchObject({ commentId, reason: '含人身攻击内容' });
  });
});

describe('vote options', () => {
  it('a secret ballot of listed representatives, two thirds needed: parallel ballots count once, a paper ballot once, and nobody can tell who voted what', async () => {
    const reps = people.slice(0, 5);
    const create = (body: Record<string, unknown>) => t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '居民代表会议：调整议事规则', nodeId: community.id, method: 'resident', closesAt: at(2 * DAY), ...body } });
    expect((await create({ rule: 'two_thirds', eligibility: 'listed' })).statusCode).toBe(400);
    expect((await create({ rule: 'two_thirds', eligibility: 'listed', electorIds: [...reps.map((r) => r.residentId), (await residentsUnder(t, (await node(t, '430103007002')).path))[0]!.id] })).statusCode).toBe(400);
    expect((await create({ rule: 'double_majority', ballot: 'secret' })).statusCode).toBe(400);
    const r = await create({ rule: 'two_thirds', ballot: 'secret', quorumPct: 80, eligibility: 'listed', electorIds: reps.map((x) => x.residentId) });
    expect(r.statusCode).toBe(201);
    const vote = r.json();
    expect(vote).toMatchObject({ eligibleCount: 5, ballot: 'secret', ballotLabel: '无记名投票', quorumPct: 80, eligibility: 'listed', ruleLabel: '三分之二以上通过' });
    const url = `/api/deliberation/votes/${vote.id}/ballots`;

    // the same representative pressing "agree" six times at once
    const burst = await Promise.all(Array.from({ length: 6 }, () => t.req('POST', url, { cookie: reps[0]!.cookie, body: { choice: 'agree' } })));
    expect(statuses(burst)).toEqual([201, 409, 409, 409, 409, 409]);
    expect(burst.find((x) => x.statusCode === 201)!.json()).toMatchObject({ voted: true, choice: null });
    // a resident not on the list
    expect((await t.req('POST', url, { cookie: people[5]!.cookie, body: { choice: 'agree' } })).statusCode).toBe(403);
    // the grid worker enters a paper ballot for one of their grid's representatives; the online ballot that follows is refused
    expect((await t.req('POST', url, { cookie: gridQ, body: { choice: 'oppose', residentId: reps[4]!.residentId } })).statusCode).toBe(201);
    expect((await t.req('POST', url, { cookie: reps[4]!.cookie, body: { choice: 'agree' } })).statusCode).toBe(409);
    expect((await t.req('POST', url, { cookie: gridQ, body: { choice: 'agree', residentId: reps[4]!.residentId } })).statusCode).toBe(409);
    // the others, in parallel: agree, agree, oppose
    const rest = await Promise.all(
      (
        [
          [1, 'agree'],
          [2, 'agree'],
          [3, 'oppose'],
        ] as const
      ).map(([i, c]) => t.req('POST', url, { cookie: reps[i]!.cookie, body: { choice: c } })),
    );
    expect(statuses(rest)).toEqual([201, 201, 201]);

    const mine = (await t.req('GET', `/api/deliberation/votes/${vote.id}`, { cookie: reps[0]!.cookie })).json();
    expect(mine.my).toMatchObject({ voted: true, choice: null });
    expect(mine.turnout.participated).toBe(5);
    // nothing stored links a voter to a choice
    const ballots = await t.og.ctx.db.selectFrom('deliberation_ballots').select(['choice', 'method']).where('vote_id', '=', vote.id).execute();
    expect(ballots).toHaveLength(5);
    expect(ballots.every((b) => b.choice === null)).toBe(true);
    expect(ballots.filter((b) => b.method === 'paper')).toHaveLength(1);
    const choices = await t.og.ctx.db.selectFrom('deliberation_secret_choices').selectAll().where('vote_id', '=', vote.id).execute();
    expect(Object.keys(choices[0]!).sort()).toEqual(['area_m2', 'choice', 'id', 'vote_id']);

    t.clock.advance(2 * DAY + 1000);
    await runJobs();
    const closed = (await t.req('GET', `/api/deliberation/votes/${vote.id}`, { cookie: people[6]!.cookie })).json();
    // 5 of 5 took part (quorum 80%: 4 needed); agree 3 of 5 = 60% < 2/3: not passed (a simple majority would have passed)
    expect(closed.result).toMatchObject({ counts: { agree: 3, oppose: 2, abstain: 0 }, participated: 5, turnout: 1, quorumMet: true, countPassed: false, passed: false, quorumPct: 80 });
    expect(closed.result.explanation).toMatch(/60\.0%.*未达三分之二/);
    const electors = (await t.req('GET', `/api/deliberation/votes/${vote.id}/electors`, { cookie: adminQ })).json();
    expect(electors.items.every((e: Record<string, unknown>) => e.voted === true && !('choice' in e))).toBe(true);
  });

  it('one vote per household, cast by the head of household only', async () => {
    const residents = (await residentsUnder(t, building.path)).filter(adult);
    const households = [...new Set(residents.map((r) => r.householdId))];
    const withTwo = households.map((h) => residents.filter((r) => r.householdId === h)).find((m) => m.length >= 2 && m.some((r) => r.relation === '户主'))!;
    expect(withTwo).toBeDefined();
    const head = withTwo.find((r) => r.relation === '户主')!;
    const member = withTwo.find((r) => r.relation !== '户主')!;
    const [headAcc, memberAcc] = await residentAccounts(t, [head, member], 'hh');
    const heads = households.filter((h) => residents.some((r) => r.householdId === h && r.relation === '户主')).length;
    const vote = (await t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '1栋楼道粉刷（户主表决）', nodeId: building.id, method: 'household', rule: 'simple', eligibility: 'household_heads', closesAt: at(DAY) } })).json();
    expect(vote).toMatchObject({ eligibleCount: heads, method: 'household', methodLabel: '一户一票' });
    const url = `/api/deliberation/votes/${vote.id}/ballots`;
    const other = await t.req('POST', url, { cookie: memberAcc!.cookie, body: { choice: 'agree' } });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.message).toContain(head.name);
    const pair = await Promise.all([headAcc!, headAcc!, headAcc!].map((a) => t.req('POST', url, { cookie: a.cookie, body: { choice: 'agree' } })));
    expect(statuses(pair)).toEqual([201, 409, 409]);
    const d = (await t.req('GET', `/api/deliberation/votes/${vote.id}`, { cookie: memberAcc!.cookie })).json();
    expect(d.my).toMatchObject({ eligible: true, voted: true, byHousehold: true, choice: null, onlyMember: head.name });
  });
});

describe('convention revised from suggested wording, adopted by a vote', () => {
  it('keeps a version history with a changelog that cites the accepted suggestions', async () => {
    const c = (
      await t.req('POST', '/api/deliberation/conventions', {
        cookie: adminQ,
        body: {
          title: '桥头小区文明养犬公约',
          nodeId: estate.id,
          articles: [
            { no: 1, title: '总则', text: '为维护小区环境卫生和居民安全，制定本公约。' },
            { no: 2, title: '牵绳', text: '出户遛犬应牵绳。' },
            { no: 3, title: '清理', text: '及时清理犬只粪便。' },
          ],
        },
      })
    ).json();
    const base = `/api/deliberation/conventions/${c.id}/versions`;
    expect((await t.req('POST', `${base}/1/consult`, { cookie: adminQ })).statusCode).toBe(200);
    const note = (cookie: string, body: Record<string, unknown>) => t.req('POST', `${base}/1/annotations`, { cookie, body });
    const s1 = await note(people[0]!.cookie, { articleNo: 2, body: '建议写明牵绳长度', suggestedText: '出户遛犬应牵绳，犬绳长度不超过 1.5 米。' });
    expect(s1.statusCode).toBe(201);
    expect(s1.json()).toMatchObject({ suggestedText: '出户遛犬应牵绳，犬绳长度不超过 1.5 米。', status: 'open' });
    const s2 = (await note(people[1]!.cookie, { articleNo: 2, body: '另一种说法', suggestedText: '出户遛犬须牵绳并主动避让行人。' })).json();
    expect((await note(people[2]!.cookie, { articleNo: 3, body: '同一表述', suggestedText: '及时清理犬只粪便。' })).statusCode).toBe(400);
    expect((await note(people[2]!.cookie, { articleNo: 3, body: '赞成，建议物业设置拾便袋。' })).statusCode).toBe(201);

    expect((await t.req('POST', `${base}/1/revise`, { cookie: adminQ, body: {} })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/deliberation/annotations/${s1.json().id}/reply`, { cookie: adminQ, body: { status: 'adopted', reply: '采纳，写入修订稿' } })).statusCode).toBe(200);
    // one wording per article
    expect((await t.req('POST', `/api/deliberation/annotations/${s2.id}/reply`, { cookie: adminQ, body: { status: 'adopted', reply: '也采纳' } })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/deliberation/annotations/${s2.id}/reply`, { cookie: adminQ, body: { status: 'declined', reply: '已采纳另一表述' } })).statusCode).toBe(200);
    expect((await t.req('POST', `${base}/1/revise`, { cookie: people[0]!.cookie, body: {} })).statusCode).toBe(403);

    const rev = await t.req('POST', `${base}/1/revise`, { cookie: adminQ, body: {} });
    expect(rev.statusCode).toBe(201);
    const d = rev.json();
    expect(d.versions.map((v: { version: number; status: string }) => `${v.version}:${v.status}`)).toEqual(['1:superseded', '2:consultation']);
    const v2 = d.versions[1];
    expect(v2.articles[1].text).toBe('出户遛犬应牵绳，犬绳长度不超过 1.5 米。');
    expect(v2.articles[0].text).toBe('为维护小区环境卫生和居民安全，制定本公约。');
    expect(v2.changelog).toEqual([{ articleNo: 2, change: 'changed', annotationId: s1.json().id, note: expect.stringMatching(/^采纳居民.\*\*的修改建议$/) }]);
    expect(v2.changeNote).toBe('根据征求意见修订：第2条');
    expect(d.annotations.find((a: { id: string }) => a.id === s1.json().id).appliedVersion).toBe(2);
    const diff = (await t.req('GET', `/api/deliberation/conventions/${c.id}/diff?from=1&to=2`, { cookie: people[3]!.cookie })).json();
    expect(diff.changes.filter((x: { change: string }) => x.change !== 'unchanged').map((x: { no: number }) => x.no)).toEqual([2]);

    // the final text is adopted by a vote of the estate's listed representatives
    const reps = people.slice(0, 3);
    const vote = (await t.req('POST', '/api/deliberation/votes', { cookie: adminQ, body: { title: '表决《桥头小区文明养犬公约》', conventionId: c.id, nodeId: estate.id, method: 'resident', rule: 'simple', eligibility: 'listed', electorIds: reps.map((r) => r.residentId), closesAt: at(DAY) } })).json();
    expect(vote.conventionVersion).toBe(2);
    for (const r of reps) expect((await t.req('POST', `/api/deliberation/votes/${vote.id}/ballots`, { cookie: r.cookie, body: { choice: 'agree' } })).statusCode).toBe(201);
    t.clock.advance(DAY + 1000);
    await runJobs();
    const after = (await t.req('GET', `/api/deliberation/conventions/${c.id}`, { cookie: people[4]!.cookie })).json();
    expect(after.currentVersion).toBe(2);
    expect(after.versions.map((v: { version: number; status: string; adoptedVia: string | null }) => `${v.version}:${v.status}:${v.adoptedVia}`)).toEqual(['1:superseded:null', '2:adopted:vote']);
  });
});

describe('resolution steps and photos', () => {
  it('a resolution is tracked step by step with photos, visible to residents until done', async () => {
    const held = (await t.req('GET', '/api/deliberation/meetings?status=held', { cookie: adminQ })).json().items[0];
    expect((await t.req('POST', '/api/deliberation/resolutions', { cookie: adminQ, body: { title: '更换路灯', content: '更换东侧步道路灯。', assignee: '桥头物业', dueDate: '2027-06-30', meetingId: held.id, steps: ['采购灯具', ' '] } })).statusCode).toBe(400);
    const r = await t.req('POST', '/api/deliberation/resolutions', { cookie: adminQ, body: { title: '更换路灯', content: '更换东侧步道路灯。', assignee: '桥头物业', dueDate: '2027-06-30', meetingId: held.id, steps: ['采购灯具', '安装调试'] } });
    expect(r.statusCode).toBe(201);
    const res = r.json();
    expect(res.steps.map((s: { seq: number; title: string; done: boolean }) => `${s.seq}.${s.title}:${s.done}`)).toEqual(['1.采购灯具:false', '2.安装调试:false']);
    const m = multipart([{ name: 'lamp.jpg', data: await tinyJpeg() }]);
    const photo = (await t.req('POST', '/api/files', { cookie: adminQ, body: m.body, headers: m.headers })).json()[0].id;
    const url = `/api/deliberation/resolutions/${res.id}/progress`;
    expect((await t.req('POST', url, { cookie: adminQ, body: { note: 'x', progress: 10, stepId: people[0]!.residentId } })).statusCode).toBe(400);
    const p1 = await t.req('POST', url, { cookie: adminQ, body: { note: '灯具已到货', progress: 40, stepId: res.steps[0].id, photos: [photo] } });
    expect(p1.statusCode).toBe(200);
    expect((await t.req('POST', url, { cookie: adminQ, body: { note: '重复', progress: 50, stepId: res.steps[0].id } })).statusCode).toBe(409);
    // cannot be completed while a step is open
    expect((await t.req('POST', url, { cookie: adminQ, body: { note: '办结', progress: 100, completed: true } })).statusCode).toBe(409);

    const seen = (await t.req('GET', `/api/deliberation/resolutions/${res.id}`, { cookie: people[2]!.cookie })).json();
    expect(seen.steps.map((s: { done: boolean }) => s.done)).toEqual([true, false]);
    expect(seen.updates[0]).toMatchObject({ note: '灯具已到货', stepTitle: '采购灯具', photos: [expect.objectContaining({ id: photo })] });
    expect((await t.req('GET', `/api/files/${photo}`, { cookie: people[2]!.cookie })).statusCode).toBe(200);
    expect((await t.req('GET', `/api/files/${photo}`, { cookie: residentM })).statusCode).toBe(404);
    expect((await t.req('GET', '/api/deliberation/resolutions?status=in_progress', { cookie: people[2]!.cookie })).json().items.map((x: { id: string }) => x.id)).toContain(res.id);

    const done = (await t.req('POST', url, { cookie: adminQ, body: { note: '安装完成并通电', progress: 100, completed: true, stepId: res.steps[1].id } })).json();
    expect(done).toMatchObject({ status: 'completed', progress: 100 });
    expect(done.steps.every((s: { done: boolean }) => s.done)).toBe(true);
    expect((await t.req('GET', '/api/deliberation/resolutions?status=in_progress', { cookie: people[2]!.cookie })).json().items.map((x: { id: string }) => x.id)).not.toContain(res.id);
  });
});
