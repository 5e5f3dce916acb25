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
export {
  formatIp, ipInRange, isLoopback, parseCidr, parseIp, rangeContains, rangesOverlap, type IpAddress, type IpRange,
} from './net.js';
export type {
  Config, ExpiredProfile, LogLevel, NasApiConfig, NasConfig, PlanConfig, ReplyAttributes, ServerConfig, TriState,
  WorkspaceConfig,
} from './types.js';
