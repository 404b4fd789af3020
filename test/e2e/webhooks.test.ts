/// <reference lib="dom" />
/**
 * Browser journey of the webhook console (Webhook 订阅): an admin adds a subscriber pointing at a
 * local receiver, a reported case is delivered to it signed, the delivery log shows the attempt,
 * and a replay from the console sends the same event again.
 *
 * Screenshots go to test-results/screenshots/ (webhooks-*.png).
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { type OneGrid } from '../../src/app.js';
import { relayOutbox, settleDeliveries } from '../../src/platform/outbox/index.js';
import { ensureWebBuild } from './web-build.js';
import { startE2eApp, type E2eApp } from './app.js';
import { launchChromium, clickAndPost } from './browser.js';

const ROOT = join(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results/screenshots');
const SECRET = 'webhook-e2e-secret-0123456789';

let og: OneGrid;
let browser: Browser;
let base: string;
let app: E2eApp;
let receiver: Server;
let receiverUrl: string;
const received: Array<{ event: string; eventId: string; signature: string; body: string }> = [];

beforeAll(async () => {
  ensureWebBuild(ROOT);
  mkdirSync(SHOTS, { recursive: true });
  app = await startE2eApp('webhooks', { MQTT_PORT: '0' });
  og = app.og;
  base = app.base;
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ event: JSON.parse(body).type as string, eventId: String(req.headers['x-onegrid-event-id']), signature: String(req.headers['x-onegrid-signature']), body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await new Promise((r) => receiver?.close(r));
});

/** Relays committed case events to deliveries, runs the delivery jobs and waits for their POSTs. */
async function pump(): Promise<void> {
  await relayOutbox(og.ctx);
  await og.ctx.jobs.runAllDue();
  await settleDeliveries();
}

/** The signature header is `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
function signatureValid(header: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]+)$/.exec(header);
  return !!m && createHmac('sha256', SECRET).update(`${m[1]}.${body}`).digest('hex') === m[2];
}

describe('webhook console', () => {
  it('an admin subscribes a receiver, a case event arrives signed, and a replay from the console sends it again', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && r.status() !== 401) errors.push(`http ${r.status()}: ${r.url()}`);
    });
    await page.goto(`${base}/webhooks`);
    await page.waitForURL(/\/login/);
    await page.getByLabel('用户名或手机号').fill('admin');
    await page.getByLabel('密码', { exact: true }).fill('onegrid-demo');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.waitForURL(`${base}/webhooks`);
    await page.getByTestId('webhooks-page').waitFor();

    // New subscriber: the form explains in Chinese what is missing, then saves.
    await page.getByRole('button', { name: /新建订阅/ }).click();
    const dialog = page.locator('.ant-modal', { hasText: '新建订阅' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await dialog.getByText('请填写名称').waitFor();
    await dialog.getByText('密钥至少 16 位').waitFor();
    await dialog.getByLabel('名称').fill('市 12345 平台');
    await dialog.getByLabel('接收地址（URL）').fill(receiverUrl);
    await dialog.getByLabel('签名密钥').fill(SECRET);
    await dialog.getByRole('button', { name: /保\s*存/ }).click();
    await page.getByText('已保存').waitFor();
    const subRow = page.locator('[data-testid="subscribers-table"] tr', { hasText: '市 12345 平台' });
    await subRow.waitFor();
    expect(await subRow.textContent()).toContain(receiverUrl);

    // A resident reports a case: the receiver gets case.created once, correctly signed.
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'resident.qiaotou', password: 'onegrid-demo' }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const report = await fetch(`${base}/api/cases`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ description: '小区门口路灯不亮好几天了', location: { lng: 112.9644, lat: 28.1489 } }) });
    expect(report.status).toBe(201);
    const caseId = ((await report.json()) as { id: string }).id;
    await pump();
    const created = received.filter((r) => r.event === 'case.created');
    expect(created).toHaveLength(1);
    expect(signatureValid(created[0]!.signature, created[0]!.body)).toBe(true);
    expect(JSON.parse(created[0]!.body).data.caseId).toBe(caseId);

    // The delivery log shows it delivered; the details show the attempt.
    await page.getByRole('button', { name: /刷\s*新/ }).click();
    const delRow = page.locator('[data-testid="deliveries-table"] tr', { hasText: '案卷创建' });
    await delRow.getByText('已送达').waitFor();
    await delRow.getByRole('button', { name: /详\s*情/ }).click();
    await page.getByTestId('attempts-table').getByText('HTTP 200').waitFor();
    await page.screenshot({ path: join(SHOTS, 'webhooks-detail.png') });
    await page.locator('.ant-modal', { hasText: '投递详情' }).locator('.ant-modal-close').click();

    // Replay from the console (asks first): the same event, same event id, arrives again.
    await delRow.getByRole('button', { name: /重新投递/ }).click();
    await clickAndPost(page, page.locator('.ant-modal-confirm').getByRole('button', { name: /重新投递/ }), /\/replay$/);
    await pump();
    const again = received.filter((r) => r.event === 'case.created');
    expect(again).toHaveLength(2);
    expect(again[1]!.eventId).toBe(again[0]!.eventId);
    expect(signatureValid(again[1]!.signature, again[1]!.body)).toBe(true);
    await page.getByRole('button', { name: /刷\s*新/ }).click();
    await delRow.getByText('已送达').waitFor();
    // delivered again, so it may be replayed again
    await page.waitForFunction(() => {
      const row = [...document.querySelectorAll('[data-testid="deliveries-table"] tr')].find((tr) => tr.textContent?.includes('案卷创建'));
      const btn = [...(row?.querySelectorAll('button') ?? [])].find((b) => b.textContent?.replace(/\s/g, '') === '重新投递');
      return !!btn && !btn.disabled;
    });
    await page.screenshot({ path: join(SHOTS, 'webhooks-log.png') });

    expect(errors).toEqual([]);
    await ctx.close();
  });
});
