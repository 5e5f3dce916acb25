/**
 * @module config/schema
 * The config schema (zod, strict objects: unknown keys are errors) and the one `DEFAULTS` object. YAML keys are
 * snake_case; each schema's output is camelCase. List files are validated entry by entry (see load.ts) so that
 * one bad entry does not hide problems in the others or in cross-file checks.
 */

import * as z from 'zod';
import {
  boolean, duration, field, host, integer, Invalid, ipAddress, ipRange, matching, number, oneOf, outboundText, port,
  printable, rateLimit, routerName, text, triState,
} from './fields.js';
import { describeType } from './errors.js';
import { MAX_REPLY_MESSAGE_TEXT, textProblem } from './outbound-text.js';
import { checkReplyAttribute } from './reply-attributes.js';
import { BILLING_DEFAULTS, billingCycle, billingPolicySchema, checkPrice, currencyCode, priceText } from './billing.js';
import { nasRouterSchema, ROUTER_DEFAULTS } from './router.js';
import { certificateFingerprint } from './api-tls.js';
import { nasRadsecSchema, serverRadsecSchema } from './radsec.js';
import { DEFAULT_NAS_ENFORCEMENT, DEFAULT_SERVER_ENFORCEMENT, ENFORCEMENT_DEFAULTS, nasEnforcementSchema, serverEnforcementSchema } from './enforcement.js';
import { linkKeySchema } from './link-keys.js';
import { RETENTION_DEFAULTS, retentionSchema } from './retention.js';
import { REMINDER_DEFAULTS, reminderWorkspaceFields, reminderWorkspaceKeys, trustedProxy } from './reminder.js';
import { messageWorkspaceFields, messageWorkspaceKeys } from './messages.js';
import { paymentHookWorkspaceFields, paymentHookWorkspaceKeys } from './payment-hooks.js';
import { mailWorkspaceFields, mailWorkspaceKeys } from './mail.js';
import { routerProfiles } from './router-profile.js';
import type { LogLevel, ReplyAttributes, TriState } from './types.js';

/** Every default, in one place. Durations in seconds. */
export const DEFAULTS = Object.freeze({
  server: Object.freeze({
    bind: '0.0.0.0',
    authPort: 1812,
    acctPort: 1813,
    httpPort: 8080,
    metricsBind: '127.0.0.1',
    metricsPort: 9812,
    rejectDelaySeconds: 1,
    logLevel: 'info' as LogLevel,
    duplicateWindowSeconds: 10,
    passwordKeyFile: undefined,
    staleSessionFactor: 3,
    sessionSweepIntervalSeconds: 60,
    billingIntervalSeconds: 60,
    captivePort: 8081,
    trustedProxies: Object.freeze([] as string[]),
    reminderRateLimit: 60,
  }),
  nas: Object.freeze({
    requireMessageAuthenticator: 'auto' as TriState,
    limitProxyState: 'auto' as TriState,
    coaPort: 3799,
  }),
  api: Object.freeze({ port: 8728, tlsPort: 8729, tls: false, timeoutSeconds: 10 }),
  expiredProfile: Object.freeze({ addressList: 'radgate-unpaid' }),
  plan: Object.freeze({ interimIntervalSeconds: 300, maxSessions: 1 }),
  /** Plan billing cycle, workspace billing thresholds, admin token scope (config/billing.ts). */
  billing: BILLING_DEFAULTS,
  router: ROUTER_DEFAULTS,
  /** nas[].enforcement and server.enforcement (config/enforcement.ts). */
  enforcement: ENFORCEMENT_DEFAULTS,
  /** server.retention (config/retention.ts). */
  retention: RETENTION_DEFAULTS,
  /** Workspace reminder/branding keys (config/reminder.ts). */
  workspace: REMINDER_DEFAULTS,
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** Top-level key → the file that holds it (each file has that one top-level key). */
export const FILES = Object.freeze({
  server: 'server.yaml',
  nas: 'nas.yaml',
  workspaces: 'workspaces.yaml',
  plans: 'plans.yaml',
});

// ---- server.yaml --------------------------------------------------------------------------------------------

export const serverSchema = z
  .strictObject({
    bind: field(ipAddress).default(DEFAULTS.server.bind),
    auth_port: field(port(true)).default(DEFAULTS.server.authPort),
    acct_port: field(port(true)).default(DEFAULTS.server.acctPort),
    http_port: field(port(true)).default(DEFAULTS.server.httpPort),
    metrics_bind: field(ipAddress).default(DEFAULTS.server.metricsBind),
    metrics_port: field(port(true)).default(DEFAULTS.server.metricsPort),
    reject_delay: field(duration({ min: 0, max: 10 })).default(DEFAULTS.server.rejectDelaySeconds),
    log_level: field(oneOf(LOG_LEVELS)).default(DEFAULTS.server.logLevel),
    duplicate_window: field(duration({ min: 5, max: 30 })).default(DEFAULTS.server.duplicateWindowSeconds),
    password_key_file: field(text).optional(),
    stale_session_factor: field(number(2)).default(DEFAULTS.server.staleSessionFactor),
    session_sweep_interval: field(duration({ min: 1, max: 3600 })).default(DEFAULTS.server.sessionSweepIntervalSeconds),
    billing_interval: field(duration({ min: 1, max: 3600 })).default(DEFAULTS.server.billingIntervalSeconds),
    captive_port: field(port(true)).default(DEFAULTS.server.captivePort),
    trusted_proxies: z.array(field(trustedProxy)).default([]),
    reminder_rate_limit: field(integer(0)).default(DEFAULTS.server.reminderRateLimit),
    // Read and checked by link-keys.ts (files, env); validated here for unknown keys and shapes.
    link_keys: z.array(linkKeySchema).default([]),
    enforcement: serverEnforcementSchema.default(DEFAULT_SERVER_ENFORCEMENT),
    retention: retentionSchema.default(RETENTION_DEFAULTS),
    // RadSec listener (config/radsec.ts); its files are read by load.ts.
    radsec: serverRadsecSchema.optional(),
  })
  .transform((s) => ({
    bind: s.bind,
    authPort: s.auth_port,
    acctPort: s.acct_port,
    httpPort: s.http_port,
    metricsBind: s.metrics_bind,
    metricsPort: s.metrics_port,
    rejectDelaySeconds: s.reject_delay,
    logLevel: s.log_level,
    duplicateWindowSeconds: s.duplicate_window,
    /** As written; load.ts resolves it against the config dir. */
    passwordKeyFile: s.password_key_file,
    staleSessionFactor: s.stale_session_factor,
    sessionSweepIntervalSeconds: s.session_sweep_interval,
    billingIntervalSeconds: s.billing_interval,
    captivePort: s.captive_port,
    trustedProxies: s.trusted_proxies,
    reminderRateLimit: s.reminder_rate_limit,
    enforcement: s.enforcement,
    retention: s.retention,
    /** As written; load.ts replaces it with the files' contents. */
    radsec: s.radsec,
  }));

// ---- reply_attributes ---------------------------------------------------------------------------------------

/** `reply_attributes`: attribute name → value; `dedicated` names attributes that have their own key here. */
function replyAttributes(dedicated: Readonly<Record<string, string>>) {
  return z.unknown().transform((input, ctx): ReplyAttributes => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      ctx.issues.push({ code: 'custom', message: 'must be a mapping of RADIUS attribute name to value', input });
      return z.NEVER;
    }
    const out: Record<string, string | number> = {};
    let ok = true;
    for (const [name, value] of Object.entries(input)) {
      const checked = checkReplyAttribute(name, value, dedicated);
      if ('error' in checked) {
        ctx.issues.push({ code: 'custom', path: [name], message: checked.error, input: undefined });
        ok = false;
      } else {
        out[name] = checked.value;
      }
    }
    return ok ? out : z.NEVER;
  });
}

const useKey = (key: string) => `use the ${key} key`;

/** Attributes a plan sets through its own keys. */
const PLAN_DEDICATED = {
  'Mikrotik-Rate-Limit': useKey('rate_limit'),
  'Framed-Pool': useKey('pool'),
  'Mikrotik-Group': useKey('group'),
  'Session-Timeout': useKey('session_timeout'),
  'Idle-Timeout': useKey('idle_timeout'),
  'Acct-Interim-Interval': useKey('interim_interval'),
  'Mikrotik-Address-List': useKey('address_list'),
};

/** Attributes an expired profile sets through its own keys (the interim interval comes from the plan). */
const PROFILE_DEDICATED = {
  'Mikrotik-Group': useKey('group'),
  'Mikrotik-Address-List': useKey('address_list'),
  'Mikrotik-Rate-Limit': useKey('rate_limit'),
  'Framed-Pool': useKey('pool'),
  'Session-Timeout': useKey('session_timeout'),
  'Acct-Interim-Interval': "radgate sends the subscriber's plan interim_interval",
};

/** Session-Timeout and the like go out as integer attributes, hence whole seconds. */
const attributeSeconds = (min: number) => field(duration({ min, whole: true }));

// ---- workspaces.yaml ----------------------------------------------------------------------------------------

export const expiredProfileSchema = z
  .strictObject({
    // Names the router must hold (PPP/HotSpot profile, address list, pool), also rendered into router scripts.
    group: field(routerName),
    address_list: field(routerName).default(DEFAULTS.expiredProfile.addressList),
    rate_limit: field(rateLimit).optional(),
    pool: field(routerName).optional(),
    session_timeout: attributeSeconds(1).optional(),
    reply_attributes: replyAttributes(PROFILE_DEDICATED).default({}),
  })
  .transform((p) => ({
    group: p.group,
    addressList: p.address_list,
    rateLimit: p.rate_limit,
    pool: p.pool,
    sessionTimeoutSeconds: p.session_timeout,
    replyAttributes: p.reply_attributes,
  }));

export const WORKSPACE_ID = /^[a-z0-9][a-z0-9-]*$/;

const replyMessageText = outboundText(MAX_REPLY_MESSAGE_TEXT, "Reply-Message, after radgate's own text,");

export const workspaceSchema = z
  .strictObject({
    id: field(matching(WORKSPACE_ID, 'is not a valid id (lower-case letters, digits and "-", e.g. "north-isp")')),
    // Both end up in an Access-Reject's Reply-Message (src/profile/reply-profile.ts).
    name: field(replyMessageText),
    support_contact: field(replyMessageText).optional(),
    expired_profile: expiredProfileSchema,
    ...reminderWorkspaceKeys,
    ...messageWorkspaceKeys,
    ...paymentHookWorkspaceKeys,
    ...mailWorkspaceKeys,
    billing: billingPolicySchema.prefault({}),
  })
  .transform((w, ctx) => ({
    id: w.id,
    name: w.name,
    supportContact: w.support_contact,
    expiredProfile: w.expired_profile,
    ...reminderWorkspaceFields(w),
    ...messageWorkspaceFields(w, ctx),
    ...paymentHookWorkspaceFields(w),
    ...mailWorkspaceFields(w),
    billing: w.billing,
  }));

// ---- plans.yaml ---------------------------------------------------------------------------------------------

export const planSchema = z
  .strictObject({
    name: field(text),
    rate_limit: field(rateLimit),
    pool: field(routerName).optional(),
    group: field(routerName).optional(),
    session_timeout: attributeSeconds(1).optional(),
    idle_timeout: attributeSeconds(1).optional(),
    interim_interval: attributeSeconds(60).default(DEFAULTS.plan.interimIntervalSeconds),
    address_list: field(routerName).optional(),
    max_sessions: field(integer(1)).default(DEFAULTS.plan.maxSessions),
    reply_attributes: replyAttributes(PLAN_DEDICATED).default({}),
    price: field(priceText).optional(),
    currency: field(currencyCode).optional(),
    billing_cycle: field(billingCycle).default(BILLING_DEFAULTS.billingCycle),
    router_profile: field(routerProfiles).optional(),
  })
  .transform((p, ctx) => ({
    name: p.name,
    rateLimit: p.rate_limit,
    pool: p.pool,
    group: p.group,
    sessionTimeoutSeconds: p.session_timeout,
    idleTimeoutSeconds: p.idle_timeout,
    interimIntervalSeconds: p.interim_interval,
    addressList: p.address_list,
    maxSessions: p.max_sessions,
    replyAttributes: p.reply_attributes,
    ...checkPrice(p, ctx),
    billingCycle: p.billing_cycle,
    routerProfile: p.router_profile ?? { fallback: undefined, byNas: {} },
  }));

// ---- nas.yaml -----------------------------------------------------------------------------------------------

export const NAS_NAME = /^[A-Za-z0-9_.-]+$/;

/** Secrets: non-empty printable text (the router holds them too). The reason never includes the value. */
const secretText = (input: unknown): string | Invalid => {
  if (typeof input === 'string') {
    if (input === '') return new Invalid('must not be empty');
    const problem = textProblem(input);
    return problem === undefined ? input : new Invalid(problem);
  }
  const hint = typeof input === 'number' ? ' (put it in quotes)' : '';
  return new Invalid(`must be text, got ${describeType(input)}${hint}`);
};

/** A password may be empty (a RouterOS user without password), but must be printable text. */
const passwordText = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') return new Invalid(`must be text, got ${describeType(input)}`);
  const problem = textProblem(input);
  return problem === undefined ? input : new Invalid(problem);
};

export const nasApiSchema = z
  .strictObject({
    host: field(host).optional(),
    port: field(port(false)).optional(),
    user: field(printable),
    password: field(passwordText).optional(),
    password_file: field(text).optional(),
    tls: field(boolean).default(DEFAULTS.api.tls),
    // How the router's TLS certificate is trusted (config/api-tls.ts); ca_file is read by nas.ts.
    ca_file: field(text).optional(),
    fingerprint: field(certificateFingerprint).optional(),
    timeout: field(duration({ min: 0.001, max: 600 })).default(DEFAULTS.api.timeoutSeconds),
  })
  .transform((a) => ({
    /** Default (the NAS address) applied by load.ts. */
    host: a.host,
    port: a.port ?? (a.tls ? DEFAULTS.api.tlsPort : DEFAULTS.api.port),
    user: a.user,
    password: a.password,
    passwordFile: a.password_file,
    tls: a.tls,
    caFile: a.ca_file,
    fingerprint: a.fingerprint,
    timeoutSeconds: a.timeout,
  }));

export const nasSchema = z
  .strictObject({
    name: field(matching(NAS_NAME, 'is not a valid name (letters, digits, "_", "." and "-")')),
    address: field(ipRange),
    // Exactly one of secret / secret_file: checked by load.ts on the raw entry, so it is reported even when
    // another key of the entry is invalid.
    secret: field(secretText).optional(),
    secret_file: field(text).optional(),
    workspace: field(text),
    require_message_authenticator: field(triState).default(DEFAULTS.nas.requireMessageAuthenticator),
    limit_proxy_state: field(triState).default(DEFAULTS.nas.limitProxyState),
    coa_port: field(port(false)).default(DEFAULTS.nas.coaPort),
    api: nasApiSchema.optional(),
    router: nasRouterSchema.optional(),
    enforcement: nasEnforcementSchema.default(DEFAULT_NAS_ENFORCEMENT),
    // RADIUS over TLS (config/radsec.ts): with it, secret / secret_file may be left out (nas.ts).
    radsec: nasRadsecSchema.optional(),
  })
  .transform((n) => ({
    name: n.name,
    address: n.address.text,
    range: n.address.range,
    secret: n.secret,
    secretFile: n.secret_file,
    workspace: n.workspace,
    requireMessageAuthenticator: n.require_message_authenticator,
    limitProxyState: n.limit_proxy_state,
    coaPort: n.coa_port,
    api: n.api,
    router: n.router,
    enforcement: n.enforcement,
    radsec: n.radsec,
  }));

export type ParsedServer = z.output<typeof serverSchema>;
export type ParsedNas = z.output<typeof nasSchema>;
export type ParsedWorkspace = z.output<typeof workspaceSchema>;
export type ParsedPlan = z.output<typeof planSchema>;
