/**
 * Database schema (drizzle). `migrations/` is generated from this file by `npm run db:generate`.
 *
 * One owner per table: every query on a table lives in the module that owns it, and other parts ask that module.
 * - `subscribers`: src/subscribers/table.ts
 * - `sessions`: src/sessions/store.ts
 * - `payments`, `subscriber_events`: src/billing/accounts.ts
 * - `enforcement_jobs`, `enforcement_attempts`: src/enforce/jobs.ts (new jobs: src/db/outbox.ts, in the writer's
 *   transaction)
 * - `notifications`: src/notify/queue.ts (new rows: src/db/outbox.ts, in the transition's transaction)
 * - `payment_callbacks`: src/payments/callbacks.ts
 * - `router_migrations`: src/imports/router-migrations.ts
 * `updated_at` columns are set from the database's clock (`now()`).
 *
 * Change feed: every write to `subscribers` sets `updated_at` and notifies `radgate_subscribers` with the id, so
 * every radgate instance refreshes its in-memory view; a periodic poll on `updated_at` is the safety net. Deletion
 * is a soft delete (`deleted_at` set) so the change reaches every instance and the record stays for audit.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Subscriber status. The billing state machine adds `due_soon` and `grace`. */
export const SUBSCRIBER_STATUSES = ['active', 'due_soon', 'grace', 'expired', 'suspended', 'disabled'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/**
 * Where a subscriber's login is checked: `radius` (the router asks radgate) or `local` (the router's own
 * `/ppp secret` or `/ip hotspot user` on `local_nas`; radgate enforces billing by changing that entry over the API).
 */
export const SUBSCRIBER_AUTH_SOURCES = ['radius', 'local'] as const;
export type SubscriberAuthSource = (typeof SUBSCRIBER_AUTH_SOURCES)[number];

/** The router table a local subscriber lives in: `/ppp secret` or `/ip hotspot user`. */
export const LOCAL_SERVICES = ['ppp', 'hotspot'] as const;
export type LocalService = (typeof LOCAL_SERVICES)[number];

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
    // Billing (src/billing). paid_until null = not billed: the evaluator leaves the status alone.
    /** End of the paid service (exclusive), normally a local midnight in the workspace's time zone. */
    paidUntil: timestamp('paid_until', { withTimezone: true }),
    /** Credit toward the next cycle, minor units of the plan's currency (0 ≤ balance < price). */
    balance: bigint('balance', { mode: 'number' }).notNull().default(0),
    /** Day of the month monthly cycles end on (1-31, clamped to short months); set by the first payment. */
    cycleAnchorDay: integer('cycle_anchor_day'),
    /** Promise to pay: overdue service is kept (as `grace`) until this instant. */
    promiseUntil: timestamp('promise_until', { withTimezone: true }),
    /** Operator-set status that the evaluator keeps until `overrideUntil` (null = until cleared). */
    overrideStatus: text('override_status').$type<SubscriberStatus>(),
    overrideUntil: timestamp('override_until', { withTimezone: true }),
    overrideReason: text('override_reason'),
    /** When the current status took effect. */
    statusSince: timestamp('status_since', { withTimezone: true }),
    // Contact (reminder e-mail, outgoing webhooks). Optional; never logged.
    contactName: text('contact_name'),
    email: text('email'),
    phone: text('phone'),
    /** The subscriber asked for no reminders: notifications to him are skipped (and recorded as skipped). */
    notifyOptOut: boolean('notify_opt_out').notNull().default(false),
    // Router-local subscribers (docs/mixed-fleet.md); all null for `radius`.
    auth: text('auth').$type<SubscriberAuthSource>().notNull().default('radius'),
    /** nas.yaml name of the router holding the local entry; set exactly when `auth` is `local`. */
    localNas: text('local_nas'),
    /** The entry's name on the router when it differs from `username`; null = `username`. */
    localName: text('local_name'),
    /** `ppp` (`/ppp secret`) or `hotspot` (`/ip hotspot user`); set exactly when `auth` is `local`. */
    localService: text('local_service').$type<LocalService>(),
  },
  (t) => [
    index('subscribers_paid_until').on(t.paidUntil),
    uniqueIndex('subscribers_workspace_username').on(t.workspaceId, t.username).where(sql`${t.deletedAt} is null`),
    uniqueIndex('subscribers_workspace_account').on(t.workspaceId, t.accountNumber).where(sql`${t.deletedAt} is null`),
    index('subscribers_updated_at').on(t.updatedAt),
    index('subscribers_local_nas').on(t.localNas).where(sql`${t.auth} = 'local'`),
    // One live subscriber per router entry: two would make enforcement switch the same entry back and forth.
    uniqueIndex('subscribers_local_entry')
      .on(t.localNas, t.localService, sql`coalesce(${t.localName}, ${t.username})`)
      .where(sql`${t.auth} = 'local' and ${t.deletedAt} is null`),
  ],
);

export type SubscriberRow = typeof subscribers.$inferSelect;
export type NewSubscriberRow = typeof subscribers.$inferInsert;

/**
 * The enforcement outbox (src/db/outbox.ts): one row per change that live sessions must feel (a billing
 * transition, a plan change, an operator action). Written in the same transaction as the change, so nothing is
 * lost; claimed by workers with FOR UPDATE SKIP LOCKED and a lease (`claimedUntil`) so several radgate instances
 * never act on one job twice, and a crashed worker's job is picked up again when its lease runs out.
 */
export const ENFORCEMENT_JOB_STATES = ['pending', 'running', 'done', 'failed'] as const;
export type EnforcementJobState = (typeof ENFORCEMENT_JOB_STATES)[number];

export const enforcementJobs = pgTable(
  'enforcement_jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subscriberId: bigint('subscriber_id', { mode: 'number' }).notNull(),
    workspaceId: text('workspace_id').notNull(),
    /** What changed: `status` (billing/operator transition), `plan`, `manual` (radgate enforce USER). */
    kind: text('kind').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    reason: text('reason'),
    state: text('state').$type<EnforcementJobState>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    claimedBy: text('claimed_by'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    outcome: text('outcome'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('enforcement_jobs_due').on(t.state, t.nextAttemptAt),
    index('enforcement_jobs_subscriber').on(t.subscriberId, t.createdAt),
    // The claim's per-subscriber checks (src/enforce/jobs.ts) probe only unfinished jobs: a small index that keeps a
    // mass expiry's claims fast whatever the planner's statistics say.
    index('enforcement_jobs_unfinished').on(t.subscriberId, t.id).where(sql`${t.state} in ('pending', 'running')`),
    // Retention (pruneFinishedJobs in src/enforce/jobs.ts) takes the oldest finished jobs first.
    index('enforcement_jobs_finished').on(t.finishedAt).where(sql`${t.state} in ('done', 'failed')`),
  ],
);

export type EnforcementJobRow = typeof enforcementJobs.$inferSelect;

// Accounting sessions (src/sessions).
export * from './schema/sessions.js';

// Payments and the subscriber event log (src/billing).
export * from './schema/billing.js';

// The enforcement audit trail (src/enforce).
export * from './schema/enforcement.js';

// Subscriber notifications (reminder e-mail, outgoing webhooks) and the payment callback log.
export * from './schema/notifications.js';
export * from './schema/payment-callbacks.js';

// Moving router-local subscribers to RADIUS one at a time (src/imports).
export * from './schema/router-migrations.js';
