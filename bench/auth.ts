/**
 * Authentication benchmark: a radgate process holding N subscribers (default 100,000) and, from this process, PAP
 * then MS-CHAPv2 Access-Requests as fast as the server answers them (closed loop, `concurrency` in flight), then PAP
 * at a fixed offered rate (open loop, default 25,000/s: the latency that load gets). At log level warn, then again
 * at info (the production default: one log line per request). Prints requests/s, p50/p95/p99 latency, the server's
 * peak RSS and its CPU time per request (steadier than requests/s on a machine shared with other work).
 */
import { runLoad, type LoadResult } from './load.js';
import { RequestFactory, type Method } from './requests.js';
import { prepareData, startServer, type BenchData, type BenchServer } from './server-process.js';

export interface AuthBenchOptions {
  subscribers: number;
  /** Measured requests per closed-loop run (after a warm-up of a fifth as many). */
  papRequests: number;
  mschapRequests: number;
  /** Requests in flight in the closed-loop runs. */
  concurrency: number;
  /** Offered PAP rate of the open-loop run, requests/s (0: no open-loop run). It sends papRequests / 2. */
  papRate: number;
  /** Log levels to run at; MS-CHAPv2 runs at the first only. */
  logLevels: Array<'warn' | 'info'>;
  /** Extra node flags for the server (e.g. `--cpu-prof`). */
  serverNodeArgs: string[];
  /** Upper bound for one measured run, ms. */
  maxRunMs: number;
  /** Measure right after the bulk import instead of in the steady state (see prepareData). */
  freshImport: boolean;
  /** Keep the scratch directory (server logs, database) and print where it is. */
  keep: boolean;
}

export const AUTH_DEFAULTS: AuthBenchOptions = {
  subscribers: 100_000,
  papRequests: 300_000,
  mschapRequests: 100_000,
  concurrency: 128,
  papRate: 25_000,
  logLevels: ['warn', 'info'],
  serverNodeArgs: [],
  maxRunMs: 60_000,
  freshImport: false,
  keep: false,
};

/** In-flight cap of the open-loop run: high enough never to hold back a server that keeps up. */
const OPEN_LOOP_IN_FLIGHT = 1024;

export interface AuthRun {
  method: Method;
  logLevel: 'warn' | 'info';
  /** Closed loop: requests in flight. Open loop: the cap. */
  concurrency: number;
  /** Open loop: the offered rate, requests/s; undefined for a closed-loop run. */
  offeredRate: number | undefined;
  result: LoadResult;
  serverPeakRssBytes: number;
  serverStartupMs: number;
  /** Server CPU while the clock ran, percent of one core. */
  serverCpuPercent: number;
}

export async function benchAuth(options: Partial<AuthBenchOptions> = {}, print: (line: string) => void = console.log): Promise<AuthRun[]> {
  const o = { ...AUTH_DEFAULTS, ...options };
  print(`auth: seeding ${o.subscribers.toLocaleString('en')} subscribers (${process.env.DATABASE_URL ? 'PostgreSQL, DATABASE_URL' : 'embedded PGlite'})…`);
  const data = await prepareData(o.subscribers, o.freshImport);
  print(`auth: seeded in ${(data.seedMs / 1000).toFixed(1)} s`);
  const runs: AuthRun[] = [];
  try {
    for (const [i, logLevel] of o.logLevels.entries()) {
      const methods: Method[] = i === 0 ? ['pap', 'mschap2'] : ['pap'];
      runs.push(...(await runServer(data, logLevel, methods, o, print)));
    }
  } finally {
    if (o.keep) print(`auth: kept ${data.dir} (server logs: server-*.log)`);
    else await data.cleanup();
  }
  return runs;
}

async function runServer(
  data: BenchData,
  logLevel: 'warn' | 'info',
  methods: Method[],
  o: AuthBenchOptions,
  print: (line: string) => void,
): Promise<AuthRun[]> {
  const server = await startServer({ data, logLevel, nodeArgs: o.serverNodeArgs });
  print(`auth: server pid ${server.pid} (log level ${logLevel}) ready in ${(server.startupMs / 1000).toFixed(1)} s, ` +
    `RSS ${mb(server.peakRssBytes())} after loading`);
  const runs: AuthRun[] = [];
  let seed = 1;
  const measure = async (method: Method, requests: number, concurrency: number, rate?: number): Promise<void> => {
    const load = (count: number) =>
      runLoad({
        port: server.authPort,
        secret: server.secret,
        requests: count,
        concurrency,
        build: (() => {
          const factory = new RequestFactory(method, server.secret, o.subscribers, seed++);
          return (id: number) => factory.build(id);
        })(),
        expectCode: 2,
        timeoutMs: 2000,
        maxDurationMs: o.maxRunMs,
        ratePerSecond: rate,
      });
    await load(Math.ceil(requests / 5)); // warm-up: JIT, buffers, caches
    const run = await timed(server, () => load(requests));
    runs.push({ method, logLevel, concurrency, offeredRate: rate, ...run, serverStartupMs: server.startupMs });
    print(formatRun(runs[runs.length - 1]!));
  };
  try {
    for (const method of methods) {
      await measure(method, method === 'pap' ? o.papRequests : o.mschapRequests, o.concurrency);
    }
    if (o.papRate > 0) await measure('pap', Math.ceil(o.papRequests / 2), OPEN_LOOP_IN_FLIGHT, o.papRate);
  } finally {
    await server.stop();
  }
  return runs;
}

/** One measured run with the server's CPU time and peak RSS around it. */
async function timed(server: BenchServer, run: () => Promise<LoadResult>) {
  const cpuBefore = server.cpuMs();
  const result = await run();
  return {
    result,
    serverCpuPercent: (100 * (server.cpuMs() - cpuBefore)) / result.elapsedMs,
    serverPeakRssBytes: server.peakRssBytes(),
  };
}

/** Server CPU time per answered request. */
export function serverCpuPerRequestUs(run: AuthRun): number {
  return run.result.answered > 0 ? (run.serverCpuPercent * run.result.elapsedMs * 10) / run.result.answered : 0;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}

export function formatRun(run: AuthRun): string {
  const r = run.result;
  const name = run.method === 'pap' ? 'PAP      ' : 'MS-CHAPv2';
  const mode = run.offeredRate
    ? `offered ${run.offeredRate.toLocaleString('en')}/s (open loop, ≤ ${run.concurrency} in flight)`
    : `${run.concurrency} in flight`;
  const problems = [r.lost && `${r.lost} lost`, r.wrongCode && `${r.wrongCode} not Accept`, r.unmatched && `${r.unmatched} unmatched`]
    .filter(Boolean)
    .join(', ');
  return (
    `auth: ${name} log=${run.logLevel.padEnd(4)} ${mode}: ${r.answered.toLocaleString('en')} answered in ${(r.elapsedMs / 1000).toFixed(2)} s, ` +
    `${Math.round(r.requestsPerSecond).toLocaleString('en')} req/s, ` +
    `p50 ${r.latencyMs.p50.toFixed(2)} ms, p95 ${r.latencyMs.p95.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms ` +
    `(max ${r.latencyMs.max.toFixed(1)})` +
    (r.fromDueMs ? ` [from due time: p99 ${r.fromDueMs.p99.toFixed(2)} ms, max ${r.fromDueMs.max.toFixed(1)}]` : '') +
    `, server peak RSS ${mb(run.serverPeakRssBytes)}, ` +
    `CPU: server ${run.serverCpuPercent.toFixed(0)}% (${serverCpuPerRequestUs(run).toFixed(1)} µs/request), ` +
    `generator ${r.generatorCpuPercent.toFixed(0)}%` +
    (problems ? ` — ${problems}` : '')
  );
}
