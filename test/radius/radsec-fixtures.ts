/**
 * RadSec test fixtures: certificates from `radgate pki` (plus a rogue CA and an expired certificate made with the
 * openssl CLI), radgate configs with `server.radsec`, a TLS client acting as a NAS (RFC 6614 framing), and Debian's
 * radsecproxy as a real RadSec peer.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls, { type TLSSocket } from 'node:tls';
import { pkiInit, pkiIssue, pkiServer } from '../../src/cli/pki-commands.js';
import { StreamFramer } from '../../src/radius/radsec-frame.js';

export interface Pki {
  dir: string;
  /** A second CA nobody configured, with a certificate for "core-rs" (the NAS name). */
  rogueDir: string;
  file: (name: string) => string;
  read: (name: string) => string;
  cleanup: () => void;
}

/** CA, server certificate (127.0.0.1), NAS certificates core-rs and stranger, an expired core-rs, a rogue CA. */
export async function makePki(): Promise<Pki> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-pki-'));
  const rogueDir = path.join(dir, 'rogue');
  await pkiInit(dir);
  await pkiServer(dir, '127.0.0.1');
  await pkiIssue(dir, 'core-rs');
  await pkiIssue(dir, 'stranger');
  await pkiIssue(dir, 'edge-2');
  await pkiInit(rogueDir);
  await pkiIssue(rogueDir, 'core-rs');
  // Expired yesterday, signed by the right CA (OpenSSL 3 takes a negative -days).
  const key = path.join(dir, 'expired.key');
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], { stdio: 'ignore' });
  execFileSync('openssl', ['req', '-new', '-key', key, '-out', path.join(dir, 'expired.csr'), '-subj', '/CN=core-rs'], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', path.join(dir, 'expired.csr'), '-CA', path.join(dir, 'ca.crt'), '-CAkey', path.join(dir, 'ca.key'),
    '-CAcreateserial', '-days', '-1', '-out', path.join(dir, 'expired.crt')], { stdio: 'ignore' });
  return {
    dir,
    rogueDir,
    file: (name) => path.join(dir, name),
    read: (name) => readFileSync(path.join(dir, name), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** server.yaml gets a `radsec:` section (port 0), nas.yaml a RadSec-only NAS "core-rs" recognised by its CN. */
export function radsecConfig(pki: Pki, options: { idleTimeout?: string; maxConnections?: number; coa?: 'udp' | 'connection'; extraNas?: string; server?: (text: string) => string } = {}) {
  const section = [
    '  radsec:',
    '    port: 0',
    `    cert_file: ${pki.file('server.crt')}`,
    `    key_file: ${pki.file('server.key')}`,
    `    ca_file: ${pki.file('ca.crt')}`,
    `    idle_timeout: ${options.idleTimeout ?? '120s'}`,
    `    max_connections_per_nas: ${options.maxConnections ?? 4}`,
    '    max_in_flight: 8',
    '',
  ].join('\n');
  const nas = [
    '  - name: core-rs',
    '    address: 192.0.2.10',
    '    workspace: default',
    '    radsec:',
    '      subject: core-rs',
    `      coa: ${options.coa ?? 'udp'}`,
    '',
  ].join('\n');
  return {
    'server.yaml': (t: string) => (options.server ?? ((x: string) => x))(t.replace(/reject_delay:.*\n/, 'reject_delay: 0.2\n').replace(/^server:\n/m, `server:\n${section}`)),
    'nas.yaml': (t: string) => `${t.trimEnd()}\n${nas}${options.extraNas ?? ''}`,
  };
}

// ─── a TLS client acting as a NAS ────────────────────────────────────────────────────────────────────────────────

const SECRET = Buffer.from('radsec');

export interface NasConnection {
  socket: TLSSocket;
  /** Send bytes; resolves with the next whole packet the server sends, or undefined when the connection closes. */
  exchange: (bytes: Buffer, timeoutMs?: number) => Promise<Buffer | undefined>;
  /** The next packet the server sends (a CoA request), or undefined on close/timeout. */
  next: (timeoutMs?: number) => Promise<Buffer | undefined>;
  write: (bytes: Buffer) => void;
  closed: Promise<void>;
}

/** Connect with `cert`/`key` (file names in the PKI dir, or absolute), trusting the PKI's CA for the server. */
export function connectNas(port: number, pki: Pki, cert: string | undefined, key?: string): Promise<NasConnection> {
  return new Promise((resolve, reject) => {
    const resolveFile = (name: string) => (path.isAbsolute(name) ? name : pki.file(name));
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      ca: pki.read('ca.crt'),
      cert: cert === undefined ? undefined : readFileSync(resolveFile(cert)),
      key: key === undefined ? undefined : readFileSync(resolveFile(key)),
      checkServerIdentity: () => undefined,
    });
    const framer = new StreamFramer();
    const packets: Buffer[] = [];
    const waiters: Array<(p: Buffer | undefined) => void> = [];
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    void closed.then(() => {
      for (const w of waiters.splice(0)) w(undefined);
    });
    socket.on('data', (chunk: Buffer) => {
      const result = framer.push(chunk);
      if ('error' in result) return;
      for (const p of result.packets) {
        const w = waiters.shift();
        if (w) w(p);
        else packets.push(p);
      }
    });
    socket.on('error', () => undefined);
    const next = (timeoutMs = 5000) =>
      new Promise<Buffer | undefined>((r) => {
        const ready = packets.shift();
        if (ready) return r(ready);
        if (socket.destroyed) return r(undefined);
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          r(undefined);
        }, timeoutMs);
        const done = (p: Buffer | undefined) => {
          clearTimeout(timer);
          r(p);
        };
        waiters.push(done);
      });
    socket.once('secureConnect', () =>
      resolve({
        socket,
        write: (bytes) => socket.write(bytes),
        exchange: (bytes, timeoutMs) => {
          const reply = next(timeoutMs);
          socket.write(bytes);
          return reply;
        },
        next,
        closed,
      }),
    );
    socket.once('error', reject);
  });
}

function attr(type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type, value.length + 2), value]);
}

/** A Status-Server (RFC 5997 §3) signed for the secret `radsec`. */
export function statusServer(id: number): Buffer {
  const p = Buffer.concat([Buffer.of(12, id, 0, 0), randomBytes(16), attr(80, Buffer.alloc(16))]);
  p.writeUInt16BE(p.length, 2);
  createHmac('md5', SECRET).update(p).digest().copy(p, p.length - 16);
  return p;
}

/** An Access-Request with PAP (RFC 2865 §5.2) and Message-Authenticator, for the secret `radsec`. */
export function papRequest(id: number, user: string, password: string): Buffer {
  const authenticator = randomBytes(16);
  const padded = Buffer.alloc(Math.ceil(Buffer.byteLength(password) / 16) * 16 || 16);
  padded.write(password);
  const hidden = Buffer.alloc(padded.length);
  let previous = authenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const b = createHash('md5').update(SECRET).update(previous).digest();
    for (let j = 0; j < 16; j++) hidden[i + j] = padded[i + j]! ^ b[j]!;
    previous = hidden.subarray(i, i + 16);
  }
  const p = Buffer.concat([Buffer.of(1, id, 0, 0), authenticator, attr(80, Buffer.alloc(16)), attr(1, Buffer.from(user)), attr(2, hidden)]);
  p.writeUInt16BE(p.length, 2);
  createHmac('md5', SECRET).update(p).digest().copy(p, 22);
  return p;
}

/** An Accounting-Request (RFC 2866 §3: MD5 Request Authenticator) for the secret `radsec`; attributes as (type, text). */
export function accountingRequest(id: number, attributes: Array<[number, string | number]>): Buffer {
  const body = attributes.map(([type, value]) => {
    if (typeof value === 'number') {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(value);
      return attr(type, b);
    }
    return attr(type, Buffer.from(value));
  });
  const p = Buffer.concat([Buffer.of(4, id, 0, 0), Buffer.alloc(16), ...body]);
  p.writeUInt16BE(p.length, 2);
  createHash('md5').update(p).update(SECRET).digest().copy(p, 4);
  return p;
}

/** Reply authenticator check (RFC 2865 §3) for the secret `radsec`. */
export function replyValid(reply: Buffer, request: Buffer): boolean {
  const copy = Buffer.from(reply);
  request.copy(copy, 4, 4, 20);
  return createHash('md5').update(copy).update(SECRET).digest().equals(reply.subarray(4, 20));
}

/** Answer a CoA/Disconnect request as a NAS would: the ACK code, signed over the request's authenticator. */
export function ackFor(request: Buffer): Buffer {
  const code = request[0] === 43 ? 44 : 41;
  const p = Buffer.concat([Buffer.of(code, request[1]!, 0, 20), request.subarray(4, 20)]);
  const authenticator = createHash('md5').update(p).update(SECRET).digest();
  authenticator.copy(p, 4);
  return p;
}

// ─── radsecproxy ────────────────────────────────────────────────────────────────────────────────────────────────

export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const port = socket.address().port;
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

export interface Radsecproxy {
  /** UDP port radclient talks to (secret testing123). */
  port: number;
  output: () => string;
  stop: () => Promise<void>;
}

/** radsecproxy in the foreground: UDP from 127.0.0.1 (secret testing123) → TLS to radgate with `cert`/`key`. */
export async function startRadsecproxy(pki: Pki, radsecPort: number, cert = 'core-rs.crt', key = 'core-rs.key'): Promise<Radsecproxy> {
  const port = await freeUdpPort();
  const conf = path.join(pki.dir, `radsecproxy-${port}.conf`);
  writeFileSync(conf, [
    `ListenUDP 127.0.0.1:${port}`,
    'LogLevel 4',
    'tls default {',
    `    CACertificateFile ${pki.file('ca.crt')}`,
    `    CertificateFile ${pki.file(cert)}`,
    `    CertificateKeyFile ${pki.file(key)}`,
    '}',
    'client localhost {',
    '    host 127.0.0.1',
    '    type udp',
    '    secret testing123',
    '}',
    'server radgate {',
    '    host 127.0.0.1',
    `    port ${radsecPort}`,
    '    type tls',
    '    tls default',
    '    secret radsec',
    '    CertificateNameCheck off',
    '}',
    'realm * {',
    '    server radgate',
    '    accountingServer radgate',
    '}',
    '',
  ].join('\n'));
  const child: ChildProcess = spawn('/usr/sbin/radsecproxy', ['-f', '-d', '4', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Ready when its UDP socket is bound (it logs nothing reliable for that in every version): give it a moment.
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`radsecproxy exited: ${output}`);
  return {
    port,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
