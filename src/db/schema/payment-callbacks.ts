/**
 * Payment callbacks (src/payments): one row per gateway event whose signature verified, whatever became of it —
 * recorded as a payment, refused (unknown account, wrong currency…) or ignored (an event type radgate does not act
 * on). The unique (workspace, provider, event id) is the replay protection: a gateway that repeats an event gets the
 * stored answer again, and the payment is recorded once. Callbacks with a bad signature are not stored (counted and
 * logged, bounded).
 */
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const PAYMENT_CALLBACK_OUTCOMES = [
  'recorded', 'ignored', 'unknown_account', 'currency_mismatch', 'amount_invalid', 'rejected',
] as const;
export type PaymentCallbackOutcome = (typeof PAYMENT_CALLBACK_OUTCOMES)[number];

export const paymentCallbacks = pgTable(
  'payment_callbacks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    /** `generic`, `stripe`. */
    provider: text('provider').notNull(),
    eventId: text('event_id').notNull(),
    /** The gateway's event type (`payment.succeeded`, `checkout.session.completed`…). */
    eventType: text('event_type'),
    outcome: text('outcome').$type<PaymentCallbackOutcome>().notNull(),
    /** The HTTP answer given, replayed as is for a repeated event id. */
    httpStatus: integer('http_status').notNull(),
    response: jsonb('response').$type<Record<string, unknown>>().notNull(),
    /** The account as the gateway sent it (bounded, control characters escaped). */
    account: text('account'),
    subscriberId: bigint('subscriber_id', { mode: 'number' }),
    paymentId: bigint('payment_id', { mode: 'number' }),
    amount: bigint('amount', { mode: 'number' }),
    currency: text('currency'),
    detail: text('detail'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payment_callbacks_event').on(t.workspaceId, t.provider, t.eventId),
    index('payment_callbacks_received').on(t.receivedAt),
  ],
);

export type PaymentCallbackRow = typeof paymentCallbacks.$inferSelect;
