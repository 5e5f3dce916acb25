/**
 * Group commit for accounting throughput: records that arrive while a transaction is being
 * committed — or within `gatherMs` of the first one when idle — go into the next transaction together. Each
 * `submit` resolves only after its transaction COMMITTED (true) or definitely failed (false): the handler answers
 * the NAS in the first case and stays silent in the second, so the NAS retries (RFC 2866 §2,
 * docs/radius-protocol.md §11).
 *
 * One record never sinks the others (docs/radius-protocol.md §16): a batch the database refuses because of its data
 * (SQLSTATE class 22 or 23) is split in halves until every good record has committed; a record refused on its own is
 * rejected — not recorded, no reply, counted. Any other failure (connection lost, timeout) fails the whole batch
 * without splitting, so an outage is never met with more statements.
 */
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import {
  applySessionUpdates,
  closeNasSessions,
  sessionTriple,
  type Executor,
  type SessionChange,
  type SessionUpdate,
} from './store.js';

/** Accounting-On/Off: close what the NAS had open. */
export interface NasReset {
  nasName: string;
  nasAddress: string;
  eventAt: Date;
}

export type AccountingRecord = { kind: 'session'; update: SessionUpdate } | { kind: 'nas-reset'; reset: NasReset };

export interface WriterHooks {
  /** After COMMIT, with what the batch changed. */
  afterCommit?(changes: readonly SessionChange[]): void;
}

export interface WriterOptions {
  database: Pick<DatabaseHandle, 'db'>;
  log: Logger;
  hooks?: WriterHooks;
  /** Announce changes to other instances as this one (NOTIFY, in the same statements; see store.ts). */
  announceAs?: string;
  /** Wait this long after the first record of an idle period for others to join. Default 2 ms. */
  gatherMs?: number;
  /** Records per transaction. Default 2000. */
  maxBatch?: number;
  /**
   * Told about every transaction that ends a batch or a part of one (metrics): its records, whether it committed,
   * and how long it took. Parts that fail on their data and are split again are not reported.
   */
  onBatch?: (records: number, committed: boolean, seconds: number) => void;
  /** Told about every record the database refused on its own, with the SQLSTATE (metrics). */
  onRejected?: (sqlstate: string) => void;
  /** Clock of the error-log rate limit (one line per kind of failure a minute). Default Date.now. */
  now?: () => number;
  /** Records waiting beyond this are refused at once (no reply; the NAS retries later). Default 50,000. */
  maxQueue?: number;
  /** A transaction not finished after this long counts as failed (its records get no reply). Default 15 s. */
  commitTimeoutMs?: number;
  /**
   * Transactions at once. Default 1. More overlap one batch's commit with the next one's statements (PostgreSQL);
   * the merge rules of applySessionUpdates do not depend on the order in which batches commit.
   */
  maxInFlight?: number;
}

interface Pending {
  record: AccountingRecord;
  resolve: (committed: boolean) => void;
}

/** PostgreSQL errors worth retrying at once: deadlock, serialization failure. */
const RETRYABLE = new Set(['40P01', '40001']);

function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * A failure caused by the records themselves: SQLSTATE class 22 (data exception, e.g. 22P05 `\u0000` in text) or
 * 23 (integrity constraint violation). Connection errors, timeouts and everything else are not.
 */
export function isDataError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/**
 * Splits a batch into statements: runs of session updates with distinct session identities, cut at every
 * NAS reset so that the order "Start, Accounting-On, Start" is kept.
 */
export function planStatements(records: readonly AccountingRecord[]): Array<{ updates: SessionUpdate[] } | { reset: NasReset }> {
  const steps: Array<{ updates: SessionUpdate[] } | { reset: NasReset }> = [];
  let rounds: SessionUpdate[][] = [];
  const flushRounds = () => {
    for (const updates of rounds) steps.push({ updates });
    rounds = [];
  };
  // Per identity, the round its latest update went to: a later update goes to a later round, preserving order.
  let lastRound = new Map<string, number>();
  for (const record of records) {
    if (record.kind === 'nas-reset') {
      flushRounds();
      lastRound = new Map();
      steps.push({ reset: record.reset });
      continue;
    }
    const key = sessionTriple(record.update);
    const index = (lastRound.get(key) ?? -1) + 1;
    if (index === rounds.length) rounds.push([]);
    rounds[index]!.push(record.update);
    lastRound.set(key, index);
  }
  flushRounds();
  return steps;
}

export class AccountingWriter {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  /** A batch with a NAS reset is committing: nothing else may. */
  private exclusive = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private progress: Array<() => void> = [];
  private readonly errors: RateLimitedLog;
  private readonly gatherMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly maxInFlight: number;
  private readonly commitTimeoutMs: number;
  /** Counters for metrics and benchmarks; `rejected`: records the database refused on their own. */
  readonly stats = { committed: 0, transactions: 0, failed: 0, refused: 0, rejected: 0 };

  constructor(private readonly options: WriterOptions) {
    this.gatherMs = options.gatherMs ?? 2;
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxQueue = options.maxQueue ?? 50_000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.commitTimeoutMs = options.commitTimeoutMs ?? 15_000;
    this.errors = new RateLimitedLog(options.log, { now: options.now });
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves true once the record is committed, false if it was not (the caller must not answer). */
  submit(record: AccountingRecord): Promise<boolean> {
    if (this.stopped || this.queue.length >= this.maxQueue) {
      this.stats.refused++;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      this.queue.push({ record, resolve });
      this.schedule(false);
    });
  }

  /** Commit what is queued, refuse anything new. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight > 0 || this.queue.length > 0) {
      const next = new Promise<void>((resolve) => this.progress.push(resolve));
      this.schedule(true);
      await next;
    }
  }

  /**
   * Start a transaction now when the batch is full (or `now`: its records have already waited for a commit),
   * else after `gatherMs`; never more than `maxInFlight` at once — what arrives meanwhile joins the next one.
   */
  private schedule(now: boolean): void {
    if (this.queue.length === 0 || this.inFlight >= this.maxInFlight) return;
    if (now || this.stopped || this.queue.length >= this.maxBatch || this.gatherMs <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.gatherMs);
  }

  private async flush(): Promise<void> {
    if (this.inFlight >= this.maxInFlight || this.queue.length === 0 || this.exclusive) return;
    // A NAS reset closes "everything open before it": it must not overlap a batch holding that NAS's earlier
    // Starts, so a batch with a reset runs alone.
    const exclusive = this.queue.slice(0, this.maxBatch).some((p) => p.record.kind === 'nas-reset');
    if (exclusive && this.inFlight > 0) return; // the commits in flight call schedule() when they finish
    this.exclusive = exclusive;
    this.inFlight++;
    const batch = this.queue.splice(0, this.maxBatch);
    await this.store(batch);
    this.inFlight--;
    this.exclusive = false;
    for (const resolve of this.progress.splice(0)) resolve();
    this.schedule(true);
  }

  /**
   * Commit `batch` and resolve each record's submit. On a data error the batch is split in halves, in order, until
   * the record at fault stands alone: about 2·log2(n) more transactions per bad record, 2n − 1 at the very most.
   */
  private async store(batch: Pending[]): Promise<void> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      await this.withTimeout(this.commit(batch.map((p) => p.record)));
    } catch (err) {
      if (!isDataError(err)) return this.fail(batch, err, seconds());
      if (batch.length === 1) return this.reject(batch[0]!, err);
      const half = Math.ceil(batch.length / 2);
      await this.store(batch.slice(0, half));
      return this.store(batch.slice(half));
    }
    this.stats.committed += batch.length;
    this.stats.transactions++;
    this.options.onBatch?.(batch.length, true, seconds());
    for (const p of batch) p.resolve(true);
  }

  /** The database could not take the batch (outage, timeout, …): nothing is answered, the NASes retry. */
  private fail(batch: Pending[], err: unknown, seconds: number): void {
    this.stats.failed += batch.length;
    this.options.onBatch?.(batch.length, false, seconds);
    this.errors.error('accounting-failed', err, 'accounting not recorded; no reply sent (the NAS will retry)', {
      records: batch.length,
      queued: this.queue.length,
    });
    for (const p of batch) p.resolve(false);
  }

  /** The database refuses this record on its own: not recorded, not answered, counted. */
  private reject(pending: Pending, err: unknown): void {
    const sqlstate = sqlState(err)!;
    this.stats.rejected++;
    this.options.onRejected?.(sqlstate);
    const { record } = pending;
    const what = record.kind === 'session'
      ? { nas: record.update.nasName, status: record.update.status }
      : { nas: record.reset.nasName, status: 'nas-reset' };
    this.errors.error('accounting-rejected', err, 'accounting record refused by the database; not recorded, no reply sent', { ...what, sqlstate });
    pending.resolve(false);
  }

  private withTimeout(work: Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`accounting commit took longer than ${this.commitTimeoutMs} ms`)), this.commitTimeoutMs);
      work.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  private async commit(records: AccountingRecord[]): Promise<void> {
    const steps = planStatements(records);
    const options = { announceAs: this.options.announceAs };
    for (let attempt = 1; ; attempt++) {
      try {
        const run = async (executor: Executor): Promise<SessionChange[]> => {
          const all: SessionChange[] = [];
          for (const step of steps) {
            if ('reset' in step) all.push(...(await closeNasSessions(executor, step.reset, options)));
            else all.push(...(await applySessionUpdates(executor, step.updates, options)));
          }
          return all;
        };
        // One statement is atomic by itself (one round trip instead of BEGIN … COMMIT); several need a transaction.
        const db = this.options.database.db;
        const changes = steps.length === 1 ? await run(db) : await db.transaction((tx) => run(tx));
        this.options.hooks?.afterCommit?.(changes);
        return;
      } catch (err) {
        if (attempt >= 3 || !RETRYABLE.has(sqlState(err) ?? '')) throw err;
      }
    }
  }
}
