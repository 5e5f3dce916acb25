/**
 * @module db/migrations
 * How far a database is migrated, without migrating it: the migrations shipped in `migrations/` (drizzle's
 * `meta/_journal.json`) against the rows drizzle's migrator wrote in `drizzle.__drizzle_migrations` (one per applied
 * migration). `radgate doctor` reports it; `radgate migrate` (or `start`) applies what is missing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { MIGRATIONS_DIR } from './client.js';
import { rowsOf } from './rows.js';

export interface MigrationStatus {
  /** Migrations this radgate ships. */
  readonly known: number;
  /** Migrations the database records as applied (0 when drizzle's table does not exist yet). */
  readonly applied: number;
}

/** Where the embedded database lives in a data directory (as `openDatabase` opens it, client.ts). */
export function embeddedDatabaseDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pglite');
}

/** The number of migrations in `migrations/meta/_journal.json`. */
export function knownMigrations(dir: string = MIGRATIONS_DIR): number {
  const journal = JSON.parse(readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries?: unknown[] };
  return journal.entries?.length ?? 0;
}

export async function migrationStatus(db: Db): Promise<MigrationStatus> {
  const exists = rowsOf<{ present: string | null }>(await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as present`));
  let applied = 0;
  if (exists[0]?.present) {
    const rows = rowsOf<{ n: string | number }>(await db.execute(sql`select count(*) as n from drizzle.__drizzle_migrations`));
    applied = Number(rows[0]?.n ?? 0);
  }
  return { known: knownMigrations(), applied };
}
