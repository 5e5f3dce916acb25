/**
 * @module imports/freeradius-text
 * The one rule for text read from a FreeRADIUS database: a value that holds a control character (C0, DEL, C1,
 * U+2028/U+2029) or U+FFFD is refused with a reason, never repaired. PostgreSQL cannot store NUL in `text`, and a
 * UTF8 database holds only valid UTF-8; a SQL_ASCII database can hold any byte, and the driver decodes bytes that
 * are not UTF-8 as U+FFFD — so U+FFFD here means "not valid UTF-8 in the source" (or a U+FFFD typed on purpose,
 * which no username or password needs).
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why `value` cannot be used as text, or undefined when it can. Never quotes the value (it may be a password). */
export function textProblem(value: string): string | undefined {
  if (value.includes('\ufffd')) return 'is not valid UTF-8 in the source database (or holds U+FFFD)';
  if (CONTROL.test(value)) return 'contains a control character (NUL, newline, tab, escape …)';
  return undefined;
}

/** A name as the report may show it: JSON-quoted, so a control character is visible and cannot drive a terminal. */
export const quote = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
