/// <reference lib="dom" />
/**
 * Browser journeys through the web app: the built web/dist served by a real server (fresh PGlite in
 * memory with the demo district), driven by Debian's chromium through playwright-core.
 *
 * Screenshots go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type OneGrid } from '../../src/app.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { clickAndPost, collectErrors, launchChromium } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const PASSWORD = 'onegrid-demo';

let og: OneGrid;
let browser: Browser;
let base: string;
let app: E2eApp;

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  // As test/helpers.ts: no bulk demo cases, uploads in a temporary directory.
  app = await startE2eApp('web');
  og = app.og;
  base = app.base;
  browser = await launchChromium();
}, 300_000); // a fresh database with every module's demo seed takes a while on a busy 2-core machine

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh browser profile; collects page errors and console errors (CSP violations show there). */
async function open(viewport: { width: number; height: number }, mobile = false): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', deviceScaleFactor: mobile ? 2 : 1 });
  const page = await ctx.newPage();
  const errors: string[] = [];
  // 401 from the session probe on the login page is expected; anything else is a defect.
  collectErrors(page, errors);
  return { ctx, page, errors };
}

async function login(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });

describe('web app', () => {
  it('staff: login errors, role menu, residents (masked + logged reveal), org map, English, logout', async () => {
    const { ctx, page, errors } = await open({ width: 1366, height: 860 });

    // Signed out: any console page sends you to the login page.
    await page.goto(`${base}/residents`);
    await page.waitForURL(/\/login\?from=%2Fresidents/);
    await page.getByText('账号登录').waitFor();

    // Empty form: the field rules speak Chinese, and no request is sent.
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByText('请输入用户名或手机号').waitFor();
    await page.getByText('请输入密码').waitFor();

    // Wrong password: the server's message is shown.
    await login(page, 'community_admin.qiaotou', 'wrong-password');
    const alert = page.getByTestId('login-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('用户名或密码错误');
    await shot(page, 'login-error');

    // Right password: back to the page asked for, with the menu for a community admin.
    await login(page, 'community_admin.qiaotou');
    await page.waitForURL(`${base}/residents`);
    const menu = page.getByRole('menu').first();
    for (const item of ['工作台', '组织架构', '居民管理', '处置部门', '事件分类']) await menu.getByText(item, { exact: true }).waitFor();
    await page.getByText('桥头社区管理员').first().waitFor();

    // Residents: masked phones, and the total the API reports.
    const rows = page.locator('[data-testid="residents-table"] tbody tr.ant-table-row');
    await rows.first().waitFor();
    const phones = await page.getByTestId('masked-phone').allTextContents();
    expect(phones.length).toBeGreaterThan(0);
    for (const p of phones) expect(p).toMatch(/^1\d{2}\*{4}\d{4}$|^-$/);
    const api = await (await page.request.get(`${base}/api/org/residents?pageSize=1`)).json();
    await page.getByText(`共 ${api.total} 条`).waitFor();
    await shot(page, 'console-residents');

    // Filter by name narrows the list to that person.
    const firstName = (await rows.first().locator('td').first().textContent())!.trim();
    await page.getByPlaceholder('输入姓名搜索').fill(firstName);
    await page.getByRole('button', { name: /查\s*询/ }).click();
    await page.waitForFunction((n) => [...document.querySelectorAll('[data-testid="residents-table"] tbody tr.ant-table-row')].every((tr) => tr.querySelector('td')?.textContent?.includes(n)), firstName);

    // Show full details: a confirmation first, then the clear text (and the read is logged).
    const before = await countAccessLog(og);
    await rows.first().getByRole('button', { name: '查看完整信息' }).click();
    const confirm = page.locator('.ant-modal-confirm').filter({ hasText: '查看完整个人信息？' });
    await confirm.waitFor();
    await shot(page, 'console-reveal-confirm');
    await confirm.getByRole('button', { name: '确认查看' }).click();
    const info = page.locator('.ant-modal-confirm').filter({ hasText: '的完整信息' });
    await info.waitFor();
    expect(await info.locator('.og-revealed').textContent()).toMatch(/1\d{10}/);
    expect(await countAccessLog(og)).toBeGreaterThan(before);
    await info.getByRole('button').last().click();
    await info.waitFor({ state: 'detached' });

    // Organisation: the tree and the grid polygons on the map.
    await menu.getByText('组织架构', { exact: true }).click();
    await page.waitForURL(`${base}/org`);
    await page.locator('[data-testid="org-map"] path.leaflet-interactive').first().waitFor();
    const polygons = await page.locator('[data-testid="org-map"] path.leaflet-interactive').count();
    const nodes = await (await page.request.get(`${base}/api/org/nodes?level=street&level=community&level=estate&level=grid&geometry=true`)).json();
    expect(polygons).toBe((nodes as { geometry?: unknown }[]).filter((n) => n.geometry).length);
    await page.locator('.ant-tree').getByText('桥头社区', { exact: true }).click();
    await page.locator('.ant-descriptions').getByText('430103007001', { exact: true }).waitFor();
    await page.waitForTimeout(600); // let the map's fly-to animation settle before the picture
    await shot(page, 'console-org-map');

    // Dashboard and categories render (the chart and the 48 categories).
    await menu.getByText('事件分类', { exact: true }).click();
    await page.getByText('共 48 条').waitFor();
    await menu.getByText('工作台', { exact: true }).click();
    await page.locator('.og-home-stats').waitFor();
    await page.locator('canvas').first().waitFor();
    await shot(page, 'console-home');

    // English and back.
    await page.getByTestId('locale-switch').click();
    await menu.getByText('Residents', { exact: true }).waitFor();
    await menu.getByText('Dashboard', { exact: true }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByText('Residents needing attention').waitFor();
    await page.waitForTimeout(1200); // the chart re-animates with the new labels; wait for a clean picture
    await shot(page, 'console-home-en');
    await page.getByTestId('locale-switch').click();
    await menu.getByText('居民管理', { exact: true }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

    // Large text in the console: 18px base, remembered across a reload.
    await page.getByTestId('large-text-switch').click();
    await page.waitForFunction(() => document.documentElement.classList.contains('og-large'));
    expect(await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.og-header-title')!).fontSize))).toBeGreaterThanOrEqual(18);
    await page.reload();
    await page.locator('.og-home-stats').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('og-large'))).toBe(true);
    await page.waitForTimeout(800); // chart animation
    await shot(page, 'console-home-large');
    await page.getByTestId('large-text-switch').click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('og-large'));

    // Logout: back at the login page, and the console is closed again.
    await page.getByTestId('user-menu').click();
    await clickAndPost(page, page.getByRole('menuitem', { name: '退出登录' }), /\/auth\/logout$/);
    // a wait, not a timing check: CI runs two test files at once on two cores
    await page.waitForURL(/\/login/, { timeout: 90_000 });
    expect((await page.request.get(`${base}/api/auth/me`)).status()).toBe(401);

    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('a department handler sees no residents entry and is refused the page', async () => {
    // dept_handler holds org.read (see the org manifest) but not residents.read.
    const { ctx, page, errors } = await open({ width: 1280, height: 800 });
    await page.goto(`${base}/login`);
    await login(page, 'dept.sz');
    await page.waitForURL(`${base}/`);
    const menu = page.getByRole('menu').first();
    await menu.getByText('处置部门', { exact: true }).waitFor();
    expect(await menu.getByText('居民管理', { exact: true }).count()).toBe(0);
    await menu.getByText('组织架构', { exact: true }).waitFor();
    await page.goto(`${base}/residents`);
    await page.getByText('无权访问').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('staff on a phone: the menu opens in a drawer', async () => {
    const { ctx, page, errors } = await open({ width: 375, height: 812 }, true);
    await page.goto(`${base}/login`);
    await shot(page, 'mobile-login');
    await login(page, 'grid_worker.qiaotou');
    await page.waitForURL(`${base}/`);
    await page.getByRole('button', { name: '菜单' }).click();
    await page.locator('.ant-drawer').getByText('居民管理', { exact: true }).click();
    await page.waitForURL(`${base}/residents`);
    await page.getByTestId('masked-phone').first().waitFor();
    await shot(page, 'mobile-console-residents');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('resident on a phone: lands in H5, 长辈模式 enlarges text and is remembered', async () => {
    const { ctx, page, errors } = await open({ width: 375, height: 812 }, true);
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login/);
    await login(page, 'resident.qiaotou');
    await page.waitForURL(`${base}/h5`);
    await page.getByText('我要上报').waitFor();
    await page.getByText('我的上报').waitFor();
    await page.getByText(/王军湘，您好/).waitFor();
    const normal = await fontSize(page);
    expect(normal).toBeGreaterThanOrEqual(16);
    await shot(page, 'h5-home');

    // The console is for staff: a resident is sent back to H5.
    await page.goto(`${base}/residents`);
    await page.waitForURL(`${base}/h5`);

    await page.getByTestId('large-text-switch').first().click();
    await page.waitForFunction(() => document.documentElement.classList.contains('og-large'));
    const large = await fontSize(page);
    expect(large).toBeGreaterThanOrEqual(18);
    expect(large).toBeGreaterThan(normal);
    const tileHeight = (await page.getByTestId('tile-report').boundingBox())!.height;
    expect(tileHeight).toBeGreaterThanOrEqual(88);
    // The plain layout: the six things elderly residents do most, first and in this order; every
    // other service waits behind one "more services" fold.
    const first = await page.locator('.og-h5-home > .og-tiles .og-tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(first).toEqual(['tile-sos', 'tile-report', 'tile-my-reports', 'tile-notices', 'tile-activities', 'tile-assistant']);
    await page.getByText('不会用，请打电话给社区').waitFor();
    expect(await page.getByTestId('tile-guide').isVisible()).toBe(false);
    await shot(page, 'h5-home-elder');
    await page.getByTestId('more-services').locator('summary').click();
    await page.getByTestId('tile-guide').waitFor();

    await page.reload();
    await page.getByText('我要上报').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('og-large'))).toBe(true);

    // Profile: the resident's own record, masked.
    await page.getByRole('navigation').getByRole('link', { name: '我的' }).click();
    await page.waitForURL(`${base}/h5/profile`);
    await page.getByText(/^1\d{2}\*{4}\d{4}$/).waitFor();
    await shot(page, 'h5-profile-elder');

    // Turn it off again.
    await page.getByTestId('large-text-switch').first().click();
    await page.waitForFunction(() => !document.documentElement.classList.contains('og-large'));
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

async function fontSize(page: Page): Promise<number> {
  return page.evaluate(() => parseFloat(getComputedStyle(document.querySelector('.og-h5')!).fontSize));
}

/** Rows in the personal-data access log (clear-text reads) about one entity. */
async function countAccessLog(app: OneGrid): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM data_access_log WHERE actor_name = '桥头社区管理员'`.execute(app.ctx.db);
  return Number(r.rows[0]?.n ?? 0);
}
