/** Plain-text tables, `key  value` lines and times for terminal output. */
import { formatLocal } from '../billing/calendar.js';

/** An instant in a workspace's time zone, `YYYY-MM-DD HH:MM <zone>`; `-` for none. */
export const localTime = (t: Date | null, tz: string): string => (t === null ? '-' : `${formatLocal(t, tz)} ${tz}`);

/** A time difference for people: `in 5 min`, `3 h ago`, `in 12 days`. */
export function relativeTime(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = minutes < 90 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function table(headers: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** `key  value` lines, the values aligned; an array value takes one line per item, each under the first. */
export function keyValues(pairs: Array<[string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  const text = (v: unknown) => (v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString() : String(v));
  const value = (v: unknown) => (Array.isArray(v) ? (v.length === 0 ? '-' : v.map(text).join(`\n${' '.repeat(width + 2)}`)) : text(v));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${value(v)}`).join('\n');
}
