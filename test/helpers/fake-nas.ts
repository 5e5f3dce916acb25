/**
 * A fake NAS for CoA / Disconnect tests: real RADIUS on 127.0.0.x (RFC 5176), checked like a router checks it and
 * written independently of src/radius (node:crypto only). It drops requests whose Request Authenticator (MD5 over the
 * packet with a zero authenticator ‖ secret) or Message-Authenticator (HMAC-MD5 with authenticator and MA zeroed) is
 * wrong, or that lack MA when `requireMessageAuthenticator` (default true); answers retransmissions (same source port,
 * Identifier and authenticator) with the cached reply; records every request with its attributes decoded.
 *
 * ```ts
 * const nas = await FakeNas.start({ address: '127.0.0.2', secret: 'nas-secret-0123456789' });
 * nas.coa = { nak: 503 };          // CoA-NAK with Error-Cause 503
 * nas.disconnect = 'silent';       // never answer
 * nas.disconnect = { silentTries: 2, then: 'ack' };   // drop the first two tries of each request, then ACK
 * await nas.waitFor((r) => r.code === 43);
 * nas.received[0].attributes['Mikrotik-Rate-Limit'];
 * ```
 */
import { createHash, createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';

export type Answer =
  | 'ack'
  | 'silent'
  | { nak: number; replyMessage?: string }
  | 'ack-bad-authenticator'
  | 'ack-bad-message-authenticator'
  /** Answer after a delay (a busy router); `outstanding` / `maxOutstanding` count such requests in flight. */
  | { delayMs: number; then: 'ack' | { nak: number } };
export type Behaviour = Answer | { silentTries: number; then: Answer } | ((request: ReceivedRequest) => Answer);

export type AttributeValue = string | number;

export interface ReceivedRequest {
  code: number;
  identifier: number;
  authenticator: string;
  source: { address: string; port: number };
  /** By name; repeated attributes become arrays. Vendor attributes by their MikroTik names. */
  attributes: Record<string, AttributeValue | AttributeValue[]>;
  /** Try number of this request (1 = first transmission). */
  try: number;
  /** What the fake answered. */
  answer: 'ack' | 'nak' | 'silent' | 'bad';
  at: number;
  raw: Buffer;
}

const CODES = { disconnect: 40, disconnectAck: 41, disconnectNak: 42, coa: 43, coaAck: 44, coaNak: 45 } as const;

/** The attributes a CoA/Disconnect carries in radgate's tests: [name, kind]. */
const NAMES: Record<number, [string, 'text' | 'int' | 'ip' | 'octets']> = {
  1: ['User-Name', 'text'],
  4: ['NAS-IP-Address', 'ip'],
  8: ['Framed-IP-Address', 'ip'],
  11: ['Filter-Id', 'text'],
  18: ['Reply-Message', 'text'],
  24: ['State', 'octets'],
  25: ['Class', 'octets'],
  27: ['Session-Timeout', 'int'],
  28: ['Idle-Timeout', 'int'],
  32: ['NAS-Identifier', 'text'],
  33: ['Proxy-State', 'octets'],
  44: ['Acct-Session-Id', 'text'],
  55: ['Event-Timestamp', 'int'],
  80: ['Message-Authenticator', 'octets'],
  85: ['Acct-Interim-Interval', 'int'],
  88: ['Framed-Pool', 'text'],
  101: ['Error-Cause', 'int'],
};
const MIKROTIK: Record<number, [string, 'text' | 'int']> = {
  1: ['Mikrotik-Recv-Limit', 'int'],
  2: ['Mikrotik-Xmit-Limit', 'int'],
  3: ['Mikrotik-Group', 'text'],
  8: ['Mikrotik-Rate-Limit', 'text'],
  19: ['Mikrotik-Address-List', 'text'],
};

function value(kind: 'text' | 'int' | 'ip' | 'octets', bytes: Buffer): AttributeValue {
  switch (kind) {
    case 'text':
      return bytes.toString('utf8');
    case 'int':
      return bytes.length === 4 ? bytes.readUInt32BE(0) : bytes.toString('hex');
    case 'ip':
      return bytes.length === 4 ? [...bytes].join('.') : bytes.toString('hex');
    default:
      return bytes.toString('hex');
  }
}

export function decodeRequestAttributes(packet: Buffer): Record<string, AttributeValue | AttributeValue[]> {
  const out: Record<string, AttributeValue | AttributeValue[]> = {};
  const add = (name: string, v: AttributeValue) => {
    const have = out[name];
    out[name] = have === undefined ? v : Array.isArray(have) ? [...have, v] : [have, v];
  };
  for (let o = 20; o + 2 <= packet.length; o += packet[o + 1]!) {
    const type = packet[o]!;
    const len = packet[o + 1]!;
    if (len < 2) break;
    const body = packet.subarray(o + 2, o + len);
    if (type === 26 && body.length >= 6) {
      const vendor = body.readUInt32BE(0);
      for (let s = 4; s + 2 <= body.length; s += body[s + 1]!) {
        const sub = body[s]!;
        const subLen = body[s + 1]!;
        if (subLen < 2) break;
        const known = vendor === 14988 ? MIKROTIK[sub] : undefined;
        const subBody = body.subarray(s + 2, s + subLen);
        if (known) add(known[0], value(known[1], subBody));
        else add(`Vendor-${vendor}-${sub}`, subBody.toString('hex'));
      }
      continue;
    }
    const known = NAMES[type];
    if (known) add(known[0], value(known[1], body));
    else add(`Attr-${type}`, body.toString('hex'));
  }
  return out;
}

function attribute(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type, body.length + 2), body]);
}

function findMa(packet: Buffer): number {
  for (let o = 20; o + 2 <= packet.length; o += packet[o + 1]!) {
    if (packet[o + 1]! < 2) return -1;
    if (packet[o] === 80 && packet[o + 1] === 18) return o + 2;
  }
  return -1;
}

export interface FakeNasOptions {
  /** 127.0.0.x. Default 127.0.0.1. */
  address?: string;
  secret: string;
  /** Drop requests without Message-Authenticator. Default true. */
  requireMessageAuthenticator?: boolean;
  /** Put Message-Authenticator in replies. Default true. */
  replyMessageAuthenticator?: boolean;
}

export class FakeNas extends EventEmitter {
  coa: Behaviour = 'ack';
  disconnect: Behaviour = 'ack';
  /** Every authentic request, retransmissions included. */
  readonly received: ReceivedRequest[] = [];
  /** Requests dropped for failing a check. */
  readonly dropped: Array<{ reason: 'bad-authenticator' | 'bad-message-authenticator' | 'missing-message-authenticator' | 'malformed'; raw: Buffer }> = [];
  secret: string;
  /** Requests received and not answered yet (delayed answers), and the most at once. */
  outstanding = 0;
  maxOutstanding = 0;
  requireMessageAuthenticator: boolean;
  replyMessageAuthenticator: boolean;
  private readonly replies = new Map<string, Buffer>();
  private readonly tries = new Map<string, number>();

  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: string,
    readonly port: number,
    options: FakeNasOptions,
  ) {
    super();
    this.secret = options.secret;
    this.requireMessageAuthenticator = options.requireMessageAuthenticator ?? true;
    this.replyMessageAuthenticator = options.replyMessageAuthenticator ?? true;
    socket.on('message', (msg, rinfo) => this.handle(msg, rinfo));
  }

  static async start(options: FakeNasOptions): Promise<FakeNas> {
    const address = options.address ?? '127.0.0.1';
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new FakeNas(socket, address, socket.address().port, options);
  }

  /** Requests of one code (43 CoA, 40 Disconnect), first transmissions only unless `withRetries`. */
  requests(code: number, withRetries = false): ReceivedRequest[] {
    return this.received.filter((r) => r.code === code && (withRetries || r.try === 1));
  }

  /** Resolves with the first request (already received or future) matching `predicate`. */
  waitFor(predicate: (request: ReceivedRequest) => boolean, timeoutMs = 30_000): Promise<ReceivedRequest> {
    const hit = this.received.find(predicate);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('request', listener);
        reject(new Error(`fake NAS ${this.address}: no matching request within ${timeoutMs} ms (got ${this.received.length})`));
      }, timeoutMs);
      const listener = (request: ReceivedRequest) => {
        if (!predicate(request)) return;
        clearTimeout(timer);
        this.off('request', listener);
        resolve(request);
      };
      this.on('request', listener);
    });
  }

  reset(): void {
    this.received.length = 0;
    this.dropped.length = 0;
    this.replies.clear();
    this.tries.clear();
    this.coa = 'ack';
    this.disconnect = 'ack';
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  /**
   * Send an Accounting-Request from this NAS's address (as a router does) to radgate on 127.0.0.1:`port`, and wait
   * for its verified Accounting-Response (retrying like a router). Attributes by RFC 2866 number.
   */
  async accounting(
    port: number,
    status: 'Start' | 'Interim-Update' | 'Stop',
    session: { user: string; sessionId: string; framedIp?: string; nasIp?: string; class?: string; sessionTime?: number },
    options: { tries?: number; timeoutMs?: number } = {},
  ): Promise<void> {
    const statusType = { Start: 1, Stop: 2, 'Interim-Update': 3 }[status];
    const int = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const attrs = [
      attribute(40, int(statusType)),
      attribute(1, Buffer.from(session.user)),
      attribute(44, Buffer.from(session.sessionId)),
      attribute(4, Buffer.from((session.nasIp ?? this.address).split('.').map(Number))),
      attribute(61, int(15)), // NAS-Port-Type Ethernet (PPPoE)
    ];
    if (session.framedIp) attrs.push(attribute(8, Buffer.from(session.framedIp.split('.').map(Number))));
    if (session.class) attrs.push(attribute(25, Buffer.from(session.class)));
    if (status !== 'Start') attrs.push(attribute(46, int(session.sessionTime ?? 60)));
    const id = (this.nextAccountingId = (this.nextAccountingId + 1) & 0xff);
    const packet = Buffer.concat([Buffer.of(4, id, 0, 0), Buffer.alloc(16), ...attrs]);
    packet.writeUInt16BE(packet.length, 2);
    createHash('md5').update(packet).update(this.secret).digest().copy(packet, 4);
    const tries = options.tries ?? 5;
    for (let attempt = 0; attempt < tries; attempt++) {
      const answered = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.accountingWaiters.delete(id);
          resolve(false);
        }, options.timeoutMs ?? 2000);
        this.accountingWaiters.set(id, (reply) => {
          // RFC 2866 §3: Response Authenticator = MD5(Code‖ID‖Length‖Request Authenticator‖Attributes‖Secret).
          const copy = Buffer.from(reply);
          packet.copy(copy, 4, 4, 20);
          if (!createHash('md5').update(copy).update(this.secret).digest().equals(reply.subarray(4, 20))) return;
          clearTimeout(timer);
          this.accountingWaiters.delete(id);
          resolve(true);
        });
      });
      this.socket.send(packet, port, '127.0.0.1');
      if (await answered) return;
    }
    throw new Error(`fake NAS ${this.address}: no Accounting-Response to ${status} of ${session.user} after ${tries} tries`);
  }

  private nextAccountingId = 0;
  private readonly accountingWaiters = new Map<number, (reply: Buffer) => void>();

  private handle(packet: Buffer, rinfo: dgram.RemoteInfo): void {
    if (packet[0] === 5 && packet.length >= 20) {
      this.accountingWaiters.get(packet[1]!)?.(packet);
      return;
    }
    if (packet.length < 20 || packet.readUInt16BE(2) > packet.length || packet.readUInt16BE(2) < 20) {
      this.dropped.push({ reason: 'malformed', raw: packet });
      return;
    }
    packet = packet.subarray(0, packet.readUInt16BE(2));
    const code = packet[0]!;
    if (code !== CODES.coa && code !== CODES.disconnect) {
      this.dropped.push({ reason: 'malformed', raw: packet });
      return;
    }
    // RFC 5176 §2.3: Request Authenticator = MD5(Code‖Identifier‖Length‖16 zero octets‖Attributes‖Secret).
    const zeroed = Buffer.from(packet);
    zeroed.fill(0, 4, 20);
    const expected = createHash('md5').update(zeroed).update(this.secret).digest();
    if (!expected.equals(packet.subarray(4, 20))) {
      this.dropped.push({ reason: 'bad-authenticator', raw: packet });
      return;
    }
    // RFC 5176 §3.3: Message-Authenticator is HMAC-MD5 over the packet with the authenticator and MA zeroed.
    const ma = findMa(packet);
    if (ma < 0 && this.requireMessageAuthenticator) {
      this.dropped.push({ reason: 'missing-message-authenticator', raw: packet });
      return;
    }
    if (ma >= 0) {
      zeroed.fill(0, ma, ma + 16);
      const mac = createHmac('md5', this.secret).update(zeroed).digest();
      if (!mac.equals(packet.subarray(ma, ma + 16))) {
        this.dropped.push({ reason: 'bad-message-authenticator', raw: packet });
        return;
      }
    }
    const key = `${rinfo.address}:${rinfo.port}/${packet[1]}/${packet.subarray(4, 20).toString('hex')}`;
    const attempt = (this.tries.get(key) ?? 0) + 1;
    this.tries.set(key, attempt);
    const request: ReceivedRequest = {
      code,
      identifier: packet[1]!,
      authenticator: packet.subarray(4, 20).toString('hex'),
      source: { address: rinfo.address, port: rinfo.port },
      attributes: decodeRequestAttributes(packet),
      try: attempt,
      answer: 'silent',
      at: Date.now(),
      raw: Buffer.from(packet),
    };
    const cached = this.replies.get(key);
    if (cached) {
      // A retransmission of a request already answered: the same reply again, nothing re-applied.
      request.answer = cached[0] === CODES.coaAck || cached[0] === CODES.disconnectAck ? 'ack' : 'nak';
      this.record(request);
      this.socket.send(cached, rinfo.port, rinfo.address);
      return;
    }
    const behaviour = code === CODES.coa ? this.coa : this.disconnect;
    let answer: Answer;
    if (typeof behaviour === 'function') answer = behaviour(request);
    else if (typeof behaviour === 'object' && 'silentTries' in behaviour) answer = attempt <= behaviour.silentTries ? 'silent' : behaviour.then;
    else answer = behaviour;
    if (answer === 'silent') {
      this.record(request);
      return;
    }
    if (typeof answer === 'object' && 'delayMs' in answer) {
      this.outstanding++;
      this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
      const later = answer.then;
      setTimeout(() => {
        this.outstanding--;
        this.answer(packet, rinfo, request, key, later);
      }, answer.delayMs);
      return;
    }
    this.answer(packet, rinfo, request, key, answer);
  }

  private answer(packet: Buffer, rinfo: dgram.RemoteInfo, request: ReceivedRequest, key: string, answer: Exclude<Answer, 'silent' | { delayMs: number }>): void {
    const code = packet[0]!;
    const nak = typeof answer === 'object' ? answer : undefined;
    const replyCode = code === CODES.coa ? (nak ? CODES.coaNak : CODES.coaAck) : nak ? CODES.disconnectNak : CODES.disconnectAck;
    const attrs: Buffer[] = [];
    const withMa = this.replyMessageAuthenticator;
    if (withMa) attrs.push(attribute(80, Buffer.alloc(16)));
    if (nak) {
      const cause = Buffer.alloc(4);
      cause.writeUInt32BE(nak.nak);
      attrs.push(attribute(101, cause));
      if (nak.replyMessage) attrs.push(attribute(18, Buffer.from(nak.replyMessage)));
    }
    const reply = Buffer.concat([Buffer.of(replyCode, packet[1]!, 0, 0), packet.subarray(4, 20), ...attrs]);
    reply.writeUInt16BE(reply.length, 2);
    const secret = answer === 'ack-bad-authenticator' ? `${this.secret}-wrong` : this.secret;
    if (withMa) {
      // RFC 3579 §3.2: the reply's MA is computed with the Request Authenticator in the authenticator field.
      const mac = createHmac('md5', answer === 'ack-bad-message-authenticator' ? `${this.secret}-wrong` : secret).update(reply).digest();
      mac.copy(reply, 22);
    }
    // RFC 2865 §3: Response Authenticator = MD5(Code‖ID‖Length‖Request Authenticator‖Attributes‖Secret).
    createHash('md5').update(reply).update(secret).digest().copy(reply, 4);
    request.answer = answer === 'ack-bad-authenticator' || answer === 'ack-bad-message-authenticator' ? 'bad' : nak ? 'nak' : 'ack';
    if (request.answer !== 'bad') this.replies.set(key, reply);
    this.record(request);
    this.socket.send(reply, rinfo.port, rinfo.address);
  }

  private record(request: ReceivedRequest): void {
    this.received.push(request);
    this.emit('request', request);
  }
}
