/// <reference lib="dom" />
/**
 * Browser journey of the points bank and community partners: a partner claims a project, staff
 * approve the claim and confirm completion, a resident and staff evaluate it, staff settle it, the
 * points arrive on the partner's account, and the partner redeems a reward whose code staff verify.
 *
 * Screenshots go to test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { type OneGrid } from '../../src/app.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { collectErrors, launchChromium } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const PASSWORD = 'onegrid-demo';
const PROJECT = '长者智能手机培训';

let og: OneGrid;
let browser: Browser;
let base: string;
let app: E2eApp;

beforeAll(async () => {
  // Build the web app when it is missing or older than any file under web/src.
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  app = await startE2eApp('ledger-partners');
  og = app.og;
  base = app.base;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function open(viewport: { width: number; height: number }, mobile = false): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', deviceScaleFactor: mobile ? 2 : 1 });
  const page = await ctx.newPage();
  const errors: string[] = [];
  collectErrors(page, errors, /status of (401|409)/);
  return { ctx, page, errors };
}

/** Signs in and waits until the app has left the login page for `landing` (a path prefix). */
async function signIn(page: Page, username: string, landing: '/' | '/h5'): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login') && u.pathname.startsWith(landing));
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
const btn = (s: string) => new RegExp(s.split('').join('\\s*'));

/** The partner's points balance, as the server has it. */
async function partnerBalance(): Promise<number> {
  const row = await og.ctx.db
    .selectFrom('ledger_accounts as a')
    .innerJoin('partners as p', 'p.id', 'a.owner_id')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select('a.balance')
    .where('u.username', '=', 'partner.qiaotou')
    .executeTakeFirstOrThrow();
  return Number(row.balance);
}

describe('points bank and partners in the browser', () => {
  it('a partner claims a project, staff confirm, residents evaluate, points arrive, the partner redeems', async () => {
    const partner = await open({ width: 1366, height: 860 });
    const staff = await open({ width: 1366, height: 860 });
    const resident = await open({ width: 390, height: 844 }, true);

    // 1. The partner claims the published project from its workbench.
    await signIn(partner.page, 'partner.qiaotou', '/');
    await partner.page.goto(`${base}/partner`);
    const startBalance = await partnerBalance();
    await partner.page.locator('[data-testid="partner-balance"]').filter({ hasText: String(startBalance) }).waitFor();
    const boardRow = partner.page.locator('tr.ant-table-row', { hasText: PROJECT });
    await boardRow.getByRole('button', { name: btn('认领') }).click();
    await partner.page.getByTestId('claim-plan').fill('安排两名志愿律师每周二、四下午授课，配合防诈骗讲解');
    await partner.page.locator('.ant-modal').getByRole('button', { name: btn('确定') }).click();
    await partner.page.getByText('已提交认领，等待社区审核').waitFor();
    await shot(partner.page, 'ledger-partner-claimed');

    // 2. Staff approve the claim on the projects board.
    await signIn(staff.page, 'community_admin.qiaotou', '/');
    await staff.page.goto(`${base}/partners/projects`);
    await staff.page.locator('tr.ant-table-row', { hasText: PROJECT }).click();
    const drawer = staff.page.locator('.ant-drawer-body');
    await drawer.getByText('湖南湘楚律师事务所').first().waitFor();
    await drawer.getByRole('button', { name: btn('同意') }).click();
    await staff.page.getByText('已同意认领').waitFor();
    await drawer.getByText('实施中').first().waitFor();
    await shot(staff.page, 'ledger-staff-approved-claim');

    // 3. The partner reports completion in its project log.
    await partner.page.reload();
    await partner.page.getByRole('tab', { name: '我的项目' }).click();
    const mine = partner.page.locator('tr.ant-table-row', { hasText: PROJECT });
    await mine.getByText('实施中').waitFor();
    await mine.locator('.ant-table-row-expand-icon').click();
    await partner.page.locator('.ant-select').filter({ hasText: '进展' }).click();
    await partner.page.locator('.ant-select-item-option', { hasText: '完成报告' }).click();
    await partner.page.getByTestId('log-content').fill('八次课全部完成，42 位老人学会手机挂号和视频通话');
    await partner.page.getByRole('button', { name: btn('提交') }).click();
    await partner.page.getByText('八次课全部完成').waitFor();

    // 4. Staff confirm completion.
    await staff.page.reload();
    await staff.page.locator('tr.ant-table-row', { hasText: PROJECT }).click();
    await drawer.getByText('八次课全部完成').waitFor();
    await drawer.getByRole('button', { name: '确认完成' }).click();
    await staff.page.getByText('已确认完成').waitFor();
    await drawer.getByText('已完成待评价').first().waitFor();

    // 5. A resident evaluates it on the H5 app.
    await signIn(resident.page, 'resident.qiaotou', '/h5');
    await resident.page.goto(`${base}/h5/projects`);
    const card = resident.page.getByTestId(`h5-project-${PROJECT}`);
    await card.click();
    const scoreInput = card.getByRole('spinbutton');
    await scoreInput.fill('95');
    await card.getByRole('button', { name: '提交评价' }).click();
    await resident.page.getByText('感谢您的评价').waitFor();
    await card.getByText('我的评价：95 分').waitFor();
    await shot(resident.page, 'ledger-resident-evaluated');

    // 6. Staff add their own evaluation and settle: (95×0.4 + 85×0.3) / 0.7 = 90.71 → 200 × 90.71% = 181 points.
    await staff.page.reload();
    await staff.page.locator('tr.ant-table-row', { hasText: PROJECT }).click();
    await drawer.getByText('居民 95（1 人').waitFor();
    await drawer.getByRole('spinbutton').first().fill('85');
    await drawer.getByRole('button', { name: '提交评价' }).click();
    await staff.page.getByText('已评价').first().waitFor();
    await drawer.getByRole('button', { name: '结项并发放积分' }).click();
    await staff.page.getByText('已结项并发放积分').waitFor();
    await drawer.getByText('90.71').first().waitFor();
    await shot(staff.page, 'ledger-staff-settled');
    expect(await partnerBalance()).toBe(startBalance + 181);

    // 7. The points have arrived on the partner's workbench; the partner redeems a room booking.
    await partner.page.reload();
    await partner.page.locator('[data-testid="partner-balance"]').filter({ hasText: String(startBalance + 181) }).waitFor();
    await partner.page.getByRole('tab', { name: '积分兑换' }).click();
    const room = partner.page.locator('tr.ant-table-row', { hasText: '活动室预约优先' }).filter({ hasText: '桥头社区积分池' });
    await room.getByRole('button', { name: btn('兑换') }).click();
    const code = (await partner.page.getByTestId('issued-code').textContent())!.trim();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    await shot(partner.page, 'ledger-partner-redeemed');
    expect(await partnerBalance()).toBe(startBalance + 181 - 30);

    // 8. Staff verify the code once.
    await staff.page.goto(`${base}/ledger/rewards`);
    await staff.page.getByTestId('verify-code').fill(code);
    await staff.page.getByRole('button', { name: btn('核销') }).click();
    await staff.page.getByTestId('verified').waitFor();
    await staff.page.getByTestId('verify-code').fill(code);
    await staff.page.getByRole('button', { name: btn('核销') }).click();
    await staff.page.getByText('兑换码已核销，不能重复使用').waitFor();
    await shot(staff.page, 'ledger-staff-verified');

    const red = await og.ctx.db.selectFrom('ledger_redemptions').select('status').where('code', '=', code).executeTakeFirstOrThrow();
    expect(red.status).toBe('used');
    for (const s of [partner, staff, resident]) {
      expect(s.errors).toEqual([]);
      await s.ctx.close();
    }
  });
});
