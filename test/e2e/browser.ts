import { chromium, type Browser, type Page, type Request } from 'playwright-core';

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless chromium with the flags this machine needs: no sandbox as root, no GPU, and none of the
 * background connections a closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Collects the page's uncaught errors and console errors into `errors` (a journey ends by expecting
 * it empty). Console lines matching `expected` are not errors: by default a 401, the signed-out
 * probe of the session; a journey that provokes other refusals on purpose names them.
 */
export function collectErrors(page: Page, errors: string[] = [], expected: RegExp = /status of 401/): string[] {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/**
 * Clicks and waits for the POST it sends to a path ending in `pathEnd`, and expects it to succeed.
 * Preferred to waiting for the success toast, which lasts 3 s and can come and go unseen while two
 * browsers share the machine's two cores. A click that sent nothing within 10 s — it landed while
 * an antd dialog or menu was still moving in, seen under load — is made once more; a click that
 * did send is never repeated.
 */
export async function clickAndPost(page: Page, target: { click(): Promise<void> }, pathEnd: RegExp): Promise<void> {
  const isIt = (r: Request) => r.method() === 'POST' && pathEnd.test(new URL(r.url()).pathname);
  let sent = page.waitForRequest(isIt, { timeout: 10_000 });
  await target.click();
  let req = await sent.catch(() => null);
  if (!req) {
    sent = page.waitForRequest(isIt);
    await target.click();
    req = await sent;
  }
  const r = await req.response();
  if (!r) throw new Error(`POST ${req.url()} got no answer`);
  if (r.status() >= 400) throw new Error(`POST ${req.url()} answered ${r.status()}: ${await r.text()}`);
}
