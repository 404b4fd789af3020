/// <reference lib="dom" />
/**
 * The command center (社区数据大脑) in a real browser: a street admin opens the full-screen page; a
 * case reported through the API while the page is open appears on it (live list, map marker and
 * today's figure) without a reload, pushed over SSE; so does a device alarm raised by telemetry over
 * the device HTTP API. A community admin's screen receives neither from another community. The
 * period picker re-queries the figures and hotspots; the heat layer can be switched off and on. The
 * repeated-problems page lists an address reported again and again and drills down to its cases.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { pointInCell } from '../../src/modules/org/demo-geometry.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { launchChromium, collectErrors } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const PASSWORD = 'onegrid-demo';

let browser: Browser;
let base: string;
let app: E2eApp;

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  // MQTT_PORT=0: the embedded broker takes any free port (other test files run in parallel).
  app = await startE2eApp('command-center', { MQTT_PORT: '0' });
  base = app.base;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(`${base}/login?from=%2Fanalytics%2Fcommand-center`);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL(`${base}/analytics/command-center`);
}

/** Reports a case as a resident through the API (not through the page). */
async function report(username: string, description: string, cell: [number, number], address = '测试地址'): Promise<{ id: string; number: string }> {
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('og_session='))!.split(';')[0]!;
  const [lng, lat] = pointInCell(cell[0], cell[1], 0.5, 0.5);
  const r = await fetch(`${base}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ description, location: { lng, lat }, address, channel: 'resident' }) });
  expect([200, 201]).toContain(r.status);
  return (await r.json()) as { id: string; number: string };
}

/** Today and other days in Asia/Shanghai, as the API counts them. */
const shDay = (offsetDays = 0) => new Date(Date.now() + 8 * 3_600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** Waits for the page to ask `path` for exactly this period and get an answer. */
const periodAsked = (page: Page, path: string, from: string, to: string) =>
  page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === `/api${path}` && u.searchParams.get('from') === from && u.searchParams.get('to') === to && r.status() === 200;
  });

describe('command center', () => {
  it('shows a case reported while the page is open, without reload; scope filters the stream', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    collectErrors(page, errors);
    await signIn(page, 'street_admin');
    await page.getByRole('heading', { name: '社区数据大脑 · 指挥中心' }).waitFor();
    await page.getByText('实时连接').waitFor(); // the SSE stream is open
    const reportedKpi = page.getByTestId('kpi-reported').locator('.cc-kpi-value');
    await reportedKpi.waitFor();
    const before = Number(await reportedKpi.textContent());
    // grid polygons are drawn on the map (no tile server)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="cc-map"] path.leaflet-interactive').length > 5);
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });

    // A community admin's screen in a second window, to check the scope of the stream.
    const ctx2 = await browser.newContext({ viewport: { width: 1600, height: 900 }, locale: 'zh-CN' });
    const other = await ctx2.newPage();
    await signIn(other, 'community_admin.mulian');
    await other.getByText('实时连接').waitFor();

    // the heat layer is drawn (leaflet.heat's canvas) once the hotspots are in
    await page.locator('[data-testid="cc-map"] canvas.leaflet-heatmap-layer').waitFor({ state: 'attached' });

    const c = await report('resident.qiaotou', '大屏测试：小区门口井盖缺失，有人差点踩空', [0, 3]);
    const live = page.getByTestId('cc-live');
    await live.getByText(c.number, { exact: false }).first().waitFor({ timeout: 20_000 });
    await live.getByText('新上报').first().waitFor();
    // the map marks where it happened, and today's figure follows
    await page.waitForFunction(() => document.querySelectorAll('path.cc-live-marker').length > 0);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="kpi-reported"] .cc-kpi-value')?.textContent) > n, before, { timeout: 20_000 });
    expect(navigations).toBe(0);

    // A manhole cover tilted 40° for 31 s (device timestamps; the rule is "tilt > 15° for 30 s")
    // raises an alarm: it appears in the live list and as a warning sign on the map.
    const now = Date.now();
    const tel = await fetch(`${base}/api/v1/demo-manhole-001/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { ts: now - 31_000, values: { tilt: 40 } },
        { ts: now, values: { tilt: 40 } },
      ]),
    });
    expect(tel.status).toBe(200);
    const alarmItem = live.locator('li', { hasText: '设备告警' }).first();
    await alarmItem.waitFor({ timeout: 20_000 });
    expect(await alarmItem.textContent()).toContain('井盖倾斜传感器');
    await page.locator('[data-testid="cc-map"] .cc-alarm-icon').first().waitFor();
    expect(navigations).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'command-center.png') });
    // a screen opened after the alarm was raised shows it too: the page lists the active alarms
    const late = await ctx.newPage();
    collectErrors(late, errors);
    await late.goto(`${base}/analytics/command-center`);
    await late.locator('[data-testid="cc-map"] .cc-alarm-icon').first().waitFor();
    await late.close();

    // mulian's screen got neither qiaotou's case nor the alarm (the cover is not in mulian); it does get its own
    const mine = await report('resident.mulian', '大屏测试：路灯不亮', [3, 3]);
    await other.getByTestId('cc-live').getByText(mine.number, { exact: false }).first().waitFor({ timeout: 20_000 });
    expect(await other.getByTestId('cc-live').getByText(c.number, { exact: false }).count()).toBe(0);
    expect(await other.getByTestId('cc-live').getByText('设备告警').count()).toBe(0);
    expect(await other.locator('.cc-alarm-icon').count()).toBe(0);
    // nor when it opens again: the active alarms it lists are mulian's only
    const otherAlarms = other.waitForResponse((r) => new URL(r.url()).pathname === '/api/iot/alarms' && r.status() === 200);
    await other.reload();
    await otherAlarms;
    await other.getByText('实时连接').waitFor();
    expect(await other.locator('.cc-alarm-icon').count()).toBe(0);

    // The period picker: 7 days, then a custom range, re-query the dashboard and the hotspots.
    const today = shDay();
    let asked = Promise.all([periodAsked(page, '/analytics/dashboard', shDay(-6), today), periodAsked(page, '/analytics/hotspots', shDay(-6), today)]);
    await page.getByTestId('cc-period').getByRole('button', { name: '近 7 天' }).click();
    await asked;
    await page.getByTestId('cc-period-text').getByText(`${shDay(-6)} ~ ${today}`).waitFor();
    await page.getByTestId('kpi-ontime').getByText('按期办结率（近 7 天）').waitFor();
    await page.getByTestId('cc-period').getByRole('button', { name: '自定义' }).click();
    asked = Promise.all([periodAsked(page, '/analytics/dashboard', shDay(-3), shDay(-1)), periodAsked(page, '/analytics/hotspots', shDay(-3), shDay(-1))]);
    await page.getByLabel('结束日期').fill(shDay(-1));
    await page.getByLabel('开始日期').fill(shDay(-3));
    await asked;
    await page.getByTestId('cc-period-text').getByText(`${shDay(-3)} ~ ${shDay(-1)}`).waitFor();
    // the days before today hold none of this test's cases: the map's grids are all unshaded, the ranking empty
    await page.waitForFunction(() => document.querySelectorAll('.cc-bottom-left tbody tr').length === 0);
    // a start after the end is refused on the page, and the last good range stays
    await page.getByLabel('开始日期').fill(today);
    await page.getByRole('alert').getByText('开始日期不能晚于结束日期').waitFor();
    await page.getByTestId('cc-period-text').getByText(`${shDay(-3)} ~ ${shDay(-1)}`).waitFor();
    // back to today: this test's cases are counted again
    asked = Promise.all([periodAsked(page, '/analytics/dashboard', today, today), periodAsked(page, '/analytics/hotspots', today, today)]);
    await page.getByTestId('cc-period').getByRole('button', { name: '今日' }).click();
    await asked;
    await page.waitForFunction(() => document.querySelectorAll('.cc-bottom-left tbody tr').length > 0);

    // the heat layer switches off and on
    const heat = page.locator('[data-testid="cc-map"] canvas.leaflet-heatmap-layer');
    const heatButton = page.getByRole('button', { name: '热力图' });
    expect(await heatButton.getAttribute('aria-pressed')).toBe('true');
    await heatButton.click();
    await heat.waitFor({ state: 'detached' });
    await heatButton.click();
    await heat.waitFor({ state: 'attached' });
    expect(navigations).toBe(0);

    // a phone width: nothing spills sideways
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => {
      const root = document.querySelector('[data-testid="command-center"]')!;
      return root.scrollWidth <= root.clientWidth + 1;
    });
    await page.screenshot({ path: join(SHOTS, 'command-center-phone.png') });
    expect(errors).toEqual([]);
    await ctx2.close();
    await ctx.close();
  });

  it('lists an address reported again and again, with drill-down to its cases', async () => {
    const address = '大屏测试：木莲东路 99 号';
    const made = [];
    for (const what of ['垃圾堆放', '垃圾又堆起来了', '垃圾还是没清']) made.push(await report('resident.mulian', `大屏测试：${what}`, [4, 4], address));
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await signIn(page, 'street_admin');
    await page.getByTestId('cc-repeats-link').click();
    await page.waitForURL(`${base}/analytics/repeats`);
    await page.getByRole('heading', { name: '高频与重复问题' }).waitFor();
    const row = page.getByTestId('repeats-addresses').locator('tr', { hasText: address });
    await row.waitFor();
    expect(await row.textContent()).toContain('3');
    // the reporter shows by an opaque key only
    const reporters = page.getByTestId('repeats-reporters');
    await reporters.locator('tbody tr.ant-table-row code').first().waitFor();
    expect(await reporters.textContent()).not.toMatch(/1[3-9]\d{9}/);
    // each grid's top problems are listed
    await page.getByTestId('repeats-top-per-grid').locator('tbody tr.ant-table-row').first().waitFor();
    // drill down: expand the row, follow a case link to its detail page
    await row.getByRole('button', { name: /展开|Expand/ }).click();
    const link = page.getByTestId('repeats-addresses').getByRole('link', { name: made[0]!.number });
    await link.waitFor();
    await page.screenshot({ path: join(SHOTS, 'analytics-repeats.png'), fullPage: true });
    await link.click();
    await page.waitForURL(`${base}/cases/${made[0]!.id}`);
    await page.getByText(made[0]!.number).first().waitFor();
    // a higher minimum leaves it out
    await page.goBack();
    await page.getByLabel('至少重复次数').fill('4');
    await page.getByTestId('repeats-addresses').getByText('所选时段没有反复上报的地址').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
