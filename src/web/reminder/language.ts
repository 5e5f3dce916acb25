/**
 * The language of one page view (docs/languages.md): the workspace's allowed languages and default, the request's
 * `Accept-Language` and an optional `?lang=` (an allowed language, written as in the catalogue, wins). A page
 * without a workspace (a link not ours, an unknown path, the captive page for an unknown address) may be shown in
 * any shipped language, English by default. Dates and amounts follow with `formattingLocale`.
 */
import type { WorkspaceConfig } from '../../config/index.js';
import { chooseLanguage, formattingLocale, LANGUAGES, messages, type Language, type Messages } from '../../messages/index.js';

export interface PageLanguage extends Messages {
  /** BCP 47 locale for dates and amounts. */
  readonly locale: string;
}

/** `Vary` of every page whose text depends on the request's language. */
export const VARY = { Vary: 'Accept-Language' } as const;

export function pageLanguage(workspace: WorkspaceConfig | undefined, acceptLanguage: string | undefined, lang?: string): PageLanguage {
  const allowed: readonly Language[] = workspace?.languages ?? LANGUAGES;
  const fallback: Language = workspace?.defaultLanguage ?? 'en';
  const asked = lang === undefined ? undefined : allowed.find((l) => l.toLowerCase() === lang.toLowerCase());
  const language = asked ?? chooseLanguage(allowed, fallback, acceptLanguage);
  const m = messages(language, workspace?.messages[language]);
  return { ...m, locale: workspace === undefined ? language : formattingLocale(language, workspace.locale) };
}
