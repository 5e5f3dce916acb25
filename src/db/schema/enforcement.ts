/**
 * The enforcement audit trail (src/enforce): one row per rung tried on one session — CoA, Disconnect or the
 * RouterOS API kick — with its time, NAS, result (ack, nak + Error-Cause, timeout, removed, gone, error) and detail.
 * The job's final outcome lives on `enforcement_jobs`.
 */
import { bigint, bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The rungs of the enforcement ladder, in order (nas.yaml `enforcement.steps` names the same). */
export const ENFORCEMENT_METHODS = ['coa', 'disconnect', 'api'] as const;
export type EnforcementMethod = (typeof ENFORCEMENT_METHODS)[number];
export const ENFORCEMENT_RESULTS = ['ack', 'nak', 'timeout', 'removed', 'gone', 'error'] as const;
export type EnforcementResult = (typeof ENFORCEMENT_RESULTS)[number];

export const enforcementAttempts = pgTable(
  'enforcement_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: bigint('job_id', { mode: 'number' }).notNull(),
    subscriberId: bigint('subscriber_id', { mode: 'number' }).notNull(),
    /** sessions.id, when the attempt concerned a recorded session. */
    sessionId: bigint('session_id', { mode: 'number' }),
    acctSessionId: text('acct_session_id'),
    username: text('username').notNull(),
    /** nas.yaml name. */
    nas: text('nas').notNull(),
    method: text('method').$type<EnforcementMethod>().notNull(),
    result: text('result').$type<EnforcementResult>().notNull(),
    /** RFC 5176 Error-Cause of a NAK. */
    errorCause: integer('error_cause'),
    detail: text('detail').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The radgate instance that made the attempt. */
    instance: text('instance').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('enforcement_attempts_job').on(t.jobId, t.id), index('enforcement_attempts_at').on(t.at)],
);

export type EnforcementAttemptRow = typeof enforcementAttempts.$inferSelect;
