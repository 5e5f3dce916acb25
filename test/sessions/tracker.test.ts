/** The in-memory simultaneous-use tracker, its and the CLI's human-readable units. */
import { describe, expect, it } from 'vitest';
import { humanDuration, humanOctets } from '../../src/cli/session-commands.js';
import { classSubscriberId, classText, octetTotal } from '../../src/handlers/accounting-request.js';
import { parseAnnouncement } from '../../src/sessions/live-sessions.js';
import type { SessionChange } from '../../src/sessions/store.js';
import { SessionTracker } from '../../src/sessions/tracker.js';

const change = (id: number, subscriberId: number | null, open: boolean, lastSeenMs = 0, interimInterval = 300): SessionChange => ({
  id,
  subscriberId,
  open,
  lastSeenMs,
  interimInterval,
});

describe('SessionTracker', () => {
  it('counts open sessions that are not stale (factor × the session’s interim interval)', () => {
    let now = 0;
    const tracker = new SessionTracker({ staleFactor: () => 3, clock: () => now });
    tracker.apply([change(1, 7, true, 0, 300), change(2, 7, true, 0, 60), change(3, null, true)]);
    expect(tracker.count(7)).toBe(2);
    now = 179_999;
    expect(tracker.count(7)).toBe(2);
    now = 180_000; // 3 × 60 s: session 2 is stale
    expect(tracker.count(7)).toBe(1);
    now = 900_000;
    expect(tracker.count(7)).toBe(0);
    tracker.apply([change(1, 7, true, 900_000, 300)]); // an Interim
    expect(tracker.count(7)).toBe(1);
    tracker.apply([change(1, 7, false, 900_000)]);
    expect(tracker.count(7)).toBe(0);
    expect(tracker.size).toBe(1); // the stale one stays until the sweep closes it
  });

  it('replace and forgetUnseen: a paged re-read does not undo a local change made after it began', () => {
    const tracker = new SessionTracker({ staleFactor: () => 3, clock: () => 0 });
    tracker.apply([change(1, 7, true), change(2, 8, true)]);
    const mark = tracker.mark();
    tracker.apply([change(3, 7, true)]); // committed locally while the database was being read
    // A full re-read in two pages (subscribers 7, then 9), then whoever it did not see is forgotten.
    const skipped = [...tracker.replace([7], [change(1, 7, true)], mark), ...tracker.replace([9], [change(4, 9, true)], mark)];
    tracker.forgetUnseen(new Set([7, 9]), mark);
    expect(skipped).toEqual([7]);
    expect(tracker.count(7)).toBe(2); // kept: 1 and 3
    expect(tracker.count(8)).toBe(0); // gone from the database
    expect(tracker.count(9)).toBe(1); // another instance's
    // Read again for the skipped one: now it is replaced.
    expect(tracker.replace([7], [change(1, 7, true), change(3, 7, true), change(5, 7, true)], tracker.mark())).toEqual([]);
    expect(tracker.count(7)).toBe(3);
  });
});

describe('announcements (NOTIFY payloads)', () => {
  it('parse; malformed ones are refused', () => {
    expect(parseAnnouncement('abc|1,22,333')).toEqual({ instanceId: 'abc', subscriberIds: [1, 22, 333] });
    expect(parseAnnouncement('garbage')).toBeUndefined();
    expect(parseAnnouncement('|1')).toBeUndefined();
    expect(parseAnnouncement('x|1,two')).toBeUndefined();
  });
});

describe('accounting attribute helpers', () => {
  it('octet totals include gigawords (RFC 2869 §5.1)', () => {
    expect(octetTotal(undefined, undefined)).toBe(0n);
    expect(octetTotal(4294967295, 0)).toBe(4294967295n);
    expect(octetTotal(0, 1)).toBe(4294967296n);
    expect(octetTotal(4294967295, 4294967295)).toBe(2n ** 64n - 1n);
  });

  it('Class: radgate’s tag names the subscriber; other values are kept verbatim', () => {
    expect(classText(Buffer.from('rg1:42:00ff00ff00ff00ff'))).toBe('rg1:42:00ff00ff00ff00ff');
    expect(classSubscriberId('rg1:42:00ff00ff00ff00ff')).toBe(42);
    expect(classText(Buffer.from([0, 1, 255]))).toBe('0x0001ff');
    expect(classText(undefined)).toBe('');
    expect(classSubscriberId('rg2:42:00')).toBeUndefined();
    expect(classSubscriberId('rg1:x:00')).toBeUndefined();
  });
});

describe('CLI units', () => {
  it('octets in binary units', () => {
    expect(humanOctets(0n)).toBe('0 B');
    expect(humanOctets(1023n)).toBe('1023 B');
    expect(humanOctets(1024n)).toBe('1.0 KiB');
    expect(humanOctets(1288490188n)).toBe('1.2 GiB');
    expect(humanOctets(5n * 2n ** 40n)).toBe('5.0 TiB');
    expect(humanOctets(2n ** 64n - 1n)).toBe('16.0 EiB');
  });

  it('durations', () => {
    expect(humanDuration(9)).toBe('9s');
    expect(humanDuration(63)).toBe('1m 03s');
    expect(humanDuration(3723)).toBe('1h 02m');
    expect(humanDuration(93784)).toBe('1d 02h');
  });
});
