/**
 * @module config/mail
 * workspaces.yaml `mail:` and `webhook:` — the channels reminder notifications go out on (docs/notifications.md).
 * `mail`: the SMTP server (host, port, `security`), the credentials (the password from a file or an environment
 * variable, never in the YAML), the sender (`from_address`, `from_name`, `reply_to`), which kinds are sent
 * (`notify_on`) and the quiet hours (workspace time zone). `webhook`: an https URL (http only to a loopback address)
 * and the signing key (file or env). Secrets are read and checked at load (`resolveNotifySecrets`), so a missing key
 * is a config error, not a failed send later.
 */

import * as z from 'zod';
import type { Problem } from './errors.js';
import { describeType } from './errors.js';
import { field, host, Invalid, matching, oneOf, port, printable, text } from './fields.js';
import { readSecretSource } from './secret-source.js';

/** What a notification is about (same list as src/db/schema/notifications.ts). */
export const NOTIFY_KINDS = ['due_soon', 'grace', 'expired', 'suspended', 'restored'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];
export const MAIL_SECURITY = ['starttls', 'tls', 'none'] as const;
export type MailSecurity = (typeof MAIL_SECURITY)[number];

export const MAIL_DEFAULTS = Object.freeze({
  /** Kinds sent when `notify_on` is not given (suspension follows expiry, so it is not mailed by default). */
  notifyOn: Object.freeze(['due_soon', 'grace', 'expired', 'restored'] as NotifyKind[]),
  security: 'starttls' as MailSecurity,
  /** Port by security: 587 (submission, STARTTLS), 465 (implicit TLS), 25 (none). */
  ports: Object.freeze({ starttls: 587, tls: 465, none: 25 } as Record<MailSecurity, number>),
});

/** A webhook signing key is used as its UTF-8 bytes: at least this many characters (`openssl rand -hex 32`). */
export const MIN_WEBHOOK_KEY_LENGTH = 32;

/** A time of day `HH:MM`, 24-hour clock; minutes since midnight. */
export interface TimeOfDay {
  readonly text: string;
  readonly minutes: number;
}

/** `quiet_hours`: no e-mail is sent from `from` to `to` (workspace time zone; `from` > `to` spans midnight). */
export interface QuietHours {
  readonly from: TimeOfDay;
  readonly to: TimeOfDay;
}

/** A secret read at load. */
export interface SecretValue {
  /** `file <path>` or `env <NAME>`, for messages (never the value). */
  readonly source: string;
  /** The value, surrounding whitespace trimmed. Empty until `resolveNotifySecrets` has read it. */
  readonly value: string;
}

/** workspaces[].mail. */
export interface MailConfig {
  readonly host: string;
  /** Default by `security`: 587, 465 or 25. */
  readonly port: number;
  /** `starttls` (default; the upgrade is required), `tls` (implicit TLS) or `none` (plain, e.g. a local relay). */
  readonly security: MailSecurity;
  readonly user: string | undefined;
  /** Present when `user` is. */
  readonly password: SecretValue | undefined;
  readonly fromAddress: string;
  /** The display name subscribers see; default the workspace name. */
  readonly fromName: string | undefined;
  readonly replyTo: string | undefined;
  /** Kinds mailed; default due_soon, grace, expired, restored. */
  readonly notifyOn: readonly NotifyKind[];
  readonly quietHours: QuietHours | undefined;
}

/** workspaces[].webhook. */
export interface WebhookConfig {
  /** https, or http to a loopback address. */
  readonly url: string;
  /** HMAC-SHA256 key of the `Radgate-Signature` header. */
  readonly key: SecretValue;
  /** Kinds posted; default all five. */
  readonly notifyOn: readonly NotifyKind[];
  /** Per request, seconds. Default 10. */
  readonly timeoutSeconds: number;
}

const FILE = 'workspaces.yaml';
const CONTROL = /[\u0000-\u001f\u007f]/;

/** An e-mail address as SMTP takes it: local@domain, at most 254 characters, no spaces or control characters. */
export const MAIL_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const mailAddress = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') return new Invalid(`must be an e-mail address, got ${describeType(input)}`);
  const value = input.trim();
  if (value.length > 254 || !MAIL_ADDRESS.test(value)) return new Invalid(`${JSON.stringify(value.slice(0, 80))} is not an e-mail address`);
  return value;
};

const displayName = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  if (CONTROL.test(value)) return new Invalid('must not contain control characters');
  if (value.length > 100) return new Invalid(`must be at most 100 characters, got ${value.length}`);
  return value.trim();
};

const timeOfDay = (input: unknown): TimeOfDay | Invalid => {
  const m = typeof input === 'string' ? /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(input.trim()) : null;
  if (!m) return new Invalid(`must be a time of day "HH:MM" (24-hour, quoted), got ${typeof input === 'string' ? JSON.stringify(input) : describeType(input)}`);
  return { text: `${m[1]}:${m[2]}`, minutes: Number(m[1]) * 60 + Number(m[2]) };
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const webhookUrl = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return new Invalid(`${JSON.stringify(value)} is not a URL`);
  }
  if (url.username !== '' || url.password !== '') return new Invalid('must not hold credentials (the body is signed with the key)');
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url.toString();
  return new Invalid('must be an https URL (http only to a loopback address such as 127.0.0.1)');
};

const secretSchema = z.strictObject({
  file: field(text).optional(),
  env: field(matching(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name')).optional(),
});

const kindsSchema = z.array(field(oneOf(NOTIFY_KINDS)));

const mailSchema = z
  .strictObject({
    host: field(host),
    port: field(port(false)).optional(),
    security: field(oneOf(MAIL_SECURITY)).default(MAIL_DEFAULTS.security),
    user: field(printable).optional(),
    password: secretSchema.optional(),
    from_address: field(mailAddress),
    from_name: field(displayName).optional(),
    reply_to: field(mailAddress).optional(),
    notify_on: kindsSchema.optional(),
    quiet_hours: z.strictObject({ from: field(timeOfDay), to: field(timeOfDay) }).optional(),
  })
  .superRefine((m, ctx) => {
    if ((m.user === undefined) !== (m.password === undefined)) {
      ctx.addIssue({ code: 'custom', path: [m.user === undefined ? 'user' : 'password'], message: 'user and password go together (both or neither)' });
    }
    if (m.quiet_hours !== undefined && m.quiet_hours.from.minutes === m.quiet_hours.to.minutes) {
      ctx.addIssue({ code: 'custom', path: ['quiet_hours', 'to'], message: 'must differ from quiet_hours.from' });
    }
  })
  .transform((m): MailConfig => ({
    host: m.host,
    port: m.port ?? MAIL_DEFAULTS.ports[m.security],
    security: m.security,
    user: m.user,
    password: m.password === undefined ? undefined : { source: '', value: '' },
    fromAddress: m.from_address,
    fromName: m.from_name,
    replyTo: m.reply_to,
    notifyOn: unique(m.notify_on ?? MAIL_DEFAULTS.notifyOn),
    quietHours: m.quiet_hours,
  }));

const webhookSchema = z
  .strictObject({
    url: field(webhookUrl),
    key: secretSchema,
    notify_on: kindsSchema.optional(),
  })
  .transform((w): WebhookConfig => ({
    url: w.url,
    key: { source: '', value: '' },
    notifyOn: unique(w.notify_on ?? NOTIFY_KINDS),
    timeoutSeconds: 10,
  }));

function unique(kinds: readonly NotifyKind[]): NotifyKind[] {
  return NOTIFY_KINDS.filter((k) => kinds.includes(k));
}

/** The keys this module adds to a workspace entry (spread into the workspace schema). */
export const mailWorkspaceKeys = {
  mail: mailSchema.optional(),
  webhook: webhookSchema.optional(),
};

/** The camelCase part of a workspace's schema output; the secrets are filled in by `resolveNotifySecrets`. */
export function mailWorkspaceFields(w: { mail?: MailConfig | undefined; webhook?: WebhookConfig | undefined }): { mail: MailConfig | undefined; webhook: WebhookConfig | undefined } {
  return { mail: w.mail, webhook: w.webhook };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads one `{ file }` / `{ env }` secret; undefined (with a problem) when it cannot. */
async function readSecret(
  configDir: string,
  spec: unknown,
  at: Array<string | number>,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
  check: (value: string) => string | undefined,
): Promise<SecretValue | undefined> {
  if (!isRecord(spec)) return undefined; // the schema reported it
  const add = (where: string[], reason: string) => {
    problems.push({ file: FILE, where: [...at, ...where], reason });
  };
  const read = await readSecretSource(configDir, spec, env, add, 'secrets');
  if (read === undefined) return undefined;
  const value = read.material.trim();
  const problem = check(value);
  if (problem !== undefined) {
    add([read.where], problem);
    return undefined;
  }
  return { source: read.source, value };
}

const passwordProblem = (value: string) =>
  value === '' ? 'the password is empty' : CONTROL.test(value) ? 'the password must not contain control characters' : undefined;
const keyProblem = (value: string) =>
  value.length < MIN_WEBHOOK_KEY_LENGTH || CONTROL.test(value)
    ? `the key must be at least ${MIN_WEBHOOK_KEY_LENGTH} printable characters, got ${value.length} (openssl rand -hex 32)`
    : undefined;

/**
 * Reads the SMTP password and the webhook key of every workspace (raw entries give the sources) and returns the
 * workspaces with them; a workspace whose secret cannot be read is undefined (its problem is recorded).
 */
export async function resolveNotifySecrets<W extends { mail: MailConfig | undefined; webhook: WebhookConfig | undefined }>(
  configDir: string,
  raw: readonly unknown[] | undefined,
  workspaces: ReadonlyArray<W | undefined>,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
): Promise<Array<W | undefined>> {
  return Promise.all(
    workspaces.map(async (workspace, i) => {
      const entry = raw?.[i];
      if (!isRecord(entry)) return workspace;
      let ok = true;
      let mail = workspace?.mail;
      let webhook = workspace?.webhook;
      const rawMail = entry['mail'];
      if (isRecord(rawMail) && rawMail['password'] !== undefined) {
        const password = await readSecret(configDir, rawMail['password'], ['workspaces', i, 'mail', 'password'], env, problems, passwordProblem);
        if (password === undefined) ok = false;
        else if (mail !== undefined) mail = { ...mail, password };
      }
      const rawHook = entry['webhook'];
      if (isRecord(rawHook) && rawHook['key'] !== undefined) {
        const key = await readSecret(configDir, rawHook['key'], ['workspaces', i, 'webhook', 'key'], env, problems, keyProblem);
        if (key === undefined) ok = false;
        else if (webhook !== undefined) webhook = { ...webhook, key };
      }
      if (!ok || workspace === undefined) return undefined;
      return { ...workspace, mail, webhook };
    }),
  );
}
