/**
 * @module billing/ledger
 * What a payment (or its void) does to paid_until and the balance, as pure functions. The value a subscriber has
 * paid is always `cycles × price + balance` with 0 ≤ balance < price: a payment adds its amount to the balance and
 * turns every whole price in it into one more billing cycle on paid_until; a void takes the amount back out,
 * taking back as many cycles as needed to keep the balance from going negative.
 */

import type { BillingCycle, BillingPolicy } from '../config/index.js';
import { addLocalDays, addLocalMonths, startOfLocalDay, toLocal } from './calendar.js';

export interface Account {
  readonly paidUntil: Date | null;
  /** Minor units. */
  readonly balance: number;
  /** Day of month monthly cycles end on; null until the first payment sets it. */
  readonly cycleAnchorDay: number | null;
}

export interface Pricing {
  /** Minor units per cycle, > 0. */
  readonly price: number;
  readonly cycle: BillingCycle;
  readonly timezone: string;
  readonly renewFrom: BillingPolicy['renewFrom'];
}

export interface LedgerResult extends Account {
  /** Cycles added (payment) or taken back (void, as a positive number). */
  readonly cycles: number;
}

/** `from` moved by `n` billing cycles (negative: back). Months keep the anchor day; days are local days. */
export function addCycles(from: Date, n: number, cycle: BillingCycle, timezone: string, anchorDay: number | null): Date {
  if (n === 0) return from;
  return cycle.unit === 'month'
    ? addLocalMonths(from, n * cycle.count, timezone, anchorDay ?? undefined)
    : addLocalDays(from, n * cycle.count, timezone);
}

/**
 * Applies a payment of `amount` minor units received at `now`. Cycles start at paid_until; when there is none yet,
 * or it is past and the policy is `payment_date`, they start at the local midnight of the day of payment (which
 * also becomes the anchor day of monthly cycles).
 */
export function applyPayment(account: Account, amount: number, pricing: Pricing, now: Date): LedgerResult {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('amount must be a positive integer of minor units');
  if (!Number.isSafeInteger(pricing.price) || pricing.price <= 0) throw new RangeError('price must be a positive integer');
  const total = account.balance + amount;
  const cycles = Math.floor(total / pricing.price);
  const balance = total - cycles * pricing.price;
  if (cycles === 0) return { ...account, balance, cycles };
  const restart = account.paidUntil === null || (pricing.renewFrom === 'payment_date' && account.paidUntil.getTime() < now.getTime());
  const start = restart ? startOfLocalDay(now, pricing.timezone) : account.paidUntil!;
  const cycleAnchorDay = restart || account.cycleAnchorDay === null ? toLocal(start, pricing.timezone).day : account.cycleAnchorDay;
  return {
    paidUntil: addCycles(start, cycles, pricing.cycle, pricing.timezone, cycleAnchorDay),
    balance,
    cycleAnchorDay,
    cycles,
  };
}

/** Takes a payment of `amount` back out: first from the balance, then whole cycles off paid_until. */
export function reversePayment(account: Account, amount: number, pricing: Pricing): LedgerResult {
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('amount must be a positive integer of minor units');
  const total = account.balance - amount;
  if (total >= 0) return { ...account, balance: total, cycles: 0 };
  const cycles = Math.ceil(-total / pricing.price);
  const balance = total + cycles * pricing.price;
  if (account.paidUntil === null) return { ...account, balance: 0, cycles: 0 };
  return {
    ...account,
    paidUntil: addCycles(account.paidUntil, -cycles, pricing.cycle, pricing.timezone, account.cycleAnchorDay),
    balance,
    cycles,
  };
}
