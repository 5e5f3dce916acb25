/**
 * @module config/reminder
 * workspaces.yaml keys for what an unpaid subscriber sees: the reminder host and captive redirect address, the
 * payment URL and allowlist, locale / time zone / currency display, support contacts, branding and reminder-link
 * settings. Includes the checks that span keys (reminder host required with an expired profile; the payment URL's
 * host reachable from the walled garden) and the logo file resolution, so load.ts only calls in here.
 */

import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { contrastRatio, MIN_CONTRAST, normaliseHex, PAGE_TEXT } from './colour.js';
import type { Problem } from './errors.js';
import { duration, field, Invalid, oneOf, text } from './fields.js';
import { parseCidr, parseIp, specialPurposeV4 } from '../ip.js';
import { fsErrorText } from './read-yaml.js';
import type { CurrencyDisplay, WorkspaceConfig } from './types.js';

/** Defaults of the keys in this module (re-exported through `DEFAULTS.workspace`). */
export const REMINDER_DEFAULTS = Object.freeze({
  locale: 'en',
  timezone: 'UTC',
  currencyDisplay: 'symbol' as CurrencyDisplay,
  primaryColor: '#1d4ed8',
  backgroundColor: '#f3f4f6',
  linkLifetimeSeconds: 7 * 86400,
});

/** Placeholders of the payment URL template. */
/** `reference`: a signed token naming workspace and account that a gateway echoes back (docs/payments.md). */
export const PAYMENT_URL_PLACEHOLDERS = ['account', 'username', 'workspace', 'reference'] as const;
export type PaymentUrlPlaceholder = (typeof PAYMENT_URL_PLACEHOLDERS)[number];

export const LOGO_TYPES: Readonly<Record<string, string>> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};
export const MAX_LOGO_BYTES = 512 * 1024;

const FILE = 'workspaces.yaml';
const CURRENCY_DISPLAYS = ['symbol', 'narrow_symbol', 'code', 'name'] as const satisfies readonly CurrencyDisplay[];

// ---- checks -------------------------------------------------------------------------------------------------

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A fully qualified DNS name (two labels or more, the last not numeric), lower case, no trailing dot. */
function dnsName(value: string): string | undefined {
  const name = value.toLowerCase().replace(/\.$/, '');
  const labels = name.split('.');
  if (name.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels.at(-1)!)) {
    return undefined;
  }
  return name;
}

/** The reminder host: a public DNS name (links are `https://<host>/…`), never an IP, localhost or a URL. */
export const reminderHost = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  const quoted = JSON.stringify(value);
  if (/[/:@?#\s]/.test(value)) return new Invalid(`${quoted} must be a host name only, without scheme, port or path (e.g. pay.isp.example)`);
  if (parseIp(value) !== undefined) {
    return new Invalid(`${quoted} is an IP address; use a host name with a TLS certificate (links are https://<reminder_host>/…)`);
  }
  const lower = value.toLowerCase().replace(/\.$/, '');
  if (lower === 'localhost' || lower.endsWith('.localhost')) {
    return new Invalid(`${quoted} is not reachable by subscribers; use the public host name of the reminder app`);
  }
  return dnsName(value) ?? new Invalid(`${quoted} is not a fully qualified host name (e.g. pay.isp.example)`);
};

/** A payment allowlist entry: a DNS name (the router resolves it into an address list). */
export const allowedDomain = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  return dnsName(value) ?? new Invalid(`${JSON.stringify(value)} is not a domain name (write the host name only, e.g. checkout.gateway.example)`);
};

/** `redirect_ip`: the IPv4 address routers dst-nat unpaid port-80 traffic to (RouterOS `to-addresses`). */
export const redirectIp = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  const quoted = JSON.stringify(value);
  const address = parseIp(value);
  if (address === undefined || address.family !== 4 || value.includes(':')) {
    return new Invalid(`${quoted} is not an IPv4 address (RouterOS dst-nat needs one)`);
  }
  const kind = specialPurposeV4(address.value)?.replace('/broadcast', '');
  if (kind) {
    const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
    return new Invalid(`${quoted} is ${article} ${kind} address; routers must reach radgate's captive listener at it`);
  }
  return value;
};

const PLACEHOLDER = /\{([^{}]*)\}/g;
const MARKER = 'radgate-placeholder';

/** The payment URL template: https, no credentials, known placeholders only and none in the host. */
export const paymentUrl = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  const template = value.trim();
  const quoted = JSON.stringify(template);
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(PAYMENT_URL_PLACEHOLDERS as readonly string[]).includes(name!)) {
      return new Invalid(`unknown placeholder {${name}} (known: ${PAYMENT_URL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  }
  const filled = template.replace(PLACEHOLDER, MARKER);
  if (/[{}]/.test(filled)) return new Invalid(`${quoted} has an unmatched "{" or "}"`);
  let url: URL;
  try {
    url = new URL(filled);
  } catch {
    return new Invalid(`${quoted} is not a URL`);
  }
  if (url.protocol !== 'https:') return new Invalid(`must be an https:// URL (subscribers enter payment details there), got ${quoted}`);
  if (url.username !== '' || url.password !== '') return new Invalid('must not contain a user name or password');
  if (url.host.includes(MARKER)) return new Invalid('placeholders are allowed in the path and query only, not in the host');
  if (dnsName(url.hostname) === undefined) return new Invalid(`the host of ${quoted} is not a domain name`);
  return template;
};

/** The host a payment URL template points at (the template is valid). */
export function paymentUrlHost(template: string): string {
  return new URL(template.replace(PLACEHOLDER, MARKER)).hostname;
}

/** Fills a validated template: values are URL-encoded, so they cannot change the host or add parameters. */
export function fillPaymentUrl(template: string, values: Readonly<Record<PaymentUrlPlaceholder, string>>): string {
  return template.replace(PLACEHOLDER, (_, name: PaymentUrlPlaceholder) => encodeURIComponent(values[name]));
}

const colour = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  return normaliseHex(value) ?? new Invalid(`${JSON.stringify(value)} is not a colour; use #rrggbb (e.g. "#1d4ed8")`);
};

const backgroundColour = (input: unknown): string | Invalid => {
  const value = colour(input);
  if (value instanceof Invalid) return value;
  const ratio = contrastRatio(value, PAGE_TEXT);
  return ratio >= MIN_CONTRAST
    ? value
    : new Invalid(`"${value}" leaves too little contrast for the page text (${ratio.toFixed(1)}:1; WCAG AA needs ${MIN_CONTRAST}:1): use a lighter colour`);
};

export const locale = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  let canonical: string | undefined;
  try {
    canonical = Intl.getCanonicalLocales(value.trim())[0];
  } catch {
    canonical = undefined;
  }
  if (canonical === undefined) return new Invalid(`${JSON.stringify(value)} is not a BCP 47 locale (e.g. en-US, fr, sw-KE)`);
  if (Intl.DateTimeFormat.supportedLocalesOf([canonical]).length === 0) {
    return new Invalid(`locale ${JSON.stringify(canonical)} is not supported by this Node.js (ICU)`);
  }
  return canonical;
};

export const timezone = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value.trim() }).resolvedOptions().timeZone;
  } catch {
    return new Invalid(`${JSON.stringify(value)} is not an IANA time zone (e.g. UTC, Europe/Berlin, Africa/Nairobi)`);
  }
};

const email = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  return /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(value.trim()) ? value.trim() : new Invalid(`${JSON.stringify(value)} is not an e-mail address`);
};

const phone = (input: unknown): string | Invalid => {
  if (typeof input === 'number') return new Invalid('must be text: put the number in quotes (e.g. "+1 555 0100")');
  const value = text(input);
  if (value instanceof Invalid) return value;
  return /^\+?[0-9][0-9 ()./-]{2,30}$/.test(value.trim())
    ? value.trim()
    : new Invalid(`${JSON.stringify(value)} is not a phone number (digits, spaces and + ( ) . / - only)`);
};

const shortText = (max: number) => (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  return value.length <= max ? value.trim() : new Invalid(`must be at most ${max} characters, got ${value.length}`);
};

/** A trusted reverse proxy: an address or CIDR range (kept as written; parse with `parseCidr`). */
export const trustedProxy = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  try {
    parseCidr(value);
    return value;
  } catch (error) {
    return new Invalid((error as Error).message);
  }
};

// ---- schema pieces ------------------------------------------------------------------------------------------

const supportSchema = z
  .strictObject({
    phone: field(phone).optional(),
    email: field(email).optional(),
    hours: field(shortText(100)).optional(),
  })
  .transform((s) => ({ phone: s.phone, email: s.email, hours: s.hours }));

const brandingSchema = z
  .strictObject({
    logo: field(text).optional(),
    primary_color: field(colour).default(REMINDER_DEFAULTS.primaryColor),
    background_color: field(backgroundColour).default(REMINDER_DEFAULTS.backgroundColor),
  })
  .transform((b) => ({
    /** As written; `resolveWorkspaceFiles` makes it absolute. */
    logo: b.logo,
    primaryColor: b.primary_color,
    backgroundColor: b.background_color,
  }));

const reminderSettingsSchema = z
  .strictObject({
    link_lifetime: field(duration({ min: 300, max: 366 * 86400, whole: true })).default(REMINDER_DEFAULTS.linkLifetimeSeconds),
    message: field(shortText(1000)).optional(),
  })
  .transform((r) => ({ linkLifetimeSeconds: r.link_lifetime, message: r.message }));

/** The keys this module adds to a workspace entry (spread into the workspace schema). */
export const reminderWorkspaceKeys = {
  reminder_host: field(reminderHost).optional(),
  redirect_ip: field(redirectIp).optional(),
  payment_url: field(paymentUrl).optional(),
  payment_allowlist: z.array(field(allowedDomain)).default([]),
  locale: field(locale).default(REMINDER_DEFAULTS.locale),
  timezone: field(timezone).default(REMINDER_DEFAULTS.timezone),
  currency_display: field(oneOf(CURRENCY_DISPLAYS)).default(REMINDER_DEFAULTS.currencyDisplay),
  support: supportSchema.prefault({}),
  branding: brandingSchema.prefault({}),
  reminder: reminderSettingsSchema.prefault({}),
};

const reminderKeysObject = z.strictObject(reminderWorkspaceKeys);
type ReminderKeysOutput = z.output<typeof reminderKeysObject>;

/** The camelCase part of a workspace's schema output for the keys above. */
export function reminderWorkspaceFields(w: ReminderKeysOutput) {
  return {
    reminderHost: w.reminder_host,
    redirectIp: w.redirect_ip,
    paymentUrl: w.payment_url,
    paymentAllowlist: w.payment_allowlist,
    locale: w.locale,
    timezone: w.timezone,
    currencyDisplay: w.currency_display,
    support: w.support,
    branding: w.branding,
    reminder: w.reminder,
  };
}

// ---- checks across keys, on raw entries ---------------------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * A workspace restricts unpaid subscribers when it has an expired profile: then they are redirected to the
 * reminder host, which must be set. The payment URL must point at a host they can still reach: the reminder host or
 * an allowlisted domain. Runs on raw entries so it is reported even when other keys of the entry are wrong.
 */
export function checkReminderDestinations(raw: readonly unknown[] | undefined, problems: Problem[]): void {
  for (const [i, entry] of (raw ?? []).entries()) {
    if (!isRecord(entry)) continue;
    const add = (key: string, reason: string) => problems.push({ file: FILE, where: ['workspaces', i, key], reason });
    if (entry['expired_profile'] !== undefined && entry['reminder_host'] === undefined) {
      add('reminder_host', 'required because expired_profile restricts unpaid subscribers: they are redirected to https://<reminder_host>/');
    }
    const url = paymentUrl(entry['payment_url']);
    if (entry['payment_url'] === undefined || url instanceof Invalid) continue;
    const reachable = new Set<string>();
    const host = reminderHost(entry['reminder_host']);
    if (typeof host === 'string') reachable.add(host);
    const list = Array.isArray(entry['payment_allowlist']) ? entry['payment_allowlist'] : [];
    for (const item of list) {
      const domain = allowedDomain(item);
      if (typeof domain === 'string') reachable.add(domain);
    }
    const target = paymentUrlHost(url);
    if (!reachable.has(target)) {
      add('payment_url', `host "${target}" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`);
    }
  }
}

/**
 * Resolves each workspace's logo against the config dir: it must be a file inside it, of a known image type and
 * at most 512 KB (the page loads on a restricted connection). Returns the workspaces with absolute logo paths.
 */
export async function resolveWorkspaceFiles<W extends Pick<WorkspaceConfig, 'branding'>>(
  configDir: string,
  workspaces: ReadonlyArray<W | undefined>,
  problems: Problem[],
): Promise<Array<W | undefined>> {
  return Promise.all(
    workspaces.map(async (workspace, i) => {
      const logo = workspace?.branding.logo;
      if (workspace === undefined || logo === undefined) return workspace;
      const add = (reason: string) => problems.push({ file: FILE, where: ['workspaces', i, 'branding', 'logo'], reason });
      const quoted = JSON.stringify(logo);
      const absolute = path.resolve(configDir, logo);
      const relative = path.relative(configDir, absolute);
      if (relative.startsWith('..') || path.isAbsolute(relative)) {
        add(`${quoted} must be a file inside the config directory (it is served to anyone who opens a reminder page)`);
        return undefined;
      }
      if (LOGO_TYPES[path.extname(absolute).toLowerCase()] === undefined) {
        add(`${quoted} must be an image: ${Object.keys(LOGO_TYPES).join(', ')}`);
        return undefined;
      }
      try {
        const info = await stat(absolute);
        if (!info.isFile()) {
          add(`cannot read ${quoted} (not a file)`);
          return undefined;
        }
        if (info.size > MAX_LOGO_BYTES) {
          add(`${quoted} is ${Math.ceil(info.size / 1024)} KB; at most ${MAX_LOGO_BYTES / 1024} KB (the page must load quickly on a restricted connection)`);
          return undefined;
        }
      } catch (error) {
        add(`cannot read ${quoted} (${fsErrorText(error)})`);
        return undefined;
      }
      return { ...workspace, branding: { ...workspace.branding, logo: absolute } };
    }),
  );
}
