/**
 * @module config/retention
 * server.yaml `server.retention`: how long closed sessions, finished enforcement jobs (with their attempts),
 * subscriber events, finished notifications and payment callbacks are kept, and how often the server prunes older
 * ones. Each keep time is a duration of at least one day, or `off` (also `0`) to keep forever; payments are never
 * pruned, so they have no key. Kept apart from schema.ts so these keys have one home.
 */

import * as z from 'zod';
import { formatSeconds, parseDuration } from './duration.js';
import { field, Invalid } from './fields.js';
import type { RetentionConfig } from './types.js';

const DAY = 86_400;

/** Defaults of `server.retention` (seconds). Re-exported in `DEFAULTS.retention`. */
export const RETENTION_DEFAULTS = Object.freeze({
  sessionsSeconds: 365 * DAY,
  enforcementJobsSeconds: 90 * DAY,
  subscriberEventsSeconds: 730 * DAY,
  notificationsSeconds: 90 * DAY,
  paymentCallbacksSeconds: 730 * DAY,
  intervalSeconds: 3600,
} satisfies RetentionConfig);

/** `off`, kept as text until the transform: zod's `.default()` would replace an undefined output. */
const OFF = 'off';
const orForever = (value: number | typeof OFF): number | undefined => (value === OFF ? undefined : value);

/**
 * A keep time: `off` or `0` (keep forever), else a duration of at least a day. A bare number is seconds, so
 * `sessions: 30` would keep 30 seconds of history: the one-day floor turns that typo into an error.
 */
const keepTime = (input: unknown): number | typeof OFF | Invalid => {
  if (input === OFF || input === 0 || input === '0') return OFF;
  const parsed = parseDuration(input);
  if ('error' in parsed) return new Invalid(`${parsed.error}; or off to keep forever`);
  if (parsed.seconds < DAY) return new Invalid(`must be at least 1d (or off to keep forever), got ${formatSeconds(parsed.seconds)}`);
  return parsed.seconds;
};

/** How often the server prunes: 1 minute to 1 day, or `off` (then only `radgate prune` does, e.g. from cron). */
const pruneInterval = (input: unknown): number | typeof OFF | Invalid => {
  if (input === OFF) return OFF;
  const parsed = parseDuration(input);
  if ('error' in parsed) return new Invalid(`${parsed.error}; or off`);
  if (parsed.seconds < 60 || parsed.seconds > DAY) {
    return new Invalid(`must be from 1m to 1d, or off, got ${formatSeconds(parsed.seconds)}`);
  }
  return parsed.seconds;
};

export const retentionSchema = z
  .strictObject({
    sessions: field(keepTime).default(RETENTION_DEFAULTS.sessionsSeconds),
    enforcement_jobs: field(keepTime).default(RETENTION_DEFAULTS.enforcementJobsSeconds),
    subscriber_events: field(keepTime).default(RETENTION_DEFAULTS.subscriberEventsSeconds),
    notifications: field(keepTime).default(RETENTION_DEFAULTS.notificationsSeconds),
    payment_callbacks: field(keepTime).default(RETENTION_DEFAULTS.paymentCallbacksSeconds),
    interval: field(pruneInterval).default(RETENTION_DEFAULTS.intervalSeconds),
  })
  .transform((r): RetentionConfig => ({
    sessionsSeconds: orForever(r.sessions),
    enforcementJobsSeconds: orForever(r.enforcement_jobs),
    subscriberEventsSeconds: orForever(r.subscriber_events),
    notificationsSeconds: orForever(r.notifications),
    paymentCallbacksSeconds: orForever(r.payment_callbacks),
    intervalSeconds: orForever(r.interval),
  }));
