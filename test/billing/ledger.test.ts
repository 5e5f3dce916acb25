/** Payments and voids as pure arithmetic on paid_until and the balance; money parsing; operator dates. */
import { describe, expect, it } from 'vitest';
import { addLocalMonths, parseOperatorTime } from '../../src/billing/calendar.js';
import { applyPayment, reversePayment, type Account, type Pricing } from '../../src/billing/ledger.js';
import { formatAmount, parseAmount } from '../../src/money.js';

const monthly = (timezone = 'UTC', over: Partial<Pricing> = {}): Pricing => ({
  price: 2500, cycle: { unit: 'month', count: 1 }, timezone, renewFrom: 'due_date', ...over,
});
const account = (paidUntil: string | null, balance = 0, cycleAnchorDay: number | null = null): Account => ({
  paidUntil: paidUntil === null ? null : new Date(paidUntil), balance, cycleAnchorDay,
});
const NOW = new Date('2025-01-31T09:30:00Z');

describe('applyPayment', () => {
  it('first payment: cycles start at local midnight of the payment day, anchored on that day', () => {
    const r = applyPayment(account(null), 2500, monthly(), NOW);
    expect(r).toEqual({ paidUntil: new Date('2025-02-28T00:00:00Z'), balance: 0, cycleAnchorDay: 31, cycles: 1 });
  });

  it('monthly cycles anchored on the 31st do not drift: Feb 29 (leap), Mar 31, Apr 30, May 31', () => {
    let a: Account = account('2024-01-31T00:00:00Z', 0, 31);
    const ends: string[] = [];
    for (let i = 0; i < 4; i++) {
      a = applyPayment(a, 2500, monthly(), NOW);
      ends.push(a.paidUntil!.toISOString().slice(0, 10));
    }
    expect(ends).toEqual(['2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31']);
  });

  it('the day of payment is the local day: 22:00 UTC on May 31 is June 1 in Nairobi', () => {
    const late = new Date('2025-05-31T22:00:00Z');
    expect(applyPayment(account(null), 2500, monthly('UTC'), late).paidUntil).toEqual(new Date('2025-06-30T00:00:00Z'));
    expect(applyPayment(account(null), 2500, monthly('Africa/Nairobi'), late).paidUntil).toEqual(new Date('2025-06-30T21:00:00Z')); // 2025-07-01 00:00 EAT
  });

  it('several cycles at once, the rest to the balance', () => {
    const r = applyPayment(account('2025-03-01T00:00:00Z', 0, 1), 8000, monthly(), NOW);
    expect(r).toEqual({ paidUntil: new Date('2025-06-01T00:00:00Z'), balance: 500, cycleAnchorDay: 1, cycles: 3 });
  });

  it('partial payments accumulate in the balance until they cover a cycle', () => {
    let a: Account = account('2025-03-01T00:00:00Z', 0, 1);
    a = applyPayment(a, 1000, monthly(), NOW);
    expect(a).toMatchObject({ paidUntil: new Date('2025-03-01T00:00:00Z'), balance: 1000, cycles: 0 });
    a = applyPayment(a, 1000, monthly(), NOW);
    expect(a).toMatchObject({ paidUntil: new Date('2025-03-01T00:00:00Z'), balance: 2000, cycles: 0 });
    a = applyPayment(a, 1000, monthly(), NOW);
    expect(a).toMatchObject({ paidUntil: new Date('2025-04-01T00:00:00Z'), balance: 500, cycles: 1 });
  });

  it('late payment: due_date keeps counting from paid_until, payment_date restarts on the day of payment', () => {
    const overdue = account('2025-01-10T00:00:00Z', 0, 10);
    expect(applyPayment(overdue, 2500, monthly(), NOW).paidUntil).toEqual(new Date('2025-02-10T00:00:00Z'));
    expect(applyPayment(overdue, 2500, monthly('UTC', { renewFrom: 'payment_date' }), NOW)).toMatchObject({
      paidUntil: new Date('2025-02-28T00:00:00Z'), cycleAnchorDay: 31,
    });
  });

  it('weekly and N-day cycles count local days (DST-proof)', () => {
    const weekly = monthly('Europe/Berlin', { cycle: { unit: 'day', count: 7 }, price: 700 });
    // 2025-03-28 00:00 CET → 2025-04-04 00:00 CEST: 167 hours
    const r = applyPayment(account('2025-03-27T23:00:00Z'), 700, weekly, NOW);
    expect(r.paidUntil).toEqual(new Date('2025-04-03T22:00:00Z'));
    const tenDays = monthly('UTC', { cycle: { unit: 'day', count: 10 }, price: 1000 });
    expect(applyPayment(account('2024-02-25T00:00:00Z'), 2000, tenDays, NOW).paidUntil).toEqual(new Date('2024-03-16T00:00:00Z'));
  });

  it('refuses non-integer and non-positive amounts', () => {
    expect(() => applyPayment(account(null), 0, monthly(), NOW)).toThrow(RangeError);
    expect(() => applyPayment(account(null), 12.5, monthly(), NOW)).toThrow(RangeError);
  });
});

describe('reversePayment (void)', () => {
  it('undoes a payment exactly', () => {
    const before = account('2025-03-01T00:00:00Z', 700, 1);
    const paid = applyPayment(before, 8000, monthly(), NOW);
    const back = reversePayment(paid, 8000, monthly());
    expect(back).toMatchObject({ paidUntil: before.paidUntil, balance: 700, cycles: 3 });
  });

  it('voiding an earlier partial payment takes back the cycle it helped pay for', () => {
    // 10.00 then 20.00: one cycle (25.00) and 5.00 balance. Without the 10.00 only 20.00 was paid: no cycle.
    let a: Account = account('2025-03-01T00:00:00Z', 0, 1);
    a = applyPayment(a, 1000, monthly(), NOW);
    a = applyPayment(a, 2000, monthly(), NOW);
    expect(a).toMatchObject({ paidUntil: new Date('2025-04-01T00:00:00Z'), balance: 500 });
    expect(reversePayment(a, 1000, monthly())).toMatchObject({ paidUntil: new Date('2025-03-01T00:00:00Z'), balance: 2000, cycles: 1 });
  });

  it('takes back from the balance alone when it can', () => {
    expect(reversePayment(account('2025-03-01T00:00:00Z', 1500, 1), 1000, monthly())).toMatchObject({
      paidUntil: new Date('2025-03-01T00:00:00Z'), balance: 500, cycles: 0,
    });
  });
});

describe('money', () => {
  it.each([
    ['25', 'USD', 2500],
    ['25.5', 'USD', 2550],
    ['25.50', 'USD', 2550],
    ['0.01', 'USD', 1],
    ['1500', 'JPY', 1500],
    ['1.234', 'KWD', 1234],
    ['19.99', 'EUR', 1999],
  ])('%s %s = %d minor units', (text, currency, minor) => {
    expect(parseAmount(text, currency)).toBe(minor);
    expect(parseAmount(formatAmount(minor, currency), currency)).toBe(minor);
  });

  it.each([
    ['25.555', 'USD', '"25.555" has more decimals than USD allows (2)'],
    ['1.5', 'JPY', '"1.5" has more decimals than JPY allows (0)'],
    ['-5', 'USD', '"-5" is not an amount (digits with an optional decimal point, e.g. 25.00)'],
    ['1e3', 'USD', '"1e3" is not an amount (digits with an optional decimal point, e.g. 25.00)'],
    ['1,000', 'USD', '"1,000" is not an amount (digits with an optional decimal point, e.g. 25.00)'],
  ])('%s %s is refused', (text, currency, error) => {
    expect(parseAmount(text, currency)).toEqual({ error });
  });

  it('formats with the currency digits', () => {
    expect(formatAmount(5, 'USD')).toBe('0.05');
    expect(formatAmount(123456, 'USD')).toBe('1234.56');
    expect(formatAmount(1500, 'JPY')).toBe('1500');
  });
});

describe('operator dates', () => {
  it('a date means through that local day; a local time and an ISO time are exact', () => {
    expect(parseOperatorTime('2024-02-29', 'Asia/Tokyo')).toEqual(new Date('2024-02-29T15:00:00Z'));
    expect(parseOperatorTime('2024-12-31', 'UTC')).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(parseOperatorTime('2025-03-30 02:30', 'Europe/Berlin')).toEqual(new Date('2025-03-30T01:30:00Z')); // in the DST gap: 03:30 CEST
    expect(parseOperatorTime('2025-10-26 02:30', 'Europe/Berlin')).toEqual(new Date('2025-10-26T00:30:00Z')); // twice: the first
    expect(parseOperatorTime('2025-01-01T10:00:00+03:00', 'UTC')).toEqual(new Date('2025-01-01T07:00:00Z'));
  });

  it.each(['2025-02-29', '2025-13-01', 'tomorrow', '2025-01-01 25:00'])('refuses %s', (text) => {
    expect(parseOperatorTime(text, 'UTC')).toHaveProperty('error');
  });

  it('month arithmetic clamps to the month length and can go back', () => {
    expect(addLocalMonths(new Date('2025-03-31T00:00:00Z'), -1, 'UTC', 31)).toEqual(new Date('2025-02-28T00:00:00Z'));
    expect(addLocalMonths(new Date('2024-11-30T00:00:00Z'), 3, 'UTC', 30)).toEqual(new Date('2025-02-28T00:00:00Z'));
  });
});
