/** The per-address rate limiter: fixed windows per key, bounded memory. */
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/web/rate-limit.js';

describe('rate limiter', () => {
  it('allows `limit` hits per window per key, then says when to retry', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 2, windowMs: 60_000, now: () => now });
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: true });
    now = 15_000;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(limiter.take('b')).toEqual({ ok: true });
    now = 60_000;
    expect(limiter.take('a')).toEqual({ ok: true });
  });

  it('0 = unlimited; memory stays bounded', () => {
    expect(Array.from({ length: 1000 }, () => new RateLimiter({ limit: 0 }).take('x').ok).every(Boolean)).toBe(true);
    const limiter = new RateLimiter({ limit: 1, maxKeys: 10 });
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`);
    expect((limiter as unknown as { windows: Map<string, unknown> }).windows.size).toBe(10);
    expect(() => new RateLimiter({ limit: -1 })).toThrow(TypeError);
  });
});
