/**
 * Billing (src/billing): payments and the subscriber event log. Money is integer minor units (cents) of the
 * payment's currency. The billing columns of `subscribers` (paid_until, balance, promise_until, override_*) live in
 * schema.ts with the rest of that table.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const PAYMENT_STATES = ['recorded', 'voided'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

/**
 * One row per payment received. `reference` (the payment gateway's or bank's id) makes recording idempotent: the same
 * reference twice in a workspace is one payment. A void keeps the row (state `voided`) for the audit trail.
 */
export const payments = pgTable(
  'payments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriberId: bigint('subscriber_id', { mode: 'number' }).notNull(),
    workspaceId: text('workspace_id').notNull(),
    /** Minor units of `currency`, > 0. */
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    /** Free text: cash, mpesa, bank, card… */
    method: text('method').notNull(),
    reference: text('reference'),
    note: text('note'),
    state: text('state').$type<PaymentState>().notNull().default('recorded'),
    /** Whole billing cycles this payment (with the balance before it) paid for. */
    cycles: integer('cycles').notNull(),
    paidUntilBefore: timestamp('paid_until_before', { withTimezone: true }),
    paidUntilAfter: timestamp('paid_until_after', { withTimezone: true }),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    /** Who recorded it: `cli:<user>`, `api:<token name>`. */
    actor: text('actor').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    voidedAt: timestamp('voided_at', { withTimezone: true }),
    voidedBy: text('voided_by'),
    voidReason: text('void_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payments_workspace_reference').on(t.workspaceId, t.reference).where(sql`${t.reference} is not null`),
    index('payments_subscriber').on(t.subscriberId, t.receivedAt),
    index('payments_received').on(t.receivedAt),
  ],
);

export type PaymentRow = typeof payments.$inferSelect;

/** What a subscriber event records. `transition` is a status change; the others are operator or payment actions. */
export const SUBSCRIBER_EVENT_KINDS = [
  'transition', 'payment', 'void', 'promise', 'override', 'paid_until', 'disable', 'enable', 'plan', 'delete',
] as const;
export type SubscriberEventKind = (typeof SUBSCRIBER_EVENT_KINDS)[number];

/** Events that move the account (money, paid service time): kept forever with the payments, never pruned. */
export const LEDGER_EVENT_KINDS = ['payment', 'void', 'paid_until'] as const satisfies readonly SubscriberEventKind[];

/** `kind not in ('payment', 'void', 'paid_until')`: the events retention may prune (index and query agree). */
export const PRUNABLE_EVENT = sql.raw(`kind not in (${LEDGER_EVENT_KINDS.map((k) => `'${k}'`).join(', ')})`);

/**
 * The subscriber's history, append-only. A transition row has from/to status; `effectiveAt` is when the rule says it
 * took effect (the threshold), `at` when radgate recorded it — they differ when radgate caught up after downtime.
 */
export const subscriberEvents = pgTable(
  'subscriber_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriberId: bigint('subscriber_id', { mode: 'number' }).notNull(),
    workspaceId: text('workspace_id').notNull(),
    kind: text('kind').$type<SubscriberEventKind>().notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    reason: text('reason'),
    /** `evaluator`, `cli:<user>`, `api:<token name>`. */
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    effectiveAt: timestamp('effective_at', { withTimezone: true }),
    paymentId: bigint('payment_id', { mode: 'number' }),
    /** Extra facts (paid_until before/after, amounts…), for people reading the history. */
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('subscriber_events_subscriber').on(t.subscriberId, t.id),
    // Retention (pruneSubscriberEvents in src/billing/accounts.ts): the oldest prunable events first; the ledger's
    // events are not in it, so the ones kept forever are never scanned again.
    index('subscriber_events_prunable').on(t.at).where(PRUNABLE_EVENT),
  ],
);

export type SubscriberEventRow = typeof subscriberEvents.$inferSelect;
