/**
 * The soak benchmark's routers, in the bench process (never the server's).
 *
 * A good NAS has its own address on loopback (127.0.0.x), secret and nas.yaml entry, one socket per server port —
 * 256 Identifiers each, as a NAS has — and a CoA port that answers like RouterOS. Each of its subscriber slots runs
 * sessions one after another: login (PAP Access-Request) → Start → Interim-Update × INTERIMS → Stop → login …
 * Every request is matched to its reply by Identifier and Response Authenticator (RFC 2865 §3) and, unanswered,
 * resent with the same bytes (RFC 5080 §2.2.1) every RETRY.timeoutMs: Access-Requests up to 3 tries, accounting
 * until answered or 120 s have passed, so a record survives a database outage of a minute on the NAS's side.
 * A Disconnect-Request for an open session is ACKed and the session ends with a Stop (Admin-Reset); CoA-Requests
 * are ACKed; anything failing the router's checks is dropped and counted.
 *
 * The generator mixes operations in a fixed pattern: three of every four are the next step of the next ready slot,
 * the fourth a login of a user that never opens a session (a HotSpot-style check). An operation that finds no
 * ready slot or no free Identifier is not sent and is counted as deferred (the NAS's queue was full).
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { percentile } from './load.js';
import { papRequest, replyMatches, benchUser, type BenchUser } from './requests.js';
import { checkCoaRequest, coaReply, sessionRecord, TERMINATE, type Status } from './soak-packets.js';

/** When a request is resent and when the NAS gives up on it. */
export interface RetryPolicy {
  timeoutMs: number;
  maxTries: number;
  giveUpMs: number;
}

export const AUTH_RETRY: RetryPolicy = { timeoutMs: 3000, maxTries: 3, giveUpMs: Infinity };
export const ACCT_RETRY: RetryPolicy = { timeoutMs: 3000, maxTries: Infinity, giveUpMs: 120_000 };

/** Interim-Updates per session (simulated 5 minutes apart: Acct-Session-Time grows by 300 s each). */
export const INTERIMS = 4;
const INTERIM_SECONDS = 300;

interface Pending {
  packet: Buffer;
  firstSentAt: number;
  lastSentAt: number;
  tries: number;
  done: (reply: Buffer | undefined, pending: Pending) => void;
}

/** One NAS socket to one server port: 256 Identifiers, replies matched and checked, retransmission by a sweep. */
export class Channel {
  private readonly pending: Array<Pending | undefined> = new Array(256).fill(undefined);
  /** Least recently used Identifier first, so a reused one is as old as possible. */
  private readonly free: number[] = Array.from({ length: 256 }, (_, i) => i);
  private readonly scratch: Buffer;
  retransmissions = 0;
  /** Replies that matched nothing in flight or failed the authenticator check. */
  unmatched = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly secret: Buffer,
    private readonly policy: RetryPolicy,
  ) {
    this.scratch = Buffer.alloc(4096 + secret.length);
    socket.on('message', (reply) => this.receive(reply));
  }

  static async open(address: string, serverPort: number, secret: Buffer, policy: RetryPolicy): Promise<Channel> {
    return new Channel(await connectedSocket(address, serverPort), secret, policy);
  }

  get outstanding(): number {
    return 256 - this.free.length;
  }

  /** Sends the request built for a free Identifier; false when none is free. */
  send(build: (identifier: number) => Buffer, done: Pending['done']): boolean {
    const id = this.free.shift();
    if (id === undefined) return false;
    const packet = build(id);
    const now = performance.now();
    this.pending[id] = { packet, firstSentAt: now, lastSentAt: now, tries: 1, done };
    this.socket.send(packet);
    return true;
  }

  sweep(now: number): void {
    for (let id = 0; id < 256; id++) {
      const p = this.pending[id];
      if (!p || now - p.lastSentAt < this.policy.timeoutMs) continue;
      if (p.tries >= this.policy.maxTries || now - p.firstSentAt >= this.policy.giveUpMs) {
        this.finish(id, p, undefined);
        continue;
      }
      p.tries++;
      p.lastSentAt = now;
      this.retransmissions++;
      this.socket.send(p.packet);
    }
  }

  close(): void {
    this.socket.close();
  }

  private receive(reply: Buffer): void {
    const id = reply[1] ?? 0;
    const p = this.pending[id];
    if (!p || !replyMatches(reply, p.packet, this.secret, this.scratch)) {
      this.unmatched++;
      return;
    }
    this.finish(id, p, reply);
  }

  private finish(id: number, p: Pending, reply: Buffer | undefined): void {
    this.pending[id] = undefined;
    this.free.push(id);
    p.done(reply, p);
  }
}

export async function connectedSocket(address: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => socket.connect(port, '127.0.0.1', () => {
      socket.off('error', reject);
      // ICMP port-unreachable (a server that died) must not crash the generator: the sweep counts those as lost.
      socket.on('error', () => {});
      resolve();
    }));
  });
  return socket;
}

/** What the database must show for one session: its best acknowledged record. */
export interface TrackedSession {
  nas: string;
  nasAddress: string;
  sessionId: string;
  username: string;
  /** The Class as the NAS echoed it (radgate's printable `rg1:` tag). */
  classText: string;
  /** Highest Acct-Session-Time acknowledged; -1: nothing acknowledged. */
  ackedTime: number;
  ackedStop: boolean;
}

export interface Slot {
  readonly nas: GoodNas;
  readonly index: number;
  readonly user: BenchUser;
  state: 'login' | 'start' | 'open';
  subscriberId: number | undefined;
  classTag: Buffer;
  session: TrackedSession | undefined;
  interims: number;
  /** A Disconnect-Request was ACKed: the next record is the Stop (Admin-Reset). */
  disconnected: boolean;
  serial: number;
}

export interface CoaCounts {
  coa: number;
  disconnect: number;
  disconnectAcked: number;
  /** Disconnect-NAK 503 Session-Context-Not-Found: the session had already ended. */
  disconnectGone: number;
  retransmitted: number;
  /** Failed the router's checks (authenticator, Message-Authenticator, code). */
  rejected: number;
  lastAt: number;
}

export class GoodNas {
  /** Acct-Session-Id → the slot whose session it is, from Start until Stop is sent. */
  readonly open = new Map<string, Slot>();
  readonly coaCounts: CoaCounts = { coa: 0, disconnect: 0, disconnectAcked: 0, disconnectGone: 0, retransmitted: 0, rejected: 0, lastAt: 0 };
  private readonly replies = new Map<string, Buffer>();
  auth!: Channel;
  acct!: Channel;

  private constructor(
    readonly name: string,
    readonly address: string,
    readonly secret: Buffer,
    private readonly coaSocket: dgram.Socket,
  ) {
    coaSocket.on('message', (msg, rinfo) => this.coa(msg, rinfo));
  }

  /** Binds the CoA port first: nas.yaml needs it before the server starts. */
  static async create(name: string, address: string, secret: string): Promise<GoodNas> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new GoodNas(name, address, Buffer.from(secret), socket);
  }

  get coaPort(): number {
    return this.coaSocket.address().port;
  }

  async connect(authPort: number, acctPort: number): Promise<void> {
    this.auth = await Channel.open(this.address, authPort, this.secret, AUTH_RETRY);
    this.acct = await Channel.open(this.address, acctPort, this.secret, ACCT_RETRY);
  }

  close(): void {
    this.auth?.close();
    this.acct?.close();
    this.coaSocket.close();
  }

  private coa(packet: Buffer, rinfo: dgram.RemoteInfo): void {
    const counts = this.coaCounts;
    counts.lastAt = performance.now();
    const checked = checkCoaRequest(packet, this.secret);
    if (!checked || (packet[0] !== 43 && packet[0] !== 40)) return void counts.rejected++;
    // A retransmission (same source port, Identifier and authenticator) gets the same reply, nothing re-applied.
    const key = `${rinfo.port}/${packet[1]}/${packet.toString('hex', 4, 20)}`;
    const cached = this.replies.get(key);
    if (cached) {
      counts.retransmitted++;
      this.coaSocket.send(cached, rinfo.port, rinfo.address);
      return;
    }
    let reply: Buffer;
    if (packet[0] === 43) {
      counts.coa++;
      reply = coaReply(packet, 44, this.secret);
    } else {
      counts.disconnect++;
      const slot = this.open.get(checked.sessionId);
      if (slot && !slot.disconnected) {
        slot.disconnected = true;
        counts.disconnectAcked++;
        reply = coaReply(packet, 41, this.secret);
      } else {
        counts.disconnectGone++;
        reply = coaReply(packet, 42, this.secret, 503);
      }
    }
    this.replies.set(key, reply);
    if (this.replies.size > 4096) this.replies.delete(this.replies.keys().next().value!);
    this.coaSocket.send(reply, rinfo.port, rinfo.address);
  }
}

/** Where a request was first sent: the orchestrator's phases (bench/soak.ts). */
export const PHASES = ['capacity', 'baseline', 'bad', 'near-cut', 'cut'] as const;
export type Phase = (typeof PHASES)[number];

export interface Counts {
  sent: number;
  answered: number;
  /** Answered before any retransmission. */
  firstTry: number;
  /** Given up by the NAS. */
  lost: number;
  /** Answered with another code than expected (Access-Reject, …). */
  wrongCode: number;
}

const zero = (): Counts => ({ sent: 0, answered: 0, firstTry: 0, lost: 0, wrongCode: 0 });

/** A growable list of latencies, ms. */
export class Latencies {
  private values = new Float64Array(1 << 16);
  length = 0;

  push(ms: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = ms;
  }

  summary(): { p50: number; p99: number; max: number; n: number } {
    const sorted = this.values.slice(0, this.length).sort();
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1] ?? 0, n: this.length };
  }
}

export interface TrafficOptions {
  nases: GoodNas[];
  slotsPerNas: number;
  /** Users 0 … slots − 1 have sessions (slot order); the next `authUsers` only log in. */
  authUsers: number;
}

export class Traffic {
  readonly counts = Object.fromEntries(PHASES.map((p) => [p, { auth: zero(), acct: zero() }])) as Record<Phase, { auth: Counts; acct: Counts }>;
  readonly deferred = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  /** Access-Request latency (first send → verified reply), by whether it was first sent during the cut. */
  readonly authLatency = { outside: new Latencies(), cut: new Latencies() };
  /** Every session any slot started, for the final database check. */
  readonly sessions: TrackedSession[] = [];
  /** Set by the orchestrator as the run moves on. */
  phase: Phase = 'capacity';
  inFlight = 0;
  completed = 0;
  /** Called after each operation completes (the closed loop refills from here). */
  onDone: (() => void) | undefined;

  private readonly slots: Slot[] = [];
  private readonly ready: Array<Slot | undefined>;
  private readyHead = 0;
  private readyCount = 0;
  private ops = 0;
  private nextAuthUser = 0;

  constructor(private readonly options: TrafficOptions) {
    const { nases, slotsPerNas } = options;
    // Slots interleaved across NASes, so consecutive operations go to different routers.
    for (let i = 0; i < slotsPerNas * nases.length; i++) {
      this.slots.push({
        nas: nases[i % nases.length]!, index: i, user: benchUser(i), state: 'login', subscriberId: undefined, classTag: Buffer.alloc(0),
        session: undefined, interims: 0, disconnected: false, serial: 0,
      });
    }
    this.ready = new Array(this.slots.length).fill(undefined);
    for (const slot of this.slots) this.enqueue(slot);
  }

  /** Slots whose session is open and not being ended: candidates for a billing change. */
  openSlots(): Slot[] {
    return this.slots.filter((s) => s.state === 'open' && !s.disconnected && s.subscriberId !== undefined);
  }

  sweep(now: number): void {
    for (const nas of this.options.nases) {
      nas.auth.sweep(now);
      nas.acct.sweep(now);
    }
  }

  /** One operation of the mix; false when it could not be sent (counted as deferred). */
  issue(): boolean {
    const k = this.ops++;
    const phase = this.phase;
    if (k % 4 === 3) {
      const sent = this.authOnly(k, phase);
      if (!sent) this.deferred[phase]++;
      return sent;
    }
    const slot = this.dequeue();
    if (slot && this.step(slot, phase)) return true;
    if (slot) this.enqueue(slot);
    this.deferred[phase]++;
    return false;
  }

  /** Runs `concurrency` operations at all times for `ms`; returns the operations completed per second. */
  async closedLoop(concurrency: number, ms: number): Promise<number> {
    const fill = () => {
      while (this.inFlight < concurrency && this.issue());
    };
    this.onDone = fill;
    const refill = setInterval(fill, 5);
    fill();
    const before = this.completed;
    const started = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const rate = ((this.completed - before) * 1000) / (performance.now() - started);
    clearInterval(refill);
    this.onDone = undefined;
    return rate;
  }

  private authOnly(k: number, phase: Phase): boolean {
    const { nases, slotsPerNas, authUsers } = this.options;
    const nas = nases[k % nases.length]!;
    const user = benchUser(nases.length * slotsPerNas + (this.nextAuthUser++ % authUsers));
    const sent = nas.auth.send((id) => papRequest(id, user, nas.secret, randomBytes(16)), (reply, p) => {
      this.authDone(phase, reply, p);
      this.completeOne();
    });
    if (sent) this.sent(phase, 'auth');
    return sent;
  }

  private step(slot: Slot, phase: Phase): boolean {
    const { nas } = slot;
    if (slot.state === 'login') {
      const sent = nas.auth.send((id) => papRequest(id, slot.user, nas.secret, randomBytes(16)), (reply, p) => {
        if (this.authDone(phase, reply, p)) {
          slot.classTag = classOf(reply!);
          const id = /^rg1:(\d+):/.exec(slot.classTag.toString('latin1'))?.[1];
          slot.subscriberId = id === undefined ? undefined : Number(id);
          slot.state = 'start';
        }
        this.completeOne(slot);
      });
      if (sent) this.sent(phase, 'auth');
      return sent;
    }
    if (slot.state === 'start') {
      const session: TrackedSession = {
        nas: nas.name, nasAddress: nas.address, sessionId: `s${slot.index.toString(16)}-${slot.serial++}`, username: slot.user.username,
        classText: slot.classTag.toString('utf8'), ackedTime: -1, ackedStop: false,
      };
      const sent = this.record(slot, session, 'Start', 0, phase, () => {
        slot.state = 'open';
        slot.interims = 0;
      });
      if (!sent) return false;
      slot.session = session;
      this.sessions.push(session);
      nas.open.set(session.sessionId, slot);
      return true;
    }
    const session = slot.session!;
    if (slot.disconnected || slot.interims >= INTERIMS) {
      const cause = slot.disconnected ? TERMINATE.adminReset : TERMINATE.userRequest;
      const sent = this.record(slot, session, 'Stop', (slot.interims + 1) * INTERIM_SECONDS, phase, () => {
        slot.state = 'login';
        slot.session = undefined;
        slot.disconnected = false;
      }, cause);
      if (sent) nas.open.delete(session.sessionId);
      return sent;
    }
    return this.record(slot, session, 'Interim-Update', (slot.interims + 1) * INTERIM_SECONDS, phase, () => {
      slot.interims++;
    });
  }

  /** Sends one accounting record of `session`; `after` moves the slot on once it is answered or given up. */
  private record(slot: Slot, session: TrackedSession, status: Status, sessionTime: number, phase: Phase, after: () => void, terminateCause?: number): boolean {
    const { nas } = slot;
    const i = slot.index;
    const sent = nas.acct.send((id) => sessionRecord(id, {
      status, username: session.username, sessionId: session.sessionId, nasIp: nas.address, nasIdentifier: nas.name,
      framedIp: `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`,
      mac: `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`.toUpperCase(),
      classTag: slot.classTag, sessionTime, terminateCause,
    }, nas.secret), (reply, p) => {
      const c = this.counts[phase].acct;
      if (!reply) c.lost++;
      else {
        c.answered++;
        if (p.tries === 1) c.firstTry++;
        if (reply[0] !== 5) c.wrongCode++;
        else {
          session.ackedTime = Math.max(session.ackedTime, sessionTime);
          if (status === 'Stop') session.ackedStop = true;
        }
      }
      after();
      this.completeOne(slot);
    });
    if (sent) this.sent(phase, 'acct');
    return sent;
  }

  /** Counts an Access-Request's outcome; true for a verified Access-Accept. */
  private authDone(phase: Phase, reply: Buffer | undefined, p: Pending): boolean {
    const c = this.counts[phase].auth;
    if (!reply) {
      c.lost++;
      return false;
    }
    c.answered++;
    if (p.tries === 1) c.firstTry++;
    if (phase !== 'capacity') (phase === 'cut' ? this.authLatency.cut : this.authLatency.outside).push(performance.now() - p.firstSentAt);
    if (reply[0] !== 2) {
      c.wrongCode++;
      return false;
    }
    return true;
  }

  private sent(phase: Phase, kind: 'auth' | 'acct'): void {
    this.counts[phase][kind].sent++;
    this.inFlight++;
  }

  private completeOne(slot?: Slot): void {
    this.inFlight--;
    this.completed++;
    if (slot) this.enqueue(slot);
    this.onDone?.();
  }

  private enqueue(slot: Slot): void {
    this.ready[(this.readyHead + this.readyCount++) % this.ready.length] = slot;
  }

  private dequeue(): Slot | undefined {
    if (this.readyCount === 0) return undefined;
    const slot = this.ready[this.readyHead];
    this.ready[this.readyHead] = undefined;
    this.readyHead = (this.readyHead + 1) % this.ready.length;
    this.readyCount--;
    return slot;
  }
}

/** The Class attribute (RFC 2865 §5.25) of a reply; empty when it has none. */
function classOf(reply: Buffer): Buffer {
  for (let o = 20; o + 2 <= reply.length && reply[o + 1]! >= 2; o += reply[o + 1]!) {
    if (reply[o] === 25) return Buffer.from(reply.subarray(o + 2, o + reply[o + 1]!));
  }
  return Buffer.alloc(0);
}

/** Sends `send()` at `rate` per second from a 1 ms timer, catching up after the generator's own pauses. */
export class Pacer {
  private timer: NodeJS.Timeout | undefined;
  private due = 0;

  start(rate: number, send: () => void): void {
    const started = performance.now();
    this.due = 0;
    this.timer = setInterval(() => {
      const target = Math.floor(((performance.now() - started) * rate) / 1000);
      while (this.due < target) {
        this.due++;
        send();
      }
    }, 1);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
