/**
 * @module db/retention
 * Pruning old history. Each table's owner supplies its prune query (src/sessions/store.ts, src/enforce/jobs.ts,
 * src/billing/accounts.ts, src/notify/queue.ts, src/payments/callbacks.ts) and app.ts hands them in as rules; this module knows no table. It takes each rule's
 * cut-off from the database's clock (so instances whose hosts' clocks drift agree), runs the deletes in bounded
 * batches — one statement and one short transaction per batch, so a first prune of a huge table never holds a long
 * lock — and, in the server, on a timer (`RetentionSchedule`). Owners pick each batch with FOR UPDATE SKIP LOCKED:
 * several instances pruning at once take disjoint rows, and each counts only the rows its own statements deleted.
 */
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import type { Db } from './client.js';
import { databaseNow } from './rows.js';

/** Rows per DELETE statement. */
export const PRUNE_BATCH = 5000;

/** The first scheduled run comes this long after start (or one interval, if that is shorter). */
export const FIRST_PRUNE_DELAY_MS = 5 * 60_000;

export interface PruneOptions {
  /** Count what would be deleted; delete nothing. */
  readonly dryRun?: boolean | undefined;
  /** Rows per statement. Default `PRUNE_BATCH`. */
  readonly batchSize?: number | undefined;
  /** Aborted: stop after the batch in progress (shutdown). */
  readonly signal?: AbortSignal | undefined;
}

/** Rows deleted (in a dry run: that would be deleted), by table. */
export type PruneCounts = Readonly<Record<string, number>>;

/** An owner's prune: delete the rows its rule allows that are older than `cutoff`. */
export type PruneQuery = (db: Db, cutoff: Date, options: PruneOptions) => Promise<PruneCounts>;

export interface RetentionRule {
  /** The server.yaml `retention:` key. */
  readonly name: string;
  /** The tables it prunes, as its counts name them. */
  readonly tables: readonly string[];
  /** Keep time, seconds; undefined = kept forever. */
  readonly keepSeconds: number | undefined;
  readonly prune: PruneQuery;
}

/**
 * Runs `deleteBatch(limit)` until it deletes fewer than `limit` rows of `counted` (the table the limit applies to)
 * or `signal` is aborted, and sums its counts. A short batch also ends the loop when another instance holds the
 * remaining rows: it is deleting them.
 */
export async function pruneInBatches(
  options: PruneOptions,
  counted: string,
  deleteBatch: (limit: number) => Promise<PruneCounts>,
): Promise<PruneCounts> {
  const limit = options.batchSize ?? PRUNE_BATCH;
  const total: Record<string, number> = {};
  for (;;) {
    const counts = await deleteBatch(limit);
    for (const [table, rows] of Object.entries(counts)) total[table] = (total[table] ?? 0) + rows;
    if ((counts[counted] ?? 0) < limit || options.signal?.aborted) return total;
  }
}

export interface RuleReport {
  readonly name: string;
  readonly keepSeconds: number | undefined;
  /** Rows finished or recorded before this instant go; undefined when kept forever. */
  readonly cutoff: Date | undefined;
  /** Every table of the rule, 0 when nothing went. */
  readonly counts: PruneCounts;
  /** Set when the rule's prune failed (the other rules still ran). */
  readonly error?: unknown;
}

export interface RetentionReport {
  /** The database's clock at the start of the run: the cut-offs are counted back from it. */
  readonly at: Date;
  readonly dryRun: boolean;
  readonly rules: readonly RuleReport[];
}

/** One pass over every rule: one failing rule does not keep the others from running. */
export async function runRetention(db: Db, rules: readonly RetentionRule[], options: PruneOptions = {}): Promise<RetentionReport> {
  const at = await databaseNow(db);
  const reports: RuleReport[] = [];
  for (const rule of rules) {
    const zero = Object.fromEntries(rule.tables.map((table) => [table, 0]));
    const base = { name: rule.name, keepSeconds: rule.keepSeconds };
    if (rule.keepSeconds === undefined) {
      reports.push({ ...base, cutoff: undefined, counts: zero });
      continue;
    }
    const cutoff = new Date(at.getTime() - rule.keepSeconds * 1000);
    if (options.signal?.aborted) {
      reports.push({ ...base, cutoff, counts: zero });
      continue;
    }
    try {
      reports.push({ ...base, cutoff, counts: { ...zero, ...(await rule.prune(db, cutoff, options)) } });
    } catch (error) {
      reports.push({ ...base, cutoff, counts: zero, error });
    }
  }
  return { at, dryRun: options.dryRun ?? false, rules: reports };
}

/** Rows over every table of the report. */
export function prunedRows(report: RetentionReport): number {
  return report.rules.reduce((sum, rule) => sum + Object.values(rule.counts).reduce((a, b) => a + b, 0), 0);
}

export interface RetentionScheduleOptions {
  readonly db: Db;
  /** Read at each run, so a reload's keep times apply from the next one. */
  readonly rules: () => readonly RetentionRule[];
  /** Seconds between runs, read after each run; undefined = the server does not prune (checked again later). */
  readonly intervalSeconds: () => number | undefined;
  readonly log: Logger;
  /** Rows deleted per table, after each run (the metric). */
  readonly onPruned?: (table: string, rows: number) => void;
  /** Default `FIRST_PRUNE_DELAY_MS`. */
  readonly firstRunDelayMs?: number;
}

/** The server's periodic prune: never overlapping itself, one summary line per run. */
export class RetentionSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly abort = new AbortController();
  private readonly errors: RateLimitedLog;
  private readonly log: Logger;

  constructor(private readonly options: RetentionScheduleOptions) {
    this.log = options.log.child({ task: 'retention' });
    this.errors = new RateLimitedLog(this.log);
  }

  start(): void {
    const first = this.options.firstRunDelayMs ?? FIRST_PRUNE_DELAY_MS;
    const interval = this.options.intervalSeconds();
    this.schedule(interval === undefined ? first : Math.min(first, interval * 1000));
  }

  /** One run now, logged and counted like the scheduled ones (tests call it). */
  run(): Promise<RetentionReport | undefined> {
    const run = this.runOnce();
    this.running = run;
    return run.finally(() => {
      if (this.running === run) this.running = undefined;
    });
  }

  /** Stops the timer; a run in progress stops after its current batch. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.abort.signal.aborted) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const interval = this.options.intervalSeconds();
    if (interval !== undefined && this.running === undefined) await this.run();
    this.schedule(interval === undefined ? (this.options.firstRunDelayMs ?? FIRST_PRUNE_DELAY_MS) : interval * 1000);
  }

  private async runOnce(): Promise<RetentionReport | undefined> {
    const started = Date.now();
    let report: RetentionReport;
    try {
      report = await runRetention(this.options.db, this.options.rules(), { signal: this.abort.signal });
    } catch (err) {
      this.errors.error('run', err, 'retention: run failed');
      return undefined;
    }
    const pruned: Record<string, number> = {};
    const cutoffs: Record<string, string> = {};
    for (const rule of report.rules) {
      cutoffs[rule.name] = rule.cutoff?.toISOString() ?? 'off';
      for (const [table, rows] of Object.entries(rule.counts)) {
        pruned[table] = rows;
        this.options.onPruned?.(table, rows); // 0 too: the series exists from the first run
      }
      if (rule.error !== undefined) this.errors.error(`rule:${rule.name}`, rule.error, 'retention: pruning failed', { rule: rule.name });
    }
    const failed = report.rules.filter((r) => r.error !== undefined).map((r) => r.name);
    const fields = { pruned, cutoffs, ms: Date.now() - started, ...(failed.length > 0 ? { failed } : {}) };
    this.log.info(fields, `retention: pruned ${prunedRows(report)} rows${failed.length > 0 ? ` (${failed.join(', ')} failed)` : ''}`);
    return report;
  }
}
