/**
 * One message catalogue for everything a subscriber reads (reminder pages, the captive fallback page, e-mails):
 * a leaf module, so config can validate per-workspace overrides against it.
 */
import { en, type MessageKey } from './en.js';

export { en, type MessageKey };

/** The languages radgate ships; a workspace allows a subset (`languages`), its `locale` picks the default. */
export const LANGUAGES = ['en'] as const;
export type Language = (typeof LANGUAGES)[number];

export type Catalogue = Readonly<Record<MessageKey, string>>;
export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { en };

/** The `{placeholder}` names in a text, in order of first appearance. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!))];
}

/** Fills `{placeholder}`s with plain text; an unknown placeholder stays as written. */
export function fill(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{([a-z_]+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

export interface Messages {
  readonly language: Language;
  text(key: MessageKey, vars?: Readonly<Record<string, string>>): string;
}

export function messages(language: Language, overrides: Partial<Record<MessageKey, string>> = {}): Messages {
  const catalogue = CATALOGUES[language];
  return { language, text: (key, vars = {}) => fill(overrides[key] ?? catalogue[key], vars) };
}
