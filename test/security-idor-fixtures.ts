import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { TestApp } from './helpers.js';
import { systemActor } from '../src/platform/auth/actor.js';
import { newId } from '../src/platform/ids.js';
import { importTemplate } from '../src/modules/grid-work/service/registry.js';
import { storePhotos } from '../src/platform/files/index.js';
import { raiseAlert } from '../src/modules/care/service.js';
import type { PersonRow } from '../src/modules/care/repository.js';

/**
 * qiaotou (桥头社区) rows for the resource types that have no demo row there, or whose demo rows need
 * a join to be tied to the community. Each is made the way the product makes it — through the API as
 * the proper qiaotou user — except rows that only a background job raises (care alerts, IoT alarms,
 * analytics warnings, mediation risk warnings), which are written by the module's own raise function
 * or as the job would write them.
 */

export interface Fixture {
  id: string;
  /** the row(s) that must not change, as a comparable snapshot */
  snapshot(): Promise<unknown>;
}

export interface FixtureKit {
  t: TestApp;
  qiaotouPath: string;
  cookie(user: string): Promise<string>;
}

const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

export async function moreFixtures(k: FixtureKit): Promise<Map<string, Fixture>> {
  const { t, qiaotouPath: q } = k;
  const db = t.og.ctx.db;
  const out = new Map<string, Fixture>();
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows;
  async function one<T>(query: ReturnType<typeof sql<T>>, what: string): Promise<T> {
    const r = (await query.execute(db)).rows[0];
    if (!r) throw new Error(`fixture not found: ${what}`);
    return r;
  }
  /** the row itself plus counts of rows hanging off it (a slipped-through write usually adds one) */
  const snap =
    (table: string, id: string, children: Array<[string, string]> = []) =>
    async () => [
      await rows(sql`select * from ${sql.table(table)} where id = ${id}`),
      ...(await Promise.all(children.map(async ([ct, col]) => (await rows(sql`select count(*)::int as n from ${sql.table(ct)} where ${sql.ref(col)} = ${id}`))[0]))),
    ];
  const inQ = (col: string) => sql`(${sql.ref(col)} = ${q} or ${sql.ref(col)} like ${q + '/%'})`;
  const byPath = async (table: string, children: Array<[string, string]> = [], extra = sql`true`) => {
    const r = await one<{ id: string }>(sql`select id from ${sql.table(table)} where ${inQ('node_path')} and ${extra} order by id limit 1`, table);
    return { id: r.id, snapshot: snap(table, r.id, children) };
  };
  const post = async (user: string, url: string, body: unknown, status = 201) => {
    const r = await t.req('POST', url, { cookie: await k.cookie(user), body });
    expect(r.statusCode, `${url}: ${r.body}`).toBe(status);
    return r.json();
  };
  const me = async (user: string) => (await t.req('GET', '/api/auth/me', { cookie: await k.cookie(user) })).json() as { id: string; residentId: string | null };
  const g01 = await one<{ id: string; lng: number; lat: number }>(sql`select id, lng, lat from org_nodes where code = '430103007001G01'`, 'grid G01');
  const community = await one<{ id: string }>(sql`select id from org_nodes where code = '430103007001'`, 'qiaotou');
  const residentQ = (await me('resident.qiaotou')).residentId!;

  // ---------------------------------------------------------------- privacy
  // A qiaotou resident asks for deletion of their personal information.
  const del = await post('resident.qiaotou', '/api/privacy/me/deletion-request', { note: '越权测试：本人申请删除' });
  out.set('/api/privacy/deletion-requests/:id', {
    id: del.id,
    snapshot: async () => [await rows(sql`select * from deletion_requests where id = ${del.id}`), await rows(sql`select name, phone_enc, status from residents where id = ${residentQ}`), await rows(sql`select status from users where resident_id = ${residentQ} order by id`)],
  });

  // ---------------------------------------------------------------- care
  const person = await one<PersonRow>(sql`select * from care_persons where ${inQ('node_path')} order by id limit 1`, 'care person');
  const alertId = await t.og.ctx.db.transaction().execute((trx) => raiseAlert(t.og.ctx, trx, person, { kind: 'sos', metric: null, severity: 'critical', detail: { source: '越权测试' } }, t.og.ctx.clock.now()));
  if (!alertId) throw new Error('care alert not raised');
  out.set('/api/care/alerts/:id', { id: alertId, snapshot: snap('care_alerts', alertId) });
  const svc = await post('grid_worker.qiaotou', '/api/care/services', { personId: person.id, type: 'haircut', scheduledAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString() });
  out.set('/api/care/services/:id', { id: svc.id, snapshot: snap('care_services', svc.id) });
  const menu = await post('community_admin.qiaotou', '/api/care/menu', { nodePath: q, day: day(t.clock.now()), name: '越权测试套餐', priceCents: 1500, subsidies: [{ tag: '高龄', amountCents: 500 }], delivery: true });
  const order = await post('grid_worker.qiaotou', '/api/care/orders', { menuItemId: menu.id, residentId: person.resident_id, qty: 1, mode: 'pickup' });
  out.set('/api/care/orders/:id', { id: order.id, snapshot: snap('care_orders', order.id) });

  // ---------------------------------------------------------------- mediation
  const agreement = await one<{ id: string }>(sql`select a.id from mediation_agreements a join mediation_disputes d on d.id = a.dispute_id where ${inQ('d.node_path')} order by a.id limit 1`, 'mediation agreement');
  out.set('/api/mediation/agreements/:id', { id: agreement.id, snapshot: snap('mediation_agreements', agreement.id) });
  const followup = await one<{ id: string }>(sql`select f.id from mediation_followups f join mediation_disputes d on d.id = f.dispute_id where ${inQ('d.node_path')} and f.status = 'scheduled' order by f.id limit 1`, 'mediation followup');
  out.set('/api/mediation/followups/:id', { id: followup.id, snapshot: snap('mediation_followups', followup.id) });
  const warn = await one<{ id: string }>(sql`select w.id from mediation_warnings w join mediation_disputes d on d.id = w.dispute_id where ${inQ('d.node_path')} and w.status = 'open' order by w.id limit 1`, 'mediation warning');
  out.set('/api/mediation/warnings/:id', { id: warn.id, snapshot: snap('mediation_warnings', warn.id) });
  out.set('/api/mediation/legal-aid/:id', await byPath('mediation_legal_aid'));

  // ---------------------------------------------------------------- grid work
  const proxy = await post('grid_worker.qiaotou', '/api/grid-work/proxy/cases', { residentId: residentQ, description: '越权测试：楼道堆放杂物，代为上报', location: { lng: g01.lng, lat: g01.lat }, idempotencyKey: 'idor-proxy-0001' });
  out.set('/api/grid-work/proxy/:id', { id: proxy.id, snapshot: snap('proxy_services', proxy.id) });
  out.set('/api/grid-work/party/members/:id', await byPath('party_members', [['party_contact_households', 'member_id'], ['party_cross_posts', 'member_id']]));
  const imp = await uploadImport(t, await k.cookie('community_admin.qiaotou'), q);
  out.set('/api/grid-work/imports/:id', { id: imp, snapshot: async () => [await rows(sql`select * from resident_imports where id = ${imp}`), (await rows(sql`select count(*)::int as n from residents`))[0]] });

  // ---------------------------------------------------------------- services
  const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 20, g: 120, b: 200 } } }).png().toBuffer();
  const uRes = await one<{ id: string }>(sql`select id from users where username = 'resident.qiaotou'`, 'user');
  const [file] = await storePhotos(t.og.ctx, { ...systemActor(), userId: uRes.id, username: 'resident.qiaotou', roles: ['resident'], residentId: residentQ }, [{ data: png, filename: 'idcard.png' }]);
  const matter = ((await t.req('GET', '/api/services/matters')).json() as Array<{ id: string; code: string }>).find((m) => m.code === 'ZM01')!;
  const app = await post('resident.qiaotou', '/api/services/applications', { matterId: matter.id, details: '越权测试：开具居住证明', phone: '13800001111', files: [file!.id] });
  out.set('/api/services/applications/:id', { id: app.id, snapshot: snap('svc_applications', app.id, [['svc_application_events', 'application_id']]) });
  out.set('/api/files/:id', { id: file!.id, snapshot: snap('files', file!.id) });
  const booking = await one<{ id: string }>(sql`select id from svc_room_bookings where ${inQ('node_path')} and status = 'booked' order by id limit 1`, 'booking');
  out.set('/api/services/bookings/:id', { id: booking.id, snapshot: snap('svc_room_bookings', booking.id) });
  const ask = await post('resident.qiaotou', '/api/services/assistant/ask', { question: '越权测试：附近哪里有游泳馆' }, 200);
  out.set('/api/services/assistant/questions/:id', { id: ask.questionId, snapshot: snap('svc_questions', ask.questionId) });
  const sos = await post('resident.qiaotou', '/api/services/emergency', { lng: g01.lng, lat: g01.lat, accuracy: 10, message: '越权测试：摔倒了' });
  out.set('/api/services/emergencies/:id', { id: sos.id, snapshot: snap('svc_emergencies', sos.id) });

  // ---------------------------------------------------------------- ledger, time bank, partners
  const acc = await one<{ id: string }>(sql`select id from ledger_accounts where ${inQ('node_path')} and owner_kind = 'resident' order by id limit 1`, 'ledger account');
  const accSnap = (id: string) => async () => [await rows(sql`select * from ledger_accounts where id = ${id}`), (await rows(sql`select count(*)::int as n from ledger_transfers where from_account = ${id} or to_account = ${id}`))[0]];
  out.set('/api/ledger/accounts/:id', { id: acc.id, snapshot: accSnap(acc.id) });
  // a transfer between two qiaotou accounts (neither end is visible to mulian)
  const tr = await one<{ id: string }>(
    sql`select t.id from ledger_transfers t join ledger_accounts a on a.id = t.from_account join ledger_accounts b on b.id = t.to_account where (${inQ('a.node_path')}) and (${inQ('b.node_path')}) and t.reverses_id is null and not exists (select 1 from ledger_transfers r where r.reverses_id = t.id) order by t.id limit 1`,
    'ledger transfer',
  );
  out.set('/api/ledger/transfers/:id', { id: tr.id, snapshot: async () => [await rows(sql`select * from ledger_transfers where id = ${tr.id}`), (await rows(sql`select count(*)::int as n from ledger_transfers where reverses_id = ${tr.id}`))[0]] });
  out.set('/api/ledger/claims/:id', await byPath('ledger_earning_claims', [], sql`status = 'pending'`));
  const reward = await byPath('ledger_rewards', [['ledger_redemptions', 'reward_id']], sql`active`);
  out.set('/api/ledger/rewards/:id', reward);
  // earning rules are street-wide (no community): any of them is "qiaotou's" too
  const rule = await one<{ id: string }>(sql`select id from ledger_earning_rules where active order by id limit 1`, 'earning rule');
  out.set('/api/ledger/rules/:id', { id: rule.id, snapshot: snap('ledger_earning_rules', rule.id, [['ledger_earning_claims', 'rule_id']]) });
  // resident.qiaotou redeems a qiaotou reward (topped up from the community's pool by the street admin)
  const myAcc = ((await (await t.req('GET', '/api/ledger/accounts/me', { cookie: await k.cookie('resident.qiaotou') })).json()) as Array<{ id: string; currency: string; balance: number }>).find((a) => a.currency === 'points')!;
  const rw = await one<{ id: string; points_cost: number }>(sql`select id, points_cost from ledger_rewards where ${inQ('node_path')} and active and (stock is null or stock > 0) order by points_cost limit 1`, 'reward');
  const pool = await one<{ id: string }>(sql`select id from ledger_accounts where owner_kind = 'community' and currency = 'points' and node_path = ${q}`, 'community pool');
  if (myAcc.balance < rw.points_cost) await post('admin', '/api/ledger/transfers', { fromAccountId: pool.id, toAccountId: myAcc.id, amount: rw.points_cost - myAcc.balance, memo: '越权测试补充积分', idempotencyKey: 'idor-topup-0001' });
  const red = await post('resident.qiaotou', `/api/ledger/rewards/${rw.id}/redeem`, { idempotencyKey: 'idor-redeem-0001' });
  out.set('/api/ledger/redemptions/:id', { id: red.id, snapshot: snap('ledger_redemptions', red.id) });
  out.set('/api/timebank/posts/:id', await byPath('timebank_posts', [['timebank_exchanges', 'request_id']], sql`status = 'open' and kind = 'request'`));
  out.set('/api/timebank/exchanges/:id', await byPath('timebank_exchanges'));
  out.set('/api/partners/:id', await byPath('partners', [['partner_agreements', 'partner_id'], ['partner_credit_events', 'partner_id']]));
  out.set('/api/partners/agreements/:id', await byPath('partner_agreements'));
  out.set('/api/needs/:id', await byPath('partner_needs'));
  out.set('/api/projects/:id', await byPath('partner_projects', [['partner_project_claims', 'project_id'], ['partner_project_logs', 'project_id'], ['partner_project_evaluations', 'project_id']]));
  out.set('/api/social-orgs/:id', await byPath('social_orgs', [['social_org_activities', 'org_id']]));

  // ---------------------------------------------------------------- IoT
  // no demo device stands in qiaotou: the street admin installs a smoke detector in grid G01
  const newDev = await post('admin', '/api/iot/devices', { name: '越权测试烟感', type: 'smoke', lng: g01.lng, lat: g01.lat, token: 'idor-smoke-token-0001' });
  const dev = { id: newDev.device.id as string, snapshot: snap('iot_devices', newDev.device.id) };
  out.set('/api/iot/devices/:id', dev);
  const devRow = await one<{ id: string; node_path: string; department_id: string | null; type_code: string }>(sql`select id, node_path, department_id, type_code from iot_devices where id = ${dev.id}`, 'device');
  const alarmId = await insertAlarm(t, devRow);
  out.set('/api/iot/alarms/:id', { id: alarmId, snapshot: snap('iot_alarms', alarmId) });

  // ---------------------------------------------------------------- deliberation
  const closesAt = new Date(t.clock.now().getTime() + 7 * 86_400_000).toISOString();
  const vote = await post('community_admin.qiaotou', '/api/deliberation/votes', { title: '越权测试：社区议事表决', nodeId: community.id, method: 'resident', rule: 'simple', closesAt });
  out.set('/api/deliberation/votes/:id', { id: vote.id, snapshot: snap('deliberation_votes', vote.id, [['deliberation_ballots', 'vote_id']]) });
  const meeting = await one<{ id: string }>(sql`select m.id from deliberation_meetings m join org_nodes n on n.id = m.node_id where ${inQ('n.path')} order by m.id limit 1`, 'meeting');
  const reso = await post('community_admin.qiaotou', '/api/deliberation/resolutions', { title: '越权测试：决议', content: '越权测试决议内容', assignee: '物业', dueDate: day(new Date(t.clock.now().getTime() + 30 * 86_400_000)), meetingId: meeting.id });
  out.set('/api/deliberation/resolutions/:id', { id: reso.id, snapshot: snap('deliberation_resolutions', reso.id, [['deliberation_resolution_updates', 'resolution_id']]) });
  const annotation = await insertAnnotation(t, q);
  out.set('/api/deliberation/annotations/:id', { id: annotation, snapshot: snap('deliberation_annotations', annotation) });

  // ---------------------------------------------------------------- analytics
  const warning = await insertAnalyticsWarning(t, q, g01.id);
  out.set('/api/analytics/warnings/:id', { id: warning, snapshot: snap('analytics_warnings', warning) });

  // 12345 / petition import (as qiaotou's community admin): one file imported to the end, whose record
  // lands in grid G01 by its lng/lat, and one left in preview with an error row (so the mapping can
  // still be changed, the import confirmed or cancelled, and the error rows exported).
  const qAdmin = await k.cookie('community_admin.qiaotou');
  const header = ['工单编号', '受理时间', '诉求内容', '诉求地址', '来电号码', '经度', '纬度'];
  const done = await uploadExternal(t, qAdmin, 'idor-12345.csv', [header, ['IDOR-R-1', '2026-11-20 09:00', '越权测试：楼道灯不亮', '', '13800002222', String(g01.lng), String(g01.lat)]]);
  expect(done).toMatchObject({ validRows: 1, errorCount: 0 });
  expect((await t.req('POST', `/api/analytics/external-imports/${done.id}/commit`, { cookie: qAdmin })).statusCode).toBe(202);
  for (let guard = 0; ; guard++) {
    if (guard > 20) throw new Error('external import did not finish');
    await t.og.ctx.jobs.runDue();
    if ((await one<{ status: string }>(sql`select status from external_imports where id = ${done.id}`, 'external import')).status === 'done') break;
  }
  const rec = await one<{ id: string; node_path: string; grid_id: string | null }>(sql`select id, node_path, grid_id from external_records where import_id = ${done.id}`, 'external record');
  expect(rec.grid_id).toBe(g01.id);
  expect(rec.node_path.startsWith(q + '/')).toBe(true);
  out.set('/api/analytics/external-records/:id', {
    id: rec.id,
    snapshot: async () => [await rows(sql`select * from external_records where id = ${rec.id}`), (await rows(sql`select count(*)::int as n from data_access_log where entity_id = ${rec.id}`))[0]],
  });
  const pending = await uploadExternal(t, qAdmin, 'idor-petition.csv', [
    header,
    ['IDOR-P-1', '2026-11-21 10:00', '越权测试：井盖松动', '', '13800003333', String(g01.lng), String(g01.lat)],
    ['IDOR-P-2', '昨天', '越权测试：时间写错的一行', '', '', '', ''],
  ]);
  expect(pending).toMatchObject({ status: 'preview', validRows: 1, errorCount: 1 });
  out.set('/api/analytics/external-imports/:id', {
    id: pending.id,
    snapshot: async () => [
      await rows(sql`select * from external_imports where id = ${pending.id}`),
      (await rows(sql`select count(*)::int as n from audit_log where entity_id = ${pending.id}`))[0],
      (await rows(sql`select count(*)::int as n from external_records where import_id = ${pending.id}`))[0],
      (await rows(sql`select count(*)::int as n from jobs where payload::text like ${'%' + pending.id + '%'}`))[0],
    ],
  });

  return out;
}

/** Uploads a CSV of 12345 work orders (source given for the whole file) and returns the preview. */
async function uploadExternal(t: TestApp, cookie: string, fileName: string, lines: string[][]): Promise<{ id: string; status: string; validRows: number; errorCount: number }> {
  const csv = '\ufeff' + lines.map((l) => l.join(',')).join('\r\n');
  const boundary = '----onegrididor' + Math.random().toString(16).slice(2);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n`),
    Buffer.from(csv, 'utf8'),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const r = await t.og.app.inject({ method: 'POST', url: '/api/analytics/external-imports?source=12345', headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
  expect(r.statusCode, r.body).toBe(201);
  return r.json();
}

async function uploadImport(t: TestApp, cookie: string, q: string): Promise<string> {
  const hh = (await sql<{ code: string }>`select code from org_nodes where level = 'household' and path like ${q + '/%'} order by code limit 1`.execute(t.og.ctx.db)).rows[0]!;
  const tpl = new ExcelJS.Workbook();
  await tpl.xlsx.load((await importTemplate()) as unknown as ArrayBuffer);
  const ws = tpl.worksheets[0]!;
  const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
  const values: Record<string, string> = { 姓名: '越权测试', 性别: '男', 户号: hh.code, 房屋编码: hh.code, 与户主关系: '户主' };
  ws.addRow(header.map((h) => Object.entries(values).find(([k]) => h.includes(k))?.[1] ?? ''));
  const data = Buffer.from(await tpl.xlsx.writeBuffer());
  const boundary = '----onegrididor' + Math.random().toString(16).slice(2);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="idor.xlsx"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const r = await t.og.app.inject({ method: 'POST', url: '/api/grid-work/imports', headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json().id as string;
}

/** An active alarm on a qiaotou device, as the rule engine raises it (iot engine: one row per device and rule). */
async function insertAlarm(t: TestApp, d: { id: string; node_path: string; department_id: string | null; type_code: string }): Promise<string> {
  const db = t.og.ctx.db;
  const rule = (await sql<{ id: string; alarm_type: string; severity: string }>`select id, alarm_type, severity from iot_alarm_rules where device_type = ${d.type_code} order by id limit 1`.execute(db)).rows[0]
    ?? (await sql<{ id: string; alarm_type: string; severity: string }>`select id, alarm_type, severity from iot_alarm_rules order by id limit 1`.execute(db)).rows[0];
  if (!rule) throw new Error('fixture not found: iot alarm rule');
  const id = newId();
  const now = t.og.ctx.clock.now();
  await sql`insert into iot_alarms (id, device_id, rule_id, alarm_type, severity, status, started_at, first_value, last_value, last_at, readings, node_path, department_id, created_at, updated_at)
    values (${id}, ${d.id}, ${rule.id}, ${rule.alarm_type}, ${rule.severity}, 'active_unack', ${now}, ${JSON.stringify({ v: 1 })}::jsonb, ${JSON.stringify({ v: 1 })}::jsonb, ${now}, 1, ${d.node_path}, ${d.department_id}, ${now}, ${now})`.execute(db);
  return id;
}

/** An open annotation on a qiaotou convention's latest version, as a resident's comment in consultation is stored. */
async function insertAnnotation(t: TestApp, q: string): Promise<string> {
  const db = t.og.ctx.db;
  const v = (await sql<{ convention_id: string; version: number }>`select v.convention_id, v.version from deliberation_convention_versions v join deliberation_conventions c on c.id = v.convention_id join org_nodes n on n.id = c.node_id where (n.path = ${q} or n.path like ${q + '/%'}) order by v.convention_id, v.version desc limit 1`.execute(db)).rows[0];
  if (!v) throw new Error('fixture not found: convention version');
  const id = newId();
  await sql`insert into deliberation_annotations (id, convention_id, version, article_no, body, author_name, status, created_at)
    values (${id}, ${v.convention_id}, ${v.version}, 1, '越权测试：建议补充电动车充电条款', '桥头居民', 'open', ${t.og.ctx.clock.now()})`.execute(db);
  return id;
}

/** An unacknowledged early warning for grid G01 of qiaotou, as the early-warning job writes it. */
async function insertAnalyticsWarning(t: TestApp, q: string, gridId: string): Promise<string> {
  const db = t.og.ctx.db;
  const grid = (await sql<{ path: string }>`select path from org_nodes where id = ${gridId}`.execute(db)).rows[0]!;
  expect(grid.path.startsWith(q + '/')).toBe(true);
  const cat = (await sql<{ code: string }>`select code from categories order by code limit 1`.execute(db)).rows[0]!;
  const id = newId();
  const now = t.og.ctx.clock.now();
  await sql`insert into analytics_warnings (id, node_path, grid_id, category_code, period, day, observed, expected, p_value, method, created_at)
    values (${id}, ${grid.path}, ${gridId}, ${cat.code}, 'day', ${day(now)}, 9, 1.5, 0.0004, 'poisson', ${now})`.execute(db);
  return id;
}
