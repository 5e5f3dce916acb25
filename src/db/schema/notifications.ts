/**
 * The notification outbox (src/notify): one row per message owed to one subscriber on one channel (`email`,
 * `webhook`) for one billing event. Written in the transaction of the transition that causes it, so nothing is lost
 * and nothing is sent for a change that rolled back; `dedupeKey` (event and channel) makes it at most one row per
 * event and channel. Claimed like enforcement jobs (FOR UPDATE SKIP LOCKED with a lease), so several instances send
 * each message once; retried with back-off; quiet hours move `nextAttemptAt`.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const NOTIFICATION_CHANNELS = ['email', 'webhook'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
/** What the message is about: the status the subscriber entered (`restored` = back to full service). */
export const NOTIFICATION_KINDS = ['due_soon', 'grace', 'expired', 'suspended', 'restored'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
/** `skipped`: nothing to send (opted out, no address, channel no longer configured), recorded with the reason. */
export const NOTIFICATION_STATES = ['pending', 'running', 'sent', 'failed', 'skipped'] as const;
export type NotificationState = (typeof NOTIFICATION_STATES)[number];

export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    subscriberId: bigint('subscriber_id', { mode: 'number' }).notNull(),
    channel: text('channel').$type<NotificationChannel>().notNull(),
    kind: text('kind').$type<NotificationKind>().notNull(),
    /** subscriber_events.id of the transition that caused it. */
    eventId: bigint('event_id', { mode: 'number' }),
    dedupeKey: text('dedupe_key').notNull(),
    state: text('state').$type<NotificationState>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    claimedBy: text('claimed_by'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** Last failure or skip reason: code and message, never the recipient or the message body. */
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('notifications_dedupe').on(t.dedupeKey),
    index('notifications_due').on(t.state, t.nextAttemptAt),
    index('notifications_subscriber').on(t.subscriberId, t.id),
    index('notifications_finished').on(t.finishedAt).where(sql`${t.state} in ('sent', 'failed', 'skipped')`),
  ],
);

export type NotificationRow = typeof notifications.$inferSelect;
