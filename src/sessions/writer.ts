/**
 * Group commit for accounting throughput: records that arrive while a transaction is being
 * committed — or within `gatherMs` of the first one when idle — go into the next transaction together. Each
 * `submit` resolves only after its transaction COMMITTED (true) or definitely failed (false): the handler answers
 * the NAS in the first case and stays silent in the second, so the NAS retries (RFC 2866 §2,
 * docs/radius-protocol.md §11).
 */
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../log.js';
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
  /** Told about every batch (metrics): its size, whether it committed, and how long the commit took. */
  onBatch?: (records: number, committed: boolean, seconds: number) => void;
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
  private lastFailureLog = 0;
  private readonly gatherMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly maxInFlight: number;
  private readonly commitTimeoutMs: number;
  /** Counters for metrics and benchmarks. */
  readonly stats = { committed: 0, transactions: 0, failed: 0, refused: 0 };

  constructor(private readonly options: WriterOptions) {
    this.gatherMs = options.gatherMs ?? 2;
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxQueue = options.maxQueue ?? 50_000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.commitTimeoutMs = options.commitTimeoutMs ?? 15_000;
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
    let committed = false;
    const started = process.hrtime.bigint();
    try {
      await this.withTimeout(this.commit(batch.map((p) => p.record)));
      committed = true;
      this.stats.committed += batch.length;
      this.stats.transactions++;
    } catch (err) {
      this.stats.failed += batch.length;
      const now = Date.now();
      if (now - this.lastFailureLog > 5000) {
        this.lastFailureLog = now;
        this.options.log.error({ err, records: batch.length, queued: this.queue.length }, 'accounting not recorded; no reply sent (the NAS will retry)');
      }
    }
    this.options.onBatch?.(batch.length, committed, Number(process.hrtime.bigint() - started) / 1e9);
    for (const p of batch) p.resolve(committed);
    this.inFlight--;
    this.exclusive = false;
    for (const resolve of this.progress.splice(0)) resolve();
    this.schedule(true);
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
