/**
 * The soak benchmark's bad NAS: a configured client (its address and secret are in nas.yaml) that sends, at its own
 * rate and without ever retransmitting, datagrams with bad lengths and bad attributes, records signed with a wrong
 * secret, without Acct-Status-Type or with one no RFC defines, and authentic Start / Interim / Stop records and
 * Access-Requests whose Acct-Session-Id, User-Name and Calling-Station-Id hold NUL bytes and invalid UTF-8. Built by
 * hand like bench/requests.ts, deterministically from a seed.
 */
import type dgram from 'node:dgram';
import { papRequest, prng, randomBytesFrom, replyMatches } from './requests.js';
import { accountingPacket, attr, int, ipv4, STATUS } from './soak-packets.js';
import { connectedSocket } from './soak-traffic.js';

/** What the bad NAS sends, with its weight in the mix. */
export const BAD_KINDS = {
  /** Shorter than the 20-octet header (RFC 2865 §3). */
  short: 1,
  /** Length field beyond the datagram. */
  'length-over': 1,
  /** Length field below 20. */
  'length-under': 1,
  /** An attribute of length 0 or 1 (RFC 2865 §5: at least 2). */
  'attr-bad-length': 1,
  /** An attribute running past the end of the packet. */
  'attr-overrun': 1,
  /** Random bytes after a plausible header. */
  garbage: 1,
  /** A well-formed Accounting-Request signed with the wrong secret. */
  'bad-authenticator': 1,
  /** Authentic, but no Acct-Status-Type (RFC 2866 §5.13). */
  'no-status-type': 2,
  /** Authentic, Acct-Status-Type 99 (defined by no RFC). */
  'unknown-status-type': 1,
  /** Authentic Start / Interim / Stop with NUL bytes and invalid UTF-8 in Acct-Session-Id, User-Name and
   *  Calling-Station-Id: radgate must store it normalised (docs/radius-protocol.md §16) and answer it. */
  poisoned: 5,
  /** An Access-Request (with a valid Message-Authenticator) for a NUL-poisoned, unknown User-Name. */
  'poisoned-auth': 1,
} as const;
export type BadKind = keyof typeof BAD_KINDS;

export interface BadDatagram {
  kind: BadKind;
  port: 'auth' | 'acct';
  packet: Buffer;
  /** `poisoned`: the Acct-Session-Id as radgate must store it (`0x` + hex: not printable UTF-8). */
  storedSessionId?: string;
}

/** Bytes no text attribute may keep: NUL, a lone continuation byte, a truncated sequence, an encoded surrogate, ESC. */
const POISONS = [Buffer.of(0), Buffer.of(0x80), Buffer.of(0xc3), Buffer.of(0xed, 0xa0, 0x80), Buffer.of(0xff, 0xfe), Buffer.of(0x1b)];

/** Builds the bad NAS's datagrams, deterministically from `seed`. */
export class BadNasFactory {
  private readonly random: () => number;
  private readonly table: BadKind[] = [];
  private serial = 0;

  constructor(
    private readonly secret: Buffer,
    readonly nasIp: string,
    seed: number,
  ) {
    this.random = prng(seed);
    for (const [kind, weight] of Object.entries(BAD_KINDS) as Array<[BadKind, number]>) {
      for (let i = 0; i < weight; i++) this.table.push(kind);
    }
  }

  next(identifier: number): BadDatagram {
    const kind = this.table[Math.floor(this.random() * this.table.length)]!;
    const n = this.serial++;
    const secret = this.secret;
    const header = (code: number, length: number) => {
      const h = Buffer.concat([Buffer.of(code, identifier, 0, 0), randomBytesFrom(this.random, 16)]);
      h.writeUInt16BE(length & 0xffff, 2);
      return h;
    };
    const plain = [attr(1, `bad-user-${n}`), int(40, STATUS.Start), attr(44, `bad-${n}`), ipv4(4, this.nasIp)];
    switch (kind) {
      case 'short':
        return { kind, port: 'acct', packet: randomBytesFrom(this.random, Math.floor(this.random() * 20)) };
      case 'length-over': {
        const body = Buffer.concat(plain);
        return { kind, port: 'acct', packet: Buffer.concat([header(4, 20 + body.length + 1 + Math.floor(this.random() * 200)), body]) };
      }
      case 'length-under':
        return { kind, port: 'acct', packet: Buffer.concat([header(4, Math.floor(this.random() * 20)), ...plain]) };
      case 'attr-bad-length': {
        const bad = Buffer.of(44, Math.floor(this.random() * 2), 0x41, 0x42);
        // The length field covers it and the authenticator is right: only the attribute framing is at fault.
        return { kind, port: 'acct', packet: accountingPacket(identifier, [...plain.slice(0, 2), bad, ...plain.slice(3)], secret) };
      }
      case 'attr-overrun': {
        const bad = Buffer.concat([Buffer.of(31, 200), Buffer.from('AA:BB')]);
        return { kind, port: 'acct', packet: accountingPacket(identifier, [...plain, bad], secret) };
      }
      case 'garbage': {
        const body = randomBytesFrom(this.random, 1 + Math.floor(this.random() * 300));
        return { kind, port: this.random() < 0.5 ? 'acct' : 'auth', packet: Buffer.concat([header(this.random() < 0.5 ? 4 : 1, 20 + body.length), body]) };
      }
      case 'bad-authenticator':
        return { kind, port: 'acct', packet: accountingPacket(identifier, plain, Buffer.from('not-the-secret-of-this-nas')) };
      case 'no-status-type':
        return { kind, port: 'acct', packet: accountingPacket(identifier, plain.filter((_, i) => i !== 1), secret) };
      case 'unknown-status-type':
        return { kind, port: 'acct', packet: accountingPacket(identifier, [plain[0]!, int(40, 99), ...plain.slice(2)], secret) };
      case 'poisoned': {
        const sessionId = Buffer.concat([Buffer.from(`bad-${n}-`), this.poison(), Buffer.from('-x')]);
        const status = (['Start', 'Interim-Update', 'Stop'] as const)[n % 3]!;
        const attributes = [
          attr(1, Buffer.concat([Buffer.from('bad'), this.poison(), Buffer.from(`user-${n}`)])),
          int(40, STATUS[status]),
          attr(44, sessionId),
          ipv4(4, this.nasIp),
          attr(31, Buffer.concat([Buffer.from('AA:BB:'), this.poison(), Buffer.from(':CC')])),
          int(61, 15),
        ];
        if (status !== 'Start') attributes.push(int(46, 60));
        return { kind, port: 'acct', packet: accountingPacket(identifier, attributes, secret), storedSessionId: `0x${sessionId.toString('hex')}` };
      }
      case 'poisoned-auth': {
        const user = { username: Buffer.concat([Buffer.from('bad'), this.poison(), Buffer.from(`user-${n}`)]), password: 'whatever-it-is' };
        return { kind, port: 'auth', packet: papRequest(identifier, user, secret, randomBytesFrom(this.random, 16)) };
      }
    }
  }

  /** One to three poison sequences, always with a NUL among them. */
  private poison(): Buffer {
    const parts = [Buffer.of(0)];
    const extra = Math.floor(this.random() * 3);
    for (let i = 0; i < extra; i++) parts.push(POISONS[Math.floor(this.random() * POISONS.length)]!);
    return Buffer.concat(parts);
  }
}

export interface BadNasCounts {
  sent: Record<BadKind, number>;
  /** Accounting-Responses to poisoned records (verified). */
  acked: number;
  /** Access-Rejects to poisoned Access-Requests (verified). */
  rejected: number;
  /** Any other verified reply: radgate answered something it should have dropped. */
  unexpected: number;
}

/** The bad NAS: a configured client that sends BadNasFactory's datagrams to both ports and never retransmits. */
export class BadNas {
  readonly counts: BadNasCounts = { sent: Object.fromEntries(Object.keys(BAD_KINDS).map((k) => [k, 0])) as Record<BadKind, number>, acked: 0, rejected: 0, unexpected: 0 };
  /** Acct-Session-Ids of acknowledged poisoned records, as radgate must have stored them. */
  readonly ackedSessionIds: string[] = [];
  private readonly inFlight: Record<'auth' | 'acct', Array<{ packet: Buffer; stored: string | undefined } | undefined>> = {
    auth: new Array(256).fill(undefined),
    acct: new Array(256).fill(undefined),
  };
  private nextId = 0;
  private readonly scratch: Buffer;

  private constructor(
    private readonly sockets: Record<'auth' | 'acct', dgram.Socket>,
    private readonly factory: BadNasFactory,
    private readonly secret: Buffer,
  ) {
    this.scratch = Buffer.alloc(4096 + secret.length);
    for (const port of ['auth', 'acct'] as const) sockets[port].on('message', (reply) => this.receive(port, reply));
  }

  static async open(address: string, secret: string, ports: { auth: number; acct: number }, seed: number): Promise<BadNas> {
    const sockets = { auth: await connectedSocket(address, ports.auth), acct: await connectedSocket(address, ports.acct) };
    return new BadNas(sockets, new BadNasFactory(Buffer.from(secret), address, seed), Buffer.from(secret));
  }

  send(): void {
    // One Identifier sequence for both sockets: each wraps after 256 datagrams, long after any reply came back.
    const d = this.factory.next(this.nextId);
    this.counts.sent[d.kind]++;
    this.inFlight[d.port][this.nextId] = { packet: d.packet, stored: d.storedSessionId };
    this.nextId = (this.nextId + 1) & 0xff;
    this.sockets[d.port].send(d.packet);
  }

  close(): void {
    this.sockets.auth.close();
    this.sockets.acct.close();
  }

  private receive(port: 'auth' | 'acct', reply: Buffer): void {
    const sent = this.inFlight[port][reply[1] ?? 0];
    if (!sent || !replyMatches(reply, sent.packet, this.secret, this.scratch)) return;
    this.inFlight[port][reply[1] ?? 0] = undefined;
    if (port === 'acct' && reply[0] === 5 && sent.stored !== undefined) {
      this.counts.acked++;
      this.ackedSessionIds.push(sent.stored);
    } else if (port === 'auth' && reply[0] === 3) {
      this.counts.rejected++;
    } else {
      this.counts.unexpected++;
    }
  }
}
