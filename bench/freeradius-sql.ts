/**
 * FreeRADIUS with rlm_sql on PostgreSQL as the accounting benchmark's reference peer: Debian's `freeradius` and
 * `freeradius-postgresql` packages (installed with apt-get when missing), the stock `radacct` schema and queries
 * Debian ships (mods-config/sql/main/postgresql: schema.sql, queries.conf) in a scratch database of the PostgreSQL
 * server DATABASE_URL names, an accounting listener whose `accounting` section runs `sql` — so FreeRADIUS answers an
 * Accounting-Request only after PostgreSQL committed its statement, the same durability radgate gives. The unique
 * session id is FreeRADIUS's own default (`acct_unique`, the md5 of the session's identifying attributes).
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { accountingRequest } from './accounting.js';
import { radiusdCommon } from './freeradius.js';
import { BENCH_SECRET, cpuTime, freeUdpPorts, scratchDatabase, statusKb, type BenchServer } from './server-process.js';

const SQL_DIR = '/etc/freeradius/3.0/mods-config/sql/main/postgresql';
const DRIVER = '/usr/lib/freeradius/rlm_sql_postgresql.so';

/** freeradius-postgresql (the driver) and the stock schema, installing the packages first when missing. */
export function ensureFreeradiusSql(print: (line: string) => void): void {
  if (existsSync(DRIVER) && existsSync(path.join(SQL_DIR, 'schema.sql'))) return;
  print('freeradius: rlm_sql_postgresql not installed; apt-get install freeradius-postgresql…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'freeradius', 'freeradius-postgresql']]) {
    const run = spawnSync('apt-get', args, { env, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status}); install freeradius-postgresql by hand`);
  }
}

/** A scratch database holding FreeRADIUS's stock schema; `count` reads how many accounting rows it holds. */
export async function radacctDatabase(): Promise<{ url: string; count(): Promise<{ rows: number; open: number }>; drop(): Promise<void> }> {
  const scratch = await scratchDatabase('freeradius');
  if (!scratch.url) throw new Error('the accounting comparison needs PostgreSQL: set DATABASE_URL (FreeRADIUS keeps radacct there, and so does radgate)');
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(path.join(SQL_DIR, 'schema.sql'), 'utf8'));
  } finally {
    await sql.end();
  }
  return {
    url: scratch.url,
    async count() {
      const reader = postgres(scratch.url!, { max: 1, onnotice: () => {} });
      try {
        const [row] = await reader`select count(*)::int as rows, count(*) filter (where acctstoptime is null)::int as open from radacct`;
        return { rows: row!.rows as number, open: row!.open as number };
      } finally {
        await reader.end();
      }
    },
    drop: () => scratch.drop(),
  };
}

export function radiusdConf(dir: string, port: number, database: URL): string {
  // Debian's sql module file with the connection filled in; its queries.conf is included as is.
  const sqlModule = readFileSync('/etc/freeradius/3.0/mods-available/sql', 'utf8')
    .replace(/^\s*dialect = .*$/m, '\tdialect = "postgresql"')
    .replace(/^\s*driver = .*$/m, '\tdriver = "rlm_sql_postgresql"')
    .replace(/^\s*#?\s*server = .*$/m, `\tserver = "${database.hostname}"`)
    .replace(/^\s*#?\s*port = .*$/m, `\tport = ${database.port || 5432}`)
    .replace(/^\s*#?\s*login = .*$/m, `\tlogin = "${decodeURIComponent(database.username)}"`)
    .replace(/^\s*#?\s*password = .*$/m, `\tpassword = "${decodeURIComponent(database.password)}"`)
    .replace(/^\s*radius_db = .*$/m, `\tradius_db = "${database.pathname.slice(1)}"`);
  writeFileSync(path.join(dir, 'sql.conf'), sqlModule);
  return `${radiusdCommon(dir)}modconfdir = /etc/freeradius/3.0/mods-config
modules {
  # %{tolower:…} (the queries pick their section with it) and %{md5:…} (acct_unique)
  expr {
  }
  $INCLUDE ${dir}/sql.conf
}
policy {
  acct_unique {
    update request {
      &Acct-Unique-Session-Id := "%{md5:%{User-Name},%{Acct-Session-ID},%{%{NAS-IPv6-Address}:-%{NAS-IP-Address}},%{NAS-Identifier},%{NAS-Port-ID},%{NAS-Port}}"
    }
  }
}
server default {
  listen {
    type = acct
    ipaddr = 127.0.0.1
    port = ${port}
  }
  preacct {
    acct_unique
  }
  accounting {
    sql
  }
}
`;
}

/** A fresh FreeRADIUS process writing accounting to `databaseUrl`, ready when it answered an Accounting-Request. */
export async function startFreeradiusAccounting(binary: string, scratch: string, databaseUrl: string): Promise<BenchServer> {
  const [acctPort] = await freeUdpPorts(1);
  const dir = path.join(scratch, `freeradius-sql-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'radiusd.conf'), radiusdConf(dir, acctPort!, new URL(databaseUrl)));
  writeFileSync(path.join(dir, 'dictionary'), '$INCLUDE /usr/share/freeradius/dictionary\n');
  const logFile = path.join(dir, 'radiusd.log');
  const out = openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(binary, ['-f', '-d', dir, '-n', 'radiusd'], { stdio: ['ignore', out, out] });
  closeSync(out);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => resolve(void (ended = { code, signal }))));
  try {
    await waitForAccountingResponse(acctPort!, () => ended !== undefined, 120_000);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    throw new Error(`${(err as Error).message}\n--- freeradius log (tail) ---\n${tail}`);
  }
  return {
    pid: child.pid!,
    authPort: 0,
    acctPort: acctPort!,
    secret: Buffer.from(BENCH_SECRET),
    startupMs: performance.now() - started,
    logFile,
    peakRssBytes: () => statusKb(child, 'VmHWM') * 1024,
    rssBytes: () => statusKb(child, 'VmRSS') * 1024,
    cpuMs: () => cpuTime(child),
    exit: () => ended,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A Start for a session outside the benchmark's range (number 999999) until FreeRADIUS acknowledges it. */
async function waitForAccountingResponse(port: number, gone: () => boolean, timeoutMs: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let answered = false;
  socket.on('message', (reply) => (answered ||= reply[0] === 5));
  const deadline = Date.now() + timeoutMs;
  try {
    for (let id = 0; !answered; id = (id + 1) & 0xff) {
      if (gone()) throw new Error('freeradius exited before answering');
      if (Date.now() > deadline) throw new Error(`freeradius did not answer accounting within ${timeoutMs} ms`);
      socket.send(accountingRequest(id, 999_999, 1, 0), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    socket.close();
  }
}
