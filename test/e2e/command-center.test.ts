/// <reference lib="dom" />
/**
 * The command center (社区数据大脑) in a real browser: a street admin opens the full-screen page; a
 * case reported through the API while the page is open appears on it (live list, map marker and
 * today's figure) without a reload, pushed over SSE. A community admin's screen does not receive a
 * case from another community.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createOneGrid, type OneGrid } from '../../src/app.js';
import { pointInCell } from '../../src/modules/org/demo-geometry.js';
import { ensureWebBuild } from './web-build.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'onegrid-demo';

let og: OneGrid;
let browser: Browser;
let base: string;
let tmpData: string | null = null;

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  tmpData = mkdtempSync(join(tmpdir(), 'onegrid-e2e-cc-'));
  const env = { ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', ONEGRID_DEMO_CASES: '0', ONEGRID_DATA_DIR: tmpData };
  og = await createOneGrid(loadConfig(env), { dataDir: 'memory://', startJobs: false, logger: false });
  await og.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(og.app.server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await og?.close();
  if (tmpData) rmSync(tmpData, { recursive: true, force: true });
});

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto(`${base}/login?from=%2Fanalytics%2Fcommand-center`);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL(`${base}/analytics/command-center`);
}

/** Reports a case as a resident through the API (not through the page). */
async function report(username: string, description: string, cell: [number, number]): Promise<{ number: string }> {
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith('og_session='))!.split(';')[0]!;
  const [lng, lat] = pointInCell(cell[0], cell[1], 0.5, 0.5);
  const r = await fetch(`${base}/api/cases`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ description, location: { lng, lat }, address: '测试地址', channel: 'resident' }) });
  expect([200, 201]).toContain(r.status);
  return (await r.json()) as { number: string };
}

describe('command center', () => {
  it('shows a case reported while the page is open, without reload; scope filters the stream', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
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

    const c = await report('resident.qiaotou', '大屏测试：小区门口井盖缺失，有人差点踩空', [0, 3]);
    const live = page.getByTestId('cc-live');
    await live.getByText(c.number, { exact: false }).first().waitFor({ timeout: 20_000 });
    await live.getByText('新上报').first().waitFor();
    // the map marks where it happened, and today's figure follows
    await page.waitForFunction(() => document.querySelectorAll('path.cc-live-marker').length > 0);
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="kpi-reported"] .cc-kpi-value')?.textContent) > n, before, { timeout: 20_000 });
    expect(navigations).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'command-center.png') });

    // mulian's screen did not get qiaotou's case; it does get its own
    const mine = await report('resident.mulian', '大屏测试：路灯不亮', [3, 3]);
    await other.getByTestId('cc-live').getByText(mine.number, { exact: false }).first().waitFor({ timeout: 20_000 });
    expect(await other.getByTestId('cc-live').getByText(c.number, { exact: false }).count()).toBe(0);
    expect(errors).toEqual([]);
    await ctx2.close();
    await ctx.close();
  });
});
