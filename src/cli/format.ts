/**
 * Plain-text tables, `key  value` lines, sizes, ages and times for terminal output. Text that comes from the
 * database or the wire (usernames, reasons, router answers) goes through `displayText` before it is shown: control
 * characters are printed as escapes, never raw, so a hostile username cannot move the cursor, clear the screen or
 * reorder a line (bidi overrides). `--json` output carries the exact values.
 */
import { formatLocal } from '../billing/calendar.js';

/** An instant in a workspace's time zone, `YYYY-MM-DD HH:MM <zone>`; `-` for none. */
export const localTime = (t: Date | null, tz: string): string => (t === null ? '-' : `${formatLocal(t, tz)} ${tz}`);

/** A time difference for people: `in 5 min`, `3 h ago`, `in 12 days`. */
export function relativeTime(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = minutes < 90 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

const SIZE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Octets for people, binary units as RouterOS shows them, one decimal: 1288490188 → `1.2 GiB`, 512 → `512 B`. */
export function humanSize(octets: bigint | number): string {
  let value = typeof octets === 'bigint' ? octets : BigInt(Math.trunc(octets));
  if (value < 0n) value = 0n;
  if (value < 1024n) return `${value} B`;
  let unit = 0;
  // Integer steps first so values beyond 2^53 stay exact enough, then one decimal.
  while (value >= 1024n * 1024n && unit < SIZE_UNITS.length - 2) {
    value /= 1024n;
    unit++;
  }
  return `${(Number(value) / 1024).toFixed(1)} ${SIZE_UNITS[unit + 1]}`;
}

/** A length of time for people, the two largest units: 9 → `9s`, 185 → `3m05s`, 11520 → `3h12m`, 187200 → `2d04h`. */
export function humanAge(seconds: number): string {
  const s = Number.isFinite(seconds) ? Math.max(0, Math.floor(seconds)) : 0;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s >= 86400) return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${s}s`;
}

// C0 and C1 controls, DEL, format characters (bidi overrides and isolates, zero-width characters, BOM), line and
// paragraph separators, and lone surrogates (text that was not valid UTF-16).
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs}/gu;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text safe to print on a terminal: every unsafe character becomes `\n`, `\r`, `\t`, `\xHH` or `\uHHHH`. */
export function displayText(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * The last guard before a terminal, for everything the CLI prints: the unsafe characters of `displayText` except
 * line feed and tab (the output's own layout) become `\uHHHH` escapes (UTF-16 units, so JSON output stays valid
 * JSON with the same value). Text read from the database or a router therefore cannot drive the operator's
 * terminal, whichever formatter printed it.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    if (c === '\n' || c === '\t') return c;
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/** Zero-width: combining marks and variation selectors (after `displayText`, no control is left). */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u{FE00}-\u{FE0F}\u{E0100}-\u{E01EF}]$/u;

/** East Asian Wide and Fullwidth ranges and the emoji blocks: two terminal columns each. */
function wide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f680 && code <= 0x1f6ff) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Terminal columns `text` takes: wide characters count two, combining marks none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const c of text) width += ZERO_WIDTH.test(c) ? 0 : wide(c.codePointAt(0)!) ? 2 : 1;
  return width;
}

export interface TableOptions {
  /** Columns (by index) aligned to the right: counts, sizes, durations. */
  readonly right?: readonly number[];
}

/**
 * Columns aligned by terminal width (wide characters count two), two spaces apart, `-` for no value. Every cell
 * goes through `displayText`.
 */
export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>, options: TableOptions = {}): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : displayText(String(c)))));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...cells.map((r) => displayWidth(r[i] ?? ''))));
  const right = new Set(options.right ?? []);
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const fill = ' '.repeat(Math.max(0, widths[i]! - displayWidth(c)));
        return right.has(i) ? fill + c : c + fill;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** `key  value` lines, the values aligned; an array value takes one line per item, each under the first. */
export function keyValues(pairs: Array<[string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  const text = (v: unknown) => (v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString() : String(v));
  const value = (v: unknown) => (Array.isArray(v) ? (v.length === 0 ? '-' : v.map(text).join(`\n${' '.repeat(width + 2)}`)) : text(v));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${value(v)}`).join('\n');
}
