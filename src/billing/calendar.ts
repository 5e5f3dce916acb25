/**
 * @module billing/calendar
 * Calendar arithmetic in a workspace's time zone (IANA name). Instants are stored in UTC; the zone decides what a
 * "day" is: adding N days keeps the local wall-clock time (a day across a DST change lasts 23 or 25 hours), and a
 * month is a calendar month. Local times that do not exist (DST gaps) move forward by the gap; local times that exist
 * twice (DST overlaps) take the earlier instant — the `compatible` rule of the JavaScript Temporal proposal.
 */

const DAY_MS = 86_400_000;

/** A local date and wall-clock time; `month` 1-12. */
export interface LocalDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date and time of `instant` in `timeZone`. */
export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  const year = Number(parts.year);
  return {
    year: parts.era === 'BC' || parts.era === 'B' ? 1 - year : year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    millisecond: ((instant.getTime() % 1000) + 1000) % 1000,
  };
}

function utcOf(local: LocalDateTime): number {
  const t = new Date(0);
  t.setUTCFullYear(local.year, local.month - 1, local.day);
  t.setUTCHours(local.hour, local.minute, local.second, local.millisecond);
  return t.getTime();
}

/** UTC offset of `timeZone` at `epochMs`, in ms (local − UTC). */
function offsetAt(epochMs: number, timeZone: string): number {
  return utcOf(toLocal(new Date(epochMs), timeZone)) - epochMs;
}

/** The instant whose local time in `timeZone` is `local` (gaps move forward, overlaps take the earlier instant). */
export function fromLocal(local: LocalDateTime, timeZone: string): Date {
  const wall = utcOf(local);
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((t) => utcOf(toLocal(new Date(t), timeZone)) === wall)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]!);
  // In a gap: read the wall time with the offset in force before the transition, which lands after it.
  return new Date(wall - before);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Normalises a local date whose month or day is out of range (month 13, day 0) by calendar rules. */
function normaliseDate(year: number, month: number, day: number): { year: number; month: number; day: number } {
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Local midnight starting the local day that contains `instant`. */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
  const l = toLocal(instant, timeZone);
  return fromLocal({ ...l, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
}

/** `instant` moved by `days` local calendar days (negative: back), keeping the local wall-clock time. */
export function addLocalDays(instant: Date, days: number, timeZone: string): Date {
  const l = toLocal(instant, timeZone);
  return fromLocal({ ...l, ...normaliseDate(l.year, l.month, l.day + days) }, timeZone);
}

/**
 * `instant` moved by `months` calendar months (negative: back), keeping the local time. The day of the month is
 * `anchorDay` (default: the day of `instant`), clamped to the month's length: anchored on the 31st, a cycle ends on
 * Jan 31, Feb 29 (leap year), Mar 31, Apr 30 — the day does not drift to the 28th.
 */
export function addLocalMonths(instant: Date, months: number, timeZone: string, anchorDay?: number): Date {
  const l = toLocal(instant, timeZone);
  const index = l.year * 12 + (l.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const day = Math.min(anchorDay ?? l.day, daysInMonth(year, month));
  return fromLocal({ ...l, year, month, day }, timeZone);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DD`: the local date of `instant`. */
export function localDate(instant: Date, timeZone: string): string {
  const l = toLocal(instant, timeZone);
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}`;
}

/** `YYYY-MM-DD HH:MM` local time, `:SS` added when not zero. */
export function formatLocal(instant: Date, timeZone: string): string {
  const l = toLocal(instant, timeZone);
  const seconds = l.second !== 0 ? `:${pad(l.second)}` : '';
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}${seconds}`;
}

/** The local date of the last day before `instant` when `instant` is a local midnight (a "paid through" date). */
export function lastDayBefore(instant: Date, timeZone: string): string {
  return localDate(new Date(instant.getTime() - 1), timeZone);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads a date or time typed by an operator:
 * - `YYYY-MM-DD` means THROUGH that local day: the instant returned is the local midnight that ends it;
 * - `YYYY-MM-DD HH:MM[:SS]` (or with `T`) is a local time in `timeZone`;
 * - an ISO 8601 time with `Z` or an offset is that instant.
 * Returns an error text for anything else, or for dates that do not exist (Feb 30).
 */
export function parseOperatorTime(text: string, timeZone: string): Date | { error: string } {
  const value = text.trim();
  const date = DATE.exec(value);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return { error: `"${value}" is not a date` };
    const next = normaliseDate(year, month, day + 1);
    return fromLocal({ ...next, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
  }
  const local = LOCAL_DATE_TIME.exec(value);
  if (local) {
    const [year, month, day, hour, minute, second] = local.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
      return { error: `"${value}" is not a date and time` };
    }
    return fromLocal({ year, month, day, hour, minute, second, millisecond: 0 }, timeZone);
  }
  if (ZONED.test(value)) {
    const t = new Date(value);
    if (!Number.isNaN(t.getTime())) return t;
  }
  return { error: `"${value}" is not a date (YYYY-MM-DD, meaning through that day), a local time (YYYY-MM-DD HH:MM) or an ISO 8601 time with offset` };
}
