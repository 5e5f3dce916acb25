/**
 * @module imports/router-migrations
 * Every query on `router_migrations` (src/db/schema/router-migrations.ts has the state picture): one row per router
 * entry being moved to RADIUS. Each move is guarded by the state it leaves, so a repeated or concurrent step
 * changes nothing twice; timestamps are the database's `now()`.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../db/rows.js';
import type { LocalService } from '../db/schema.js';
import { routerMigrations, type RouterMigrationRow, type RouterMigrationState } from '../db/schema/router-migrations.js';

export type { RouterMigrationRow, RouterMigrationState };

/** Longest `detail` kept: it holds router answers, which are operator-facing but not ours to trust in size. */
const MAX_DETAIL = 500;

const bounded = (detail: string | null): string | null => (detail === null || detail.length <= MAX_DETAIL ? detail : `${detail.slice(0, MAX_DETAIL - 1)}…`);

export interface MigrationEntry {
  readonly workspaceId: string;
  readonly subscriberId: number;
  readonly nasName: string;
  readonly service: LocalService;
  readonly entryName: string;
}

/**
 * Records entries as `imported`. An entry that has a row already keeps it (a re-run changes nothing), except a
 * `rolled_back` one (the operator is moving it again) or a `finished` one (its entry was removed, so it is back
 * because someone made it again): those start over.
 */
export async function recordImported(executor: Executor, entries: readonly MigrationEntry[]): Promise<void> {
  for (let start = 0; start < entries.length; start += 1000) {
    const chunk = entries.slice(start, start + 1000);
    await executor
      .insert(routerMigrations)
      .values(chunk.map((e) => ({ ...e, state: 'imported' as const })))
      .onConflictDoUpdate({
        target: [routerMigrations.nasName, routerMigrations.service, routerMigrations.entryName],
        set: {
          state: 'imported',
          subscriberId: sql`excluded.subscriber_id`,
          workspaceId: sql`excluded.workspace_id`,
          detail: null,
          switchedAt: null,
          confirmedAt: null,
          updatedAt: sql`now()`,
        },
        setWhere: sql`${routerMigrations.state} in ('rolled_back', 'finished')`,
      });
  }
}

/** The rows of a NAS, by service and entry name. */
export function migrationsOfNas(executor: Executor, nasName: string): Promise<RouterMigrationRow[]> {
  return executor
    .select()
    .from(routerMigrations)
    .where(eq(routerMigrations.nasName, nasName))
    .orderBy(asc(routerMigrations.service), asc(routerMigrations.entryName));
}

/** Moves a row from one of `from` to `to`; undefined when it was in none of them (someone else moved it). */
async function move(
  executor: Executor,
  id: number,
  from: readonly RouterMigrationState[],
  to: RouterMigrationState,
  values: Partial<Pick<RouterMigrationRow, 'detail' | 'confirmedAt'>> & { switchedNow?: boolean } = {},
): Promise<RouterMigrationRow | undefined> {
  const { switchedNow, ...rest } = values;
  const [row] = await executor
    .update(routerMigrations)
    .set({
      ...rest,
      ...(rest.detail !== undefined ? { detail: bounded(rest.detail) } : {}),
      ...(switchedNow ? { switchedAt: sql`now()` } : {}),
      state: to,
      updatedAt: sql`now()`,
    })
    .where(and(eq(routerMigrations.id, id), inArray(routerMigrations.state, [...from])))
    .returning();
  return row;
}

/** The entry is disabled on the router: from now on a RADIUS login confirms the move. */
export const markSwitched = (executor: Executor, id: number, detail: string | null) =>
  move(executor, id, ['imported'], 'switched', { detail, switchedNow: true });

/** A RADIUS login at `at` was seen after the switch. */
export const markConfirmed = (executor: Executor, id: number, at: Date, detail: string | null) =>
  move(executor, id, ['switched'], 'confirmed', { confirmedAt: at, detail });

/** The disabled entry is removed from the router. */
export const markFinished = (executor: Executor, id: number, detail: string | null) =>
  move(executor, id, ['confirmed'], 'finished', { detail });

/** The entry is enabled again; the router authenticates the subscriber locally. */
export const markRolledBack = (executor: Executor, id: number, detail: string | null) =>
  move(executor, id, ['imported', 'switched', 'confirmed'], 'rolled_back', { detail });

/** Why a row stays where it is (waiting for the subscriber to go offline, a router error); the state is unchanged. */
export async function noteDetail(executor: Executor, id: number, detail: string | null): Promise<void> {
  await executor
    .update(routerMigrations)
    .set({ detail: bounded(detail), updatedAt: sql`now()` })
    .where(eq(routerMigrations.id, id));
}
