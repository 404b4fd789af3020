/// <reference lib="dom" />
/**
 * A grid worker on a phone (375×812): starts a patrol, the phone's positions become the track, a
 * problem is reported from the patrol, a second one (with a photo) is made without signal and sent
 * once when the signal returns, and the patrol ends with a summary. Then two household visits, each with a photo:
 * one with signal, one without (queued on the phone with its photo, sent once when the signal returns).
 *
 * Screenshots go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { type OneGrid } from '../../src/app.js';
import { pointInCell } from '../../src/modules/org/demo-geometry.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { collectErrors, launchChromium } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');

let og: OneGrid;
let browser: Browser;
let base: string;
let app: E2eApp;

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  app = await startE2eApp('grid-work');
  og = app.og;
  base = app.base;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
/** true once the visit record showing `text` displays a photo that loaded from the server */
const recordPhotoLoaded = (page: Page, text: string) =>
  page.waitForFunction((t) => {
    const row = [...document.querySelectorAll('[data-testid="visit-record"]')].find((e) => e.textContent?.includes(t));
    const img = row?.querySelector('img');
    return !!img && img.src.includes('/api/files/') && img.complete && img.naturalWidth > 0;
  }, text);
/** a point inside grid 430103007001G01 (lattice cell 0,3) */
const inG1 = (u: number, v: number) => {
  const [longitude, latitude] = pointInCell(0, 3, u, v);
  return { longitude, latitude, accuracy: 10 };
};

describe('grid worker on a phone', () => {
  it('runs a patrol, reports a problem from it (one of them offline, sent once), ends with a summary, and records visits with photos (one offline)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: 'zh-CN', deviceScaleFactor: 2 });
    await ctx.grantPermissions(['geolocation'], { origin: base });
    await ctx.setGeolocation(inG1(0.3, 0.3));
    const page = await ctx.newPage();
    const errors: string[] = [];
    collectErrors(page, errors, /status of 401|ERR_INTERNET_DISCONNECTED/);

    await page.goto(`${base}/h5/patrol`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('用户名或手机号').fill('grid_worker.qiaotou');
    await page.getByLabel('密码', { exact: true }).fill('onegrid-demo');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.waitForURL(`${base}/h5/patrol`);
    await page.getByTestId('field-page').waitFor();
    await page.getByTestId('net-status').getByText('在线').waitFor();
    await page.getByText('巡查走访').first().waitFor();

    // start: the patrol runs in the worker's grid
    await page.getByTestId('patrol-start').click();
    await page.getByTestId('patrol-active').waitFor();
    await page.getByTestId('patrol-active').getByText('桥头第1网格').waitFor();
    const patrol = await og.ctx.db.selectFrom('patrols').selectAll().where('state', '=', 'active').executeTakeFirstOrThrow();

    // the phone moves: its positions are sent and stored as the track
    for (const [u, v] of [
      [0.4, 0.35],
      [0.5, 0.45],
      [0.6, 0.55],
    ] as const) {
      const before = Number((await page.getByTestId('patrol-points').textContent()) ?? 0);
      await ctx.setGeolocation(inG1(u, v));
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="patrol-points"]')?.textContent ?? 0) > n, before);
    }
    const stored = await og.ctx.db.selectFrom('patrol_points').select(['lng', 'lat']).where('patrol_id', '=', patrol.id).execute();
    expect(stored.length).toBeGreaterThanOrEqual(2);
    const g1 = inG1(0.6, 0.55);
    expect(stored.some((p) => Math.abs(p.lng - g1.longitude) < 1e-6 && Math.abs(p.lat - g1.latitude) < 1e-6)).toBe(true);
    await shot(page, 'gridwork-phone-patrol');

    // a problem seen on the way
    const first = '桥头小区3栋门口井盖破损，存在安全隐患';
    await page.getByTestId('report-description').fill(first);
    await page.getByTestId('report-submit').click();
    await page.getByTestId('report-list').getByText(/^\d{13}$/).first().waitFor();

    // no signal: the report and its photo are kept on the phone …
    const jpeg = (r: number) => sharp({ create: { width: 64, height: 48, channels: 3, background: { r, g: 120, b: 200 } } }).jpeg().toBuffer();
    const second = '巡查发现路边垃圾堆积，无人清运';
    await ctx.setOffline(true);
    await page.getByTestId('net-status').getByText('离线').waitFor();
    await page.getByTestId('report-description').fill(second);
    await page.getByTestId('report-photos').setInputFiles({ name: 'rubbish.jpg', mimeType: 'image/jpeg', buffer: await jpeg(90) });
    await page.getByTestId('report-photos-item').getByText('待上传').waitFor();
    await page.getByTestId('report-submit').click();
    await page.getByTestId('queue-count').getByText('待发送 1').waitFor();
    expect(await og.ctx.db.selectFrom('cases').select('id').where('description', '=', second).execute()).toHaveLength(0);
    await shot(page, 'gridwork-phone-offline-queued');

    // … and sent once when the signal returns
    await ctx.setOffline(false);
    await page.getByTestId('queue-count').getByText('待发送 0').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-list"] .ant-tag-green').length === 2, undefined, { timeout: 30_000 });
    const sent = await og.ctx.db.selectFrom('cases').select(['id', 'channel', 'photos']).where('description', '=', second).execute();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.channel).toBe('patrol');
    // the photo taken without signal went up with it
    expect(sent[0]!.photos).toHaveLength(1);

    // end with a summary
    await page.getByTestId('patrol-summary-input').fill('巡查桥头第1网格，发现问题两处，均已上报。');
    await page.getByTestId('patrol-end').click();
    await page.getByTestId('patrol-summary').waitFor();
    expect(await page.getByTestId('summary-cases').textContent()).toBe('2');
    const ended = await og.ctx.db.selectFrom('patrols').selectAll().where('id', '=', patrol.id).executeTakeFirstOrThrow();
    expect(ended.state).toBe('ended');
    expect(await og.ctx.db.selectFrom('patrol_cases').select('case_id').where('patrol_id', '=', patrol.id).execute()).toHaveLength(2);
    await shot(page, 'gridwork-phone-summary');

    // a household visit with a photo from the phone
    const pickResident = async () => {
      await page.getByTestId('visit-resident').click();
      await page.locator('.ant-select-dropdown:visible .ant-select-item-option').first().click();
    };
    const notes1 = '入户走访：老人身体良好，厨房燃气软管老化';
    await pickResident();
    await page.getByTestId('visit-notes').fill(notes1);
    await page.getByTestId('visit-photos').setInputFiles({ name: 'kitchen.jpg', mimeType: 'image/jpeg', buffer: await jpeg(30) });
    await page.getByTestId('visit-photos-item').getByText('已上传').waitFor();
    await page.getByTestId('visit-submit').click();
    await page.getByTestId('visit-record').filter({ hasText: notes1 }).waitFor();
    await recordPhotoLoaded(page, notes1);
    const v1 = await og.ctx.db.selectFrom('visits').select(['id', 'photos', 'kind']).where('notes', '=', notes1).execute();
    expect(v1).toHaveLength(1);
    expect(v1[0]!.photos).toHaveLength(1);
    expect(await og.ctx.db.selectFrom('files').select('id').where('ref_type', '=', 'visit').where('ref_id', '=', v1[0]!.id).execute()).toHaveLength(1);
    await shot(page, 'gridwork-phone-visit-photo');

    // no signal: the visit and its photo stay on the phone …
    const notes2 = '无信号时入户：独居老人需要助餐服务';
    await ctx.setOffline(true);
    await page.getByTestId('net-status').getByText('离线').waitFor();
    await pickResident();
    await page.getByTestId('visit-notes').fill(notes2);
    await page.getByTestId('visit-photos').setInputFiles({ name: 'meal.jpg', mimeType: 'image/jpeg', buffer: await jpeg(200) });
    await page.getByTestId('visit-photos-offline-note').waitFor();
    await page.getByTestId('visit-photos-item').getByText('待上传').waitFor();
    await page.getByTestId('visit-submit').click();
    await page.getByTestId('queue-count').getByText('待发送 1').waitFor();
    await page.getByTestId('visit-queued').filter({ hasText: notes2 }).getByText('照片 1 张待上传').waitFor();
    expect(await og.ctx.db.selectFrom('visits').select('id').where('notes', '=', notes2).execute()).toHaveLength(0);
    await shot(page, 'gridwork-phone-visit-offline-queued');

    // … and go to the server once, photo included, when the signal returns
    await ctx.setOffline(false);
    await page.getByTestId('queue-count').getByText('待发送 0').waitFor({ timeout: 60_000 });
    await page.getByTestId('visit-record').filter({ hasText: notes2 }).waitFor({ timeout: 30_000 });
    await recordPhotoLoaded(page, notes2);
    const v2 = await og.ctx.db.selectFrom('visits').select(['id', 'photos']).where('notes', '=', notes2).execute();
    expect(v2).toHaveLength(1);
    expect(v2[0]!.photos).toHaveLength(1);
    expect(v2[0]!.photos[0]).not.toBe(v1[0]!.photos[0]);
    expect(await og.ctx.db.selectFrom('files').select('id').where('ref_type', '=', 'visit').where('ref_id', '=', v2[0]!.id).execute()).toHaveLength(1);
    // the phone kept nothing behind
    expect(await page.evaluate(() => localStorage.getItem('og.gridwork.queue'))).toBe('[]');
    await shot(page, 'gridwork-phone-visits');

    // nothing on the page overflows the phone's width
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
