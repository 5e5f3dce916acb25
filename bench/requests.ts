/**
 * Access-Requests for the load generator, built by hand (not through src/radius) the way a MikroTik router sends
 * them: Message-Authenticator first (RFC 3579 §3.2), a fresh random Request Authenticator per request so the
 * server's duplicate cache (RFC 5080 §2.2.2) never answers for it, and the reply check a NAS makes.
 */
import { createHmac, hash } from 'node:crypto';
import { generateNtResponse, ntPasswordHash } from '../src/radius/auth/mschap.js';

/** A deterministic PRNG (mulberry32) so every run sends the same requests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytesFrom(random: () => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 256) | 0;
  return out;
}

function attr(type: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type, value.length + 2), value]);
}

function microsoft(type: number, value: Buffer): Buffer {
  const vsa = Buffer.alloc(6);
  vsa.writeUInt32BE(311, 0);
  vsa[4] = type;
  vsa[5] = value.length + 2;
  return attr(26, Buffer.concat([vsa, value]));
}

/** RFC 2865 §5.2 User-Password hiding. */
function hide(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  const padded = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16));
  password.copy(padded);
  let previous = authenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const b = hash('md5', Buffer.concat([secret, previous]), 'buffer');
    for (let j = 0; j < 16; j++) padded[i + j]! ^= b[j]!;
    previous = padded.subarray(i, i + 16);
  }
  return padded;
}

/** Header + Message-Authenticator (first) + attributes, signed: the HMAC covers the packet with MA zeroed. */
function signed(identifier: number, authenticator: Buffer, attributes: Buffer[], secret: Buffer): Buffer {
  const packet = Buffer.concat([Buffer.of(1, identifier, 0, 0), authenticator, attr(80, Buffer.alloc(16)), ...attributes]);
  packet.writeUInt16BE(packet.length, 2);
  createHmac('md5', secret).update(packet).digest().copy(packet, 22);
  return packet;
}

export interface BenchUser {
  username: string;
  password: string;
}

/** The benchmark's subscribers: fixed-width names so every request of a kind has the same length. */
export function benchUser(index: number): BenchUser {
  const n = String(index).padStart(6, '0');
  return { username: `bench-${n}`, password: `pw-${n}-secret` };
}

/**
 * A PAP Access-Request as a MikroTik sends it: Message-Authenticator first, User-Name, hidden User-Password. The
 * name may be raw bytes (the soak benchmark's bad NAS sends invalid UTF-8).
 */
export function papRequest(identifier: number, user: { username: string | Buffer; password: string }, secret: Buffer, authenticator: Buffer): Buffer {
  const password = attr(2, hide(Buffer.from(user.password), secret, authenticator));
  const name = typeof user.username === 'string' ? Buffer.from(user.username) : user.username;
  return signed(identifier, authenticator, [attr(1, name), password], secret);
}

export type Method = 'pap' | 'mschap2';

/** Builds requests of one method for random users; MS-CHAPv2 responses are computed once per user. */
export class RequestFactory {
  private readonly mschapCache = new Map<number, { challenge: Buffer; response: Buffer }>();
  private readonly random: () => number;

  constructor(
    private readonly method: Method,
    private readonly secret: Buffer,
    private readonly users: number,
    seed: number,
  ) {
    this.random = prng(seed);
  }

  build(identifier: number): Buffer {
    const index = Math.floor(this.random() * this.users);
    const user = benchUser(index);
    const authenticator = randomBytesFrom(this.random, 16);
    if (this.method === 'pap') return papRequest(identifier, user, this.secret, authenticator);
    const name = attr(1, Buffer.from(user.username));
    const { challenge, response } = this.mschap(index, user);
    return signed(identifier, authenticator, [name, microsoft(11, challenge), microsoft(25, response)], this.secret);
  }

  /** RFC 2548 §2.3.2 MS-CHAP2-Response: Ident ‖ Flags ‖ Peer-Challenge ‖ 8×0 ‖ NT-Response (RFC 2759 §8.1). */
  private mschap(index: number, user: BenchUser): { challenge: Buffer; response: Buffer } {
    let cached = this.mschapCache.get(index);
    if (!cached) {
      const challenge = randomBytesFrom(this.random, 16);
      const peer = randomBytesFrom(this.random, 16);
      const nt = generateNtResponse(challenge, peer, user.username, ntPasswordHash(user.password));
      cached = { challenge, response: Buffer.concat([Buffer.of(1, 0), peer, Buffer.alloc(8), nt]) };
      this.mschapCache.set(index, cached);
    }
    return cached;
  }
}

/**
 * What a NAS checks in a reply (RFC 2865 §3): same Identifier, Response Authenticator = MD5(Code ‖ ID ‖ Length ‖
 * Request Authenticator ‖ Attributes ‖ Secret). `scratch` must hold 4096 + secret bytes.
 */
export function replyMatches(reply: Buffer, request: Buffer, secret: Buffer, scratch: Buffer): boolean {
  if (reply.length < 20 || reply[1] !== request[1] || reply.readUInt16BE(2) !== reply.length) return false;
  reply.copy(scratch, 0, 0, 4);
  request.copy(scratch, 4, 4, 20);
  reply.copy(scratch, 20, 20);
  secret.copy(scratch, reply.length);
  return hash('md5', scratch.subarray(0, reply.length + secret.length), 'buffer').equals(reply.subarray(4, 20));
}
