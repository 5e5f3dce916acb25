/**
 * A FreeRADIUS source database for the import tests: a scratch database on the shared PostgreSQL server
 * (127.0.0.1:5432, always there, also in the PGlite pass), the stock schema.sql of Debian's freeradius-config, and
 * daloRADIUS's `userinfo` table with its real columns (contrib/db of daloRADIUS, in PostgreSQL types).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import postgres from 'postgres';

export const STOCK_SCHEMA = '/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql';
const SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/** daloRADIUS userinfo (mysql-daloradius.sql / mariadb-daloradius.sql), PostgreSQL types. */
export const DALORADIUS_USERINFO = `
CREATE TABLE userinfo (
  id serial PRIMARY KEY,
  username varchar(128) DEFAULT NULL,
  firstname varchar(200) DEFAULT NULL,
  lastname varchar(200) DEFAULT NULL,
  email varchar(200) DEFAULT NULL,
  department varchar(200) DEFAULT NULL,
  company varchar(200) DEFAULT NULL,
  workphone varchar(200) DEFAULT NULL,
  homephone varchar(200) DEFAULT NULL,
  mobilephone varchar(200) DEFAULT NULL,
  address varchar(200) DEFAULT NULL,
  city varchar(200) DEFAULT NULL,
  state varchar(200) DEFAULT NULL,
  country varchar(100) DEFAULT NULL,
  zip varchar(200) DEFAULT NULL,
  notes varchar(200) DEFAULT NULL,
  changeuserinfo varchar(128) DEFAULT NULL,
  portalloginpassword varchar(128) DEFAULT '',
  enableportallogin integer DEFAULT 0,
  creationdate timestamp DEFAULT NULL,
  creationby varchar(128) DEFAULT NULL,
  updatedate timestamp DEFAULT NULL,
  updateby varchar(128) DEFAULT NULL
);`;

export interface SourceDatabase {
  /** postgres://postgres@127.0.0.1:5432/fr_… */
  readonly url: string;
  readonly sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A new database holding the stock FreeRADIUS schema (and, with `daloradius`, userinfo). */
export async function freeradiusSource(options: { schema?: boolean; daloradius?: boolean; sqlAscii?: boolean } = {}): Promise<SourceDatabase> {
  if ((options.schema ?? true) && !existsSync(STOCK_SCHEMA)) {
    throw new Error(`${STOCK_SCHEMA} is missing: install Debian's freeradius-config (.ci/run does)`);
  }
  const name = `fr_${randomBytes(6).toString('hex')}`;
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  // SQL_ASCII: the encoding that lets a database hold bytes that are not UTF-8 (old installs have it).
  await admin.unsafe(options.sqlAscii ? `create database ${name} encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C' template template0` : `create database ${name}`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  if (options.schema ?? true) await sql.unsafe(readFileSync(STOCK_SCHEMA, 'utf8')).simple();
  if (options.daloradius) await sql.unsafe(DALORADIUS_USERINFO).simple();
  return {
    url,
    sql,
    async drop() {
      await sql.end().catch(() => {});
      const again = postgres(SERVER, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await again.end();
    },
  };
}

type Row = [string, string, string, string];

/** Inserts check/reply rows: [owner, attribute, op, value]. */
export async function insertAttributes(sql: postgres.Sql, table: 'radcheck' | 'radreply' | 'radgroupcheck' | 'radgroupreply', rows: readonly Row[]) {
  const owner = table.startsWith('radgroup') ? 'groupname' : 'username';
  for (const [who, attribute, op, value] of rows) {
    await sql.unsafe(`insert into ${table} (${owner}, attribute, op, value) values ($1, $2, $3, $4)`, [who, attribute, op, value]);
  }
}
