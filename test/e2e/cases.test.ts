/// <reference lib="dom" />
/**
 * The closed loop in the browser: one case from a resident's report on a phone to the rating,
 * through five users (resident → dispatcher → supervisor → department handler → grid worker → resident). Each
 * state is checked on screen and in the database.
 *
 * Screenshots go to test-results/screenshots/cases-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import sharp from 'sharp';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type OneGrid } from '../../src/app.js';
import { pointInCell } from '../../src/modules/org/demo-geometry.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { launchChromium, collectErrors, clickAndPost } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const PASSWORD = 'onegrid-demo';

let og: OneGrid;
let browser: Browser;
let base: string;
let app: E2eApp;
let jpeg: Buffer;

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  app = await startE2eApp('cases');
  og = app.og;
  base = app.base;
  browser = await launchChromium();
  jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `cases-${name}.png`), fullPage: true });

async function open(viewport: { width: number; height: number }, mobile = false): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', deviceScaleFactor: mobile ? 2 : 1 });
  const page = await ctx.newPage();
  const errors: string[] = [];
  collectErrors(page, errors);
  return { ctx, page, errors };
}

/** Opens a protected page signed out, signs in on the login page and comes back to it. */
async function signInAt(page: Page, path: string, username: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/login/);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL(`${base}${path}`);
}

interface Row {
  id: string;
  state: string;
  version: number;
  photos: string[];
  rating: number | null;
  dept: string | null;
  grid: string | null;
}
async function caseByNumber(number: string): Promise<Row> {
  const r = await sql<Row>`
    SELECT c.id, c.state, c.version, c.photos, c.rating, d.code AS dept, n.code AS grid
    FROM cases c LEFT JOIN departments d ON d.id = c.department_id LEFT JOIN org_nodes n ON n.id = c.grid_id
    WHERE c.number = ${number}`.execute(og.ctx.db);
  expect(r.rows).toHaveLength(1);
  return r.rows[0]!;
}
async function eventActions(id: string): Promise<string[]> {
  const r = await sql<{ action: string }>`SELECT action FROM case_events WHERE case_id = ${id} ORDER BY at, id`.execute(og.ctx.db);
  return r.rows.map((x) => x.action);
}

const photo = () => ({ name: 'scene.jpg', mimeType: 'image/jpeg', buffer: jpeg });

describe('cases: the closed loop in the browser', () => {
  it('resident reports on a phone → dispatcher → supervisor urges → department → grid worker → resident rates 5', async () => {
    const [lng, lat] = pointInCell(0, 3, 0.5, 0.5); // inside grid 430103007001G01

    // 1. resident.qiaotou reports on a phone: text, a photo, "use my location"
    const res = await open({ width: 375, height: 812 }, true);
    await res.ctx.grantPermissions(['geolocation'], { origin: base });
    await res.ctx.setGeolocation({ longitude: lng, latitude: lat, accuracy: 10 });
    const rp = res.page;
    await signInAt(rp, '/h5/report', 'resident.qiaotou');
    // Chinese validation: an empty form is refused before any request
    await rp.getByTestId('report-submit').click();
    await rp.getByText('请描述您发现的问题').waitFor();
    await rp.getByText('请使用定位或在地图上点选位置').waitFor();
    // Vague enough that the classifier is not confident (top suggestion 路灯 at ~0.18): the report
    // waits for the dispatcher, so five different people act in the browser.
    await rp.getByLabel('问题描述').fill('北门这边晚上黑乎乎的，麻烦派人来看看');
    await rp.getByTestId('photo-input').setInputFiles(photo());
    await rp.getByRole('button', { name: /拍照\/相册（1\/9）/ }).waitFor();
    await rp.getByRole('button', { name: '使用我的位置' }).click();
    await rp.getByTestId('report-place').getByText(/已定位：.*第1网格/).waitFor();
    await rp.locator('[data-testid="case-map"] path.leaflet-interactive').first().waitFor(); // the pin
    await shot(rp, 'h5-report-form');
    await rp.getByTestId('report-submit').click();
    await rp.getByTestId('report-receipt').waitFor();
    const number = (await rp.getByTestId('receipt-number').textContent())!.trim();
    const code = (await rp.getByTestId('receipt-code').textContent())!.trim();
    expect(number).toMatch(/^\d{13}$/);
    expect(code).toMatch(/^[A-Z0-9]{6}$/);
    await shot(rp, 'h5-receipt');
    let row = await caseByNumber(number);
    expect(row.grid).toBe('430103007001G01');
    expect(row.photos).toHaveLength(1);
    expect(row.state).toBe('reported');

    // 2. the dispatcher dispatches it from the queue, taking the classifier's first suggestion
    {
      const d = await open({ width: 1366, height: 860 });
      await signInAt(d.page, '/cases/queue', 'dispatcher');
      const tr = d.page.locator('[data-testid="queue-table"] tr', { hasText: number });
      await tr.waitFor();
      await shot(d.page, 'console-queue');
      await tr.getByRole('button', { name: /^派\s*遣$/ }).click();
      const modal = d.page.locator('.ant-modal', { hasText: `派遣 · ${number}` });
      await modal.waitFor();
      // the classifier's top-3 are offered; the first one fills category and department
      const tag = modal.getByTestId('category-suggestions').locator('.ant-tag').first();
      await tag.waitFor();
      await tag.click();
      await shot(d.page, 'console-dispatch-modal');
      await clickAndPost(d.page, modal.getByTestId('action-submit'), /\/dispatch$/);
      await tr.waitFor({ state: 'detached' });
      expect(d.errors).toEqual([]);
      await d.ctx.close();
    }
    row = await caseByNumber(number);
    expect(row.state).toBe('dispatched');
    expect(row.dept).toBeTruthy();

    // 2b. the supervisor urges the department from the case page (督办)
    {
      const s = await open({ width: 1366, height: 860 });
      await signInAt(s.page, `/cases/${row.id}`, 'supervisor');
      await s.page.getByTestId('case-actions').getByRole('button', { name: /^督\s*办$/ }).click();
      const um = s.page.locator('.ant-modal', { hasText: `督办 · ${number}` });
      await um.waitFor();
      await um.getByLabel('督办意见').fill('夜间照明关系群众出行安全，请今天内处理');
      await clickAndPost(s.page, um.getByTestId('action-submit'), /\/urge$/);
      await s.page.getByTestId('case-detail').getByText('督办 1 次').waitFor();
      await shot(s.page, 'console-urged');
      expect(s.errors).toEqual([]);
      await s.ctx.close();
    }
    expect(await eventActions(row.id)).toContain('urged');

    // 3. the department's handler accepts, then resolves with a photo
    const h = await open({ width: 1366, height: 860 });
    await signInAt(h.page, '/cases/worklist', `dept.${row.dept!.toLowerCase()}`);
    let tr = h.page.locator('[data-testid="worklist-table"] tr', { hasText: number });
    await tr.waitFor();
    await shot(h.page, 'console-worklist');
    await tr.getByRole('button', { name: /^签\s*收$/ }).click();
    await clickAndPost(h.page, h.page.locator('.ant-modal', { hasText: `签收 · ${number}` }).getByTestId('action-submit'), /\/accept$/);
    await tr.waitFor({ state: 'detached' });
    expect((await caseByNumber(number)).state).toBe('accepted');
    await h.page.getByRole('tab', { name: '处理中' }).click();
    tr = h.page.locator('[data-testid="worklist-table"] tr', { hasText: number });
    await tr.waitFor();
    await tr.getByRole('button', { name: '处置反馈' }).click();
    const rm = h.page.locator('.ant-modal', { hasText: `处置反馈 · ${number}` });
    await rm.waitFor();
    await rm.getByTestId('action-submit').click(); // empty: the form says what is missing
    await rm.getByText('请填写处置情况').waitFor();
    await rm.getByLabel('处置情况').fill('已更换路灯灯头并通电测试，恢复照明');
    await rm.getByTestId('action-photo-input').setInputFiles(photo());
    await rm.getByRole('button', { name: /拍照\/相册（1\/9）/ }).waitFor();
    await clickAndPost(h.page, rm.getByTestId('action-submit'), /\/resolve$/);
    await tr.waitFor({ state: 'detached' });
    row = await caseByNumber(number);
    expect(row.state).toBe('resolved');
    // the detail page: state, department, the timeline with the resolution
    await h.page.goto(`${base}/cases/${row.id}`);
    await h.page.getByTestId('case-detail').getByTestId('case-state').getByText('待核查').waitFor();
    await h.page.getByTestId('case-timeline').getByText('已更换路灯灯头并通电测试，恢复照明').waitFor();
    await h.page.getByTestId('case-actions').getByText('当前没有您可以执行的操作').waitFor();
    await shot(h.page, 'console-detail-resolved');
    expect(h.errors).toEqual([]);
    await h.ctx.close();

    // 4. grid_worker.qiaotou verifies on site: pass
    const g = await open({ width: 1366, height: 860 });
    await signInAt(g.page, '/cases/verification', 'grid_worker.qiaotou');
    tr = g.page.locator('[data-testid="verify-table"] tr', { hasText: number });
    await tr.waitFor();
    await tr.getByRole('button', { name: /^核\s*查$/ }).click();
    const vm = g.page.locator('.ant-modal', { hasText: `核查 · ${number}` });
    await vm.waitFor();
    await vm.getByRole('radio', { name: '通过（结案）' }).check();
    await vm.getByLabel('说明（选填）').fill('现场查看，路灯已亮');
    await shot(g.page, 'console-verify-modal');
    await clickAndPost(g.page, vm.getByTestId('action-submit'), /\/verify$/);
    await tr.waitFor({ state: 'detached' });
    expect((await caseByNumber(number)).state).toBe('closed');
    expect(g.errors).toEqual([]);
    await g.ctx.close();

    // 5. the resident sees it closed, and rates it 5
    await rp.goto(`${base}/h5/reports`);
    const card = rp.getByTestId('my-report').filter({ hasText: number });
    await card.getByText('已结案').waitFor();
    await card.click();
    await rp.getByTestId('my-report-detail').waitFor();
    await rp.getByTestId('case-state').getByText('已结案').waitFor();
    await rp.getByTestId('case-timeline').getByText('结案').first().waitFor();
    const rate = rp.getByTestId('rate-form');
    await rate.locator('.ant-rate-star').nth(3).click(); // 4 stars, then 5
    await rate.locator('.ant-rate-star').nth(4).click();
    await rate.getByLabel('说点什么（选填）').fill('修得很快，谢谢');
    await rate.getByRole('button', { name: '提交评价' }).click();
    await rp.getByText('感谢您的评价').waitFor();
    await rp.getByTestId('my-rating').waitFor();
    expect(await rp.getByTestId('rate-form').count()).toBe(0);
    await shot(rp, 'h5-detail-rated');
    row = await caseByNumber(number);
    expect(row.state).toBe('closed');
    expect(row.rating).toBe(5);
    const steps = await eventActions(row.id);
    for (const a of ['reported', 'dispatched', 'accepted', 'resolved', 'closed', 'rated']) expect(steps).toContain(a);

    // the public tracking page by the receipt code
    await rp.goto(`${base}/h5/track`);
    await rp.getByPlaceholder('案卷编号或查询码').fill(code);
    await rp.getByRole('button', { name: /查\s*询/ }).click();
    await rp.getByTestId('track-result').getByText('已结案').waitFor();
    await rp.getByTestId('track-result').getByText(number).waitFor();
    await shot(rp, 'h5-track');
    expect(res.errors).toEqual([]);
    await res.ctx.close();
  });
});
