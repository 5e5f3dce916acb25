/**
 * @module config/colour
 * `#rrggbb` colours and their WCAG 2.1 contrast ratio (relative luminance, §1.4.3 / definition of "contrast
 * ratio"), so branding colours can be checked at load time and text colours picked for legibility.
 */

/** The page text colour of the reminder pages; the background must contrast with it. */
export const PAGE_TEXT = '#1f2937';
/** WCAG 2.1 AA minimum for normal text. */
export const MIN_CONTRAST = 4.5;

/** `#rgb` or `#rrggbb` → `#rrggbb` lower case; undefined when not a hex colour. */
export function normaliseHex(text: string): string | undefined {
  const m = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.exec(text.trim());
  if (m === null) return undefined;
  const hex = m[1]!.toLowerCase();
  return hex.length === 3 ? `#${[...hex].map((c) => c + c).join('')}` : `#${hex}`;
}

/** WCAG 2.1 relative luminance of a `#rrggbb` colour. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** Contrast ratio between two `#rrggbb` colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** White or black, whichever contrasts more with `background`: always at least 4.58:1 (black, not a dark grey,
 * is what guarantees that for mid-luminance colours). */
export function textColourOn(background: string): '#ffffff' | '#000000' {
  return contrastRatio(background, '#ffffff') >= contrastRatio(background, '#000000') ? '#ffffff' : '#000000';
}
