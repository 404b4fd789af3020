/// <reference lib="dom" />
/**
 * Browser journeys of the community services (module services): a resident books an activity and
 * checks in by scanning the venue's QR code; a resident applies for a service online and staff
 * approve it; and an axe-core scan of every resident (H5) page, in normal and in 长辈模式.
 *
 * Same set-up as web.test.ts: the built web/dist served by a real server on a free port (fresh
 * PGlite with the demo district), Debian's chromium through playwright-core. Screenshots go to
 * test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import sharp from 'sharp';
import jsqrModule from 'jsqr';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type OneGrid } from '../../src/app.js';
import { systemActor } from '../../src/platform/auth/actor.js';
import { createActivity } from '../../src/modules/services/index.js';
import { pointInCell } from '../../src/modules/org/demo-geometry.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { launchChromium, collectErrors } from './browser.js';

const require = createRequire(import.meta.url);
// jsqr is CommonJS with a default export: under ESM the function may sit on .default
type Decode = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = (typeof jsqrModule === 'function' ? jsqrModule : (jsqrModule as unknown as { default: unknown }).default) as Decode;
const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const PASSWORD = 'onegrid-demo';
const AXE = require.resolve('axe-core/axe.min.js');

let og: OneGrid;
let browser: Browser;
let base: string;
let app: E2eApp;

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  app = await startE2eApp('services');
  og = app.og;
  base = app.base;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function open(viewport: { width: number; height: number }, mobile = false, extra: { bypassCSP?: boolean } = {}): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', deviceScaleFactor: mobile ? 2 : 1, ...extra });
  const page = await ctx.newPage();
  const errors: string[] = [];
  collectErrors(page, errors);
  return { ctx, page, errors };
}

async function login(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(password);
  await page.getByRole('button', { name: /登\s*录/ }).click();
}

/**
 * The resident app's routes as the router declares them: the /h5 index and `profile` child in
 * web/src/App.tsx, and one route per H5 tile (H5_TILES in web/src/menu.ts). Read from the sources so
 * that a new H5 page is not silently left out of the accessibility scan.
 */
function routerH5Paths(): string[] {
  const app = readFileSync(join(ROOT, 'web/src/App.tsx'), 'utf8');
  const h5Block = app.slice(app.indexOf('path="/h5"'), app.indexOf('path="/"'));
  const children = [...h5Block.matchAll(/<Route\s+path="([a-z][\w/-]*)"/g)].map((m) => `/h5/${m[1]}`);
  expect(h5Block, 'the H5 index route').toMatch(/<Route index /);
  expect(h5Block, 'the H5 tiles become routes').toMatch(/H5_TILES/);
  const menu = readFileSync(join(ROOT, 'web/src/menu.ts'), 'utf8');
  const tiles = menu.slice(menu.indexOf('export const H5_TILES'));
  const tilePaths = [...tiles.slice(0, tiles.indexOf('];')).matchAll(/path: '(\/h5\/[^']+)'/g)].map((m) => m[1]!);
  expect(tilePaths.length).toBeGreaterThan(10);
  return ['/h5', ...children, ...tilePaths];
}

/** H5 routes a resident cannot open (their tile needs a staff permission), with the reason. */
const NOT_FOR_RESIDENTS: Record<string, string> = {
  '/h5/patrol': 'grid workers only (permission gridwork.patrol)',
};

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });

/** A 200×150 PNG standing in for the photo of a document. */
const documentPhoto = () => sharp({ create: { width: 200, height: 150, channels: 3, background: { r: 240, g: 240, b: 230 } } }).png().toBuffer();

describe('community services in the browser', () => {
  it('a resident books an activity and checks in by scanning the QR code shown to staff', async () => {
    // An activity starting in 30 minutes in 桥头社区 (resident.qiaotou lives there): check-in is open.
    const community = (await sql<{ id: string }>`SELECT id FROM org_nodes WHERE code = '430103007001'`.execute(og.ctx.db)).rows[0]!;
    const start = new Date(Date.now() + 30 * 60_000);
    const act = await createActivity(og.ctx, systemActor(), { nodeId: community.id, title: '端到端书法体验课', kind: 'interest_class', location: '桥头社区书画室', startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 90 * 60_000).toISOString(), capacity: 10 });

    const { ctx, page, errors } = await open({ width: 390, height: 844 }, true);
    await login(page, 'resident.qiaotou');
    await page.waitForURL(`${base}/h5`);
    await page.getByTestId('tile-activities').click();
    await page.waitForURL(/\/h5\/activities/);
    await page.getByTestId('activity-item').filter({ hasText: '端到端书法体验课' }).click();
    await page.getByTestId('signup-button').click();
    await page.getByTestId('signup-status').filter({ hasText: '报名成功' }).waitFor();
    await shot(page, 'h5-activity-signed-up');

    // Staff open the roster and show the check-in QR code.
    const staff = await open({ width: 1366, height: 860 });
    await login(staff.page, 'community_admin.qiaotou');
    await staff.page.waitForURL(`${base}/`);
    await staff.page.goto(`${base}/services/activities`);
    await staff.page.getByRole('row').filter({ hasText: '端到端书法体验课' }).getByRole('button', { name: /名单与签到/ }).click();
    const drawer = staff.page.locator('.ant-drawer').filter({ hasText: '端到端书法体验课' });
    await drawer.getByRole('cell', { name: /王军湘|居民/ }).first().waitFor();
    const qr = drawer.getByTestId('checkin-qr');
    await qr.waitFor();
    await staff.page.waitForFunction(() => (document.querySelector('[data-testid="checkin-qr"]') as HTMLImageElement | null)?.complete === true);
    await shot(staff.page, 'console-activity-roster-qr');

    // Scan: decode the QR code as it is shown on the staff screen.
    const png = await qr.screenshot();
    const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const decoded = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height);
    expect(decoded, 'the QR code on the staff screen decodes').not.toBeNull();
    const url = new URL(decoded!.data);
    expect(url.pathname).toBe('/h5/activities');
    expect(url.searchParams.get('checkin')).toBe(act.id);

    // The resident's phone opens the scanned link: checked in.
    await page.goto(`${base}${url.pathname}${url.search}`);
    await page.getByTestId('checkin-result').filter({ hasText: '签到成功' }).waitFor();
    await shot(page, 'h5-activity-checked-in');
    const row = (await sql<{ checked_in_at: Date | null }>`SELECT s.checked_in_at FROM svc_signups s JOIN users u ON u.resident_id = s.resident_id WHERE s.activity_id = ${act.id} AND u.username = 'resident.qiaotou'`.execute(og.ctx.db)).rows[0]!;
    expect(row.checked_in_at).not.toBeNull();
    // the roster shows it after a refresh
    await staff.page.reload();
    await staff.page.getByRole('row').filter({ hasText: '端到端书法体验课' }).getByRole('cell', { name: '1', exact: true }).waitFor();

    expect(errors).toEqual([]);
    expect(staff.errors).toEqual([]);
    await staff.ctx.close();
    await ctx.close();
  });

  it('a resident applies for a service with a document photo, and staff approve it', async () => {
    const { ctx, page, errors } = await open({ width: 390, height: 844 }, true);
    await login(page, 'resident.qiaotou');
    await page.waitForURL(`${base}/h5`);
    await page.getByTestId('tile-guide').click();
    await page.getByTestId('matter-item').filter({ hasText: '居住证明开具' }).click();
    await page.getByText('需要带的材料').waitFor();
    await shot(page, 'h5-guide-matter');
    await page.getByTestId('apply-start').click();
    await page.getByLabel('申请说明（选填）').fill('孩子上小学需要居住证明');
    await page.getByTestId('apply-files').setInputFiles({ name: 'id-card.png', mimeType: 'image/png', buffer: await documentPhoto() });
    await page.getByTestId('apply-file-count').filter({ hasText: '已上传 1 张' }).waitFor();
    await page.getByTestId('apply-submit').click();
    await page.getByText('申请已提交').waitFor();
    const number = (await page.locator('.ant-result-subtitle').textContent())!.match(/SQ\d{12}/)![0];
    await page.getByRole('button', { name: '查看办理进度' }).click();
    await page.getByTestId('application-status').filter({ hasText: '已提交' }).waitFor();
    await shot(page, 'h5-application-submitted');

    const staff = await open({ width: 1366, height: 860 });
    await login(staff.page, 'community_admin.qiaotou');
    await staff.page.waitForURL(`${base}/`);
    await staff.page.getByRole('menu').first().getByText('办事申请', { exact: true }).click();
    await staff.page.waitForURL(`${base}/services/applications`);
    await staff.page.getByRole('row').filter({ hasText: number }).getByTestId('application-open').click();
    const drawer = staff.page.locator('.ant-drawer');
    await drawer.getByText('孩子上小学需要居住证明').waitFor();
    await drawer.locator('.ant-image img').first().waitFor();
    expect(await drawer.locator('.ant-image img').first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await shot(staff.page, 'console-application-detail');
    await drawer.getByTestId('application-approve').click();
    await drawer.getByTestId('application-detail-status').filter({ hasText: '已办结（通过）' }).waitFor();

    await page.reload();
    await page.getByTestId('application-status').filter({ hasText: '已办结（通过）' }).waitFor();
    await shot(page, 'h5-application-approved');
    expect(errors).toEqual([]);
    expect(staff.errors).toEqual([]);
    await staff.ctx.close();
    await ctx.close();
  });

  it('every resident page passes axe-core without serious or critical violations, in normal and 长辈模式', async () => {
    // axe is injected as a script: this context alone bypasses the page's CSP to allow that.
    const { ctx, page, errors } = await open({ width: 390, height: 844 }, true, { bypassCSP: true });
    await login(page, 'resident.qiaotou');
    await page.waitForURL(`${base}/h5`);
    const notice = (await sql<{ id: string }>`SELECT a.id FROM svc_announcements a JOIN svc_announcement_recipients r ON r.announcement_id = a.id JOIN users u ON u.resident_id = r.resident_id WHERE u.username = 'resident.qiaotou' AND a.status = 'published' LIMIT 1`.execute(og.ctx.db)).rows[0]!;
    const activity = (await sql<{ id: string }>`SELECT id FROM svc_activities WHERE node_path = (SELECT path FROM org_nodes WHERE code = '430103007001') ORDER BY starts_at LIMIT 1`.execute(og.ctx.db)).rows[0]!;
    const matter = (await sql<{ id: string }>`SELECT id FROM svc_matters WHERE code = 'GL01'`.execute(og.ctx.db)).rows[0]!;
    const room = (await sql<{ id: string }>`SELECT id FROM svc_rooms WHERE name LIKE '桥头%活动室'`.execute(og.ctx.db)).rows[0]!;
    // The resident's own case, reported through the API with the session cookie, for the case detail page.
    const [lng, lat] = pointInCell(0, 3, 0.5, 0.5); // inside grid 430103007001G01
    const reported = await page.request.post(`${base}/api/cases`, { data: { description: '楼道灯坏了，晚上看不见台阶', location: { lng, lat }, address: '桥头社区1栋' } });
    expect(reported.status(), await reported.text()).toBe(201);
    const kase = (await reported.json()) as { id: string };

    type Ready = (p: Page) => Promise<unknown>;
    // Pages without a dedicated ready check wait for their content to be loaded (see settle below).
    const ready: Record<string, Ready> = {
      '/h5': (p) => p.getByTestId('tile-sos').waitFor(),
      '/h5/profile': (p) => p.getByText(/^1\d{2}\*{4}\d{4}$/).waitFor(),
      '/h5/report': (p) => p.getByTestId('report-place').waitFor(),
      '/h5/reports': (p) => p.getByTestId('my-report').first().waitFor(),
      '/h5/deliberation': (p) => p.getByTestId('hall-tabs').waitFor(),
      '/h5/mediation/apply': (p) => p.getByTestId('mediation-apply').waitFor(),
      '/h5/mediation/mine': (p) => p.locator('[data-testid="my-disputes"], .ant-empty').first().waitFor(),
      '/h5/points': (p) => p.getByTestId('my-points').waitFor(),
      '/h5/projects': (p) => p.locator('[data-testid^="h5-project-"], .ant-empty').first().waitFor(),
      '/h5/notices': (p) => p.getByTestId('notice-item').first().waitFor(),
      '/h5/activities': (p) => p.getByTestId('activity-item').first().waitFor(),
      '/h5/guide': (p) => p.getByTestId('matter-item').first().waitFor(),
      '/h5/applications': (p) => p.locator('[data-testid="application-item"], .ant-empty').first().waitFor(), // filled when the journey above ran first
      '/h5/assistant': (p) => p.getByTestId('assistant-ask').waitFor(),
      '/h5/repair': (p) => p.getByLabel('说明情况').waitFor(),
      '/h5/sos': (p) => p.getByTestId('sos-button').waitFor(),
      '/h5/rooms': (p) => p.getByTestId('room-item').first().waitFor(),
    };
    // Every H5 route of the router, plus the detail views that live on the same route under ?id=.
    const routes = routerH5Paths();
    for (const path of Object.keys(NOT_FOR_RESIDENTS)) expect(routes, `${path} is still an H5 route`).toContain(path);
    const pages: Array<{ path: string; ready?: Ready }> = [
      ...routes.filter((path) => !(path in NOT_FOR_RESIDENTS)).map((path) => ({ path, ready: ready[path] })),
      { path: `/h5/reports?id=${kase.id}`, ready: (p) => p.getByTestId('my-report-detail').waitFor() },
      { path: `/h5/notices?id=${notice.id}`, ready: (p) => p.getByRole('button', { name: '返回通知列表' }).waitFor() },
      { path: `/h5/activities?id=${activity.id}`, ready: (p) => p.getByRole('button', { name: '返回活动列表' }).waitFor() },
      { path: `/h5/guide?id=${matter.id}`, ready: (p) => p.getByTestId('apply-start').waitFor() },
      { path: `/h5/rooms?id=${room.id}`, ready: (p) => p.getByRole('button', { name: '返回场地列表' }).waitFor() },
    ];
    // The list matches what the resident is offered: every tile on the home page is scanned, and every
    // scanned route opens a page rather than the H5 "not found" page (checked below).
    await page.goto(`${base}/h5`);
    await page.getByTestId('tile-sos').waitFor();
    const tileLinks = await page.locator('a.og-tile').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
    for (const href of tileLinks) expect(pages.map((p) => p.path), `home tile ${href} is scanned`).toContain(href);
    for (const path of Object.keys(NOT_FOR_RESIDENTS)) expect(tileLinks).not.toContain(path);

    /** Wait for the page to settle: data loaded (no spinner or skeleton) and antd's enter animations done. */
    const settle = () =>
      page.waitForFunction(() => {
        const main = document.querySelector('main');
        if (!main || main.childElementCount === 0 || main.querySelector('.ant-spin-spinning, .ant-skeleton')) return false;
        // infinite animations (a pulsing SOS button, a loading icon) never finish: only finite ones count
        return document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity);
      });
    const scan = async (label: string) => {
      if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
      const result = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 8).map((n) => n.target.join(' ')) }));
      });
      for (const v of result.filter((x) => x.impact === 'serious' || x.impact === 'critical')) failures.push({ page: label, ...v });
    };
    const failures: Array<{ page: string; id: string; impact: string | null; help: string; targets: string[] }> = [];
    const scanned: string[] = [];
    for (const large of [false, true]) {
      if (large) {
        await page.goto(`${base}/h5`);
        await page.getByTestId('large-text-switch').first().click();
        await page.waitForFunction(() => document.documentElement.classList.contains('og-large'));
      }
      for (const p of pages) {
        if (p.ready) {
          // within the app, as a resident's tap would (the app and axe stay loaded), until the page is ready
          await page.evaluate((to) => {
            history.pushState(null, '', to);
            dispatchEvent(new PopStateEvent('popstate'));
          }, p.path);
          await page.waitForURL(`${base}${p.path}`);
          await p.ready(page);
        } else {
          // no sign of readiness to wait for: a full load, until the network is quiet
          await page.goto(`${base}${p.path}`);
          await page.waitForLoadState('networkidle');
        }
        await settle();
        expect(await page.locator('.ant-result-404, .ant-result-403').count(), `${p.path} opens a page, not 404/403`).toBe(0);
        const name = p.path.replace(/^\/h5\/?/, '').replace(/\?id=.*/, '-detail').replace(/\//g, '-') || 'home';
        await scan(`${p.path}${large ? ' (长辈模式)' : ''}`);
        scanned.push(p.path);
        if (large || ['home', 'activities-detail', 'guide-detail', 'sos'].includes(name)) await shot(page, `h5-svc-${name}${large ? '-elder' : ''}`);
      }
    }
    // the assistant's answer view too
    await page.goto(`${base}/h5/assistant`);
    await page.getByLabel('输入您的问题').fill('高龄津贴怎么申请');
    await page.getByTestId('assistant-ask').click();
    await page.getByTestId('assistant-answer').getByText('高龄津贴怎么申请？').waitFor();
    await settle();
    await scan('assistant answer (长辈模式)');
    await shot(page, 'h5-svc-assistant-answer-elder');
    expect(new Set(scanned).size).toBe(pages.length);
    expect(failures, JSON.stringify(failures, null, 1)).toEqual([]);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
