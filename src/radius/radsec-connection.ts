/**
 * One RadSec connection from an identified NAS (RFC 6614): packets framed by their Length (radsec-frame.ts), each
 * checked by the same wire rules as a UDP datagram (`screenRequest`, docs/radius-protocol.md §1–§7) with the secret
 * `radsec` (RFC 6614 §2.3), duplicates detected per connection, answered by the same handlers; authentication and
 * accounting share the connection (RFC 6614 §2.1). Bad framing closes this connection only. Requests in progress
 * are bounded: at the limit the socket is paused (TCP pushes back on the NAS) instead of dropping anything.
 * It also carries CoA / Disconnect requests to the NAS when the NAS accepts them there (`request`).
 */
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import type { RateLimitedLog } from '../log-limit.js';
import type { Logger } from '../log.js';
import { constantTimeEqual, packetAuthenticator, verifyHashedRequestAuthenticator, verifyMessageAuthenticator } from './authenticator.js';
import type { Client } from './clients.js';
import { Code } from './codes.js';
import { DuplicateCache } from './dedupe.js';
import { encodeHashedRequest, encodeResponse, PacketTooLargeError, type ReplyAttribute } from './encode.js';
import { decodeAttributes, parseFrame, type Frame, type RadiusRequest } from './packet.js';
import { StreamFramer } from './radsec-frame.js';
import type { TrafficSummary } from './traffic-summary.js';
import {
  MA_REPLY_CODES, screenRequest, type DropReason, type Handler, type HandlerContext, type HandlerOutcome, type Port,
  type RadiusObserver,
} from './server.js';

/** Why a connection ended (docs/radsec.md, counters). */
export type RadsecCloseReason = 'peer-closed' | 'bad-framing' | 'idle-timeout' | 'socket-error' | 'server-stopping';

export interface ConnectionSettings<T> {
  handlers: Partial<Record<number, Handler<T>>>;
  duplicateWindowMs: number;
  idleTimeoutMs: number;
  maxInFlight: number;
  log: Logger;
  errors: RateLimitedLog;
  /** Where routine answers are counted when their line is not written (radius/traffic-summary.ts). */
  summary: TrafficSummary;
  observer?: RadiusObserver;
  now?: () => number;
  /** Counts a drop in the server's stats (the same reasons as UDP). */
  countDrop: (reason: DropReason, nas: string | undefined) => void;
  replied: () => void;
  closed: (connection: RadsecConnection<T>, reason: RadsecCloseReason) => void;
}

const REPLY_CODES = new Set<number>([Code.CoaAck, Code.CoaNak, Code.DisconnectAck, Code.DisconnectNak]);

/** The port kind a request code is checked as: RadSec has one port for all (RFC 6614 §2.1). */
function portFor(code: number): Port {
  return code === Code.AccountingRequest ? 'acct' : 'auth';
}

interface PendingRequest {
  code: number;
  authenticator: Buffer;
  timer: NodeJS.Timeout;
  resolve: (reply: ConnectionReply) => void;
}

/** The outcome of a CoA/Disconnect sent over the connection. */
export type ConnectionReply =
  | { kind: 'reply'; code: number; packet: Buffer; messageAuthenticator: boolean }
  | { kind: 'timeout'; identifier: number }
  | { kind: 'closed' };

export class RadsecConnection<T> {
  private readonly framer = new StreamFramer();
  private readonly dedupe: DuplicateCache;
  private readonly queue: Buffer[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Map<number, PendingRequest>();
  private nextIdentifier = Math.floor(Math.random() * 256);
  private inFlight = 0;
  private ended = false;
  private waitingForDrain = false;
  readonly source: { address: string; port: number };

  constructor(
    readonly socket: TLSSocket,
    readonly client: Client<T>,
    private readonly settings: ConnectionSettings<T>,
  ) {
    this.dedupe = new DuplicateCache(settings.duplicateWindowMs, settings.now);
    this.source = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.setTimeout(settings.idleTimeoutMs);
    socket.on('timeout', () => this.close('idle-timeout'));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.close('peer-closed'));
    socket.on('close', () => this.close('peer-closed'));
    socket.on('error', (err) => {
      settings.errors.warn(`radsec-socket|${client.name}`, err, 'RadSec connection error', { nas: client.name });
      this.close('socket-error');
    });
  }

  get open(): boolean {
    return !this.ended;
  }

  /** Close the connection; replies still being prepared are not sent. Idempotent. */
  close(reason: RadsecCloseReason): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const [id, request] of this.pending) {
      clearTimeout(request.timer);
      this.pending.delete(id);
      request.resolve({ kind: 'closed' });
    }
    if (!this.socket.destroyed) {
      // end() lets what was written go out; destroy() after a grace period for a peer that never reads.
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
    this.settings.closed(this, reason);
  }

  /**
   * Send a CoA-Request or Disconnect-Request to the NAS over this connection (RFC 6614 §2.5 lists it among what a
   * server sends) and wait `timeoutMs` for its ACK/NAK. No retransmission: TCP delivers or the connection fails
   * (RADIUS over TCP, RFC 6613).
   */
  request(code: typeof Code.CoaRequest | typeof Code.DisconnectRequest, attributes: readonly ReplyAttribute[], timeoutMs: number): Promise<ConnectionReply> {
    if (this.ended) return Promise.resolve({ kind: 'closed' });
    let identifier = -1;
    for (let i = 0; i < 256; i++) {
      const id = (this.nextIdentifier + i) & 0xff;
      if (!this.pending.has(id)) {
        identifier = id;
        break;
      }
    }
    if (identifier < 0) return Promise.resolve({ kind: 'timeout', identifier: -1 }); // 256 requests already waiting
    this.nextIdentifier = (identifier + 1) & 0xff;
    const list = attributes.some((a) => a.name === 'Event-Timestamp') ? [...attributes] : [...attributes, { name: 'Event-Timestamp', value: new Date() }];
    const packet = encodeHashedRequest({ code, identifier, attributes: list, secret: this.client.secret, messageAuthenticator: true });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(identifier);
        resolve({ kind: 'timeout', identifier });
      }, timeoutMs);
      this.pending.set(identifier, { code, authenticator: Buffer.from(packet.subarray(4, 20)), timer, resolve });
      this.socket.write(packet);
    });
  }

  /** Stop reading; let requests in progress be answered (at most `drainMs`), then close. */
  async settleOrClose(drainMs: number): Promise<void> {
    this.socket.pause();
    this.queue.length = 0;
    const deadline = performance.now() + drainMs;
    while ((this.inFlight > 0 || this.timers.size > 0) && performance.now() < deadline && !this.ended) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.close('server-stopping');
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return;
    const result = this.framer.push(chunk);
    if ('error' in result) {
      this.settings.countDrop('malformed', this.client.name);
      this.settings.errors.warn(`radsec-framing|${this.client.name}`, undefined, 'RadSec connection closed: bad packet length in the stream', {
        nas: this.client.name, source: `${this.source.address}:${this.source.port}`, length: result.error.length,
      });
      return this.close('bad-framing');
    }
    this.queue.push(...result.packets);
    this.pump();
  }

  /**
   * Start queued packets while there is room; pause reading while there is none, or while the NAS is not reading
   * its replies (the socket's write buffer is full): a peer that only sends cannot make radgate buffer without end.
   */
  private pump(): void {
    if (this.ended) return;
    if (this.socket.writableNeedDrain) {
      this.socket.pause();
      if (!this.waitingForDrain) {
        this.waitingForDrain = true;
        this.socket.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
      }
      return;
    }
    while (!this.ended && this.inFlight < this.settings.maxInFlight && this.queue.length > 0) this.handle(this.queue.shift()!);
    if (this.ended) return;
    if (this.queue.length > 0) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  private handle(packet: Buffer): void {
    const receivedAt = performance.now();
    const name = this.client.name;
    const parsed = parseFrame(packet);
    if (!parsed.ok) {
      // A whole packet that is not RADIUS: the peer is not speaking RADIUS/TLS; nothing later can be trusted.
      this.settings.countDrop('malformed', name);
      this.settings.errors.warn(`radsec-malformed|${name}`, undefined, 'RadSec connection closed: malformed packet', { nas: name, why: parsed.reason });
      return this.close('bad-framing');
    }
    const frame = parsed.frame;
    if (REPLY_CODES.has(frame.code)) return this.reply(frame);
    if (frame.code === Code.CoaRequest || frame.code === Code.DisconnectRequest) return this.refuseDynamicAuthorization(frame);
    const port = portFor(frame.code);
    const rejected = screenRequest(port, this.client, frame);
    if (rejected) return this.drop(rejected, { code: frame.code });
    if (frame.code === Code.AccessRequest) this.learn(frame);
    const key = `${port}|${frame.identifier}`;
    const verdict = this.dedupe.check(key, frame.authenticator);
    if (verdict.kind === 'replay') {
      this.settings.observer?.duplicateResent(name);
      this.socket.write(verdict.reply);
      return;
    }
    if (verdict.kind === 'in-progress') return this.drop('duplicate-in-progress');

    let request: RadiusRequest;
    try {
      request = decodeAttributes(frame);
    } catch (err) {
      this.dedupe.forget(key, frame.authenticator);
      return this.drop('malformed', { why: (err as Error).message });
    }
    const handler = this.settings.handlers[frame.code];
    if (!handler) {
      this.dedupe.forget(key, frame.authenticator);
      return this.drop('no-handler', { code: frame.code });
    }
    const context = new ConnectionRequest(this.settings.log, this.client, port, this.source, frame, receivedAt);
    this.inFlight++;
    const finish = (outcome: HandlerOutcome | Error) => {
      this.inFlight--;
      if (outcome instanceof Error) this.failed(outcome, key, frame);
      else this.answer(context, key, outcome);
      this.pump();
    };
    let outcome: ReturnType<Handler<T>>;
    try {
      outcome = handler(request, context);
    } catch (err) {
      return finish(err instanceof Error ? err : new Error(String(err)));
    }
    if (!(outcome instanceof Promise)) return finish(outcome);
    outcome.then(finish, (err: unknown) => finish(err instanceof Error ? err : new Error(String(err))));
  }

  /**
   * A CoA/Disconnect-Request from the NAS: radgate is not a NAS. RFC 6614 §2.5: answer with a NAK carrying
   * Error-Cause 406 (Unsupported-Extension), once the request is authentic (RFC 5176 §3.5 hashes it like accounting).
   */
  private refuseDynamicAuthorization(frame: Frame): void {
    if (!verifyHashedRequestAuthenticator(frame.packet, this.client.secret.bytes)) return this.drop('bad-authenticator', { code: frame.code });
    this.drop('wrong-port', { code: frame.code, why: 'CoA/Disconnect to radgate: answered with a NAK, Error-Cause 406' });
    const nak = encodeResponse({
      code: frame.code === Code.CoaRequest ? Code.CoaNak : Code.DisconnectNak,
      request: frame,
      attributes: [{ name: 'Error-Cause', value: 406 }],
      secret: this.client.secret,
      messageAuthenticator: frame.maValueOffset >= 0,
    });
    this.socket.write(nak);
  }

  /** `auto` mode learning, as the UDP server does (docs/radius-protocol.md §4). */
  private learn(frame: Frame): void {
    const client = this.client;
    const hasMa = frame.maValueOffset >= 0;
    if (client.requireMessageAuthenticator === 'auto' && hasMa && client.learned.requireMa !== true) client.learned.requireMa = true;
    if (client.limitProxyState === 'auto' && client.learned.limitProxyState === undefined) {
      client.learned.limitProxyState = hasMa || frame.proxyStates.length === 0;
    }
  }

  private drop(reason: DropReason, details: Record<string, unknown> = {}): void {
    this.settings.countDrop(reason, this.client.name);
    if (this.settings.log.isLevelEnabled('debug')) this.settings.log.debug({ nas: this.client.name, transport: 'radsec', ...details, reason }, 'dropped packet');
  }

  private failed(err: Error, key: string, frame: Frame): void {
    this.dedupe.forget(key, frame.authenticator);
    this.settings.countDrop('handler-error', this.client.name);
    this.settings.errors.error(`radsec-handler-failed|${frame.code}`, err, 'handler failed; no reply sent', { nas: this.client.name, id: frame.identifier, code: frame.code, transport: 'radsec' });
  }

  private answer(context: ConnectionRequest<T>, key: string, result: HandlerOutcome): void {
    const { frame } = context;
    const name = this.client.name;
    if (!result) {
      this.dedupe.forget(key, frame.authenticator);
      return this.settings.countDrop('handler-declined', name);
    }
    if ('drop' in result) {
      this.dedupe.forget(key, frame.authenticator);
      return this.drop(result.drop, { id: frame.identifier });
    }
    let reply: Buffer;
    try {
      reply = encodeResponse({
        code: result.code,
        request: frame,
        attributes: result.attributes,
        secret: this.client.secret,
        messageAuthenticator: MA_REPLY_CODES.has(result.code) || frame.code === Code.StatusServer,
      });
    } catch (err) {
      this.dedupe.forget(key, frame.authenticator);
      const tooLarge = err instanceof PacketTooLargeError;
      this.settings.countDrop(tooLarge ? 'reply-too-large' : 'handler-error', name);
      this.settings.errors.warn(tooLarge ? 'radsec-reply-too-large' : `radsec-reply-unencodable|${frame.code}`, err, 'reply could not be encoded; no reply sent', {
        nas: name, id: frame.identifier, code: frame.code, transport: 'radsec',
      });
      return;
    }
    const latencyMs = performance.now() - context.receivedAt;
    this.settings.summary.answered(name, result, latencyMs, { transport: 'radsec' });
    this.settings.observer?.replied(name, frame.code, result, latencyMs / 1000);
    const send = () => {
      if (this.ended) return;
      this.dedupe.complete(key, frame.authenticator, reply);
      this.settings.replied();
      this.socket.write(reply);
    };
    if (result.delayMs && result.delayMs > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, result.delayMs);
      this.timers.add(timer);
    } else {
      send();
    }
  }

  /** A CoA/Disconnect ACK or NAK: verified against the request it answers (RFC 5176 §2.3), else dropped. */
  private reply(frame: Frame): void {
    const request = this.pending.get(frame.identifier);
    const expected = request?.code === Code.CoaRequest ? [Code.CoaAck, Code.CoaNak] : [Code.DisconnectAck, Code.DisconnectNak];
    if (!request || !expected.includes(frame.code as never)) return this.drop('wrong-port', { code: frame.code, why: 'no request waits for this reply' });
    const secret = this.client.secret.bytes;
    if (!constantTimeEqual(packetAuthenticator(frame.packet, request.authenticator, secret), frame.authenticator)) return this.drop('bad-authenticator', { code: frame.code });
    if (frame.maValueOffset >= 0 && !verifyMessageAuthenticator(frame.packet, frame.maValueOffset, request.authenticator, secret)) {
      return this.drop('bad-message-authenticator', { code: frame.code });
    }
    clearTimeout(request.timer);
    this.pending.delete(frame.identifier);
    request.resolve({ kind: 'reply', code: frame.code, packet: frame.packet, messageAuthenticator: frame.maValueOffset >= 0 });
  }
}

/** The handler's view of a request that came over a RadSec connection. */
class ConnectionRequest<T> implements HandlerContext<T> {
  private child: Logger | undefined = undefined;

  constructor(
    private readonly root: Logger,
    readonly client: Client<T>,
    readonly port: Port,
    readonly source: { readonly address: string; readonly port: number },
    readonly frame: Frame,
    readonly receivedAt: number,
  ) {}

  get log(): Logger {
    return (this.child ??= this.root.child({ nas: this.client.name, id: this.frame.identifier, source: `${this.source.address}:${this.source.port}`, transport: 'radsec' }));
  }
}
