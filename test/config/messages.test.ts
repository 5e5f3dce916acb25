/** workspaces.yaml `languages` and `messages` (config/messages.ts): the good forms, and every bad class reported. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { copyExample, edit, eachReportsExactly, removeTempDirs, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const WS = (key: string) => `workspaces.yaml: workspaces[0].${key}`;
const LOCALE = '    locale: en-US\n';
/** Adds YAML lines (indented as workspace keys) after the example's locale, optionally replacing the locale. */
const withKeys = (lines: string, locale = 'en-US') => (dir: string) => edit(dir, 'workspaces.yaml', LOCALE, `    locale: ${locale}\n${lines}`);
const override = (language: string, key: string, value: string) =>
  withKeys(`    languages: [en, es, pt-BR]\n    messages:\n      ${language}:\n        ${key}: ${JSON.stringify(value)}\n`);

describe('languages and messages', () => {
  it('default: the language of the locale, no overrides', async () => {
    const dir = await copyExample();
    await edit(dir, 'workspaces.yaml', LOCALE, '    locale: pt-BR\n');
    const w = (await loadConfig(dir, {})).workspaces[0]!;
    expect(w.defaultLanguage).toBe('pt-BR');
    expect(w.languages).toEqual(['pt-BR']);
    expect(w.messages).toEqual({});
  });

  it('a locale in a language radgate does not ship defaults to English', async () => {
    const dir = await copyExample();
    await edit(dir, 'workspaces.yaml', LOCALE, '    locale: sw-KE\n');
    const w = (await loadConfig(dir, {})).workspaces[0]!;
    expect(w.defaultLanguage).toBe('en');
    expect(w.languages).toEqual(['en']);
  });

  it('allowed languages and overrides with their placeholders load as written (frozen)', async () => {
    const dir = await copyExample();
    await withKeys([
      '    languages: [es, en, fr]',
      '    messages:',
      '      es:',
      '        page.expired.heading: Su internet está en pausa',
      '        page.due_soon.lead: "Pague antes del {date}, por favor."',
      '        email.grace.body: "Hola:\\n\\nPague {amount} (vencía el {date}): {link}"',
      '      en:',
      '        page.footer: Private page',
      '',
    ].join('\n'), 'es-MX')(dir);
    const w = (await loadConfig(dir, {})).workspaces[0]!;
    expect(w.defaultLanguage).toBe('es');
    expect(w.languages).toEqual(['es', 'en', 'fr']);
    expect(w.messages).toEqual({
      es: {
        'page.expired.heading': 'Su internet está en pausa',
        'page.due_soon.lead': 'Pague antes del {date}, por favor.',
        'email.grace.body': 'Hola:\n\nPague {amount} (vencía el {date}): {link}',
      },
      en: { 'page.footer': 'Private page' },
    });
    expect(Object.isFrozen(w.messages.es)).toBe(true);
  });
});

const BROKEN: BrokenCase[] = [
  {
    name: 'an unknown language in messages',
    change: withKeys('    messages:\n      de:\n        page.pay.now: Jetzt zahlen\n'),
    problems: [`${WS('messages.de')}: unknown language (shipped: en, es, pt-BR, id, fr)`],
  },
  {
    name: 'a language in messages that is not allowed',
    change: withKeys('    messages:\n      es:\n        page.pay.now: Pagar ya\n'),
    problems: [`${WS('messages.es')}: es is not in languages (en): these texts would never be shown`],
  },
  {
    name: 'an unknown message key, with a suggestion',
    change: override('es', 'page.expired.headin', 'Sin servicio'),
    problems: [`${WS('messages.es["page.expired.headin"]')}: unknown message key (did you mean "page.expired.heading"?) (docs/languages.md lists them)`],
  },
  {
    name: 'a placeholder the key does not have',
    change: override('es', 'page.expired.heading', 'Sin servicio desde el {date}'),
    problems: [`${WS('messages.es["page.expired.heading"]')}: unknown placeholder "{date}" for this text (it has none)`],
  },
  {
    name: 'a misspelt placeholder',
    change: override('pt-BR', 'page.pay.note', 'Pagamento seguro em {Host}'),
    problems: [`${WS('messages.pt-BR["page.pay.note"]')}: unknown placeholder "{Host}" for this text (it has {host})`],
  },
  {
    name: 'a required placeholder missing',
    change: override('en', 'page.due_soon.lead', 'Please pay soon.'),
    problems: [`${WS('messages.en["page.due_soon.lead"]')}: must contain {date} (the text is not complete without it)`],
  },
  {
    name: 'a control character',
    change: override('en', 'page.pay.now', 'Pay\u001b[31m now'),
    problems: [`${WS('messages.en["page.pay.now"]')}: contains a control character, U+001B (escape), at character 4: texts shown to subscribers must be printable`],
  },
  {
    name: 'a line feed outside an e-mail body (a subject would split the header)',
    change: override('en', 'email.grace.subject', 'Overdue\nBcc: x@example.com'),
    problems: [`${WS('messages.en["email.grace.subject"]')}: contains a control character, U+000A (line feed), at character 8: texts shown to subscribers must be printable`],
  },
  {
    name: 'a text too long',
    change: override('en', 'page.pay.now', 'x'.repeat(1001)),
    problems: [`${WS('messages.en["page.pay.now"]')}: must be at most 1000 characters, got 1001`],
  },
  {
    name: 'an empty text and one that is not text',
    change: withKeys('    messages:\n      en:\n        page.pay.now: ""\n        page.pay.advance: 12\n'),
    problems: [
      `${WS('messages.en["page.pay.now"]')}: must not be empty`,
      `${WS('messages.en["page.pay.advance"]')}: must be text, got a number`,
    ],
  },
  {
    name: 'languages without the default one, a repeat and an unknown one',
    change: withKeys('    languages: [es, es, de, pt-br]\n'),
    problems: [
      `${WS('languages[1]')}: es is listed twice`,
      `${WS('languages[2]')}: unknown language "de" (shipped: en, es, pt-BR, id, fr)`,
      `${WS('languages[3]')}: write "pt-BR"`,
    ],
  },
  {
    name: 'languages that leave out the language of the locale',
    change: withKeys('    languages: [es, fr]\n'),
    problems: [`${WS('languages')}: must include en, the language of locale en-US (the default when a browser asks for none of them)`],
  },
  {
    name: 'messages that is not a mapping',
    change: withKeys('    messages: [en]\n'),
    problems: [`${WS('messages')}: must be a mapping of language to texts, got a list`],
  },
];

describe('bad languages and messages are reported with file and path', () => {
  eachReportsExactly(BROKEN);
});
