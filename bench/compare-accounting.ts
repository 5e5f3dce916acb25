/**
 * Durable accounting side by side (`npm run bench -- --compare freeradius`, after the authentication comparison):
 * radgate on PostgreSQL against FreeRADIUS with rlm_sql on the same PostgreSQL server (bench/freeradius-sql.ts),
 * both answering only after their write committed. The same generator (bench/load.ts) sends the same MikroTik-shaped
 * Accounting-Requests (bench/accounting.ts) to both: a burst of Starts for every session, then Interim-Updates for
 * each session in turn, `concurrency` in flight. Each run gets a fresh server and a fresh database; rounds alternate
 * the order. Afterwards each database is checked to hold one open session per session sent. Printed: median [range]
 * of the rounds and the ratio radgate / FreeRADIUS. PostgreSQL's own CPU is not counted for either.
 */
import { accountingRequest } from './accounting.js';
import { median } from './compare.js';
import { ensureFreeradius } from './freeradius.js';
import { ensureFreeradiusSql, radacctDatabase, startFreeradiusAccounting } from './freeradius-sql.js';
import { runLoad, type LoadResult } from './load.js';
import { prepareData, type BenchServer, startServer } from './server-process.js';
import { openDatabase } from '../src/db/client.js';
import { sql } from 'drizzle-orm';

export interface CompareAccountingOptions {
  sessions: number;
  /** Interim-Updates per session. */
  rounds: number;
  /** Runs of each server. */
  repeats: number;
  concurrency: number;
  maxRunMs: number;
}

export const COMPARE_ACCOUNTING_DEFAULTS: CompareAccountingOptions = { sessions: 20_000, rounds: 5, repeats: 3, concurrency: 64, maxRunMs: 120_000 };

type Kind = 'radgate' | 'freeradius';

interface Figures {
  interimRps: number;
  cpuUs: number;
  p99Ms: number;
  stored: boolean;
}

export async function benchCompareAccounting(options: Partial<CompareAccountingOptions> = {}, print: (line: string) => void = console.log): Promise<Record<Kind, Figures[]>> {
  const o = { ...COMPARE_ACCOUNTING_DEFAULTS, ...options };
  if (!process.env.DATABASE_URL) throw new Error('compare accounting: set DATABASE_URL (both servers write to that PostgreSQL server)');
  const binary = ensureFreeradius(print);
  ensureFreeradiusSql(print);
  print(`compare accounting: ${o.sessions.toLocaleString('en')} sessions, ${o.rounds} Interim-Updates each, ${o.concurrency} in flight, durable (answer after commit)`);
  const results: Record<Kind, Figures[]> = { radgate: [], freeradius: [] };
  for (let repeat = 0; repeat < o.repeats; repeat++) {
    const order: Kind[] = repeat % 2 === 0 ? ['radgate', 'freeradius'] : ['freeradius', 'radgate'];
    for (const kind of order) {
      const figures = kind === 'radgate' ? await runRadgate(o) : await runFreeradius(binary, o);
      results[kind].push(figures);
      print(`compare accounting: round ${repeat + 1} ${kind.padEnd(10)} ${figures.interimRps.toFixed(0)} Interim/s, ${figures.cpuUs.toFixed(0)} µs server CPU each, p99 ${figures.p99Ms.toFixed(1)} ms, database ${figures.stored ? 'holds every session' : 'MISMATCH'}`);
    }
  }
  print(report(results, o));
  return results;
}

async function runRadgate(o: CompareAccountingOptions): Promise<Figures> {
  const data = await prepareData(0);
  try {
    const server = await startServer({ data, logLevel: 'info' });
    let figures: Omit<Figures, 'stored'>;
    try {
      figures = await drive(server, o);
    } finally {
      await server.stop();
    }
    const database = await openDatabase({ databaseUrl: data.databaseUrl, dataDir: data.dataDir, role: 'tool' });
    try {
      const result = await database.db.execute(sql`select count(*)::int as n from sessions where stopped_at is null`);
      const [row] = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ n: number }>;
      return { ...figures, stored: row!.n === o.sessions };
    } finally {
      await database.close();
    }
  } finally {
    await data.cleanup();
  }
}

async function runFreeradius(binary: string, o: CompareAccountingOptions): Promise<Figures> {
  const database = await radacctDatabase();
  const scratch = await prepareData(0); // only for its scratch directory
  try {
    const server = await startFreeradiusAccounting(binary, scratch.dir, database.url);
    let figures: Omit<Figures, 'stored'>;
    try {
      figures = await drive(server, o);
    } finally {
      await server.stop();
    }
    const { open } = await database.count();
    return { ...figures, stored: open === o.sessions + 1 }; // + the readiness probe's session
  } finally {
    await scratch.cleanup();
    await database.drop();
  }
}

async function drive(server: BenchServer, o: CompareAccountingOptions): Promise<Omit<Figures, 'stored'>> {
  const load = { port: server.acctPort, secret: server.secret, concurrency: o.concurrency, expectCode: 5, timeoutMs: 5000, maxDurationMs: o.maxRunMs };
  let next = 0;
  const starts = await runLoad({ ...load, requests: o.sessions, build: (id) => accountingRequest(id, next++, 1, 0) });
  check('Start', starts);
  next = 0;
  const cpuBefore = server.cpuMs();
  const interims = await runLoad({
    ...load,
    requests: o.sessions * o.rounds,
    build: (id) => {
      const k = next++;
      return accountingRequest(id, k % o.sessions, 3, Math.floor(k / o.sessions) + 1);
    },
  });
  check('Interim-Update', interims);
  return {
    interimRps: interims.requestsPerSecond,
    cpuUs: interims.answered > 0 ? ((server.cpuMs() - cpuBefore) * 1000) / interims.answered : 0,
    p99Ms: interims.latencyMs.p99,
  };
}

function check(what: string, result: LoadResult): void {
  const problems = result.lost + result.wrongCode;
  if (problems > result.sent / 100) throw new Error(`compare accounting: ${problems} of ${result.sent} ${what} requests lost or refused: the figures would mean nothing`);
}

function report(results: Record<Kind, Figures[]>, o: CompareAccountingOptions): string {
  const rows: Array<{ key: 'interimRps' | 'cpuUs' | 'p99Ms'; label: string; better: string }> = [
    { key: 'interimRps', label: 'durable Interim-Update req/s', better: 'higher' },
    { key: 'cpuUs', label: 'server CPU per Interim-Update, µs', better: 'lower' },
    { key: 'p99Ms', label: 'Interim-Update p99, ms', better: 'lower' },
  ];
  const cell = (values: number[]) => `${median(values).toFixed(1)} [${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}]`;
  const lines = [`compare accounting: ${o.repeats} rounds, ${o.concurrency} in flight; median [range]; ratio = radgate / FreeRADIUS+rlm_sql of the medians`];
  for (const { key, label, better } of rows) {
    const r = results.radgate.map((f) => f[key]);
    const f = results.freeradius.map((f) => f[key]);
    lines.push(`  ${label.padEnd(38)} radgate ${cell(r).padEnd(24)} FreeRADIUS ${cell(f).padEnd(24)} ratio ${(median(r) / median(f)).toFixed(2)}× (${better} is better)`);
  }
  return lines.join('\n');
}
