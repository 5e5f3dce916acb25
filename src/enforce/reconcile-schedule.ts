/**
 * @module enforce/reconcile-schedule
 * The periodic `reconcile` of every NAS with `router.reconcile_interval` (and `api:`), in the server. Each NAS runs on
 * its own timer, never overlapping itself; drift is logged (warn), corrected when `router.reconcile_fix` is set.
 * The config is read at each tick, so a reload changes intervals and flags from the next run on.
 *
 * Router-local subscribers' sessions (src/enforce/local-sessions.ts) are learned by every run, fix or not, and —
 * so that a router with local subscribers but no reconcile interval still has its sessions in radgate — by a
 * learning-only pass every `LEARN_INTERVAL_SECONDS` on every NAS with `api:` between runs. That pass changes
 * nothing on the router and reads it only when the NAS has live router-local subscribers.
 * The periodic run never adopts unknown entries.
 */

import type { Config } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { endpointOf, type RouterOsPool } from '../routeros/api.js';
import type { PasswordVault } from '../subscribers/vault.js';
import { LEARN_INTERVAL_SECONDS } from './local-sessions.js';
import { describeDrift, driftLeft, learnLocalSessions, reconcile, type LearnedSessions, type ReconcileReport } from './reconcile.js';
import { databaseReconcilePorts } from './reconcile-db.js';

/** At most this many drift lines in one log record, each at most MAX_LINE characters (a router may hold thousands). */
const MAX_LOGGED_DRIFT = 50;
const MAX_LINE = 300;

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
  /** Called after each learning-only pass (tests); undefined when there was nothing to learn from. */
  onLearn?: (learned: LearnedSessions | undefined | Error) => void;
  /** The password vault (recreating a lost local entry with `reconcile_fix`). */
  vault?: PasswordVault | undefined;
}

export class ReconcileSchedule {
  private timer: NodeJS.Timeout | undefined;
  private readonly lastRun = new Map<string, number>();
  /** When each NAS's local sessions were last learned (by a run or a learning pass). */
  private readonly lastLearn = new Map<string, number>();
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
    for (const nas of this.options.config().nas) {
      this.lastRun.set(nas.name, start); // first run one interval after start
      this.lastLearn.set(nas.name, start);
    }
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 10_000);
    this.timer.unref();
  }

  /** Starts the runs that are due; returns when they finish (tests call it directly). */
  async tick(): Promise<void> {
    const now = this.clock();
    const runs: Promise<void>[] = [];
    for (const nas of this.options.config().nas) {
      if (nas.api === undefined || this.running.has(nas.name)) continue;
      const interval = nas.router?.reconcileIntervalSeconds;
      const last = this.lastRun.get(nas.name);
      const learned = this.lastLearn.get(nas.name);
      if (last === undefined || learned === undefined) {
        this.lastRun.set(nas.name, now); // a NAS added by a reload: first run one interval from now
        this.lastLearn.set(nas.name, now);
        continue;
      }
      if (interval !== undefined && now - last >= interval * 1000) {
        this.lastRun.set(nas.name, now);
        this.lastLearn.set(nas.name, now);
        runs.push(this.run(nas.name));
      } else if (now - learned >= LEARN_INTERVAL_SECONDS * 1000) {
        this.lastLearn.set(nas.name, now);
        runs.push(this.learn(nas.name));
      }
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
        const ports = databaseReconcilePorts(config, nas, this.options.database, this.options.routers.get(endpointOf(nas.name, nas.api)), { vault: this.vaultPort() });
        const report = await reconcile(nas.name, ports, { fix });
        const learned = report.learned;
        if (report.drift.length === 0) log.info({ sessions: report.routerSessions, listed: report.listed, learned }, 'reconcile: no drift');
        else {
          const left = driftLeft(report);
          const lines = report.drift.slice(0, MAX_LOGGED_DRIFT).map((d) => describeDrift(d).slice(0, MAX_LINE));
          const more = report.drift.length - lines.length;
          const fields = { drift: more > 0 ? [...lines, `… and ${more} more`] : lines, kinds: countKinds(report), left, learned };
          const message = `reconcile: ${report.drift.length} drift(s)${fix ? '' : ' (not corrected: router.reconcile_fix is off)'}`;
          // Unknown router entries alone are reported, not a fault: info, not a warning every interval.
          if (report.drift.every((d) => d.kind === 'unknown-entry')) log.info(fields, message);
          else log.warn(fields, message);
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

  /** A learning-only pass (see the module comment). */
  private learn(name: string): Promise<void> {
    this.running.add(name);
    const job = (async () => {
      try {
        const config = this.options.config();
        const nas = config.nas.find((n) => n.name === name);
        if (nas?.api === undefined) return;
        const ports = databaseReconcilePorts(config, nas, this.options.database, this.options.routers.get(endpointOf(nas.name, nas.api)));
        const learned = await learnLocalSessions(ports);
        if (learned !== undefined && learned.opened + learned.closed + learned.attached > 0) {
          this.options.log.child({ nas: name, task: 'local-sessions' }).info(learned, 'router-local sessions learned');
        }
        this.options.onLearn?.(learned);
      } catch (err) {
        this.errors.error(`local-sessions:${name}`, err, 'learning router-local sessions failed', { nas: name });
        this.options.onLearn?.(err instanceof Error ? err : new Error(String(err)));
      } finally {
        this.running.delete(name);
      }
    })();
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    return job;
  }

  private vaultPort(): (() => PasswordVault) | undefined {
    const vault = this.options.vault;
    return vault === undefined ? undefined : () => vault;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
  }
}

function countKinds(report: ReconcileReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of report.drift) out[d.kind] = (out[d.kind] ?? 0) + 1;
  return out;
}
