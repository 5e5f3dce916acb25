/**
 * Enforcement workers: claim due jobs from the database in batches (FOR UPDATE SKIP LOCKED + lease, renewed while
 * working), run the ladder for every open session of each job's subscriber — all jobs concurrently, requests to each
 * NAS bounded by its `enforcement.concurrency` — and record attempts and outcomes in batched transactions. Failed
 * jobs come back with back-off; a stop releases what is still claimed so another instance (or the next start) takes
 * it over.
 *
 *   state change ──(outbox, same transaction)──▶ enforcement_jobs ──NOTIFY──▶ claim ─▶ merge older jobs
 *     ─▶ subscriber + open sessions ─▶ plan (noop / offline / CoA / reconnect) ─▶ ladder per session
 *     ─▶ attempts + outcome (done | pending with back-off | failed)
 *
 * A router-local subscriber (auth local, docs/mixed-fleet.md) takes another branch after the claim: its entry on the
 * router is switched over the API (src/enforce/local-entry.ts) and no CoA/Disconnect ladder runs for it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import type { SubscriberStatus } from '../db/schema.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { RadiusClient } from '../radius/client.js';
import { RouterOsPool } from '../routeros/api.js';
import {
  claimJobs, loadSubscribers, mergeOlderJobs, recordResults, releaseJobs, renewLeases, type ClaimedJob, type JobFinish,
  type JobResult, type Merged,
} from './jobs.js';
import { enforceSession, jobSummary, type AttemptRecord, type LadderContext, type SessionResult } from './ladder.js';
import { KeyedLimiter } from './limiter.js';
import { ENFORCEMENT_CHANNEL } from '../db/channels.js';
import { decidePush, type SessionPush, type PushTarget } from './push.js';
import { enforceLocalEntry, loadLocalEntries, type LocalEntryRef } from './local-entry.js';
import { databaseSessions, type OpenSession, type SessionSource } from './session-source.js';

/** Jobs claimed per query. */
const CLAIM_BATCH = 500;
/** Results are written together when they arrive within this long, or as soon as this many wait. */
const FLUSH_GATHER_MS = 50;
const FLUSH_BATCH = 1000;
/** On stop, wait this long for in-flight ladders to notice and return. */
const STOP_GRACE_MS = 5000;

export interface EnforcementOptions {
  database: DatabaseHandle;
  /** Read at each use: a config reload applies to the next job. */
  config: () => Config;
  log: Logger;
  /** Default: the sessions table. */
  sessions?: SessionSource;
  /** Default: a client bound to server.bind (IPv4) on an OS-chosen port. */
  radius?: RadiusClient;
  routers?: RouterOsPool;
  /** Default: `<host>:<pid>:<random>`. */
  instanceId?: string;
  /** Told about every attempt (metrics). */
  onAttempt?: (attempt: AttemptRecord) => void;
}

/** What one job did (the CLI prints it; the workers record it). */
export interface JobRun {
  job: ClaimedJob;
  push: SessionPush | undefined;
  sessions: OpenSession[];
  results: SessionResult[];
  attempts: AttemptRecord[];
  finish: JobFinish;
  aborted: boolean;
}

export interface RunHooks {
  onPush?: (push: SessionPush, sessions: readonly OpenSession[]) => void;
  onAttempt?: (attempt: AttemptRecord) => void;
}

export class EnforcementWorkers {
  readonly instanceId: string;
  readonly radius: RadiusClient;
  readonly routers: RouterOsPool;
  readonly stats = { claimed: 0, done: 0, retried: 0, failed: 0 };
  private readonly sessions: SessionSource;
  private readonly limiter = new KeyedLimiter();
  private readonly abort = new AbortController();
  private readonly errors: RateLimitedLog;
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly queue: JobResult[] = [];
  /** The results being written now (out of `queue` until the write ends). */
  private recording: readonly JobResult[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** The last claim found fewer jobs than it asked for: wait for a notification or the poll before asking again. */
  private drained = false;
  private stopping = false;

  constructor(private readonly options: EnforcementOptions) {
    this.errors = new RateLimitedLog(options.log);
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const bind = options.config().server.bind;
    this.radius = options.radius ?? new RadiusClient({ bind: /^\d+\.\d+\.\d+\.\d+$/.test(bind) ? bind : undefined, log: options.log });
    this.routers = options.routers ?? new RouterOsPool();
    this.sessions = options.sessions ?? databaseSessions(options.database.db);
  }

  /** Start the workers (when `server.enforcement.enabled`): listen for new jobs, poll, renew leases. */
  async start(): Promise<void> {
    const settings = this.options.config().server.enforcement;
    if (!settings.enabled) {
      this.options.log.info('enforcement workers disabled in this instance (server.enforcement.enabled: false)');
      return;
    }
    this.unlisten = await this.options.database.listen(ENFORCEMENT_CHANNEL, () => this.wake());
    this.heartbeat = setInterval(() => {
      // The jobs this instance holds: running, or finished with their result not yet written.
      const held = [...this.inFlight.keys(), ...[...this.queue, ...this.recording].map((result) => result.job.id)];
      if (held.length === 0) return;
      renewLeases(this.options.database.db, this.instanceId, this.options.config().server.enforcement.leaseSeconds, held)
        .catch((err: unknown) => this.errors.error('lease-renewal', err, 'enforcement: lease renewal failed'));
    }, Math.max(200, (settings.leaseSeconds * 1000) / 3));
    this.heartbeat.unref();
    this.loop = this.run();
    this.options.log.info({ instance: this.instanceId }, 'enforcement workers started');
  }

  /** Stop claiming, interrupt the ladders, record what finished, release the rest. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.abort.abort();
    await this.radius.close(); // in-flight CoA/Disconnect settle as unanswered; ladders then see the abort
    await this.routers.closeAll();
    await Promise.race([Promise.allSettled(this.inFlight.values()), new Promise((r) => setTimeout(r, STOP_GRACE_MS).unref())]);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.flush();
    const released = await releaseJobs(this.options.database.db, this.instanceId).catch((err: unknown) => {
      this.errors.error('release', err, 'enforcement: releasing claimed jobs failed (their lease will run out)');
      return 0;
    });
    await this.unlisten?.().catch(() => {});
    this.options.log.info({ released, ...this.stats }, 'enforcement workers stopped');
  }

  /** Look for due jobs now (a notification, the CLI). */
  wake(): void {
    this.drained = false;
    this.resume();
  }

  private resume(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /**
   * Run one claimed job now and record it (the CLI's `radgate enforce USER`): the same path as the workers, with
   * hooks that see the plan and each attempt as it ends.
   */
  async runJob(job: ClaimedJob, hooks: RunHooks = {}): Promise<JobRun> {
    const db = this.options.database.db;
    const merged = (await mergeOlderJobs(db, [job])).get(job.id);
    const subscribers = await loadSubscribers(db, [job.subscriberId]);
    const sessions = (await this.sessions.openSessions([job.subscriberId])).get(job.subscriberId) ?? [];
    const local = (await loadLocalEntries(db, [job.subscriberId])).get(job.subscriberId);
    const run = await this.process(job, subscribers.get(job.subscriberId), local, sessions, merged, hooks);
    if (run.aborted) await releaseJobs(db, this.instanceId, [job.id]);
    else await recordResults(db, this.instanceId, [{ job, attempts: run.attempts, finish: run.finish }]);
    return run;
  }

  /** Release sockets (for one-shot users such as the CLI, which never call start). */
  async close(): Promise<void> {
    await this.radius.close();
    await this.routers.closeAll();
  }

  private async run(): Promise<void> {
    const db = this.options.database.db;
    while (!this.stopping) {
      const settings = this.options.config().server.enforcement;
      const room = settings.maxJobs - this.inFlight.size;
      if (room > 0) {
        let claimed: ClaimedJob[] = [];
        try {
          const started = performance.now();
          claimed = await claimJobs(db, this.instanceId, Math.min(room, CLAIM_BATCH), settings.leaseSeconds);
          if (claimed.length > 0) this.options.log.debug({ claimed: claimed.length, ms: Math.round(performance.now() - started) }, 'enforcement jobs claimed');
          if (claimed.length > 0) await this.startBatch(claimed);
        } catch (err) {
          this.errors.error('claim', err, 'enforcement: claiming jobs failed');
          if (claimed.length > 0) await releaseJobs(db, this.instanceId, claimed.map((j) => j.id)).catch(() => {});
        }
        this.drained = claimed.length < Math.min(room, CLAIM_BATCH);
        if (!this.drained && !this.stopping && this.inFlight.size < settings.maxJobs) continue; // more are due right away
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.drained = false;
          resolve();
        }, settings.pollIntervalSeconds * 1000);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async startBatch(jobs: ClaimedJob[]): Promise<void> {
    const db = this.options.database.db;
    this.stats.claimed += jobs.length;
    const started = performance.now();
    const ids = [...new Set(jobs.map((j) => j.subscriberId))];
    const merges = await mergeOlderJobs(db, jobs);
    const subscribers = await loadSubscribers(db, ids);
    const sessions = await this.sessions.openSessions(ids);
    const locals = await loadLocalEntries(db, ids);
    this.options.log.debug({ jobs: jobs.length, inFlight: this.inFlight.size, loadMs: Math.round(performance.now() - started) }, 'enforcement batch claimed');
    for (const job of jobs) {
      const work = this.process(job, subscribers.get(job.subscriberId), locals.get(job.subscriberId), sessions.get(job.subscriberId) ?? [], merges.get(job.id), {})
        .then((run) => {
          if (!run.aborted) this.submit({ job, attempts: run.attempts, finish: run.finish });
        })
        .catch((err: unknown) => this.errors.error('job-crashed', err, 'enforcement: job crashed (its lease will run out)', { job: job.id }))
        .finally(() => {
          this.inFlight.delete(job.id);
          // Claim again once there is room for a good batch, unless the queue was found empty (each claim is a
          // query; on PGlite it runs on this event loop).
          const room = this.options.config().server.enforcement.maxJobs - this.inFlight.size;
          if (!this.drained && room >= Math.min(CLAIM_BATCH, Math.ceil(this.options.config().server.enforcement.maxJobs / 4))) this.resume();
        });
      this.inFlight.set(job.id, work);
    }
  }

  private async process(
    job: ClaimedJob, subscriber: PushTarget | undefined, local: LocalEntryRef | undefined, sessions: OpenSession[], merged: Merged | undefined, hooks: RunHooks,
  ): Promise<JobRun> {
    const config = this.options.config();
    const attempts: AttemptRecord[] = [];
    const base = { job, sessions, attempts, aborted: false };
    const mergedNote = merged ? ` (merged job(s) #${merged.merged.join(', #')})` : '';
    if (!subscriber) {
      return { ...base, push: undefined, results: [], finish: this.finish(job, 'done', `subscriber #${job.subscriberId} does not exist: nothing to push`) };
    }
    // What the sessions were last given: the oldest merged job's from-status; unknown for manual and plan jobs.
    let fromStatus: SubscriberStatus | null = job.kind === 'status' ? job.fromStatus : null;
    if (merged) fromStatus = merged.uncertain || job.kind !== 'status' ? null : merged.fromStatus;
    // The status to push is the one billing decided, written with this (the newest) job; manual and plan jobs
    // carry none, so the subscriber's current status stands.
    const target: PushTarget = job.kind === 'status' && job.toStatus !== null ? { ...subscriber, status: job.toStatus } : subscriber;
    // A router-local subscriber: its entry on the router is the enforcement; RADIUS sessions it may have get no ladder.
    if (local) {
      // A retry, or a merged job that had run: the entry may have been switched without the session being removed.
      const afterEarlierAttempt = job.attempts > 1 || merged?.uncertain === true;
      const result = await enforceLocalEntry(this.ladderContext(config, attempts, hooks), target, local, { afterEarlierAttempt });
      if (result.kind === 'aborted') return { ...base, push: undefined, results: [], aborted: true, finish: { state: 'pending', outcome: 'interrupted', retryInSeconds: 0 } };
      const finish = result.kind === 'retry' ? this.retryOrGiveUp(config, job, result.outcome + mergedNote) : this.finish(job, result.kind, result.outcome + mergedNote);
      return { ...base, push: undefined, results: [], finish };
    }
    const push = decidePush(config, target, fromStatus);
    hooks.onPush?.(push, sessions);
    if (push.noop) return { ...base, push, results: [], finish: this.finish(job, 'done', push.noop + mergedNote) };
    if (sessions.length === 0) {
      return { ...base, push, results: [], finish: this.finish(job, 'done', `offline: no open session; ${subscriber.username}'s next login gets the ${push.label}${mergedNote}`) };
    }
    const ctx = this.ladderContext(config, attempts, hooks);
    const results = await Promise.all(sessions.map((session) => enforceSession(ctx, session, push)));
    if (results.some((r) => r.aborted)) return { ...base, push, results, aborted: true, finish: { state: 'pending', outcome: 'interrupted', retryInSeconds: 0 } };
    const gone = results.filter((r) => r.gone).map((r) => r.session);
    if (gone.length > 0) {
      await this.sessions.closeGone(gone).catch((err: unknown) => this.errors.error('close-gone', err, 'enforcement: closing gone sessions failed'));
    }
    const summary = jobSummary(push, results) + mergedNote;
    if (results.every((r) => r.ok)) return { ...base, push, results, finish: this.finish(job, 'done', summary) };
    return { ...base, push, results, finish: this.retryOrGiveUp(config, job, summary) };
  }

  /** What the ladder (and a local entry's switch) work with; every attempt is collected and reported as it ends. */
  private ladderContext(config: Config, attempts: AttemptRecord[], hooks: RunHooks): LadderContext {
    return {
      config,
      radius: this.radius,
      routers: this.routers,
      limiter: this.limiter,
      signal: this.abort.signal,
      log: this.options.log,
      onAttempt: (attempt) => {
        attempts.push(attempt);
        hooks.onAttempt?.(attempt);
        this.options.onAttempt?.(attempt);
      },
    };
  }

  /** A failed attempt: again after the back-off (retry_delay × 2^n, at most 1 h), or failed after max_attempts. */
  private retryOrGiveUp(config: Config, job: ClaimedJob, summary: string): JobFinish {
    const settings = config.server.enforcement;
    if (job.attempts >= settings.maxAttempts) return this.finish(job, 'failed', `${summary} (attempt ${job.attempts} of ${settings.maxAttempts}; giving up)`);
    const delay = Math.min(3600, settings.retryDelaySeconds * 2 ** (job.attempts - 1));
    return this.finish(job, 'pending', `${summary} (attempt ${job.attempts} of ${settings.maxAttempts}; next in ${formatSeconds(delay)})`, delay);
  }

  private finish(job: ClaimedJob, state: JobFinish['state'], outcome: string, retryInSeconds = 0): JobFinish {
    const log = this.options.log;
    const fields = { job: job.id, subscriber: job.subscriberId, kind: job.kind, to: job.toStatus, attempt: job.attempts, outcome };
    if (state === 'done') {
      this.stats.done++;
      log.info(fields, 'enforcement job done');
      return { state, outcome };
    }
    if (state === 'failed') {
      this.stats.failed++;
      log.error(fields, 'enforcement job failed');
      return { state, outcome };
    }
    this.stats.retried++;
    log.warn(fields, 'enforcement job will be retried');
    return { state, outcome, retryInSeconds };
  }

  private submit(result: JobResult): void {
    this.queue.push(result);
    if (this.queue.length >= FLUSH_BATCH && !this.flushing) void this.flush();
    else this.schedule(FLUSH_GATHER_MS);
  }

  private schedule(ms: number): void {
    if (this.flushTimer || this.flushing) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, ms);
  }

  /** Write queued results; one write at a time, failures kept for the next try. */
  private async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0);
    this.recording = batch;
    let failed = false;
    const started = performance.now();
    this.flushing = recordResults(this.options.database.db, this.instanceId, batch)
      .then(() => this.options.log.debug({ jobs: batch.length, ms: Math.round(performance.now() - started) }, 'enforcement results recorded'))
      .catch((err: unknown) => {
        failed = true;
        this.errors.error('record-results', err, 'enforcement: recording results failed; retrying', { jobs: batch.length });
        this.queue.unshift(...batch);
      })
      .finally(() => {
        this.flushing = undefined;
        this.recording = [];
      });
    await this.flushing;
    if (this.queue.length > 0 && !this.stopping) this.schedule(failed ? 1000 : FLUSH_GATHER_MS);
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  if (seconds < 3600) return `${Math.round(seconds / 6) / 10} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}

/** The type the composition root and the CLI share. */
export type { ClaimedJob } from './jobs.js';
