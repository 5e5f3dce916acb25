/**
 * The reminder page in a real browser (Debian's chromium driven by playwright-core, headless): mobile and desktop
 * viewports, screenshots saved under test-artifacts/, the "Pay now" link pointing at the workspace's payment URL,
 * readable without JavaScript, no CSP violation, and not one request leaving 127.0.0.1 while the page loads. The
 * browser resolves the reminder hosts to 127.0.0.1 and nothing else at all, so pages are opened on their workspace's
 * host, as subscribers open them; a link opened on another workspace's host sends the browser to its own.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contrastRatio } from '../../../src/config/index.js';
import type { SubscriberRow } from '../../../src/db/schema.js';
import { ROOT } from '../../helpers/config.js';
import type { TestRadgate } from '../../helpers/radgate.js';
import { addSubscriber, days, linkPath, startReminderRadgate } from './helpers.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const MOBILE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
/** The example workspace's reminder_host, and the second workspace's (helpers.ts). */
const HOST = 'pay.isp.example';
const NORTH_HOST = 'pay.north.example';

let t: TestRadgate;
let browser: Browser;
let expired: SubscriberRow;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startReminderRadgate();
  expired = await addSubscriber(t, { status: 'expired', paidUntil: new Date(Date.now() - days(9)), statusSince: new Date(Date.now() - days(7)) });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP ${NORTH_HOST} 127.0.0.1, MAP * ~NOTFOUND`,
      // In production the page is https:// behind the TLS proxy; here it is plain HTTP, treated as the secure
      // origin it stands for (as 127.0.0.1 is), so headers such as Cross-Origin-Opener-Policy apply.
      `--unsafely-treat-insecure-origin-as-secure=http://${HOST}:${t.radgate.ports.http}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
}, 60_000);

interface Visit {
  page: Page;
  context: BrowserContext;
  status: number | undefined;
  requests: string[];
  consoleErrors: string[];
}

/** Opens `pathname` on radgate's web listener under `host`, recording every request the browser makes. */
async function visit(pathname: string, options: BrowserContextOptions, host = HOST): Promise<Visit> {
  const context = await browser.newContext(options);
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  const response = await page.goto(`http://${host}:${t.radgate.ports.http}${pathname}`, { waitUntil: 'load' });
  return { page, context, status: response?.status(), requests, consoleErrors };
}

function expectLocalOnly(visit: Visit) {
  expect(visit.requests.length).toBeGreaterThanOrEqual(3); // page, stylesheet, theme (+ logo)
  for (const url of visit.requests) expect(new URL(url).hostname, url).toBe(HOST); // resolved to 127.0.0.1 only
}

const rgbToHex = (rgb: string) => {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number) as [number, number, number];
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
};

describe('the reminder page in chromium', () => {
  it.each([
    ['mobile', MOBILE],
    ['desktop', DESKTOP],
  ] as const)('%s: branded, Pay now to the payment URL, nothing loaded from outside 127.0.0.1', async (name, options) => {
    const v = await visit(await linkPath(t, expired), options);
    try {
      expect(v.status).toBe(200);
      await v.page.screenshot({ path: path.join(ARTIFACTS, `reminder-expired-${name}.png`), fullPage: true });
      expectLocalOnly(v);
      expect(v.requests.some((u) => u.endsWith('/w/default/logo'))).toBe(true);
      expect(v.consoleErrors).toEqual([]); // a CSP violation would show here

      await expect(v.page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Your internet service is restricted');
      const pay = v.page.getByRole('link', { name: 'Pay now' });
      expect(await pay.getAttribute('href')).toBe(`https://pay.isp.example/checkout?account=${expired.accountNumber}`);
      expect(await v.page.getByText(expired.accountNumber).count()).toBe(1);

      // A big button with legible text, and no sideways scrolling.
      const box = (await pay.boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(48);
      expect(box.width).toBeGreaterThanOrEqual(name === 'mobile' ? 300 : 280);
      // Visible without scrolling: what is due and the button come before the explanations.
      expect(box.y + box.height).toBeLessThanOrEqual(options.viewport!.height);
      // Evaluated in the page (strings: this project compiles without the DOM library).
      const colours = (await v.page.evaluate(
        `(() => { const s = getComputedStyle(document.querySelector('a.pay')); return { fg: s.color, bg: s.backgroundColor }; })()`,
      )) as { fg: string; bg: string };
      expect(contrastRatio(rgbToHex(colours.fg), rgbToHex(colours.bg))).toBeGreaterThanOrEqual(4.5);
      expect(await v.page.evaluate(`document.querySelector('.masthead img').naturalWidth`)).toBeGreaterThan(0);
      expect(await v.page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    } finally {
      await v.context.close();
    }
  }, 120_000);

  it('works without JavaScript', async () => {
    const v = await visit(await linkPath(t, expired), { ...MOBILE, javaScriptEnabled: false });
    try {
      expect(v.status).toBe(200);
      expect(await v.page.getByRole('link', { name: 'Pay now' }).isVisible()).toBe(true);
      expectLocalOnly(v);
    } finally {
      await v.context.close();
    }
  }, 120_000);

  it.each([
    ['due-soon', 'due_soon' as const, 2],
    ['active', 'active' as const, 20],
  ])('%s page (screenshot for review)', async (name, status, paid) => {
    const row = await addSubscriber(t, { status, paidUntil: new Date(Date.now() + days(paid)) });
    const v = await visit(await linkPath(t, row), MOBILE);
    try {
      expect(v.status).toBe(200);
      expectLocalOnly(v);
      await v.page.screenshot({ path: path.join(ARTIFACTS, `reminder-${name}-mobile.png`), fullPage: true });
      expect(await v.page.locator('.restriction').count()).toBe(0);
    } finally {
      await v.context.close();
    }
  }, 120_000);

  it('an expired link: a friendly branded page with status 410 and no subscriber data', async () => {
    const v = await visit(await linkPath(t, expired, { now: new Date(Date.now() - days(30)), lifetimeSeconds: 7 * 86400 }), DESKTOP);
    try {
      expect(v.status).toBe(410);
      expectLocalOnly(v);
      await v.page.screenshot({ path: path.join(ARTIFACTS, 'reminder-link-expired-desktop.png'), fullPage: true });
      const text = await v.page.locator('body').innerText();
      expect(text).toContain('This link is no longer valid');
      expect(text).not.toContain(expired.accountNumber);
    } finally {
      await v.context.close();
    }
  }, 120_000);

  it("a link opened on another workspace's host: the browser is sent to the link's own host, nothing renders there", async () => {
    const pathname = await linkPath(t, expired);
    const context = await browser.newContext(DESKTOP);
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    try {
      const page = await context.newPage();
      // https://pay.isp.example/ has no listener here (radgate sits behind a TLS proxy), so the navigation ends in a
      // refused connection, after the redirect.
      await page.goto(`http://${NORTH_HOST}:${t.radgate.ports.http}${pathname}`, { waitUntil: 'load' }).catch(() => undefined);
      expect(requests).toEqual([`http://${NORTH_HOST}:${t.radgate.ports.http}${pathname}`, `https://${HOST}${pathname}`]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
