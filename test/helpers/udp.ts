/** A bare UDP RADIUS peer for tests: send bytes, collect replies. Requests are built by hand with node:crypto. */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

export function attr(type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.of(type, v.length + 2), v]);
}

/** RFC 2865 §5.2 User-Password hiding, written out independently of src/. */
export function hide(password: string | Buffer, secret: string, authenticator: Buffer): Buffer {
  const p = Buffer.alloc(Math.max(16, Math.ceil(Buffer.byteLength(password) / 16) * 16));
  Buffer.from(password).copy(p);
  const out = Buffer.alloc(p.length);
  let prev = authenticator;
  for (let i = 0; i < p.length; i += 16) {
    const b = createHash('md5').update(secret).update(prev).digest();
    for (let j = 0; j < 16; j++) out[i + j] = p[i + j]! ^ b[j]!;
    prev = out.subarray(i, i + 16);
  }
  return out;
}

export interface BuiltRequest {
  packet: Buffer;
  authenticator: Buffer;
}

/**
 * An Access-Request (or Status-Server) with a random authenticator. `ma: 'first' | 'last' | 'none' | 'bad'` places
 * Message-Authenticator (RFC 3579 §3.2: HMAC-MD5 over the packet with the MA zeroed).
 */
export function accessRequest(options: {
  code?: number;
  id?: number;
  secret: string;
  attributes: Buffer[];
  ma?: 'first' | 'last' | 'none' | 'bad';
  authenticator?: Buffer;
}): BuiltRequest {
  const authenticator = options.authenticator ?? randomBytes(16);
  const maAttr = attr(80, Buffer.alloc(16));
  const ma = options.ma ?? 'first';
  const body = ma === 'none' ? options.attributes : ma === 'last' ? [...options.attributes, maAttr] : [maAttr, ...options.attributes];
  const attrs = Buffer.concat(body);
  const packet = Buffer.concat([Buffer.of(options.code ?? 1, options.id ?? 1, 0, 0), authenticator, attrs]);
  packet.writeUInt16BE(packet.length, 2);
  if (ma !== 'none') {
    const offset = ma === 'last' ? packet.length - 16 : 22;
    const mac = createHmac('md5', options.secret).update(packet).digest();
    if (ma === 'bad') mac[0]! ^= 0xff;
    mac.copy(packet, offset);
  }
  return { packet, authenticator };
}

/** An Accounting-Request: authenticator = MD5(packet with zero authenticator ‖ secret) (RFC 2866 §3). */
export function accountingRequest(options: { id?: number; secret: string; attributes: Buffer[] }): Buffer {
  const packet = Buffer.concat([Buffer.of(4, options.id ?? 1, 0, 0), Buffer.alloc(16), ...options.attributes]);
  packet.writeUInt16BE(packet.length, 2);
  createHash('md5').update(packet).update(options.secret).digest().copy(packet, 4);
  return packet;
}

/** Check a reply: Response Authenticator and (if present) Message-Authenticator, both computed independently. */
export function verifyReply(reply: Buffer, requestAuthenticator: Buffer, secret: string): { authenticatorOk: boolean; maOffset: number; maOk: boolean } {
  const copy = Buffer.from(reply);
  requestAuthenticator.copy(copy, 4);
  const expected = createHash('md5').update(copy).update(secret).digest();
  const authenticatorOk = expected.equals(reply.subarray(4, 20));
  let maOffset = -1;
  for (let o = 20; o < reply.length; o += reply[o + 1]!) if (reply[o] === 80) maOffset = o + 2;
  let maOk = false;
  if (maOffset >= 0) {
    copy.fill(0, maOffset, maOffset + 16);
    maOk = createHmac('md5', secret).update(copy).digest().equals(reply.subarray(maOffset, maOffset + 16));
  }
  return { authenticatorOk, maOffset, maOk };
}

/** Attributes of a reply as [type, value] pairs. */
export function replyAttributes(reply: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  for (let o = 20; o < reply.length; o += reply[o + 1]!) out.push([reply[o]!, reply.subarray(o + 2, o + reply[o + 1]!)]);
  return out;
}

export class UdpPeer {
  readonly socket = dgram.createSocket('udp4');
  private readonly inbox: Buffer[] = [];
  private waiters: Array<() => void> = [];

  async open(address = '127.0.0.1'): Promise<this> {
    this.socket.on('message', (m) => {
      this.inbox.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    await new Promise<void>((r) => this.socket.bind(0, address, r));
    return this;
  }

  send(packet: Buffer, port: number): void {
    this.socket.send(packet, port, '127.0.0.1');
  }

  /** Next reply, or undefined after `timeoutMs`. */
  async receive(timeoutMs = 1000): Promise<Buffer | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.inbox.shift();
  }

  async request(packet: Buffer, port: number, timeoutMs = 1000): Promise<Buffer | undefined> {
    this.send(packet, port);
    return this.receive(timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}
