/**
 * @module config/messages
 * workspaces.yaml keys for the language of what subscribers read (docs/languages.md): `languages` (the shipped
 * languages the workspace allows; default just the default one, the language of `locale`) and `messages` (the
 * workspace's own wording of catalogue texts, per language and key).
 *
 * An override is checked against the catalogue (src/messages): a shipped and allowed language, a known key, only
 * `{placeholder}`s that key has and every one it needs (`requiredPlaceholders`), printable text (no control
 * character; e-mail bodies may hold line feeds) within a length bound.
 */

import * as z from 'zod';
import {
  en, isLanguage, isMessageKey, LANGUAGES, languageOfLocale, MESSAGE_KEYS, placeholders, requiredPlaceholders,
  type Language, type MessageKey, type Overrides,
} from '../messages/index.js';
import { describeType, suggest } from './errors.js';
import { textProblem, shown } from './outbound-text.js';

/** Characters of an override: a page or subject text, and an e-mail body. */
export const MAX_MESSAGE_TEXT = 1000;
export const MAX_EMAIL_BODY_TEXT = 5000;

type Issue = { path: (string | number)[]; message: string };

/** The default language of a locale (config/reminder.ts validated it): its language if shipped, else English. */
export function defaultLanguage(locale: string): Language {
  return languageOfLocale(locale, LANGUAGES) ?? 'en';
}

const isEmailBody = (key: MessageKey) => key.startsWith('email.') && key.endsWith('.body');

/** Why `value` is no override of `key`, or undefined. */
function overrideProblem(key: MessageKey, value: unknown): string | undefined {
  if (typeof value !== 'string') return `must be text, got ${describeType(value)}`;
  if (value.trim() === '') return 'must not be empty';
  const max = isEmailBody(key) ? MAX_EMAIL_BODY_TEXT : MAX_MESSAGE_TEXT;
  if (value.length > max) return `must be at most ${max} characters, got ${value.length}`;
  // Line feeds only in e-mail bodies; a subject or page text with one could split a header or a line.
  const problem = textProblem(isEmailBody(key) ? value.replace(/\n/g, ' ') : value);
  if (problem !== undefined) return problem.replace(/: text sent to routers.*$/, ': texts shown to subscribers must be printable');
  const has = placeholders(en[key]);
  for (const [, name] of value.matchAll(/\{([^{}]*)\}/g)) {
    if (!has.includes(name!)) {
      const known = has.length === 0 ? 'it has none' : `it has ${has.map((p) => `{${p}}`).join(', ')}`;
      return `unknown placeholder ${shown(`{${name}}`)} for this text (${known})`;
    }
  }
  const missing = requiredPlaceholders(key).filter((p) => !value.includes(`{${p}}`));
  if (missing.length > 0) return `must contain ${missing.map((p) => `{${p}}`).join(', ')} (the text is not complete without it)`;
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `messages:` — language → key → text. */
const messagesSchema = z.unknown().transform((input, ctx): Readonly<Partial<Record<Language, Overrides>>> => {
  const issues: Issue[] = [];
  const out: Partial<Record<Language, Record<string, string>>> = {};
  if (!isRecord(input)) {
    ctx.issues.push({ code: 'custom', message: `must be a mapping of language to texts, got ${describeType(input)}`, input: undefined });
    return z.NEVER;
  }
  for (const [language, texts] of Object.entries(input)) {
    if (!isLanguage(language)) {
      const hint = suggest(language, LANGUAGES);
      issues.push({ path: [language], message: `unknown language${hint === undefined ? '' : ` (did you mean "${hint}"?)`} (shipped: ${LANGUAGES.join(', ')})` });
      continue;
    }
    if (!isRecord(texts)) {
      issues.push({ path: [language], message: `must be a mapping of message key to text, got ${describeType(texts)}` });
      continue;
    }
    const own: Record<string, string> = {};
    for (const [key, value] of Object.entries(texts)) {
      if (!isMessageKey(key)) {
        const hint = suggest(key, MESSAGE_KEYS);
        issues.push({ path: [language, key], message: `unknown message key${hint === undefined ? '' : ` (did you mean "${hint}"?)`} (docs/languages.md lists them)` });
        continue;
      }
      const problem = overrideProblem(key, value);
      if (problem === undefined) own[key] = value as string;
      else issues.push({ path: [language, key], message: problem });
    }
    out[language] = own;
  }
  for (const issue of issues) ctx.issues.push({ code: 'custom', path: issue.path, message: issue.message, input: undefined });
  return issues.length === 0 ? out : z.NEVER;
});

/** `languages:` — a list of shipped languages, no repeats. */
const languagesSchema = z.unknown().transform((input, ctx): Language[] => {
  if (!Array.isArray(input)) {
    ctx.issues.push({ code: 'custom', message: `must be a list of languages (${LANGUAGES.join(', ')}), got ${describeType(input)}`, input: undefined });
    return z.NEVER;
  }
  const out: Language[] = [];
  let ok = true;
  for (const [i, item] of input.entries()) {
    const fail = (message: string) => { ctx.issues.push({ code: 'custom', path: [i], message, input: undefined }); ok = false; };
    if (typeof item !== 'string') fail(`must be a language (${LANGUAGES.join(', ')}), got ${describeType(item)}`);
    else if (!isLanguage(item)) {
      const exact = LANGUAGES.find((l) => l.toLowerCase() === item.toLowerCase());
      fail(exact !== undefined ? `write "${exact}"` : `unknown language ${shown(item)} (shipped: ${LANGUAGES.join(', ')})`);
    } else if (out.includes(item)) fail(`${item} is listed twice`);
    else out.push(item);
  }
  if (ok && out.length === 0) {
    ctx.issues.push({ code: 'custom', message: 'must list at least one language (leave the key out for just the default)', input: undefined });
    ok = false;
  }
  return ok ? out : z.NEVER;
});

/** The keys this module adds to a workspace entry (spread into the workspace schema). */
export const messageWorkspaceKeys = {
  languages: languagesSchema.optional(),
  messages: messagesSchema.optional(),
};

interface MessageKeysOutput {
  readonly locale: string;
  readonly languages?: Language[] | undefined;
  readonly messages?: Readonly<Partial<Record<Language, Overrides>>> | undefined;
}

type Context = { issues: { push(problem: { code: 'custom'; path?: (string | number)[]; message: string; input: unknown }): unknown } };

/**
 * The camelCase part of a workspace's schema output for the keys above, with the checks across keys: the allowed
 * languages include the default one (the locale's), and every overridden language is allowed.
 */
export function messageWorkspaceFields(w: MessageKeysOutput, ctx: Context) {
  const language = defaultLanguage(w.locale);
  const languages = w.languages ?? [language];
  if (!languages.includes(language)) {
    ctx.issues.push({
      code: 'custom', path: ['languages'], input: undefined,
      message: `must include ${language}, the language of locale ${w.locale} (the default when a browser asks for none of them)`,
    });
  }
  const messages = w.messages ?? {};
  for (const overridden of Object.keys(messages) as Language[]) {
    if (!languages.includes(overridden)) {
      ctx.issues.push({
        code: 'custom', path: ['messages', overridden], input: undefined,
        message: `${overridden} is not in languages (${languages.join(', ')}): these texts would never be shown`,
      });
    }
  }
  return { defaultLanguage: language, languages, messages };
}
