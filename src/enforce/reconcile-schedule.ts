/**
 * @module enforce/reconcile-schedule
 * The periodic `reconcile` of every NAS with `router.reconcile_interval` (and `api:`), in the server. Each NAS runs on
 * its own timer, never overlapping itself; drift is logged (warn), corrected when `router.reconcile_fix` is set.
 * The config is read at each tick, so a reload changes intervals and flags from the next run on.
 */

import type { Config } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { endpointOf, type RouterOsPool } from '../routeros/api.js';
import { describeDrift, reconcile, type ReconcileReport } from './reconcile.js';
import { databaseReconcilePorts } from './reconcile-db.js';

export interface ReconcileScheduleOptions {
  config: () => Config;
  database: DatabaseHandle;
  routers: RouterOsPool;
  log: Logger;
  /** How often to look for NASes whose run is due, ms. Default 10 000. */
  tickMs?: number;
  clock?: () => number;
  /** Called after each run (tests). */
  onRun?: (report: ReconcileReport | Error) => void;
}

export class ReconcileSchedule {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastRun = new Map<string, number>();
  private readonly running = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly clock: () => number;
  private readonly errors: RateLimitedLog;

  constructor(private readonly options: ReconcileScheduleOptions) {
    this.errors = new RateLimitedLog(options.log);
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    const start = this.clock();
    for (const nas of this.options.config().nas) this.lastRun.set(nas.name, start); // first run one interval after start
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 10_000);
    this.timer.unref();
  }

  /** Starts the runs that are due; returns when they finish (tests call it directly). */
  async tick(): Promise<void> {
    const now = this.clock();
    const runs: Promise<void>[] = [];
    for (const nas of this.options.config().nas) {
      const interval = nas.router?.reconcileIntervalSeconds;
      if (interval === undefined || nas.api === undefined || this.running.has(nas.name)) continue;
      const last = this.lastRun.get(nas.name);
      if (last === undefined) {
        this.lastRun.set(nas.name, now); // a NAS added by a reload: first run one interval from now
        continue;
      }
      if (now - last < interval * 1000) continue;
      this.lastRun.set(nas.name, now);
      runs.push(this.run(nas.name));
    }
    await Promise.all(runs);
  }

  private run(name: string): Promise<void> {
    this.running.add(name);
    const log = this.options.log.child({ nas: name, task: 'reconcile' });
    const job = (async () => {
      try {
        const config = this.options.config();
        const nas = config.nas.find((n) => n.name === name);
        if (nas?.api === undefined) return;
        const fix = nas.router?.reconcileFix === true;
        const ports = databaseReconcilePorts(config, nas, this.options.database, this.options.routers.get(endpointOf(nas.name, nas.api)));
        const report = await reconcile(nas.name, ports, { fix });
        if (report.drift.length === 0) log.info({ sessions: report.routerSessions, listed: report.listed }, 'reconcile: no drift');
        else {
          const failed = report.fixes?.filter((f) => !f.ok).length ?? 0;
          log.warn({ drift: report.drift.map(describeDrift), fixed: fix ? report.drift.length - failed : 0, failed }, `reconcile: ${report.drift.length} drift(s)${fix ? '' : ' (not corrected: router.reconcile_fix is off)'}`);
        }
        this.options.onRun?.(report);
      } catch (err) {
        this.errors.error(`reconcile:${name}`, err, 'reconcile failed', { nas: name });
        this.options.onRun?.(err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.running.delete(name);
      }
    })();
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    return job;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
  }
}
