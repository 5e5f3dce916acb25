/**
 * The reminder page in every shipped language in a real browser (Debian's chromium via playwright-core, headless,
 * set up as browser.test.ts): a phone viewport whose browser locale asks for the language (Accept-Language), for an
 * expired and a due_soon subscriber. Each page names its language in `<html lang>`, shows the catalogue's texts in
 * it with no raw key or `{placeholder}`, loads nothing from outside 127.0.0.1 and never scrolls sideways (longer
 * French, Portuguese or Indonesian words must wrap). Screenshots under test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriberRow } from '../../../src/db/schema.js';
import { CATALOGUES, LANGUAGES, MESSAGE_KEYS, type Language } from '../../../src/messages/index.js';
import { ROOT } from '../../helpers/config.js';
import { startTestRadgate, type TestRadgate } from '../../helpers/radgate.js';
import { addSubscriber, days, linkPath } from './helpers.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const MOBILE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const HOST = 'pay.isp.example';
/** A phrase each language's page shows for both statuses. */
const PHRASE: Readonly<Record<Language, string>> = { en: 'Pay now', es: 'Pagar ahora', 'pt-BR': 'Pagar agora', id: 'Bayar sekarang', fr: 'Payer maintenant' };

let t: TestRadgate;
let browser: Browser;
const rows: Partial<Record<'expired' | 'due_soon', SubscriberRow>> = {};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestRadgate({
    config: { 'workspaces.yaml': (text) => text.replace('    locale: en-US\n', '    locale: en-US\n    languages: [en, es, pt-BR, id, fr]\n') },
  });
  rows.expired = await addSubscriber(t, { status: 'expired', paidUntil: new Date(Date.now() - days(9)), statusSince: new Date(Date.now() - days(7)) });
  rows.due_soon = await addSubscriber(t, { status: 'due_soon', paidUntil: new Date(Date.now() + days(2)) });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=MAP ${HOST} 127.0.0.1, MAP * ~NOTFOUND`,
      `--unsafely-treat-insecure-origin-as-secure=http://${HOST}:${t.radgate.ports.http}`,
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
}, 60_000);

const CASES = LANGUAGES.flatMap((language) => (['expired', 'due_soon'] as const).map((status) => ({ language, status })));

describe('the reminder page in every language, in chromium on a phone', () => {
  it.each(CASES)('$language, $status', async ({ language, status }) => {
    const context = await browser.newContext({ ...MOBILE, locale: language });
    const requests: string[] = [];
    context.on('request', (request) => requests.push(request.url()));
    try {
      const page = await context.newPage();
      const response = await page.goto(`http://${HOST}:${t.radgate.ports.http}${await linkPath(t, rows[status]!)}`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      expect(await response?.request().headerValue('accept-language')).toMatch(new RegExp(`^${language}\\b`));
      await page.screenshot({ path: path.join(ARTIFACTS, `reminder-${status}-${language}-mobile.png`), fullPage: true });
      for (const url of requests) expect(new URL(url).hostname, url).toBe(HOST);

      expect(await page.evaluate('document.documentElement.lang')).toBe(language);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(CATALOGUES[language][`page.${status}.heading`]);
      expect(await page.getByRole('link', { name: PHRASE[language] }).isVisible()).toBe(true);
      const text = await page.locator('body').innerText();
      expect(await page.title()).toContain(CATALOGUES[language][`page.${status}.heading`]);
      expect(text).not.toMatch(/\{[a-z_]+\}/);
      for (const key of MESSAGE_KEYS) expect(text, key).not.toContain(key);
      if (language !== 'en') {
        // Nothing of the English page is left: every label, heading and button is in the language.
        for (const english of ['Pay now', 'Amount due', 'Account number', 'Need help?', 'What this means', 'Secure payment at']) {
          expect(text, english).not.toContain(english);
        }
      }
      expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  }, 120_000);
});
