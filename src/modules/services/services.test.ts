import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import sharp from 'sharp';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { systemActor } from '../../platform/auth/actor.js';
import { createUser } from '../../platform/auth/service.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import { storePhotos } from '../../platform/files/index.js';
import type { DomainEvent } from '../../platform/events.js';

let t: TestApp;
let demoHash: string;
const code = (c: string) => sql<{ id: string; path: string; name: string; props: Record<string, unknown> }>`SELECT id, path, name, props FROM org_nodes WHERE code = ${c}`;

beforeAll(async () => {
  t = await startTestApp();
  demoHash = await hashPassword('onegrid-demo');
});
afterAll(async () => {
  await t?.close();
});

/** Runs due jobs until none is left (a call claims at most one batch). */
async function runAllDue(): Promise<void> {
  while ((await t.og.ctx.jobs.runDue()) > 0);
}

async function node(c: string) {
  return (await code(c).execute(t.og.ctx.db)).rows[0]!;
}

/** Creates resident accounts for the given residents (username r.<n>), returns cookies. */
async function residentAccounts(ids: string[], prefix: string): Promise<string[]> {
  const cookies: string[] = [];
  for (const [i, id] of ids.entries()) {
    await createUser(t.og.ctx, systemActor(), { username: `${prefix}.${i}`, displayName: `居民${prefix}${i}`, password: 'onegrid-demo', passwordHash: demoHash, roles: ['resident'], residentId: id });
    cookies.push(await t.login(`${prefix}.${i}`));
  }
  return cookies;
}

const json = <T = any>(r: { body: string }) => JSON.parse(r.body) as T; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('announcements', () => {
  it('targeting by tag reaches exactly the intended residents, and only their accounts get the inbox message', async () => {
    const admin = await t.login('community_admin.qiaotou');
    const community = await node('430103007001');
    const db = t.og.ctx.db;
    // the residents the registry says are elderly living alone or of great age, inside the community, in the register
    const expected = (
      await sql<{ id: string }>`SELECT id FROM residents WHERE status = 'resident' AND (node_path = ${community.path} OR node_path LIKE ${community.path + '/%'}) AND ('独居老人' = ANY(tags) OR '高龄' = ANY(tags))`.execute(db)
    ).rows.map((r) => r.id);
    expect(expected.length).toBeGreaterThan(3);
    // elderly with the same tags elsewhere exist (so a leak outside the scope would show)
    const outside = (await sql<{ id: string }>`SELECT id FROM residents WHERE node_path NOT LIKE ${community.path + '/%'} AND '独居老人' = ANY(tags) LIMIT 1`.execute(db)).rows[0]!.id;
    const untagged = (await sql<{ id: string }>`SELECT id FROM residents WHERE node_path LIKE ${community.path + '/%'} AND NOT ('独居老人' = ANY(tags) OR '高龄' = ANY(tags)) LIMIT 1`.execute(db)).rows[0]!.id;
    const [inCookie, outCookie, otherCookie] = await residentAccounts([expected[0]!, untagged, outside], 'tgt');

    const preview = json(await t.req('POST', '/api/services/announcements/audience', { cookie: admin, body: { nodeId: community.id, tags: ['独居老人', '高龄'] } }));
    expect(preview.residents).toBe(expected.length);

    const r = await t.req('POST', '/api/services/announcements', { cookie: admin, body: { nodeId: community.id, title: '老年食堂开餐', body: '每天中午供餐', category: 'canteen', tags: ['独居老人', '高龄'], publish: true } });
    expect(r.statusCode).toBe(201);
    const a = json(r);
    expect(a.status).toBe('published');
    expect(a.audienceCount).toBe(expected.length);
    expect(a.onBoard).toBe(false); // a notice for a group stays off public screens unless asked
    const got = (await sql<{ resident_id: string }>`SELECT resident_id FROM svc_announcement_recipients WHERE announcement_id = ${a.id}`.execute(db)).rows.map((x) => x.resident_id);
    expect(new Set(got)).toEqual(new Set(expected));

    // inbox: the targeted resident's account has it, the untagged neighbour's and the outsider's do not
    const inbox = async (c: string) => json((await t.req('GET', '/api/notifications', { cookie: c }))).items.filter((n: { data: { announcementId?: string } }) => n.data.announcementId === a.id).length;
    expect(await inbox(inCookie!)).toBe(1);
    expect(await inbox(outCookie!)).toBe(0);
    expect(await inbox(otherCookie!)).toBe(0);

    // H5: the targeted resident sees it and reading it records the receipt
    const mine = json(await t.req('GET', '/api/services/my/announcements', { cookie: inCookie }));
    expect(mine.find((x: { id: string }) => x.id === a.id)?.read).toBe(false);
    expect(json(await t.req('GET', '/api/services/my/announcements', { cookie: outCookie })).some((x: { id: string }) => x.id === a.id)).toBe(false);
    expect((await t.req('POST', `/api/services/my/announcements/${a.id}/read`, { cookie: outCookie })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/services/my/announcements/${a.id}/read`, { cookie: inCookie })).statusCode).toBe(200);
    const receipts = json(await t.req('GET', `/api/services/announcements/${a.id}/receipts`, { cookie: admin }));
    expect(receipts.read).toBe(1);
    expect(receipts.items.find((x: { residentId: string }) => x.residentId === expected[0]).readAt).not.toBeNull();

    // another community's admin cannot see it (404), nor publish to this community (403)
    const other = await t.login('community_admin.mulian');
    expect((await t.req('GET', `/api/services/announcements/${a.id}`, { cookie: other })).statusCode).toBe(404);
    expect((await t.req('POST', '/api/services/announcements', { cookie: other, body: { nodeId: community.id, title: 'x', body: 'y' } })).statusCode).toBe(403);
    // residents may not publish
    expect((await t.req('POST', '/api/services/announcements', { cookie: inCookie, body: { nodeId: community.id, title: 'x', body: 'y' } })).statusCode).toBe(403);
  });

  it('targeting by age range uses the registry birth dates', async () => {
    const admin = await t.login('community_admin.qiaotou');
    const estate = await node('430103007001E1');
    const r = json(await t.req('POST', '/api/services/announcements', { cookie: admin, body: { nodeId: estate.id, title: '健康讲座', body: '量血压', minAge: 60, maxAge: 79, publish: true } }));
    const now = t.clock.now();
    const all = (await sql<{ id: string; birth_date: string }>`SELECT id, birth_date FROM residents WHERE status = 'resident' AND node_path LIKE ${estate.path + '/%'} AND birth_date IS NOT NULL`.execute(t.og.ctx.db)).rows;
    const local = new Date(now.getTime() + 8 * 3_600_000);
    const age = (b: string) => {
      const [y, m, d] = b.split('-').map(Number) as [number, number, number];
      let a = local.getUTCFullYear() - y;
      if (local.getUTCMonth() + 1 < m || (local.getUTCMonth() + 1 === m && local.getUTCDate() < d)) a--;
      return a;
    };
    const expected = all.filter((x) => age(x.birth_date) >= 60 && age(x.birth_date) <= 79).map((x) => x.id);
    expect(expected.length).toBeGreaterThan(0);
    const got = (await sql<{ resident_id: string }>`SELECT resident_id FROM svc_announcement_recipients WHERE announcement_id = ${r.id}`.execute(t.og.ctx.db)).rows.map((x) => x.resident_id);
    expect(new Set(got)).toEqual(new Set(expected));
  });

  it('suggests targeting from the registry: tags over-represented in a place', async () => {
    const admin = await t.login('community_admin.qiaotou');
    const community = await node('430103007001');
    const s = json(await t.req('GET', `/api/services/announcements/suggest?nodeId=${community.id}`, { cookie: admin }));
    expect(s.residents).toBeGreaterThan(0);
    for (const g of s.groups) {
      expect(g.share).toBeCloseTo(s.residents ? g.count / s.residents : 0, 6);
      expect(g.suggested).toBe(g.count >= 3 && g.share >= g.baseline * 1.2 && g.share > 0);
    }
  });

  it('the board feed validates as RSS 2.0; group notices, other places and expired notices stay off it', async () => {
    const admin = await t.login('community_admin.qiaotou');
    const estate = await node('430103007001E2');
    const pub = json(await t.req('POST', '/api/services/announcements', { cookie: admin, body: { nodeId: estate.id, title: '电梯检修 & <维护> 通知', body: '明天 9:00–11:00 检修 "1号" 电梯', pinned: true, expiresAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString(), publish: true } }));
    const group = json(await t.req('POST', '/api/services/announcements', { cookie: admin, body: { nodeId: estate.id, title: '低保复核', body: '请提交材料', tags: ['低保'], publish: true } }));
    const feedOf = async (nodeCode: string) => {
      const r = await t.req('GET', `/api/services/feed.rss?node=${nodeCode}`);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/rss\+xml/);
      return r.body;
    };
    // a building of the estate shows the estate's, the community's and the street's board notices
    const building = '430103007001G04B1'; // estate E2 holds grids G04–G06
    const xml = await feedOf(building);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => name === 'item' }).parse(xml);
    expect(doc.rss['@version']).toBe('2.0');
    const ch = doc.rss.channel;
    for (const k of ['title', 'link', 'description']) expect(typeof ch[k] === 'string' && ch[k].length > 0).toBe(true);
    const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;
    expect(ch.lastBuildDate).toMatch(RFC822);
    const items = ch.item as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(items.length).toBeGreaterThan(1);
    for (const it of items) {
      expect(Boolean(it.title) || Boolean(it.description)).toBe(true);
      expect(it.pubDate).toMatch(RFC822);
      expect(it.link).toMatch(/^http:\/\/localhost(:\d+)?\/h5\/notices\?id=/);
      expect(it.guid['@isPermaLink']).toBe('false');
    }
    const guids = items.map((i) => i.guid['#text']);
    expect(guids).toContain(pub.id);
    expect(items.find((i) => i.guid['#text'] === pub.id)!.title).toBe('【置顶】电梯检修 & <维护> 通知');
    expect(guids).not.toContain(group.id);
    // every item is published to this building or a place above it
    const rows = (await sql<{ id: string; scope_path: string }>`SELECT id, scope_path FROM svc_announcements WHERE id = ANY(${guids}::uuid[])`.execute(t.og.ctx.db)).rows;
    const b = await node(building);
    for (const r of rows) expect(b.path === r.scope_path || b.path.startsWith(r.scope_path + '/')).toBe(true);
    // another estate's building does not show this estate's notice
    expect(await feedOf('430103007001G01B1')).not.toContain(pub.id);
    // JSON for hall screens carries the same
    const j = json(await t.req('GET', `/api/services/feed.json?node=${building}`));
    expect(j.items.map((x: { id: string }) => x.id)).toEqual(guids);
    // expiry: the job marks it expired and it leaves the board
    t.clock.advanceMinutes(61);
    await runAllDue();
    expect(json(await t.req('GET', `/api/services/announcements/${pub.id}`, { cookie: admin })).status).toBe('expired');
    expect(await feedOf(building)).not.toContain(pub.id);
    expect((await t.req('GET', '/api/services/feed.rss?node=nope')).statusCode).toBe(404);
  });

  it('prints the notice sheet as a PDF', async () => {
    const admin = await t.login('community_admin.qiaotou');
    const list = json(await t.req('GET', '/api/services/announcements?status=published', { cookie: admin }));
    const r = await t.req('GET', `/api/services/announcements/${list.items[0].id}/sheet.pdf`, { cookie: admin });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('application/pdf');
    expect(r.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });
});

describe('activities', () => {
  async function residentsOf(c: string, n: number): Promise<string[]> {
    const p = (await node(c)).path;
    return (await sql<{ id: string }>`SELECT id FROM residents WHERE status = 'resident' AND node_path LIKE ${p + '/%'} ORDER BY id LIMIT ${n}`.execute(t.og.ctx.db)).rows.map((r) => r.id);
  }

  it('the waiting list promotes in order on cancellation under concurrent sign-ups, without overbooking', async () => {
    const admin = await t.login('community_admin.mulian');
    const community = await node('430103007002');
    const start = new Date(t.clock.now().getTime() + 3 * 86_400_000);
    const act = json(await t.req('POST', '/api/services/activities', { cookie: admin, body: { nodeId: community.id, title: '书法班', kind: 'interest_class', location: '书画室', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 5_400_000).toISOString(), capacity: 4 } }));
    const ids = await residentsOf('430103007002', 14);
    const cookies = await residentAccounts(ids, 'wl');
    // 12 sign up at once
    const first = await Promise.all(cookies.slice(0, 12).map((c) => t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: c, body: {} })));
    expect(first.map((r) => r.statusCode)).toEqual(Array(12).fill(201));
    const roster = async () => json(await t.req('GET', `/api/services/activities/${act.id}/signups`, { cookie: admin }));
    let r = await roster();
    const confirmed = r.items.filter((s: { status: string }) => s.status === 'confirmed');
    const waiting = r.items.filter((s: { status: string }) => s.status === 'waiting');
    expect(confirmed.length).toBe(4);
    expect(waiting.length).toBe(8);
    expect(waiting.map((s: { position: number }) => s.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const seqOf = async () => new Map((await sql<{ id: string; seq: number; status: string }>`SELECT id, seq, status FROM svc_signups WHERE activity_id = ${act.id}`.execute(t.og.ctx.db)).rows.map((x) => [x.id, x]));
    let seqs = await seqOf();
    // the confirmed are the first four to sign up; the waiting list is in sign-up order
    expect(Math.max(...confirmed.map((s: { id: string }) => seqs.get(s.id)!.seq))).toBeLessThan(Math.min(...waiting.map((s: { id: string }) => seqs.get(s.id)!.seq)));
    const waitSeqs = waiting.map((s: { id: string }) => seqs.get(s.id)!.seq);
    expect([...waitSeqs].sort((a, b) => a - b)).toEqual(waitSeqs);
    // each resident's own view agrees with the roster
    const w1 = waiting[0];
    const wIdx = ids.indexOf(w1.residentId);
    const mineView = json(await t.req('GET', `/api/services/my/activities/${act.id}`, { cookie: cookies[wIdx] }));
    expect(mineView.mine.status).toBe('waiting');
    expect(mineView.mine.position).toBe(1);
    // signing up twice is refused
    expect((await t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: cookies[0], body: {} })).statusCode).toBe(409);

    // two confirmed cancel while two more residents sign up, all at once
    const cancellers = confirmed.slice(0, 2).map((s: { residentId: string }) => cookies[ids.indexOf(s.residentId)]!);
    const mixed = await Promise.all([
      ...cancellers.map((c: string) => t.req('POST', `/api/services/activities/${act.id}/signup/cancel`, { cookie: c, body: {} })),
      ...cookies.slice(12, 14).map((c) => t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: c, body: {} })),
    ]);
    expect(mixed.map((x) => x.statusCode)).toEqual([200, 200, 201, 201]);
    r = await roster();
    const nowConfirmed = r.items.filter((s: { status: string }) => s.status === 'confirmed');
    const nowWaiting = r.items.filter((s: { status: string }) => s.status === 'waiting');
    expect(nowConfirmed.length).toBe(4);
    // the first two on the waiting list were promoted, in order
    const promoted = nowConfirmed.filter((s: { promotedAt: string | null }) => s.promotedAt).map((s: { id: string }) => s.id);
    expect(new Set(promoted)).toEqual(new Set([waiting[0].id, waiting[1].id]));
    // the rest keep their order, the newcomers at the end
    seqs = await seqOf();
    expect(nowWaiting.map((s: { id: string }) => s.id).slice(0, 6)).toEqual(waiting.slice(2).map((s: { id: string }) => s.id));
    expect(nowWaiting.length).toBe(8);
    const nw = nowWaiting.map((s: { id: string }) => seqs.get(s.id)!.seq);
    expect([...nw].sort((a, b) => a - b)).toEqual(nw);
    // the promoted resident is told
    const promotedCookie = cookies[ids.indexOf(waiting[0].residentId)]!;
    const inbox = json(await t.req('GET', '/api/notifications', { cookie: promotedCookie }));
    expect(inbox.items.some((n: { title: string }) => n.title.startsWith('候补成功'))).toBe(true);

    // many cancellations at once never overbook and keep promoting in order
    const all = await roster();
    const conf = all.items.filter((s: { status: string }) => s.status === 'confirmed');
    const wait = all.items.filter((s: { status: string }) => s.status === 'waiting');
    await Promise.all(conf.map((s: { residentId: string }) => t.req('POST', `/api/services/activities/${act.id}/signup/cancel`, { cookie: cookies[ids.indexOf(s.residentId)]!, body: {} })));
    const after = await roster();
    const c2 = after.items.filter((s: { status: string }) => s.status === 'confirmed').map((s: { id: string }) => s.id);
    expect(new Set(c2)).toEqual(new Set(wait.slice(0, 4).map((s: { id: string }) => s.id)));
    const n = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM svc_signups WHERE activity_id = ${act.id} AND status = 'confirmed'`.execute(t.og.ctx.db)).rows[0]!.n;
    expect(n).toBe(4);
  });

  it('checks eligibility, reminds the day before, and checks in by the QR token in the time window', async () => {
    const admin = await t.login('community_admin.qiaotou');
    const community = await node('430103007001');
    const start = new Date(t.clock.now().getTime() + 2 * 86_400_000);
    const act = json(await t.req('POST', '/api/services/activities', { cookie: admin, body: { nodeId: community.id, title: '智能手机课堂', kind: 'digital_skills', location: '活动室', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3_600_000).toISOString(), capacity: 5, minAge: 60 } }));
    const p = community.path;
    const old = (await sql<{ id: string }>`SELECT id FROM residents WHERE status = 'resident' AND node_path LIKE ${p + '/%'} AND birth_date < '1960-01-01' ORDER BY id LIMIT 1`.execute(t.og.ctx.db)).rows[0]!.id;
    const young = (await sql<{ id: string }>`SELECT id FROM residents WHERE status = 'resident' AND node_path LIKE ${p + '/%'} AND birth_date > '1995-01-01' ORDER BY id LIMIT 1`.execute(t.og.ctx.db)).rows[0]!.id;
    const mulian = (await node('430103007002')).path;
    const outsider = (await sql<{ id: string }>`SELECT id FROM residents WHERE status = 'resident' AND node_path LIKE ${mulian + '/%'} AND birth_date < '1960-01-01' ORDER BY id LIMIT 1`.execute(t.og.ctx.db)).rows[0]!.id;
    const [oldC, youngC, outC] = await residentAccounts([old, young, outsider], 'el');
    const y = await t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: youngC, body: {} });
    expect(y.statusCode).toBe(403);
    expect(json(y).error.message).toContain('60 岁及以上');
    expect((await t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: outC, body: {} })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: oldC, body: {} })).statusCode).toBe(201);
    // proxy service: a grid worker signs up an elder of their grid for this community-wide activity,
    // but cannot reach a resident outside their grid
    const gw = await t.login('grid_worker.qiaotou');
    const g01 = (await node('430103007001G01')).path;
    const elder = (await sql<{ id: string }>`SELECT id FROM residents WHERE status = 'resident' AND node_path LIKE ${g01 + '/%'} AND birth_date < '1960-01-01' AND id <> ${old} ORDER BY id LIMIT 1`.execute(t.og.ctx.db)).rows[0]!.id;
    const proxied = await t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: gw, body: { residentId: elder } });
    expect(proxied.statusCode).toBe(201);
    expect(json(proxied).proxyBy).toBeTruthy();
    expect((await t.req('POST', `/api/services/activities/${act.id}/signup`, { cookie: gw, body: { residentId: outsider } })).statusCode).toBe(404);

    // the reminder runs a day before the start
    t.clock.set(new Date(start.getTime() - 24 * 3_600_000 + 1000));
    await runAllDue();
    // sessions expire as the clock moves on: sign in again
    let [oldC2, youngC2] = [await t.login('el.0'), await t.login('el.1')];
    let admin2 = await t.login('community_admin.qiaotou');
    const inbox = json(await t.req('GET', '/api/notifications', { cookie: oldC2 }));
    expect(inbox.items.some((n: { title: string }) => n.title === '活动提醒：智能手机课堂')).toBe(true);

    const qr = json(await t.req('GET', `/api/services/activities/${act.id}/checkin-qr`, { cookie: admin2 }));
    expect(qr.svg).toContain('<svg');
    const token = new URL(qr.url).searchParams.get('t')!;
    // too early, wrong token, not signed up
    expect((await t.req('POST', `/api/services/activities/${act.id}/checkin`, { cookie: oldC2, body: { token } })).statusCode).toBe(409);
    t.clock.set(new Date(start.getTime() - 30 * 60_000));
    [oldC2, youngC2, admin2] = [await t.login('el.0'), await t.login('el.1'), await t.login('community_admin.qiaotou')];
    expect((await t.req('POST', `/api/services/activities/${act.id}/checkin`, { cookie: oldC2, body: { token: 'wrong' } })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/services/activities/${act.id}/checkin`, { cookie: youngC2, body: { token } })).statusCode).toBe(403);
    const ok = json(await t.req('POST', `/api/services/activities/${act.id}/checkin`, { cookie: oldC2, body: { token } }));
    expect(ok.checkedInAt).not.toBeNull();
    expect(ok.already).toBe(false);
    expect(json(await t.req('POST', `/api/services/activities/${act.id}/checkin`, { cookie: oldC2, body: { token } })).already).toBe(true);
    expect(json(await t.req('GET', `/api/services/activities/${act.id}`, { cookie: admin2 })).checkedIn).toBe(1);
    t.clock.set('2026-11-23T01:00:00Z');
  });

  it('refuses overlapping room bookings, also when requested at the same moment', async () => {
    const admin = await t.login('community_admin.xintian');
    const rooms = json(await t.req('GET', '/api/services/rooms', { cookie: admin }));
    const room = rooms.find((r: { name: string }) => r.name.includes('书画室'));
    const day = new Date(t.clock.now().getTime() + 20 * 86_400_000).toISOString().slice(0, 10);
    const slot = (h1: string, h2: string) => ({ startsAt: `${day}T${h1}:00+08:00`, endsAt: `${day}T${h2}:00+08:00`, purpose: '书法练习' });
    const ids = await residentsOf('430103007003', 6);
    const cookies = await residentAccounts(ids, 'bk');
    const results = await Promise.all(cookies.map((c, i) => t.req('POST', `/api/services/rooms/${room.id}/bookings`, { cookie: c, body: slot(i % 2 ? '09:30' : '09:00', i % 2 ? '10:30' : '10:00') })));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 201).length).toBe(1);
    expect(codes.filter((c) => c === 409).length).toBe(5);
    const refused = json(results.find((r) => r.statusCode === 409)!);
    expect(refused.error.message).toContain('已被预约');
    // back to back is fine; overlapping the end is not; outside opening hours is refused
    const winner = results.findIndex((r) => r.statusCode === 201);
    const end = json(results[winner]!).endsAt as string;
    const endLocal = new Date(new Date(end).getTime() + 8 * 3_600_000).toISOString().slice(11, 16);
    expect((await t.req('POST', `/api/services/rooms/${room.id}/bookings`, { cookie: admin, body: { startsAt: end, endsAt: `${day}T12:00:00+08:00`, purpose: '会议' } })).statusCode).toBe(201);
    expect((await t.req('POST', `/api/services/rooms/${room.id}/bookings`, { cookie: admin, body: slot('11:30', '12:30') })).statusCode).toBe(409);
    expect((await t.req('POST', `/api/services/rooms/${room.id}/bookings`, { cookie: admin, body: slot('18:00', '19:00') })).statusCode).toBe(400);
    expect(endLocal).toMatch(/^10:/);
    const rows = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM svc_room_bookings a JOIN svc_room_bookings b ON a.room_id = b.room_id AND a.id < b.id AND a.status = 'booked' AND b.status = 'booked' AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at`.execute(t.og.ctx.db)).rows[0]!.n;
    expect(rows).toBe(0);
    // cancelling frees the slot
    const mineId = json(results[winner]!).id;
    expect((await t.req('POST', `/api/services/bookings/${mineId}/cancel`, { cookie: cookies[winner] })).statusCode).toBe(200);
    expect((await t.req('POST', `/api/services/rooms/${room.id}/bookings`, { cookie: cookies[(winner + 1) % 6], body: slot('09:00', '10:00') })).statusCode).toBe(201);
    // a resident of another community cannot see the room
    expect((await t.req('POST', `/api/services/rooms/${room.id}/bookings`, { cookie: await t.login('resident.qiaotou'), body: slot('15:00', '16:00') })).statusCode).toBe(404);
  });
});

describe('service catalogue and applications', () => {
  async function photo(userCookie: string, actorUsername: string) {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 20, b: 20 } } }).png().toBuffer();
    void userCookie;
    const u = (await sql<{ id: string }>`SELECT id FROM users WHERE username = ${actorUsername}`.execute(t.og.ctx.db)).rows[0]!;
    const actor = { ...systemActor(), userId: u.id, roles: ['resident' as const], username: actorUsername };
    return (await storePhotos(t.og.ctx, actor, [{ data: png, filename: 'id.png' }]))[0]!.id;
  }

  it('a resident applies online with documents; staff accept and approve; the resident is told', async () => {
    const resident = await t.login('resident.qiaotou');
    const staff = await t.login('community_admin.qiaotou');
    const matters = json(await t.req('GET', '/api/services/matters'));
    expect(matters.length).toBeGreaterThanOrEqual(8);
    const m = matters.find((x: { code: string }) => x.code === 'ZM01');
    expect(m.documents.length).toBeGreaterThan(0);
    expect(m.steps.length).toBeGreaterThan(0);
    expect(m.timeLimitDays).toBe(1);
    expect(m.desk).toBeTruthy();
    // required documents missing
    expect((await t.req('POST', '/api/services/applications', { cookie: resident, body: { matterId: m.id, details: '入学用' } })).statusCode).toBe(400);
    const f = await photo(resident, 'resident.qiaotou');
    const r = await t.req('POST', '/api/services/applications', { cookie: resident, body: { matterId: m.id, details: '孩子入学用', phone: '13800001111', files: [f] } });
    expect(r.statusCode).toBe(201);
    const app = json(r);
    expect(app.status).toBe('submitted');
    expect(app.number).toMatch(/^SQ\d{8}\d{4}$/);
    expect(app.files.length).toBe(1);
    expect(app.contactPhone).toBe('138****1111');
    // staff in scope see it and its document; another community's staff do not
    const list = json(await t.req('GET', '/api/services/applications?status=submitted', { cookie: staff }));
    expect(list.items.some((x: { id: string }) => x.id === app.id)).toBe(true);
    expect((await t.req('GET', app.files[0].url, { cookie: staff })).statusCode).toBe(200);
    const other = await t.login('community_admin.mulian');
    expect((await t.req('GET', `/api/services/applications/${app.id}`, { cookie: other })).statusCode).toBe(404);
    expect((await t.req('POST', `/api/services/applications/${app.id}/approve`, { cookie: other, body: {} })).statusCode).toBe(404);
    expect((await t.req('GET', app.files[0].url, { cookie: other })).statusCode).toBe(404);
    // residents cannot decide
    expect((await t.req('POST', `/api/services/applications/${app.id}/approve`, { cookie: resident, body: {} })).statusCode).toBe(403);
    // reject without a reason is refused
    expect((await t.req('POST', `/api/services/applications/${app.id}/reject`, { cookie: staff, body: {} })).statusCode).toBe(400);
    expect(json(await t.req('POST', `/api/services/applications/${app.id}/accept`, { cookie: staff, body: {} })).status).toBe('accepted');
    expect((await t.req('POST', `/api/services/applications/${app.id}/accept`, { cookie: staff, body: {} })).statusCode).toBe(409);
    const done = json(await t.req('POST', `/api/services/applications/${app.id}/approve`, { cookie: staff, body: { note: '证明已开具，请到窗口领取' } }));
    expect(done.status).toBe('approved');
    expect(done.events.map((e: { toStatus: string }) => e.toStatus)).toEqual(['submitted', 'accepted', 'approved']);
    const mine = json(await t.req('GET', '/api/services/my/applications', { cookie: resident }));
    expect(mine.find((x: { id: string }) => x.id === app.id).statusName).toBe('已办结（通过）');
    const inbox = json(await t.req('GET', '/api/notifications', { cookie: resident }));
    expect(inbox.items.filter((n: { data: { applicationId?: string } }) => n.data.applicationId === app.id).length).toBe(2);
    const audits = (await sql<{ action: string }>`SELECT action FROM audit_log WHERE entity_id = ${app.id} ORDER BY seq`.execute(t.og.ctx.db)).rows.map((x) => x.action);
    expect(audits).toEqual(['services.application.submit', 'services.application.accept', 'services.application.approve']);
  });

  it('return for more documents, resubmit; applications by proxy record both people', async () => {
    const gw = await t.login('grid_worker.qiaotou');
    const staff = await t.login('community_admin.qiaotou');
    const grid = await node('430103007001G01');
    const elder = (await sql<{ id: string; name: string }>`SELECT id, name FROM residents WHERE status = 'resident' AND node_path LIKE ${grid.path + '/%'} AND birth_date < '1946-01-01' ORDER BY id LIMIT 1`.execute(t.og.ctx.db)).rows[0]!;
    const m = json(await t.req('GET', '/api/services/matters')).find((x: { code: string }) => x.code === 'GL01');
    const f = await photo(gw, 'grid_worker.qiaotou');
    const r = await t.req('POST', '/api/services/applications', { cookie: gw, body: { matterId: m.id, residentId: elder.id, details: '老人行动不便，网格员代办', files: [f] } });
    expect(r.statusCode).toBe(201);
    const app = json(r);
    expect(app.residentName).toBe(elder.name);
    expect(app.proxyStaffName).toBe('桥头网格员');
    const row = (await sql<{ acting_for_id: string; actor_name: string }>`SELECT acting_for_id, actor_name FROM audit_log WHERE entity_id = ${app.id}`.execute(t.og.ctx.db)).rows[0]!;
    expect(row.acting_for_id).toBe(elder.id);
    expect(row.actor_name).toBe('桥头网格员');
    // proxy outside the scope: 404
    const gwOther = await t.login('grid_worker.mulian');
    expect((await t.req('POST', '/api/services/applications', { cookie: gwOther, body: { matterId: m.id, residentId: elder.id, files: [] } })).statusCode).toBe(404);
    // a return needs a note; the applicant (the proxy staff) resubmits
    expect(json(await t.req('POST', `/api/services/applications/${app.id}/return`, { cookie: staff, body: { note: '请补充银行卡照片' } })).status).toBe('need_more');
    const f2 = await photo(gw, 'grid_worker.qiaotou');
    const again = json(await t.req('POST', `/api/services/my/applications/${app.id}/resubmit`, { cookie: gw, body: { details: '已补充', files: [f2] } }));
    expect(again.status).toBe('submitted');
    expect(again.files.length).toBe(2);
  });

  it('repairs inside an estate become cases routed to the estate’s property company', async () => {
    const resident = await t.login('resident.xintian');
    const r = await t.req('POST', '/api/services/repairs', { cookie: resident, body: { description: '3单元楼道灯坏了，晚上看不见' } });
    expect(r.statusCode).toBe(201);
    const rep = json(r);
    const c = (await sql<{ category_code: string; channel: string; department_id: string | null; estate_id: string | null }>`SELECT category_code, channel, department_id, estate_id FROM cases WHERE id = ${rep.caseId}`.execute(t.og.ctx.db)).rows[0]!;
    expect(c.category_code).toBe('PR01');
    expect(c.channel).toBe('resident');
    const estate = (await sql<{ props: { propertyCompanyCode: string | null } }>`SELECT props FROM org_nodes WHERE id = ${c.estate_id}`.execute(t.og.ctx.db)).rows[0]!;
    const dept = c.department_id ? (await sql<{ code: string }>`SELECT code FROM departments WHERE id = ${c.department_id}`.execute(t.og.ctx.db)).rows[0]!.code : null;
    expect(dept).toBe(estate.props.propertyCompanyCode ?? 'SQ');
  });
});

describe('assistant', () => {
  it('answers from the knowledge base, and keeps unanswered questions for staff', async () => {
    const resident = await t.login('resident.qiaotou');
    const a = json(await t.req('POST', '/api/services/assistant/ask', { cookie: resident, body: { question: '我家老人80多岁了，高龄津贴怎么申请？' } }));
    expect(a.answered).toBe(true);
    expect(a.article.title).toBe('高龄津贴怎么申请？');
    expect(a.matter.name).toBe('高龄津贴申请');
    const b = json(await t.req('POST', '/api/services/assistant/ask', { cookie: resident, body: { question: '楼道里能不能给电瓶车充电' } }));
    expect(b.answered).toBe(true);
    expect(b.article.title).toBe('电动车可以在楼道里充电吗？');
    const c = json(await t.req('POST', '/api/services/assistant/ask', { cookie: resident, body: { question: '附近哪里有游泳馆' } }));
    expect(c.answered).toBe(false);
    expect(c.article).toBeNull();
    expect(c.suggestions).toEqual(['report', 'apply']);
    const staff = await t.login('community_admin.qiaotou');
    const open = json(await t.req('GET', '/api/services/assistant/questions?status=open', { cookie: staff }));
    expect(open.items.map((q: { question: string }) => q.question)).toContain('附近哪里有游泳馆');
    expect(open.items.map((q: { question: string }) => q.question)).not.toContain('楼道里能不能给电瓶车充电');
    // another community's staff do not see a qiaotou resident's question
    const other = json(await t.req('GET', '/api/services/assistant/questions?status=open', { cookie: await t.login('community_admin.mulian') }));
    expect(other.items.some((q: { id: string }) => q.id === c.questionId)).toBe(false);
    // "did not help" sends an answered question to the list too
    await t.req('POST', `/api/services/assistant/questions/${b.questionId}/unhelpful`, { cookie: resident });
    const open2 = json(await t.req('GET', '/api/services/assistant/questions?status=open', { cookie: staff }));
    expect(open2.items.map((q: { id: string }) => q.id)).toContain(b.questionId);
    // staff add an article; the same question is then answered
    await t.req('POST', `/api/services/assistant/questions/${c.questionId}/resolve`, { cookie: staff, body: { resolution: '已补充到知识库' } });
    const art = await t.req('POST', '/api/services/kb/articles', { cookie: staff, body: { title: '附近哪里可以游泳？', body: '天心区全民健身中心游泳馆，地址：…', keywords: ['游泳', '游泳馆'] } });
    expect(art.statusCode).toBe(201);
    const d = json(await t.req('POST', '/api/services/assistant/ask', { cookie: resident, body: { question: '附近哪里有游泳馆' } }));
    expect(d.answered).toBe(true);
    expect(d.article.title).toBe('附近哪里可以游泳？');
  });
});

describe('emergency button', () => {
  it('reaches the duty staff and the command center at once, and escalates after 2 minutes without acknowledgement', async () => {
    const events: DomainEvent[] = [];
    const off = t.og.ctx.events.subscribe((e) => events.push(e));
    const resident = await t.login('resident.baoziling');
    const r = await t.req('POST', '/api/services/emergency', { cookie: resident, body: { lng: 112.97, lat: 28.11, accuracy: 15, message: '摔倒了起不来' } });
    expect(r.statusCode).toBe(201);
    const e = json(r);
    expect(e.status).toBe('raised');
    expect(e.profile.name).toBeTruthy();
    expect(e.profile.phone).toMatch(/^1\d{2}\*{4}\d{4}$/);
    expect(events.filter((x) => x.type === 'emergency.raised' && x.data.id === e.id).length).toBe(1);
    // pressing again returns the open one
    const again = await t.req('POST', '/api/services/emergency', { cookie: resident, body: {} });
    expect(again.statusCode).toBe(200);
    expect(json(again).id).toBe(e.id);
    const gw = await t.login('grid_worker.baoziling');
    const duty = json(await t.req('GET', '/api/notifications', { cookie: gw }));
    expect(duty.items.some((n: { data: { emergencyId?: string } }) => n.data.emergencyId === e.id)).toBe(true);
    const street = await t.login('street_admin');
    const before = json(await t.req('GET', '/api/notifications', { cookie: street }));
    expect(before.items.some((n: { data: { emergencyId?: string } }) => n.data.emergencyId === e.id)).toBe(false);
    // 1:59 later nothing happens
    t.clock.advance(119_000);
    await runAllDue();
    expect(json(await t.req('GET', `/api/services/emergencies/${e.id}`, { cookie: gw })).status).toBe('raised');
    // after 2 minutes: escalated to the street's command center
    t.clock.advance(2_000);
    await runAllDue();
    const esc = json(await t.req('GET', `/api/services/emergencies/${e.id}`, { cookie: gw }));
    expect(esc.status).toBe('escalated');
    expect(esc.escalatedAt).not.toBeNull();
    const after = json(await t.req('GET', '/api/notifications', { cookie: street }));
    expect(after.items.some((n: { data: { emergencyId?: string } }) => n.data.emergencyId === e.id)).toBe(true);
    expect(events.some((x) => x.type === 'emergency.escalated' && x.data.id === e.id)).toBe(true);
    // acknowledgement after escalation still counts; another community's staff cannot see it
    expect((await t.req('POST', `/api/services/emergencies/${e.id}/ack`, { cookie: await t.login('grid_worker.qiaotou') })).statusCode).toBe(404);
    expect(json(await t.req('POST', `/api/services/emergencies/${e.id}/ack`, { cookie: gw })).status).toBe('acknowledged');
    expect(json(await t.req('POST', `/api/services/emergencies/${e.id}/resolve`, { cookie: gw, body: { resolution: '已送医' } })).status).toBe('resolved');
    off();
  });

  it('an acknowledged emergency is not escalated', async () => {
    const resident = await t.login('resident.xinkaipu');
    const e = json(await t.req('POST', '/api/services/emergency', { cookie: resident, body: {} }));
    expect(e.location).not.toBeNull(); // the home's position when the phone gives none
    const gw = await t.login('grid_leader.xinkaipu');
    t.clock.advance(60_000);
    expect(json(await t.req('POST', `/api/services/emergencies/${e.id}/ack`, { cookie: gw })).status).toBe('acknowledged');
    t.clock.advance(5 * 60_000);
    await runAllDue();
    const v = json(await t.req('GET', `/api/services/emergencies/${e.id}`, { cookie: gw }));
    expect(v.status).toBe('acknowledged');
    expect(v.escalatedAt).toBeNull();
    const mine = json(await t.req('GET', '/api/services/my/emergency', { cookie: resident }));
    expect(mine.emergency.acknowledgedBy).toBe('新开铺网格长');
  });
});

describe('bad input', () => {
  it('answers malformed bodies with 4xx', async () => {
    const admin = await t.login('admin');
    for (const [m, u, body] of [
      ['POST', '/api/services/announcements', { nodeId: 'x' }],
      ['POST', '/api/services/activities', { title: 1 }],
      ['POST', '/api/services/applications', { matterId: '00000000-0000-0000-0000-000000000000' }],
      ['POST', '/api/services/assistant/ask', { question: '' }],
      ['POST', '/api/services/emergency', { lng: 'a' }],
      ['POST', '/api/services/activities', { title: 'x', kind: 'other', nodeId: '00000000-0000-0000-0000-000000000000', startsAt: 'not a date!', endsAt: '2026-13-45T00:00', capacity: 1 }],
    ] as const) {
      const r = await t.req(m, u, { cookie: admin, body });
      expect(r.statusCode, `${u} ${r.body}`).toBeGreaterThanOrEqual(400);
      expect(r.statusCode, `${u} ${r.body}`).toBeLessThan(500);
    }
  });
});
