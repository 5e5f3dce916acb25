/**
 * The enforcement job queue in the database (`enforcement_jobs`, written by src/db/outbox.ts): claiming with
 * FOR UPDATE SKIP LOCKED and a lease so several radgate instances never work one job at once; one job per subscriber
 * at a time (the newest; older pending ones are merged into it); lease renewal, release on shutdown; recording
 * attempts and outcomes in batches; and the reads behind `radgate jobs`.
 */
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { enforcementAttempts, enforcementJobs, type EnforcementAttemptRow, type EnforcementJobState, type EnforcementJobRow, type SubscriberStatus } from '../db/schema.js';
import type { AttemptRecord } from './ladder.js';
import type { PushTarget } from './push.js';
import { bigintArray, rowsOf } from '../db/rows.js';
import { pruneInBatches, type PruneCounts, type PruneOptions } from '../db/retention.js';
import { subscribersByIds, usernamesByIds } from '../subscribers/table.js';

/** A job as a worker holds it. */
export interface ClaimedJob {
  id: number;
  subscriberId: number;
  workspaceId: string;
  kind: string;
  fromStatus: SubscriberStatus | null;
  toStatus: SubscriberStatus | null;
  reason: string | null;
  /** Including this one. */
  attempts: number;
  createdAt: Date;
}

/** How a job attempt ended. */
export type JobFinish =
  | { state: 'done'; outcome: string }
  | { state: 'failed'; outcome: string }
  | { state: 'pending'; outcome: string; retryInSeconds: number };

interface JobRowSql {
  id: string | number;
  subscriber_id: string | number;
  workspace_id: string;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  reason: string | null;
  attempts: number;
  created_at: string | Date;
}

function toJob(row: JobRowSql): ClaimedJob {
  return {
    id: Number(row.id),
    subscriberId: Number(row.subscriber_id),
    workspaceId: row.workspace_id,
    kind: row.kind,
    fromStatus: row.from_status as SubscriberStatus | null,
    toStatus: row.to_status as SubscriberStatus | null,
    reason: row.reason,
    attempts: Number(row.attempts),
    createdAt: new Date(row.created_at),
  };
}

const RETURNING = sql`j.id, j.subscriber_id, j.workspace_id, j.kind, j.from_status, j.to_status, j.reason, j.attempts, j.created_at`;

/**
 * Claim up to `limit` due jobs for `instance`: first running jobs whose lease ran out (their instance died), then
 * pending jobs that are due. Eligible only as the newest unfinished job of its subscriber, with no other job of that
 * subscriber running under a live lease — so one subscriber's changes are never pushed out of order by two workers.
 * Pending jobs are taken in `next_attempt_at` order straight from the (state, next_attempt_at) index.
 */
export async function claimJobs(db: Db, instance: string, limit: number, leaseSeconds: number): Promise<ClaimedJob[]> {
  const claim = async (due: SQL, order: SQL, max: number) => rowsOf<JobRowSql>(await db.execute(sql`
    with candidates as (
      select j.id from enforcement_jobs j
      where ${due}
        and not exists (select 1 from enforcement_jobs n
                        where n.subscriber_id = j.subscriber_id and n.id > j.id and n.state in ('pending', 'running'))
        and j.subscriber_id not in (select r.subscriber_id from enforcement_jobs r where r.state = 'running' and r.claimed_until >= now())
      order by ${order}
      limit ${max}
      for update of j skip locked
    )
    update enforcement_jobs j
    set state = 'running', claimed_by = ${instance}, claimed_until = now() + make_interval(secs => ${leaseSeconds}::float8),
        attempts = j.attempts + 1
    from candidates c where j.id = c.id
    returning ${RETURNING}`)).map(toJob);
  const taken = await claim(sql`j.state = 'running' and j.claimed_until < now()`, sql`j.claimed_until`, limit);
  if (taken.length < limit) taken.push(...(await claim(sql`j.state = 'pending' and j.next_attempt_at <= now()`, sql`j.next_attempt_at`, limit - taken.length)));
  return taken.sort((a, b) => a.id - b.id);
}

/** Create a job already claimed by `instance` (the CLI's `radgate enforce USER`), so no server worker takes it. */
export async function createClaimedJob(
  db: Db,
  instance: string,
  leaseSeconds: number,
  job: { subscriberId: number; workspaceId: string; kind: string; fromStatus: string | null; toStatus: string | null; reason: string },
): Promise<ClaimedJob> {
  const result = await db.execute(sql`
    insert into enforcement_jobs as j (subscriber_id, workspace_id, kind, from_status, to_status, reason, state, attempts, claimed_by, claimed_until)
    values (${job.subscriberId}, ${job.workspaceId}, ${job.kind}, ${job.fromStatus}, ${job.toStatus}, ${job.reason}, 'running', 1,
            ${instance}, now() + make_interval(secs => ${leaseSeconds}::float8))
    returning ${RETURNING}`);
  return toJob(rowsOf<JobRowSql>(result)[0]!);
}

/**
 * Older pending jobs of the claimed jobs' subscribers are merged into the claimed (newer) job: it pushes billing's
 * latest decision, which covers theirs. Returns, per claimed job, the merged jobs' from-statuses and
 * whether any of them had already acted (then what the sessions hold is uncertain).
 */
export interface Merged {
  /** from-status of the oldest merged job. */
  fromStatus: SubscriberStatus | null;
  /** Some merged job had acted already, or was not a status change: what the sessions hold is uncertain. */
  uncertain: boolean;
  merged: number[];
}

export async function mergeOlderJobs(db: Db, jobs: readonly ClaimedJob[]): Promise<Map<number, Merged>> {
  const out = new Map<number, Merged>();
  if (jobs.length === 0) return out;
  const result = await db.execute(sql`
    update enforcement_jobs o
    set state = 'done', outcome = 'merged into job #' || c.id, finished_at = now(), claimed_by = null, claimed_until = null
    from (select unnest(${bigintArray(jobs.map((j) => j.id))}::bigint[]) as id,
                 unnest(${bigintArray(jobs.map((j) => j.subscriberId))}::bigint[]) as subscriber_id) c
    where o.subscriber_id = c.subscriber_id and o.id < c.id and o.state = 'pending'
    returning o.id, o.kind, o.from_status, o.attempts, c.id as into`);
  const rows = rowsOf<{ id: string | number; kind: string; from_status: string | null; attempts: number; into: string | number }>(result)
    .sort((a, b) => Number(a.id) - Number(b.id));
  for (const row of rows) {
    const into = Number(row.into);
    const entry = out.get(into);
    const uncertain = Number(row.attempts) > 0 || row.kind !== 'status';
    // The oldest merged job's from-status is what the sessions were last given — unless one of them acted already.
    if (!entry) out.set(into, { fromStatus: row.from_status as SubscriberStatus | null, uncertain, merged: [Number(row.id)] });
    else {
      entry.uncertain ||= uncertain;
      entry.merged.push(Number(row.id));
    }
  }
  return out;
}

/** The subscribers of these ids as enforcement needs them (deleted ones included, flagged). */
export async function loadSubscribers(db: Db, ids: readonly number[]): Promise<Map<number, PushTarget>> {
  const out = new Map<number, PushTarget>();
  for (const row of await subscribersByIds(db, ids, { includeDeleted: true })) {
    const { id, workspaceId, username, plan, status, staticIp } = row;
    out.set(id, { id, workspaceId, username, plan, status, staticIp, deleted: row.deletedAt !== null });
  }
  return out;
}

/** Extend the lease of every job `instance` is working on. */
export async function renewLeases(db: Db, instance: string, leaseSeconds: number, ids: readonly number[]): Promise<number> {
  // Only the jobs the caller is working on: a job whose claim reached the database but whose answer was lost (the
  // connection cut) is this instance's too, yet nobody runs it; renewing it as well would keep it from ever running.
  if (ids.length === 0) return 0;
  const result = await db.execute(sql`
    update enforcement_jobs set claimed_until = now() + make_interval(secs => ${leaseSeconds}::float8)
    where claimed_by = ${instance} and state = 'running' and id = any(${bigintArray(ids)}::bigint[])
    returning id`);
  return rowsOf(result).length;
}

/** Give jobs back to the queue (shutdown): due at once, the interrupted attempt not counted. */
export async function releaseJobs(db: Db, instance: string, ids?: readonly number[]): Promise<number> {
  const only = ids === undefined ? sql`` : sql`and id = any(${bigintArray(ids)}::bigint[])`;
  const result = await db.execute(sql`
    update enforcement_jobs
    set state = 'pending', claimed_by = null, claimed_until = null, next_attempt_at = now(), attempts = greatest(attempts - 1, 0)
    where claimed_by = ${instance} and state = 'running' ${only}
    returning id`);
  return rowsOf(result).length;
}

export interface JobResult {
  job: ClaimedJob;
  attempts: readonly AttemptRecord[];
  finish: JobFinish;
}

/**
 * Record attempts and outcomes of several jobs in one transaction. A job's outcome is written only while this
 * instance still holds it (a lost lease means another instance took over and will write its own).
 */
export async function recordResults(db: Db, instance: string, results: readonly JobResult[]): Promise<void> {
  if (results.length === 0) return;
  await db.transaction(async (tx) => {
    // One statement per chunk, values as one JSON parameter: cheap to build and to parse for thousands of rows.
    const rows = results.flatMap(({ job, attempts }) => attempts.map((a) => ({
      job_id: job.id,
      subscriber_id: job.subscriberId,
      session_id: a.sessionId,
      acct_session_id: a.acctSessionId,
      username: a.username,
      nas: a.nas,
      method: a.method,
      result: a.result,
      error_cause: a.errorCause,
      detail: a.detail,
      duration_ms: Math.round(a.durationMs),
      at: a.at.toISOString(),
    })));
    for (let i = 0; i < rows.length; i += 2000) {
      await tx.execute(sql`
        insert into enforcement_attempts
          (job_id, subscriber_id, session_id, acct_session_id, username, nas, method, result, error_cause, detail, duration_ms, instance, at)
        select x.job_id, x.subscriber_id, x.session_id, x.acct_session_id, x.username, x.nas, x.method, x.result, x.error_cause,
               x.detail, x.duration_ms, ${instance}, x.at
        from json_to_recordset(${JSON.stringify(rows.slice(i, i + 2000))}::json) as x(
          job_id bigint, subscriber_id bigint, session_id bigint, acct_session_id text, username text, nas text, method text,
          result text, error_cause integer, detail text, duration_ms integer, at timestamptz)`);
    }
    for (let i = 0; i < results.length; i += 1000) {
      const chunk = results.slice(i, i + 1000);
      const values = JSON.stringify(chunk.map((r) => ({
        id: r.job.id,
        state: r.finish.state,
        outcome: r.finish.outcome,
        retry: r.finish.state === 'pending' ? r.finish.retryInSeconds : 0,
      })));
      await tx.execute(sql`
        update enforcement_jobs j
        set state = v.state,
            outcome = v.outcome,
            finished_at = case when v.state = 'pending' then null else now() end,
            next_attempt_at = case when v.state = 'pending' then now() + make_interval(secs => v.retry) else j.next_attempt_at end,
            claimed_by = null,
            claimed_until = null
        from json_to_recordset(${values}::json) as v(id bigint, state text, outcome text, retry float8)
        where j.id = v.id and j.claimed_by = ${instance} and j.state = 'running'`);
    }
  });
}

// ---- reads for the CLI and the API -------------------------------------------------------------------------

export interface JobListing extends EnforcementJobRow {
  username: string | null;
}

export interface JobFilter {
  /** Same as `state: 'failed'`. */
  failed?: boolean;
  state?: EnforcementJobState;
  subscriberId?: number;
  /** Jobs with at least one attempt on this NAS. */
  nas?: string;
  /** Jobs created in the last this many seconds, by the database's clock. */
  createdWithinSeconds?: number;
  limit?: number;
}

export async function listJobs(db: Db, options: JobFilter = {}): Promise<JobListing[]> {
  const conditions: SQL[] = [];
  if (options.failed) conditions.push(eq(enforcementJobs.state, 'failed'));
  if (options.state !== undefined) conditions.push(eq(enforcementJobs.state, options.state));
  if (options.subscriberId !== undefined) conditions.push(eq(enforcementJobs.subscriberId, options.subscriberId));
  if (options.nas !== undefined) {
    conditions.push(sql`exists (select 1 from ${enforcementAttempts} where ${enforcementAttempts.jobId} = ${enforcementJobs.id} and ${enforcementAttempts.nas} = ${options.nas})`);
  }
  if (options.createdWithinSeconds !== undefined) {
    conditions.push(sql`${enforcementJobs.createdAt} >= now() - make_interval(secs => ${options.createdWithinSeconds})`);
  }
  const jobs = await db
    .select()
    .from(enforcementJobs)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(desc(enforcementJobs.id))
    .limit(options.limit ?? 50);
  const usernames = await usernamesByIds(db, jobs.map((j) => j.subscriberId));
  return jobs.map((job) => ({ ...job, username: usernames.get(job.subscriberId) ?? null }));
}

export async function getJob(db: Db, id: number): Promise<{ job: JobListing; attempts: EnforcementAttemptRow[] } | undefined> {
  const [job] = await db.select().from(enforcementJobs).where(eq(enforcementJobs.id, id));
  if (!job) return undefined;
  const attempts = await db.select().from(enforcementAttempts).where(eq(enforcementAttempts.jobId, id)).orderBy(enforcementAttempts.id);
  const usernames = await usernamesByIds(db, [job.subscriberId]);
  return { job: { ...job, username: usernames.get(job.subscriberId) ?? null }, attempts };
}

/** Counts by state (`radgate jobs` header; metrics ask only for the states that do not pile up forever). */
export async function jobCounts(db: Db, states?: readonly EnforcementJobState[]): Promise<Record<string, number>> {
  const rows = await db
    .select({ state: enforcementJobs.state, count: sql<number>`count(*)::int` })
    .from(enforcementJobs)
    .where(states === undefined ? undefined : inArray(enforcementJobs.state, [...states]))
    .groupBy(enforcementJobs.state);
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.count)]));
}

/** Age in seconds of the oldest pending and of the oldest running job (states with no job are absent). */
export async function oldestUnfinishedJobAges(db: Db): Promise<Map<EnforcementJobState, number>> {
  const rows = await db
    .select({ state: enforcementJobs.state, oldest: sql<string>`extract(epoch from now() - min(${enforcementJobs.createdAt}))` })
    .from(enforcementJobs)
    .where(inArray(enforcementJobs.state, ['pending', 'running']))
    .groupBy(enforcementJobs.state);
  return new Map(rows.map((r) => [r.state, Number(r.oldest)]));
}

// ---- retention --------------------------------------------------------------------------------------------

/**
 * The jobs retention may delete: finished before `cutoff`, and either done or failed with a newer job of the same
 * subscriber (which pushes billing's later decision, so the failure no longer needs an operator). Pending and running
 * jobs, and a failed job that is still its subscriber's newest, are never deleted. Served by the
 * `enforcement_jobs_finished` index.
 */
function prunableJobs(cutoff: Date): SQL {
  return sql`j.state in ('done', 'failed') and j.finished_at < ${cutoff.toISOString()}::timestamptz
    and (j.state = 'done' or exists (select 1 from enforcement_jobs n where n.subscriber_id = j.subscriber_id and n.id > j.id))`;
}

/**
 * Retention (src/db/retention.ts): deletes the prunable jobs (see prunableJobs) and their attempts with them, in one
 * statement per batch of jobs.
 */
export async function pruneFinishedJobs(db: Db, cutoff: Date, options: PruneOptions = {}): Promise<PruneCounts> {
  const toCounts = (row: { jobs: number; attempts: number } | undefined) => ({
    enforcement_jobs: Number(row?.jobs ?? 0),
    enforcement_attempts: Number(row?.attempts ?? 0),
  });
  if (options.dryRun) {
    return toCounts(rowsOf<{ jobs: number; attempts: number }>(await db.execute(sql`
      with doomed as (select j.id from enforcement_jobs j where ${prunableJobs(cutoff)})
      select (select count(*) from doomed)::int as jobs,
             (select count(*) from enforcement_attempts a where a.job_id in (select id from doomed))::int as attempts`))[0]);
  }
  return pruneInBatches(options, 'enforcement_jobs', async (limit) => toCounts(rowsOf<{ jobs: number; attempts: number }>(await db.execute(sql`
    with doomed as (
      select j.id from enforcement_jobs j where ${prunableJobs(cutoff)}
      order by j.finished_at limit ${limit}
      for update of j skip locked
    ), attempts as (delete from enforcement_attempts a using doomed d where a.job_id = d.id returning 1),
    jobs as (delete from enforcement_jobs j using doomed d where j.id = d.id returning 1)
    select (select count(*) from jobs)::int as jobs, (select count(*) from attempts)::int as attempts`))[0]));
}
