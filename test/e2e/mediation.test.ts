/// <reference lib="dom" />
/**
 * Mediation in the browser: a resident applies online (H5), a community mediator accepts the
 * application, schedules a session, records the agreement and downloads the agreement PDF, whose
 * text is checked. Same set-up as web.test.ts: the built web/dist served by an in-process server
 * on a free port, Debian's chromium through playwright-core. Screenshots go to test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { pdfText } from '../../src/platform/pdf/extract.js';
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
  app = await startE2eApp('mediation');
  base = app.base;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function open(viewport: { width: number; height: number }, mobile = false): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, locale: 'zh-CN', deviceScaleFactor: mobile ? 2 : 1, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors: string[] = [];
  collectErrors(page, errors);
  return { ctx, page, errors };
}

async function login(page: Page, username: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
// Not anchored at the start: the page's one action dialog keeps its OK button mounted between
// actions, and antd can leave the previous action's (invisible) "loading" icon inside it, which
// then prefixes the button's accessible name.
const OK = /确\s*定$/;

describe('mediation in the browser', () => {
  it('a resident applies online; a mediator schedules a session, records the agreement and downloads the PDF', async () => {
    // The resident, on a phone.
    const r = await open({ width: 390, height: 844 }, true);
    await login(r.page, 'resident.qiaotou');
    await r.page.waitForURL(`${base}/h5`);
    await r.page.getByTestId('tile-mediation.apply').click();
    await r.page.waitForURL(`${base}/h5/mediation/apply`);
    await r.page.getByTestId('mediation-apply').getByTitle('邻里纠纷').waitFor(); // the default type
    await r.page.getByLabel('一句话说明').fill('楼上夜间拖动家具噪音');
    await r.page.getByLabel('发生了什么').fill('楼上住户每晚十一点后拖动桌椅、孩子跑跳，已持续一个月。');
    await r.page.getByLabel('您的诉求').fill('晚上十点以后保持安静');
    await r.page.getByLabel('您的姓名').fill('刘晓明');
    await r.page.getByLabel('联系电话').fill('13912340001');
    await r.page.getByLabel('对方姓名或称呼').fill('楼上住户周先生');
    await shot(r.page, 'mediation-h5-apply');
    await r.page.getByRole('button', { name: '提交申请' }).click();
    await r.page.getByText('申请已提交').waitFor();
    const number = (await r.page.locator('.ant-result-subtitle').textContent())!.match(/TJ\d{12}/)![0];
    await r.page.getByRole('button', { name: '查看我的调解' }).click();
    await r.page.getByTestId('my-disputes').getByText('楼上夜间拖动家具噪音').waitFor();
    await shot(r.page, 'mediation-h5-mine');
    expect(r.errors).toEqual([]);

    // The community mediator, at a desk.
    const m = await open({ width: 1366, height: 860 });
    await login(m.page, 'mediator.qiaotou');
    await m.page.waitForURL(`${base}/`);
    await m.page.getByRole('menu').first().getByText('纠纷台账', { exact: true }).click();
    await m.page.waitForURL(`${base}/mediation/disputes`);
    await m.page.getByTestId('disputes-table').getByText(number).waitFor();
    await shot(m.page, 'mediation-console-disputes');
    await m.page.getByTestId('disputes-table').getByText('楼上夜间拖动家具噪音').click();
    await m.page.waitForURL(/\/mediation\/disputes\/[0-9a-f-]{36}$/);
    const detail = m.page.getByTestId('dispute-detail');
    await detail.getByText(number).waitFor();
    // parties' phones are masked
    await detail.getByTestId('parties-table').getByText('139****0001').waitFor();

    // accept: the state goes from 待受理 to 调解中 and the accept button goes away
    const state = detail.getByTestId('dispute-state');
    expect(await state.textContent()).toBe('待受理');
    await detail.getByRole('button', { name: '受理申请' }).click();
    let dialog = m.page.getByRole('dialog');
    await dialog.getByRole('button', { name: OK }).click();
    await state.getByText('调解中', { exact: true }).waitFor();
    await detail.getByRole('button', { name: '受理申请' }).waitFor({ state: 'detached' });
    await shot(m.page, 'mediation-console-accepted');

    // schedule an in-person session (the form proposes tomorrow 09:30)
    await detail.getByRole('button', { name: '安排调解' }).click();
    // the accept confirmation may still be closing: pick the dialog that holds the form
    dialog = m.page.getByRole('dialog').filter({ has: m.page.getByLabel('地点') });
    await dialog.getByLabel('地点').fill('桥头社区人民调解室');
    await dialog.getByRole('button', { name: OK }).click();
    await detail.getByTestId('session-item').getByText('桥头社区人民调解室').waitFor();

    // record the agreement
    await detail.getByRole('button', { name: '记录调解结果' }).click();
    // found by its title: the earlier dialogs may still be closing
    dialog = m.page.getByRole('dialog', { name: '记录调解结果' });
    await dialog.getByLabel('调解笔录').fill('双方到场，周先生表示歉意，同意安静时段约定。');
    await dialog.getByLabel('协议条款（每行一条）').fill('每日22:00至次日7:00为安静时段，周先生一家不拖动家具。\n周先生于一周内在客厅铺设隔音地垫。');
    await shot(m.page, 'mediation-console-outcome');
    await dialog.getByRole('button', { name: OK }).click();
    const card = detail.getByTestId('agreement-card');
    await card.getByText('周先生于一周内在客厅铺设隔音地垫。').waitFor();
    await detail.getByText('已达成协议').first().waitFor();
    // the follow-up visits at 7 and 30 days are scheduled
    await expect.poll(() => detail.getByTestId('followup-item').count()).toBe(2);
    await m.page.getByRole('dialog').waitFor({ state: 'hidden' });
    await shot(m.page, 'mediation-console-agreement');

    // download the agreement and read it
    const [download] = await Promise.all([m.page.waitForEvent('download'), card.getByTestId('agreement-pdf').click()]);
    expect(download.suggestedFilename()).toMatch(/^mediation-agreement-TJ\d{12}-1\.pdf$/);
    const pdf = readFileSync((await download.path())!);
    const text = (await pdfText(pdf)).join('\n');
    expect(text).toContain('人民调解协议书');
    expect(text).toContain('刘晓明');
    expect(text).toContain('楼上住户周先生');
    expect(text).toContain('每日22:00至次日7:00为安静时段');
    expect(text).toContain('铺设隔音地垫');
    expect(text).toContain(number);
    expect(text).not.toContain('13912340001');
    expect(m.errors).toEqual([]);

    // the resident sees the agreement too
    await r.page.reload();
    await r.page.getByTestId('my-disputes').getByText('楼上夜间拖动家具噪音').click();
    await r.page.getByText('下载调解协议书').waitFor();
    await shot(r.page, 'mediation-h5-agreement');
    await r.ctx.close();
    await m.ctx.close();
  });
});
