/**
 * @module payments/callbacks
 * Every query on `payment_callbacks` (src/db/schema/payment-callbacks.ts): the log of verified gateway events and
 * the replay protection. The unique (workspace, provider, event id) decides which of two simultaneous deliveries is
 * stored: `recordCallback` inserts with ON CONFLICT and, when another delivery recorded (or ignored) the event
 * first, returns the row it stored, so both answer the same; a stored refusal is replaced by the newer outcome.
 * The retention prune (`prunePaymentCallbacks`) deletes callbacks received before server.yaml
 * `retention.payment_callbacks`.
 */
import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf, type Executor } from '../db/rows.js';
import { pruneInBatches, type PruneCounts, type PruneOptions } from '../db/retention.js';
import { paymentCallbacks, type PaymentCallbackRow } from '../db/schema/payment-callbacks.js';

export type NewPaymentCallback = Omit<typeof paymentCallbacks.$inferInsert, 'id' | 'receivedAt'>;

/** The stored callback of this event, if any. */
export async function findCallback(db: Executor, workspaceId: string, provider: string, eventId: string): Promise<PaymentCallbackRow | undefined> {
  const [row] = await db.select().from(paymentCallbacks)
    .where(and(eq(paymentCallbacks.workspaceId, workspaceId), eq(paymentCallbacks.provider, provider), eq(paymentCallbacks.eventId, eventId)))
    .limit(1);
  return row;
}

/**
 * Stores the callback unless the event is already stored; returns the stored row and whether it is this one
 * (`inserted`) or the one an earlier (or simultaneous) delivery wrote.
 */
export async function recordCallback(db: Executor, values: NewPaymentCallback): Promise<{ row: PaymentCallbackRow; inserted: boolean }> {
  // A stored refusal is replaced by the new outcome (its cause may be fixed); a recorded or ignored event stays.
  const { workspaceId: _w, provider: _p, eventId: _e, ...outcome } = values;
  // Twice at most: the retention prune may delete the conflicting (old) row between the insert and the read; the
  // second insert then stores this one.
  for (let attempt = 0; ; attempt++) {
    const [row] = await db.insert(paymentCallbacks).values(values)
      .onConflictDoUpdate({
        target: [paymentCallbacks.workspaceId, paymentCallbacks.provider, paymentCallbacks.eventId],
        set: { ...outcome, receivedAt: sql`now()` },
        setWhere: sql`${paymentCallbacks.outcome} not in ('recorded', 'ignored')`,
      })
      .returning();
    if (row) return { row, inserted: true };
    const existing = await findCallback(db, values.workspaceId, values.provider, values.eventId);
    if (existing) return { row: existing, inserted: false };
    if (attempt > 0) throw new Error('payment callback vanished after a conflicting insert, twice');
  }
}

export interface CallbackFilter {
  workspaceId?: string | undefined;
  provider?: string | undefined;
  outcome?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/** Callbacks, newest first (default: 50), with the total matching. */
export async function listCallbacks(db: Executor, f: CallbackFilter = {}): Promise<{ items: PaymentCallbackRow[]; total: number }> {
  const where: SQL[] = [];
  if (f.workspaceId !== undefined) where.push(eq(paymentCallbacks.workspaceId, f.workspaceId));
  if (f.provider !== undefined) where.push(eq(paymentCallbacks.provider, f.provider));
  if (f.outcome !== undefined) where.push(eq(paymentCallbacks.outcome, f.outcome as PaymentCallbackRow['outcome']));
  const condition = where.length > 0 ? and(...where) : undefined;
  const items = await db.select().from(paymentCallbacks).where(condition)
    .orderBy(desc(paymentCallbacks.receivedAt), desc(paymentCallbacks.id)).limit(f.limit ?? 50).offset(f.offset ?? 0);
  const [total] = await db.select({ n: count() }).from(paymentCallbacks).where(condition);
  return { items, total: Number(total!.n) };
}

// ---- retention --------------------------------------------------------------------------------------------

/**
 * Retention (src/db/retention.ts): deletes callbacks received before `cutoff`, whatever their outcome, walking the
 * `payment_callbacks_received` index. This gives up the stored answer for a pruned event, not the replay
 * protection: a recorded payment keeps its reference `<provider>:<event id>` (payments are never pruned) and
 * `BillingAccounts.pay` is idempotent by reference, so a very late replay of a pruned event is stored again and
 * answered with the existing payment; it cannot pay twice.
 */
export async function prunePaymentCallbacks(db: Db, cutoff: Date, options: PruneOptions = {}): Promise<PruneCounts> {
  const old = sql`c.received_at < ${cutoff.toISOString()}::timestamptz`;
  if (options.dryRun) {
    const [row] = rowsOf<{ count: number }>(await db.execute(sql`select count(*)::int as count from payment_callbacks c where ${old}`));
    return { payment_callbacks: Number(row?.count ?? 0) };
  }
  return pruneInBatches(options, 'payment_callbacks', async (limit) => {
    const [row] = rowsOf<{ count: number }>(await db.execute(sql`
      with doomed as (select c.id from payment_callbacks c where ${old} order by c.received_at limit ${limit} for update of c skip locked),
      gone as (delete from payment_callbacks c using doomed d where c.id = d.id returning 1)
      select count(*)::int as count from gone`));
    return { payment_callbacks: Number(row?.count ?? 0) };
  });
}
