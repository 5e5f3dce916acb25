/**
 * @module imports/freeradius-read
 * Reads a FreeRADIUS SQL database (PostgreSQL, the stock `schema.sql` of rlm_sql) for `radgate import freeradius`:
 * `radcheck`, `radreply`, `radusergroup`, `radgroupcheck`, `radgroupreply`, and daloRADIUS's `userinfo` when it
 * exists. Everything is read in one read-only transaction (`SET TRANSACTION READ ONLY`, repeatable read), so the
 * import sees one consistent moment and cannot write a byte to the source.
 *
 * Errors name the server by host, port and database only: the URL's password (and user) never appear in a message
 * (docs/migrating-freeradius.md).
 */
import postgres from 'postgres';
import { RadgateError } from '../errors.js';

/** One row of radcheck / radreply (by user) or radgroupcheck / radgroupreply (by group). */
export interface AttributeRow {
  readonly owner: string;
  readonly attribute: string;
  readonly op: string;
  readonly value: string;
}

export interface UserGroupRow {
  readonly username: string;
  readonly groupname: string;
  readonly priority: number;
}

/** daloRADIUS `userinfo`: the contact columns radgate can use (absent columns are undefined). */
export interface UserInfoRow {
  readonly username: string;
  readonly firstname?: string | null | undefined;
  readonly lastname?: string | null | undefined;
  readonly email?: string | null | undefined;
  readonly mobilephone?: string | null | undefined;
  readonly homephone?: string | null | undefined;
  readonly workphone?: string | null | undefined;
}

export interface FreeradiusData {
  readonly radcheck: readonly AttributeRow[];
  readonly radreply: readonly AttributeRow[];
  readonly radusergroup: readonly UserGroupRow[];
  readonly radgroupcheck: readonly AttributeRow[];
  readonly radgroupreply: readonly AttributeRow[];
  /** Undefined when the database has no `userinfo` table (plain FreeRADIUS, no daloRADIUS). */
  readonly userinfo: readonly UserInfoRow[] | undefined;
  /** `server_encoding`: SQL_ASCII databases may hold bytes that are not UTF-8. */
  readonly encoding: string;
}

const STOCK_TABLES = ['radcheck', 'radreply', 'radusergroup', 'radgroupcheck', 'radgroupreply'] as const;
const USERINFO_COLUMNS = ['firstname', 'lastname', 'email', 'mobilephone', 'homephone', 'workphone'] as const;

/** `host:port/database` of a PostgreSQL URL, for messages: no user, no password. */
export function describeDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the text: it holds the password.
    throw new RadgateError('USAGE', 'the FreeRADIUS database URL is not a URL (expected postgres://user:password@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new RadgateError('USAGE', 'the FreeRADIUS database URL must start with postgres:// or postgresql:// (radgate reads FreeRADIUS from PostgreSQL)');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`;
}

/** The driver's message with anything of the URL's credentials cut out (defence in depth: it should hold none). */
function safeMessage(err: unknown, url: URL): string {
  let text = err instanceof Error ? err.message : String(err);
  for (const secret of [url.password, decodeURIComponent(url.password)]) {
    if (secret.length > 0) text = text.split(secret).join('***');
  }
  return text.slice(0, 300);
}

/** Reads the whole source in one read-only transaction. Throws DB_UNREACHABLE or IMPORT_INVALID, never with the password. */
export async function readFreeradius(databaseUrl: string): Promise<FreeradiusData> {
  const where = describeDatabaseUrl(databaseUrl);
  const url = new URL(databaseUrl);
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, connect_timeout: 15, idle_timeout: 5, prepare: false });
  try {
    return await sql.begin(async (tx) => {
      await tx`set transaction isolation level repeatable read read only`;
      // FreeRADIUS keeps running during the import: never queue behind a schema change for long.
      await tx`set local lock_timeout = '10s'`;
      const [encoding] = await tx<Array<{ server_encoding: string }>>`show server_encoding`;
      const serverEncoding = encoding?.server_encoding ?? 'UTF8';
      // A SQL_ASCII database holds any byte; sent to a UTF8 client, the first byte that is not UTF-8 fails the whole
      // read. Taken as it is instead, each such value decodes with U+FFFD and is refused alone (freeradius-text.ts).
      if (serverEncoding === 'SQL_ASCII') await tx`set local client_encoding to 'SQL_ASCII'`;
      const present = await tx<Array<{ name: string }>>`
        select c.relname as name from pg_class c
        where c.relkind in ('r', 'v', 'm', 'p', 'f') and pg_table_is_visible(c.oid)
          and c.relname in ${tx([...STOCK_TABLES, 'userinfo'])}`;
      const names = new Set(present.map((r) => r.name));
      const missing = STOCK_TABLES.filter((t) => !names.has(t));
      if (missing.length > 0) {
        throw new RadgateError(
          'IMPORT_INVALID',
          `${where} is not a FreeRADIUS SQL database: no table ${missing.join(', ')} (expected the stock schema.sql of rlm_sql)`,
        );
      }
      const attributes = (table: string, owner: string) =>
        tx.unsafe<AttributeRow[]>(`select ${owner} as owner, attribute, op, value from ${table} order by id`);
      const radcheck = await attributes('radcheck', 'username');
      const radreply = await attributes('radreply', 'username');
      const radgroupcheck = await attributes('radgroupcheck', 'groupname');
      const radgroupreply = await attributes('radgroupreply', 'groupname');
      const radusergroup = await tx<UserGroupRow[]>`select username, groupname, priority from radusergroup order by priority, id`;
      let userinfo: UserInfoRow[] | undefined;
      if (names.has('userinfo')) {
        const columns = await tx<Array<{ name: string }>>`
          select a.attname as name from pg_attribute a
          where a.attrelid = 'userinfo'::regclass and a.attnum > 0 and not a.attisdropped`;
        const have = new Set(columns.map((c) => c.name));
        if (have.has('username')) {
          // Only columns that exist (daloRADIUS versions differ), each as text.
          const picked = USERINFO_COLUMNS.filter((c) => have.has(c)).map((c) => `${c}::text as ${c}`);
          userinfo = await tx.unsafe<UserInfoRow[]>(`select username::text as username${picked.map((p) => `, ${p}`).join('')} from userinfo order by username`);
        }
      }
      return { radcheck, radreply, radusergroup, radgroupcheck, radgroupreply, userinfo, encoding: serverEncoding };
    });
  } catch (err) {
    if (err instanceof RadgateError) throw err;
    throw new RadgateError('DB_UNREACHABLE', `cannot read the FreeRADIUS database ${where}: ${safeMessage(err, url)}`);
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}
