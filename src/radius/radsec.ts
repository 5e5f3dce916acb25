/**
 * The RadSec listener (RADIUS over TLS, RFC 6614; docs/radsec.md): TLS 1.2 or later, mutual authentication. A
 * client must present a certificate that chains to the configured CA and is within its validity; then the
 * certificate must name a configured NAS (radsec-peers.ts). Anything else is closed before a byte of it is read,
 * counted by reason and logged (which certificate, why), one line a minute per reason. An identified connection is
 * a `RadsecConnection`; at most `maxConnectionsPerNas` per NAS. Settings and certificates arrive as values: this
 * module knows nothing of the configuration files.
 */
import net from 'node:net';
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls';
import { RateLimitedLog } from '../log-limit.js';
import type { Logger } from '../log.js';
import { Code } from './codes.js';
import type { ReplyAttribute } from './encode.js';
import { RadsecConnection, type ConnectionReply, type RadsecCloseReason } from './radsec-connection.js';
import { describeCertificate, type RadsecPeerRegistry } from './radsec-peers.js';
import type { DropReason, Handler, RadiusObserver } from './server.js';
import { TrafficSummary } from './traffic-summary.js';

/** Why a connection was refused (docs/radsec.md, the refusal table). */
export type RadsecRefusal = 'handshake-failed' | 'no-certificate' | 'untrusted-certificate' | 'unknown-certificate' | 'connection-limit';

/** Metrics hooks for connections (the request counters go through `RadiusObserver`, as for UDP). */
export interface RadsecObserver {
  accepted(nas: string): void;
  refused(reason: RadsecRefusal): void;
  closed(nas: string, reason: RadsecCloseReason): void;
}

export interface RadsecTlsMaterial {
  /** PEM: radgate's server certificate (with any intermediates after it). */
  readonly cert: string;
  /** PEM: its private key. */
  readonly key: string;
  /** PEM: the CA(s) that sign NAS client certificates; the only ones trusted. */
  readonly ca: string;
}

export interface RadsecServerOptions<T> {
  bind: string;
  /** TCP port; 0 = any free port (tests). */
  port: number;
  tls: RadsecTlsMaterial;
  peers: () => RadsecPeerRegistry<T>;
  handlers: Partial<Record<number, Handler<T>>>;
  duplicateWindowMs: number;
  /** A connection with no traffic either way this long is closed. */
  idleTimeoutMs: number;
  maxConnectionsPerNas: number;
  /** Requests of one connection being handled at once; more are read only as these finish. */
  maxInFlight: number;
  /** A TLS handshake must finish within this. Default 10 s. */
  handshakeTimeoutMs?: number;
  log: Logger;
  observer?: RadiusObserver;
  connections?: RadsecObserver;
  now?: () => number;
  /** How long stop() waits for requests in progress. Default 5 s. */
  drainMs?: number;
}

export interface RadsecStats {
  accepted: number;
  replied: number;
  refused: Record<RadsecRefusal, number>;
  closed: Record<RadsecCloseReason, number>;
  dropped: Partial<Record<DropReason, number>>;
}

/** Open TCP sockets on the RadSec port at most, identified or not; Node closes any beyond as soon as it accepts them. */
export const MAX_OPEN_SOCKETS = 1024;

export class RadsecServer<T> {
  readonly stats: RadsecStats = {
    accepted: 0,
    replied: 0,
    refused: { 'handshake-failed': 0, 'no-certificate': 0, 'untrusted-certificate': 0, 'unknown-certificate': 0, 'connection-limit': 0 },
    closed: { 'peer-closed': 0, 'bad-framing': 0, 'idle-timeout': 0, 'socket-error': 0, 'server-stopping': 0 },
    dropped: {},
  };
  private server: tls.Server | undefined;
  private readonly connections = new Map<string, Set<RadsecConnection<T>>>();
  private readonly errors: RateLimitedLog;
  /** Routine answers over RadSec, summed per NAS once a minute at `info` (docs/radius-protocol.md §18). */
  private readonly summary: TrafficSummary;
  private stopping = false;

  constructor(private readonly options: RadsecServerOptions<T>) {
    this.errors = new RateLimitedLog(options.log, { now: options.now });
    this.summary = new TrafficSummary(options.log);
  }

  async start(): Promise<number> {
    const server = tls.createServer({
      cert: this.options.tls.cert,
      key: this.options.tls.key,
      ca: this.options.tls.ca,
      minVersion: 'TLSv1.2', // RFC 6614 §2.3 asks for TLS 1.1 at least; 1.2 is the floor today
      requestCert: true,
      // Checked in `accept` instead of by Node, so each refusal is logged with its reason (Node closes silently).
      rejectUnauthorized: false,
      handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
    });
    // Sockets before and after the handshake: a flood of unauthenticated connections cannot exhaust descriptors.
    server.maxConnections = MAX_OPEN_SOCKETS;
    this.server = server;
    this.summary.start();
    server.on('secureConnection', (socket) => this.accept(socket));
    server.on('tlsClientError', (err, socket) => {
      this.refuse('handshake-failed', { source: `${socket.remoteAddress}:${socket.remotePort}`, why: summarise(err) });
      socket.destroy();
    });
    server.on('error', (err) => this.errors.error('radsec-listener', err, 'RadSec listener error'));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.bind, () => {
        server.off('error', reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Open connections of a NAS (the newest last). */
  connectionsOf(nas: string): RadsecConnection<T>[] {
    return [...(this.connections.get(nas) ?? [])].filter((c) => c.open);
  }

  /**
   * Send a CoA/Disconnect to a NAS over its newest open RadSec connection; `closed` when it has none.
   * (docs/radsec.md: used for a NAS with `radsec.coa: connection`.)
   */
  async request(nas: string, code: typeof Code.CoaRequest | typeof Code.DisconnectRequest, attributes: readonly ReplyAttribute[], timeoutMs: number): Promise<ConnectionReply> {
    const connection = this.connectionsOf(nas).at(-1);
    if (!connection) return { kind: 'closed' };
    return connection.request(code, attributes, timeoutMs);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const closing = new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const all = [...this.connections.values()].flatMap((set) => [...set]);
    // Requests being answered get their reply (within drainMs); then every connection closes.
    const drained = Promise.all(all.map((c) => c.settleOrClose(this.options.drainMs ?? 5000)));
    await drained;
    await closing;
    this.summary.stop();
    this.options.log.info({ stats: this.stats }, 'RadSec listener stopped');
  }

  private accept(socket: TLSSocket): void {
    const source = `${socket.remoteAddress}:${socket.remotePort}`;
    if (this.stopping) return void socket.destroy();
    const certificate = socket.getPeerCertificate();
    const hasCertificate = certificate !== null && typeof certificate === 'object' && Object.keys(certificate).length > 0;
    if (!hasCertificate) return this.close(socket, 'no-certificate', { source, why: 'the client sent no certificate' });
    const described = describeCertificate(certificate as PeerCertificate);
    if (!socket.authorized) {
      const why = String(socket.authorizationError ?? 'not verified');
      return this.close(socket, 'untrusted-certificate', { source, certificate: described, why: `${why} (it must chain to server.radsec.ca_file and be valid now)` }, why);
    }
    const client = this.options.peers().identify(certificate as PeerCertificate);
    if (!client) {
      return this.close(socket, 'unknown-certificate', { source, certificate: described, why: 'no NAS in nas.yaml has a radsec: fingerprint or subject matching this certificate' }, described.fingerprint);
    }
    const open = this.connectionsOf(client.name);
    if (open.length >= this.options.maxConnectionsPerNas) {
      return this.close(socket, 'connection-limit', { source, nas: client.name, open: open.length, why: `NAS already has ${open.length} RadSec connections (server.radsec.max_connections_per_nas)` });
    }
    const connection = new RadsecConnection(socket, client, {
      handlers: this.options.handlers,
      duplicateWindowMs: this.options.duplicateWindowMs,
      idleTimeoutMs: this.options.idleTimeoutMs,
      maxInFlight: this.options.maxInFlight,
      log: this.options.log,
      errors: this.errors,
      summary: this.summary,
      observer: this.options.observer,
      now: this.options.now,
      countDrop: (reason, nas) => {
        this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
        this.options.observer?.dropped(reason, nas);
      },
      replied: () => void this.stats.replied++,
      closed: (c, reason) => {
        this.connections.get(c.client.name)?.delete(c);
        this.stats.closed[reason]++;
        this.options.connections?.closed(c.client.name, reason);
        this.options.log.info({ nas: c.client.name, source, reason }, 'RadSec connection closed');
      },
    });
    let set = this.connections.get(client.name);
    if (!set) this.connections.set(client.name, (set = new Set()));
    set.add(connection);
    this.stats.accepted++;
    this.options.connections?.accepted(client.name);
    this.options.log.info({ nas: client.name, source, protocol: socket.getProtocol(), subject: described.subject }, 'RadSec connection from NAS');
  }

  private close(socket: TLSSocket, reason: RadsecRefusal, fields: Record<string, unknown>, detail = ''): void {
    socket.destroy();
    this.refuse(reason, fields, detail);
  }

  private refuse(reason: RadsecRefusal, fields: Record<string, unknown>, detail = ''): void {
    this.stats.refused[reason]++;
    this.options.connections?.refused(reason);
    // Per reason and verification error (per certificate for ones our CA signed, so one misconfigured NAS does not
    // hide another): a scan or a looping router writes a line a minute.
    this.errors.warn(`radsec-refused|${reason}|${detail}`, undefined, `RadSec connection refused: ${reason}`, { ...fields, reason });
  }
}

function summarise(err: Error & { code?: unknown }): string {
  const text = `${typeof err.code === 'string' ? `${err.code}: ` : ''}${err.message}`.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
