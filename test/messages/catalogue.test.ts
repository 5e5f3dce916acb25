/**
 * The message catalogue: every language has exactly the English keys, with the same placeholders per key and no
 * empty or untranslated-looking text; `fill` and `messages` do what pages and e-mails rely on; the language
 * selection rules of src/messages/select.ts (docs/languages.md).
 */
import { describe, expect, it } from 'vitest';
import {
  acceptedLanguages, CATALOGUES, chooseLanguage, en, fill, formattingLocale, LANGUAGES, languageOfLocale,
  MAX_ACCEPT_LANGUAGE, MESSAGE_KEYS, messages, placeholders, requiredPlaceholders,
} from '../../src/messages/index.js';

const OTHERS = LANGUAGES.filter((l) => l !== 'en');

describe('the catalogues', () => {
  it('ships en, es, pt-BR, id and fr', () => {
    expect(LANGUAGES).toEqual(['en', 'es', 'pt-BR', 'id', 'fr']);
    expect(Object.keys(CATALOGUES).sort()).toEqual([...LANGUAGES].sort());
  });

  it('keeps the e-mail keys the notifier uses', () => {
    for (const kind of ['due_soon', 'grace', 'expired', 'suspended', 'restored']) {
      expect(placeholders(en[`email.${kind}.subject` as keyof typeof en])).toContain('workspace');
      expect(placeholders(en[`email.${kind}.body` as keyof typeof en])).toEqual(expect.arrayContaining(['name', 'date', 'link', 'support']));
    }
  });

  it.each(OTHERS)('%s has exactly the English keys', (language) => {
    expect(Object.keys(CATALOGUES[language])).toEqual(Object.keys(en));
  });

  it.each(LANGUAGES)('%s: same placeholders per key as English, no empty text, no stray braces', (language) => {
    for (const key of MESSAGE_KEYS) {
      const text = CATALOGUES[language][key];
      expect(text.trim(), `${language} ${key}`).not.toBe('');
      expect(new Set(placeholders(text)), `${language} ${key}`).toEqual(new Set(placeholders(en[key])));
      // Every brace belongs to a placeholder: a typo such as {Date} or {date would show raw.
      expect(text.replace(/\{[a-z_]+\}/g, ''), `${language} ${key}`).not.toMatch(/[{}]/);
      expect(text, `${language} ${key}`).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });

  it.each(OTHERS)('%s is translated: most texts differ from English', (language) => {
    const same = MESSAGE_KEYS.filter((k) => CATALOGUES[language][k] === en[k] && placeholders(en[k]).join() !== en[k].replace(/[^a-z_]+/g, ','));
    // A few words are the same in several languages ("Plan", "E-mail", "{heading} — {workspace}").
    expect(same.length, same.join(', ')).toBeLessThanOrEqual(3);
  });
});

describe('fill and messages', () => {
  it('fills every placeholder, leaves unknown ones as written, never re-expands a filled value', () => {
    expect(fill('Pay {amount} by {date}.', { amount: '$25.00', date: 'March 3' })).toBe('Pay $25.00 by March 3.');
    expect(fill('Hello {name}', {})).toBe('Hello {name}');
    expect(fill('{a} {b}', { a: '{b}', b: 'x' })).toBe('{b} x');
    expect(fill('{constructor}', {})).toBe('{constructor}');
  });

  it('takes a language and overrides, falling back to the catalogue per key', () => {
    const m = messages('es', { 'page.expired.heading': 'Sin pago, sin internet' });
    expect(m.language).toBe('es');
    expect(m.text('page.expired.heading')).toBe('Sin pago, sin internet');
    expect(m.text('page.pay.note', { host: 'pagos.example' })).toBe('Pago seguro en pagos.example');
    expect(messages('fr').text('page.pay.now')).toBe('Payer maintenant');
  });

  it('requires the informative placeholders, not the courtesies', () => {
    expect(requiredPlaceholders('email.due_soon.body').sort()).toEqual(['amount', 'date', 'link']);
    expect(requiredPlaceholders('page.footer')).toEqual([]);
    expect(requiredPlaceholders('page.title')).toEqual(['heading']);
  });
});

describe('language selection', () => {
  it('a locale picks its language; pt means pt-BR; an unshipped language gives none', () => {
    expect(languageOfLocale('es-MX', LANGUAGES)).toBe('es');
    expect(languageOfLocale('pt-PT', LANGUAGES)).toBe('pt-BR');
    expect(languageOfLocale('pt', LANGUAGES)).toBe('pt-BR');
    expect(languageOfLocale('id-ID', LANGUAGES)).toBe('id');
    expect(languageOfLocale('fr-FR', LANGUAGES)).toBe('fr');
    expect(languageOfLocale('en-US', LANGUAGES)).toBe('en');
    expect(languageOfLocale('sw-KE', LANGUAGES)).toBeUndefined();
  });

  it('parses Accept-Language with q-values, best first, ties in header order, q=0 left out', () => {
    expect(acceptedLanguages('fr-CA,fr;q=0.9,en;q=0.8')).toEqual(['fr-CA', 'fr', 'en']);
    expect(acceptedLanguages('en;q=0.5, es ; q=0.9, id')).toEqual(['id', 'es', 'en']);
    expect(acceptedLanguages('es;q=0, pt-BR')).toEqual(['pt-BR']);
    expect(acceptedLanguages(undefined)).toEqual([]);
  });

  it('ignores a malformed or oversized header as a whole', () => {
    expect(acceptedLanguages('es;q=2')).toEqual([]);
    expect(acceptedLanguages('es, <script>')).toEqual([]);
    expect(acceptedLanguages('es;q=0.5;x=1')).toEqual([]);
    expect(acceptedLanguages(`es,${'a-b,'.repeat(MAX_ACCEPT_LANGUAGE)}`)).toEqual([]);
    expect(acceptedLanguages(Array.from({ length: 33 }, () => 'es').join(','))).toEqual([]);
  });

  it('picks the first allowed language asked for, by exact tag or primary subtag, else the default', () => {
    const allowed = ['en', 'es', 'pt-BR'] as const;
    expect(chooseLanguage(allowed, 'en', 'es-MX,en;q=0.5')).toBe('es');
    expect(chooseLanguage(allowed, 'en', 'pt-PT')).toBe('pt-BR');
    expect(chooseLanguage(allowed, 'en', 'fr-FR,fr;q=0.9,es;q=0.1')).toBe('es');
    expect(chooseLanguage(allowed, 'es', 'fr')).toBe('es');
    expect(chooseLanguage(allowed, 'es', '*')).toBe('es');
    expect(chooseLanguage(allowed, 'es', 'en;q=0')).toBe('es');
    expect(chooseLanguage(allowed, 'es', 'en;q=7')).toBe('es');
    expect(chooseLanguage(['en'] as const, 'en', 'id')).toBe('en');
  });

  it("formats in the workspace's locale for its own language, else the chosen language with its region", () => {
    expect(formattingLocale('es', 'es-MX')).toBe('es-MX');
    expect(formattingLocale('pt-BR', 'pt-PT')).toBe('pt-PT');
    expect(formattingLocale('en', 'id-ID')).toBe('en-ID');
    expect(formattingLocale('es', 'en-US')).toBe('es-US');
    expect(formattingLocale('es', 'en')).toBe('es');
    // ICU has no en-MX or fr-ID: the chosen language's own tag, not a locale that quietly means something else.
    expect(formattingLocale('en', 'es-MX')).toBe('en');
    expect(formattingLocale('fr', 'id-ID')).toBe('fr');
    // English words, Indonesian conventions.
    expect(new Intl.NumberFormat(formattingLocale('en', 'id-ID'), { style: 'currency', currency: 'IDR' }).format(150000)).toMatch(/^Rp\s150\.000$/);
  });
});

describe('docs/languages.md', () => {
  it('lists every key', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/languages.md', import.meta.url), 'utf8');
    const listed = [...doc.matchAll(/^\| `([a-z_]+\.[a-z_.]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(MESSAGE_KEYS);
  });
});
