/**
 * The billing state machine as a pure function, with an injected clock: every threshold checked one second before,
 * at, and one second after, across month ends, leap days, DST changes and time zones. Expected instants are written
 * out by hand (UTC), not computed with the code under test.
 */
import { describe, expect, it } from 'vitest';
import { parseOperatorTime } from '../../src/billing/calendar.js';
import { computeState, stateAt, type BillingRules, type BillingSubject } from '../../src/billing/state.js';
import type { SubscriberStatus } from '../../src/db/schema.js';

const rules = (timezone: string, over: Partial<BillingRules> = {}): BillingRules => ({
  reminderDays: 3, graceDays: 2, suspendAfterDays: 30, renewFrom: 'due_date', timezone, ...over,
});

const subject = (paidUntil: string | null, over: Partial<BillingSubject> = {}): BillingSubject => ({
  status: 'active',
  paidUntil: paidUntil === null ? null : new Date(paidUntil),
  promiseUntil: null,
  overrideStatus: null,
  overrideUntil: null,
  overrideReason: null,
  ...over,
});

const SECOND = 1000;
const shift = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms);

interface Boundary {
  name: string;
  timezone: string;
  /** paid_until as a UTC instant (a local midnight in `timezone`). */
  paidUntil: string;
  over?: Partial<BillingRules>;
  /** [threshold instant (UTC), status just before it, status from it on]. */
  thresholds: Array<[string, SubscriberStatus, SubscriberStatus]>;
}

const BOUNDARIES: Boundary[] = [
  {
    name: 'UTC, paid until the 1st of a 28-day February (30 days later is March 3)',
    timezone: 'UTC',
    paidUntil: '2025-02-01T00:00:00Z',
    thresholds: [
      ['2025-01-29T00:00:00Z', 'active', 'due_soon'],
      ['2025-02-01T00:00:00Z', 'due_soon', 'grace'],
      ['2025-02-03T00:00:00Z', 'grace', 'expired'],
      ['2025-03-03T00:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'Asia/Tokyo, leap year: 3 days before March 1 is February 27 (Feb 29 exists)',
    timezone: 'Asia/Tokyo',
    paidUntil: '2024-02-29T15:00:00Z', // 2024-03-01 00:00 JST
    thresholds: [
      ['2024-02-26T15:00:00Z', 'active', 'due_soon'], // 2024-02-27 00:00 JST
      ['2024-02-29T15:00:00Z', 'due_soon', 'grace'],
      ['2024-03-02T15:00:00Z', 'grace', 'expired'], // 2024-03-03 00:00 JST
      ['2024-03-30T15:00:00Z', 'expired', 'suspended'], // 2024-03-31 00:00 JST
    ],
  },
  {
    name: 'Asia/Tokyo, common year: 3 days before March 1 is February 26',
    timezone: 'Asia/Tokyo',
    paidUntil: '2023-02-28T15:00:00Z', // 2023-03-01 00:00 JST
    thresholds: [
      ['2023-02-25T15:00:00Z', 'active', 'due_soon'], // 2023-02-26 00:00 JST
      ['2023-02-28T15:00:00Z', 'due_soon', 'grace'],
      ['2023-03-02T15:00:00Z', 'grace', 'expired'],
      ['2023-03-30T15:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'UTC, paid until the leap day itself',
    timezone: 'UTC',
    paidUntil: '2024-02-29T00:00:00Z',
    thresholds: [
      ['2024-02-26T00:00:00Z', 'active', 'due_soon'],
      ['2024-02-29T00:00:00Z', 'due_soon', 'grace'],
      ['2024-03-02T00:00:00Z', 'grace', 'expired'],
      ['2024-03-30T00:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'America/New_York across spring-forward: the 3 reminder days last 71 hours',
    timezone: 'America/New_York',
    paidUntil: '2025-03-10T04:00:00Z', // 2025-03-10 00:00 EDT
    thresholds: [
      ['2025-03-07T05:00:00Z', 'active', 'due_soon'], // 2025-03-07 00:00 EST
      ['2025-03-10T04:00:00Z', 'due_soon', 'grace'],
      ['2025-03-12T04:00:00Z', 'grace', 'expired'],
      ['2025-04-09T04:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'Europe/Berlin across fall-back: the grace days last 49 hours',
    timezone: 'Europe/Berlin',
    paidUntil: '2025-10-24T22:00:00Z', // 2025-10-25 00:00 CEST
    thresholds: [
      ['2025-10-21T22:00:00Z', 'active', 'due_soon'],
      ['2025-10-24T22:00:00Z', 'due_soon', 'grace'],
      ['2025-10-26T23:00:00Z', 'grace', 'expired'], // 2025-10-27 00:00 CET
      ['2025-11-23T23:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'Pacific/Auckland across the year end',
    timezone: 'Pacific/Auckland',
    paidUntil: '2025-12-31T11:00:00Z', // 2026-01-01 00:00 NZDT
    thresholds: [
      ['2025-12-28T11:00:00Z', 'active', 'due_soon'],
      ['2025-12-31T11:00:00Z', 'due_soon', 'grace'],
      ['2026-01-02T11:00:00Z', 'grace', 'expired'],
      ['2026-01-30T11:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'no reminder window, no grace: active → expired at paid_until',
    timezone: 'UTC',
    paidUntil: '2025-05-31T00:00:00Z',
    over: { reminderDays: 0, graceDays: 0, suspendAfterDays: 7 },
    thresholds: [
      ['2025-05-31T00:00:00Z', 'active', 'expired'],
      ['2025-06-07T00:00:00Z', 'expired', 'suspended'],
    ],
  },
  {
    name: 'suspend_after_days = grace_days: grace → suspended, no expired window',
    timezone: 'UTC',
    paidUntil: '2025-05-31T00:00:00Z',
    over: { reminderDays: 1, graceDays: 5, suspendAfterDays: 5 },
    thresholds: [
      ['2025-05-30T00:00:00Z', 'active', 'due_soon'],
      ['2025-05-31T00:00:00Z', 'due_soon', 'grace'],
      ['2025-06-05T00:00:00Z', 'grace', 'suspended'],
    ],
  },
];

describe('thresholds: one second before, at, one second after', () => {
  for (const b of BOUNDARIES) {
    describe(b.name, () => {
      const r = rules(b.timezone, b.over);
      const s = subject(b.paidUntil);
      it.each(b.thresholds)('at %s: %s → %s', (instant, before, after) => {
        expect(stateAt(s, r, shift(instant, -SECOND)).status).toBe(before);
        expect(stateAt(s, r, new Date(instant)).status).toBe(after);
        expect(stateAt(s, r, shift(instant, SECOND)).status).toBe(after);
      });
      it('announces each threshold as the next transition, at the exact instant', () => {
        for (const [instant, before, after] of b.thresholds) {
          const state = computeState(s, r, shift(instant, -SECOND));
          expect(state.status).toBe(before);
          expect(state.next).toMatchObject({ status: after, at: new Date(instant) });
        }
        const last = b.thresholds.at(-1)!;
        expect(computeState(s, r, new Date(last[0])).next).toBeNull();
      });
      it('records the threshold as the start of the state (catch-up uses it)', () => {
        for (const [instant, , after] of b.thresholds) {
          if (after === 'active') continue;
          expect(stateAt(s, r, shift(instant, 5 * SECOND)).since).toEqual(new Date(instant));
        }
      });
    });
  }
});

describe('the workspace time zone decides what a day is', () => {
  // "Paid through 2025-06-30" typed by an operator: the paid service ends at local midnight.
  const instant = new Date('2025-06-30T22:00:00Z'); // 2025-07-01 01:00 in Nairobi; still June 30 in UTC
  it.each([
    ['UTC', '2025-07-01T00:00:00.000Z', 'due_soon'],
    ['Africa/Nairobi', '2025-06-30T21:00:00.000Z', 'grace'],
    ['America/Los_Angeles', '2025-07-01T07:00:00.000Z', 'due_soon'],
  ] as const)('%s: paid through 2025-06-30 ends %s; at 22:00 UTC that day the status is %s', (timezone, end, status) => {
    const paidUntil = parseOperatorTime('2025-06-30', timezone);
    expect(paidUntil).toEqual(new Date(end));
    expect(stateAt(subject(end), rules(timezone), instant).status).toBe(status);
  });

  it('a 30-day suspension lands on local midnight whatever the UTC offset', () => {
    const r = rules('Pacific/Kiritimati'); // UTC+14
    const s = subject('2025-01-31T10:00:00Z'); // 2025-02-01 00:00 local
    expect(stateAt(s, r, new Date('2025-03-02T09:59:59Z')).status).toBe('expired');
    expect(stateAt(s, r, new Date('2025-03-02T10:00:00Z')).status).toBe('suspended'); // 2025-03-03 00:00 local
  });
});

describe('precedence: disabled, override, unbilled, promise', () => {
  const r = rules('UTC');
  const overdue = '2025-01-01T00:00:00Z';
  const now = new Date('2025-01-10T12:00:00Z'); // expired (grace ended Jan 3)

  it('disabled stays disabled whatever is paid, with no next transition', () => {
    const s = subject('2030-01-01T00:00:00Z', { status: 'disabled', statusReason: 'disabled: abuse' });
    expect(computeState(s, r, now)).toMatchObject({ status: 'disabled', reason: 'disabled: abuse', managed: false, next: null });
  });

  it('no paid_until: not billed, the status is left as it is', () => {
    for (const status of ['active', 'expired', 'suspended'] as const) {
      expect(computeState(subject(null, { status }), r, now)).toMatchObject({ status, managed: false, next: null });
    }
  });

  it('a promise lifts expired to grace until it runs out (exclusive), then expired again', () => {
    const s = subject(overdue, { status: 'expired', promiseUntil: new Date('2025-01-12T00:00:00Z') });
    const state = computeState(s, r, now);
    expect(state.status).toBe('grace');
    expect(state.reason).toMatch(/^promise to pay until 2025-01-12 00:00 UTC/);
    expect(state.next).toMatchObject({ status: 'expired', at: new Date('2025-01-12T00:00:00Z') });
    expect(stateAt(s, r, new Date('2025-01-11T23:59:59Z')).status).toBe('grace');
    expect(stateAt(s, r, new Date('2025-01-12T00:00:00Z')).status).toBe('expired');
  });

  it('a promise also lifts suspended, and does not touch a subscriber who is not overdue', () => {
    const s = subject(overdue, { promiseUntil: new Date('2025-03-01T00:00:00Z') });
    expect(stateAt(s, r, new Date('2025-02-15T00:00:00Z')).status).toBe('grace'); // would be suspended
    expect(stateAt(subject('2025-06-01T00:00:00Z', { promiseUntil: new Date('2025-03-01T00:00:00Z') }), r, now).status).toBe('active');
  });

  it('an override wins until it ends, then the thresholds decide', () => {
    const s = subject(overdue, { overrideStatus: 'active', overrideUntil: new Date('2025-01-15T00:00:00Z'), overrideReason: 'goodwill' });
    const state = computeState(s, r, now);
    expect(state).toMatchObject({ status: 'active', reason: 'set by an operator until 2025-01-15 00:00 UTC: goodwill' });
    expect(state.next).toMatchObject({ status: 'expired', at: new Date('2025-01-15T00:00:00Z') });
    expect(stateAt(s, r, new Date('2025-01-15T00:00:00Z')).status).toBe('expired');
  });

  it('an override without end applies to an unbilled subscriber too', () => {
    const s = subject(null, { overrideStatus: 'suspended', overrideReason: 'abuse' });
    expect(computeState(s, r, now)).toMatchObject({ status: 'suspended', managed: true, next: null });
  });
});

describe('reasons name the dates in the workspace time zone', () => {
  it.each([
    ['2025-03-28T12:00:00Z', 'active', 'paid until 2025-04-01 00:00 Europe/Berlin'],
    ['2025-03-30T12:00:00Z', 'due_soon', 'payment due 2025-04-01 00:00 Europe/Berlin'],
    ['2025-04-01T12:00:00Z', 'grace', 'payment overdue since 2025-04-01 00:00 Europe/Berlin; grace until 2025-04-03 00:00 Europe/Berlin'],
    ['2025-04-05T12:00:00Z', 'expired', 'unpaid since 2025-04-01 00:00 Europe/Berlin; grace ended 2025-04-03 00:00 Europe/Berlin'],
    ['2025-06-01T12:00:00Z', 'suspended', 'unpaid since 2025-04-01 00:00 Europe/Berlin; suspended from 2025-05-01 00:00 Europe/Berlin'],
  ] as const)('at %s: %s', (now, status, reason) => {
    const s = subject('2025-03-31T22:00:00Z'); // 2025-04-01 00:00 CEST
    expect(stateAt(s, rules('Europe/Berlin'), new Date(now))).toMatchObject({ status, reason });
  });
});
