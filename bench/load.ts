/**
 * A UDP load generator with `concurrency` request slots. Closed loop (default): each slot sends its next request as
 * soon as the previous one is answered (or timed out) — the server's maximum throughput, with latency set by the
 * queue of `concurrency` requests. Open loop (`ratePerSecond`): requests are due at a fixed rate whatever the
 * replies do, at most `concurrency` in flight — the latency a given load gets. Latency runs from the send; in open
 * loop it is also reported from when each request was due (`fromDueMs`), which adds any lateness of the generator
 * itself (its own pauses on a shared machine) to the server's. Requests are built before the clock starts, so
 * the generator spends its time on sockets and on checking replies, never on building packets. It runs in the bench
 * process, never in the server's: the two do not share an event loop.
 */
import dgram, { type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { replyMatches } from './requests.js';

export interface LoadOptions {
  port: number;
  secret: Buffer;
  requests: number;
  /** Requests in flight. At most 256 per socket (the Identifier is one byte); sockets are added as needed. */
  concurrency: number;
  /** Builds one request with this Identifier (called `requests` times before the clock starts). */
  build: (identifier: number) => Buffer;
  /** The reply code every request should get (2 = Access-Accept). */
  expectCode: number;
  /** A request unanswered this long is counted lost and its slot moves on. */
  timeoutMs: number;
  /** Stop sending after this long, whatever is left. */
  maxDurationMs: number;
  /** Open loop: send at this rate (requests per second) instead of as fast as replies come back. */
  ratePerSecond?: number;
}

export interface LoadResult {
  sent: number;
  answered: number;
  /** Answered with another code than expected. */
  wrongCode: number;
  lost: number;
  /** Replies that matched no request in flight (late replies to lost requests) or failed the authenticator check. */
  unmatched: number;
  elapsedMs: number;
  requestsPerSecond: number;
  /** CPU the generator itself used while the clock ran, percent of one core. */
  generatorCpuPercent: number;
  latencyMs: LatencySummary;
  /** Open loop only: latency from when each request was due rather than sent. */
  fromDueMs?: LatencySummary;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

const SLOTS_PER_SOCKET = 128;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const concurrency = Math.max(1, Math.min(options.concurrency, options.requests));
  const socketCount = Math.ceil(concurrency / SLOTS_PER_SOCKET);
  const rate = options.ratePerSecond;
  // Slot j uses socket j % socketCount and Identifier ⌊j / socketCount⌋, so a reply finds its slot directly.
  // Open loop: slots are taken in turn (first freed, first reused), so each needs about requests/concurrency.
  const queues: Buffer[][] = Array.from({ length: concurrency }, () => []);
  const perSlot = rate ? Math.ceil(options.requests / concurrency) + 2 : 0;
  for (let k = 0; k < (rate ? perSlot * concurrency : options.requests); k++) {
    const slot = k % concurrency;
    queues[slot]!.push(options.build(Math.floor(slot / socketCount)));
  }
  const sockets = await Promise.all(Array.from({ length: socketCount }, () => openSocket(options.port)));

  const current: Array<Buffer | undefined> = new Array(concurrency).fill(undefined);
  const cursor = new Int32Array(concurrency);
  const sentAt = new Float64Array(concurrency);
  const dueAt = new Float64Array(concurrency);
  const latencies = new Float64Array(options.requests);
  const fromDue = rate ? new Float64Array(options.requests) : undefined;
  const scratch = Buffer.alloc(4096 + options.secret.length);
  let sent = 0;
  let answered = 0;
  let wrongCode = 0;
  let lost = 0;
  let unmatched = 0;
  let active = concurrency;
  let lastReplyAt = 0;
  let stopSending = false;

  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  // Open loop: free slots in a ring (first freed, first reused); request n is due at started + n / rate.
  const free = new Int32Array(concurrency);
  let freeHead = 0;
  let freeCount = 0;
  let due = 0;
  let inFlight = 0;
  let started = 0;
  const release = (slot: number): void => {
    current[slot] = undefined;
    inFlight--;
    free[(freeHead + freeCount++) % concurrency] = slot;
  };
  const pump = (): void => {
    const now = performance.now();
    const target = Math.min(options.requests, Math.floor(((now - started) * rate!) / 1000) + 1);
    while (due < target && freeCount > 0 && !stopSending) {
      const slot = free[freeHead]!;
      freeHead = (freeHead + 1) % concurrency;
      freeCount--;
      const packet = queues[slot]![cursor[slot]!++];
      if (!packet) continue; // this slot has sent its share; the others carry on
      current[slot] = packet;
      dueAt[slot] = started + (due * 1000) / rate!;
      sentAt[slot] = performance.now();
      due++;
      inFlight++;
      sent++;
      sockets[slot % socketCount]!.send(packet);
    }
    if ((due >= options.requests || stopSending || (freeCount === 0 && inFlight === 0)) && inFlight === 0) finish();
  };

  const sendNext = (slot: number): void => {
    if (rate) {
      release(slot);
      return;
    }
    const queue = queues[slot]!;
    const k = cursor[slot]!;
    if (stopSending || k >= queue.length) {
      current[slot] = undefined;
      if (--active === 0) finish();
      return;
    }
    const packet = queue[k]!;
    cursor[slot] = k + 1;
    current[slot] = packet;
    sentAt[slot] = performance.now();
    sent++;
    sockets[slot % socketCount]!.send(packet);
  };

  sockets.forEach((socket, s) =>
    socket.on('message', (reply) => {
      const slot = (reply[1] ?? 0) * socketCount + s;
      const request = slot < concurrency ? current[slot] : undefined;
      if (!request || !replyMatches(reply, request, options.secret, scratch)) {
        unmatched++;
        return;
      }
      const now = performance.now();
      if (fromDue) fromDue[answered] = now - dueAt[slot]!;
      latencies[answered++] = now - sentAt[slot]!;
      lastReplyAt = now;
      if (reply[0] !== options.expectCode) wrongCode++;
      sendNext(slot);
    }),
  );

  started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = setTimeout(() => (stopSending = true), options.maxDurationMs);
  const sweeper = setInterval(() => {
    const now = performance.now();
    for (let slot = 0; slot < concurrency; slot++) {
      if (current[slot] && now - sentAt[slot]! > options.timeoutMs) {
        lost++;
        sendNext(slot);
      }
    }
  }, 50);
  let ticker: NodeJS.Timeout | undefined;
  if (rate) {
    for (let slot = 0; slot < concurrency; slot++) free[freeCount++] = slot;
    ticker = setInterval(pump, 1);
    pump();
  } else {
    for (let slot = 0; slot < concurrency; slot++) sendNext(slot);
  }
  await done;
  clearInterval(ticker);
  const cpu = process.cpuUsage(cpuBefore);
  clearTimeout(deadline);
  clearInterval(sweeper);
  for (const socket of sockets) socket.close();

  const elapsedMs = (lastReplyAt || performance.now()) - started;
  const sorted = latencies.subarray(0, answered).sort();
  const sortedDue = fromDue?.subarray(0, answered).sort();
  return {
    sent,
    answered,
    wrongCode,
    lost,
    unmatched,
    elapsedMs,
    requestsPerSecond: elapsedMs > 0 ? (answered / elapsedMs) * 1000 : 0,
    generatorCpuPercent: elapsedMs > 0 ? ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100 : 0,
    latencyMs: summary(sorted),
    ...(sortedDue ? { fromDueMs: summary(sortedDue) } : {}),
  };
}

function summary(sorted: Float64Array): LatencySummary {
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted[sorted.length - 1] ?? 0,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function openSocket(port: number): Promise<Socket> {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        // A connected UDP socket reports ICMP port-unreachable (a server that died) as an error: the sweeper counts
        // those requests as lost instead of the generator crashing.
        socket.on('error', () => {});
        resolve(socket);
      });
    });
  });
}
