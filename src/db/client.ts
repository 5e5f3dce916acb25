/**
 * Opens the database: PostgreSQL through postgres.js when DATABASE_URL is set, otherwise embedded PGlite persisted
 * in the data directory. Both speak the same SQL and share the same migrations.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { RadgateError } from '../errors.js';
import { preparePrivateDir, PRIVATE_DIR_MODE, tighten } from './data-dir.js';
import { ensureDriverPatched } from './driver-patch.js';
import { acquirePgliteLock, PGLITE_SOCKET_NAME } from './pglite-lock.js';
import { PgliteShare } from './pglite-share.js';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Where the SQL migrations live: `migrations/` at the package root (same from src/ under tsx/vitest and from dist/). */
export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? '../../../migrations' : '../../migrations',
);

export interface DatabaseHandle {
  readonly db: Db;
  /** `pglite-shared`: the embedded database of a running radgate server, reached over its Unix socket. */
  readonly kind: 'postgres' | 'pglite' | 'pglite-shared';
  /** Human-readable location for logs (never includes a password). */
  readonly location: string;
  /** Subscribe to a notification channel; PostgreSQL LISTEN, or PGlite's in-process equivalent. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Send a notification to every listener (all radgate instances on PostgreSQL). */
  notify(channel: string, payload: string): Promise<void>;
  migrate(): Promise<void>;
  /** Round trip to the database (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** The server shares an embedded database over a Unix socket; tools use a running server's share if there is one. */
  role: 'server' | 'tool';
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 10);
  if (options.dataDir === 'memory://') return openPglite(options.dataDir, 'tool');
  const dir = path.resolve(options.dataDir);
  const socketPath = path.join(dir, PGLITE_SOCKET_NAME);
  if (options.role === 'tool' && existsSync(socketPath)) {
    ensureDriverPatched();
    const shared = await openPostgresClient(postgres({ path: socketPath, max: 1, onnotice: () => {}, connect_timeout: 5 }), 'pglite-shared', socketPath).catch(() => undefined);
    if (shared) return shared;
  }
  return openPglite(dir, options.role);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable DATABASE_URL)';
  }
}

/**
 * Seconds a pool connection waits before it reconnects after its `retries`-th failed connection in a row: 0.1, 0.2,
 * 0.4, 0.8, then 1. postgres.js's default grows to 10–20 s over an outage of a few seconds (the count is shared by
 * the pool and reset only by a successful connection), so after the database came back accounting stayed unwritten
 * and unanswered that long, and a SIGTERM meanwhile overran the 15 s shutdown. Ten connections at most once a second
 * is no load on a server that is starting up.
 */
function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1);
}

function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  ensureDriverPatched();
  const client = postgres(url, { max, onnotice: () => {}, connect_timeout: 10, backoff: reconnectDelaySeconds });
  return openPostgresClient(client, 'postgres', redactUrl(url));
}

async function openPostgresClient(
  client: postgres.Sql,
  kind: 'postgres' | 'pglite-shared',
  location: string,
): Promise<DatabaseHandle> {
  try {
    await client`select 1`;
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw new RadgateError('DB_UNREACHABLE', `cannot connect to the database at ${location}`, { cause: err });
  }
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind,
    location,
    async listen(channel, onNotify) {
      const sub = await client.listen(channel, onNotify);
      return () => sub.unlisten();
    },
    async notify(channel, payload) {
      await client.notify(channel, payload);
    },
    async migrate() {
      const run = () => migratePostgres(db as unknown as Parameters<typeof migratePostgres>[0], { migrationsFolder: MIGRATIONS_DIR });
      if (kind === 'pglite-shared') return run(); // one server owns that database; nothing to race with
      // Several instances may start together: one connection holds an advisory lock while the pool migrates.
      const holder = await client.reserve();
      try {
        await holder`select pg_advisory_lock(hashtext('radgate:migrate'))`;
        await run();
      } finally {
        await holder`select pg_advisory_unlock(hashtext('radgate:migrate'))`.catch(() => {});
        holder.release();
      }
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string, role: 'server' | 'tool'): Promise<DatabaseHandle> {
  const inMemory = dataDir === 'memory://';
  const dir = inMemory ? dataDir : path.join(dataDir, 'pglite');
  let release = () => {};
  if (!inMemory) {
    preparePrivateDir(dataDir); // 0700, nothing readable by other users (data-dir.ts)
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    release = acquirePgliteLock(dataDir);
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir);
  } catch (err) {
    release();
    throw new RadgateError('DB_UNREACHABLE', `cannot open the embedded database in ${dir}`, { cause: err });
  }
  // PGlite writes a new cluster's files world-readable: tightened now, and again at close (data-dir.ts).
  if (!inMemory) tighten(dir);
  let share: PgliteShare | undefined;
  if (role === 'server' && !inMemory) {
    share = new PgliteShare(pg, { path: path.join(dataDir, PGLITE_SOCKET_NAME) });
    await share.start();
  }
  const db = drizzlePglite(pg, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    location: dir,
    async listen(channel, onNotify) {
      return pg.listen(channel, onNotify);
    },
    async notify(channel, payload) {
      await pg.query('select pg_notify($1, $2)', [channel, payload]);
    },
    async migrate() {
      await migratePglite(drizzlePglite(pg), { migrationsFolder: MIGRATIONS_DIR });
    },
    async ping() {
      await pg.query('select 1');
    },
    async close() {
      await share?.stop();
      await pg.close();
      try {
        if (!inMemory) tighten(dir);
      } finally {
        release();
      }
    },
  };
}
