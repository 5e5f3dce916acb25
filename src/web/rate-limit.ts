/**
 * A per-key fixed-window counter (key = client address): `limit` hits per `windowMs`. Memory is bounded: at most
 * `maxKeys` windows are kept, the oldest dropped first (a dropped key merely starts a fresh window).
 */
export interface RateLimiterOptions {
  /** Hits allowed per window; 0 = unlimited. */
  limit: number;
  /** Window length, ms. Default 60 000. */
  windowMs?: number;
  /** Default 100 000. */
  maxKeys?: number;
  now?: () => number;
}

export type RateVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; hits: number }>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 0) throw new TypeError('limit must be a whole number ≥ 0');
    this.limit = options.limit;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  take(key: string): RateVerdict {
    if (this.limit === 0) return { ok: true };
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= this.windowMs) {
      this.windows.delete(key); // re-insert: Map order is then oldest window first
      window = { start: now, hits: 0 };
      this.windows.set(key, window);
      while (this.windows.size > this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    }
    window.hits++;
    if (window.hits <= this.limit) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000)) };
  }
}
