/**
 * @module db/rows
 * Small helpers over raw driver results, the same for postgres.js and PGlite.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './client.js';

/** A drizzle transaction handle. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The database or a transaction: what a query function runs on. */
export type Executor = Db | Tx;

/** Rows of a raw `execute` result: postgres.js returns an array, PGlite `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** True when `err` (or one of its causes) is a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}

/** A `bigint[]` literal for `= any(…::bigint[])`: ids are truncated to integers, so nothing else can get in. */
export function bigintArray(ids: readonly number[]): string {
  return `{${ids.map((id) => Math.trunc(id)).join(',')}}`;
}

/** The database server's clock (`now()`: the current transaction's start, as `updated_at` columns are written). */
export async function databaseNow(executor: Pick<Db, 'execute'>): Promise<Date> {
  const [row] = rowsOf<{ now: string | Date }>(await executor.execute(sql`select now() as now`));
  return new Date(row!.now);
}
