/**
 * Mass expiry: `subscribers` subscribers online on `nases` routers all expire at once (one transaction: statuses and
 * outbox jobs, as a billing run writes them); measured from its commit until every session's CoA-Request has been
 * acknowledged. Target ≤ 10 s for 10,000 on 4 NASes on the 2-core machine.
 *
 * radgate runs as its own process (`bin/radgate.js start`, log level warn); the routers are UDP responders in this
 * process that check each request like a router (Request Authenticator, Message-Authenticator) and ACK it.
 * PGlite by default; PostgreSQL when DATABASE_URL is set (a scratch database is created and dropped).
 *
 *   import { benchEnforcement } from './enforce.js';
 *   await benchEnforcement({ subscribers: 10_000, nases: 4 });
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { cpSync, createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { scratchDatabase } from './server-process.js';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';
import { ENFORCEMENT_CHANNEL } from '../src/db/channels.js';
import { applySessionUpdates, type SessionUpdate } from '../src/sessions/store.js';
import { SubscriberRecords, type NewSubscriber } from '../src/subscribers/records.js';
import { PasswordVault } from '../src/subscribers/vault.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface EnforcementBenchOptions {
  subscribers: number;
  nases: number;
  /** nas[].enforcement.concurrency: CoAs in flight per NAS. */
  concurrency: number;
  /** Give up after this long, ms. */
  maxRunMs: number;
  serverNodeArgs: string[];
  /** The server's log level (debug shows batch timings). Default warn. */
  logLevel: 'warn' | 'info' | 'debug';
  /** Copy the server's output to this file. */
  logFile: string | undefined;
  /**
   * Write `updated_at` with the statuses, as billing does (every instance's subscriber directory then re-reads the
   * changed rows). false measures enforcement alone. Default true.
   */
  touchSubscribers: boolean;
}

export const ENFORCEMENT_BENCH_DEFAULTS: EnforcementBenchOptions = { subscribers: 10_000, nases: 4, concurrency: 32, maxRunMs: 120_000, serverNodeArgs: [], logLevel: 'warn', logFile: undefined, touchSubscribers: true };

export interface EnforcementRun {
  database: 'pglite' | 'postgres';
  subscribers: number;
  nases: number;
  /** Commit of the expiry → last CoA ACK sent by the routers, ms. */
  allAcknowledgedMs: number;
  /** Commit → first CoA received, ms. */
  firstCoaMs: number;
  coasPerSecond: number;
  /** CoA-Requests received beyond one per session (retransmissions). */
  retransmissions: number;
  /** Requests a router dropped (bad authenticator / MA): must be 0. */
  rejected: number;
  /** Jobs done when the server was stopped (recorded after the ACKs, in batches). */
  jobsDone: number;
  serverCpuMs: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

/**
 * A router's CoA port: verifies like RouterOS would and ACKs with a signed reply (Message-Authenticator first).
 * CoA-Request gets CoA-ACK, Disconnect-Request Disconnect-ACK; `onRequest` sees each verified request as it arrives.
 */
export class AckingRouter {
  readonly seen = new Set<string>();
  received = 0;
  rejected = 0;
  firstAt = 0;
  lastNewAckAt = 0;
  /** Called for every verified request: its Acct-Session-Id and RADIUS code (43 CoA, 40 Disconnect). */
  onRequest: ((acctSessionId: string, code: number) => void) | undefined;
  private onAll: (() => void) | undefined;

  private constructor(
    readonly socket: dgram.Socket,
    readonly address: string,
    readonly port: number,
    private readonly secret: Buffer,
    private readonly expected: number,
  ) {
    socket.on('message', (msg, rinfo) => this.handle(msg, rinfo));
  }

  static async start(address: string, secret: string, expected: number): Promise<AckingRouter> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new AckingRouter(socket, address, socket.address().port, Buffer.from(secret), expected);
  }

  done(): Promise<void> {
    return this.seen.size >= this.expected ? Promise.resolve() : new Promise((resolve) => (this.onAll = resolve));
  }

  private handle(packet: Buffer, rinfo: dgram.RemoteInfo): void {
    this.received++;
    if (this.firstAt === 0) this.firstAt = performance.now();
    if (packet.length < 20 || (packet[0] !== 43 && packet[0] !== 40)) return void this.rejected++;
    const zeroed = Buffer.from(packet);
    zeroed.fill(0, 4, 20);
    if (!createHash('md5').update(zeroed).update(this.secret).digest().equals(packet.subarray(4, 20))) return void this.rejected++;
    let ma = -1;
    let session = '';
    for (let o = 20; o + 2 <= packet.length && packet[o + 1]! >= 2; o += packet[o + 1]!) {
      if (packet[o] === 80) ma = o + 2;
      if (packet[o] === 44) session = packet.toString('utf8', o + 2, o + packet[o + 1]!);
    }
    if (ma < 0) return void this.rejected++;
    zeroed.fill(0, ma, ma + 16);
    if (!createHmac('md5', this.secret).update(zeroed).digest().equals(packet.subarray(ma, ma + 16))) return void this.rejected++;
    // CoA-ACK / Disconnect-ACK: Message-Authenticator (over the Request Authenticator), then the Response Authenticator.
    const reply = Buffer.alloc(38);
    reply[0] = packet[0]! + 1;
    reply[1] = packet[1]!;
    reply.writeUInt16BE(38, 2);
    packet.copy(reply, 4, 4, 20);
    reply[20] = 80;
    reply[21] = 18;
    createHmac('md5', this.secret).update(reply).digest().copy(reply, 22);
    createHash('md5').update(reply).update(this.secret).digest().copy(reply, 4);
    this.socket.send(reply, rinfo.port, rinfo.address);
    this.onRequest?.(session, packet[0]!);
    if (!this.seen.has(session)) {
      this.seen.add(session);
      this.lastNewAckAt = performance.now();
      if (this.seen.size >= this.expected) this.onAll?.();
    }
  }
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Status-Server (with Message-Authenticator) until the server answers: sockets bound, directory loaded. */
async function waitForServer(port: number, secret: string, exited: () => boolean, timeoutMs: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (exited()) throw new Error('radgate exited during startup');
      const packet = Buffer.concat([Buffer.of(12, 1, 0, 38), randomBytes(16), Buffer.of(80, 18), Buffer.alloc(16)]);
      createHmac('md5', secret).update(packet).digest().copy(packet, 22);
      const answered = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 500);
        socket.once('message', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      socket.send(packet, port, '127.0.0.1');
      if (await answered) return;
    }
    throw new Error('radgate did not start in time');
  } finally {
    socket.close();
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * Subscribers e0… (account E<i>, plan home-10, active) with one open session each, spread round-robin over
 * `routers` (NAS bench<i> at the router's address; see addRouterNases). Seeded an hour back.
 */
export async function seed(database: DatabaseHandle, o: Pick<EnforcementBenchOptions, 'subscribers'>, routers: AckingRouter[], passwordKey: Buffer): Promise<void> {
  await database.migrate();
  const service = new SubscriberRecords(database, PasswordVault.fromKey(passwordKey), { hasWorkspace: () => true, hasPlan: () => true, nasWorkspace: () => 'default' });
  const list: NewSubscriber[] = [];
  for (let i = 0; i < o.subscribers; i++) {
    list.push({ workspaceId: 'default', username: `e${i}`, password: `pw${i}`, plan: 'home-10', accountNumber: `E${i}` });
  }
  const clashes = await service.addMany(list, true);
  if (clashes.length > 0) throw new Error(`seeding failed: ${clashes.length} clashes`);
  // Seeded an hour ago: the directory's safety-net poll re-reads rows changed in the last minute (steady state).
  await database.db.execute(sql`update subscribers set created_at = now() - interval '1 hour', updated_at = now() - interval '1 hour'`);
  const ids = new Map<string, number>();
  for (const row of rowsOf<{ id: number | string; username: string }>(await database.db.execute(sql`select id, username from subscribers`))) {
    ids.set(row.username, Number(row.id));
  }
  const now = new Date();
  const updates: SessionUpdate[] = list.map((s, i) => {
    const router = routers[i % routers.length]!;
    return {
      status: 'Start', workspaceId: 'default', nasName: `bench${i % routers.length}`, nasAddress: router.address, nasIpAddress: router.address,
      nasIdentifier: null, acctSessionId: `e${i.toString(16).padStart(8, '0')}`, class: '', username: s.username, subscriberId: ids.get(s.username) ?? null,
      framedIpAddress: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, callingStationId: null, calledStationId: null, nasPortId: null,
      eventAt: now, startedAt: now, interimInterval: 300, sessionTime: 0, inputOctets: 0n, outputOctets: 0n, inputPackets: 0, outputPackets: 0,
      terminateCause: null,
    };
  });
  for (let i = 0; i < updates.length; i += 1000) await applySessionUpdates(database.db, updates.slice(i, i + 1000));
}

export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Adds the routers to the config directory's nas.yaml as bench0… (secrets as `AckingRouter.start` is given them). */
export function addRouterNases(configDir: string, routers: readonly AckingRouter[], concurrency: number): void {
  const nasYaml = path.join(configDir, 'nas.yaml');
  writeFileSync(nasYaml, readFileSync(nasYaml, 'utf8') + routers.map((r, i) => `
  - name: bench${i}
    address: ${r.address}
    secret: ${routerSecret(i)}
    workspace: default
    coa_port: ${r.port}
    enforcement: { concurrency: ${concurrency} }
`).join(''));
}

/** The shared secret of bench router `i`. */
export const routerSecret = (i: number): string => `bench-secret-${i}-0123456789`;

export async function benchEnforcement(options: Partial<EnforcementBenchOptions> = {}, print: (line: string) => void = console.log): Promise<EnforcementRun> {
  const o = { ...ENFORCEMENT_BENCH_DEFAULTS, ...options };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-bench-enforce-'));
  const dataDir = path.join(dir, 'data');
  const scratch = await scratchDatabase('enforce');
  const databaseUrl = scratch.url;
  const kind = databaseUrl ? 'postgres' : 'pglite';
  const perNas = Math.ceil(o.subscribers / o.nases);
  const routers = await Promise.all(
    Array.from({ length: o.nases }, (_, i) => AckingRouter.start(`127.0.0.${i + 2}`, routerSecret(i), Math.floor(o.subscribers / o.nases) + (i < o.subscribers % o.nases ? 1 : 0))),
  );
  print(`enforcement: ${fmt(o.subscribers)} subscribers online on ${o.nases} NASes (~${fmt(perNas)} each), all expire at once; ${o.concurrency} CoAs in flight per NAS; ${kind}` +
    (o.touchSubscribers ? '' : '; updated_at untouched (enforcement alone, no directory refresh)'));
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const seedStarted = performance.now();
    const passwordKey = randomBytes(32);
    const setup = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
    try {
      await seed(setup, o, routers, passwordKey);
    } finally {
      await setup.close();
    }
    print(`  seeded ${fmt(o.subscribers)} subscribers and sessions in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    // Config: the example, log level warn, the bench routers as NASes.
    const configDir = path.join(dir, 'config');
    cpSync(path.join(ROOT, 'config'), configDir, { recursive: true });
    const serverYaml = path.join(configDir, 'server.yaml');
    writeFileSync(serverYaml, readFileSync(serverYaml, 'utf8').replace(/^(\s*)log_level:.*$/m, `$1log_level: ${o.logLevel}`));
    addRouterNases(configDir, routers, o.concurrency);
    const authPort = await freeUdpPort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    Object.assign(env, {
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      RADGATE_CONFIG: configDir,
      RADGATE_DATA_DIR: dataDir,
      RADGATE_PASSWORD_KEY: passwordKey.toString('base64'),
      RADGATE_BIND: '127.0.0.1',
      RADGATE_AUTH_PORT: String(authPort),
      RADGATE_ACCT_PORT: String(await freeUdpPort()),
      RADGATE_HTTP_PORT: '0',
      RADGATE_METRICS_PORT: '0',
      RADGATE_CAPTIVE_PORT: '0',
    });
    let output = '';
    child = spawn(process.execPath, [...o.serverNodeArgs, path.join(ROOT, 'bin/radgate.js'), 'start'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = o.logFile === undefined ? undefined : createWriteStream(o.logFile);
    child.stdout!.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
      log?.write(d);
    });
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    const server = child;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    try {
      await waitForServer(authPort, 'testing123', () => server.exitCode !== null, 180_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- server output (tail) ---\n${output.slice(-4000)}`);
    }

    // The mass expiry: every status and every outbox job in one transaction, then the wake-up.
    const writer = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
    const cpuBefore = cpuMs(server.pid!);
    let committedAt = 0;
    try {
      await writer.db.transaction(async (tx) => {
        await tx.execute(o.touchSubscribers
          ? sql`update subscribers set status = 'expired', updated_at = now() where deleted_at is null`
          : sql`update subscribers set status = 'expired' where deleted_at is null`);
        await tx.execute(sql`
          insert into enforcement_jobs (subscriber_id, workspace_id, kind, from_status, to_status, reason)
          select id, workspace_id, 'status', 'active', 'expired', 'bench: mass expiry' from subscribers where deleted_at is null`);
      });
      committedAt = performance.now();
      await writer.notify(ENFORCEMENT_CHANNEL, 'bench');
    } finally {
      await writer.close();
    }
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not every CoA acknowledged within ${o.maxRunMs / 1000} s (${fmt(routers.reduce((n, r) => n + r.seen.size, 0))} of ${fmt(o.subscribers)})`)), o.maxRunMs).unref());
    await Promise.race([Promise.all(routers.map((r) => r.done())), timeout]);
    const lastAck = Math.max(...routers.map((r) => r.lastNewAckAt));
    const firstCoa = Math.min(...routers.map((r) => r.firstAt));
    const serverCpuMs = cpuMs(server.pid!) - cpuBefore;
    // Let the batched outcomes land, then stop the server and count.
    await new Promise((r) => setTimeout(r, 2000));
    server.kill('SIGTERM');
    await exited;
    child = undefined;
    const check = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
    let jobsDone = 0;
    try {
      jobsDone = Number(rowsOf<{ n: number | string }>(await check.db.execute(sql`select count(*) as n from enforcement_jobs where state = 'done'`))[0]!.n);
    } finally {
      await check.close();
    }
    const received = routers.reduce((n, r) => n + r.received, 0);
    const run: EnforcementRun = {
      database: kind,
      subscribers: o.subscribers,
      nases: o.nases,
      allAcknowledgedMs: lastAck - committedAt,
      firstCoaMs: firstCoa - committedAt,
      coasPerSecond: o.subscribers / ((lastAck - committedAt) / 1000),
      retransmissions: received - o.subscribers,
      rejected: routers.reduce((n, r) => n + r.rejected, 0),
      jobsDone,
      serverCpuMs,
    };
    print(`  every CoA acknowledged ${(run.allAcknowledgedMs / 1000).toFixed(2)} s after the commit (target ≤ 10 s): ` +
      `${fmt(run.coasPerSecond)} CoA/s, first CoA after ${fmt(run.firstCoaMs)} ms, ${run.retransmissions} retransmissions, ` +
      `${run.rejected} rejected by the routers; server CPU ${fmt(serverCpuMs)} ms; ${fmt(jobsDone)} jobs recorded done`);
    return run;
  } finally {
    child?.kill('SIGKILL');
    for (const r of routers) r.socket.close();
    rmSync(dir, { recursive: true, force: true });
    await scratch.drop();
  }
}
