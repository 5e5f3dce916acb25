/**
 * Fuzzing a running radgate PROCESS (`node bin/radgate.js start`, compiled dist/: `npm run build` first) with at
 * least 100,000 random and mutated datagrams on both ports (radius.md §2; style.md habit 2): random bytes,
 * truncations, bad Length fields, bad and overrunning attribute lengths, broken or missing Message-Authenticator,
 * the wrong secret, huge datagrams, single bit flips of valid packets, every code on both ports, Vendor-Specific
 * garbage, octets beyond Length, retransmissions, and valid packets from an address that is not a NAS.
 *
 * Asserted: the process stays up and keeps answering; every reply answers a datagram that an independent oracle
 * (below, written from the RFCs, sharing no code with src/) calls a valid, correctly signed request from the
 * configured NAS, and verifies against that request (Response Authenticator, Message-Authenticator first); the
 * valid PAP requests of a subscriber added with `radgate subscriber add` while the server runs all get Access-Accept,
 * during the run and after it; the server received (nearly) everything sent; nothing secret reaches the log.
 * Deterministic (seeded PRNG; FUZZ_SEED overrides) and paced: each batch ends with a Status-Server probe per port
 * whose reply proves the server drained its socket, so the kernel buffer never overflows.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import dgram, { type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RADGATE_BIN, runCli } from '../helpers/cli.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { prng } from '../../bench/requests.js'; // the load generator's seeded PRNG (mulberry32)

const SECRET = Buffer.from('testing123');
const WRONG_SECRET = Buffer.from('testing124');
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

type Port = 'auth' | 'acct';

// ─── deterministic randomness ──────────────────────────────────────────────────────────────────────────────────

let random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
function bytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = int(256);
  return out;
}

// ─── building requests (RFC 2865 §3, §5; RFC 2866 §3; RFC 3579 §3.2; RFC 5997) ─────────────────────────────────

function attr(type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.of(type, v.length + 2), v]);
}

function vsa(vendor: number, type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(vendor, 0);
  head[4] = type;
  head[5] = value.length + 2;
  return attr(26, Buffer.concat([head, value]));
}

/** RFC 2865 §5.2 User-Password hiding. */
function hide(password: string, secret: Buffer, authenticator: Buffer): Buffer {
  const p = Buffer.alloc(Math.max(16, Math.ceil(Buffer.byteLength(password) / 16) * 16));
  p.write(password);
  let previous = authenticator;
  for (let i = 0; i < p.length; i += 16) {
    const b = createHash('md5').update(secret).update(previous).digest();
    for (let j = 0; j < 16; j++) p[i + j]! ^= b[j]!;
    previous = p.subarray(i, i + 16);
  }
  return p;
}

const MA_ZERO = attr(80, Buffer.alloc(16));

/** Header + attributes; Length set. The authenticator field is `authenticator`. */
function packet(code: number, id: number, authenticator: Buffer, attributes: Buffer[]): Buffer {
  const p = Buffer.concat([Buffer.of(code, id, 0, 0), authenticator, ...attributes]);
  p.writeUInt16BE(p.length, 2);
  return p;
}

/** Access-Request / Status-Server style: random authenticator; MA (if any) = HMAC-MD5 over the packet. */
function signWithMa(p: Buffer, secret: Buffer): Buffer {
  const offset = findAttribute(p, 80, 18);
  if (offset >= 0) createHmac('md5', secret).update(p.fill(0, offset + 2, offset + 18)).digest().copy(p, offset + 2);
  return p;
}

/** Accounting-Request style: MA over the packet with a zero authenticator, then authenticator = MD5(packet ‖ secret). */
function signHashed(p: Buffer, secret: Buffer): Buffer {
  p.fill(0, 4, 20);
  const offset = findAttribute(p, 80, 18);
  if (offset >= 0) createHmac('md5', secret).update(p.fill(0, offset + 2, offset + 18)).digest().copy(p, offset + 2);
  createHash('md5').update(p).update(secret).digest().copy(p, 4);
  return p;
}

function findAttribute(p: Buffer, type: number, length?: number): number {
  for (let o = 20; o + 2 <= p.length && p[o + 1]! >= 2; o += p[o + 1]!) {
    if (p[o] === type && (length === undefined || p[o + 1] === length) && o + p[o + 1]! <= p.length) return o;
  }
  return -1;
}

let nextId = 0;
const id = () => (nextId = (nextId + 1) & 0xff);

function pap(user: string, password: string, secret = SECRET, extra: Buffer[] = []): Buffer {
  const authenticator = bytes(16);
  return signWithMa(packet(1, id(), authenticator, [MA_ZERO, attr(1, user), attr(2, hide(password, secret, authenticator)), ...extra]), secret);
}

function statusServer(secret = SECRET): Buffer {
  return signWithMa(packet(12, id(), bytes(16), [MA_ZERO]), secret);
}

function accounting(secret = SECRET, extra: Buffer[] = []): Buffer {
  const status = Buffer.alloc(4);
  status.writeUInt32BE(pick([1, 2, 3, 7, 8]), 0);
  // Never the subscriber's name: an accounting Start would count against its simultaneous-session limit.
  const attrs = [attr(40, status), attr(1, pick(['acct-user', 'nobody', 'x'])), attr(44, bytes(4).toString('hex')), ...extra];
  return signHashed(packet(4, id(), Buffer.alloc(16), random() < 0.5 ? [MA_ZERO, ...attrs] : attrs), secret);
}

/** A few attributes with random types and values (structurally valid). */
function randomAttributes(): Buffer[] {
  return Array.from({ length: int(5) }, () => attr(1 + int(254), bytes(int(40))));
}

// ─── the oracle: may the server answer this datagram? ─────────────────────────────────────────────────────────

const ANSWERABLE: Record<Port, ReadonlySet<number>> = { auth: new Set([1, 12]), acct: new Set([4, 12]) };

/**
 * RFC 2865 §3 framing (Length 20–4096, not beyond the datagram; octets beyond Length are padding), attributes with
 * length ≥ 2 inside the packet, one 18-byte Message-Authenticator at most, the code allowed on the port, and a valid
 * signature with the NAS's secret: Access-Request and Status-Server need a valid MA (the NAS is `auto` and has sent
 * one), Accounting-Request a valid Request Authenticator (and MA if present). Deliberately looser than the server
 * elsewhere: a datagram it allows may still go unanswered, never the reverse.
 */
function answerable(datagram: Buffer, port: Port): boolean {
  if (datagram.length < 20) return false;
  const length = datagram.readUInt16BE(2);
  if (length < 20 || length > 4096 || length > datagram.length) return false;
  const p = datagram.subarray(0, length);
  if (!ANSWERABLE[port].has(p[0]!)) return false;
  let ma = -1;
  for (let o = 20; o < length; ) {
    if (o + 2 > length || p[o + 1]! < 2 || o + p[o + 1]! > length) return false;
    if (p[o] === 80) {
      if (ma >= 0 || p[o + 1] !== 18) return false;
      ma = o + 2;
    }
    o += p[o + 1]!;
  }
  const copy = Buffer.from(p);
  if (p[0] === 4) {
    copy.fill(0, 4, 20);
    if (!createHash('md5').update(copy).update(SECRET).digest().equals(p.subarray(4, 20))) return false;
    if (ma < 0) return true;
  } else if (ma < 0) {
    return false;
  }
  copy.fill(0, ma, ma + 16);
  return createHmac('md5', SECRET).update(copy).digest().equals(p.subarray(ma, ma + 16));
}

// ─── mutations of valid packets ─────────────────────────────────────────────────────────────────────────────────

/** A valid, signed request; `cleanPap`: a plain PAP of the subscriber with its password (Access-Accept expected). */
function validRequest(port: Port): { packet: Buffer; cleanPap: boolean } {
  if (port === 'acct') return { packet: random() < 0.8 ? accounting(SECRET, randomAttributes()) : statusServer(), cleanPap: false };
  switch (int(5)) {
    case 0:
      return { packet: statusServer(), cleanPap: false };
    case 1:
      return { packet: pap(USER, PASSWORD), cleanPap: true };
    case 2:
      // Random extra attributes: may be answered or dropped (e.g. an integer attribute of the wrong size).
      return { packet: pap(USER, PASSWORD, SECRET, randomAttributes()), cleanPap: false };
    case 3:
      return { packet: pap(pick(['nobody', USER, 'admin']), pick(['wrong', PASSWORD + 'x', ''])), cleanPap: false };
    default: {
      // CHAP or MS-CHAPv2 shaped, with garbage inside: signed, so the server may answer (Access-Reject).
      const a = bytes(16);
      const credentials = random() < 0.5
        ? [attr(3, bytes(17)), ...(random() < 0.5 ? [attr(60, bytes(16))] : [])]
        : [vsa(311, 11, bytes(16)), vsa(311, 25, bytes(int(60)))];
      return { packet: signWithMa(packet(1, id(), a, [MA_ZERO, attr(1, USER), ...credentials]), SECRET), cleanPap: false };
    }
  }
}

function validPacket(port: Port): Buffer {
  return validRequest(port).packet;
}

function flipBit(p: Buffer): Buffer {
  const out = Buffer.from(p);
  const bit = int(out.length * 8);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

const MUTATIONS: Array<{ name: string; weight: number; make: (port: Port) => Buffer }> = [
  { name: 'random bytes', weight: 10, make: () => bytes(int(700)) },
  { name: 'random bytes with a plausible header', weight: 8, make: () => {
    const p = bytes(20 + int(300));
    p[0] = pick([1, 4, 12, int(256)]);
    p.writeUInt16BE(random() < 0.7 ? p.length : int(65536), 2);
    return p;
  } },
  { name: 'truncated', weight: 8, make: (port) => {
    const p = validPacket(port);
    return p.subarray(0, int(p.length));
  } },
  { name: 'bad Length field', weight: 8, make: (port) => {
    const p = Buffer.from(validPacket(port));
    p.writeUInt16BE(pick([0, 1, 19, p.length - 1, p.length + 1, 4097, 65535, int(65536)]) & 0xffff, 2);
    return p;
  } },
  { name: 'bad attribute length', weight: 8, make: (port) => {
    const p = Buffer.from(validPacket(port));
    const offsets: number[] = [];
    for (let o = 20; o + 2 <= p.length && p[o + 1]! >= 2; o += p[o + 1]!) offsets.push(o);
    const o = offsets.length > 0 ? pick(offsets) : 20;
    if (o + 1 < p.length) p[o + 1] = pick([0, 1, 255, p.length - o + 1, int(256)]);
    return p;
  } },
  { name: 'attribute overrunning the packet', weight: 5, make: (port) => {
    const p = validPacket(port);
    const extra = Buffer.of(1 + int(254), 10 + int(200), ...bytes(int(8)));
    const out = Buffer.concat([p, extra]);
    out.writeUInt16BE(out.length, 2);
    return random() < 0.5 ? signWithMa(out, SECRET) : out;
  } },
  { name: 'broken Message-Authenticator', weight: 8, make: (port) => {
    const p = Buffer.from(validPacket(port));
    const o = findAttribute(p, 80);
    if (o >= 0) p[o + 2 + int(16)]! ^= 1 << int(8);
    else p[4 + int(16)]! ^= 1 << int(8);
    return p;
  } },
  { name: 'Message-Authenticator removed', weight: 5, make: () => {
    const a = bytes(16);
    return packet(pick([1, 12]), id(), a, [attr(1, USER), attr(2, hide(PASSWORD, SECRET, a))]);
  } },
  { name: 'wrong secret', weight: 6, make: (port) =>
    port === 'acct' ? accounting(WRONG_SECRET) : random() < 0.5 ? pap(USER, PASSWORD, WRONG_SECRET) : statusServer(WRONG_SECRET) },
  { name: 'huge datagram (> 4096 bytes)', weight: 2, make: (port) => {
    const valid = validPacket(port);
    // UDP over IPv4 carries at most 65,507 bytes.
    const size = Math.min(65_507 - valid.length, random() < 0.05 ? 20_000 + int(45_000) : 4097 + int(4000));
    const p = Buffer.concat([valid, bytes(size)]);
    if (random() < 0.7) p.writeUInt16BE(Math.min(65535, p.length), 2); // Length claims it all: > 4096, dropped
    return p;
  } },
  { name: 'single bit flip of a valid packet', weight: 15, make: (port) => flipBit(validPacket(port)) },
  { name: 'every code in turn, signed', weight: 6, make: () => {
    const a = bytes(16);
    const p = packet(codeCursor++ & 0xff, id(), a, [MA_ZERO, attr(1, 'code-user'), ...randomAttributes()]);
    return random() < 0.5 ? signWithMa(p, SECRET) : signHashed(p, SECRET);
  } },
  { name: 'Vendor-Specific garbage', weight: 6, make: () => {
    const a = bytes(16);
    // Random bytes, or a real Vendor-Id (Microsoft 311, MikroTik 14988) followed by random sub-attributes.
    const vendor = Buffer.alloc(4);
    vendor.writeUInt32BE(pick([311, 14988]), 0);
    const body = random() < 0.4 ? bytes(int(60)) : Buffer.concat([vendor, bytes(int(40))]);
    return signWithMa(packet(1, id(), a, [MA_ZERO, attr(1, USER), attr(2, hide(PASSWORD, SECRET, a)), attr(26, body)]), SECRET);
  } },
  { name: 'octets beyond Length (padding)', weight: 4, make: (port) => Buffer.concat([validPacket(port), bytes(1 + int(300))]) },
];
let codeCursor = 0;
const TOTAL_WEIGHT = MUTATIONS.reduce((sum, m) => sum + m.weight, 0);

function mutation() {
  let r = random() * TOTAL_WEIGHT;
  for (const m of MUTATIONS) if ((r -= m.weight) < 0) return m;
  return MUTATIONS[MUTATIONS.length - 1]!;
}

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
  const copy = Buffer.from(reply);
  request.authenticator.copy(copy, 4);
  if (!createHash('md5').update(copy).update(SECRET).digest().equals(reply.subarray(4, 20))) return false;
  const needsMa = reply[0] === 2 || reply[0] === 3 || reply[0] === 11 || request.code === 12;
  if (!needsMa) return true;
  if (reply[20] !== 80 || reply[21] !== 18) return false;
  copy.fill(0, 22, 38);
  return createHmac('md5', SECRET).update(copy).digest().equals(reply.subarray(22, 38));
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
    random = prng(SEED);
    nextId = 0;
    codeCursor = 0;
    let sent = 0;
    let sentBytes = 0;
    let mustAnswerSent = 0;
    const started = Date.now();
    while (sent < DATAGRAMS) {
      let batchBytes = 0;
      for (let n = 0; n < BATCH_DATAGRAMS && batchBytes < BATCH_BYTES && sent < DATAGRAMS; n++) {
        const port: Port = random() < 0.7 ? 'auth' : 'acct';
        const s = int(NAS_SOCKETS);
        const fromStranger = random() < 0.02;
        // One in twenty: a valid request (a tenth of them retransmitted, answered from the duplicate cache).
        const valid = random() < 0.05 ? validRequest(port) : undefined;
        const m = fromStranger || valid ? undefined : mutation();
        const name = fromStranger ? 'valid, from an address that is not a NAS' : m ? m.name : 'valid request';
        const datagram = valid ? valid.packet : m ? m.make(port) : validPacket(port);
        const ok = !fromStranger && answerable(datagram, port);
        const count = counts.get(name) ?? { sent: 0, answerable: 0 };
        counts.set(name, count);
        const copies = valid && random() < 0.1 ? 2 : 1;
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
    expect(output).not.toContain(SECRET.toString());
    expect(output).not.toContain(PASSWORD);
    for (const socket of [control, probe, stranger, ...nas]) socket.close();
  }, 120_000);
});
