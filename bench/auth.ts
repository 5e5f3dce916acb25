/**
 * Authentication benchmark: a radgate process holding N subscribers (default 100,000), PAP then MS-CHAPv2
 * Access-Requests with many in flight from this process, at log level warn; then PAP again at info (the production
 * default: one log line per request). Prints requests/s, p50/p95/p99 latency and the server's peak RSS.
 */
import { runLoad, type LoadResult } from './load.js';
import { RequestFactory, type Method } from './requests.js';
import { prepareData, startServer, type BenchData } from './server-process.js';

export interface AuthBenchOptions {
  subscribers: number;
  /** Measured requests per run (after a warm-up of a fifth as many). */
  papRequests: number;
  mschapRequests: number;
  concurrency: number;
  /** Log levels to run PAP at; MS-CHAPv2 runs at the first. */
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
  logLevels: ['warn', 'info'],
  serverNodeArgs: [],
  maxRunMs: 60_000,
  freshImport: false,
  keep: false,
};

export interface AuthRun {
  method: Method;
  logLevel: 'warn' | 'info';
  concurrency: number;
  result: LoadResult;
  serverPeakRssBytes: number;
  serverStartupMs: number;
  /** Server CPU while the clock ran, percent of one core. */
  serverCpuPercent: number;
}

export async function benchAuth(options: Partial<AuthBenchOptions> = {}, print: (line: string) => void = console.log): Promise<AuthRun[]> {
  const o = { ...AUTH_DEFAULTS, ...options };
  print(`auth: seeding ${o.subscribers.toLocaleString('en')} subscribers (embedded database)…`);
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
    else data.cleanup();
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
  try {
    for (const [m, method] of methods.entries()) {
      const requests = method === 'pap' ? o.papRequests : o.mschapRequests;
      const load = (count: number, seed: number) =>
        runLoad({
          port: server.authPort,
          secret: server.secret,
          requests: count,
          concurrency: o.concurrency,
          build: (() => {
            const factory = new RequestFactory(method, server.secret, o.subscribers, seed);
            return (id: number) => factory.build(id);
          })(),
          expectCode: 2,
          timeoutMs: 2000,
          maxDurationMs: o.maxRunMs,
        });
      await load(Math.ceil(requests / 5), 1000 + m); // warm-up: JIT, buffers, caches
      const cpuBefore = server.cpuMs();
      const result = await load(requests, 2000 + m);
      const serverCpuPercent = (100 * (server.cpuMs() - cpuBefore)) / result.elapsedMs;
      const run: AuthRun = {
        method,
        logLevel,
        concurrency: o.concurrency,
        result,
        serverPeakRssBytes: server.peakRssBytes(),
        serverStartupMs: server.startupMs,
        serverCpuPercent,
      };
      runs.push(run);
      print(formatRun(run));
    }
  } finally {
    await server.stop();
  }
  return runs;
}

/** Server CPU time per answered request: steadier than req/s on a machine shared with other work. */
export function serverCpuPerRequestUs(run: AuthRun): number {
  return run.result.answered > 0 ? (run.serverCpuPercent * run.result.elapsedMs * 10) / run.result.answered : 0;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MB`;
}

export function formatRun(run: AuthRun): string {
  const r = run.result;
  const name = run.method === 'pap' ? 'PAP      ' : 'MS-CHAPv2';
  const problems = [r.lost && `${r.lost} lost`, r.wrongCode && `${r.wrongCode} not Accept`, r.unmatched && `${r.unmatched} unmatched`]
    .filter(Boolean)
    .join(', ');
  return (
    `auth: ${name} log=${run.logLevel.padEnd(4)} ${r.answered.toLocaleString('en')} answered in ${(r.elapsedMs / 1000).toFixed(2)} s, ` +
    `${Math.round(r.requestsPerSecond).toLocaleString('en')} req/s, ` +
    `p50 ${r.latencyMs.p50.toFixed(2)} ms, p95 ${r.latencyMs.p95.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms ` +
    `(max ${r.latencyMs.max.toFixed(1)}), ${run.concurrency} in flight, server peak RSS ${mb(run.serverPeakRssBytes)}, ` +
    `CPU: server ${run.serverCpuPercent.toFixed(0)}% (${serverCpuPerRequestUs(run).toFixed(1)} µs/request), ` +
    `generator ${r.generatorCpuPercent.toFixed(0)}%` +
    (problems ? ` — ${problems}` : '')
  );
}
