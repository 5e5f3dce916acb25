/**
 * Live sessions: the accounting writer (group commit), the simultaneous-use tracker kept in step with the database
 * across instances (NOTIFY `radgate_sessions` + periodic re-read), and the stale-session sweep.
 */
import { randomBytes } from 'node:crypto';
import { SESSIONS_CHANNEL } from '../db/channels.js';
import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import {
  closeSession,
  openSessionChanges,
  openSessionChangesPage,
  sweepStaleSessions,
  type SessionChange,
} from './store.js';
import { SessionTracker } from './tracker.js';
import { AccountingWriter, type AccountingRecord, type WriterOptions } from './writer.js';

/** Open sessions per query in the tracker's full re-read. */
const RESYNC_PAGE = 5000;

/**
 * Parses a `radgate_sessions` payload, `<instance>|<id>,<id>,…` (written by the session store's statements, split
 * below PostgreSQL's 8000-byte NOTIFY limit); undefined when malformed.
 */
export function parseAnnouncement(payload: string): { instanceId: string; subscriberIds: number[] } | undefined {
  const bar = payload.indexOf('|');
  if (bar <= 0) return undefined;
  const ids = payload.slice(bar + 1).split(',').map(Number);
  if (ids.some((id) => !Number.isSafeInteger(id))) return undefined;
  return { instanceId: payload.slice(0, bar), subscriberIds: ids };
}

/** An operator's close, announced (used by the CLI, which has no tracker of its own). */
export function closeSessionAnnounced(database: Pick<DatabaseHandle, 'db'>, id: number, now: Date): Promise<SessionChange | undefined> {
  return closeSession(database.db, id, now, { announceAs: 'cli' });
}

export interface SessionsOptions {
  database: DatabaseHandle;
  log: Logger;
  /** server.stale_session_factor, read at each use (config reloads). */
  staleFactor: () => number;
  /** Seconds between stale sweeps (server.session_sweep_interval); 0 = no timer (tests call `sweep`). */
  sweepIntervalSeconds: () => number;
  clock?: () => number;
  /** Full re-read of open sessions, ms. Default 30 s. */
  resyncIntervalMs?: number;
  writer?: Pick<WriterOptions, 'gatherMs' | 'maxBatch' | 'maxQueue' | 'commitTimeoutMs' | 'maxInFlight' | 'onBatch' | 'onRejected' | 'now'>;
}

export class LiveSessions {
  readonly instanceId = randomBytes(6).toString('hex');
  readonly tracker: SessionTracker;
  readonly writer: AccountingWriter;
  private readonly clock: () => number;
  /** Sweep and refresh failures: one line a minute each, code and message only (src/log-limit.ts). */
  private readonly errors: RateLimitedLog;
  private unlisten: (() => Promise<void>) | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Re-reads run one at a time (the tracker's local-change marks rely on it). */
  private chain: Promise<void> = Promise.resolve();
  private readonly pendingReload = new Set<number>();
  private reloadScheduled = false;
  private sweeping: Promise<SessionChange[]> | undefined;
  private stopped = false;

  constructor(private readonly options: SessionsOptions) {
    this.clock = options.clock ?? Date.now;
    this.errors = new RateLimitedLog(options.log);
    this.tracker = new SessionTracker({ staleFactor: options.staleFactor, clock: this.clock });
    this.writer = new AccountingWriter({
      database: options.database,
      log: options.log,
      // PGlite runs one statement at a time anyway; PostgreSQL overlaps a commit with the next batch.
      maxInFlight: options.database.kind === 'postgres' ? 2 : 1,
      ...options.writer,
      announceAs: this.instanceId,
      hooks: { afterCommit: (changes) => this.tracker.apply(changes) },
    });
  }

  async start(): Promise<void> {
    this.unlisten = await this.options.database.listen(SESSIONS_CHANNEL, (payload) => {
      const parsed = parseAnnouncement(payload);
      if (!parsed) return void this.resync();
      if (parsed.instanceId === this.instanceId) return;
      for (const id of parsed.subscriberIds) this.pendingReload.add(id);
      this.scheduleReload();
    });
    await this.resync();
    const resyncMs = this.options.resyncIntervalMs ?? 30_000;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => void this.resync(), resyncMs);
      this.resyncTimer.unref();
    }
    this.armSweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    await this.writer.stop();
    await this.sweeping?.catch(() => {});
    await this.unlisten?.().catch(() => {});
    await this.chain;
  }

  /** Record one accounting packet; true once committed. */
  record(record: AccountingRecord): Promise<boolean> {
    return this.writer.submit(record);
  }

  /** The Access-Request hook: open, not stale sessions of a subscriber (synchronous: in-memory only). */
  readonly openSessions = (subscriberId: number): number => this.tracker.count(subscriberId);

  /** Close stale sessions now; returns what was closed (by this instance). */
  sweep(): Promise<SessionChange[]> {
    this.sweeping ??= (async () => {
      try {
        const closed = await sweepStaleSessions(this.options.database.db, {
          now: new Date(this.clock()),
          factor: this.options.staleFactor(),
          announceAs: this.instanceId,
        });
        this.tracker.apply(closed);
        if (closed.length > 0) this.options.log.info({ closed: closed.length }, 'stale sessions closed');
        return closed;
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /**
   * Re-read every open session into the tracker, a page at a time with a turn of the event loop between pages: at
   * 100,000 open sessions one read would hold every request up while its rows are turned into objects.
   */
  resync(): Promise<void> {
    return this.serial(async () => {
      const mark = this.tracker.mark();
      const seen = new Set<number>();
      for (let after = 0; ;) {
        const { rows, last } = await openSessionChangesPage(this.options.database.db, after, RESYNC_PAGE);
        const ids = [...new Set(rows.map((r) => r.subscriberId!))];
        for (const id of ids) seen.add(id);
        for (const id of this.tracker.replace(ids, rows, mark)) this.pendingReload.add(id);
        if (last === undefined) break;
        after = last;
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.tracker.forgetUnseen(seen, mark);
      if (this.pendingReload.size > 0) this.scheduleReload();
    });
  }

  private armSweep(): void {
    const seconds = this.options.sweepIntervalSeconds();
    if (this.stopped || seconds <= 0) return;
    this.sweepTimer = setTimeout(() => {
      this.sweep()
        .catch((err: unknown) => this.errors.error('stale-sweep', err, 'stale-session sweep failed'))
        .finally(() => this.armSweep());
    }, seconds * 1000);
    this.sweepTimer.unref();
  }

  private scheduleReload(): void {
    if (this.reloadScheduled || this.stopped) return;
    this.reloadScheduled = true;
    // Gather the notifications of a burst into one query.
    setTimeout(() => {
      this.reloadScheduled = false;
      const ids = [...this.pendingReload];
      this.pendingReload.clear();
      if (ids.length === 0) return;
      void this.serial(async () => {
        const mark = this.tracker.mark();
        const rows = await openSessionChanges(this.options.database.db, ids);
        const skipped = this.tracker.replace(ids, rows, mark);
        for (const id of skipped) this.pendingReload.add(id);
        if (skipped.length > 0) this.scheduleReload();
      });
    }, 20).unref();
  }

  private serial(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch((err: unknown) => {
      this.errors.error('tracker-refresh', err, 'session tracker refresh failed');
    });
    return this.chain;
  }
}
