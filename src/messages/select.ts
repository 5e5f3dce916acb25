/**
 * Which language a subscriber gets, and the locale dates and amounts are then formatted in (docs/languages.md):
 *
 * 1. A workspace's default language is its `locale`'s language subtag (`es-MX` → `es`, `pt` and `pt-PT` → `pt-BR`,
 *    the only Portuguese shipped); a locale in a language radgate does not ship falls back to English.
 * 2. The browser's `Accept-Language` (RFC 9110 §12.5.4) may pick another language the workspace allows: ranges in
 *    order of q (ties in header order), q=0 skipped; a range matches an allowed language exactly or by its primary
 *    subtag (`fr-CA` → `fr`, `pt` → `pt-BR`); `*` means the default. No match: the default. A header longer than
 *    `MAX_ACCEPT_LANGUAGE` characters, with more than 32 ranges, or with any range that does not parse is ignored.
 * 3. Dates and amounts: the workspace's own `locale` when the chosen language is its language; otherwise the chosen
 *    language with the workspace's region when ICU has that locale (`id-ID` shown in English → `en-ID`: English
 *    words, Indonesian number and date conventions; `en-US` shown in Spanish → `es-US`), else the chosen language's
 *    own tag (`es-MX` shown in English → `en`, as ICU has no en-MX). Time zone and currency stay the workspace's.
 */

/** Longest `Accept-Language` value considered, characters (browsers send well under 200). */
export const MAX_ACCEPT_LANGUAGE = 512;
const MAX_RANGES = 32;
const RANGE = /^(\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)(?:\s*;\s*q\s*=\s*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?$/;

/** The language ranges of an `Accept-Language` value, best first; empty when the header is absent or malformed. */
export function acceptedLanguages(header: string | undefined): string[] {
  if (header === undefined || header.length > MAX_ACCEPT_LANGUAGE) return [];
  const parts = header.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length > MAX_RANGES) return [];
  const ranges: { tag: string; q: number; i: number }[] = [];
  for (const [i, part] of parts.entries()) {
    const match = RANGE.exec(part);
    if (match === null) return [];
    const q = match[2] === undefined ? 1 : Number(match[2]);
    if (q > 0) ranges.push({ tag: match[1]!, q, i });
  }
  return ranges.sort((a, b) => b.q - a.q || a.i - b.i).map((r) => r.tag);
}

const primary = (tag: string) => tag.split('-')[0]!.toLowerCase();

/**
 * The language of `locale` among `languages` (exact tag first, then primary subtag), or undefined. A BCP 47 tag
 * compared without case.
 */
function match<L extends string>(tag: string, languages: readonly L[]): L | undefined {
  const lower = tag.toLowerCase();
  return languages.find((l) => l.toLowerCase() === lower) ?? languages.find((l) => primary(l) === primary(tag));
}

/** A locale's language among `languages` (rule 1), or undefined when none is in that language. */
export function languageOfLocale<L extends string>(locale: string, languages: readonly L[]): L | undefined {
  return match(locale, languages);
}

/** Rule 2: the allowed language the header asks for first, else `fallback`. */
export function chooseLanguage<L extends string>(allowed: readonly L[], fallback: L, header: string | undefined): L {
  for (const tag of acceptedLanguages(header)) {
    if (tag === '*') return fallback;
    const found = match(tag, allowed);
    if (found !== undefined) return found;
  }
  return fallback;
}

/** Rule 3: the locale dates and amounts are formatted in when `language` is shown for a workspace's `locale`. */
export function formattingLocale(language: string, locale: string): string {
  if (primary(language) === primary(locale)) return locale;
  let region: string | undefined;
  try {
    region = new Intl.Locale(locale).region;
  } catch {
    region = undefined;
  }
  if (region === undefined) return language;
  const candidate = `${primary(language)}-${region}`;
  try {
    const [canonical] = Intl.getCanonicalLocales(candidate);
    // Only a locale ICU has data for as such (en-ID, es-US); en-MX would quietly be plain en, so say so.
    return canonical !== undefined && new Intl.DateTimeFormat(canonical).resolvedOptions().locale === canonical ? canonical : language;
  } catch {
    return language;
  }
}
