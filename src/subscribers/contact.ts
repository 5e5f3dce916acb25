/**
 * @module subscribers/contact
 * A subscriber's contact fields (who reminders go to; docs/notifications.md): `contact_name` (at most 100
 * characters), `email` (an address SMTP takes: local@domain, at most 254 characters), `phone` (digits, spaces and
 * `+ - . ( )`, at most 32), `notify_opt_out` (no reminders). One rule for every way in — CLI, admin API, CSV
 * import: surrounding whitespace trimmed, an empty value means "none" (null), control characters refused.
 */

export interface ContactFields {
  contactName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  notifyOptOut?: boolean | undefined;
}

export const MAX_CONTACT_NAME = 100;
export const MAX_EMAIL = 254;
export const MAX_PHONE = 32;

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const PHONE = /^\+?[0-9][0-9 ().-]*$/;

/** Trimmed; empty → null; undefined stays undefined (not given). */
function clean(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The contact fields normalised (see the module comment). */
export function normaliseContact(input: ContactFields): ContactFields {
  const out: ContactFields = {};
  if (input.contactName !== undefined) out.contactName = clean(input.contactName);
  if (input.email !== undefined) out.email = clean(input.email);
  if (input.phone !== undefined) out.phone = clean(input.phone);
  if (input.notifyOptOut !== undefined) out.notifyOptOut = input.notifyOptOut;
  return out;
}

/** `field: reason` problems of normalised contact fields (empty when valid). Never quotes an address. */
export function validateContact(input: ContactFields): string[] {
  const problems: string[] = [];
  const name = input.contactName;
  if (typeof name === 'string') {
    if (CONTROL.test(name)) problems.push('contact_name: must not contain control characters');
    else if ([...name].length > MAX_CONTACT_NAME) problems.push(`contact_name: at most ${MAX_CONTACT_NAME} characters`);
  }
  const email = input.email;
  if (typeof email === 'string' && (email.length > MAX_EMAIL || CONTROL.test(email) || !EMAIL.test(email))) {
    problems.push(`email: not an e-mail address (local@domain, at most ${MAX_EMAIL} characters)`);
  }
  const phone = input.phone;
  if (typeof phone === 'string' && (phone.length > MAX_PHONE || !PHONE.test(phone) || !/[0-9]/.test(phone))) {
    problems.push(`phone: digits, spaces and + - . ( ), at most ${MAX_PHONE} characters`);
  }
  if (input.notifyOptOut !== undefined && typeof input.notifyOptOut !== 'boolean') problems.push('notify_opt_out: true or false');
  return problems;
}
