/**
 * @module config/types
 * The validated, frozen configuration the rest of radgate reads. Plain data only: durations are SECONDS
 * (`...Seconds`, may be fractional), ports are numbers, unset optional values are `undefined`.
 * Defaults live in `DEFAULTS` (schema.ts); the example files in `config/` state them too.
 */

import type { Language, Overrides } from '../messages/index.js';
import type { PaymentHooks } from './payment-hooks.js';
import type { MailConfig, WebhookConfig } from './mail.js';
import type { RouterProfiles } from './router-profile.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** `yes` / `no` / `auto` (YAML true/false are read as yes/no). */
export type TriState = 'yes' | 'no' | 'auto';

/** RADIUS attribute name → value, added to an Access-Accept as is (integers as numbers, the rest as strings). */
export type ReplyAttributes = Readonly<Record<string, string | number>>;

/** server.yaml `server:` */
export interface ServerConfig {
  /** Address the RADIUS and HTTP listeners bind to. Default `0.0.0.0`. Env `RADGATE_BIND`. */
  readonly bind: string;
  /** UDP authentication port. Default 1812; 0 = any free port (tests). Env `RADGATE_AUTH_PORT`. */
  readonly authPort: number;
  /** UDP accounting port. Default 1813; 0 = any free port. Env `RADGATE_ACCT_PORT`. */
  readonly acctPort: number;
  /** TCP port of the admin/reminder web app. Default 8080; 0 = any free port. Env `RADGATE_HTTP_PORT`. */
  readonly httpPort: number;
  /** Address of the /metrics, /healthz, /readyz listener. Default `127.0.0.1` (keep it off the internet). */
  readonly metricsBind: string;
  /** TCP port of that listener. Default 9812; 0 = any free port. Env `RADGATE_METRICS_PORT`. */
  readonly metricsPort: number;
  /** Delay before sending an Access-Reject, seconds. Default 1, from 0 to 10. */
  readonly rejectDelaySeconds: number;
  /** Default `info`. */
  readonly logLevel: LogLevel;
  /** Lifetime of the duplicate-request cache (RFC 5080 §2.2.2), seconds. Default 10, from 5 to 30. */
  readonly duplicateWindowSeconds: number;
  /**
   * Absolute path of the AES-256 key for subscriber passwords at rest (a relative path in server.yaml is resolved
   * against the config dir). `undefined` = the default, `password.key` in the data directory.
   */
  readonly passwordKeyFile: string | undefined;
  /** A session is stale after `factor × interim interval` without accounting. Default 3, at least 2. */
  readonly staleSessionFactor: number;
  /** How often stale sessions are closed (any instance may sweep), seconds. Default 60, 1 to 3600. */
  readonly sessionSweepIntervalSeconds: number;
  /** How often the billing evaluator applies the thresholds to every subscriber, seconds. Default 60, 1 to 3600. */
  readonly billingIntervalSeconds: number;
  /**
   * TCP port of the captive redirect listener (the router dst-nats unpaid subscribers' port-80 traffic here).
   * Default 8081; 0 = any free port (tests). Env `RADGATE_CAPTIVE_PORT`.
   */
  readonly captivePort: number;
  /**
   * Reverse proxies (addresses or CIDR ranges, as written) whose `X-Forwarded-For` is believed, on the web and
   * captive listeners. Default none: the socket's peer address is the client.
   */
  readonly trustedProxies: readonly string[];
  /** Reminder page views per minute allowed from one client address. Default 60; 0 = unlimited. */
  readonly reminderRateLimit: number;
  /**
   * Keys that sign reminder links: the first signs, all verify (rotation). Empty (the default) = one HS256 key
   * generated in the data directory (`link-signing.key`) on first start.
   */
  readonly linkKeys: readonly LinkKeyConfig[];
  /** `enforcement:` — the enforcement job workers (config/enforcement.ts). */
  readonly enforcement: ServerEnforcementConfig;
  /** `retention:` — how long history is kept, and how often older rows are pruned (config/retention.ts). */
  readonly retention: RetentionConfig;
  /** `radsec:` — the RADIUS-over-TLS listener (config/radsec.ts, docs/radsec.md); undefined = off (the default). */
  readonly radsec?: ServerRadsecConfig | undefined;
}

/** server.yaml `server.radsec`: RADIUS over TLS (RFC 6614), authentication and accounting on one TCP port. */
export interface ServerRadsecConfig {
  /** TCP port. Default 2083 (RFC 6614 §2.1); 0 = any free port (tests). Env `RADGATE_RADSEC_PORT`. Binds to `bind`. */
  readonly port: number;
  /** PEM text of `cert_file`: radgate's server certificate (intermediates after it). */
  readonly cert: string;
  /** PEM text of `key_file`: its private key. Secret: never log. */
  readonly key: string;
  /** PEM text of `ca_file`: the CA(s) that sign NAS client certificates; nothing else is trusted. */
  readonly ca: string;
  /** A connection without traffic this long is closed, seconds. Default 120, from 1 to 3600. */
  readonly idleTimeoutSeconds: number;
  /** Open connections allowed per NAS. Default 4, 1 to 64. */
  readonly maxConnectionsPerNas: number;
  /** Requests of one connection handled at once (more wait in TCP). Default 64, 1 to 256. */
  readonly maxInFlight: number;
}

/** Where CoA / Disconnect requests to a RadSec NAS go: UDP to its CoA port, or over its RadSec connection. */
export type RadsecCoaPath = 'udp' | 'connection';

/** nas.yaml `nas[].radsec`: the NAS talks RadSec; its certificate names it. */
export interface NasRadsecConfig {
  /** SHA-256 pin of the NAS certificate, `AB:CD:…`; undefined = not pinned. */
  readonly fingerprint: string | undefined;
  /** A CN or subjectAltName DNS/IP the certificate must carry; undefined = not checked. At least one of the two. */
  readonly subject: string | undefined;
  /** Default `udp` (RouterOS's `/radius incoming`); `connection` = over the RadSec connection (docs/radsec.md). */
  readonly coa: RadsecCoaPath;
  /** The certificate's name on the router (`/radius certificate=`). Default `<nas name>.crt_0`. */
  readonly certificate: string;
  /** The NAS also has its own shared secret (`secret`/`secret_file`) and may send plain RADIUS over UDP. */
  readonly udp: boolean;
}

/**
 * server.yaml `server.retention`. Keep times in seconds, counted from when a row was finished (a session closed, a
 * job done or failed) or recorded (an event); `undefined` = kept forever (`off`). Payments are never pruned.
 */
export interface RetentionConfig {
  /** Closed sessions (open ones are never pruned). Default 365 days; at least 1 day. */
  readonly sessionsSeconds: number | undefined;
  /** Done jobs, and failed jobs a newer job of the subscriber superseded, with their attempts. Default 90 days. */
  readonly enforcementJobsSeconds: number | undefined;
  /** Subscriber events except payment, void and paid_until (kept forever with the payments). Default 730 days. */
  readonly subscriberEventsSeconds: number | undefined;
  /** Finished notifications (sent, failed, skipped), from when they finished; pending and running ones never. Default 90 days. */
  readonly notificationsSeconds: number | undefined;
  /**
   * Payment callbacks (the gateway event log), from when they were received. Default 730 days. The payment itself keeps
   * its reference, so a replay of a pruned event still cannot pay twice.
   */
  readonly paymentCallbacksSeconds: number | undefined;
  /** How often the server prunes, seconds (first run 5 minutes after start, or sooner). Default 3600; undefined = never. */
  readonly intervalSeconds: number | undefined;
}

/** server.yaml `server.link_keys[]`: a key for reminder links (JWS). */
export interface LinkKeyConfig {
  /** Key id (`kid` in the JWS header), unique. */
  readonly id: string;
  readonly algorithm: 'HS256' | 'EdDSA';
  /**
   * The key as read from its file or environment variable: HS256 = at least 32 bytes as base64 or hex; EdDSA = a
   * PEM Ed25519 private key (signs and verifies) or public key (verifies only). Secret: never log.
   */
  readonly material: string;
  /** Where it came from, for messages: `file /abs/path` or `env NAME`. */
  readonly source: string;
}

/** nas.yaml `nas[].api`: RouterOS API access used to kick sessions and reconcile address lists. */
export interface NasApiConfig {
  /** Default: the NAS address (required when the NAS address is a range). */
  readonly host: string;
  /** Default 8728, or 8729 with `tls`. */
  readonly port: number;
  readonly user: string;
  /** Resolved from `password` or `password_file`. Secret: never log. */
  readonly password: string;
  /** Default false. */
  readonly tls: boolean;
  /**
   * With `tls`: the PEM text of `ca_file` (read at load, relative to the config dir) — the CA that signed the
   * router's certificate, or that certificate itself. Default: the system's CAs.
   */
  readonly ca: string | undefined;
  /** With `tls`: the pinned SHA-256 of the router's certificate, `AB:CD:…` (32 bytes). Default: none. */
  readonly fingerprint: string | undefined;
  /** Default 10. */
  readonly timeoutSeconds: number;
}

/** nas.yaml `nas[]`: a router allowed to talk RADIUS to radgate. */
export interface NasConfig {
  /** Unique, `^[A-Za-z0-9_.-]+$`. */
  readonly name: string;
  /** Source address or CIDR range as written; match with `parseCidr` / `ipInRange` from net.ts. */
  readonly address: string;
  /** Shared secret, resolved from `secret` or `secret_file`. Secret: never log. */
  readonly secret: string;
  /** Id of a workspace in workspaces.yaml. */
  readonly workspace: string;
  /** Require Message-Authenticator on Access-Requests. Default `auto`. */
  readonly requireMessageAuthenticator: TriState;
  /** Drop Proxy-State-bearing requests lacking Message-Authenticator (BlastRADIUS). Default `auto`. */
  readonly limitProxyState: TriState;
  /** UDP port the router listens on for CoA / Disconnect. Default 3799. */
  readonly coaPort: number;
  /** Optional RouterOS API access. */
  readonly api: NasApiConfig | undefined;
  /** What `router-script` / `router-apply` render for this router; undefined = not configured (config/router.ts). */
  readonly router: NasRouterConfig | undefined;
  /** How subscriber changes reach this router's live sessions (config/enforcement.ts). */
  readonly enforcement: NasEnforcementConfig;
  /** RADIUS over TLS (config/radsec.ts); undefined = plain RADIUS only. With it and no secret, `secret` is `radsec`. */
  readonly radsec?: NasRadsecConfig | undefined;
}

/** A rung of the enforcement ladder: CoA-Request, Disconnect-Request, RouterOS API kick. */
/** A rung of the enforcement ladder; the same names as `ENFORCEMENT_METHODS` in the enforcement schema. */
export type EnforcementStep = 'coa' | 'disconnect' | 'api';

/** On a restore (the old profile's address list must go), `reconnect` disconnects; `coa` trusts a CoA. */
export type RestoreMode = 'reconnect' | 'coa';

/** nas.yaml `nas[].enforcement`. */
export interface NasEnforcementConfig {
  /** Ladder steps in order. Default `[coa, disconnect, api]` (`api` only acts when `api:` is configured). */
  readonly steps: readonly EnforcementStep[];
  /** First CoA/Disconnect retransmission timeout, seconds; doubles per try, at most 15× in all. Default 2. */
  readonly coaTimeoutSeconds: number;
  /** Tries per CoA or Disconnect request. Default 5. */
  readonly coaTries: number;
  /**
   * When a change needs more than a CoA: leaving an address list the old profile put the session in (expired →
   * paid; a CoA cannot remove that dynamic entry), or a new pool or static IP. `reconnect` (default) sends a
   * Disconnect and the subscriber logs back in clean; `coa` sends a CoA anyway (routers whose profile scripts
   * clean the list). Refused subscribers (suspended, disabled) are always disconnected.
   */
  readonly restore: RestoreMode;
  /** CoA/Disconnect/API operations in flight to this NAS at once. Default 32. */
  readonly concurrency: number;
}

/** server.yaml `server.enforcement`: the enforcement job workers. */
export interface ServerEnforcementConfig {
  /** Run job workers in this instance. Default true. */
  readonly enabled: boolean;
  /** A claimed job is this instance's for so long, renewed while it works; seconds. Default 30. */
  readonly leaseSeconds: number;
  /** Look for due jobs at least this often (notifications wake workers at once), seconds. Default 2. */
  readonly pollIntervalSeconds: number;
  /** Attempts before a job is marked failed. Default 5. */
  readonly maxAttempts: number;
  /** Wait before the 2nd attempt, seconds; doubles per attempt, at most 1 h. Default 30. */
  readonly retryDelaySeconds: number;
  /** Jobs in progress at once in this instance. Default 2000. */
  readonly maxJobs: number;
}

/** A RouterOS `/radius service=` value radgate renders for. */
export type RouterService = 'ppp' | 'hotspot';

/** nas.yaml `nas[].router`: what radgate renders and reconciles on the router (see `radgate router-script`). */
export interface NasRouterConfig {
  /** `/radius service=`: `ppp` (PPPoE and other PPP servers) and/or `hotspot`. Default `[ppp]`. */
  readonly services: readonly RouterService[];
  /** radgate's IPv4 address as the router reaches it (`/radius address=`). Required. */
  readonly radgateAddress: string;
  /** `/radius src-address=`: the router address RADIUS is sent from. Default: unset (the router chooses). */
  readonly srcAddress: string | undefined;
  /** `/radius timeout=`, seconds. Default 3, from 0.1 to 30. */
  readonly radiusTimeoutSeconds: number;
  /** `/ppp aaa interim-update=`, whole seconds. Default 300, at least 60. */
  readonly interimIntervalSeconds: number;
  /** Run `reconcile` against this router every so many seconds (needs `api`). Default: never. At least 60. */
  readonly reconcileIntervalSeconds: number | undefined;
  /** Whether the periodic reconcile also corrects the drift it finds (like `reconcile --fix`). Default false. */
  readonly reconcileFix: boolean;
  /**
   * Also restrict unpaid subscribers on IPv6: the `/ipv6 firewall` rules and the IPv6 unpaid list that reconcile
   * keeps (docs/routeros.md §15). Default false (absent): the IPv4-only configuration, unchanged.
   */
  readonly ipv6?: boolean | undefined;
}

/** workspaces.yaml `workspaces[].expired_profile`: what an expired (unpaid) subscriber gets. */
export interface ExpiredProfile {
  /** Mikrotik-Group (PPP profile). Required. */
  readonly group: string;
  /** Mikrotik-Address-List. Default `radgate-unpaid`. */
  readonly addressList: string;
  /** Validated Mikrotik-Rate-Limit. */
  readonly rateLimit: string | undefined;
  /** Framed-Pool. */
  readonly pool: string | undefined;
  readonly sessionTimeoutSeconds: number | undefined;
  /** Default `{}`. */
  readonly replyAttributes: ReplyAttributes;
}

/** How amounts show the currency (Intl.NumberFormat `currencyDisplay`). */
export type CurrencyDisplay = 'symbol' | 'narrow_symbol' | 'code' | 'name';

/** workspaces.yaml `workspaces[].support`: how subscribers reach the ISP; each shown when set. */
export interface SupportContacts {
  readonly phone: string | undefined;
  readonly email: string | undefined;
  /** Free text, e.g. `Mon–Fri 8:00–18:00`. */
  readonly hours: string | undefined;
}

/** workspaces.yaml `workspaces[].branding`: how the reminder pages look. */
export interface Branding {
  /** Absolute path of the logo (svg, png, jpeg or webp, at most 512 KB, inside the config dir); served by radgate. */
  readonly logo: string | undefined;
  /** `#rrggbb`: header bar and the Pay button (text colour picked for contrast). Default `#1d4ed8`. */
  readonly primaryColor: string;
  /** `#rrggbb`: page background; must contrast with the dark page text (WCAG AA). Default `#f3f4f6`. */
  readonly backgroundColor: string;
}

/** workspaces.yaml `workspaces[].reminder`. */
export interface ReminderSettings {
  /** How long a reminder link stays valid, seconds. Default 7 days; from 5 minutes to 366 days. */
  readonly linkLifetimeSeconds: number;
  /** Text shown on the reminder page above the account facts; default: a text per status. */
  readonly message: string | undefined;
}

/** workspaces.yaml `workspaces[]`. */
export interface WorkspaceConfig {
  /** Unique, `^[a-z0-9][a-z0-9-]*$`. */
  readonly id: string;
  /** Display name: who the ISP is, on reminder pages. */
  readonly name: string;
  /** Free text shown to subscribers in reject messages (and on reminder pages when `support` is not set). */
  readonly supportContact: string | undefined;
  readonly expiredProfile: ExpiredProfile;
  /**
   * Public host name of the reminder app (behind a TLS proxy): links are `https://<reminderHost>/r/<token>`.
   * Required when the workspace restricts unpaid subscribers (has an expired profile).
   */
  readonly reminderHost: string | undefined;
  /** IPv4 address the router dst-nats unpaid port-80 traffic to (radgate's captive listener); default: resolve
   * `reminderHost` when rendering router scripts. Also tells the captive listener which workspace an unknown
   * address belongs to (the address the request arrived on). */
  readonly redirectIp: string | undefined;
  /** https URL template of the payment page; placeholders `{account}`, `{username}`, `{workspace}` (URL-encoded). */
  readonly paymentUrl: string | undefined;
  /** Host names unpaid subscribers may still reach (payment gateway); the payment URL's host must be one of them
   * or the reminder host. Default none. */
  readonly paymentAllowlist: readonly string[];
  /** BCP 47 locale for dates and amounts. Default `en`. */
  readonly locale: string;
  /** IANA time zone: what "day" means for this workspace (billing) and how dates are shown. Default `UTC`. */
  readonly timezone: string;
  /** Default `symbol`. */
  readonly currencyDisplay: CurrencyDisplay;
  readonly support: SupportContacts;
  readonly branding: Branding;
  readonly reminder: ReminderSettings;
  /** What subscribers read is in this language unless the browser asks for another allowed one: `locale`'s
   * language when radgate ships it, else `en` (config/messages.ts, docs/languages.md). */
  readonly defaultLanguage: Language;
  /** `languages`: the languages pages may be shown in; always holds `defaultLanguage`. Default: just that one. */
  readonly languages: readonly Language[];
  /** `messages`: the workspace's own texts, language → message key → text (validated against src/messages). */
  readonly messages: Readonly<Partial<Record<Language, Overrides>>>;
  /** `payment_hooks`: the gateways that may report payments, by provider (config/payment-hooks.ts). Default none. */
  readonly paymentHooks: PaymentHooks;
  /** `mail`: reminder e-mail over SMTP (config/mail.ts, docs/notifications.md). Default none: no e-mail. */
  readonly mail: MailConfig | undefined;
  /** `webhook`: signed notification POSTs (config/mail.ts, docs/notifications.md). Default none. */
  readonly webhook: WebhookConfig | undefined;
  /** Billing thresholds (days in `timezone`, relative to paid_until). */
  readonly billing: BillingPolicy;
}

/**
 * workspaces.yaml `workspaces[].billing`: when a subscriber's state changes, in whole days of the workspace's time
 * zone relative to paid_until (the end of the paid service). Each state begins AT its threshold (inclusive).
 */
export interface BillingPolicy {
  /** `due_soon` from this many days before paid_until. Default 3; 0 = no reminder window. */
  readonly reminderDays: number;
  /** `grace` (overdue, service unchanged) from paid_until; `expired` this many days after it. Default 2. */
  readonly graceDays: number;
  /** `suspended` this many days after paid_until; at least graceDays. Default 30. */
  readonly suspendAfterDays: number;
  /**
   * Where a payment's cycles start when paid_until is already past: `due_date` (default; the overdue days are owed)
   * or `payment_date` (a late payment starts a fresh cycle on the day it is paid).
   */
  readonly renewFrom: 'due_date' | 'payment_date';
}

/** plans.yaml `plans[].billing_cycle`: `monthly` = 1 month, `weekly` = 7 days. */
export interface BillingCycle {
  readonly unit: 'month' | 'day';
  readonly count: number;
}

/** admin.yaml `tokens[]`: a bearer token of the admin API, stored as its SHA-256 only. */
export interface AdminTokenConfig {
  /** Unique; logged with every API call (the token never is). */
  readonly name: string;
  /** SHA-256 of the token, 64 lower-case hex digits. */
  readonly sha256: string;
  /** `read` (GET only, the default) or `write` (everything). */
  readonly scope: 'read' | 'write';
}

/** plans.yaml `plans[]`: a service plan; subscribers (in the database) refer to it by name. */
export interface PlanConfig {
  /** Unique. */
  readonly name: string;
  /** Validated Mikrotik-Rate-Limit. Required. */
  readonly rateLimit: string;
  /** Framed-Pool. */
  readonly pool: string | undefined;
  /** Mikrotik-Group (PPP profile). */
  readonly group: string | undefined;
  /** Session-Timeout, whole seconds. */
  readonly sessionTimeoutSeconds: number | undefined;
  /** Idle-Timeout, whole seconds. */
  readonly idleTimeoutSeconds: number | undefined;
  /** Acct-Interim-Interval, whole seconds. Default 300, at least 60. */
  readonly interimIntervalSeconds: number;
  /** Mikrotik-Address-List. */
  readonly addressList: string | undefined;
  /** Simultaneous sessions allowed. Default 1. */
  readonly maxSessions: number;
  /** Price of one billing cycle in minor units of `currency` (cents). Undefined: the plan takes no payments. */
  readonly price: number | undefined;
  /** ISO 4217 code; set exactly when `price` is. */
  readonly currency: string | undefined;
  /** Default monthly. */
  readonly billingCycle: BillingCycle;
  /** Default `{}`. */
  readonly replyAttributes: ReplyAttributes;
  /** `router_profile`: the router profile a router-local subscriber's entry gets (config/router-profile.ts). */
  readonly routerProfile: RouterProfiles;
}

/** The whole configuration, deep-frozen. */
export interface Config {
  /** Absolute path of the config directory the files were read from. */
  readonly configDir: string;
  readonly server: ServerConfig;
  readonly nas: readonly NasConfig[];
  readonly workspaces: readonly WorkspaceConfig[];
  readonly plans: readonly PlanConfig[];
  readonly workspaceById: ReadonlyMap<string, WorkspaceConfig>;
  readonly planByName: ReadonlyMap<string, PlanConfig>;
  /** admin.yaml tokens; empty when the file is absent (the admin API then refuses every call). */
  readonly adminTokens: readonly AdminTokenConfig[];
}
