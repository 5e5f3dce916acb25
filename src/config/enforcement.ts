/**
 * @module config/enforcement
 * How radgate pushes a subscriber's change to live sessions (src/enforce): per NAS in nas.yaml `nas[].enforcement`
 * (which ladder steps, CoA timing, reconnect-on-restore, requests in flight), and for the job workers in server.yaml
 * `server.enforcement` (lease, polling, retries). Kept apart from schema.ts so these keys have one home.
 */

import * as z from 'zod';
import { describeType } from './errors.js';
import { boolean, duration, field, integer, Invalid } from './fields.js';
import type { EnforcementStep, NasEnforcementConfig, RestoreMode, ServerEnforcementConfig } from './types.js';

export const ENFORCEMENT_STEPS = ['coa', 'disconnect', 'api'] as const satisfies readonly EnforcementStep[];
export const RESTORE_MODES = ['reconnect', 'coa'] as const satisfies readonly RestoreMode[];

/** Defaults of `nas[].enforcement` and `server.enforcement` (seconds). Re-exported in `DEFAULTS.enforcement`. */
export const ENFORCEMENT_DEFAULTS = Object.freeze({
  nas: Object.freeze({
    steps: Object.freeze([...ENFORCEMENT_STEPS] as EnforcementStep[]),
    coaTimeoutSeconds: 2,
    coaTries: 5,
    restore: 'reconnect' as RestoreMode,
    concurrency: 32,
  }),
  server: Object.freeze({
    enabled: true,
    leaseSeconds: 30,
    pollIntervalSeconds: 2,
    maxAttempts: 5,
    retryDelaySeconds: 30,
    maxJobs: 2000,
  }),
});

/** A non-empty list of distinct steps in ladder order (coa before disconnect before api). */
const steps = (input: unknown): EnforcementStep[] | Invalid => {
  const hint = `a list of ${ENFORCEMENT_STEPS.join(', ')} in that order, e.g. [coa, disconnect, api]`;
  const list = typeof input === 'string' ? input.split(',').map((s) => s.trim()) : input;
  if (!Array.isArray(list)) return new Invalid(`must be ${hint}, got ${describeType(input)}`);
  if (list.length === 0) return new Invalid(`must not be empty (${hint})`);
  const out: EnforcementStep[] = [];
  for (const item of list) {
    if (typeof item !== 'string' || !(ENFORCEMENT_STEPS as readonly string[]).includes(item)) {
      const got = typeof item === 'string' ? JSON.stringify(item) : describeType(item);
      return new Invalid(`${got} is not a step (one of ${ENFORCEMENT_STEPS.join(', ')})`);
    }
    if (out.includes(item as EnforcementStep)) return new Invalid(`lists ${JSON.stringify(item)} twice`);
    const last = out[out.length - 1];
    if (last !== undefined && ENFORCEMENT_STEPS.indexOf(item as EnforcementStep) < ENFORCEMENT_STEPS.indexOf(last)) {
      return new Invalid(`must keep the ladder order ${ENFORCEMENT_STEPS.join(', ')} (${JSON.stringify(item)} comes after ${JSON.stringify(last)})`);
    }
    out.push(item as EnforcementStep);
  }
  return out;
};

const restoreMode = (input: unknown): RestoreMode | Invalid =>
  typeof input === 'string' && (RESTORE_MODES as readonly string[]).includes(input)
    ? (input as RestoreMode)
    : new Invalid(`must be one of ${RESTORE_MODES.join(', ')}${typeof input === 'string' ? `, got ${JSON.stringify(input)}` : ''}`);

export const nasEnforcementSchema = z
  .strictObject({
    steps: field(steps).default([...ENFORCEMENT_DEFAULTS.nas.steps]),
    coa_timeout: field(duration({ min: 0.01, max: 60 })).default(ENFORCEMENT_DEFAULTS.nas.coaTimeoutSeconds),
    coa_tries: field(integer(1, 10)).default(ENFORCEMENT_DEFAULTS.nas.coaTries),
    restore: field(restoreMode).default(ENFORCEMENT_DEFAULTS.nas.restore),
    concurrency: field(integer(1, 1024)).default(ENFORCEMENT_DEFAULTS.nas.concurrency),
  })
  .transform((e): NasEnforcementConfig => ({
    steps: e.steps,
    coaTimeoutSeconds: e.coa_timeout,
    coaTries: e.coa_tries,
    restore: e.restore,
    concurrency: e.concurrency,
  }));

/** The value a NAS without an `enforcement:` section gets. */
export const DEFAULT_NAS_ENFORCEMENT: NasEnforcementConfig = Object.freeze({
  steps: Object.freeze([...ENFORCEMENT_DEFAULTS.nas.steps]),
  coaTimeoutSeconds: ENFORCEMENT_DEFAULTS.nas.coaTimeoutSeconds,
  coaTries: ENFORCEMENT_DEFAULTS.nas.coaTries,
  restore: ENFORCEMENT_DEFAULTS.nas.restore,
  concurrency: ENFORCEMENT_DEFAULTS.nas.concurrency,
});

export const serverEnforcementSchema = z
  .strictObject({
    enabled: field(boolean).default(ENFORCEMENT_DEFAULTS.server.enabled),
    lease: field(duration({ min: 1, max: 3600 })).default(ENFORCEMENT_DEFAULTS.server.leaseSeconds),
    poll_interval: field(duration({ min: 0.05, max: 300 })).default(ENFORCEMENT_DEFAULTS.server.pollIntervalSeconds),
    max_attempts: field(integer(1, 100)).default(ENFORCEMENT_DEFAULTS.server.maxAttempts),
    retry_delay: field(duration({ min: 0.01, max: 86_400 })).default(ENFORCEMENT_DEFAULTS.server.retryDelaySeconds),
    max_jobs: field(integer(1, 100_000)).default(ENFORCEMENT_DEFAULTS.server.maxJobs),
  })
  .transform((e): ServerEnforcementConfig => ({
    enabled: e.enabled,
    leaseSeconds: e.lease,
    pollIntervalSeconds: e.poll_interval,
    maxAttempts: e.max_attempts,
    retryDelaySeconds: e.retry_delay,
    maxJobs: e.max_jobs,
  }));

/** The value a server.yaml without `enforcement:` gets. */
export const DEFAULT_SERVER_ENFORCEMENT: ServerEnforcementConfig = Object.freeze({ ...ENFORCEMENT_DEFAULTS.server });
