/**
 * Fuzzing a running radgate PROCESS (`node bin/radgate.js start`, compiled dist/: `npm run build` first) with at
 * least 100,000 random and mutated datagrams on both ports (docs/radius-protocol.md §2): random bytes,
 * truncations, bad Length fields, bad and overrunning attribute lengths, broken or missing Message-Authenticator,
 * the wrong secret, huge datagrams, single bit flips of valid packets, every code on both ports, Vendor-Specific
 * garbage, octets beyond Length, retransmissions, and valid packets from an address that is not a NAS.
 *
 * Asserted: the process stays up and keeps answering; every reply answers a datagram that an independent oracle
 * (below, made of the checks in test/helpers/radius-datagrams.ts: written from the RFCs, sharing no code with src/)
 * calls a valid, correctly signed request from the configured NAS, and verifies against that request (Response
 * Authenticator, Message-Authenticator first); the valid PAP requests of a subscriber added with `radgate subscriber
 * add` while the server runs all get Access-Accept, during the run and after it; the server received (nearly)
 * everything sent; nothing secret reaches the log.
 * Deterministic (the seeded datagrams of test/helpers/radius-datagrams.ts; FUZZ_SEED overrides) and paced: each batch
 * ends with a Status-Server probe per port whose reply proves the server drained its socket, so the kernel buffer
 * never overflows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram, { type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RADGATE_BIN, runCli } from '../helpers/cli.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import {
  attr, attributesOf, lengthsValid, MA_ZERO, messageAuthenticatorValid, packet, PORT_CODES, radiusDatagrams,
  requestAuthenticatorValid, responseAuthenticatorValid, sign, vsa, type Port,
} from '../helpers/radius-datagrams.js';

const SECRET = 'testing123';
const USER = 'fuzz-user';
const PASSWORD = 'fuzz-pass-7731';
const DATAGRAMS = Number(process.env.FUZZ_DATAGRAMS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2865);
/**
 * Per batch: at most this many datagrams and bytes before the probes. The server asks for a 4 MB receive buffer, but
 * the kernel caps it at net.core.rmem_max (often 208 KB, doubled: ~416 KB, each small datagram costing ~1.3 KB of it).
 */
const BATCH_DATAGRAMS = 200;
const BATCH_BYTES = 128 * 1024;
/** Sockets the fuzz datagrams come from (spreads Identifiers over more duplicate-cache keys). */
const NAS_SOCKETS = 4;

// ─── building requests (RFC 2865 §3, §5; RFC 2866 §3; RFC 3579 §3.2; RFC 5997): test/helpers/radius-datagrams.ts ──

const datagrams = radiusDatagrams({ seed: SEED, secret: SECRET });
const { key: KEY, int, chance, pick, bytes, id, randomAttributes, statusServer } = datagrams;

function pap(user: string, password: string, secret = KEY, extra: Buffer[] = []): Buffer {
  const authenticator = bytes(16);
  return sign(packet(1, id(), authenticator, [MA_ZERO, attr(1, user), attr(2, datagrams.hide(password, authenticator, secret)), ...extra]), secret);
}

function accounting(secret = KEY, extra: Buffer[] = []): Buffer {
  const status = Buffer.alloc(4);
  status.writeUInt32BE(pick([1, 2, 3, 7, 8]), 0);
  // Never the subscriber's name: an accounting Start would count against its simultaneous-session limit.
  const attrs = [attr(40, status), attr(1, pick(['acct-user', 'nobody', 'x'])), attr(44, bytes(4).toString('hex')), ...extra];
  return sign(packet(4, id(), Buffer.alloc(16), chance(0.5) ? [MA_ZERO, ...attrs] : attrs), secret);
}

// ─── the oracle: may the server answer this datagram? ─────────────────────────────────────────────────────────

/**
 * RFC 2865 §3 framing (Length 20–4096, not beyond the datagram; octets beyond Length are padding), attributes with
 * length ≥ 2 inside the packet, one 18-byte Message-Authenticator at most, the code allowed on the port, and a valid
 * signature with the NAS's secret: Access-Request and Status-Server need a valid MA (the NAS is `auto` and has sent
 * one), Accounting-Request a valid Request Authenticator (and MA if present). Deliberately looser than the server
 * elsewhere: a datagram it allows may still go unanswered, never the reverse.
 */
function answerable(datagram: Buffer, port: Port): boolean {
  if (!lengthsValid(datagram)) return false;
  const p = datagram.subarray(0, datagram.readUInt16BE(2));
  if (!PORT_CODES[port].has(p[0]!)) return false;
  let ma = -1;
  for (const [type, value] of attributesOf(p)) {
    if (type !== 80) continue;
    if (ma >= 0 || value.length !== 16) return false;
    ma = value.byteOffset - p.byteOffset;
  }
  if (p[0] === 4) {
    if (!requestAuthenticatorValid(p, KEY)) return false;
    return ma < 0 || messageAuthenticatorValid(p, ma, KEY, Buffer.alloc(16));
  }
  return ma >= 0 && messageAuthenticatorValid(p, ma, KEY, p.subarray(4, 20));
}

// ─── mutations of valid packets ─────────────────────────────────────────────────────────────────────────────────

/** A valid, signed request; `cleanPap`: a plain PAP of the subscriber with its password (Access-Accept expected). */
function validRequest(port: Port): { packet: Buffer; cleanPap: boolean } {
  if (port === 'acct') return { packet: chance(0.8) ? accounting(KEY, randomAttributes()) : statusServer(), cleanPap: false };
  switch (int(5)) {
    case 0:
      return { packet: statusServer(), cleanPap: false };
    case 1:
      return { packet: pap(USER, PASSWORD), cleanPap: true };
    case 2:
      // Random extra attributes: may be answered or dropped (e.g. an integer attribute of the wrong size).
      return { packet: pap(USER, PASSWORD, KEY, randomAttributes()), cleanPap: false };
    case 3:
      return { packet: pap(pick(['nobody', USER, 'admin']), pick(['wrong', PASSWORD + 'x', ''])), cleanPap: false };
    default: {
      // CHAP or MS-CHAPv2 shaped, with garbage inside: signed, so the server may answer (Access-Reject).
      const a = bytes(16);
      const credentials = chance(0.5)
        ? [attr(3, bytes(17)), ...(chance(0.5) ? [attr(60, bytes(16))] : [])]
        : [vsa(311, 11, bytes(16)), vsa(311, 25, bytes(int(60)))];
      return { packet: sign(packet(1, id(), a, [MA_ZERO, attr(1, USER), ...credentials]), KEY), cleanPap: false };
    }
  }
}

function validPacket(port: Port): Buffer {
  return validRequest(port).packet;
}

// Mutants are sent as they come out: whatever of them is still answerable, `answerable` says so.
const MUTATIONS = datagrams.mutations({
  weights: {
    randomBytes: 10, plausibleHeader: 8, truncated: 8, badLength: 8, badAttributeLength: 8, overrun: 5, brokenMa: 8,
    maRemoved: 5, wrongSecret: 6, huge: 2, bitFlip: 15, everyCode: 6, vendorGarbage: 6, padding: 4,
  },
  user: USER,
  password: PASSWORD,
  valid: validPacket,
  pap: (secret) => pap(USER, PASSWORD, secret),
  accounting: (secret) => accounting(secret),
  wrongSecret: 'testing124',
  randomLength: 700,
  reachDecoder: false,
  maxDatagram: 65_507, // UDP over IPv4
  garbageVendorIds: { ids: [311, 14988] },
  // Not the subscriber, as in accounting().
  everyCode: { user: 'code-user', signing: 'either way' },
});

// ─── checking replies ───────────────────────────────────────────────────────────────────────────────────────────

interface Sent {
  port: Port;
  code: number;
  authenticator: Buffer;
}

const REPLY_CODES: Record<string, ReadonlySet<number>> = {
  'auth:1': new Set([2, 3, 11]),
  'auth:12': new Set([2]),
  'acct:12': new Set([5]),
  'acct:4': new Set([5]),
};

/** RFC 2865 §3 Response Authenticator and RFC 3579 §3.2 Message-Authenticator (first, for Access-* replies). */
function verifies(reply: Buffer, request: Sent): boolean {
  if (reply.length < 20 || reply.readUInt16BE(2) !== reply.length) return false;
  if (!REPLY_CODES[`${request.port}:${request.code}`]?.has(reply[0]!)) return false;
  if (!responseAuthenticatorValid(reply, request.authenticator, KEY)) return false;
  const needsMa = reply[0] === 2 || reply[0] === 3 || reply[0] === 11 || request.code === 12;
  if (!needsMa) return true;
  if (reply[20] !== 80 || reply[21] !== 18) return false;
  return messageAuthenticatorValid(reply, 22, KEY, request.authenticator);
}

// ─── the running server ─────────────────────────────────────────────────────────────────────────────────────────

let database: TestDatabase;
let server: ChildProcess;
let serverEnv: NodeJS.ProcessEnv;
let output = '';
let exited: Promise<number | null>;
const ports: Record<Port, number> = { auth: 0, acct: 0 };

function openSocket(address: string): Promise<Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  return new Promise((resolve) => socket.bind(0, address, () => resolve(socket)));
}

/** The server's complete JSON log lines so far (a line still being written is left for the next call). */
function serverLines(): Array<Record<string, unknown>> {
  const lines = output.split('\n').slice(0, -1);
  const parsed: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      parsed.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // stderr interleaved with stdout: not a log line of ours
    }
  }
  return parsed;
}

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  database = await freshDatabase();
  serverEnv = {
    PATH: process.env.PATH,
    RADGATE_CONFIG: testConfig({ 'server.yaml': (t) => t.replace(/reject_delay:.*\n/, 'reject_delay: 0.1\n') }),
    RADGATE_DATA_DIR: database.dataDir,
    RADGATE_BIND: '127.0.0.1',
    RADGATE_AUTH_PORT: '0',
    RADGATE_ACCT_PORT: '0',
    RADGATE_HTTP_PORT: '0',
    RADGATE_METRICS_PORT: '0',
    RADGATE_CAPTIVE_PORT: '0',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
  };
  server = spawn(process.execPath, [RADGATE_BIN, 'start'], { env: serverEnv, cwd: ROOT });
  server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
  const listening = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = serverLines().find((l) => l.msg === 'radgate listening');
      if (line) {
        clearInterval(timer);
        resolve(line);
      } else if (server.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`radgate exited with ${server.exitCode}:\n${output}`));
      }
    }, 50);
  });
  ports.auth = Number(listening.auth);
  ports.acct = Number(listening.acct);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGKILL');
    await exited;
  }
  await database?.cleanup();
});

/** Fail with a message rather than at the test's time limit. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Send `request` from `socket` until a reply that verifies against it arrives (or give up after `tries`). */
async function ask(socket: Socket, port: Port, request: Buffer, tries = 20): Promise<Buffer | undefined> {
  const sent: Sent = { port, code: request[0]!, authenticator: request.subarray(4, 20) };
  for (let i = 0; i < tries; i++) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const onMessage = (m: Buffer) => {
        if (m[1] === request[1] && verifies(m, sent)) done(m);
      };
      const timer = setTimeout(() => done(undefined), 500);
      const done = (m: Buffer | undefined) => {
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(m);
      };
      socket.on('message', onMessage);
      socket.send(request, ports[port], '127.0.0.1');
    });
    if (reply) return reply;
  }
  return undefined;
}

describe('fuzzing a running radgate process', () => {
  it(`survives ${DATAGRAMS.toLocaleString('en')} random and mutated datagrams and answers only valid, signed requests`, async () => {
    const control = await openSocket('127.0.0.1');
    // The first request carries Message-Authenticator: NAS `local` is `auto`, so MA is required from now on.
    expect((await ask(control, 'auth', pap('nobody-yet', 'x')))?.[0]).toBe(3);

    // The operator adds a subscriber with the CLI while the server runs (PGlite: through the server's socket).
    const add = await withTimeout(
      runCli(['subscriber', 'add', USER, '--plan', 'home-10', '--account', 'FUZZ-1', '--password', PASSWORD], serverEnv),
      30_000,
      '`radgate subscriber add` while the server runs',
    );
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    let accept: Buffer | undefined;
    for (let i = 0; i < 100 && accept?.[0] !== 2; i++) {
      accept = await ask(control, 'auth', pap(USER, PASSWORD));
      if (accept?.[0] !== 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(accept?.[0]).toBe(2);

    const nas = await Promise.all(Array.from({ length: NAS_SOCKETS }, () => openSocket('127.0.0.1')));
    const stranger = await openSocket('127.0.0.2'); // not a configured NAS
    const probe = await openSocket('127.0.0.1');

    // Every answerable datagram, by the socket it came from, the port and its Identifier.
    const candidates = new Map<string, Sent[]>();
    const mustAnswer = new Map<string, Sent>(); // valid PAP for the subscriber: Access-Accept expected
    const unexpected: string[] = [];
    const counts = new Map<string, { sent: number; answerable: number }>();
    let replies = 0;
    let accepts = 0;
    nas.forEach((socket, s) =>
      socket.on('message', (reply, rinfo) => {
        replies++;
        const port: Port = rinfo.port === ports.acct ? 'acct' : 'auth';
        const key = `${s}|${port}|${reply[1]}`;
        const match = candidates.get(key)?.find((c) => verifies(reply, c));
        if (!match) {
          if (unexpected.length < 10) unexpected.push(`${reply.toString('hex').slice(0, 80)}… on socket ${s}, ${port} port`);
          return;
        }
        if (mustAnswer.delete(`${key}|${match.authenticator.toString('hex')}`) && reply[0] === 2) accepts++;
      }),
    );
    let strangerReplies = 0;
    stranger.on('message', () => strangerReplies++);

    // The same datagrams on every run, however many tries the set-up above needed.
    datagrams.reset();
    let sent = 0;
    let sentBytes = 0;
    let mustAnswerSent = 0;
    const started = Date.now();
    while (sent < DATAGRAMS) {
      let batchBytes = 0;
      for (let n = 0; n < BATCH_DATAGRAMS && batchBytes < BATCH_BYTES && sent < DATAGRAMS; n++) {
        const port: Port = chance(0.7) ? 'auth' : 'acct';
        const s = int(NAS_SOCKETS);
        const fromStranger = chance(0.02);
        // One in twenty: a valid request (a tenth of them retransmitted, answered from the duplicate cache).
        const valid = chance(0.05) ? validRequest(port) : undefined;
        const m = fromStranger || valid ? undefined : MUTATIONS.next();
        const name = fromStranger ? 'valid, from an address that is not a NAS' : m ? m.name : 'valid request';
        const datagram = valid ? valid.packet : m ? m.make(port) : validPacket(port);
        const ok = !fromStranger && answerable(datagram, port);
        const count = counts.get(name) ?? { sent: 0, answerable: 0 };
        counts.set(name, count);
        const copies = valid && chance(0.1) ? 2 : 1;
        for (let copy = 0; copy < copies; copy++) {
          count.sent++;
          if (ok) {
            count.answerable++;
            const key = `${s}|${port}|${datagram[1]}`;
            const list = candidates.get(key) ?? [];
            list.push({ port, code: datagram[0]!, authenticator: Buffer.from(datagram.subarray(4, 20)) });
            candidates.set(key, list);
          }
          (fromStranger ? stranger : nas[s]!).send(datagram, ports[port], '127.0.0.1');
          sent++;
          sentBytes += datagram.length;
          batchBytes += datagram.length;
        }
        if (ok && valid?.cleanPap) {
          mustAnswer.set(`${s}|auth|${datagram[1]}|${datagram.subarray(4, 20).toString('hex')}`, { port, code: 1, authenticator: datagram.subarray(4, 20) });
          mustAnswerSent++;
        }
      }
      // Probes: the server answers in order per socket, so these replies mean the batch was read.
      for (const port of ['auth', 'acct'] as const) {
        const reply = await ask(probe, port, statusServer());
        if (!reply) throw new Error(`no Status-Server reply on the ${port} port after ${sent} datagrams:\n${output.slice(-3000)}`);
      }
      expect(server.exitCode).toBeNull();
      if (Date.now() - started > 90_000) throw new Error(`fuzzing took over 90 s (${sent} sent)`);
    }
    // Rejects are delayed (reject_delay 0.1 s): let them arrive.
    await new Promise((r) => setTimeout(r, 500));

    // Still serving: the subscriber logs in.
    const after = await ask(control, 'auth', pap(USER, PASSWORD));
    expect(after?.[0]).toBe(2);

    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    const stopped = serverLines().find((l) => l.msg === 'RADIUS server stopped') as { stats?: { received: number; replied: number; duplicatesResent: number; dropped: Record<string, number> } } | undefined;
    const stats = stopped?.stats;
    expect(stats).toBeDefined();

    const table = [...counts].map(([name, c]) => `  ${name.padEnd(52)} ${String(c.sent).padStart(7)} sent, ${String(c.answerable).padStart(6)} answerable`);
    console.log(
      [
        `fuzz (seed ${SEED}): ${sent.toLocaleString('en')} datagrams (${(sentBytes / 1048576).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        ...table,
        `server: received ${stats!.received.toLocaleString('en')} datagrams in all (including probes and set-up), replied ${stats!.replied}, ` +
          `resent ${stats!.duplicatesResent} from the duplicate cache; dropped ${JSON.stringify(stats!.dropped)}`,
        `replies to fuzz sockets: ${replies}; Access-Accept for the ${mustAnswerSent} valid subscriber PAP requests: ${accepts}`,
      ].join('\n'),
    );

    expect(unexpected).toEqual([]);
    expect(strangerReplies).toBe(0);
    expect(accepts).toBe(mustAnswerSent);
    expect(mustAnswerSent).toBeGreaterThan(100);
    // What the server read: every fuzz datagram plus probes and set-up requests, minus any the kernel dropped.
    expect(stats!.received).toBeGreaterThanOrEqual(Math.floor(sent * 0.99));
    // Secrets and passwords never reach the log.
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(PASSWORD);
    for (const socket of [control, probe, stranger, ...nas]) socket.close();
  }, 120_000);
});
