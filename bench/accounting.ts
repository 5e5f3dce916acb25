/**
 * Accounting benchmark: Interim-Update throughput with many sessions in flight, durable — radgate answers only
 * after COMMIT (group commit), against PostgreSQL when DATABASE_URL is set (a fresh database, dropped afterwards;
 * synchronous_commit as the server has it, printed) or embedded PGlite otherwise. A radgate process (dist/) on
 * loopback; the load comes from this process. First a burst of Starts (a NAS reboot), then `rounds` Interim-Updates
 * for every session, then a check that the database holds exactly what was answered.
 *
 *   node dist/bench/accounting.js [--sessions N] [--rounds N] [--concurrency N]     (after npm run build)
 *   from bench/run.ts:  { name: 'accounting', run: () => benchAccounting() }
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sql as drizzleSql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { runLoad, type LoadResult } from './load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SECRET = Buffer.from('testing123');

export interface AccountingBenchOptions {
  /** Sessions open at once (each gets a Start, then `rounds` Interim-Updates). */
  sessions: number;
  rounds: number;
  /** Requests in flight. */
  concurrency: number;
  /** Upper bound for one measured run, ms. */
  maxRunMs: number;
  /** Extra node flags for the server process, e.g. `--cpu-prof`. */
  serverNodeArgs: string[];
}

export const ACCOUNTING_DEFAULTS: AccountingBenchOptions = {
  sessions: 20_000,
  rounds: 10,
  concurrency: 512,
  maxRunMs: 120_000,
  serverNodeArgs: [],
};

export interface AccountingRun {
  database: 'postgres' | 'pglite';
  synchronousCommit: string | undefined;
  starts: LoadResult;
  interims: LoadResult;
  /** PostgreSQL transactions committed during the Interim run (pg_stat_database), if known. */
  interimTransactions: number | undefined;
  /** Server CPU while the Interim clock ran, percent of one core. */
  serverCpuPercent: number;
  /** The database matched what was answered. */
  verified: boolean;
}

// ---- packets ------------------------------------------------------------------------------------------------

function attr(type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.of(type, v.length + 2), v]);
}

function int(type: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return attr(type, b);
}

const ipv4 = (type: number, a: number) => attr(type, Buffer.of(100, 64 + ((a >> 16) & 63), (a >> 8) & 255, a & 255));

/** The Accounting-Request a MikroTik sends for PPPoE session `s` (RFC 2866 §3 authenticator). */
export function accountingRequest(identifier: number, s: number, status: 1 | 3, round: number): Buffer {
  const time = round * 300;
  const bytesIn = time * 125_000 + s; // ~1 Mbit/s up, ~8 down: gigawords after an hour or so
  const bytesOut = time * 1_000_000 + s;
  const attributes = [
    attr(1, `bench-${String(s).padStart(6, '0')}`),
    int(40, status),
    attr(44, (0x81a00000 + s).toString(16)),
    int(41, 0),
    attr(32, 'core-1'),
    ipv4(4, 1),
    attr(87, `<pppoe-bench-${s}>`),
    int(61, 15),
    attr(31, `AA:BB:CC:${((s >> 16) & 255).toString(16).padStart(2, '0')}:${((s >> 8) & 255).toString(16).padStart(2, '0')}:${(s & 255).toString(16).padStart(2, '0')}`.toUpperCase()),
    attr(30, 'pppoe-in'),
    ipv4(8, s),
    attr(25, `rg1:${s + 1}:0123456789abcdef`),
    int(45, 1),
  ];
  if (status === 3) {
    attributes.push(
      int(46, time),
      int(42, bytesIn % 2 ** 32),
      int(52, Math.floor(bytesIn / 2 ** 32)),
      int(43, bytesOut % 2 ** 32),
      int(53, Math.floor(bytesOut / 2 ** 32)),
      int(47, time * 100),
      int(48, time * 700),
    );
  }
  const packet = Buffer.concat([Buffer.of(4, identifier, 0, 0), Buffer.alloc(16), ...attributes]);
  packet.writeUInt16BE(packet.length, 2);
  createHash('md5').update(packet).update(SECRET).digest().copy(packet, 4);
  return packet;
}

// ---- server process -----------------------------------------------------------------------------------------

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

/** RFC 5997 Status-Server (with Message-Authenticator) on the accounting port until it answers. */
async function waitForServer(port: number, exited: () => boolean, timeoutMs: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let answered = false;
  socket.on('message', (reply) => (answered ||= reply[0] === 5));
  const deadline = Date.now() + timeoutMs;
  try {
    for (let id = 0; !answered; id = (id + 1) & 0xff) {
      if (exited()) throw new Error('radgate exited before answering');
      if (Date.now() > deadline) throw new Error(`radgate did not answer within ${timeoutMs} ms`);
      const packet = Buffer.concat([Buffer.of(12, id, 0, 38), randomBytes(16), Buffer.of(80, 18), Buffer.alloc(16)]);
      createHmac('md5', SECRET).update(packet).digest().copy(packet, 22);
      socket.send(packet, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    socket.close();
  }
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

function describe(name: string, r: LoadResult): string {
  return (
    `${name}: ${fmt(r.requestsPerSecond)} requests/s (${fmt(r.answered)} answered, ${r.lost} lost, ${r.wrongCode} wrong code) ` +
    `latency p50 ${r.latencyMs.p50.toFixed(1)} ms, p95 ${r.latencyMs.p95.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms`
  );
}

export async function benchAccounting(
  options: Partial<AccountingBenchOptions> = {},
  print: (line: string) => void = console.log,
): Promise<AccountingRun> {
  const o = { ...ACCOUNTING_DEFAULTS, ...options };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-bench-acct-'));
  const adminUrl = process.env.DATABASE_URL || undefined;
  let databaseUrl: string | undefined;
  let admin: postgres.Sql | undefined;
  let dbName: string | undefined;
  let synchronousCommit: string | undefined;
  if (adminUrl) {
    admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    dbName = `radgate_bench_${randomBytes(5).toString('hex')}`;
    await admin.unsafe(`create database ${dbName}`);
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    const [row] = await admin`select current_setting('synchronous_commit') as sc, current_setting('fsync') as fsync`;
    synchronousCommit = `${row!.sc as string} (fsync ${row!.fsync as string})`;
  }
  const kind = databaseUrl ? 'postgres' : 'pglite';
  print(`accounting: ${fmt(o.sessions)} sessions, ${o.rounds} Interim-Updates each, ${o.concurrency} in flight, ${kind}` +
    (synchronousCommit ? `, synchronous_commit ${synchronousCommit}` : ''));

  const configDir = path.join(dir, 'config');
  cpSync(path.join(ROOT, 'config'), configDir, { recursive: true });
  const serverYaml = path.join(configDir, 'server.yaml');
  writeFileSync(serverYaml, readFileSync(serverYaml, 'utf8').replace(/^(\s*)log_level:.*$/m, '$1log_level: warn'));
  const acctPort = await freeUdpPort();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  Object.assign(env, {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    RADGATE_CONFIG: configDir,
    RADGATE_DATA_DIR: path.join(dir, 'data'),
    RADGATE_BIND: '127.0.0.1',
    RADGATE_AUTH_PORT: String(await freeUdpPort()),
    RADGATE_ACCT_PORT: String(acctPort),
    RADGATE_HTTP_PORT: '0',
    RADGATE_METRICS_PORT: '0',
    RADGATE_CAPTIVE_PORT: '0',
  });
  let output = '';
  const child = spawn(process.execPath, [...o.serverNodeArgs, path.join(ROOT, 'bin/radgate.js'), 'start'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const sql = databaseUrl ? postgres(databaseUrl, { max: 1, onnotice: () => {} }) : undefined;
  const stopServer = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForServer(acctPort, () => child.exitCode !== null, 120_000);
    const load = { port: acctPort, secret: SECRET, concurrency: o.concurrency, expectCode: 5, timeoutMs: 5000, maxDurationMs: o.maxRunMs };

    let next = 0;
    const starts = await runLoad({ ...load, requests: o.sessions, build: (id) => accountingRequest(id, next++, 1, 0) });
    print(describe('  Start burst', starts));

    next = 0;
    const commitsBefore = await commits(sql, dbName);
    const cpuBefore = cpuMs(child.pid!);
    const interims = await runLoad({
      ...load,
      requests: o.sessions * o.rounds,
      build: (id) => {
        const k = next++;
        return accountingRequest(id, k % o.sessions, 3, Math.floor(k / o.sessions) + 1);
      },
    });
    const serverCpuPercent = ((cpuMs(child.pid!) - cpuBefore) / interims.elapsedMs) * 100;
    // pg_stat_database is updated asynchronously (at most every second or so).
    await new Promise((r) => setTimeout(r, 1500));
    const commitsAfter = await commits(sql, dbName);
    const interimTransactions = commitsBefore !== undefined && commitsAfter !== undefined ? commitsAfter - commitsBefore : undefined;
    print(describe('  Interim-Update', interims));
    print(
      `  server CPU ${serverCpuPercent.toFixed(0)}% of one core` +
        (interimTransactions ? `; ~${fmt(interimTransactions)} PostgreSQL commits (~${fmt(interims.answered / interimTransactions)} requests each)` : ''),
    );

    // Exactly what was answered: every session once, each with the counters of its last Interim.
    await stopServer();
    const verified = starts.lost + interims.lost === 0 && (await verify(databaseUrl, path.join(dir, 'data'), o, print));
    return { database: kind, synchronousCommit, starts, interims, interimTransactions, serverCpuPercent, verified };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- server output (tail) ---\n${output.slice(-3000)}`);
  } finally {
    await sql?.end({ timeout: 5 });
    await stopServer();
    if (admin && dbName) {
      await admin.unsafe(`drop database if exists ${dbName} with (force)`).catch(() => {});
      await admin.end({ timeout: 5 });
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** After the server stopped: one open session per session sent, each at its last Interim's session time. */
async function verify(databaseUrl: string | undefined, dataDir: string, o: AccountingBenchOptions, print: (line: string) => void): Promise<boolean> {
  const database = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
  try {
    const result = await database.db.execute(drizzleSql`select count(*)::int as n, count(distinct acct_session_id)::int as d,
      min(acct_session_time)::int as lo, max(acct_session_time)::int as hi from sessions where stopped_at is null`);
    const [row] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<Record<string, number>>;
    const ok = row!.n === o.sessions && row!.d === o.sessions && row!.lo === o.rounds * 300 && row!.hi === o.rounds * 300;
    print(`  database check: ${row!.n} open sessions, session time ${row!.lo}..${row!.hi} s → ${ok ? 'OK' : 'MISMATCH'}`);
    return ok;
  } finally {
    await database.close();
  }
}

async function commits(sql: postgres.Sql | undefined, dbName: string | undefined): Promise<number | undefined> {
  if (!sql || !dbName) return undefined;
  await sql`select pg_stat_clear_snapshot()`;
  const [row] = await sql`select xact_commit::bigint as n from pg_stat_database where datname = ${dbName}`;
  return row ? Number(row.n) : undefined;
}

// Standalone: node dist/bench/accounting.js [--sessions N] [--rounds N] [--concurrency N]
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { sessions: { type: 'string' }, rounds: { type: 'string' }, concurrency: { type: 'string' } },
    strict: true,
  });
  const n = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  await benchAccounting({
    sessions: n(values.sessions, ACCOUNTING_DEFAULTS.sessions),
    rounds: n(values.rounds, ACCOUNTING_DEFAULTS.rounds),
    concurrency: n(values.concurrency, ACCOUNTING_DEFAULTS.concurrency),
  });
}
