/**
 * @module web/admin/enforcement-routes — enforcement jobs and their attempts (the audit trail of CoA / Disconnect / API
 * kicks, with the operator-facing reason a job failed), and "push this subscriber's profile now".
 */

import * as z from 'zod';
import { getJob, listJobs, type JobListing } from '../../enforce/jobs.js';
import { ENFORCEMENT_CHANNEL } from '../../db/channels.js';
import { recordEnforcementRequest } from '../../db/outbox.js';
import { ENFORCEMENT_METHODS, ENFORCEMENT_RESULTS, ENFORCEMENT_JOB_STATES, type EnforcementAttemptRow } from '../../db/schema.js';
import { RadgateError } from '../../errors.js';
import { ERROR_CAUSES } from '../../radius/client.js';
import type { AdminDeps } from './deps.js';
import { reply, route, type Route } from './route-table.js';
import { components, IdParams } from './schemas.js';

const named = <T extends z.ZodType>(id: string, schema: T): T => {
  components.add(schema, { id });
  return schema;
};
const time = z.iso.datetime({ offset: true });

export const EnforcementJob = named('EnforcementJob', z.object({
  id: z.number().int(),
  subscriber_id: z.number().int(),
  username: z.string().nullable().describe('null when the subscriber was deleted'),
  workspace: z.string(),
  kind: z.string().describe('status (a billing or operator transition), plan, manual'),
  from_status: z.string().nullable(),
  to_status: z.string().nullable(),
  reason: z.string().nullable(),
  state: z.enum(ENFORCEMENT_JOB_STATES),
  attempts: z.number().int(),
  next_attempt_at: time.nullable().describe('when a pending job is tried next'),
  created_at: time,
  finished_at: time.nullable(),
  outcome: z.string().nullable().describe('what each session got, or why the job failed (operator-facing)'),
}));

export const EnforcementAttempt = named('EnforcementAttempt', z.object({
  at: time,
  nas: z.string(),
  session_id: z.number().int().nullable(),
  acct_session_id: z.string().nullable(),
  username: z.string(),
  method: z.enum(ENFORCEMENT_METHODS),
  result: z.enum(ENFORCEMENT_RESULTS),
  error_cause: z.number().int().nullable().describe('RFC 5176 Error-Cause of a NAK'),
  error_cause_name: z.string().nullable(),
  detail: z.string(),
  duration_ms: z.number().int(),
}));

const JobList = named('EnforcementJobList', z.object({ items: z.array(EnforcementJob) }));
const JobDetail = named('EnforcementJobDetail', z.object({ job: EnforcementJob, attempts: z.array(EnforcementAttempt) }));
const JobCreated = named('EnforcementJobCreated', z.object({ job: EnforcementJob }));

const JobQuery = z.object({
  failed: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: only jobs that gave up'),
  subscriber_id: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

function presentJob(job: JobListing): z.input<typeof EnforcementJob> {
  return {
    id: job.id,
    subscriber_id: job.subscriberId,
    username: job.username,
    workspace: job.workspaceId,
    kind: job.kind,
    from_status: job.fromStatus,
    to_status: job.toStatus,
    reason: job.reason,
    state: job.state,
    attempts: job.attempts,
    next_attempt_at: job.state === 'pending' ? job.nextAttemptAt.toISOString() : null,
    created_at: job.createdAt.toISOString(),
    finished_at: job.finishedAt?.toISOString() ?? null,
    outcome: job.outcome,
  };
}

function presentAttempt(a: EnforcementAttemptRow): z.input<typeof EnforcementAttempt> {
  return {
    at: a.at.toISOString(),
    nas: a.nas,
    session_id: a.sessionId,
    acct_session_id: a.acctSessionId,
    username: a.username,
    method: a.method,
    result: a.result,
    error_cause: a.errorCause,
    error_cause_name: a.errorCause === null ? null : (ERROR_CAUSES[a.errorCause] ?? null),
    detail: a.detail,
    duration_ms: a.durationMs,
  };
}

export function enforcementRoutes(deps: AdminDeps): Route[] {
  const db = () => deps.database.db;
  const notFound = (id: number) => new RadgateError('ENFORCEMENT_JOB_NOT_FOUND', `no enforcement job #${id}`);
  return [
    route({
      method: 'get', path: '/enforcement/jobs', operationId: 'listEnforcementJobs', tag: 'enforcement', scope: 'read',
      summary: 'Enforcement jobs, newest first (failed=true: those that gave up, with the reason)',
      query: JobQuery,
      response: { status: 200, description: 'jobs', schema: JobList },
      handler: async ({ query }) => {
        const jobs = await listJobs(db(), { failed: query.failed ?? false, subscriberId: query.subscriber_id, limit: query.limit });
        return { items: jobs.map(presentJob) };
      },
    }),
    route({
      method: 'get', path: '/enforcement/jobs/{id}', operationId: 'getEnforcementJob', tag: 'enforcement', scope: 'read',
      summary: 'One enforcement job with every attempt: time, NAS, method (coa, disconnect, api), result, Error-Cause',
      params: IdParams,
      response: { status: 200, description: 'the job and its attempts', schema: JobDetail },
      errors: [404],
      handler: async ({ params }) => {
        const found = await getJob(db(), params.id);
        if (!found) throw notFound(params.id);
        return { job: presentJob(found.job), attempts: found.attempts.map(presentAttempt) };
      },
    }),
    route({
      method: 'post', path: '/subscribers/{id}/enforce', operationId: 'enforceSubscriber', tag: 'enforcement', scope: 'write',
      summary: "Push the subscriber's current profile to its live sessions now (a manual job; the workers run it)",
      params: IdParams,
      response: { status: 202, description: 'the job, queued', schema: JobCreated },
      errors: [404],
      handler: async ({ params, actor }) => {
        const subscriber = await deps.billing.get(params.id);
        const id = await recordEnforcementRequest(db(), {
          subscriberId: subscriber.id, workspaceId: subscriber.workspaceId, kind: 'manual', fromStatus: null, toStatus: subscriber.status, reason: actor,
        });
        await deps.database.notify(ENFORCEMENT_CHANNEL, 'api').catch(() => {});
        const found = await getJob(db(), id);
        return reply(202, { job: presentJob(found!.job) });
      },
    }),
  ];
}
