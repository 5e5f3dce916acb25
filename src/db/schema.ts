/**
 * Database schema (drizzle). `migrations/` is generated from this file by `npm run db:generate`.
 *
 * Change feed: every write to `subscribers` sets `updated_at` and notifies `radgate_subscribers` with the id, so
 * every radgate instance refreshes its in-memory view; a periodic poll on `updated_at` is the safety net. Deletion
 * is a soft delete (`deleted_at` set) so the change reaches every instance and the record stays for audit.
 */
import { sql } from 'drizzle-orm';
import { bigserial, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Subscriber status. The billing state machine adds `due_soon` and `grace`. */
export const SUBSCRIBER_STATUSES = ['active', 'due_soon', 'grace', 'expired', 'suspended', 'disabled'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export const subscribers = pgTable(
  'subscribers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    username: text('username').notNull(),
    accountNumber: text('account_number').notNull(),
    plan: text('plan').notNull(),
    /** AES-256-GCM ciphertext of the password (`v1:` + base64 of iv ‖ tag ‖ ciphertext); null when only the NT hash is known. */
    passwordEnc: text('password_enc'),
    /** MD4 of the UTF-16LE password, hex; lets PAP and MS-CHAP work without the password itself. */
    ntHash: text('nt_hash'),
    staticIp: text('static_ip'),
    status: text('status').$type<SubscriberStatus>().notNull().default('active'),
    statusReason: text('status_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('subscribers_workspace_username').on(t.workspaceId, t.username).where(sql`${t.deletedAt} is null`),
    uniqueIndex('subscribers_workspace_account').on(t.workspaceId, t.accountNumber).where(sql`${t.deletedAt} is null`),
    index('subscribers_updated_at').on(t.updatedAt),
  ],
);

export type SubscriberRow = typeof subscribers.$inferSelect;
export type NewSubscriberRow = typeof subscribers.$inferInsert;
