import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { startTestApp, type TestApp } from './helpers.js';

/**
 * SQL-injection and XSS payloads in the free-text fields of the main write endpoints: the request is
 * accepted or refused with a 4xx (never a 5xx), the text is stored verbatim (the API returns JSON; the
 * React UI escapes), the tables survive, and every export that renders the text escapes it — RSS and
 * Open311 XML stay well-formed with the text as character data, CSV neutralises formulas.
 */
const SQLI = ["'; DROP TABLE cases; --", '" OR 1=1 --', "1' OR '1'='1' /*", "Robert'); DROP TABLE residents;--"];
const XSS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', ']]><script>alert(2)</script>'];
const FORMULA = ['=HYPERLINK("http://evil.example","点我")', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1+1)'];
const ALL = [...SQLI, ...XSS];

let t: TestApp;
let qiaotou: { id: string; lng: number; lat: number };
const cookies: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestApp();
  for (const u of ['grid_worker.qiaotou', 'dispatcher', 'mediator.qiaotou', 'community_admin.qiaotou', 'resident.qiaotou', 'admin']) cookies[u] = await t.login(u);
  const g = await sql<{ id: string; lng: number; lat: number }>`select id, lng, lat from org_nodes where code = '430103007001G01'`.execute(t.og.ctx.db);
  qiaotou = g.rows[0]!;
}, 120_000);
afterAll(async () => t?.close());

async function tablesIntact() {
  const r = await sql<{ n: string }>`select table_name as n from information_schema.tables where table_schema = 'public' and table_name in ('cases', 'residents', 'mediation_disputes', 'svc_announcements', 'deliberation_topics', 'users')`.execute(t.og.ctx.db);
  expect(r.rows.map((x) => x.n).sort()).toEqual(['cases', 'deliberation_topics', 'mediation_disputes', 'residents', 'svc_announcements', 'users']);
  // and they still hold their rows
  const users = await sql<{ n: number }>`select count(*)::int as n from users`.execute(t.og.ctx.db);
  expect(users.rows[0]!.n).toBeGreaterThan(50);
}

describe('SQL injection and XSS payloads in text fields', () => {
  const caseIds: Array<{ id: string; text: string }> = [];

  it('cases: description and address are stored and read back verbatim', async () => {
    for (const p of [...ALL, ...FORMULA]) {
      const r = await t.req('POST', '/api/cases', { cookie: cookies['grid_worker.qiaotou'], body: { description: `路灯不亮 ${p}`, address: p, location: { lng: qiaotou.lng, lat: qiaotou.lat } } });
      expect(r.statusCode, r.body).toBeLessThan(500);
      expect(r.statusCode).toBe(201);
      const back = await t.req('GET', `/api/cases/${r.json().id}`, { cookie: cookies.dispatcher });
      expect(back.statusCode).toBe(200);
      expect(back.json().description).toBe(`路灯不亮 ${p}`);
      expect(back.json().address).toBe(p);
      caseIds.push({ id: r.json().id, text: p });
    }
    // a note (comment) on a case
    const note = await t.req('POST', `/api/cases/${caseIds[0]!.id}/notes`, { cookie: cookies.dispatcher, body: { note: ALL.join(' | ') } });
    expect(note.statusCode, note.body).toBeLessThan(500);
    if (note.statusCode < 300) {
      const tl = (await t.req('GET', `/api/cases/${caseIds[0]!.id}`, { cookie: cookies.dispatcher })).json();
      expect(JSON.stringify(tl)).toContain(JSON.stringify(ALL.join(' | ')).slice(1, -1));
    }
    await tablesIntact();
  });

  it('search with payloads in the query string does not break or leak', async () => {
    for (const p of SQLI) {
      const r = await t.req('GET', `/api/cases?q=${encodeURIComponent(p)}`, { cookie: cookies.dispatcher });
      expect(r.statusCode).toBeLessThan(500);
      if (r.statusCode === 200) for (const it of r.json().items as Array<{ description: string; address: string | null }>) expect(`${it.description} ${it.address}`).toContain(p.slice(0, 3));
    }
    await tablesIntact();
  });

  it('cases CSV export neutralises formulas and quotes the rest', async () => {
    const r = await t.req('GET', '/api/cases?format=csv&pageSize=100', { cookie: cookies.dispatcher });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/csv');
    const cells = parseCsv(r.body.replace(/^\uFEFF/, ''));
    const header = cells[0]!;
    const addr = header.indexOf('地址');
    expect(addr).toBeGreaterThanOrEqual(0);
    const addresses = cells.slice(1).map((row) => row[addr]);
    for (const f of FORMULA) {
      expect(addresses).not.toContain(f);
      expect(addresses).toContain(`'${f}`);
    }
    for (const p of ALL) expect(addresses).toContain(p); // the other payloads are plain text in a CSV
    // no cell of any row starts a formula
    for (const row of cells.slice(1)) for (const c of row) expect(/^[=+\-@]/.test(c), c).toBe(false);
  });

  it('Open311 XML escapes the text and stays well-formed', async () => {
    const r = await t.req('GET', '/api/open311/v2/requests.xml');
    expect(r.statusCode).toBe(200);
    expect(XMLValidator.validate(r.body)).toBe(true);
    expect(r.body).not.toContain('<script>');
    expect(r.body).not.toContain('<img src=x');
    const parsed = new XMLParser({ processEntities: true, htmlEntities: true }).parse(r.body);
    const reqs = [parsed.service_requests?.request ?? []].flat() as Array<{ description?: unknown; address?: unknown }>;
    const texts = reqs.map((x) => `${x.description ?? ''} ${x.address ?? ''}`).join('\n');
    // whatever Open311 publishes of these cases, it arrives as text, not markup
    expect(reqs.length).toBeGreaterThan(0);
    for (const p of XSS) expect(texts).toContain(p);
  });

  it('resident name: stored verbatim', async () => {
    const hh = await sql<{ id: string }>`select id from org_nodes where level = 'household' and code like '430103007001%' order by code limit 1`.execute(t.og.ctx.db);
    for (const p of [...SQLI, ...XSS].filter((x) => x.length <= 50)) {
      const r = await t.req('POST', '/api/org/residents', { cookie: cookies['community_admin.qiaotou'], body: { name: p, householdId: hh.rows[0]!.id, address: p } });
      expect(r.statusCode, r.body).toBeLessThan(500);
      expect(r.statusCode, r.body).toBe(201);
      const back = await t.req('GET', `/api/org/residents/${r.json().id}`, { cookie: cookies['community_admin.qiaotou'] });
      expect(back.json().name).toBe(p);
    }
    await tablesIntact();
  });

  it('mediation application: title, description and party names stored verbatim', async () => {
    for (const p of ALL) {
      const r = await t.req('POST', '/api/mediation/disputes', {
        cookie: cookies['mediator.qiaotou'],
        body: { type: 'neighbour', title: p.slice(0, 100).padEnd(2, '_'), description: `纠纷经过：${p}`, parties: [{ role: 'applicant', name: p }, { role: 'respondent', name: '李四' }], nodeId: qiaotou.id },
      });
      expect(r.statusCode, r.body).toBe(201);
      const back = (await t.req('GET', `/api/mediation/disputes/${r.json().id}`, { cookie: cookies['mediator.qiaotou'] })).json();
      expect(back.title).toBe(p);
      expect(back.description).toBe(`纠纷经过：${p}`);
    }
    await tablesIntact();
  });

  it('deliberation topic: title and body stored verbatim; comments too', async () => {
    for (const p of ALL) {
      const r = await t.req('POST', '/api/deliberation/topics', { cookie: cookies['resident.qiaotou'], body: { title: p.slice(0, 60), body: `议题内容 ${p}`, category: '其他' } });
      expect(r.statusCode, r.body).toBeLessThan(500);
      expect(r.statusCode, r.body).toBe(201);
      const id = r.json().id as string;
      const back = (await t.req('GET', `/api/deliberation/topics/${id}`, { cookie: cookies['resident.qiaotou'] })).json();
      expect(back.title ?? back.topic?.title).toBe(p.slice(0, 60));
      expect(back.body ?? back.topic?.body).toBe(`议题内容 ${p}`);
      const c = await t.req('POST', `/api/deliberation/topics/${id}/comments`, { cookie: cookies['resident.qiaotou'], body: { body: p } });
      expect(c.statusCode, c.body).toBeLessThan(500);
    }
    await tablesIntact();
  });

  it('announcements: stored verbatim, and the public RSS feed escapes title and body', async () => {
    const community = await sql<{ id: string }>`select id from org_nodes where code = '430103007001'`.execute(t.og.ctx.db);
    for (const p of ALL) {
      const r = await t.req('POST', '/api/services/announcements', { cookie: cookies['community_admin.qiaotou'], body: { nodeId: community.rows[0]!.id, title: p, body: `公告正文 ${p}`, publish: true, onBoard: true } });
      expect(r.statusCode, r.body).toBe(201);
      const back = (await t.req('GET', `/api/services/announcements/${r.json().id}`, { cookie: cookies['community_admin.qiaotou'] })).json();
      expect(back.title).toBe(p);
      expect(back.body).toBe(`公告正文 ${p}`);
    }
    const rss = await t.req('GET', '/api/services/feed.rss?node=430103007001');
    expect(rss.statusCode).toBe(200);
    expect(XMLValidator.validate(rss.body)).toBe(true);
    expect(rss.body).not.toContain('<script>');
    expect(rss.body).not.toContain('<img src=x');
    const items = [new XMLParser({ processEntities: true, htmlEntities: true }).parse(rss.body).rss.channel.item ?? []].flat() as Array<{ title: string }>;
    const titles = items.map((i) => String(i.title));
    // every payload comes back as the same text once the XML is parsed: escaped, not dropped
    for (const p of ALL) expect(titles).toContain(p);
    await tablesIntact();
  });
});

/** RFC 4180 parser (quoted cells, doubled quotes, CRLF rows) */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}
