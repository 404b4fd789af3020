/// <reference lib="dom" />
/**
 * The deliberation hall in the browser: a resident proposes a topic with a photo on the phone (H5),
 * neighbours support it until it reaches the threshold, the community admin schedules a meeting in
 * the console and the topic is on its agenda, the meeting sends it to an owners' vote, the households
 * vote on their phones, and the result (worked out here from the owners' roll) is shown to residents
 * and staff once the vote closes.
 *
 * The server runs in process with a manual clock (moved forward to the meeting and past the vote's
 * deadline); screenshots go to test-results/screenshots/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { createOneGrid, type OneGrid } from '../../src/app.js';
import { ManualClock } from '../../src/platform/clock.js';
import { systemActor } from '../../src/platform/auth/actor.js';
import { createUser } from '../../src/platform/auth/service.js';
import { hashPassword } from '../../src/platform/auth/passwords.js';
import { residentBriefs } from '../../src/modules/org/index.js';
import { tinyJpeg } from '../../src/modules/cases/testing.js';
import { ensureWebBuild } from './web-build.js';
import { launchChromium, collectErrors, clickAndPost } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const PASSWORD = 'onegrid-demo';
const DAY = 86400_000;

let og: OneGrid;
let clock: ManualClock;
let browser: Browser;
let base: string;
let tmpData: string | null = null;

beforeAll(async () => {
  // Build the web app when it is missing or older than these pages.
  ensureWebBuild(ROOT, 'web/src/pages/deliberation');
  mkdirSync(SHOTS, { recursive: true });
  tmpData = mkdtempSync(join(tmpdir(), 'onegrid-e2e-'));
  // The same start as the integration tests' clock; browsers are given the server's time (see open()).
  clock = new ManualClock('2026-11-23T01:00:00Z');
  const env = { ONEGRID_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'silent', ONEGRID_DEMO_CASES: '0', ONEGRID_DATA_DIR: tmpData, SESSION_TTL_HOURS: '720' };
  og = await createOneGrid(loadConfig(env), { dataDir: 'memory://', startJobs: false, logger: false, clock });
  await og.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(og.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await og?.close();
  if (tmpData) rmSync(tmpData, { recursive: true, force: true });
});

async function open(mobile: boolean): Promise<{ ctx: BrowserContext; page: Page; errors: string[] }> {
  const ctx = await browser.newContext(mobile ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' } : { viewport: { width: 1366, height: 860 }, locale: 'zh-CN' });
  // The browser's clock shows the server's (manual) time, so that date pickers' defaults agree with it.
  await ctx.clock.setFixedTime(clock.now());
  const page = await ctx.newPage();
  page.setDefaultTimeout(60_000); // two busy cores: lazy chunks can take a while
  const errors: string[] = [];
  collectErrors(page, errors);
  return { ctx, page, errors };
}

async function login(page: Page, username: string, landing: RegExp): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('用户名或手机号').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: /登\s*录/ }).click();
  await page.waitForURL(landing);
}

/** Runs every due job (the queue hands out a batch at a time, and other modules' jobs fall due too). */
async function runJobs(): Promise<void> {
  for (let i = 0; i < 100 && (await og.ctx.jobs.runDue()) > 0; i++);
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });

/** Picks the first option an antd Select (found by its form label) offers for the typed text. */
async function choose(page: Page, label: string | RegExp, text: string): Promise<void> {
  const input = typeof label === 'string' ? page.getByLabel(label, { exact: true }) : page.getByLabel(label);
  await input.click();
  await input.fill(text);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: text }).first().click();
}

describe('deliberation hall (browser)', () => {
  it('a resident proposes, neighbours support, staff schedule it, owners vote and the result is shown', async () => {
    // Accounts for neighbours: the other two households of the proposer's building, and one more of the estate.
    const me = (await og.ctx.db.selectFrom('users').select('resident_id').where('username', '=', 'resident.qiaotou').executeTakeFirstOrThrow()).resident_id!;
    const [mine] = await residentBriefs(og.ctx.db, { ids: [me] });
    const buildingPath = mine!.nodePath.split('/').slice(0, -1).join('/');
    const estatePath = buildingPath.split('/').slice(0, -2).join('/');
    const inBuilding = await residentBriefs(og.ctx.db, { under: buildingPath });
    const households = [...new Set(inBuilding.map((r) => r.householdId))].filter((h) => h !== mine!.householdId);
    const neighbours = households.map((h) => inBuilding.find((r) => r.householdId === h && r.relation === '户主') ?? inBuilding.find((r) => r.householdId === h)!);
    const other = (await residentBriefs(og.ctx.db, { under: estatePath })).find((r) => !r.nodePath.startsWith(buildingPath + '/'))!;
    const names = ['nb.a', 'nb.b', 'nb.c'];
    // (the demo password is below the policy for new accounts, so its hash is given, as the demo seed does)
    const passwordHash = await hashPassword(PASSWORD);
    for (const [i, r] of [...neighbours, other].entries()) await createUser(og.ctx, systemActor(), { username: names[i]!, displayName: r.name, password: PASSWORD, passwordHash, roles: ['resident'], residentId: r.id });

    // 1. The resident proposes on the phone.
    const res = await open(true);
    await login(res.page, 'resident.qiaotou', /\/h5$/);
    await res.page.getByTestId('tile-deliberation').click();
    await res.page.getByTestId('propose').click();
    await res.page.getByTestId('topic-title').fill('1栋楼道加装扶手和声控灯');
    await res.page.getByTestId('topic-body').fill('1栋楼道没有扶手，声控灯也坏了，老人上下楼不安全，建议加装扶手并更换声控灯。');
    await res.page.getByTestId('topic-photos').setInputFiles({ name: 'stairs.jpg', mimeType: 'image/jpeg', buffer: await tinyJpeg() });
    await res.page.getByRole('img', { name: '照片' }).first().waitFor();
    await shot(res.page, 'delib-h5-propose');
    await res.page.getByTestId('submit-topic').click();
    await res.page.getByTestId('topic-heading').waitFor();
    const topicId = new URL(res.page.url()).searchParams.get('topic')!;
    expect(await res.page.getByTestId('topic-status').textContent()).toBe('征集附议');
    expect(await res.page.getByTestId('support-count').textContent()).toBe('附议 0/3');
    // the photo is shown with the topic, loaded from the server
    const photo = res.page.getByRole('img', { name: '照片' }).first();
    await photo.waitFor();
    await expect.poll(() => photo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);

    // 2. Three neighbours support it.
    for (const name of names) {
      const nb = await open(true);
      await login(nb.page, name, /\/h5$/);
      await nb.page.goto(`${base}/h5/deliberation?topic=${topicId}`);
      await nb.page.getByTestId('support').click();
      await nb.page.getByTestId('supported').waitFor();
      if (name === 'nb.c') await shot(nb.page, 'delib-h5-supported');
      expect(nb.errors).toEqual([]);
      await nb.ctx.close();
    }
    await res.page.reload();
    // the threshold is reached with no meeting scheduled yet: the topic waits for the next one
    await res.page.getByText('附议达标待上会').waitFor();

    // 3. The community admin schedules a meeting; the topic is put on its agenda by itself.
    const staff = await open(false);
    await login(staff.page, 'community_admin.qiaotou', new RegExp(`^${base}/$`));
    await staff.page.goto(`${base}/deliberation/topics`);
    await staff.page.getByTestId('topics-table').getByText('1栋楼道加装扶手和声控灯').click();
    const drawer = staff.page.getByTestId('topic-drawer');
    await drawer.getByText('附议达标待上会').waitFor();
    await drawer.getByRole('img', { name: '照片' }).first().waitFor();
    await shot(staff.page, 'delib-console-topic');
    await staff.page.keyboard.press('Escape');

    await staff.page.goto(`${base}/deliberation/meetings`);
    await staff.page.getByTestId('schedule-meeting').click();
    await staff.page.getByLabel('会议名称').fill('桥头小区居民议事会');
    await choose(staff.page, '范围', '桥头小区');
    await staff.page.getByLabel('地点').fill('桥头社区党群服务中心议事厅');
    await staff.page.getByTestId('add-invitee').click();
    await staff.page.getByPlaceholder('姓名/名称').fill('张经理');
    await staff.page.getByPlaceholder('单位（可选）').fill('桥头物业服务有限公司');
    await clickAndPost(staff.page, staff.page.getByRole('button', { name: /确\s*定/ }), /\/deliberation\/meetings$/);
    const meeting = staff.page.getByTestId('meeting-drawer');
    await meeting.getByText('桥头社区党群服务中心议事厅').waitFor();
    await meeting.getByTestId('meeting-invitees').getByText('居民代表：张经理（桥头物业服务有限公司）').waitFor();
    await meeting.locator('.ant-list-item').filter({ hasText: '1栋楼道加装扶手和声控灯' }).getByText('已排期上会').waitFor();

    // The meeting takes place: minutes send the topic to the owners of the building.
    clock.advance(2 * DAY);
    await staff.ctx.clock.setFixedTime(clock.now());
    await res.ctx.clock.setFixedTime(clock.now());
    await staff.page.reload();
    await staff.page.getByTestId('meetings-table').getByText('桥头小区居民议事会').click();
    await meeting.locator('.ant-list-item').filter({ hasText: '1栋楼道加装扶手' }).locator('.ant-select').click();
    await staff.page.locator('.ant-select-dropdown:visible').getByText('提交表决').click();
    await meeting.getByTestId('minutes-input').fill('到会居民 12 人。扶手安装涉及 1 栋共有部分，提交 1 栋业主表决。');
    await meeting.getByTestId('publish-minutes').click();
    await meeting.locator('.og-delib-body').waitFor();
    expect(await meeting.locator('.og-delib-body').textContent()).toContain('提交 1 栋业主表决');
    await shot(staff.page, 'delib-console-minutes');
    await staff.page.keyboard.press('Escape');

    // 4. An owners' vote for the building (one ballot per household, double majority).
    await staff.page.goto(`${base}/deliberation/votes`);
    await staff.page.getByTestId('create-vote').click();
    await choose(staff.page, '议题', '1栋楼道加装扶手');
    await choose(staff.page, /表决范围/, '桥头小区1栋');
    await clickAndPost(staff.page, staff.page.getByRole('button', { name: /确\s*定/ }), /\/deliberation\/votes$/);
    const voteDrawer = staff.page.getByTestId('vote-drawer');
    await voteDrawer.getByText(/^3 户，专有面积/).waitFor();

    // 5. The three households vote on their phones.
    await res.page.goto(`${base}/h5/deliberation?topic=${topicId}`);
    await res.page.getByTestId('topic-vote').click();
    await res.page.getByTestId('vote-heading').waitFor();
    await shot(res.page, 'delib-h5-vote');
    await res.page.getByTestId('choice-agree').click();
    await clickAndPost(res.page, res.page.getByRole('button', { name: /确\s*定/ }), /\/ballots$/);
    await res.page.getByTestId('voted').waitFor();
    for (const name of names.slice(0, 2)) {
      const nb = await open(true);
      await login(nb.page, name, /\/h5$/);
      await nb.page.goto(`${base}/h5/deliberation?topic=${topicId}`);
      await nb.page.getByTestId('topic-vote').click();
      await nb.page.getByTestId(name === 'nb.a' ? 'choice-agree' : 'choice-oppose').click();
      await clickAndPost(nb.page, nb.page.getByRole('button', { name: /确\s*定/ }), /\/ballots$/);
      await nb.page.getByTestId('voted').waitFor();
      expect(nb.errors).toEqual([]);
      await nb.ctx.close();
    }
    // a neighbour of another building is not in this electorate
    const outsider = await open(true);
    await login(outsider.page, 'nb.c', /\/h5$/);
    await outsider.page.goto(res.page.url());
    await outsider.page.getByText('您不在本次表决范围内').waitFor();
    expect(await outsider.page.getByTestId('choice-agree').count()).toBe(0);
    await outsider.ctx.close();

    // While open, only turnout is shown.
    await res.page.reload();
    await res.page.getByText('参与率 100.0%').waitFor();
    expect(await res.page.getByTestId('vote-result').count()).toBe(0);

    // 6. The deadline passes; the vote is counted and the result is shown. Worked out by hand from
    // the roll: 2 of 3 households agree (more than half of the owners); the vote passes only if the
    // two agreeing households also hold more than half of the floor area (double majority).
    const roll = await og.ctx.db.selectFrom('deliberation_roll').select(['household_id', 'area_m2']).where('household_path', 'like', `${buildingPath}/%`).execute();
    const area = (h: string | null) => Math.round(Number(roll.find((r) => r.household_id === h)!.area_m2) * 100);
    const agreeArea = area(mine!.householdId) + area(neighbours[0]!.householdId);
    const totalArea = agreeArea + area(neighbours[1]!.householdId);
    expect(roll).toHaveLength(3);
    const expectPassed = 2 * agreeArea > totalArea;
    const areaPct = `${((agreeArea / totalArea) * 100).toFixed(1)}%`;
    clock.advance(8 * DAY);
    await staff.ctx.clock.setFixedTime(clock.now());
    await res.ctx.clock.setFixedTime(clock.now());
    await runJobs();
    await res.page.reload();
    const result = res.page.getByTestId('vote-result');
    await result.waitFor();
    expect(await result.getByTestId('count-agree').textContent()).toBe('2');
    expect(await result.getByTestId('count-oppose').textContent()).toBe('1');
    const verdict = result.locator('.og-delib-verdict');
    expect(await verdict.locator('.ant-tag').textContent()).toBe(expectPassed ? '表决通过' : '未通过');
    expect(await verdict.textContent()).toContain(`同意的业主人数占参与表决的 66.7%、面积占 ${areaPct}`);
    expect(await result.textContent()).toContain('参与 3/3（100.0%）');
    await shot(res.page, 'delib-h5-result');

    await staff.page.reload();
    await staff.page.getByTestId('votes-table').getByText('1栋楼道加装扶手和声控灯表决').click();
    await voteDrawer.getByTestId('vote-result').waitFor();
    expect(await voteDrawer.locator('.og-delib-verdict .ant-tag').textContent()).toBe(expectPassed ? '表决通过' : '未通过');
    // let the drawer finish sliding in before the picture: wait for its transitions to end
    await voteDrawer.evaluate((el) => Promise.all((el.closest('.ant-drawer') ?? el).getAnimations({ subtree: true }).map((a) => a.finished)));
    await shot(staff.page, 'delib-console-result');

    expect(res.errors).toEqual([]);
    expect(staff.errors).toEqual([]);
    await res.ctx.close();
    await staff.ctx.close();
  });
});
