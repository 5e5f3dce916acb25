/**
 * Seeded RADIUS datagrams for the two fuzz tests (docs/radius-protocol.md §2): test/radius/decode-fuzz.test.ts feeds
 * them to the decoder in-process, test/radius/fuzz.test.ts to a spawned radgate process. Here: the byte helpers and
 * signing (RFC 2865 §3, §5; RFC 2866 §3; RFC 3579 §3.2), the table of mutations, and the checks written from the RFCs
 * that both tests' oracles are made of. Built by hand with node:crypto, sharing no code with src/.
 *
 * Deterministic: the bench's seeded PRNG (mulberry32). `radiusDatagrams` binds the random helpers to one stream;
 * each test builds its own valid requests with them and passes those, with what differs between the tests, to
 * `mutations`.
 */
import { createHash, createHmac } from 'node:crypto';
import { prng } from '../../bench/requests.js';
import { attr, hide } from './udp.js';

export { attr };

export type Port = 'auth' | 'acct';

// ─── building packets ────────────────────────────────────────────────────────────────────────────────────────────

/** Message-Authenticator with a zero value: `sign` fills it in (RFC 3579 §3.2). */
export const MA_ZERO = attr(80, Buffer.alloc(16));

/** Header + attributes, Length set (capped at 0xffff). The authenticator field is `authenticator`. */
export function packet(code: number, id: number, authenticator: Buffer, attributes: Buffer[]): Buffer {
  const p = Buffer.concat([Buffer.of(code, id, 0, 0), authenticator, ...attributes]);
  p.writeUInt16BE(Math.min(p.length, 0xffff), 2);
  return p;
}

/** Set Length to the datagram's size after appending (capped at 0xffff). */
export function withLength(p: Buffer): Buffer {
  if (p.length >= 4) p.writeUInt16BE(Math.min(p.length, 0xffff), 2);
  return p;
}

/** A Vendor-Specific attribute holding one sub-attribute (RFC 2865 §5.26). */
export function vsa(vendor: number, type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head.writeUInt32BE(vendor, 0);
  head[4] = type;
  head[5] = value.length + 2;
  return attr(26, Buffer.concat([head, value]));
}

/** Offset of the first attribute of `type` inside the Length-bounded packet, walking only well-formed headers. */
export function findAttribute(p: Buffer, type: number, length?: number): number {
  const end = Math.min(p.length, p.length >= 4 ? p.readUInt16BE(2) : 0);
  for (let o = 20; o + 2 <= end && p[o + 1]! >= 2 && o + p[o + 1]! <= end; o += p[o + 1]!) {
    if (p[o] === type && (length === undefined || p[o + 1] === length)) return o;
  }
  return -1;
}

/**
 * Sign the Length-bounded packet as a NAS would: a Message-Authenticator of 18 bytes, if any, is HMAC-MD5 over the
 * packet (RFC 3579 §3.2); `hashed` (by default for Accounting-Request) zeroes the authenticator first and then sets
 * it to MD5(packet ‖ secret) (RFC 2866 §3). Otherwise the authenticator is left as it is (RFC 2865 §3).
 */
export function sign(p: Buffer, secret: Buffer, hashed = p[0] === 4): Buffer {
  if (p.length < 20) return p;
  const length = Math.min(p.length, p.readUInt16BE(2));
  if (length < 20) return p;
  const body = p.subarray(0, length);
  if (hashed) body.fill(0, 4, 20);
  const ma = findAttribute(p, 80, 18);
  if (ma >= 0) createHmac('md5', secret).update(body.fill(0, ma + 2, ma + 18)).digest().copy(body, ma + 2);
  if (hashed) createHash('md5').update(body).update(secret).digest().copy(body, 4);
  return p;
}

// ─── checks written from the RFCs, for the oracles ──────────────────────────────────────────────────────────────

/** The codes each port may answer: Access-Request and Accounting-Request, Status-Server on both (docs/radius-protocol.md §1). */
export const PORT_CODES: Record<Port, ReadonlySet<number>> = { auth: new Set([1, 12]), acct: new Set([4, 12]) };

/** Length in 20–4096 and within the datagram, every attribute length ≥ 2 and within Length (RFC 2865 §3, §5). */
export function lengthsValid(d: Buffer): boolean {
  if (d.length < 20) return false;
  const length = d.readUInt16BE(2);
  if (length < 20 || length > 4096 || length > d.length) return false;
  for (let o = 20; o < length; o += d[o + 1]!) {
    if (o + 2 > length || d[o + 1]! < 2 || o + d[o + 1]! > length) return false;
  }
  return true;
}

/** The attributes of a packet whose lengths are valid, as [type, value]. */
export function attributesOf(p: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  for (let o = 20; o < p.length; o += p[o + 1]!) out.push([p[o]!, p.subarray(o + 2, o + p[o + 1]!)]);
  return out;
}

/** Accounting-Request authenticator: MD5 of the packet with 16 zero bytes in its place, then the secret (RFC 2866 §3). */
export function requestAuthenticatorValid(p: Buffer, secret: Buffer): boolean {
  const copy = Buffer.from(p).fill(0, 4, 20);
  return createHash('md5').update(copy).update(secret).digest().equals(p.subarray(4, 20));
}

/** Response Authenticator: MD5 of the reply with the request's authenticator in its place, then the secret (RFC 2865 §3). */
export function responseAuthenticatorValid(reply: Buffer, requestAuthenticator: Buffer, secret: Buffer): boolean {
  const copy = Buffer.from(reply);
  requestAuthenticator.copy(copy, 4);
  return createHash('md5').update(copy).update(secret).digest().equals(reply.subarray(4, 20));
}

/**
 * The Message-Authenticator value at `offset`: HMAC-MD5 of the packet with `authenticator` in the header and the value
 * zeroed (RFC 3579 §3.2; which authenticator: docs/radius-protocol.md §4).
 */
export function messageAuthenticatorValid(p: Buffer, offset: number, secret: Buffer, authenticator: Buffer): boolean {
  const copy = Buffer.from(p);
  authenticator.copy(copy, 4);
  copy.fill(0, offset, offset + 16);
  return createHmac('md5', secret).update(copy).digest().equals(p.subarray(offset, offset + 16));
}

/**
 * Stored text (docs/radius-protocol.md §16), from the rule as written there: the bytes as text when they are valid
 * UTF-8 (RFC 3629) without a control character (U+0000–U+001F, U+007F–U+009F) or byte-order mark (U+FEFF), else
 * undefined.
 */
export function printableText(bytes: Buffer): string | undefined {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return /[\u0000-\u001f\u007f-\u009f\ufeff]/.test(text) ? undefined : text;
}

/** An identifier as stored (Acct-Session-Id, Class): printable text not beginning with `0x`, else `0x` + hex. */
export function storedIdentifier(bytes: Buffer): string {
  const text = printableText(bytes);
  return text !== undefined && !text.startsWith('0x') ? text : `0x${bytes.toString('hex')}`;
}

/** May this string be stored as text: valid Unicode (it has a UTF-8 encoding), no control character, no BOM? */
export function storableText(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text && !/[\u0000-\u001f\u007f-\u009f\ufeff]/.test(text);
}

// ─── the seeded stream ──────────────────────────────────────────────────────────────────────────────────────────

/** Vendor-Ids to pick from: `ids`, and with `orAnyBelow` one more drawn below it. */
export interface VendorIds {
  ids: readonly number[];
  orAnyBelow?: number;
}

export interface DatagramOptions {
  seed: number;
  /** The NAS's shared secret: what requests are signed and User-Passwords hidden with unless told otherwise. */
  secret: string;
  /**
   * Proxy-State attributes (RFC 2865 §5.33) in a fifth of the requests that ask for them, for the limit_proxy_state
   * policy (docs/radius-protocol.md §4). Without: none, and no randomness spent on them.
   */
  proxyStates?: boolean;
  /** A fifth of the random attributes are Vendor-Specific (RFC 2865 §5.26) of these vendors. Without: none are. */
  randomVendorIds?: VendorIds;
}

export type RadiusDatagrams = ReturnType<typeof radiusDatagrams>;

export function radiusDatagrams(options: DatagramOptions) {
  const key: Buffer = Buffer.from(options.secret);
  let random = prng(options.seed);
  let nextId = 0;
  let codeCursor = 0;

  const int = (n: number) => Math.floor(random() * n);
  const chance = (p: number) => random() < p;
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  const vendorId = (v: VendorIds) => pick(v.orAnyBelow === undefined ? v.ids : [...v.ids, int(v.orAnyBelow)]);
  function bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = int(256);
    return out;
  }

  const g = {
    /** The NAS's secret as bytes. */
    key,
    random: () => random(),
    int,
    chance,
    pick,
    bytes,
    /** A Vendor-Id from `v`. */
    vendorId,
    /** The next Identifier, wrapping at 256. */
    id: () => (nextId = (nextId + 1) & 0xff),
    /** Every code in turn, wrapping at 256. */
    nextCode: () => codeCursor++ & 0xff,
    /** Start the stream over: the same datagrams again, however many were drawn before. */
    reset() {
      random = prng(options.seed);
      nextId = 0;
      codeCursor = 0;
    },
    /** RFC 2865 §5.2 User-Password hiding. */
    hide: (password: string, authenticator: Buffer, secret = key) => hide(password, secret.toString(), authenticator),
    /** Up to four attributes of random types and values (structurally valid). */
    randomAttributes(): Buffer[] {
      const vendors = options.randomVendorIds;
      return Array.from({ length: int(5) }, () =>
        vendors && chance(0.2) ? vsa(vendorId(vendors), 1 + int(40), bytes(int(30))) : attr(1 + int(254), bytes(int(40))),
      );
    },
    /** One to three Proxy-State attributes in a fifth of the calls, if `proxyStates`. */
    proxyStates(): Buffer[] {
      if (!options.proxyStates) return [];
      return chance(0.2) ? Array.from({ length: 1 + int(3) }, () => attr(33, bytes(int(30)))) : [];
    },
    /** Status-Server with a Message-Authenticator (RFC 5997 §3). */
    statusServer: (secret = key) => sign(packet(12, g.id(), bytes(16), [MA_ZERO]), secret),
    /**
     * 1–`max` bytes for a text attribute (RFC 2865 §5: at most 253), as routers and subscriber devices really send
     * them and worse: pieces of printable ASCII and valid UTF-8 mixed with NUL, other C0 controls, DEL, C1 controls,
     * bytes that start no UTF-8 sequence, truncated and overlong sequences, UTF-8-encoded surrogates, a BOM, a `0x`
     * prefix, or plain random bytes.
     */
    textBytes(max = 40): Buffer {
      if (chance(0.1)) return bytes(1 + int(Math.min(max, 253)));
      const parts: Buffer[] = [];
      for (let n = 1 + int(6); n > 0; n--) parts.push(Buffer.from(pick(TEXT_PIECES)));
      const out = Buffer.concat(parts);
      return out.length <= max ? out : out.subarray(0, max);
    },
    mutations: (table: MutationOptions): Mutations => mutations(g, table),
  };
  return g;
}

/** What textBytes() is made of. */
const TEXT_PIECES: ReadonlyArray<readonly number[]> = [
  [...Buffer.from('user')], [...Buffer.from('AA:BB:CC:00:11:22')], [...Buffer.from('81a0')], [...Buffer.from('0x')],
  [...Buffer.from('é')], [...Buffer.from('中')], [...Buffer.from('😀')], [...Buffer.from(' ')],
  [0x00], [0x01], [0x0a], [0x1b], [0x1f], [0x7f], [0xc2, 0x85], [0xc2, 0x9f], // NUL, C0, DEL, C1 (NEL, APC)
  [0x80], [0xbf], [0xc0], [0xc1], [0xf5], [0xfe], [0xff], // no UTF-8 sequence starts with these
  [0xe2, 0x82], [0xf0, 0x9f, 0x98], // truncated
  [0xc0, 0x80], [0xe0, 0x80, 0x80], // overlong NUL
  [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], // surrogates
  [0xef, 0xbb, 0xbf], // BOM
];

// ─── mutations ──────────────────────────────────────────────────────────────────────────────────────────────────

export interface Mutation {
  name: string;
  weight: number;
  make: (port: Port) => Buffer;
}

const NAMES = {
  valid: 'valid',
  randomBytes: 'random bytes',
  plausibleHeader: 'random bytes with a plausible header',
  truncated: 'truncated',
  badLength: 'bad Length field',
  badAttributeLength: 'bad attribute length',
  overrun: 'attribute overrunning the packet',
  brokenMa: 'broken Message-Authenticator',
  maWrongSize: 'Message-Authenticator of the wrong size, or two',
  maRemoved: 'Message-Authenticator removed',
  wrongSecret: 'wrong secret',
  huge: 'huge datagram (> 4096 bytes)',
  bitFlip: 'single bit flip of a valid packet',
  everyCode: 'every code in turn, signed',
  vendorGarbage: 'Vendor-Specific garbage, signed',
  padding: 'octets beyond Length (padding)',
} as const;

export type MutationKind = keyof typeof NAMES;

export interface Mutations {
  /** Every mutation that may be made, in order. */
  all: readonly Mutation[];
  /** A mutation drawn by weight. */
  next(): Mutation;
}

export interface MutationOptions {
  /** How often each mutation is made, relative to the others; one not named here is never made. */
  weights: Partial<Record<MutationKind, number>>;
  /** The subscriber's credentials, for the requests built here. */
  user: string;
  password: string;
  /** A valid request for the port, signed with the NAS's secret: what most mutations start from. */
  valid(port: Port): Buffer;
  /** For 'wrong secret': a valid PAP Access-Request and Accounting-Request, signed with `secret`. */
  pap(secret: Buffer): Buffer;
  accounting(secret: Buffer): Buffer;
  wrongSecret: string;
  /** Random datagrams are shorter than this. */
  randomLength: number;
  /**
   * Mutants that may still frame and verify, so that they reach the decoder and the handlers: half of the mutated
   * datagrams are signed again, and bad Length and attribute lengths also take the in-range boundary values.
   */
  reachDecoder: boolean;
  /** The largest datagram the transport carries; then one huge datagram in twenty is 20,000 bytes or more, up to it. */
  maxDatagram?: number;
  /** The Vendor-Ids of 'Vendor-Specific garbage'. */
  garbageVendorIds: VendorIds;
  /** 'every code in turn': its User-Name, and whether it is signed as its code says (`sign`) or either way at random. */
  everyCode: { user: string; signing: 'by code' | 'either way' };
}

function mutations(g: RadiusDatagrams, o: MutationOptions): Mutations {
  const { bytes, int, chance, pick, id } = g;
  const wrong: Buffer = Buffer.from(o.wrongSecret);
  const resigned = (p: Buffer) => (o.reachDecoder && chance(0.5) ? sign(p, g.key) : p);
  const inRange = (...values: number[]) => (o.reachDecoder ? values : []);

  const makers: Record<MutationKind, (port: Port) => Buffer> = {
    valid: (port) => o.valid(port),
    randomBytes: () => bytes(int(o.randomLength)),
    plausibleHeader: () => {
      const p = bytes(20 + int(300));
      p[0] = pick([1, 4, 12, int(256)]);
      p.writeUInt16BE(chance(0.7) ? p.length : int(65536), 2);
      return resigned(p);
    },
    truncated: (port) => {
      const p = o.valid(port);
      return p.subarray(0, int(p.length));
    },
    badLength: (port) => {
      const p = Buffer.from(o.valid(port));
      const length = pick([0, 1, 19, ...inRange(20), p.length - 1, p.length + 1, ...inRange(4096), 4097, 65535, int(65536)]);
      p.writeUInt16BE(length & 0xffff, 2);
      return resigned(p);
    },
    badAttributeLength: (port) => {
      const p = Buffer.from(o.valid(port));
      const offsets: number[] = [];
      for (let at = 20; at + 2 <= p.length && p[at + 1]! >= 2; at += p[at + 1]!) offsets.push(at);
      const at = offsets.length > 0 ? pick(offsets) : 20;
      if (at + 1 < p.length) p[at + 1] = pick([0, 1, ...inRange(2, 3), 255, ...inRange(p.length - at), p.length - at + 1, int(256)]);
      return resigned(p);
    },
    overrun: (port) => {
      // Declares 10 or more bytes where at most 9 follow: never well framed, signed or not.
      const out = withLength(Buffer.concat([o.valid(port), Buffer.of(1 + int(254), 10 + int(200), ...bytes(int(8)))]));
      return chance(0.5) ? sign(out, g.key) : out;
    },
    brokenMa: (port) => {
      const p = Buffer.from(o.valid(port));
      const at = findAttribute(p, 80);
      if (at >= 0) p[at + 2 + int(16)]! ^= 1 << int(8);
      else p[4 + int(16)]! ^= 1 << int(8);
      return p;
    },
    maWrongSize: () => {
      const a = bytes(16);
      const mas = chance(0.5) ? [attr(80, bytes(pick([0, 15, 17, 30])))] : [MA_ZERO, MA_ZERO];
      return sign(packet(pick([1, 12]), id(), a, [...mas, attr(1, o.user), attr(2, g.hide(o.password, a))]), g.key);
    },
    maRemoved: () => {
      const a = bytes(16);
      return packet(pick([1, 12]), id(), a, [attr(1, o.user), attr(2, g.hide(o.password, a)), ...g.proxyStates()]);
    },
    wrongSecret: (port) => (port === 'acct' ? o.accounting(wrong) : chance(0.5) ? o.pap(wrong) : g.statusServer(wrong)),
    huge: (port) => {
      const p = o.valid(port);
      const size = o.maxDatagram === undefined
        ? 4097 + int(4000)
        : Math.min(o.maxDatagram - p.length, chance(0.05) ? 20_000 + int(45_000) : 4097 + int(4000));
      const out = Buffer.concat([p, bytes(size)]);
      if (chance(0.7)) withLength(out); // Length claims it all: > 4096, dropped
      return out;
    },
    bitFlip: (port) => {
      const out = Buffer.from(o.valid(port));
      const bit = int(out.length * 8);
      out[bit >> 3]! ^= 1 << (bit & 7);
      return resigned(out);
    },
    everyCode: () => {
      const p = packet(g.nextCode(), id(), bytes(16), [MA_ZERO, attr(1, o.everyCode.user), ...g.randomAttributes()]);
      return o.everyCode.signing === 'by code' ? sign(p, g.key) : sign(p, g.key, !chance(0.5));
    },
    vendorGarbage: () => {
      const a = bytes(16);
      // Random bytes, or a Vendor-Id (Microsoft 311, MikroTik 14988, …) followed by random sub-attributes.
      const vendor = Buffer.alloc(4);
      vendor.writeUInt32BE(g.vendorId(o.garbageVendorIds), 0);
      const body = chance(0.4) ? bytes(int(60)) : Buffer.concat([vendor, bytes(int(40))]);
      return sign(packet(1, id(), a, [MA_ZERO, attr(1, o.user), attr(2, g.hide(o.password, a)), attr(26, body)]), g.key);
    },
    padding: (port) => Buffer.concat([o.valid(port), bytes(1 + int(300))]),
  };

  const all: readonly Mutation[] = (Object.keys(NAMES) as MutationKind[])
    .filter((kind) => (o.weights[kind] ?? 0) > 0)
    .map((kind) => ({ name: NAMES[kind], weight: o.weights[kind]!, make: makers[kind] }));
  const total = all.reduce((sum, m) => sum + m.weight, 0);
  return {
    all,
    next() {
      let r = g.random() * total;
      for (const m of all) if ((r -= m.weight) < 0) return m;
      return all[all.length - 1]!;
    },
  };
}
