import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { pdfText } from '../../platform/pdf/extract.js';
import { verifyAuditChain } from '../../platform/audit/audit.js';
import { settleHandovers } from './handover.js';
import { STATE_NAMES } from './rules.js';

let t: TestApp;
const cookies = new Map<string, string>();
async function as(username: string): Promise<string> {
  let c = cookies.get(username);
  if (!c) {
    c = await t.login(username);
    cookies.set(username, c);
  }
  return c;
}
/** Sessions expire as the manual clock moves on: sign in again after advancing it. */
function advanceDays(days: number, minusHours = 0) {
  t.clock.advanceHours(24 * days - minusHours);
  cookies.clear();
}
async function drainJobs() {
  while ((await t.og.ctx.jobs.runDue()) > 0);
}
let nodeIds: Record<string, string>;
const QIAOTOU_G02 = '430103007001G02';

beforeAll(async () => {
  t = await startTestApp();
  const rows = await t.og.ctx.db.selectFrom('org_nodes').select(['id', 'code']).where('level', 'in', ['street', 'community', 'grid']).execute();
  nodeIds = Object.fromEntries(rows.map((r) => [r.code, r.id]));
});
afterAll(async () => t?.close());

async function post(user: string, url: string, body: unknown, expected = 200) {
  const r = await t.req('POST', url, { cookie: await as(user), body });
  expect(r.statusCode, `${url}: ${r.body}`).toBe(expected);
  return r.json();
}

let phoneSeq = 0;
const phone = () => `1380000${String(1000 + phoneSeq++).slice(-4)}`;

async function newDispute(user = 'mediator.qiaotou', over: Record<string, unknown> = {}) {
  return post(
    user,
    '/api/mediation/disputes',
    {
      type: 'neighbour',
      title: '楼道堆物纠纷',
      description: '两户在楼道公共区域堆放杂物，互相指责占用通道。',
      nodeId: nodeIds[QIAOTOU_G02],
      parties: [
        { role: 'applicant', name: `赵一${phoneSeq}`, phone: phone() },
        { role: 'respondent', name: `钱二${phoneSeq}`, phone: phone() },
      ],
      ...over,
    },
    201,
  );
}

async function agree(user: string, id: string, terms: string[]) {
  const scheduled = await post(user, `/api/mediation/disputes/${id}/sessions`, { scheduledAt: t.clock.now().toISOString(), mode: 'in_person', location: '桥头社区调解室' }, 201);
  const session = scheduled.sessions.at(-1);
  return post(user, `/api/mediation/disputes/${id}/sessions/${session.id}/outcome`, {
    attendance: scheduled.parties.map((p: { name: string }) => ({ name: p.name, role: '当事人', present: true })),
    notes: '双方同意协议内容',
    outcome: 'agreement',
    terms,
  });
}

describe('demo data', () => {
  it('seeds an expert pool of every kind and disputes in every tier, with agreements and follow-ups', async () => {
    const c = await as('street_admin');
    const experts = (await t.req('GET', '/api/mediation/experts', { cookie: c })).json();
    expect(experts.length).toBeGreaterThanOrEqual(15);
    expect(new Set(experts.map((e: { kind: string }) => e.kind))).toEqual(new Set(['mediator', 'lawyer', 'sage', 'retired_cadre', 'party_rep', 'npc_deputy', 'cppcc_member', 'psychologist']));
    for (const e of experts) if (e.phone) expect(e.phone).toContain('****');
    const list = (await t.req('GET', '/api/mediation/disputes?pageSize=100', { cookie: c })).json();
    expect(new Set(list.items.map((d: { tier: string }) => d.tier))).toEqual(new Set(['grid', 'street', 'district']));
    // every seeded dispute is in a known state
    for (const d of list.items as { number: string; state: string }[]) expect(Object.keys(STATE_NAMES), d.number).toContain(d.state);
    for (const st of ['pending', 'mediating', 'agreed', 'partial', 'referred', 'closed']) expect(list.items.some((d: { state: string }) => d.state === st), st).toBe(true);
    const noise = list.items.find((d: { title: string }) => d.title.includes('噪音'));
    const detail = (await t.req('GET', `/api/mediation/disputes/${noise.id}`, { cookie: c })).json();
    expect(detail.agreements[0].terms[0]).toContain('安静时段');
    expect(detail.agreements[0].judicialStatus).toBe('confirmed');
    expect(detail.followups.map((f: { dayOffset: number }) => f.dayOffset)).toEqual([7, 30]);
    const wage = list.items.find((d: { type: string }) => d.type === 'labour');
    expect(wage.enterpriseRelated).toBe(true);
    expect((await t.req('GET', `/api/mediation/disputes/${wage.id}`, { cookie: c })).json().referral.to).toBe('arbitration');
  });
});

describe('tiers and escalation', () => {
  it('moves a dispute grid → street → district with the reason; each tier acts only at its level', async () => {
    const d = await newDispute();
    expect(d.tier).toBe('grid');
    expect(d.state).toBe('mediating');
    expect(d.mediators.map((m: { name: string; role: string }) => [m.name, m.role])).toEqual([['王建国', 'lead']]);

    // not down, not sideways, not without a reason
    expect((await t.req('POST', `/api/mediation/disputes/${d.id}/escalate`, { cookie: await as('mediator.qiaotou'), body: { toTier: 'grid', reason: '测试理由' } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/mediation/disputes/${d.id}/escalate`, { cookie: await as('mediator.qiaotou'), body: { toTier: 'street' } })).statusCode).toBe(400);
    // a mediator of another community does not even see it
    expect((await t.req('POST', `/api/mediation/disputes/${d.id}/escalate`, { cookie: await as('mediator.mulian'), body: { toTier: 'street', reason: '越权上交' } })).statusCode).toBe(404);

    const up = await post('mediator.qiaotou', `/api/mediation/disputes/${d.id}/escalate`, { toTier: 'street', reason: '双方情绪激动，社区调解两次未果' });
    expect(up.tier).toBe('street');
    expect(up.escalations).toEqual([expect.objectContaining({ fromTier: 'grid', toTier: 'street', reason: '双方情绪激动，社区调解两次未果', byName: '桥头调解员' })]);

    // the community mediator still sees it but the street center now handles it
    const view = (await t.req('GET', `/api/mediation/disputes/${d.id}`, { cookie: await as('mediator.qiaotou') })).json();
    expect(view.allowedActions).not.toContain('schedule');
    const blocked = await t.req('POST', `/api/mediation/disputes/${d.id}/sessions`, { cookie: await as('mediator.qiaotou'), body: { scheduledAt: '2026-11-25T02:00:00Z', mode: 'in_person', location: '社区' } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.message).toContain('街道');
    expect((await t.req('GET', `/api/mediation/disputes/${d.id}`, { cookie: await as('mediator.street') })).json().allowedActions).toEqual(expect.arrayContaining(['schedule', 'escalate']));
    await post('mediator.street', `/api/mediation/disputes/${d.id}/sessions`, { scheduledAt: '2026-11-25T02:00:00Z', mode: 'online', meetingUrl: '腾讯会议 123 456 789' }, 201);

    const top = await post('mediator.street', `/api/mediation/disputes/${d.id}/escalate`, { toTier: 'district', reason: '涉及多部门职责，需区级协调' });
    expect(top.tier).toBe('district');
    expect(top.escalations.map((e: { toTier: string }) => e.toTier)).toEqual(['street', 'district']);
    expect(top.allowedActions).not.toContain('escalate');
    expect((await t.req('POST', `/api/mediation/disputes/${d.id}/escalate`, { cookie: await as('mediator.district'), body: { toTier: 'district', reason: '再次上交' } })).statusCode).toBe(400);
    expect((await t.req('POST', `/api/mediation/disputes/${d.id}/mediators`, { cookie: await as('mediator.street'), body: { expertId: d.mediators[0].expertId, role: 'people' } })).statusCode).toBe(403);

    // 三调联动 at the district center: people's, administrative and judicial mediators together
    const pool = (await t.req('GET', '/api/mediation/experts?tier=district', { cookie: await as('mediator.district') })).json();
    const lead = pool.find((e: { mediationType: string; kind: string }) => e.mediationType === 'people' && e.kind === 'mediator');
    await post('mediator.district', `/api/mediation/disputes/${d.id}/mediators`, { expertId: lead.id, role: 'lead' });
    const judge = pool.find((e: { mediationType: string }) => e.mediationType === 'judicial');
    const admin = pool.find((e: { mediationType: string; kind: string }) => e.mediationType === 'administrative');
    await post('mediator.district', `/api/mediation/disputes/${d.id}/mediators`, { expertId: judge.id, role: 'judicial' });
    const joint = await post('mediator.district', `/api/mediation/disputes/${d.id}/mediators`, { expertId: admin.id, role: 'administrative' });
    expect(new Set(joint.mediators.map((m: { mediationType: string }) => m.mediationType))).toEqual(new Set(['people', 'judicial', 'administrative']));

    const audits = await t.og.ctx.db.selectFrom('audit_log').select(['action', 'after']).where('entity_id', '=', d.id).where('action', '=', 'mediation.dispute.escalate').execute();
    expect(audits).toHaveLength(2);
  });

  it('starts serious and enterprise-related disputes at a center and lists them first', async () => {
    const critical = await newDispute('mediator.street', { riskLevel: 'critical', title: '群体讨薪' });
    expect(critical.tier).toBe('district');
    const ent = await newDispute('mediator.street', { enterpriseRelated: true, title: '企业厂房租赁纠纷', type: 'property' });
    expect(ent.tier).toBe('street');
    const list = (await t.req('GET', '/api/mediation/disputes?state=mediating&pageSize=100', { cookie: await as('mediator.street') })).json();
    const firstPlain = list.items.findIndex((d: { enterpriseRelated: boolean }) => !d.enterpriseRelated);
    const lastEnterprise = list.items.map((d: { enterpriseRelated: boolean }) => d.enterpriseRelated).lastIndexOf(true);
    expect(lastEnterprise).toBeLessThan(firstPlain);
  });

  it('suggests people from the pool by type, place and load', async () => {
    const d = await newDispute('mediator.qiaotou', { type: 'family', title: '婚后财产纠纷' });
    const sug = (await t.req('GET', `/api/mediation/disputes/${d.id}/suggestions`, { cookie: await as('mediator.qiaotou') })).json();
    expect(sug.length).toBeGreaterThan(2);
    expect(sug.every((s: { available: boolean; load: number; maxLoad: number }) => s.available && s.load < s.maxLoad)).toBe(true);
    expect(sug.some((s: { expertId?: string; id: string }) => s.id === d.mediators[0].expertId)).toBe(false);
    expect(sug[0].expertise).toContain('family');
    for (let i = 1; i < sug.length; i++) expect(sug[i - 1].score).toBeGreaterThanOrEqual(sug[i].score);
    const psych = (await t.req('GET', `/api/mediation/disputes/${d.id}/suggestions?kind=psychologist`, { cookie: await as('mediator.qiaotou') })).json();
    expect(psych.length).toBeGreaterThan(0);
    expect(psych.every((s: { kind: string }) => s.kind === 'psychologist')).toBe(true);
  });
});

describe('agreements, PDF and judicial confirmation', () => {
  it('generates the agreement PDF with the parties and the terms, and tracks signing and judicial confirmation', async () => {
    const d = await newDispute('mediator.qiaotou', { parties: [{ role: 'applicant', name: '孙悦', phone: '13912345678' }, { role: 'respondent', name: '周海', phone: phone() }] });
    const agreed = await agree('mediator.qiaotou', d.id, ['每日22:00至次日7:00为安静时段，周海不在此时段装修。', '周海赔偿孙悦墙面修补费800元，于12月1日前付清。']);
    expect(agreed.state).toBe('agreed');
    const a = agreed.agreements[0];
    const pdf = await t.req('GET', a.pdfUrl, { cookie: await as('mediator.qiaotou') });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = (await pdfText(pdf.rawPayload)).join('\n');
    expect(text).toContain('人民调解协议书');
    expect(text).toContain('孙悦');
    expect(text).toContain('周海');
    expect(text).toContain('安静时段');
    expect(text).toContain('赔偿孙悦墙面修补费800元');
    expect(text).toContain(a.number);
    expect(text).toContain('139****5678');
    expect(text).not.toContain('13912345678');

    // judicial confirmation needs a signed agreement, then filed → confirmed
    expect((await t.req('POST', `/api/mediation/agreements/${a.id}/judicial`, { cookie: await as('mediator.qiaotou'), body: { status: 'filed', court: '天心区人民法院' } })).statusCode).toBe(409);
    expect((await post('mediator.qiaotou', `/api/mediation/agreements/${a.id}/sign`, {})).signed).toBe(true);
    expect((await t.req('POST', `/api/mediation/agreements/${a.id}/judicial`, { cookie: await as('mediator.qiaotou'), body: { status: 'confirmed' } })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/mediation/agreements/${a.id}/judicial`, { cookie: await as('mediator.qiaotou'), body: { status: 'filed' } })).statusCode).toBe(400);
    const filed = await post('mediator.qiaotou', `/api/mediation/agreements/${a.id}/judicial`, { status: 'filed', court: '天心区人民法院' });
    expect(filed.judicialStatus).toBe('filed');
    const confirmed = await post('mediator.qiaotou', `/api/mediation/agreements/${a.id}/judicial`, { status: 'confirmed', note: '（2026）湘0103民特123号' });
    expect(confirmed).toMatchObject({ judicialStatus: 'confirmed', judicialCourt: '天心区人民法院' });
    const signedPdf = (await pdfText((await t.req('GET', a.pdfUrl, { cookie: await as('mediator.qiaotou') })).rawPayload)).join('\n');
    expect(signedPdf).toContain('申请人（签名）：孙悦');
    // another community's mediator cannot download it
    expect((await t.req('GET', a.pdfUrl, { cookie: await as('mediator.mulian') })).statusCode).toBe(404);
  });

  it('records a failed mediation referred to court', async () => {
    const d = await newDispute();
    const s = await post('mediator.qiaotou', `/api/mediation/disputes/${d.id}/sessions`, { scheduledAt: '2026-11-24T02:00:00Z', mode: 'in_person', location: '社区调解室' }, 201);
    const noTerms = await t.req('POST', `/api/mediation/disputes/${d.id}/sessions/${s.sessions[0].id}/outcome`, { cookie: await as('mediator.qiaotou'), body: { attendance: [], notes: '—', outcome: 'agreement' } });
    expect(noTerms.statusCode).toBe(400);
    const failed = await post('mediator.qiaotou', `/api/mediation/disputes/${d.id}/sessions/${s.sessions[0].id}/outcome`, {
      attendance: [{ name: '赵一', role: '申请人', present: true }, { name: '钱二', role: '被申请人', present: false }],
      notes: '被申请人未到场',
      outcome: 'failed',
      referral: { to: 'court', institution: '天心区人民法院', reason: '被申请人拒绝调解，引导起诉' },
    });
    expect(failed.state).toBe('referred');
    expect(failed.referral).toMatchObject({ to: 'court', institution: '天心区人民法院' });
    expect(failed.sessions[0]).toMatchObject({ status: 'held', outcome: 'failed' });
    expect(failed.sessions[0].attendance[1].present).toBe(false);
  });
});

describe('follow-up visits', () => {
  it('creates the 7- and 30-day visits with the agreement; jobs make them due; kept visits close the dispute', async () => {
    const d = await newDispute();
    const agreed = await agree('mediator.qiaotou', d.id, ['钱二三日内清理楼道杂物。']);
    const created = t.clock.now().getTime();
    expect(agreed.followups.map((f: { dayOffset: number; status: string; dueAt: string }) => [f.dayOffset, f.status, new Date(f.dueAt).getTime() - created])).toEqual([
      [7, 'scheduled', 7 * 86_400_000],
      [30, 'scheduled', 30 * 86_400_000],
    ]);
    const jobs = await t.og.ctx.db.selectFrom('jobs').select(['kind', 'run_at', 'state']).where('unique_key', 'in', agreed.followups.map((f: { id: string }) => `mediation.followup:${f.id}`)).execute();
    expect(jobs).toHaveLength(2);

    advanceDays(7, 1);
    await drainJobs();
    let now = (await t.req('GET', `/api/mediation/disputes/${d.id}`, { cookie: await as('mediator.qiaotou') })).json();
    expect(now.followups.map((f: { status: string }) => f.status)).toEqual(['scheduled', 'scheduled']);
    advanceDays(0, -1);
    await drainJobs();
    now = (await t.req('GET', `/api/mediation/disputes/${d.id}`, { cookie: await as('mediator.qiaotou') })).json();
    expect(now.followups.map((f: { status: string }) => f.status)).toEqual(['due', 'scheduled']);
    const inbox = (await t.req('GET', '/api/notifications?pageSize=50', { cookie: await as('mediator.qiaotou') })).json();
    expect(inbox.items.some((n: { kind: string; data: { disputeId?: string } }) => n.kind === 'mediation.followup' && n.data.disputeId === d.id)).toBe(true);
    const due = (await t.req('GET', '/api/mediation/followups?status=due&pageSize=200', { cookie: await as('mediator.qiaotou') })).json();
    expect(due.items.some((f: { disputeId: string }) => f.disputeId === d.id)).toBe(true);

    const v7 = await post('mediator.qiaotou', `/api/mediation/followups/${now.followups[0].id}`, { outcome: 'kept', notes: '杂物已清理' });
    expect(v7.state).toBe('agreed');
    advanceDays(23);
    await drainJobs();
    const v30due = (await t.req('GET', `/api/mediation/disputes/${d.id}`, { cookie: await as('mediator.qiaotou') })).json();
    expect(v30due.followups[1].status).toBe('due');
    const closed = await post('mediator.qiaotou', `/api/mediation/followups/${v30due.followups[1].id}`, { outcome: 'kept', notes: '未再发生', counselling: true });
    expect(closed.state).toBe('closed');
    // the counselling referral brought a psychologist from the pool in
    expect(closed.mediators.some((m: { role: string; kind: string }) => m.role === 'counsellor' && m.kind === 'psychologist')).toBe(true);
    expect((await t.req('POST', `/api/mediation/followups/${v30due.followups[1].id}`, { cookie: await as('mediator.qiaotou'), body: { outcome: 'kept', notes: '重复' } })).statusCode).toBe(409);
  });

  it('a broken agreement reopens the dispute and cancels the remaining visit', async () => {
    const d = await newDispute();
    const agreed = await agree('mediator.qiaotou', d.id, ['钱二一周内搬走楼道内的旧沙发。']);
    const [v7, v30] = agreed.followups;
    const reopened = await post('mediator.qiaotou', `/api/mediation/followups/${v7.id}`, { outcome: 'broken', notes: '沙发仍未搬走，双方再次争吵' });
    expect(reopened.state).toBe('mediating');
    expect(reopened.reopenCount).toBe(1);
    expect(reopened.followups.find((f: { id: string }) => f.id === v30.id).status).toBe('cancelled');
    const job = await t.og.ctx.db.selectFrom('jobs').select('state').where('unique_key', '=', `mediation.followup:${v30.id}`).executeTakeFirstOrThrow();
    expect(job.state).toBe('cancelled');
    // a new agreement supersedes the broken one and schedules its own visits
    const again = await agree('mediator.qiaotou', d.id, ['钱二当日搬走旧沙发，社区协助清运。']);
    expect(again.agreements.map((a: { superseded: boolean }) => a.superseded)).toEqual([true, false]);
    expect(again.followups.filter((f: { status: string }) => f.status === 'scheduled')).toHaveLength(2);
  });
});

describe('early warning', () => {
  it('flags repeated disputes of the same parties, rising risk and many contacts to the street center', async () => {
    const p1 = phone();
    const p2 = phone();
    const parties = [{ role: 'applicant', name: '吴三', phone: p1 }, { role: 'respondent', name: '郑四', phone: p2 }];
    const first = await newDispute('mediator.qiaotou', { parties, title: '车位纠纷' });
    expect(first.warnings, JSON.stringify(first.warnings)).toEqual([]);
    expect(first.warned).toBe(false);
    // same parties again (phones match even when the names are written differently)
    const second = await newDispute('mediator.qiaotou', { parties: [{ role: 'applicant', name: '吴 三', phone: p1 }, { role: 'respondent', name: '郑四', phone: p2 }], title: '车位纠纷再起' });
    expect(second.warned).toBe(true);
    expect(second.warnings.map((w: { rule: string }) => w.rule)).toEqual(['repeat']);

    // rising risk: low → medium is not flagged, → high is
    const third = await newDispute('mediator.qiaotou', { title: '噪音' });
    expect((await t.req('PATCH', `/api/mediation/disputes/${third.id}`, { cookie: await as('mediator.qiaotou'), body: { riskLevel: 'medium' } })).json().warnings).toEqual([]);
    const risen = (await t.req('PATCH', `/api/mediation/disputes/${third.id}`, { cookie: await as('mediator.qiaotou'), body: { riskLevel: 'high', reason: '一方扬言报复' } })).json();
    expect(risen.warnings.map((w: { rule: string }) => w.rule)).toEqual(['rising_risk']);

    // many contacts: the third contact within 30 days
    const fourth = await newDispute('mediator.qiaotou', { title: '占道' });
    await post('mediator.qiaotou', `/api/mediation/disputes/${fourth.id}/contacts`, { channel: 'phone', note: '来电' });
    const two = await post('mediator.qiaotou', `/api/mediation/disputes/${fourth.id}/contacts`, { channel: 'visit', note: '来访' });
    expect(two.warnings).toEqual([]);
    const three = await post('mediator.qiaotou', `/api/mediation/disputes/${fourth.id}/contacts`, { channel: 'petition', note: '到街道信访' });
    expect(three.warnings.map((w: { rule: string }) => w.rule)).toEqual(['many_contacts']);

    // the street center sees them and is notified; a community mediator cannot acknowledge
    const street = (await t.req('GET', '/api/mediation/warnings?status=open&pageSize=200', { cookie: await as('mediator.street') })).json();
    const ids = street.items.map((w: { disputeId: string }) => w.disputeId);
    expect(ids).toEqual(expect.arrayContaining([second.id, third.id, fourth.id]));
    const inbox = (await t.req('GET', '/api/notifications?pageSize=100', { cookie: await as('street_admin') })).json();
    expect(inbox.items.filter((n: { kind: string }) => n.kind === 'mediation.warning').length).toBeGreaterThanOrEqual(3);
    const w = street.items.find((x: { disputeId: string }) => x.disputeId === second.id);
    expect((await t.req('POST', `/api/mediation/warnings/${w.id}/ack`, { cookie: await as('mediator.qiaotou'), body: { note: '知悉' } })).statusCode).toBe(403);
    expect((await post('mediator.street', `/api/mediation/warnings/${w.id}/ack`, { note: '已安排街道调处中心介入' })).status).toBe('acknowledged');
    // another community sees none of these
    const other = (await t.req('GET', '/api/mediation/warnings?pageSize=200', { cookie: await as('mediator.mulian') })).json();
    expect(other.items.some((x: { disputeId: string }) => ids.includes(x.disputeId))).toBe(false);
  });
});

describe('online applications, scope and personal data', () => {
  it('a resident applies online, sees only their own applications; the community mediator accepts it', async () => {
    const res = await as('resident.qiaotou');
    const applied = await post(
      'resident.qiaotou',
      '/api/mediation/apply',
      { type: 'neighbour', title: '楼上噪音', description: '楼上每晚十一点后还在装修，影响休息。', claims: '晚上10点后停止施工', parties: [{ role: 'applicant', name: '申请人甲', phone: '13711112222' }, { role: 'respondent', name: '楼上住户' }] },
      201,
    );
    expect(applied).toMatchObject({ state: 'pending', source: 'online', tier: 'grid' });
    expect(applied.nodePath.split('/')).toHaveLength(5); // the grid, not the household
    const mine = (await t.req('GET', '/api/mediation/disputes', { cookie: res })).json();
    expect(mine.items.map((d: { id: string }) => d.id)).toContain(applied.id);
    expect(mine.items.every((d: { source: string }) => d.source === 'online')).toBe(true);
    const other = (await t.req('GET', '/api/mediation/disputes?pageSize=100', { cookie: await as('mediator.street') })).json().items.find((d: { source: string; id: string }) => d.id !== applied.id && d.source !== 'online');
    expect((await t.req('GET', `/api/mediation/disputes/${other.id}`, { cookie: res })).statusCode).toBe(404);
    const asStaff = { type: 'neighbour', title: '越权登记', description: '居民不能以调解员身份登记纠纷', nodeId: nodeIds[QIAOTOU_G02], parties: [{ role: 'applicant', name: '甲' }, { role: 'respondent', name: '乙' }] };
    expect((await t.req('POST', '/api/mediation/disputes', { cookie: res, body: asStaff })).statusCode).toBe(403);

    const inbox = (await t.req('GET', '/api/notifications?pageSize=50', { cookie: await as('mediator.qiaotou') })).json();
    expect(inbox.items.some((n: { kind: string; data: { disputeId?: string } }) => n.kind === 'mediation.applied' && n.data.disputeId === applied.id)).toBe(true);
    expect((await t.req('GET', `/api/mediation/disputes/${applied.id}`, { cookie: await as('mediator.mulian') })).statusCode).toBe(404);
    const accepted = await post('mediator.qiaotou', `/api/mediation/disputes/${applied.id}/accept`, {});
    expect(accepted.state).toBe('mediating');
    expect((await t.req('GET', `/api/mediation/disputes/${applied.id}`, { cookie: res })).json().state).toBe('mediating');
  });

  it('the street sees the whole street, a community only itself; dept handlers other than TJ see nothing', async () => {
    const street = (await t.req('GET', '/api/mediation/disputes?pageSize=200', { cookie: await as('mediator.street') })).json();
    const community = (await t.req('GET', '/api/mediation/disputes?pageSize=200', { cookie: await as('mediator.qiaotou') })).json();
    expect(community.items.every((d: { nodePath: string }) => d.nodePath.startsWith('430103/430103007/430103007001'))).toBe(true);
    expect(street.total).toBeGreaterThan(community.total);
    expect(street.items.some((d: { nodePath: string }) => d.nodePath.includes('430103007003'))).toBe(true);
    const tj = (await t.req('GET', '/api/mediation/disputes?pageSize=1', { cookie: await as('dept.tj') })).json();
    expect(tj.total).toBe(street.total);
    expect((await t.req('GET', '/api/mediation/disputes?pageSize=1', { cookie: await as('dept.sz') })).json().total).toBe(0);
    expect((await t.req('GET', `/api/mediation/disputes?nodeId=${nodeIds['430103007002']}`, { cookie: await as('mediator.qiaotou') })).statusCode).toBe(403);
  });

  it('encrypts parties\' contacts, masks them, and logs a reveal', async () => {
    const d = await newDispute('mediator.qiaotou', { parties: [{ role: 'applicant', name: '冯五', phone: '13655556666', address: '桥头小区3栋2单元501' }, { role: 'respondent', name: '陈六' }] });
    expect(d.parties[0].phone).toBe('136****6666');
    expect(d.parties[0].address).toBe('桥头小区3栋****');
    const row = await t.og.ctx.db.selectFrom('mediation_parties').selectAll().where('dispute_id', '=', d.id).where('name', '=', '冯五').executeTakeFirstOrThrow();
    expect(row.phone_enc).not.toContain('13655556666');
    expect(t.og.ctx.cipher.decrypt(row.phone_enc)).toBe('13655556666');
    const shown = (await t.req('GET', `/api/mediation/disputes/${d.id}?reveal=true`, { cookie: await as('mediator.qiaotou') })).json();
    expect(shown.parties[0].phone).toBe('13655556666');
    const log = await t.og.ctx.db.selectFrom('data_access_log').selectAll().where('entity_id', '=', d.id).execute();
    expect(log).toHaveLength(1);
    expect((await t.req('GET', `/api/mediation/disputes/${d.id}?reveal=true`, { cookie: await as('auditor') })).statusCode).toBe(403);
    const audited = await t.og.ctx.db.selectFrom('audit_log').select('after').where('entity_id', '=', d.id).where('action', '=', 'mediation.dispute.create').executeTakeFirstOrThrow();
    expect(JSON.stringify(audited.after)).not.toContain('13655556666');
  });
});

describe('legal aid', () => {
  it('matches a resident\'s and an enterprise\'s questions to lawyers in the pool; a mediator answers', async () => {
    const r = await post('resident.qiaotou', '/api/mediation/legal-aid', { requesterKind: 'resident', name: '居民甲', phone: '13811112222', topic: 'labour', question: '公司拖欠我两个月工资，怎么办？' }, 201);
    expect(r.status).toBe('matched');
    expect(r.expert.kindName).toBe('律师');
    const e = await post('partner.qiaotou', '/api/mediation/legal-aid', { requesterKind: 'enterprise', enterpriseName: '桥头便民超市', name: '店长', topic: 'consumer', question: '顾客购买临期食品要求十倍赔偿，是否合理？', nodeId: nodeIds['430103007001'] }, 201);
    expect(e.status).toBe('matched');
    expect((await t.req('POST', '/api/mediation/legal-aid', { cookie: await as('partner.qiaotou'), body: { requesterKind: 'enterprise', name: '店长', topic: 'consumer', question: '没有企业名称', nodeId: nodeIds['430103007001'] } })).statusCode).toBe(400);
    const answered = await post('mediator.qiaotou', `/api/mediation/legal-aid/${r.id}`, { answer: '可向劳动保障监察大队投诉，或申请劳动仲裁。' });
    expect(answered.status).toBe('answered');
    const mine = (await t.req('GET', '/api/mediation/legal-aid', { cookie: await as('resident.qiaotou') })).json();
    expect(mine.items.find((x: { id: string }) => x.id === r.id).answer).toContain('劳动仲裁');
    expect(mine.items.some((x: { id: string }) => x.id === e.id)).toBe(false);
  });
});

describe('statistics', () => {
  it('counts by type and tier, success rate, average time and follow-ups kept within scope', async () => {
    const s = (await t.req('GET', '/api/mediation/statistics', { cookie: await as('mediator.street') })).json();
    expect(s.total).toBe(s.byType.reduce((a: number, x: { count: number }) => a + x.count, 0));
    expect(s.total).toBe(s.byTier.reduce((a: number, x: { count: number }) => a + x.count, 0));
    expect(s.successRate).toBeCloseTo(s.succeeded / s.concluded, 3);
    expect(s.averageDays).toBeGreaterThanOrEqual(0);
    expect(s.followups.done).toBe(s.followups.kept + s.followups.partlyKept + s.followups.broken);
    expect(s.followups.keptRate).toBeCloseTo(s.followups.kept / s.followups.done, 3);
    const c = (await t.req('GET', '/api/mediation/statistics', { cookie: await as('mediator.mulian') })).json();
    expect(c.total).toBeLessThan(s.total);
  });
});

describe('handover from cases', () => {
  it('a 矛盾纠纷 case dispatched to the center becomes a dispute keeping the link; the agreement reports back to the case', async () => {
    const res = await as('resident.qiaotou');
    const { pointIn, QIAOTOU_G01 } = await import('../cases/testing.js');
    const rep = await t.req('POST', '/api/cases', { cookie: res, body: { description: '邻居在公共楼道堆放杂物堵塞通道，沟通无果引发争吵', location: pointIn(QIAOTOU_G01), reporter: { name: '王某', phone: '13722223333' } } });
    expect(rep.statusCode).toBe(201);
    let c = rep.json();
    if (c.state === 'reported') {
      const dispatched = await t.req('POST', `/api/cases/${c.id}/dispatch`, { cookie: await as('dispatcher'), body: { version: c.version, categoryCode: 'DP01', departmentCode: 'TJ' } });
      expect(dispatched.statusCode, dispatched.body).toBe(200);
      c = dispatched.json();
    }
    await settleHandovers(t.og.ctx);
    const list = (await t.req('GET', '/api/mediation/disputes?pageSize=200', { cookie: await as('dept.tj') })).json();
    const d = list.items.find((x: { caseId: string | null }) => x.caseId === c.id);
    expect(d).toMatchObject({ source: 'case', type: 'neighbour', state: 'pending' });
    const detail = (await t.req('GET', `/api/mediation/disputes/${d.id}?reveal=true`, { cookie: await as('mediator.qiaotou') })).json();
    expect(detail.parties[0]).toMatchObject({ role: 'applicant', name: '王某', phone: '13722223333' });
    // a second handover of the same case returns the same dispute
    const again = await t.req('POST', '/api/mediation/disputes/from-case', { cookie: await as('dept.tj'), body: { caseId: c.id } });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(d.id);
    // a case of another kind cannot be handed over
    const other = await t.req('POST', '/api/cases', { cookie: res, body: { description: '路灯不亮', location: pointIn(QIAOTOU_G01), category: 'UF03' } });
    expect((await t.req('POST', '/api/mediation/disputes/from-case', { cookie: await as('mediator.qiaotou'), body: { caseId: other.json().id } })).statusCode).toBe(400);

    await post('mediator.qiaotou', `/api/mediation/disputes/${d.id}/accept`, {});
    await agree('mediator.qiaotou', d.id, ['双方各自清理楼道内杂物，今后不在楼道堆物。']);
    await settleHandovers(t.og.ctx);
    const caseNow = (await t.req('GET', `/api/cases/${c.id}`, { cookie: await as('dispatcher') })).json();
    expect(caseNow.state).toBe('resolved');
    expect(JSON.stringify(caseNow.timeline)).toContain('达成协议');
  });
});

describe('bad input and audit', () => {
  it('answers malformed bodies with 4xx and keeps the audit chain intact', async () => {
    const c = await as('mediator.qiaotou');
    for (const [url, body] of [
      ['/api/mediation/disputes', { type: 'x' }],
      ['/api/mediation/disputes', { type: 'neighbour', title: 'ab', description: '描述描述描述', parties: [{ role: 'applicant', name: 'a' }] }],
      ['/api/mediation/legal-aid', { question: 1 }],
    ] as const) {
      const r = await t.req('POST', url, { cookie: c, body });
      expect(r.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, url).toBeLessThan(500);
    }
    expect((await t.req('POST', '/api/mediation/disputes/00000000-0000-7000-8000-000000000000/accept', { cookie: c, body: {} })).statusCode).toBe(404);
    expect((await t.req('GET', '/api/mediation/disputes/not-a-uuid', { cookie: c })).statusCode).toBe(400);
    expect((await verifyAuditChain(t.og.ctx.db)).ok).toBe(true);
  });
});
