/**
 * @module notify/queue
 * The notification outbox in the database (`notifications`, new rows written by src/db/outbox.ts in the
 * transition's transaction): claiming with FOR UPDATE SKIP LOCKED and a lease, as src/enforce/jobs.ts does, so
 * several radgate instances send each message once; recording the outcome (sent, skipped, failed, or pending again
 * with a back-off or a quiet-hours deferral) only while the claim is still this instance's; release on shutdown;
 * the reads behind `radgate notifications` and `GET /api/v1/notifications`; the retention prune.
 */
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { notifications, type NotificationChannel, type NotificationKind, type NotificationRow, type NotificationState } from '../db/schema.js';
import { bigintArray, rowsOf } from '../db/rows.js';
import { pruneInBatches, type PruneCounts, type PruneOptions } from '../db/retention.js';
import { usernamesByIds } from '../subscribers/table.js';

/** A notification as a worker holds it. */
export interface ClaimedNotification {
  readonly id: number;
  readonly workspaceId: string;
  readonly subscriberId: number;
  readonly channel: NotificationChannel;
  readonly kind: NotificationKind;
  readonly eventId: number | null;
  readonly dedupeKey: string;
  /** Including this one. */
  readonly attempts: number;
  readonly createdAt: Date;
}

/** How an attempt ended. `defer`: not attempted (quiet hours), due again at `until`, the attempt not counted. */
export type NotificationFinish =
  | { state: 'sent' }
  | { state: 'skipped'; reason: string }
  | { state: 'failed'; reason: string }
  | { state: 'retry'; reason: string; retryInSeconds: number }
  | { state: 'defer'; until: Date };

interface RowSql {
  id: string | number;
  workspace_id: string;
  subscriber_id: string | number;
  channel: string;
  kind: string;
  event_id: string | number | null;
  dedupe_key: string;
  attempts: number;
  created_at: string | Date;
}

function toClaimed(row: RowSql): ClaimedNotification {
  return {
    id: Number(row.id),
    workspaceId: row.workspace_id,
    subscriberId: Number(row.subscriber_id),
    channel: row.channel as NotificationChannel,
    kind: row.kind as NotificationKind,
    eventId: row.event_id === null ? null : Number(row.event_id),
    dedupeKey: row.dedupe_key,
    attempts: Number(row.attempts),
    createdAt: new Date(row.created_at),
  };
}

const RETURNING = sql`n.id, n.workspace_id, n.subscriber_id, n.channel, n.kind, n.event_id, n.dedupe_key, n.attempts, n.created_at`;

/**
 * Claim up to `limit` due notifications for `instance`: first running ones whose lease ran out (their instance
 * died mid-send), then pending ones that are due, in `next_attempt_at` order from the (state, next_attempt_at) index.
 */
export async function claimNotifications(db: Db, instance: string, limit: number, leaseSeconds: number): Promise<ClaimedNotification[]> {
  const claim = async (due: SQL, order: SQL, max: number) => rowsOf<RowSql>(await db.execute(sql`
    with candidates as (
      select n.id from notifications n
      where ${due}
      order by ${order}
      limit ${max}
      for update of n skip locked
    )
    update notifications n
    set state = 'running', claimed_by = ${instance}, claimed_until = now() + make_interval(secs => ${leaseSeconds}::float8),
        attempts = n.attempts + 1
    from candidates c where n.id = c.id
    returning ${RETURNING}`)).map(toClaimed);
  const taken = limit > 0 ? await claim(sql`n.state = 'running' and n.claimed_until < now()`, sql`n.claimed_until`, limit) : [];
  if (taken.length < limit) {
    taken.push(...(await claim(sql`n.state = 'pending' and n.next_attempt_at <= now()`, sql`n.next_attempt_at`, limit - taken.length)));
  }
  return taken.sort((a, b) => a.id - b.id);
}

/** Extend the lease of the notifications `instance` is sending. */
export async function renewNotificationLeases(db: Db, instance: string, leaseSeconds: number, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db.execute(sql`
    update notifications set claimed_until = now() + make_interval(secs => ${leaseSeconds}::float8)
    where claimed_by = ${instance} and state = 'running' and id = any(${bigintArray(ids)}::bigint[])
    returning id`);
  return rowsOf(result).length;
}

/** Give notifications back (shutdown): due at once, the interrupted attempt not counted. */
export async function releaseNotifications(db: Db, instance: string, ids?: readonly number[]): Promise<number> {
  const only = ids === undefined ? sql`` : sql`and id = any(${bigintArray(ids)}::bigint[])`;
  const result = await db.execute(sql`
    update notifications
    set state = 'pending', claimed_by = null, claimed_until = null, next_attempt_at = now(), attempts = greatest(attempts - 1, 0)
    where claimed_by = ${instance} and state = 'running' ${only}
    returning id`);
  return rowsOf(result).length;
}

/**
 * Record how one attempt ended; written only while `instance` still holds the claim (false otherwise: the lease ran
 * out and another instance took the message over). `reason` is a code and message, never a recipient or body.
 */
export async function finishNotification(db: Db, instance: string, id: number, finish: NotificationFinish): Promise<boolean> {
  const held = sql`id = ${id} and claimed_by = ${instance} and state = 'running'`;
  let set: SQL;
  switch (finish.state) {
    case 'sent':
      set = sql`state = 'sent', last_error = null, finished_at = now()`;
      break;
    case 'skipped':
    case 'failed':
      set = sql`state = ${finish.state}, last_error = ${finish.reason}, finished_at = now()`;
      break;
    case 'retry':
      set = sql`state = 'pending', last_error = ${finish.reason},
                next_attempt_at = now() + make_interval(secs => ${finish.retryInSeconds}::float8)`;
      break;
    case 'defer':
      set = sql`state = 'pending', attempts = greatest(attempts - 1, 0), next_attempt_at = ${finish.until.toISOString()}::timestamptz`;
      break;
  }
  const result = await db.execute(sql`
    update notifications set ${set}, claimed_by = null, claimed_until = null
    where ${held}
    returning id`);
  return rowsOf(result).length > 0;
}

// ---- reads for the CLI, the API and metrics -------------------------------------------------------------------

export interface NotificationListing extends NotificationRow {
  username: string | null;
}

export interface NotificationFilter {
  state?: NotificationState;
  channel?: NotificationChannel;
  subscriberId?: number;
  workspaceId?: string;
  limit?: number;
}

export async function listNotifications(db: Db, filter: NotificationFilter = {}): Promise<NotificationListing[]> {
  const where: SQL[] = [];
  if (filter.state !== undefined) where.push(eq(notifications.state, filter.state));
  if (filter.channel !== undefined) where.push(eq(notifications.channel, filter.channel));
  if (filter.subscriberId !== undefined) where.push(eq(notifications.subscriberId, filter.subscriberId));
  if (filter.workspaceId !== undefined) where.push(eq(notifications.workspaceId, filter.workspaceId));
  const rows = await db
    .select()
    .from(notifications)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(notifications.id))
    .limit(filter.limit ?? 50);
  const usernames = await usernamesByIds(db, rows.map((r) => r.subscriberId));
  return rows.map((r) => ({ ...r, username: usernames.get(r.subscriberId) ?? null }));
}

/** Counts by channel and state (metrics: the states that do not pile up forever, or all). */
export async function notificationCounts(db: Db, states?: readonly NotificationState[]): Promise<Array<{ channel: NotificationChannel; state: NotificationState; count: number }>> {
  const rows = await db
    .select({ channel: notifications.channel, state: notifications.state, count: sql<number>`count(*)::int` })
    .from(notifications)
    .where(states === undefined ? undefined : inArray(notifications.state, [...states]))
    .groupBy(notifications.channel, notifications.state);
  return rows.map((r) => ({ channel: r.channel, state: r.state, count: Number(r.count) }));
}

// ---- retention --------------------------------------------------------------------------------------------

/**
 * Retention (src/db/retention.ts): deletes finished notifications (sent, failed, skipped) finished before `cutoff`,
 * served by the `notifications_finished` index. Pending and running ones are never deleted.
 */
export async function pruneNotifications(db: Db, cutoff: Date, options: PruneOptions = {}): Promise<PruneCounts> {
  const finished = sql`n.state in ('sent', 'failed', 'skipped') and n.finished_at < ${cutoff.toISOString()}::timestamptz`;
  if (options.dryRun) {
    const [row] = rowsOf<{ count: number }>(await db.execute(sql`select count(*)::int as count from notifications n where ${finished}`));
    return { notifications: Number(row?.count ?? 0) };
  }
  return pruneInBatches(options, 'notifications', async (limit) => {
    const [row] = rowsOf<{ count: number }>(await db.execute(sql`
      with doomed as (select n.id from notifications n where ${finished} order by n.finished_at limit ${limit} for update of n skip locked),
      gone as (delete from notifications n using doomed d where n.id = d.id returning 1)
      select count(*)::int as count from gone`));
    return { notifications: Number(row?.count ?? 0) };
  });
}
