/**
 * Sending CoA and Disconnect requests to a NAS (RFC 5176; docs/radius-protocol.md §12). radgate is the client; the NAS
 * listens on its CoA port (3799). One UDP socket per address family, so every retransmission leaves from the same
 * source port; Identifiers are allocated per destination and never reused while a request to it is in flight.
 */
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.js';
import { packetAuthenticator, verifyMessageAuthenticator, constantTimeEqual } from './authenticator.js';
import { normaliseAddress } from './clients.js';
import { Attr, Code } from './codes.js';
import { radiusCodec } from './dictionary.js';
import { encodeHashedRequest, type ReplyAttribute, type Secret } from './encode.js';
import { parseFrame } from './packet.js';

/** RFC 5176 §3.5 Error-Cause values (docs/radius-protocol.md §13). */
export const ERROR_CAUSES: Readonly<Record<number, string>> = {
  201: 'Residual-Session-Context-Removed',
  202: 'Invalid-EAP-Packet',
  401: 'Unsupported-Attribute',
  402: 'Missing-Attribute',
  403: 'NAS-Identification-Mismatch',
  404: 'Invalid-Request',
  405: 'Unsupported-Service',
  406: 'Unsupported-Extension',
  407: 'Invalid-Attribute-Value',
  501: 'Administratively-Prohibited',
  502: 'Request-Not-Routable',
  503: 'Session-Context-Not-Found',
  504: 'Session-Context-Not-Removable',
  505: 'Other-Proxy-Processing-Error',
  506: 'Resources-Unavailable',
  507: 'Request-Initiated',
  508: 'Multiple-Session-Selection-Unsupported',
};

/** "503 Session-Context-Not-Found". */
export function describeErrorCause(cause: number): string {
  return `${cause} ${ERROR_CAUSES[cause] ?? 'Unknown-Error-Cause'}`;
}

/** Where a request goes. */
export interface CoaPeer {
  /** NAS name, for logs. */
  name: string;
  address: string;
  port: number;
  secret: Secret;
}

/**
 * Retransmission (RFC 5080 §2.2.1, RFC 5176 §2.3): a try waits `initialTimeoutMs`, each next one twice as long (at
 * most `maxTimeoutMs`), up to `maxTries` tries and `maxTotalMs` in all. Defaults: 2 s, 5 tries, 16 s, 30 s.
 */
export interface RetryPolicy {
  initialTimeoutMs: number;
  maxTries: number;
  maxTimeoutMs: number;
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ initialTimeoutMs: 2000, maxTries: 5, maxTimeoutMs: 16_000, maxTotalMs: 30_000 });

export type CoaCode = typeof Code.CoaRequest | typeof Code.DisconnectRequest;

/** A reply that was received but dropped (it failed a check), for diagnostics such as `radgate coa-test`. */
export interface DroppedReply {
  reason: 'bad-response-authenticator' | 'bad-message-authenticator' | 'unexpected-code' | 'malformed';
  code: number;
}

interface Answered {
  /** Tries sent before the answer came. */
  tries: number;
  /** From the first send to the answer, ms. */
  elapsedMs: number;
  identifier: number;
  /** Dropped replies seen while waiting. */
  dropped: DroppedReply[];
  /** Reply attributes decoded by name (vendor attributes under `Vendor-Specific`). */
  attributes: Record<string, unknown>;
  messageAuthenticator: boolean;
}

export type CoaResult =
  | ({ kind: 'ack'; code: number } & Answered)
  | ({ kind: 'nak'; code: number; errorCause: number | undefined; replyMessage: string | undefined } & Answered)
  | { kind: 'timeout'; tries: number; elapsedMs: number; identifier: number; dropped: DroppedReply[] };

interface InFlight {
  peer: CoaPeer;
  code: CoaCode;
  packet: Buffer;
  authenticator: Buffer;
  identifier: number;
  tries: number;
  started: number;
  timer: NodeJS.Timeout | undefined;
  dropped: DroppedReply[];
  resolve: (result: CoaResult) => void;
}

/** Identifiers for one destination: rotates so a just-freed id is the last to come back, waits when all 256 are busy. */
class IdentifierSpace {
  private readonly busy = new Uint8Array(256);
  private inUse = 0;
  private cursor = Math.floor(Math.random() * 256);
  private readonly waiters: Array<(id: number) => void> = [];

  acquire(): Promise<number> {
    if (this.inUse < 256) {
      for (let i = 0; i < 256; i++) {
        const id = (this.cursor + i) & 0xff;
        if (!this.busy[id]) {
          this.busy[id] = 1;
          this.inUse++;
          this.cursor = (id + 1) & 0xff;
          return Promise.resolve(id);
        }
      }
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(id: number): void {
    const next = this.waiters.shift();
    if (next) next(id); // handed over still busy
    else {
      this.busy[id] = 0;
      this.inUse--;
    }
  }

  get idle(): boolean {
    return this.inUse === 0 && this.waiters.length === 0;
  }
}

export interface RadiusClientOptions {
  /** Source address for IPv4 (default 0.0.0.0; tests use 127.0.0.1). */
  bind?: string;
  log?: Logger;
}

/**
 * What a verified CoA/Disconnect reply says: its attributes by name, the first Error-Cause (RFC 5176 §3.5) and the
 * Reply-Message text. Values the codec cannot read do not change the verdict: the reply is authentic.
 */
export function decodeCoaReply(packet: Buffer): { attributes: Record<string, unknown>; errorCause: number | undefined; replyMessage: string | undefined } {
  let attributes: Record<string, unknown> = {};
  let errorCause: number | undefined;
  let replyMessage: string | undefined;
  try {
    const decoded = radiusCodec().decode({ packet, no_secret: true });
    attributes = decoded.attributes;
    for (const [type, value] of decoded.raw_attributes) {
      if (type === Attr.ErrorCause && value.length === 4) errorCause ??= value.readUInt32BE(0);
      if (type === Attr.ReplyMessage) replyMessage = (replyMessage ?? '') + value.toString('utf8');
    }
  } catch {
    // keep what was read
  }
  return { attributes, errorCause, replyMessage };
}

export class RadiusClient {
  private readonly sockets: Partial<Record<'udp4' | 'udp6', Promise<Socket>>> = {};
  private readonly spaces = new Map<string, IdentifierSpace>();
  private readonly inFlight = new Map<string, InFlight>();
  private closed = false;

  constructor(private readonly options: RadiusClientOptions = {}) {}

  /**
   * Send a CoA-Request or Disconnect-Request and wait for its verified ACK/NAK, or for the retries to run out. Adds
   * Message-Authenticator and Event-Timestamp (RFC 5176 §3.3 replay protection); both, the Identifier, the
   * authenticator and the source port stay the same on every retransmission. Never throws for network silence.
   */
  async send(peer: CoaPeer, code: CoaCode, attributes: readonly ReplyAttribute[], retry: RetryPolicy = DEFAULT_RETRY): Promise<CoaResult> {
    if (this.closed) throw new Error('RADIUS client is closed');
    const destination = `${normaliseAddress(peer.address)}:${peer.port}`;
    let space = this.spaces.get(destination);
    if (!space) this.spaces.set(destination, (space = new IdentifierSpace()));
    const socket = await this.socket(isIPv6(peer.address) ? 'udp6' : 'udp4');
    const identifier = await space.acquire();
    const list = attributes.some((a) => a.name === 'Event-Timestamp') ? [...attributes] : [...attributes, { name: 'Event-Timestamp', value: new Date() }];
    const packet = encodeHashedRequest({ code, identifier, attributes: list, secret: peer.secret, messageAuthenticator: true });
    const authenticator = Buffer.from(packet.subarray(4, 20));
    const key = `${destination}/${identifier}`;
    try {
      return await new Promise<CoaResult>((resolve) => {
        const flight: InFlight = { peer, code, packet, authenticator, identifier, tries: 0, started: Date.now(), timer: undefined, dropped: [], resolve };
        this.inFlight.set(key, flight);
        const transmit = () => {
          const elapsed = Date.now() - flight.started;
          if (flight.tries >= retry.maxTries || (flight.tries > 0 && elapsed >= retry.maxTotalMs) || this.closed) {
            this.inFlight.delete(key);
            resolve({ kind: 'timeout', tries: flight.tries, elapsedMs: elapsed, identifier, dropped: flight.dropped });
            return;
          }
          flight.tries++;
          socket.send(packet, peer.port, peer.address, (err) => {
            if (err) this.options.log?.warn({ nas: peer.name, err }, 'CoA/Disconnect send failed');
          });
          // RFC 5080 §2.2.1: the timeout doubles on each retransmission, bounded; never beyond the total budget.
          const wait = Math.min(retry.initialTimeoutMs * 2 ** (flight.tries - 1), retry.maxTimeoutMs, Math.max(1, retry.maxTotalMs - elapsed));
          flight.timer = setTimeout(transmit, wait);
        };
        transmit();
      });
    } finally {
      space.release(identifier);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [key, flight] of this.inFlight) {
      clearTimeout(flight.timer);
      this.inFlight.delete(key);
      flight.resolve({ kind: 'timeout', tries: flight.tries, elapsedMs: Date.now() - flight.started, identifier: flight.identifier, dropped: flight.dropped });
    }
    for (const pending of Object.values(this.sockets)) {
      const socket = await pending.catch(() => undefined);
      await new Promise<void>((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
    }
  }

  /** Requests waiting for an answer (for shutdown and tests). */
  get pending(): number {
    return this.inFlight.size;
  }

  private socket(type: 'udp4' | 'udp6'): Promise<Socket> {
    let pending = this.sockets[type];
    if (!pending) {
      pending = new Promise<Socket>((resolve, reject) => {
        const socket = dgram.createSocket(type);
        socket.once('error', reject);
        socket.on('message', (message, rinfo) => this.receive(message, rinfo));
        socket.bind(0, type === 'udp4' ? (this.options.bind ?? '0.0.0.0') : '::', () => {
          socket.removeListener('error', reject);
          socket.on('error', (err) => this.options.log?.warn({ err }, 'CoA client socket error'));
          resolve(socket);
        });
      });
      this.sockets[type] = pending;
    }
    return pending;
  }

  private receive(message: Buffer, rinfo: RemoteInfo): void {
    if (message.length < 20) return;
    const key = `${normaliseAddress(rinfo.address)}:${rinfo.port}/${message[1]!}`;
    const flight = this.inFlight.get(key);
    if (!flight) return; // no request in flight with this id: a late or stray reply
    const framed = parseFrame(message);
    if (!framed.ok) {
      flight.dropped.push({ reason: 'malformed', code: message[0]! });
      return;
    }
    const { frame } = framed;
    const expected = flight.code === Code.CoaRequest ? [Code.CoaAck, Code.CoaNak] : [Code.DisconnectAck, Code.DisconnectNak];
    if (!expected.includes(frame.code as never)) {
      flight.dropped.push({ reason: 'unexpected-code', code: frame.code });
      return;
    }
    const secret = flight.peer.secret.bytes;
    // RFC 5176 §2.3 / RFC 2865 §3: Response Authenticator = MD5(Code‖ID‖Length‖Request Authenticator‖Attributes‖Secret).
    if (!constantTimeEqual(packetAuthenticator(frame.packet, flight.authenticator, secret), frame.authenticator)) {
      flight.dropped.push({ reason: 'bad-response-authenticator', code: frame.code });
      this.options.log?.warn({ nas: flight.peer.name, code: frame.code }, 'dropped a CoA/Disconnect reply with a bad authenticator (wrong secret?)');
      return;
    }
    // RFC 5176 §3.3 / RFC 3579 §3.2: a Message-Authenticator in a reply is computed over the Request Authenticator.
    if (frame.maValueOffset >= 0 && !verifyMessageAuthenticator(frame.packet, frame.maValueOffset, flight.authenticator, secret)) {
      flight.dropped.push({ reason: 'bad-message-authenticator', code: frame.code });
      return;
    }
    clearTimeout(flight.timer);
    this.inFlight.delete(key);
    const { attributes, errorCause, replyMessage } = decodeCoaReply(frame.packet);
    const answered: Answered = {
      tries: flight.tries,
      elapsedMs: Date.now() - flight.started,
      identifier: flight.identifier,
      dropped: flight.dropped,
      attributes,
      messageAuthenticator: frame.maValueOffset >= 0,
    };
    if (frame.code === Code.CoaAck || frame.code === Code.DisconnectAck) flight.resolve({ kind: 'ack', code: frame.code, ...answered });
    else flight.resolve({ kind: 'nak', code: frame.code, errorCause, replyMessage, ...answered });
  }
}
