/**
 * The reminder pages in every shipped language (docs/languages.md): the view and the HTML rendered per language
 * and status carry `<html lang>`, the catalogue's texts with every placeholder filled and no raw key, dates and
 * amounts in that language; the workspace's overrides win and its own reminder.message stays as written. Over
 * HTTP: Accept-Language and ?lang pick among the workspace's languages, with Vary: Accept-Language.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config, type WorkspaceConfig } from '../../../src/config/index.js';
import type { SubscriberStatus } from '../../../src/db/schema.js';
import { CATALOGUES, LANGUAGES, MESSAGE_KEYS, type Language } from '../../../src/messages/index.js';
import { createLogger } from '../../../src/log.js';
import { createCaptiveApp } from '../../../src/web/reminder/index.js';
import { pageLanguage } from '../../../src/web/reminder/language.js';
import { errorPage, reminderPage, workspacePage } from '../../../src/web/reminder/page.js';
import { reminderView, type Subscriber } from '../../../src/web/reminder/view.js';
import { testConfig } from '../../helpers/config.js';
import { startTestRadgate, type TestRadgate } from '../../helpers/radgate.js';
import { addSubscriber, days, get, linkPath } from './helpers.js';

const ALL_LANGUAGES = '    locale: en-US\n    languages: [en, es, pt-BR, id, fr]\n';
const OVERRIDES = [
  '    messages:',
  '      es:',
  '        page.expired.heading: Su internet está en pausa',
  '',
].join('\n');
const edited = (t: string) => t.replace('    locale: en-US\n', ALL_LANGUAGES + OVERRIDES);

/** A phrase of each language that its due_soon and expired pages show (the Pay button). */
const PAY_NOW: Readonly<Record<Language, string>> = { en: 'Pay now', es: 'Pagar ahora', 'pt-BR': 'Pagar agora', id: 'Bayar sekarang', fr: 'Payer maintenant' };
/** March in each language, as dates are written (the page's due date is in March 2025). */
const MARCH: Readonly<Record<Language, RegExp>> = { en: /March/, es: /marzo/, 'pt-BR': /março/, id: /Maret/, fr: /mars/ };

const NOW = new Date('2025-03-01T12:00:00Z');
let config: Config;
let workspace: WorkspaceConfig;

beforeAll(async () => {
  config = await loadConfig(testConfig({ 'workspaces.yaml': edited }), {});
  workspace = config.workspaces[0]!;
});

const subscriber = (status: SubscriberStatus): Subscriber => ({
  username: 'ana', accountNumber: 'ACC-77', plan: 'home-10', status, balance: 0,
  paidUntil: status === 'due_soon' ? new Date('2025-03-03T00:00:00Z') : new Date('2025-02-20T00:00:00Z'),
  statusSince: status === 'expired' || status === 'suspended' ? new Date('2025-03-01T00:00:00Z') : null,
});

/** Fails on any catalogue key or unfilled `{placeholder}` in the page's text. */
function expectNoRawText(body: string) {
  expect(body).not.toMatch(/\{[a-z_]+\}/);
  for (const key of MESSAGE_KEYS) expect(body, key).not.toContain(key);
}

describe('the pages in every language', () => {
  const statuses: SubscriberStatus[] = ['active', 'due_soon', 'grace', 'expired', 'suspended', 'disabled'];
  it.each(LANGUAGES)('%s: every status in the catalogue text, dates and amounts in that language', (language) => {
    const t = pageLanguage(workspace, language);
    expect(t.language).toBe(language);
    for (const status of statuses) {
      const view = reminderView(subscriber(status), config.planByName.get('home-10'), workspace, NOW, t);
      const body = reminderPage(workspace, view, t);
      expect(body).toContain(`<html lang="${language}">`);
      const heading = language === 'es' && status === 'expired' ? 'Su internet está en pausa' : CATALOGUES[language][`page.${status}.heading`];
      expect(view.heading, status).toBe(heading);
      expect(body).toContain(`<h1 id="title">${heading.replace(/'/g, '&#39;')}</h1>`);
      expect(view.badge).toBe(CATALOGUES[language][`page.${status}.badge`]);
      expectNoRawText(body);
      // The workspace's own text, as written, in every language.
      if (['due_soon', 'grace', 'expired', 'suspended'].includes(status)) {
        expect(body).toContain('Thank you for choosing Example ISP.');
        expect(body).toContain(PAY_NOW[language]);
      }
    }
    const due = reminderView(subscriber('due_soon'), config.planByName.get('home-10'), workspace, NOW, t);
    expect(due.lead).toMatch(MARCH[language]);
    const amount = due.facts.find((f) => f.emphasis)!.value;
    expect(amount).toBe(new Intl.NumberFormat(t.locale, { style: 'currency', currency: 'USD' }).format(25));
  });

  it.each(LANGUAGES)('%s: the workspace page and the error pages', (language) => {
    const t = pageLanguage(workspace, language);
    const page = workspacePage(workspace, t);
    expect(page).toContain(`<html lang="${language}">`);
    expect(page).toContain(CATALOGUES[language]['page.workspace.heading'].replace(/'/g, '&#39;'));
    expectNoRawText(page);
    for (const status of [400, 401, 404, 410, 429, 500] as const) {
      const body = errorPage(status, status === 410 ? workspace : undefined, pageLanguage(status === 410 ? workspace : undefined, language));
      expect(body).toContain(`<html lang="${language}">`);
      expectNoRawText(body);
    }
    expect(errorPage(410, workspace, t)).toContain(CATALOGUES[language]['page.error.expired.heading'].replace(/'/g, '&#39;'));
  });

  it('English by default: a workspace allows only the language of its locale unless it lists more', async () => {
    const english = (await loadConfig(testConfig(), {})).workspaces[0]!;
    expect(pageLanguage(english, 'es-MX,es;q=0.9').language).toBe('en');
    expect(pageLanguage(workspace, 'es-MX,es;q=0.9').language).toBe('es');
    expect(pageLanguage(workspace, 'es', 'fr').language).toBe('fr');
    expect(pageLanguage(workspace, 'es', 'de').language).toBe('es');
    expect(pageLanguage(workspace, 'x'.repeat(600)).language).toBe('en');
    // In Spanish, dates and amounts keep the workspace's region (en-US → es-US).
    expect(pageLanguage(workspace, 'es').locale).toBe('es-US');
  });
});

describe('over HTTP', () => {
  let t: TestRadgate;
  beforeAll(async () => {
    t = await startTestRadgate({ config: { 'workspaces.yaml': edited } });
  }, 60_000);
  afterAll(async () => t?.stop());

  it('Accept-Language and ?lang pick the page language; Vary: Accept-Language', async () => {
    const row = await addSubscriber(t, { status: 'due_soon', paidUntil: new Date(Date.now() + days(2)) });
    const path = await linkPath(t, row);
    const port = t.radgate.ports.http;
    const host = 'pay.isp.example';
    const fr = await get(port, path, { host, headers: { 'Accept-Language': 'fr-CA,fr;q=0.9,en;q=0.5' } });
    expect(fr.status).toBe(200);
    expect(fr.headers['vary']).toBe('Accept-Language');
    expect(fr.body).toContain('<html lang="fr">');
    expect(fr.body).toContain('Votre paiement arrive à échéance');
    const id = await get(port, `${path}?lang=id`, { host, headers: { 'Accept-Language': 'fr' } });
    expect(id.body).toContain('<html lang="id">');
    const none = await get(port, path, { host });
    expect(none.body).toContain('<html lang="en">');
    expect(none.body).toContain('Your payment is due soon');
    const malformed = await get(port, path, { host, headers: { 'Accept-Language': 'fr;q=abc' } });
    expect(malformed.body).toContain('<html lang="en">');
    const expired = await get(port, await linkPath(t, row, { now: new Date(Date.now() - days(30)) }), { host, headers: { 'Accept-Language': 'pt-BR' } });
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('Este link não é mais válido');
    const tampered = await get(port, `${path.slice(0, -3)}xyz`, { host, headers: { 'Accept-Language': 'es' } });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toContain('Este enlace no es válido');
    expect(tampered.headers['vary']).toBe('Accept-Language');
  }, 60_000);

  it('the captive page for an unknown address: any shipped language the browser asks for, English by default', async () => {
    const base = t.radgate.config;
    const hostless = base.workspaces.map((w) => ({ ...w, reminderHost: undefined }));
    const config: Config = { ...base, workspaces: hostless, workspaceById: new Map(hostless.map((w) => [w.id, w])) };
    const app = createCaptiveApp({ config: () => config, db: t.radgate.database.db, keys: t.radgate.linkKeys, log: createLogger({ level: 'silent' }), lookup: async () => undefined });
    const es = await app.request('/', { headers: { 'Accept-Language': 'es-AR,es;q=0.9' } });
    expect(es.status).toBe(200);
    expect(es.headers.get('vary')).toBe('Accept-Language');
    const body = await es.text();
    expect(body).toContain('<html lang="es">');
    expect(body).toContain('<h1>Acceso a internet restringido</h1>');
    expectNoRawText(body);
    const plain = await (await app.request('/', { headers: { 'Accept-Language': 'de-DE' } })).text();
    expect(plain).toContain('<html lang="en">');
    expect(plain).toContain('<h1>Internet access restricted</h1>');
  });
});
