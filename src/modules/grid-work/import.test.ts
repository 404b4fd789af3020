import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/helpers.js';
import { idCardProblem, IMPORT_BATCH } from './service/registry.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const idCard = (body17: string) => {
  let s = 0;
  for (let i = 0; i < 17; i++) s += Number(body17[i]) * W[i]!;
  return body17 + '10X98765432'[s % 11];
};

function multipart(fileName: string, data: Buffer): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----onegridtest' + Math.random().toString(16).slice(2);
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, data, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function upload(cookie: string, fileName: string, data: Buffer) {
  const m = multipart(fileName, data);
  return t.og.app.inject({ method: 'POST', url: '/api/grid-work/imports', headers: { cookie, ...m.headers }, payload: m.body });
}

describe('XLSX import of residents', () => {
  it('imports 5,000 good rows in batches with progress, and reports each of 20 bad rows with its row number and a Chinese reason', { timeout: 300_000 }, async () => {
    const db = t.og.ctx.db;
    const ca = await t.login('community_admin.qiaotou');
    const households = await db.selectFrom('org_nodes').select(['code']).where('level', '=', 'household').where('code', 'like', '430103007001%').orderBy('code').execute();
    const mulianHousehold = (await db.selectFrom('org_nodes').select('code').where('level', '=', 'household').where('code', 'like', '430103007002%').executeTakeFirstOrThrow()).code;
    // an ID number already in the registry
    const existing = await db.selectFrom('residents').select('id_card_enc').where('id_card_enc', 'is not', null).executeTakeFirstOrThrow();
    const existingId = t.og.ctx.cipher.decrypt(existing.id_card_enc)!;

    const header = ['姓名', '身份证号', '手机号', '户编码', '与户主关系', '标签', '入住日期', '性别', '出生日期'];
    const good: string[][] = [];
    // (year, month, day) = (i mod 65, i mod 12, i mod 28) repeats only after 5,460 rows: every ID is unique
    for (let i = 0; i < 5000; i++) {
      const birth = `${1940 + (i % 65)}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}`;
      good.push([`导入${i}号`, idCard(`430104${birth}${String(i % 1000).padStart(3, '0')}`), `13${String(700000000 + i).padStart(9, '0')}`, households[i % households.length]!.code, i % 3 ? '配偶' : '户主', i % 10 === 0 ? '独居老人、高龄' : '', '2025-03-01', '', '']);
    }
    expect(new Set(good.map((g) => g[1])).size).toBe(5000);
    const validId = (n: number) => idCard(`43010519300101${String(n).padStart(3, '0')}`);
    const flip = (id: string) => id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
    const hh = households[0]!.code;
    const bad: Array<{ row: string[]; reason: RegExp }> = [
      { row: ['错一', flip(validId(901)), '13900000001', hh, '户主', '', '', '', ''], reason: /校验位/ },
      { row: ['错二', flip(validId(902)), '13900000002', hh, '户主', '', '', '', ''], reason: /校验位/ },
      { row: ['错三', flip(validId(903)), '', hh, '', '', '', '', ''], reason: /校验位/ },
      { row: ['错四', '43010519300101', '', hh, '', '', '', '', ''], reason: /18 位/ },
      { row: ['错五', validId(905), '1234567', hh, '', '', '', '', ''], reason: /手机号/ },
      { row: ['错六', validId(906), '23800000000', hh, '', '', '', '', ''], reason: /手机号/ },
      { row: ['错七', validId(907), '138000000001', hh, '', '', '', '', ''], reason: /手机号/ },
      { row: ['错八', validId(908), '', '430103007001G99B1H1', '', '', '', '', ''], reason: /户编码不存在/ },
      { row: ['错九', validId(909), '', 'NOPE', '', '', '', '', ''], reason: /户编码不存在/ },
      { row: ['错十', validId(910), '', mulianHousehold, '', '', '', '', ''], reason: /不在您的管辖范围/ },
      { row: ['', validId(911), '', hh, '', '', '', '', ''], reason: /姓名为必填项/ },
      { row: ['', validId(912), '13900000012', hh, '', '', '', '', ''], reason: /姓名为必填项/ },
      { row: ['重复一', good[10]![1]!, '', hh, '', '', '', '', ''], reason: /与第 12 行重复/ },
      { row: ['重复二', good[3000]![1]!, '', hh, '', '', '', '', ''], reason: /与第 3002 行重复/ },
      { row: ['已登记', existingId, '', hh, '', '', '', '', ''], reason: /已登记/ },
      { row: ['日期错', idCard('43010519301301915'), '', hh, '', '', '', '', ''], reason: /出生日期无效/ },
      { row: ['标签错', validId(917), '', hh, '', '党员、村霸', '', '', ''], reason: /未知标签/ },
      { row: ['性别错', idCard('43010519300101927'), '', hh, '', '', '', '女', ''], reason: /性别与身份证号不符/ },
      { row: ['缺证号', '', '', hh, '', '', '', '', ''], reason: /身份证号为必填项/ },
      { row: ['日期二', validId(920), '', hh, '', '', '2025/13/01', '', ''], reason: /入住日期/ },
    ];
    // spread the bad rows through the file so that they fall into different batches
    const rows: string[][] = [...good];
    const badRowNos: number[] = [];
    bad.forEach((b, i) => {
      const at = Math.min(rows.length, 13 + i * 251);
      rows.splice(at, 0, b.row);
    });
    rows.forEach((r, i) => {
      const b = bad.findIndex((x) => x.row === r);
      if (b >= 0) badRowNos[b] = i + 2; // header is row 1
    });
    // the duplicates' expected "first seen" row numbers follow the insertions
    bad[12]!.reason = new RegExp(`与第 ${rows.indexOf(good[10]!) + 2} 行重复`);
    bad[13]!.reason = new RegExp(`与第 ${rows.indexOf(good[3000]!) + 2} 行重复`);
    expect(bad.filter((b) => b.row[1] && idCardProblem(b.row[1]) === null).length).toBeGreaterThan(5); // not every bad row is a bad ID

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('居民');
    ws.addRow(header);
    for (const r of rows) ws.addRow(r);
    const file = Buffer.from(await wb.xlsx.writeBuffer());

    // a grid worker may not import; a file that is not a workbook is refused
    expect((await upload(await t.login('grid_worker.qiaotou'), 'r.xlsx', file)).statusCode).toBe(403);
    const junk = await upload(ca, 'r.xlsx', Buffer.from('not a workbook'));
    expect(junk.statusCode).toBe(400);
    expect(junk.json().error.message).toMatch(/XLSX/);

    const before = Number((await db.selectFrom('residents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const up = await upload(ca, '桥头社区居民.xlsx', file);
    expect(up.statusCode, up.body).toBe(201);
    const preview = up.json();
    expect(preview).toMatchObject({ status: 'preview', totalRows: 5020, validRows: 5000, errorCount: 20 });
    expect(preview.sample.length).toBe(10);
    expect(preview.sample[0].idCard).toContain('*');
    // nothing is imported by the preview
    expect(Number((await db.selectFrom('residents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(before);
    const checkErrors = (errors: Array<{ row: number; reasons: string[] }>) => {
      expect(errors.map((e) => e.row), JSON.stringify(errors)).toEqual([...badRowNos].sort((a, b) => a - b));
      bad.forEach((b, i) => {
        const e = errors.find((x) => x.row === badRowNos[i]);
        expect(e, `row ${badRowNos[i]}`).toBeDefined();
        expect(e!.reasons.join('；'), `row ${badRowNos[i]}`).toMatch(b.reason);
        for (const r of e!.reasons) expect(r).toMatch(/[\u4e00-\u9fa5]/);
      });
    };
    checkErrors(preview.errors);

    const commit = await t.req('POST', `/api/grid-work/imports/${preview.id}/commit`, { cookie: ca });
    expect(commit.statusCode).toBe(202);
    expect(commit.json().status).toBe('queued');
    expect((await t.req('POST', `/api/grid-work/imports/${preview.id}/commit`, { cookie: ca })).statusCode).toBe(409);

    // the job runs one batch per run and records progress after each
    const seenProgress: number[] = [];
    for (let guard = 0; guard < 20; guard++) {
      await t.og.ctx.jobs.runDue(); // one batch per call: the test watches progress between batches
      const p = (await t.req('GET', `/api/grid-work/imports/${preview.id}`, { cookie: ca })).json();
      seenProgress.push(p.progress);
      if (p.status === 'done') break;
      expect(p.status).toBe('running');
    }
    expect(seenProgress).toHaveLength(Math.ceil(5020 / IMPORT_BATCH));
    expect(seenProgress.slice(0, -1).every((p, i) => p > (seenProgress[i - 1] ?? 0) && p < 100)).toBe(true);
    expect(seenProgress.at(-1)).toBe(100);

    const done = (await t.req('GET', `/api/grid-work/imports/${preview.id}`, { cookie: ca })).json();
    expect(done).toMatchObject({ status: 'done', inserted: 5000, processed: 5020, errorCount: 20 });
    checkErrors(done.errors);
    const after = Number((await db.selectFrom('residents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(after - before).toBe(5000);
    // the rows are findable by ID number, encrypted, placed in their households, with move-in history and tag events by the importer
    const probe = good[1234]!;
    const list = (await t.req('GET', `/api/org/residents?idCard=${probe[1]}`, { cookie: ca })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0].name).toBe(probe[0]);
    expect(list.items[0].nodePath).toMatch(new RegExp(`/${probe[3]}$`));
    expect(await db.selectFrom('resident_moves').select('id').where('reason', '=', '批量导入登记').execute()).toHaveLength(5000);
    const importer = (await db.selectFrom('users').select('id').where('username', '=', 'community_admin.qiaotou').executeTakeFirstOrThrow()).id;
    const tagged = await db.selectFrom('resident_tag_events').innerJoin('residents', 'residents.id', 'resident_tag_events.resident_id').select(['resident_tag_events.by_user_id']).where('residents.name', 'like', '导入%').execute();
    expect(tagged).toHaveLength(1000); // 500 residents × 2 tags
    expect(tagged.every((x) => x.by_user_id === importer)).toBe(true);
    // the uploaded file is not kept once the import is done; each batch is audited
    expect((await db.selectFrom('resident_imports').select('file_enc').where('id', '=', preview.id).executeTakeFirstOrThrow()).file_enc).toBeNull();
    const batches = await db.selectFrom('audit_log').select('after').where('action', '=', 'resident.import.batch').where('entity_id', '=', preview.id).execute();
    expect(batches).toHaveLength(Math.ceil(5020 / IMPORT_BATCH));
    // importing the same file again: every row is now a duplicate of a registered resident
    const again = (await upload(ca, 'again.xlsx', file)).json();
    expect(again.validRows).toBe(0);
    expect((await t.req('POST', `/api/grid-work/imports/${again.id}/commit`, { cookie: ca })).statusCode).toBe(400);
  });
});
