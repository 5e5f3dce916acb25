/**
 * @module imports/freeradius-expiration
 * The `Expiration` check item as FreeRADIUS reads it (rlm_expiration; the attribute is of type `date`, parsed by
 * `fr_get_time` in FreeRADIUS 3): accepted forms, each with an optional `HH:MM[:SS]` anywhere among the fields —
 *
 *   `01 Jan 2027 00:00:00`, `Jan 01 2027`, `Jan 1 2027 12:30`, `2027 Jan 01` (month by its first three letters,
 *   any case; day and year in either order, the year written with four digits),
 *   `1798761600` (seconds since 1970, UTC),
 *   `2027-01-01`, `2027-01-01T00:00:00`, `2027-01-01 00:00:00Z`, `2027-01-01T00:00:00+03:00` (ISO 8601).
 *
 * FreeRADIUS reads the month-name and ISO forms without a zone in its server's local time (mktime): radgate reads
 * them in `timeZone` (the workspace's, or `--time-zone`). See https://freeradius.org/rfc/attributes.html and the
 * rlm_expiration documentation.
 */
import { fromLocal } from '../billing/calendar.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function validDay(year: number, month: number, day: number): boolean {
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function clock(text: string): { hour: number; minute: number; second: number } | undefined {
  const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const [hour, minute, second] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return hour <= 23 && minute <= 59 && second <= 59 ? { hour, minute, second } : undefined;
}

/** The instant an Expiration value names, or `{ error }` quoting it. */
export function parseExpiration(value: string, timeZone: string): { at: Date } | { error: string } {
  const fail = { error: `Expiration ${JSON.stringify(value)} is not a date FreeRADIUS reads (e.g. "01 Jan 2027 00:00:00")` };
  const text = value.trim();
  if (/^\d{1,12}$/.test(text)) return { at: new Date(Number(text) * 1000) };

  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (iso) {
    const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    const time = iso[4] === undefined ? { hour: 0, minute: 0, second: 0 } : clock(iso[4]);
    if (month < 1 || month > 12 || !validDay(year, month, day) || time === undefined) return fail;
    const local = { year, month, day, ...time, millisecond: 0 };
    const zone = iso[5];
    if (zone === undefined) return { at: fromLocal(local, timeZone) };
    const offset = zone.toUpperCase() === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
    return { at: new Date(Date.UTC(year, month - 1, day, time.hour, time.minute, time.second) - offset * 60_000) };
  }

  const fields = text.split(/\s+/);
  if (fields.length < 3 || fields.length > 4) return fail;
  let time = { hour: 0, minute: 0, second: 0 };
  const timeAt = fields.findIndex((f) => f.includes(':'));
  if (timeAt >= 0) {
    if (fields.length !== 4) return fail;
    const parsed = clock(fields[timeAt]!);
    if (!parsed) return fail;
    time = parsed;
    fields.splice(timeAt, 1);
  } else if (fields.length !== 3) {
    return fail;
  }
  const monthAt = fields.findIndex((f) => /^[a-z]/i.test(f));
  if (monthAt < 0) return fail;
  const month = MONTHS.indexOf(fields[monthAt]!.slice(0, 3).toLowerCase()) + 1;
  if (month === 0) return fail;
  fields.splice(monthAt, 1);
  if (!fields.every((f) => /^\d{1,4}$/.test(f))) return fail;
  let [year, day] = fields.map(Number) as [number, number];
  // As fr_get_time: the year is the field of four digits; two-digit years are refused (day and year ambiguous).
  if (year < 1900) [year, day] = [day, year];
  if (year < 1900 || !validDay(year, month, day)) return fail;
  return { at: fromLocal({ year, month, day, ...time, millisecond: 0 }, timeZone) };
}
