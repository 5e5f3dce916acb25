/**
 * One message catalogue for everything a subscriber reads (reminder pages, the captive fallback page, e-mails):
 * a leaf module, so config can validate per-workspace overrides against it. Which language a request gets is
 * decided in select.ts (docs/languages.md).
 */
import { en, type MessageKey } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { id } from './id.js';
import { ptBR } from './pt-br.js';

export { en, type MessageKey };
export { acceptedLanguages, chooseLanguage, formattingLocale, languageOfLocale, MAX_ACCEPT_LANGUAGE } from './select.js';

/** The languages radgate ships; a workspace allows a subset (`languages`), its `locale` picks the default. */
export const LANGUAGES = ['en', 'es', 'pt-BR', 'id', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export type Catalogue = Readonly<Record<MessageKey, string>>;
export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { en, es, 'pt-BR': ptBR, id, fr };

/** Every key, in the order of en.ts. */
export const MESSAGE_KEYS: readonly MessageKey[] = Object.keys(en) as MessageKey[];

/** Whether `value` names a shipped language, exactly as written in `LANGUAGES`. */
export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(en, value);
}

/** The `{placeholder}` names in a text, in order of first appearance. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!))];
}

/**
 * Placeholders an override may leave out: courtesies, not information (a greeting without the name, a text that
 * does not repeat the ISP's name, an e-mail without the support line). Every other placeholder of a key — a date,
 * an amount, a link, a host, a heading — must stay in the text.
 */
export const OPTIONAL_PLACEHOLDERS: readonly string[] = ['name', 'workspace', 'support'];

/** The placeholders an override of `key` must contain. */
export function requiredPlaceholders(key: MessageKey): string[] {
  return placeholders(en[key]).filter((p) => !OPTIONAL_PLACEHOLDERS.includes(p));
}

/** Fills `{placeholder}`s with plain text; an unknown placeholder stays as written. */
export function fill(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}

export type Overrides = Readonly<Partial<Record<MessageKey, string>>>;

export interface Messages {
  readonly language: Language;
  text(key: MessageKey, vars?: Readonly<Record<string, string>>): string;
}

export function messages(language: Language, overrides: Overrides = {}): Messages {
  const catalogue = CATALOGUES[language];
  return { language, text: (key, vars = {}) => fill(overrides[key] ?? catalogue[key], vars) };
}
