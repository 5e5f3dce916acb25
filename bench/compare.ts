/**
 * radgate and FreeRADIUS side by side (`npm run bench -- --compare freeradius`): the same subscribers (radgate's
 * database, FreeRADIUS's users file, bench/freeradius.ts), the same load generator (bench/load.ts) and the same
 * requests, each server started fresh for every run and at its default log level (radgate `info`, FreeRADIUS
 * without -x). Several rounds, the order of the two servers alternating, so that drift of a shared, noisy machine
 * falls on both. Per round and server: PAP and MS-CHAPv2 closed loop (`concurrency` in flight: the most each
 * answers), then PAP open loop at a fixed rate (latency counted from each request's scheduled send time, so the
 * generator's own lateness is not hidden). Printed: the median of the rounds with their range, for both, and the
 * ratio radgate / FreeRADIUS of the medians — a figure that travels between machines better than absolute ones.
 */
import { runLoad, type LoadResult } from './load.js';
import { ensureFreeradius, startFreeradius, writeUsersFile } from './freeradius.js';
import { RequestFactory, type Method } from './requests.js';
import { eventLoopMaxMs, prepareData, startServer, type BenchServer } from './server-process.js';

export interface CompareOptions {
  subscribers: number;
  rounds: number;
  /** Measured requests per closed-loop run (after a warm-up of a fifth as many). */
  papRequests: number;
  mschapRequests: number;
  concurrency: number;
  /** Offered PAP rate of the open-loop run, requests/s, for `fixedSeconds`. */
  fixedRate: number;
  fixedSeconds: number;
  maxRunMs: number;
  keep: boolean;
}

export const COMPARE_DEFAULTS: CompareOptions = {
  subscribers: 100_000,
  rounds: 3,
  papRequests: 200_000,
  mschapRequests: 60_000,
  concurrency: 64,
  fixedRate: 10_000,
  fixedSeconds: 15,
  maxRunMs: 60_000,
  keep: false,
};

type Kind = 'radgate' | 'freeradius';

/** One server's figures in one round. */
interface Figures {
  papRps: number;
  papCpuUs: number;
  mschapRps: number;
  mschapCpuUs: number;
  fixedP99Ms: number;
  fixedP999Ms: number;
  fixedMaxMs: number;
  fixedLost: number;
  /** radgate only (NaN for FreeRADIUS): the longest event-loop pause during the fixed-rate run. */
  fixedLoopMaxMs: number;
  peakRssMb: number;
  startupS: number;
}

const FIGURES: ReadonlyArray<{ key: keyof Figures; label: string; better: 'higher' | 'lower' }> = [
  { key: 'papRps', label: 'PAP req/s (closed loop)', better: 'higher' },
  { key: 'papCpuUs', label: 'server CPU per PAP, µs', better: 'lower' },
  { key: 'mschapRps', label: 'MS-CHAPv2 req/s (closed loop)', better: 'higher' },
  { key: 'mschapCpuUs', label: 'server CPU per MS-CHAPv2, µs', better: 'lower' },
  { key: 'fixedP99Ms', label: 'p99 at the fixed rate, ms (from due time)', better: 'lower' },
  { key: 'fixedP999Ms', label: 'p99.9 at the fixed rate, ms', better: 'lower' },
  { key: 'fixedMaxMs', label: 'max at the fixed rate, ms', better: 'lower' },
  { key: 'fixedLost', label: 'lost at the fixed rate (of the requests sent)', better: 'lower' },
  { key: 'fixedLoopMaxMs', label: 'longest event-loop pause at the fixed rate, ms', better: 'lower' },
  { key: 'peakRssMb', label: 'peak RSS, MB', better: 'lower' },
  { key: 'startupS', label: 'start-up to first answer, s', better: 'lower' },
];

export interface CompareResult {
  rounds: Record<Kind, Figures[]>;
}

export async function benchCompare(options: Partial<CompareOptions> = {}, print: (line: string) => void = console.log): Promise<CompareResult> {
  const o = { ...COMPARE_DEFAULTS, ...options };
  const binary = ensureFreeradius(print);
  print(`compare: seeding ${o.subscribers.toLocaleString('en')} subscribers (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'} for radgate, a users file for FreeRADIUS)…`);
  const data = await prepareData(o.subscribers);
  const usersFile = writeUsersFile(data.dir, o.subscribers);
  const rounds: Record<Kind, Figures[]> = { radgate: [], freeradius: [] };
  let seed = 1;
  try {
    for (let round = 0; round < o.rounds; round++) {
      const order: Kind[] = round % 2 === 0 ? ['radgate', 'freeradius'] : ['freeradius', 'radgate'];
      for (const kind of order) {
        const server = kind === 'radgate' ? await startServer({ data, logLevel: 'info' }) : await startFreeradius(binary, data.dir, usersFile);
        try {
          const figures = await measure(server, o, () => seed++);
          rounds[kind].push(figures);
          print(`compare: round ${round + 1} ${kind.padEnd(10)} ${describe(figures)}`);
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    if (o.keep) print(`compare: kept ${data.dir}`);
    else await data.cleanup();
  }
  print(report(rounds, o));
  return { rounds };
}

async function measure(server: BenchServer, o: CompareOptions, nextSeed: () => number): Promise<Figures> {
  const load = (method: Method, requests: number, concurrency: number, rate?: number) => {
    const factory = new RequestFactory(method, server.secret, o.subscribers, nextSeed());
    return runLoad({
      port: server.authPort,
      secret: server.secret,
      requests,
      concurrency,
      build: (id) => factory.build(id),
      expectCode: 2,
      timeoutMs: 2000,
      maxDurationMs: o.maxRunMs,
      ratePerSecond: rate,
    });
  };
  const closed = async (method: Method, requests: number) => {
    await load(method, Math.ceil(requests / 5), o.concurrency); // warm-up: JIT, caches, thread pool
    return cpuAround(server, () => load(method, requests, o.concurrency));
  };
  const pap = await closed('pap', o.papRequests);
  const mschap = await closed('mschap2', o.mschapRequests);
  await eventLoopMaxMs(server); // restarts the server's pause histogram
  const fixed = await load('pap', o.fixedRate * o.fixedSeconds, 1024, o.fixedRate);
  const fixedLoopMaxMs = await eventLoopMaxMs(server);
  const due = fixed.fromDueMs ?? fixed.latencyMs;
  return {
    papRps: pap.result.requestsPerSecond,
    papCpuUs: pap.cpuUsPerRequest,
    mschapRps: mschap.result.requestsPerSecond,
    mschapCpuUs: mschap.cpuUsPerRequest,
    fixedP99Ms: due.p99,
    fixedP999Ms: due.p999,
    fixedMaxMs: due.max,
    fixedLost: fixed.lost + fixed.wrongCode,
    fixedLoopMaxMs,
    peakRssMb: server.peakRssBytes() / 1048576,
    startupS: server.startupMs / 1000,
  };
}

async function cpuAround(server: BenchServer, run: () => Promise<LoadResult>): Promise<{ result: LoadResult; cpuUsPerRequest: number }> {
  const before = server.cpuMs();
  const result = await run();
  const problems = result.lost + result.wrongCode;
  if (problems > result.sent / 100) throw new Error(`${problems} of ${result.sent} requests lost or refused: the figures would mean nothing`);
  return { result, cpuUsPerRequest: result.answered > 0 ? ((server.cpuMs() - before) * 1000) / result.answered : 0 };
}

function describe(f: Figures): string {
  return (
    `PAP ${Math.round(f.papRps)} req/s (${f.papCpuUs.toFixed(0)} µs CPU), MS-CHAPv2 ${Math.round(f.mschapRps)} req/s ` +
    `(${f.mschapCpuUs.toFixed(0)} µs), fixed rate p99/p99.9/max ${f.fixedP99Ms.toFixed(1)}/${f.fixedP999Ms.toFixed(1)}/` +
    `${f.fixedMaxMs.toFixed(1)} ms, ${f.fixedLost} lost` +
    (Number.isNaN(f.fixedLoopMaxMs) ? '' : `, longest event-loop pause ${f.fixedLoopMaxMs.toFixed(1)} ms`) +
    `, peak RSS ${f.peakRssMb.toFixed(0)} MB, ready in ${f.startupS.toFixed(1)} s`
  );
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function report(rounds: Record<Kind, Figures[]>, o: CompareOptions): string {
  const cell = (values: number[]) => {
    if (values.some(Number.isNaN)) return '—';
    const digits = Math.max(...values) >= 100 ? 0 : 1;
    return `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}]`;
  };
  const lines = [
    `compare: ${o.rounds} rounds, ${o.subscribers.toLocaleString('en')} subscribers, ${o.concurrency} in flight closed loop, ` +
      `${o.fixedRate.toLocaleString('en')}/s for ${o.fixedSeconds} s open loop; median [range]; ratio = radgate / FreeRADIUS of the medians`,
  ];
  for (const { key, label, better } of FIGURES) {
    const r = rounds.radgate.map((f) => f[key]);
    const f = rounds.freeradius.map((f) => f[key]);
    const ratio = f.some(Number.isNaN) ? 'n/a' : median(f) === 0 ? (median(r) === 0 ? '1.00×' : '∞') : `${(median(r) / median(f)).toFixed(2)}×`;
    lines.push(`  ${label.padEnd(46)} radgate ${cell(r).padEnd(22)} FreeRADIUS ${cell(f).padEnd(22)} ratio ${ratio} (${better} is better)`);
  }
  return lines.join('\n');
}
