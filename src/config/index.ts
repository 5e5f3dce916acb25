/**
 * @module config
 * The operator's configuration: YAML files in a config dir (server.yaml, nas.yaml, workspaces.yaml, plans.yaml),
 * validated once at start against a strict schema, every problem reported at once, the result deep-frozen.
 */

export { loadConfig, ENV_OVERRIDES } from './load.js';
export { ConfigError } from './errors.js';
export { DEFAULTS, LOG_LEVELS } from './schema.js';
export { MIN_SECRET_LENGTH } from './nas.js';
export { REPLY_ATTRIBUTE_NAMES, REPLY_ATTRIBUTES, type ReplyAttributeType } from './reply-attributes.js';
export { parseRateLimit, type RateLimit, type RatePair } from './rate-limit.js';
export { parseDuration } from './duration.js';
export { fillPaymentUrl, LOGO_TYPES, PAYMENT_URL_PLACEHOLDERS, type PaymentUrlPlaceholder } from './reminder.js';
export { ed25519Keys, hmacKeyBytes, LINK_KEY_ALGORITHMS } from './link-keys.js';
export { contrastRatio, textColourOn } from './colour.js';
export type { Branding, CurrencyDisplay, LinkKeyConfig, ReminderSettings, SupportContacts } from './types.js';
export type { AdminTokenConfig, BillingCycle, BillingPolicy } from './types.js';
export { BILLING_DEFAULTS, ADMIN_FILE } from './billing.js';
export type { NasRouterConfig, RouterService } from './types.js';
export { ROUTER_DEFAULTS, ROUTER_SERVICES } from './router.js';
export { routerProfileFor, ROUTEROS_DEFAULT_PROFILE, type RouterProfiles } from './router-profile.js';
export type { EnforcementStep, NasEnforcementConfig, RestoreMode, ServerEnforcementConfig } from './types.js';
export { ENFORCEMENT_DEFAULTS, ENFORCEMENT_STEPS, RESTORE_MODES } from './enforcement.js';
export type { RetentionConfig } from './types.js';
export { RETENTION_DEFAULTS } from './retention.js';
export {
  formatIp, ipInRange, isLoopback, parseCidr, parseIp, rangeContains, rangesOverlap, specialPurposeV4, type IpAddress, type IpRange,
} from '../ip.js';
export type {
  Config, ExpiredProfile, LogLevel, NasApiConfig, NasConfig, PlanConfig, ReplyAttributes, ServerConfig, TriState,
  WorkspaceConfig,
} from './types.js';
export { MAIL_DEFAULTS, NOTIFY_KINDS, type MailConfig, type NotifyKind, type QuietHours, type WebhookConfig } from './mail.js';
export { PAYMENT_HOOK_DEFAULTS, PAYMENT_PROVIDERS, type PaymentHookConfig, type PaymentHookKey, type PaymentHooks, type PaymentProvider } from './payment-hooks.js';
