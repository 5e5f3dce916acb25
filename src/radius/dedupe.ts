/**
 * Duplicate detection (RFC 5080 §2.2.2). Key: source address, source port, Identifier. A retransmission (same key,
 * same Request Authenticator) of a request already answered gets the cached reply byte for byte; one still in
 * progress is dropped; the same key with a new authenticator is a new request. Entries live `windowMs`: each request
 * drops the expired ones, and so does `sweep`, which the server calls on a timer so that memory falls after a burst.
 */
import { timingSafeEqual } from 'node:crypto';

interface Entry {
  /** The Request Authenticator as a 16-character latin1 string: a tenth of a Buffer's footprint in the heap. */
  authenticator: string;
  /** undefined while the request is being processed. */
  reply: Buffer | undefined;
  expiresAt: number;
}

export type DedupeVerdict = { kind: 'new' } | { kind: 'in-progress' } | { kind: 'replay'; reply: Buffer };

// Shared verdicts: checked on every request, they need not be allocated each time.
const NEW: DedupeVerdict = Object.freeze({ kind: 'new' });
const IN_PROGRESS: DedupeVerdict = Object.freeze({ kind: 'in-progress' });

/** Where a stored authenticator is written back to bytes for the constant-time comparison. */
const stored = Buffer.alloc(16);

function sameAuthenticator(entry: Entry, authenticator: Buffer): boolean {
  if (authenticator.length !== 16) return false;
  stored.write(entry.authenticator, 0, 16, 'latin1');
  return timingSafeEqual(stored, authenticator);
}

export class DuplicateCache {
  // Map iteration order is insertion order, and every entry lives the same window: the oldest are always first.
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  static key(address: string, port: number, identifier: number): string {
    return `${address}|${port}|${identifier}`;
  }

  /** Look a request up; when it is new, remember it as in progress. */
  check(key: string, authenticator: Buffer): DedupeVerdict {
    const now = this.now();
    this.expire(now);
    const entry = this.entries.get(key);
    if (entry && sameAuthenticator(entry, authenticator)) {
      return entry.reply ? { kind: 'replay', reply: entry.reply } : IN_PROGRESS;
    }
    if (entry) this.entries.delete(key);
    this.entries.set(key, { authenticator: authenticator.toString('latin1'), reply: undefined, expiresAt: now + this.windowMs });
    return NEW;
  }

  /**
   * Record the reply sent for a request. Only the request that holds the entry: when a NAS has given up on a request
   * and reused its Identifier for a new one meanwhile, the old request's reply must not become the new one's.
   */
  complete(key: string, authenticator: Buffer, reply: Buffer): void {
    const entry = this.entries.get(key);
    if (entry && sameAuthenticator(entry, authenticator)) entry.reply = reply;
  }

  /**
   * Forget a request that got no reply (dropped), so a retransmission is processed afresh; again only the request
   * that holds the entry, so a newer request under the same key stays "in progress".
   */
  forget(key: string, authenticator: Buffer): void {
    const entry = this.entries.get(key);
    if (entry && sameAuthenticator(entry, authenticator)) this.entries.delete(key);
  }

  /** Drop every entry whose window has passed (the oldest first; stops at the first one still live). */
  sweep(): void {
    this.expire(this.now());
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
