/**
 * What brings a subscriber back to good standing, the figure reminder pages and e-mails show: whole billing cycles
 * from paid_until until it lies in the future (or one cycle when late payments renew from the payment date), minus
 * the credit already held. Undefined when the plan has no price or the subscriber is not billed (no paid_until).
 */
import type { PlanConfig, WorkspaceConfig } from '../config/index.js';
import type { SubscriberRow } from '../db/schema.js';
import { addCycles } from './ledger.js';

export type AmountDueSubject = Pick<SubscriberRow, 'paidUntil' | 'balance'>;

/** Cycles counted at most (a hundred years of monthly cycles): a paid_until far in the past cannot loop for long. */
const MAX_CYCLES = 1200;

export function amountDue(
  subscriber: AmountDueSubject,
  plan: Pick<PlanConfig, 'price' | 'currency' | 'billingCycle'> | undefined,
  workspace: Pick<WorkspaceConfig, 'billing' | 'timezone'>,
  now: Date,
): { minor: number; currency: string } | undefined {
  if (plan?.price === undefined || plan.currency === undefined || subscriber.paidUntil === null) return undefined;
  let cycles = 1;
  if (workspace.billing.renewFrom === 'due_date') {
    while (cycles < MAX_CYCLES && addCycles(subscriber.paidUntil, cycles, plan.billingCycle, workspace.timezone, null) <= now) cycles++;
  }
  return { minor: Math.max(0, cycles * plan.price - subscriber.balance), currency: plan.currency };
}
