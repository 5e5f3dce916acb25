/**
 * The duplicate cache (RFC 5080 §2.2.2) on its own, with a hand-driven clock: new → in progress → answered, the
 * cached reply returned as the same bytes, a new Request Authenticator starting afresh, forgetting, expiry (on the
 * next request and by sweep), and a request that lost its entry to a newer one under its key.
 */
import { describe, expect, it } from 'vitest';
import { DuplicateCache } from '../../src/radius/dedupe.js';

const A1 = Buffer.alloc(16, 0xa1);
const A2 = Buffer.alloc(16, 0xa2);
const KEY = DuplicateCache.key('10.0.0.1', 40000, 7);

function cache(windowMs = 1000) {
  const clock = { now: 0 };
  return { clock, dedupe: new DuplicateCache(windowMs, () => clock.now) };
}

describe('DuplicateCache', () => {
  it('keys on source address, source port and Identifier', () => {
    expect(DuplicateCache.key('10.0.0.1', 40000, 7)).toBe('10.0.0.1|40000|7');
    expect(DuplicateCache.key('10.0.0.1', 40000, 8)).not.toBe(KEY);
    expect(DuplicateCache.key('10.0.0.1', 40001, 7)).not.toBe(KEY);
  });

  it('a new request, then the same one in progress, then answered from the cache byte for byte', () => {
    const { dedupe } = cache();
    expect(dedupe.check(KEY, A1)).toEqual({ kind: 'new' });
    expect(dedupe.check(KEY, Buffer.from(A1))).toEqual({ kind: 'in-progress' });
    const reply = Buffer.from('0207001400112233445566778899aabbccddeeff', 'hex');
    dedupe.complete(KEY, A1, reply);
    const verdict = dedupe.check(KEY, A1);
    expect(verdict.kind).toBe('replay');
    expect(verdict.kind === 'replay' && verdict.reply).toBe(reply);
    expect(dedupe.size).toBe(1);
  });

  it('the same key with another Request Authenticator is a new request and replaces the entry', () => {
    const { dedupe } = cache();
    dedupe.check(KEY, A1);
    dedupe.complete(KEY, A1, Buffer.from('reply-one'));
    expect(dedupe.check(KEY, A2)).toEqual({ kind: 'new' });
    expect(dedupe.check(KEY, A2)).toEqual({ kind: 'in-progress' });
    // The old authenticator is no longer remembered.
    expect(dedupe.check(KEY, A1)).toEqual({ kind: 'new' });
    expect(dedupe.size).toBe(1);
  });

  it('an authenticator of the wrong length never matches', () => {
    const { dedupe } = cache();
    dedupe.check(KEY, A1);
    expect(dedupe.check(KEY, A1.subarray(0, 15))).toEqual({ kind: 'new' });
  });

  it('forget: a dropped request leaves nothing behind, its retransmission is new', () => {
    const { dedupe } = cache();
    dedupe.check(KEY, A1);
    dedupe.forget(KEY, A1);
    expect(dedupe.size).toBe(0);
    expect(dedupe.check(KEY, A1)).toEqual({ kind: 'new' });
  });

  it('a request that lost its entry to a newer one under the same key neither answers nor forgets the newer one', () => {
    // The NAS gave up on A1 and reused the Identifier for A2 while A1 was still being processed.
    const { dedupe } = cache();
    dedupe.check(KEY, A1);
    expect(dedupe.check(KEY, A2)).toEqual({ kind: 'new' });
    dedupe.complete(KEY, A1, Buffer.from('reply to A1'));
    expect(dedupe.check(KEY, A2)).toEqual({ kind: 'in-progress' }); // not A1's reply replayed to A2
    dedupe.forget(KEY, A1);
    expect(dedupe.check(KEY, A2)).toEqual({ kind: 'in-progress' }); // A2 is not processed a second time
    dedupe.complete(KEY, A2, Buffer.from('reply to A2'));
    const verdict = dedupe.check(KEY, A2);
    expect(verdict.kind === 'replay' && verdict.reply.toString()).toBe('reply to A2');
  });

  it('complete for a key it does not hold changes nothing', () => {
    const { dedupe } = cache();
    dedupe.complete(KEY, A1, Buffer.from('x'));
    expect(dedupe.size).toBe(0);
    expect(dedupe.check(KEY, A1)).toEqual({ kind: 'new' });
  });

  it('entries live windowMs: a retransmission inside the window is replayed, after it is new', () => {
    const { clock, dedupe } = cache(1000);
    dedupe.check(KEY, A1);
    dedupe.complete(KEY, A1, Buffer.from('r'));
    clock.now = 999;
    expect(dedupe.check(KEY, A1).kind).toBe('replay');
    clock.now = 1000;
    expect(dedupe.check(KEY, A1)).toEqual({ kind: 'new' });
  });

  it('expiry removes the oldest entries first and keeps the younger ones', () => {
    const { clock, dedupe } = cache(1000);
    for (let id = 0; id < 5; id++) {
      clock.now = id * 100;
      dedupe.check(DuplicateCache.key('10.0.0.1', 1, id), A1);
    }
    expect(dedupe.size).toBe(5);
    clock.now = 1250; // entries 0, 100 and 200 have expired
    expect(dedupe.check(DuplicateCache.key('10.0.0.2', 1, 0), A1)).toEqual({ kind: 'new' });
    expect(dedupe.size).toBe(3);
    expect(dedupe.check(DuplicateCache.key('10.0.0.1', 1, 3), A1)).toEqual({ kind: 'in-progress' });
    expect(dedupe.check(DuplicateCache.key('10.0.0.1', 1, 0), A1)).toEqual({ kind: 'new' });
  });

  it('sweep expires entries without a request arriving (the server calls it on a timer)', () => {
    const { clock, dedupe } = cache(1000);
    for (let id = 0; id < 5; id++) {
      clock.now = id * 100;
      dedupe.check(DuplicateCache.key('10.0.0.1', 1, id), A1);
      dedupe.complete(DuplicateCache.key('10.0.0.1', 1, id), A1, Buffer.from('reply'));
    }
    clock.now = 1250;
    dedupe.sweep();
    expect(dedupe.size).toBe(2);
    clock.now = 1400;
    dedupe.sweep();
    expect(dedupe.size).toBe(0);
  });
});
