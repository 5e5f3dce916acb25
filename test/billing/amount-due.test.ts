/**
 * The amount due (src/billing/amount-due.ts) that reminder pages and e-mails show: whole cycles from paid_until to
 * now when late payments renew from the due date, one cycle when they renew from the payment date, less the credit.
 */
import { describe, expect, it } from 'vitest';
import { amountDue } from '../../src/billing/amount-due.js';

const plan = { price: 2500, currency: 'USD', billingCycle: { unit: 'month', count: 1 } } as const;
const utc = (renewFrom: 'due_date' | 'payment_date') => ({ timezone: 'UTC', billing: { renewFrom } }) as Parameters<typeof amountDue>[2];
const paidUntil = new Date('2025-03-01T00:00:00Z');

describe('amountDue', () => {
  it('due_date: every cycle from paid_until until it lies in the future, less the credit held', () => {
    expect(amountDue({ paidUntil, balance: 0 }, plan, utc('due_date'), new Date('2025-02-27T00:00:00Z'))).toEqual({ minor: 2500, currency: 'USD' });
    expect(amountDue({ paidUntil, balance: 0 }, plan, utc('due_date'), new Date('2025-03-10T00:00:00Z'))).toEqual({ minor: 2500, currency: 'USD' });
    // Two months late: paid_until + 1 month is past too, so two cycles are owed.
    expect(amountDue({ paidUntil, balance: 0 }, plan, utc('due_date'), new Date('2025-04-10T00:00:00Z'))).toEqual({ minor: 5000, currency: 'USD' });
    expect(amountDue({ paidUntil, balance: 700 }, plan, utc('due_date'), new Date('2025-04-10T00:00:00Z'))).toEqual({ minor: 4300, currency: 'USD' });
  });

  it('payment_date: one fresh cycle however late', () => {
    expect(amountDue({ paidUntil, balance: 0 }, plan, utc('payment_date'), new Date('2025-06-10T00:00:00Z'))).toEqual({ minor: 2500, currency: 'USD' });
  });

  it('nothing for a plan without price or a subscriber who is not billed', () => {
    expect(amountDue({ paidUntil, balance: 0 }, { ...plan, price: undefined }, utc('due_date'), new Date())).toBeUndefined();
    expect(amountDue({ paidUntil: null, balance: 0 }, plan, utc('due_date'), new Date())).toBeUndefined();
  });
});
