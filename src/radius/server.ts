/**
 * The UDP server: datagram → client lookup → framing → authenticity → duplicate cache → decode → handler → reply.
 * (docs/lifecycle.md draws it.) It knows nothing of subscribers or billing: handlers decide, it enforces the wire
 * rules of docs/radius-protocol.md §2–§7. Every drop is counted by reason (the table in docs/radius-protocol.md §17);
 * error lines are bounded: code and message, one a minute per kind (src/log-limit.ts).
 */
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import dns from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { RateLimitedLog } from '../log-limit.js';
import type { Logger } from '../log.js';
import { verifyHashedRequestAuthenticator, verifyMessageAuthenticator, ZERO16 } from './authenticator.js';
import type { Client, ClientRegistry } from './clients.js';
import { Code } from './codes.js';
import { DuplicateCache } from './dedupe.js';
import { encodeResponse, PacketTooLargeError, type ReplyAttribute } from './encode.js';
import { decodeAttributes, parseFrame, type Frame, type RadiusRequest } from './packet.js';
import { TrafficSummary } from './traffic-summary.js';

export type Port = 'auth' | 'acct';

/**
 * One request from the moment it passed the duplicate cache until its reply is sent (or it is dropped): the one
 * object the server allocates per request. The handler gets the same object, seen through `HandlerContext`.
 */
export interface RequestContext<T> {
  /** The NAS it came from; its secret verified the request and signs the reply. */
  readonly client: Client<T>;
  /** The socket kind that received it: `auth` (Access-Request, Status-Server) or `acct` (Accounting-Request). */
  readonly port: Port;
  /** The socket that received it; the reply leaves through it. */
  readonly socket: Socket;
  /** Source address and port; the reply goes back there (RFC 2865 §3). */
  readonly source: { readonly address: string; readonly port: number };
  /** The framed datagram (code, identifier, packet bytes, Message-Authenticator offset, Proxy-States). */
  readonly frame: Frame;
  /** Duplicate-cache key: port kind, source address and port, Identifier (RFC 5080 §2.2.2). */
  readonly key: string;
  /** When the datagram was received: `performance.now()`, ms. Latency is measured from here. */
  readonly receivedAt: number;
  /** A child logger bound to this request (NAS, identifier, source); created on first use. */
  readonly log: Logger;
}

/** What a handler sees of its request context: not the socket or the cache key, which are the server's. */
export type HandlerContext<T> = Pick<RequestContext<T>, 'client' | 'port' | 'source' | 'frame' | 'receivedAt' | 'log'>;

/** The reply a handler decides (the other outcomes are in `HandlerOutcome`). */
export interface HandlerResult {
  code: number;
  attributes: ReplyAttribute[];
  /** Hold the reply back this long (Access-Reject delay) without delaying anyone else. */
  delayMs?: number;
  /** One-line summary for the request log (never a secret). */
  log: Record<string, unknown>;
  /**
   * A routine answer (Access-Accept, Interim-Update, Status-Server): its line is `debug`, and at `info` it is only
   * counted in the once-a-minute summary (radius/traffic-summary.ts). Unset: the line is `info`.
   */
  routine?: boolean;
}

/** A request the handler found invalid by its RFC: sent nothing, counted under `drop` (docs/radius-protocol.md §17). */
export interface HandlerDrop {
  drop: InvalidRequestReason;
}

/** A reply; a drop of an invalid request; or `undefined`: it could not be answered (not recorded), the NAS retries. */
export type HandlerOutcome = HandlerResult | HandlerDrop | undefined;

export type Handler<T> = (request: RadiusRequest, context: HandlerContext<T>) => HandlerOutcome | Promise<HandlerOutcome>;

export type DropReason =
  | 'unknown-client'
  | 'malformed'
  | 'wrong-port'
  | 'bad-authenticator'
  | 'bad-message-authenticator'
  | 'missing-message-authenticator'
  | 'proxy-state-without-message-authenticator'
  | 'eap-without-message-authenticator'
  | 'duplicate-in-progress'
  | 'no-handler'
  | 'conflicting-credentials'
  | 'missing-acct-session-id'
  | 'missing-acct-status-type'
  | 'unknown-acct-status-type'
  | 'handler-declined'
  | 'handler-error'
  | 'reply-too-large';

/** The drop reasons a handler decides (the rest are the server's own). */
export type InvalidRequestReason = Extract<
  DropReason,
  'conflicting-credentials' | 'missing-acct-session-id' | 'missing-acct-status-type' | 'unknown-acct-status-type'
>;

export interface ServerStats {
  received: number;
  replied: number;
  duplicatesResent: number;
  dropped: Record<DropReason, number>;
}

/** Hooks for metrics: the server reports, the application counts (src/radius knows nothing of Prometheus). */
export interface RadiusObserver {
  dropped(reason: DropReason, nas: string | undefined): void;
  duplicateResent(nas: string): void;
  replied(nas: string, requestCode: number, result: HandlerResult, latencySeconds: number): void;
}

export interface RadiusServerOptions<T> {
  observer?: RadiusObserver;
  bind: string;
  authPort: number;
  acctPort: number;
  clients: () => ClientRegistry<T>;
  handlers: Partial<Record<number, Handler<T>>>;
  duplicateWindowMs: number;
  log: Logger;
  /** Wall clock in ms for the duplicate cache and the error-log rate limit. Default Date.now. */
  now?: () => number;
  /**
   * How long stop() waits for requests still being handled and delayed replies to go out. Default 5 s: a database
   * that hangs must not hang the shutdown; what is left unanswered was never acknowledged, so the NAS retransmits.
   */
  drainMs?: number;
}

const DEFAULT_DRAIN_MS = 5000;

/** How often expired duplicate-cache entries are swept (at most; a shorter window sweeps every window). */
const SWEEP_INTERVAL_MS = 1000;

/**
 * Replies go to the address a datagram came from, always an IP literal: answer the socket's address lookup at once
 * instead of through dns.lookup and a deferred callback on every send. Anything else still goes to dns.lookup.
 */
function literalLookup(
  hostname: string,
  options: dns.LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) return callback(null, hostname, family);
  dns.lookup(hostname, typeof options === 'number' ? { family: options } : options, callback);
}

const PORT_CODES: Record<Port, ReadonlySet<number>> = {
  auth: new Set([Code.AccessRequest, Code.StatusServer]),
  acct: new Set([Code.AccountingRequest, Code.StatusServer]),
};

/** Replies that must carry Message-Authenticator first (docs/radius-protocol.md §4). */
export const MA_REPLY_CODES: ReadonlySet<number> = new Set([Code.AccessAccept, Code.AccessReject, Code.AccessChallenge]);

function requiresMa(client: Client<unknown>): boolean {
  if (client.requireMessageAuthenticator === 'yes') return true;
  return client.requireMessageAuthenticator === 'auto' && client.learned.requireMa === true;
}

function limitsProxyState(client: Client<unknown>): boolean {
  if (client.limitProxyState === 'yes') return true;
  return client.limitProxyState === 'auto' && client.learned.limitProxyState !== false;
}

/**
 * What a framed datagram must pass before it is decoded (docs/radius-protocol.md §1–§4): its code belongs on the port,
 * and it is authentic for the NAS's secret under the NAS's BlastRADIUS policy (with what `auto` has learned so far).
 * Returns why to drop it, or undefined. Changes nothing and never throws; the decoder fuzz calls it as the server
 * does.
 */
export function screenRequest(port: Port, client: Client<unknown>, frame: Frame): DropReason | undefined {
  if (!PORT_CODES[port].has(frame.code)) return 'wrong-port';
  const secret = client.secret.bytes;
  const hasMa = frame.maValueOffset >= 0;
  switch (frame.code) {
    case Code.AccessRequest:
      if (hasMa) {
        // RFC 3579 §3.2: an invalid Message-Authenticator is silently discarded.
        return verifyMessageAuthenticator(frame.packet, frame.maValueOffset, frame.authenticator, secret)
          ? undefined
          : 'bad-message-authenticator';
      }
      // RFC 3579 §3.1: an Access-Request with EAP-Message but no Message-Authenticator is silently discarded.
      if (frame.hasEapMessage) return 'eap-without-message-authenticator';
      if (requiresMa(client)) return 'missing-message-authenticator';
      if (frame.proxyStates.length > 0 && limitsProxyState(client)) return 'proxy-state-without-message-authenticator';
      return undefined;
    case Code.StatusServer:
      // RFC 5997 §3: Status-Server without a valid Message-Authenticator is discarded.
      if (!hasMa) return 'missing-message-authenticator';
      return verifyMessageAuthenticator(frame.packet, frame.maValueOffset, frame.authenticator, secret)
        ? undefined
        : 'bad-message-authenticator';
    case Code.AccountingRequest:
      // RFC 2866 §3: the Request Authenticator is an MD5 over the packet and secret.
      if (!verifyHashedRequestAuthenticator(frame.packet, secret)) return 'bad-authenticator';
      if (hasMa && !verifyMessageAuthenticator(frame.packet, frame.maValueOffset, ZERO16, secret)) {
        return 'bad-message-authenticator';
      }
      return undefined;
    default:
      return 'wrong-port';
  }
}

export class RadiusServer<T> {
  readonly stats: ServerStats = {
    received: 0,
    replied: 0,
    duplicatesResent: 0,
    dropped: {
      'unknown-client': 0,
      malformed: 0,
      'wrong-port': 0,
      'bad-authenticator': 0,
      'bad-message-authenticator': 0,
      'missing-message-authenticator': 0,
      'proxy-state-without-message-authenticator': 0,
      'eap-without-message-authenticator': 0,
      'duplicate-in-progress': 0,
      'no-handler': 0,
      'conflicting-credentials': 0,
      'missing-acct-session-id': 0,
      'missing-acct-status-type': 0,
      'unknown-acct-status-type': 0,
      'handler-declined': 0,
      'handler-error': 0,
      'reply-too-large': 0,
    },
  };
  private readonly sockets: Partial<Record<Port, Socket>> = {};
  private readonly dedupe: DuplicateCache;
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  /** Error lines: code and message only, at most one a minute per kind, the next one counting the rest. */
  private readonly errors: RateLimitedLog;
  private sweeper: NodeJS.Timeout | undefined;
  private lastUnknownLog = 0;
  private readonly summary: TrafficSummary;

  constructor(private readonly options: RadiusServerOptions<T>) {
    this.dedupe = new DuplicateCache(options.duplicateWindowMs, options.now);
    this.errors = new RateLimitedLog(options.log, { now: options.now });
    this.summary = new TrafficSummary(options.log);
  }

  async start(): Promise<{ auth: number; acct: number }> {
    const auth = await this.bind('auth', this.options.authPort);
    const acct = await this.bind('acct', this.options.acctPort);
    // Expired entries leave on a timer too, so memory falls after a burst even when no request follows.
    this.sweeper = setInterval(() => this.dedupe.sweep(), Math.min(SWEEP_INTERVAL_MS, this.options.duplicateWindowMs));
    this.sweeper.unref();
    this.summary.start();
    return { auth, acct };
  }

  /** Requests the duplicate cache holds now (answered or in progress, within their window). */
  get duplicateCacheSize(): number {
    return this.dedupe.size;
  }

  /** Stop receiving; wait for in-flight requests and delayed replies to be sent. */
  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    const closing = Object.values(this.sockets).map(
      (socket) =>
        new Promise<void>((resolve) => {
          socket.removeAllListeners('message');
          resolve();
        }),
    );
    await Promise.all(closing);
    const deadline = performance.now() + (this.options.drainMs ?? DEFAULT_DRAIN_MS);
    while ((this.inFlight.size > 0 || this.pendingTimers.size > 0) && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    if (this.inFlight.size > 0 || this.pendingTimers.size > 0) {
      this.options.log.warn(
        { unanswered: this.inFlight.size, delayedReplies: this.pendingTimers.size, drainMs: this.options.drainMs ?? DEFAULT_DRAIN_MS },
        'RADIUS server stopping with requests unanswered (never acknowledged: the NAS retransmits them)',
      );
      for (const timer of this.pendingTimers) clearTimeout(timer);
      this.pendingTimers.clear();
    }
    this.closed = true;
    for (const socket of Object.values(this.sockets)) socket.close();
    this.summary.stop();
    this.options.log.info({ stats: this.stats }, 'RADIUS server stopped');
  }

  private bind(port: Port, portNumber: number): Promise<number> {
    const socket = dgram.createSocket({ type: isIPv6(this.options.bind) ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, lookup: literalLookup });
    this.sockets[port] = socket;
    socket.on('message', (msg, rinfo) => this.receive(port, socket, msg, rinfo));
    socket.on('error', (err) => this.errors.error(`socket-error|${port}`, err, 'RADIUS socket error', { port }));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(portNumber, this.options.bind, () => {
        socket.off('error', reject);
        resolve(socket.address().port);
      });
    });
  }

  private countDrop(reason: DropReason, nas: string | undefined): void {
    this.stats.dropped[reason]++;
    this.options.observer?.dropped(reason, nas);
  }

  private drop(reason: DropReason, details?: Record<string, unknown>): void {
    this.countDrop(reason, details?.nas as string | undefined);
    if (reason === 'unknown-client') {
      // Rate-limited: a misconfigured router or a scan must not flood the log.
      const now = Date.now();
      if (now - this.lastUnknownLog < 10_000) return;
      this.lastUnknownLog = now;
      this.options.log.warn({ ...details, dropped: this.stats.dropped[reason] }, 'dropped datagram from unknown client');
      return;
    }
    if (this.options.log.isLevelEnabled('debug')) this.options.log.debug({ ...details, reason }, 'dropped datagram');
  }

  private receive(port: Port, socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const receivedAt = performance.now();
    this.stats.received++;
    const client = this.options.clients().lookup(rinfo.address);
    if (!client) return this.drop('unknown-client', { source: rinfo.address });
    const parsed = parseFrame(msg);
    if (!parsed.ok) return this.drop('malformed', { nas: client.name, why: parsed.reason });
    const frame = parsed.frame;
    const rejected = screenRequest(port, client, frame);
    if (rejected) return this.drop(rejected, { nas: client.name, code: frame.code, port });
    if (frame.code === Code.AccessRequest) this.learn(client, frame);

    const key = `${port}|${rinfo.address}|${rinfo.port}|${frame.identifier}`;
    const verdict = this.dedupe.check(key, frame.authenticator);
    if (verdict.kind === 'replay') {
      this.stats.duplicatesResent++;
      this.options.observer?.duplicateResent(client.name);
      socket.send(verdict.reply, rinfo.port, rinfo.address);
      return;
    }
    if (verdict.kind === 'in-progress') return this.drop('duplicate-in-progress', { nas: client.name });

    this.process(new ServerRequest(this.options.log, client, port, socket, rinfo, frame, key, receivedAt));
  }

  /** `auto` mode: a verified Access-Request decides (FreeRADIUS 3.2.5 semantics). */
  private learn(client: Client<T>, frame: Frame): void {
    const hasMa = frame.maValueOffset >= 0;
    if (client.requireMessageAuthenticator === 'auto' && hasMa && client.learned.requireMa !== true) {
      client.learned.requireMa = true;
      this.options.log.info({ nas: client.name }, 'NAS sends Message-Authenticator: now required from it');
    }
    if (client.limitProxyState === 'auto' && client.learned.limitProxyState === undefined) {
      // A first request with Proxy-State and no MA comes from a proxy that cannot sign: do not limit it.
      client.learned.limitProxyState = hasMa || frame.proxyStates.length === 0;
      if (!client.learned.limitProxyState) {
        this.options.log.warn({ nas: client.name }, 'NAS proxies without Message-Authenticator: Proxy-State not limited');
      }
    }
  }

  /** Decode and hand to the handler; a synchronous result is answered at once, a promise when it settles. */
  private process(context: ServerRequest<T>): void {
    const { frame } = context;
    let request: RadiusRequest;
    try {
      request = decodeAttributes(frame);
    } catch (err) {
      this.dedupe.forget(context.key, context.frame.authenticator);
      return this.drop('malformed', { nas: context.client.name, why: (err as Error).message });
    }
    const handler = this.options.handlers[frame.code];
    if (!handler) {
      this.dedupe.forget(context.key, context.frame.authenticator);
      return this.drop('no-handler', { nas: context.client.name, code: frame.code });
    }
    let outcome: ReturnType<Handler<T>>;
    try {
      outcome = handler(request, context);
    } catch (err) {
      return this.handlerFailed(err, context);
    }
    if (!(outcome instanceof Promise)) return this.answer(context, outcome);
    const work = outcome.then(
      (result) => this.answer(context, result),
      (err: unknown) => this.handlerFailed(err, context),
    );
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private handlerFailed(err: unknown, context: RequestContext<T>): void {
    this.dedupe.forget(context.key, context.frame.authenticator);
    this.countDrop('handler-error', context.client.name);
    // One line a minute per request code, bound to the request that logged it; the next one counts the rest.
    this.errors.error(`handler-failed|${context.frame.code}`, err, 'handler failed; no reply sent', requestFields(context));
  }

  private answer(context: RequestContext<T>, result: HandlerOutcome): void {
    const { client, frame } = context;
    if (!result) {
      this.dedupe.forget(context.key, context.frame.authenticator);
      this.countDrop('handler-declined', client.name);
      return;
    }
    if ('drop' in result) {
      this.dedupe.forget(context.key, context.frame.authenticator);
      return this.drop(result.drop, requestFields(context));
    }
    let reply: Buffer;
    try {
      reply = encodeResponse({
        code: result.code,
        request: frame,
        attributes: result.attributes,
        secret: client.secret,
        messageAuthenticator: MA_REPLY_CODES.has(result.code) || frame.code === Code.StatusServer,
      });
    } catch (err) {
      this.dedupe.forget(context.key, context.frame.authenticator);
      if (err instanceof PacketTooLargeError) {
        // RFC 2865 §3: at most 4096 bytes; the request's Proxy-States are echoed in full (§5.33) or not at all.
        this.countDrop('reply-too-large', client.name);
        const fields = { ...requestFields(context), proxyStates: frame.proxyStates.length };
        this.errors.warn('reply-too-large', err, 'reply too large; no reply sent', fields);
      } else {
        this.countDrop('handler-error', client.name);
        const fields = { ...result.log, ...requestFields(context) };
        this.errors.error(`reply-unencodable|${frame.code}`, err, 'reply could not be encoded; no reply sent', fields);
      }
      return;
    }
    const latencyMs = performance.now() - context.receivedAt;
    this.summary.answered(client.name, result, latencyMs);
    this.options.observer?.replied(client.name, frame.code, result, latencyMs / 1000);
    if (result.delayMs && result.delayMs > 0) {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        this.send(context, reply);
      }, result.delayMs);
      this.pendingTimers.add(timer);
    } else {
      this.send(context, reply);
    }
  }

  private send(context: RequestContext<T>, reply: Buffer): void {
    // An answer that comes after stop() gave up waiting has no socket to go out on.
    if (this.closed) return;
    this.dedupe.complete(context.key, context.frame.authenticator, reply);
    this.stats.replied++;
    context.socket.send(reply, context.source.port, context.source.address);
  }
}

/** What a bounded error line says about the request it came from. */
function requestFields({ client, frame, source }: RequestContext<unknown>): Record<string, unknown> {
  return { nas: client.name, id: frame.identifier, code: frame.code, source: `${source.address}:${source.port}` };
}

/**
 * The request context as the server builds it: one object per request, shaped the same for every request; the
 * child logger is made only when something asks for it (most requests never log beyond the summary line).
 */
class ServerRequest<T> implements RequestContext<T> {
  private child: Logger | undefined = undefined;

  constructor(
    private readonly root: Logger,
    readonly client: Client<T>,
    readonly port: Port,
    readonly socket: Socket,
    readonly source: RemoteInfo,
    readonly frame: Frame,
    readonly key: string,
    readonly receivedAt: number,
  ) {}

  get log(): Logger {
    return (this.child ??= this.root.child({
      nas: this.client.name,
      id: this.frame.identifier,
      source: `${this.source.address}:${this.source.port}`,
    }));
  }
}
