/**
 * Open sessions per subscriber, in memory, for the simultaneous-use check: authentication never waits for the
 * database. Fed by this instance's accounting commits (`apply`) and by re-reads from the database (`replace`)
 * after another instance's NOTIFY or on a timer. A session not updated for `staleFactor × its interim interval`
 * does not count: a lost Stop must never lock a subscriber out.
 */
import type { SessionChange } from './store.js';

interface OpenEntry {
  lastSeenMs: number;
  interimInterval: number;
}

export interface TrackerOptions {
  staleFactor: () => number;
  clock?: () => number;
}

export class SessionTracker {
  private readonly bySubscriber = new Map<number, Map<number, OpenEntry>>();
  /** Subscriber → tick of its latest local change; a re-read that started earlier must not overwrite it. */
  private readonly touched = new Map<number, number>();
  private ticks = 0;
  private readonly clock: () => number;

  constructor(private readonly options: TrackerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Open sessions that are not stale. */
  count(subscriberId: number): number {
    const open = this.bySubscriber.get(subscriberId);
    if (!open) return 0;
    const now = this.clock();
    const factor = this.options.staleFactor();
    let n = 0;
    for (const entry of open.values()) if (now - entry.lastSeenMs < entry.interimInterval * factor * 1000) n++;
    return n;
  }

  /** Changes this instance committed. */
  apply(changes: readonly SessionChange[]): void {
    for (const c of changes) {
      if (c.subscriberId === null) continue;
      this.touched.set(c.subscriberId, ++this.ticks);
      this.set(c);
    }
  }

  /** Call before reading from the database; pass the result to `replace`. */
  mark(): number {
    return this.ticks;
  }

  /**
   * Replace what is known of `subscribers` with `rows`, their open sessions read from the database after `mark`.
   * Subscribers changed locally since then are left alone; their ids are returned so the caller can read them again.
   */
  replace(subscribers: readonly number[], rows: readonly SessionChange[], mark: number): number[] {
    const fresh = new Map<number, SessionChange[]>();
    for (const row of rows) {
      if (row.subscriberId === null || !row.open) continue;
      let list = fresh.get(row.subscriberId);
      if (!list) fresh.set(row.subscriberId, (list = []));
      list.push(row);
    }
    const targets = new Set(subscribers);
    const skipped: number[] = [];
    for (const id of targets) {
      if ((this.touched.get(id) ?? 0) > mark) {
        skipped.push(id);
        continue;
      }
      this.bySubscriber.delete(id);
      for (const row of fresh.get(id) ?? []) this.set(row);
    }
    return skipped;
  }

  /**
   * After a full re-read done in pages (each passed to `replace` with its subscribers): forget every subscriber the
   * database no longer has open sessions for — not in `seen` and not changed locally since `mark`.
   */
  forgetUnseen(seen: ReadonlySet<number>, mark: number): void {
    for (const id of this.bySubscriber.keys()) {
      if (!seen.has(id) && (this.touched.get(id) ?? 0) <= mark) this.bySubscriber.delete(id);
    }
    // Local-change marks older than every possible reader are no longer needed.
    for (const [id, tick] of this.touched) if (tick <= mark) this.touched.delete(id);
  }

  /** Open sessions held in memory (stale ones included). */
  get size(): number {
    let n = 0;
    for (const open of this.bySubscriber.values()) n += open.size;
    return n;
  }

  private set(c: SessionChange & { subscriberId: number | null }): void {
    if (c.subscriberId === null) return;
    let open = this.bySubscriber.get(c.subscriberId);
    if (c.open) {
      if (!open) this.bySubscriber.set(c.subscriberId, (open = new Map()));
      open.set(c.id, { lastSeenMs: c.lastSeenMs, interimInterval: c.interimInterval });
    } else if (open) {
      open.delete(c.id);
      if (open.size === 0) this.bySubscriber.delete(c.subscriberId);
    }
  }
}
