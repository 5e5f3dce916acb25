/**
 * @module billing/evaluator
 * The periodic billing run: applies `stateAt` (state.ts) to every billed subscriber and writes each status change
 * (event + enforcement request, one transaction per subscriber). State-based, not event-based: after downtime the
 * first run moves each subscriber straight to the status it should have now, recording the threshold it passed as
 * the event's `effective_at` — nothing is missed. Safe with several instances: the candidate is re-read under
 * `SELECT … FOR UPDATE` and recomputed before writing, and the UPDATE is conditional on the old status, so two
 * evaluators racing write each transition once.
 */

import type { Config, WorkspaceConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { BillingAccounts, notificationChannelsOf, rulesOf, subjectOf, systemClock, writeTransitions, type Clock, type Transition } from './accounts.js';
import { billableSubscribers, subscribersByIds } from '../subscribers/table.js';
import { stateAt } from './state.js';

export const EVALUATOR_ACTOR = 'evaluator';

/** Subscribers per transaction when applying transitions. */
const BATCH = 500;

export interface EvaluatorOptions {
  readonly database: DatabaseHandle;
  readonly config: () => Config;
  readonly clock?: Clock;
  readonly log: Logger;
  /** Notifies and refreshes after a run that changed something (defaults to a BillingAccounts's). */
  readonly afterChange?: (subscriberIds: readonly number[]) => Promise<void>;
  /** Actor recorded on events. Default `evaluator`. */
  readonly actor?: string;
}

export interface PlannedTransition extends Omit<Transition, 'effectiveAt'> {
  readonly effectiveAt: Date;
}

export interface EvaluationResult {
  readonly at: Date;
  /** Subscribers looked at. */
  readonly checked: number;
  /** Applied (or, in a dry run, that would be applied). */
  readonly transitions: readonly PlannedTransition[];
  readonly dryRun: boolean;
}

export class BillingEvaluator {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly clock: Clock;
  private readonly billing: BillingAccounts;
  private readonly errors: RateLimitedLog;

  constructor(private readonly options: EvaluatorOptions) {
    this.errors = new RateLimitedLog(options.log);
    this.clock = options.clock ?? systemClock;
    this.billing = new BillingAccounts({
      database: options.database,
      config: options.config,
      clock: this.clock,
      log: options.log,
      ...(options.afterChange ? { afterChange: options.afterChange } : {}),
    });
  }

  /**
   * One pass over every billed subscriber. `dryRun` reports what would change and writes nothing.
   * `onProgress(done, total)`: subscribers evaluated of those billed, after the scan and after each written batch.
   */
  async run(options: { dryRun?: boolean; onProgress?: (done: number, total: number) => void } = {}): Promise<EvaluationResult> {
    const dryRun = options.dryRun ?? false;
    const now = await this.clock();
    const config = this.options.config();
    const db = this.options.database.db;
    const actor = this.options.actor ?? EVALUATOR_ACTOR;
    // Only rows the thresholds can move: billed, or with an override or promise that may run out.
    const rows = await billableSubscribers(db);
    const transitions: PlannedTransition[] = [];
    const due: Array<{ id: number; workspace: WorkspaceConfig }> = [];
    for (const row of rows) {
      const workspace = config.workspaceById.get(row.workspaceId);
      if (!workspace) continue; // a workspace removed from config: leave its subscribers alone
      const state = stateAt(subjectOf(row), rulesOf(workspace), now);
      if (state.status === row.status) continue;
      if (dryRun) transitions.push({ subscriberId: row.id, workspaceId: row.workspaceId, username: row.username, from: row.status, to: state.status, reason: state.reason, effectiveAt: state.since ?? now });
      else due.push({ id: row.id, workspace });
    }
    // Batches, each one transaction: lock the rows (in id order, so racing instances cannot deadlock), recompute
    // from what is there now (a payment or another evaluator may have changed it since the scan), write.
    const unchanged = rows.length - due.length;
    options.onProgress?.(unchanged, rows.length);
    for (let i = 0; i < due.length; i += BATCH) {
      const batch = due.slice(i, i + BATCH);
      const workspaceOf = new Map(batch.map((d) => [d.id, d.workspace] as const));
      const applied = await db.transaction(async (tx) => {
        const fresh = await subscribersByIds(tx, batch.map((d) => d.id), { forUpdate: true });
        const changes = fresh.map((row) => ({ row, state: stateAt(subjectOf(row), rulesOf(workspaceOf.get(row.id)!), now) }));
        return writeTransitions(tx, changes, actor, now, (w) => notificationChannelsOf(config.workspaceById.get(w)));
      });
      transitions.push(...applied);
      options.onProgress?.(unchanged + i + batch.length, rows.length);
    }
    if (!dryRun && transitions.length > 0) {
      await this.billing.changed(transitions.map((t) => t.subscriberId), true);
      this.options.log.info({ transitions: transitions.length, checked: rows.length }, 'billing evaluation applied transitions');
    }
    return { at: now, checked: rows.length, transitions, dryRun };
  }

  /** Runs now (catching up after downtime), then every `intervalMs`; runs never overlap. */
  start(intervalMs: number): void {
    this.stopped = false;
    const tick = () => {
      if (this.running || this.stopped) return;
      this.running = this.run()
        .catch((err: unknown) => this.errors.error('evaluation', err, 'billing evaluation failed'))
        .finally(() => {
          this.running = undefined;
        });
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
