/**
 * A radgate server for benchmarks: its own process (`node bin/radgate.js start` from dist/), the example config
 * with a chosen log level, an embedded database seeded beforehand. Reports the process's peak resident memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { cpSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { subscribers as subscriberTable } from '../src/db/schema.js';
import { SubscriberRecords, type NewSubscriber } from '../src/subscribers/records.js';
import { PasswordVault } from '../src/subscribers/vault.js';
import { benchUser } from './requests.js';

/** The package root (bench/ is compiled to dist/bench/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A scratch directory for one benchmark run, with an embedded database holding `subscribers` subscribers. */
export interface BenchData {
  dir: string;
  dataDir: string;
  passwordKey: string;
  /** A fresh PostgreSQL database when DATABASE_URL is set; undefined = embedded PGlite in `dataDir`. */
  databaseUrl: string | undefined;
  seedMs: number;
  cleanup(): Promise<void>;
}

/**
 * Subscribers go to a new database on the server of DATABASE_URL when it is set (dropped by cleanup), else to an
 * embedded PGlite database in a scratch directory.
 * `freshImport`: keep `updated_at` as the import set it. By default the seed is dated an hour back, so runs measure
 * the steady state: the directory's safety-net poll re-reads every row changed in the last minute, which right
 * after a bulk import means all of them, every poll.
 */
export async function prepareData(subscribers: number, freshImport = false): Promise<BenchData> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-bench-'));
  const dataDir = path.join(dir, 'data');
  const key = randomBytes(32);
  const started = performance.now();
  const scratch = await scratchDatabase('auth');
  const databaseUrl = scratch.url;
  const database = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
  try {
    await database.migrate();
    const service = new SubscriberRecords(database, PasswordVault.fromKey(key), { hasWorkspace: () => true, hasPlan: () => true, nasWorkspace: () => 'default' });
    const list: NewSubscriber[] = [];
    for (let i = 0; i < subscribers; i++) {
      const user = benchUser(i);
      list.push({ workspaceId: 'default', username: user.username, password: user.password, plan: 'home-10', accountNumber: `B${i}` });
    }
    const clashes = await service.addMany(list, true);
    if (clashes.length > 0) throw new Error(`seeding failed: ${clashes.length} clashes`);
    if (!freshImport) {
      const anHourAgo = new Date(Date.now() - 3_600_000);
      await database.db.update(subscriberTable).set({ createdAt: anHourAgo, updatedAt: anHourAgo });
    }
  } finally {
    await database.close();
  }
  return {
    dir,
    dataDir,
    passwordKey: key.toString('base64'),
    databaseUrl,
    seedMs: performance.now() - started,
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
      await scratch.drop();
    },
  };
}

/**
 * A fresh PostgreSQL database for one benchmark run on the server of DATABASE_URL (`url`, dropped by `drop`), or
 * none when DATABASE_URL is unset (`url` undefined: the benchmark uses embedded PGlite).
 */
export async function scratchDatabase(label: string): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL || undefined;
  if (!adminUrl) return { url: undefined, drop: async () => {} };
  const name = `radgate_bench_${label}_${randomBytes(5).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await again.end();
    },
  };
}

export interface ServerOptions {
  data: BenchData;
  logLevel: 'warn' | 'info';
  /** Extra node flags for the server process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /** Edits the copied configuration directory before the server starts (extra NASes, admin tokens). */
  configure?: (configDir: string) => void;
  /** Environment applied last, over the bench's own (e.g. DATABASE_URL through a proxy, fixed HTTP ports). */
  env?: Record<string, string>;
}

export interface BenchServer {
  pid: number;
  authPort: number;
  acctPort: number;
  secret: Buffer;
  /** Time from spawn until the server answered Status-Server (directory loaded, sockets bound). */
  startupMs: number;
  logFile: string;
  /** VmHWM: the most resident memory the process has had so far, bytes. */
  peakRssBytes(): number;
  /** CPU time the process has used so far (user + system), ms. */
  cpuMs(): number;
  /** VmRSS: resident memory now, bytes. */
  rssBytes(): number;
  /** How the process ended; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<void>;
  /** radgate only: its /metrics URL (operations listener on a fixed free port). */
  metricsUrl?: string;
}

export const BENCH_SECRET = 'testing123';

export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const configDir = path.join(options.data.dir, `config-${options.logLevel}`);
  cpSync(path.join(ROOT, 'config'), configDir, { recursive: true });
  const serverYaml = path.join(configDir, 'server.yaml');
  writeFileSync(serverYaml, readFileSync(serverYaml, 'utf8').replace(/^(\s*)log_level:.*$/m, `$1log_level: ${options.logLevel}`));
  options.configure?.(configDir);

  const [authPort, acctPort] = await freeUdpPorts(2);
  const metricsPort = await freeTcpPort();
  const logFile = path.join(options.data.dir, `server-${options.logLevel}-${Date.now()}.log`);
  const out = openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  if (options.data.databaseUrl) env.DATABASE_URL = options.data.databaseUrl;
  Object.assign(env, {
    RADGATE_CONFIG: configDir,
    RADGATE_DATA_DIR: options.data.dataDir,
    RADGATE_PASSWORD_KEY: options.data.passwordKey,
    RADGATE_BIND: '127.0.0.1',
    RADGATE_AUTH_PORT: String(authPort),
    RADGATE_ACCT_PORT: String(acctPort),
    RADGATE_HTTP_PORT: '0',
    RADGATE_METRICS_PORT: String(metricsPort),
    RADGATE_CAPTIVE_PORT: '0',
  }, options.env);
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(ROOT, 'bin/radgate.js'), 'start'], {
    env,
    cwd: options.data.dir,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      resolve(code);
    }),
  );
  const secret = Buffer.from(BENCH_SECRET);
  try {
    await waitForStatusServer(authPort!, secret, exited, 180_000);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${(err as Error).message}\n--- server log (tail) ---\n${tail}`);
  }
  const startupMs = performance.now() - started;
  return {
    pid: child.pid!,
    authPort: authPort!,
    acctPort: acctPort!,
    secret,
    startupMs,
    logFile,
    peakRssBytes: () => peakRss(child),
    cpuMs: () => cpuTime(child),
    rssBytes: () => statusKb(child, 'VmRSS') * 1024,
    exit: () => ended,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function peakRss(child: ChildProcess): number {
  return statusKb(child, 'VmHWM') * 1024;
}

/** A `kB` field of /proc/PID/status (VmRSS, VmHWM); NaN when the process is gone. */
export function statusKb(child: ChildProcess, field: 'VmRSS' | 'VmHWM'): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  } catch {
    return NaN;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) : NaN;
}

export function cpuTime(child: ChildProcess): number {
  // /proc/PID/stat: fields after the command name; utime and stime are the 14th and 15th, in clock ticks (100/s).
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Ports the OS considers free right now (bound then released). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = sockets.map((s) => s.address().port);
  for (const s of sockets) s.close();
  return ports;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The longest event-loop pause since the previous call, ms: prom-client's `nodejs_eventloop_lag_max_seconds`
 * (perf_hooks.monitorEventLoopDelay), whose histogram restarts at every scrape. NaN when there is no /metrics.
 */
export async function eventLoopMaxMs(server: BenchServer): Promise<number> {
  if (!server.metricsUrl) return Number.NaN;
  const text = await (await fetch(server.metricsUrl)).text();
  const match = /^radgate_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text);
  return match ? Number(match[1]) * 1000 : Number.NaN;
}

/** RFC 5997 Status-Server with Message-Authenticator, until Access-Accept comes back. */
async function waitForStatusServer(port: number, secret: Buffer, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let answered = false;
  socket.on('message', (reply) => {
    if (reply[0] === 2) answered = true;
  });
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + timeoutMs;
  try {
    for (let id = 0; !answered; id = (id + 1) & 0xff) {
      if (exitCode !== undefined) throw new Error(`radgate exited with code ${exitCode} before answering`);
      if (Date.now() > deadline) throw new Error(`radgate did not answer Status-Server within ${timeoutMs} ms`);
      const packet = Buffer.concat([Buffer.of(12, id, 0, 38), randomBytes(16), Buffer.of(80, 18), Buffer.alloc(16)]);
      createHmac('md5', secret).update(packet).digest().copy(packet, 22);
      socket.send(packet, port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    socket.close();
  }
}
