/**
 * @module subscribers/table
 * Every query on the `subscribers` table: other parts (billing, enforcement, the web app, the directory) ask these
 * functions and never name the table themselves. Each write sets `updated_at` from the database's clock (`now()`,
 * the transaction's start), so instances with drifting host clocks agree on what changed when; the directory's
 * poll compares against the same clock.
 *
 * Functions take an `Executor` (the database or a transaction) so that callers decide the transaction.
 */
import { and, asc, count, eq, gt, gte, ilike, inArray, isNotNull, isNull, or, sql, type SQL } from 'drizzle-orm';
import { databaseNow, rowsOf, type Executor, type Tx } from '../db/rows.js';
import { subscribers, type NewSubscriberRow, type SubscriberRow, type SubscriberStatus } from '../db/schema.js';

/** Columns a write may set; `id`, `created_at` and `updated_at` belong to the table. */
export type SubscriberValues = Partial<Omit<NewSubscriberRow, 'id' | 'createdAt' | 'updatedAt'>>;

const notDeleted = isNull(subscribers.deletedAt);
/** `inArray` takes at most this many ids per statement (bound parameters are limited to 65535). */
const CHUNK = 1000;

/** One subscriber by id. `includeDeleted` for audit and link checks; `forUpdate` locks the row (inside a tx). */
export async function subscriberById(
  executor: Executor,
  id: number,
  options: { includeDeleted?: boolean; forUpdate?: boolean } = {},
): Promise<SubscriberRow | undefined> {
  const where = options.includeDeleted ? eq(subscribers.id, id) : and(eq(subscribers.id, id), notDeleted);
  const query = executor.select().from(subscribers).where(where).limit(1);
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

/**
 * Subscribers of these ids in id order: live ones, or with `includeDeleted` the deleted ones too (enforcement must
 * end a deleted subscriber's sessions). `forUpdate` locks them in that order, so two lockers cannot deadlock.
 */
export async function subscribersByIds(
  executor: Executor,
  ids: readonly number[],
  options: { forUpdate?: boolean; includeDeleted?: boolean } = {},
): Promise<SubscriberRow[]> {
  const out: SubscriberRow[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const these = inArray(subscribers.id, ids.slice(i, i + CHUNK));
    const query = executor.select().from(subscribers)
      .where(options.includeDeleted ? these : and(these, notDeleted))
      .orderBy(asc(subscribers.id));
    out.push(...(options.forUpdate ? await query.for('update') : await query));
  }
  return out;
}

/** Usernames of these ids, deleted ones included (listings of jobs name whom they were for). */
export async function usernamesByIds(executor: Executor, ids: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await executor.select({ id: subscribers.id, username: subscribers.username }).from(subscribers)
      .where(inArray(subscribers.id, unique.slice(i, i + CHUNK)));
    for (const row of rows) out.set(row.id, row.username);
  }
  return out;
}

/** Where the router-local ones among these ids keep their entry (auth = 'local'; deleted ones included). */
export async function localEntriesByIds(executor: Executor, ids: readonly number[]): Promise<Array<Pick<SubscriberRow, 'id' | 'username' | 'localNas' | 'localName' | 'localService'>>> {
  const out: Array<Pick<SubscriberRow, 'id' | 'username' | 'localNas' | 'localName' | 'localService'>> = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    out.push(...await executor
      .select({ id: subscribers.id, username: subscribers.username, localNas: subscribers.localNas, localName: subscribers.localName, localService: subscribers.localService })
      .from(subscribers)
      .where(and(inArray(subscribers.id, ids.slice(i, i + CHUNK)), eq(subscribers.auth, 'local'))));
  }
  return out;
}

export async function subscriberByUsername(executor: Executor, workspaceId: string, username: string): Promise<SubscriberRow | undefined> {
  const [row] = await executor.select().from(subscribers)
    .where(and(eq(subscribers.workspaceId, workspaceId), eq(subscribers.username, username), notDeleted))
    .limit(1);
  return row;
}

/** The live subscriber with this account number in the workspace (unique among live ones): payment callbacks. */
export async function subscriberByAccount(executor: Executor, workspaceId: string, accountNumber: string): Promise<SubscriberRow | undefined> {
  const [row] = await executor.select().from(subscribers)
    .where(and(eq(subscribers.workspaceId, workspaceId), eq(subscribers.accountNumber, accountNumber), notDeleted))
    .limit(1);
  return row;
}

/** Status by username within a workspace, for the usernames that exist. */
export async function statusesByUsername(executor: Executor, workspaceId: string, usernames: readonly string[]): Promise<Map<string, SubscriberStatus>> {
  const out = new Map<string, SubscriberStatus>();
  for (let i = 0; i < usernames.length; i += CHUNK) {
    const rows = await executor.select({ username: subscribers.username, status: subscribers.status }).from(subscribers)
      .where(and(eq(subscribers.workspaceId, workspaceId), notDeleted, inArray(subscribers.username, usernames.slice(i, i + CHUNK))));
    for (const row of rows) out.set(row.username, row.status);
  }
  return out;
}

/** Live subscribers holding this static IP: at most `limit` (two mean the address is ambiguous). */
export async function subscribersWithStaticIp(executor: Executor, ip: string, limit = 2): Promise<Array<{ id: number; workspaceId: string }>> {
  return executor.select({ id: subscribers.id, workspaceId: subscribers.workspaceId }).from(subscribers)
    .where(and(eq(subscribers.staticIp, ip), notDeleted))
    .limit(limit);
}

export interface SubscriberFilter {
  workspaceId?: string | undefined;
  status?: SubscriberStatus | undefined;
  plan?: string | undefined;
  username?: string | undefined;
  /** Substring of the username or the account number, case-insensitive. */
  search?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

function filterConditions(f: SubscriberFilter): SQL | undefined {
  const where: SQL[] = [notDeleted];
  if (f.workspaceId !== undefined) where.push(eq(subscribers.workspaceId, f.workspaceId));
  if (f.status !== undefined) where.push(eq(subscribers.status, f.status));
  if (f.plan !== undefined) where.push(eq(subscribers.plan, f.plan));
  if (f.username !== undefined) where.push(eq(subscribers.username, f.username));
  if (f.search !== undefined) {
    const pattern = `%${f.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(or(ilike(subscribers.username, pattern), ilike(subscribers.accountNumber, pattern))!);
  }
  return and(...where);
}

/** A page of live subscribers ordered by workspace and username (default: the first 1000). */
export async function listSubscribers(executor: Executor, f: SubscriberFilter = {}): Promise<SubscriberRow[]> {
  return executor.select().from(subscribers).where(filterConditions(f))
    .orderBy(asc(subscribers.workspaceId), asc(subscribers.username), asc(subscribers.id))
    .limit(f.limit ?? 1000)
    .offset(f.offset ?? 0);
}

export async function countSubscribers(executor: Executor, f: SubscriberFilter = {}): Promise<number> {
  const [total] = await executor.select({ n: count() }).from(subscribers).where(filterConditions(f));
  return Number(total!.n);
}

/** Every row the billing thresholds can move: billed, or with an override or a promise that may run out. */
export async function billableSubscribers(executor: Executor): Promise<SubscriberRow[]> {
  return executor.select().from(subscribers).where(and(
    notDeleted,
    or(isNotNull(subscribers.paidUntil), isNotNull(subscribers.overrideStatus), isNotNull(subscribers.promiseUntil)),
  ));
}

/**
 * Live subscribers (the directory's load at start) in id order, `limit` at a time after `afterId` (keyset pages): the directory loads a million rows
 * without holding them all at once.
 */
export async function subscribersPage(executor: Executor, afterId: number, limit: number): Promise<SubscriberRow[]> {
  return executor.select().from(subscribers).where(and(notDeleted, gt(subscribers.id, afterId))).orderBy(asc(subscribers.id)).limit(limit);
}

/**
 * Router-local subscribers of one NAS (auth local, local_nas = nasName), live ones first, then by id; deleted ones
 * too (reconcile: a deleted subscriber's entry must stay disabled, and must not look like an unknown entry).
 */
export async function localSubscribersOfNas(executor: Executor, nasName: string): Promise<SubscriberRow[]> {
  return executor.select().from(subscribers)
    .where(and(eq(subscribers.auth, 'local'), eq(subscribers.localNas, nasName)))
    .orderBy(sql`${subscribers.deletedAt} is not null`, asc(subscribers.id));
}

/**
 * Rows written since `since` (deleted ones included, so the change reaches the reader), and the database's clock
 * at the read: the caller's next `since`, on the clock `updated_at` is written with.
 */
export async function subscribersUpdatedSince(executor: Executor, since: Date): Promise<{ rows: SubscriberRow[]; now: Date }> {
  const now = await databaseNow(executor);
  const rows = await executor.select().from(subscribers).where(gte(subscribers.updatedAt, since));
  return { rows, now };
}

export async function insertSubscriber(executor: Executor, values: Omit<NewSubscriberRow, 'id' | 'createdAt' | 'updatedAt'>): Promise<SubscriberRow> {
  const [row] = await executor.insert(subscribers).values(values).returning();
  return row!;
}

/** Inserts the rows that do not clash with a live username or account; returns the (workspace, username) inserted. */
export async function insertNewSubscribers(
  executor: Executor,
  rows: ReadonlyArray<Omit<NewSubscriberRow, 'id' | 'createdAt' | 'updatedAt'>>,
): Promise<Array<{ workspaceId: string; username: string }>> {
  if (rows.length === 0) return [];
  return executor.insert(subscribers).values([...rows]).onConflictDoNothing()
    .returning({ workspaceId: subscribers.workspaceId, username: subscribers.username });
}

/** Writes `values` and stamps `updated_at`; the row as written, or undefined when there is no such row. */
export async function updateSubscriber(executor: Executor, id: number, values: SubscriberValues): Promise<SubscriberRow | undefined> {
  const [row] = await executor.update(subscribers).set({ ...values, updatedAt: sql`now()` }).where(eq(subscribers.id, id)).returning();
  return row;
}

/** A status change computed by billing: applied only while the row still has `from`. */
export interface StatusMove {
  readonly id: number;
  readonly from: SubscriberStatus;
  readonly to: SubscriberStatus;
  readonly reason: string;
  readonly since: Date;
}

/**
 * Applies the moves in one UPDATE, each only if the row's status is still the one it was computed from (another
 * writer may have moved it first). Returns the ids moved.
 */
export async function moveStatuses(tx: Tx, moves: readonly StatusMove[]): Promise<Set<number>> {
  if (moves.length === 0) return new Set();
  const values = sql.join(
    moves.map((m) => sql`(${m.id}::bigint, ${m.from}::text, ${m.to}::text, ${m.reason}::text, ${m.since.toISOString()}::timestamptz)`),
    sql`, `,
  );
  const updated = rowsOf<{ id: number | string }>(await tx.execute(sql`
    update subscribers s
       set status = v.to_status, status_reason = v.reason, status_since = v.since, updated_at = now()
      from (values ${values}) as v(id, from_status, to_status, reason, since)
     where s.id = v.id and s.status = v.from_status
    returning s.id`));
  return new Set(updated.map((r) => Number(r.id)));
}
