/**
 * `npm run bench`: runs each benchmark listed in BENCHMARKS in turn and prints its figures. Speed targets live here,
 * never in tests. A benchmark is a module in bench/ exporting an async function; add it to the list below.
 *
 *   npm run bench                          every benchmark (auth, accounting, billing, enforce, soak, memory, pauses,
 *                                          payments)
 *   npm run bench -- --only auth           one benchmark (--only may be repeated)
 *   npm run bench -- --only soak --soak-seconds 60 --soak-cut-seconds 10     a short soak while developing
 *
 *   npm run bench -- --compare freeradius  radgate and FreeRADIUS side by side: authentication (bench/compare.ts)
 *                                          and, with DATABASE_URL, durable accounting (bench/compare-accounting.ts)
 *   npm run bench -- --compare freeradius --only compare-accounting --sessions 20000 --interims 5
 *
 * Options of the side-by-side benchmark (defaults in COMPARE_DEFAULTS, bench/compare.ts): --subscribers, --pap,
 * --mschap, --concurrency (64), --max-run-seconds and --keep as below; --rounds N (3), --rate N (the fixed rate,
 * 10000/s), --fixed-seconds N (15).
 *
 * Options of the auth benchmark (defaults in AUTH_DEFAULTS, bench/auth.ts):
 *   --subscribers N     subscribers in the database (100000)
 *   --pap N, --mschap N requests per closed-loop run (300000, 100000)
 *   --concurrency N     requests in flight in the closed-loop runs (128)
 *   --rate N            offered PAP rate of the open-loop run, requests/s (25000; 0 = none)
 *   --log-levels L      warn,info (both); MS-CHAPv2 runs at the first
 *   --max-run-seconds N upper bound of one run (60)
 *   --fresh-import      measure right after the bulk import, not in the steady state
 *   --keep              keep the scratch directory with the server logs
 *   "--server-node-args=--cpu-prof --cpu-prof-dir=/tmp/radgate-prof"   flags for the server process (note the =)
 * With DATABASE_URL set, the subscribers go to a fresh PostgreSQL database (dropped afterwards); else embedded PGlite.
 *
 * The soak benchmark (bench/soak.ts; about soak-seconds + 1 minute): mixed PAP logins, accounting sessions of 4 good
 * NASes and enforcement (subscribers expired and restored through the admin API, CoA/Disconnect answered) at a fixed
 * rate, a bad NAS sending malformed and NUL-poisoned records, and — on PostgreSQL — the database cut away through a
 * TCP proxy in the middle (PGlite runs inside the server: no cut). It prints PASS or FAIL for each criterion: alive
 * at the end, RSS flat after warm-up, log bounded, every acknowledged record stored, the good NASes unaffected by the
 * bad one, every enforcement job done, every Access-Request outside the cut accepted (with p50/p99). Options:
 *   --soak-seconds N      length of the soak (600)
 *   --soak-cut-seconds N  database cut in the middle (60; 0 = none; at most a third of the soak)
 *   --soak-rate N         offered operations/s (default: half the capacity a 20 s closed-loop run of the mix measures)
 *   --keep and --server-node-args apply to it as well.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { benchAccounting } from './accounting.js';
import { AUTH_DEFAULTS, benchAuth } from './auth.js';
import { benchBilling } from './billing.js';
import { benchEnforcement } from './enforce.js';
import { benchPaymentRestore, PAYMENT_RESTORE_DEFAULTS } from './payment-restore.js';
import { benchCompare, COMPARE_DEFAULTS } from './compare.js';
import { benchCompareAccounting, COMPARE_ACCOUNTING_DEFAULTS } from './compare-accounting.js';
import { benchSoak, SOAK_DEFAULTS } from './soak.js';
import { benchMemory } from './memory.js';
import { benchPauses, PAUSES_DEFAULTS } from './pauses.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    subscribers: { type: 'string' },
    pap: { type: 'string' },
    mschap: { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    'log-levels': { type: 'string' },
    'server-node-args': { type: 'string' },
    'max-run-seconds': { type: 'string' },
    'fresh-import': { type: 'boolean' },
    keep: { type: 'boolean' },
    'soak-seconds': { type: 'string' },
    'soak-cut-seconds': { type: 'string' },
    'soak-rate': { type: 'string' },
    compare: { type: 'string' },
    rounds: { type: 'string' },
    'fixed-seconds': { type: 'string' },
    sessions: { type: 'string' },
    interims: { type: 'string' },
  },
  strict: true,
});

function count(name: string, given: string | undefined, fallback: number): number {
  if (given === undefined) return fallback;
  const n = Number(given);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

function logLevels(given: string | undefined): Array<'warn' | 'info'> {
  if (given === undefined) return AUTH_DEFAULTS.logLevels;
  const levels = given.split(',').map((l) => l.trim());
  for (const level of levels) if (level !== 'warn' && level !== 'info') throw new Error('--log-levels: warn and/or info');
  return levels as Array<'warn' | 'info'>;
}

interface Benchmark {
  name: string;
  run(): Promise<unknown>;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'auth',
    run: () =>
      benchAuth({
        subscribers: count('subscribers', values.subscribers, AUTH_DEFAULTS.subscribers),
        papRequests: count('pap', values.pap, AUTH_DEFAULTS.papRequests),
        mschapRequests: count('mschap', values.mschap, AUTH_DEFAULTS.mschapRequests),
        concurrency: count('concurrency', values.concurrency, AUTH_DEFAULTS.concurrency),
        papRate: values.rate === '0' ? 0 : count('rate', values.rate, AUTH_DEFAULTS.papRate),
        logLevels: logLevels(values['log-levels']),
        serverNodeArgs: values['server-node-args']?.split(/\s+/).filter(Boolean) ?? [],
        maxRunMs: count('max-run-seconds', values['max-run-seconds'], AUTH_DEFAULTS.maxRunMs / 1000) * 1000,
        freshImport: values['fresh-import'] ?? false,
        keep: values.keep ?? false,
      }),
  },
  // Each of these takes its defaults (see the module); the options above are the auth benchmark's.
  { name: 'accounting', run: () => benchAccounting() },
  { name: 'billing', run: () => benchBilling() },
  { name: 'enforce', run: () => benchEnforcement() },
  {
    name: 'soak',
    run: () =>
      benchSoak({
        seconds: count('soak-seconds', values['soak-seconds'], SOAK_DEFAULTS.seconds),
        cutSeconds: values['soak-cut-seconds'] === '0' ? 0 : count('soak-cut-seconds', values['soak-cut-seconds'], SOAK_DEFAULTS.cutSeconds),
        rate: values['soak-rate'] === undefined ? undefined : count('soak-rate', values['soak-rate'], 1),
        keep: values.keep ?? false,
        serverNodeArgs: values['server-node-args']?.split(/\s+/).filter(Boolean) ?? [],
      }),
  },
  {
    name: 'compare',
    run: () =>
      benchCompare({
        subscribers: count('subscribers', values.subscribers, COMPARE_DEFAULTS.subscribers),
        rounds: count('rounds', values.rounds, COMPARE_DEFAULTS.rounds),
        papRequests: count('pap', values.pap, COMPARE_DEFAULTS.papRequests),
        mschapRequests: count('mschap', values.mschap, COMPARE_DEFAULTS.mschapRequests),
        concurrency: count('concurrency', values.concurrency, COMPARE_DEFAULTS.concurrency),
        fixedRate: count('rate', values.rate, COMPARE_DEFAULTS.fixedRate),
        fixedSeconds: count('fixed-seconds', values['fixed-seconds'], COMPARE_DEFAULTS.fixedSeconds),
        maxRunMs: count('max-run-seconds', values['max-run-seconds'], COMPARE_DEFAULTS.maxRunMs / 1000) * 1000,
        keep: values.keep ?? false,
      }),
  },
  // Directory bytes per subscriber and the server's RSS (bench/memory.ts): --subscribers (100000).
  { name: 'memory', run: () => benchMemory(count('subscribers', values.subscribers, 100_000)) },
  // Event-loop pauses with as many open sessions as subscribers (bench/pauses.ts): --subscribers, --rate (2000/s).
  {
    name: 'pauses',
    run: () =>
      benchPauses({
        subscribers: count('subscribers', values.subscribers, PAUSES_DEFAULTS.subscribers),
        rate: count('rate', values.rate, PAUSES_DEFAULTS.rate),
      }),
  },
  // Durable accounting against FreeRADIUS + rlm_sql (bench/compare-accounting.ts; needs DATABASE_URL): --sessions,
  // --interims (Interim-Updates per session), --rounds, --concurrency.
  {
    name: 'compare-accounting',
    run: () =>
      benchCompareAccounting({
        sessions: count('sessions', values.sessions, COMPARE_ACCOUNTING_DEFAULTS.sessions),
        rounds: count('interims', values.interims, COMPARE_ACCOUNTING_DEFAULTS.rounds),
        repeats: count('rounds', values.rounds, COMPARE_ACCOUNTING_DEFAULTS.repeats),
        concurrency: count('concurrency', values.concurrency, COMPARE_ACCOUNTING_DEFAULTS.concurrency),
      }),
  },
  // Callback → restore (bench/payment-restore.ts): --subscribers is its count per phase (200), --keep keeps the log.
  {
    name: 'payments',
    run: () => benchPaymentRestore({ subscribers: count('subscribers', values.subscribers, PAYMENT_RESTORE_DEFAULTS.subscribers), keep: values.keep ?? false }),
  },
  // ── more benchmarks go here: export `benchX(options?)` from bench/x.ts and add { name: 'x', run: () => benchX() } ──
];

if (values.compare !== undefined && values.compare !== 'freeradius') throw new Error('--compare: only freeradius');
// `--compare freeradius` runs the side-by-side benchmarks (authentication, then durable accounting when DATABASE_URL
// is set), or those of them that --only names; a plain run leaves them out (they install FreeRADIUS).
const COMPARISONS = ['compare', 'compare-accounting'];
const comparisons = process.env.DATABASE_URL ? COMPARISONS : ['compare'];
const only = values.compare ? (values.only ?? comparisons) : values.only;
const selected = only ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS.filter((b) => !COMPARISONS.includes(b.name));
if (only && selected.length !== new Set(only).size) {
  throw new Error(`unknown benchmark in --only (known: ${BENCHMARKS.map((b) => b.name).join(', ')})`);
}
console.log(`radgate bench — node ${process.version}, ${availableParallelism()} CPU(s)`);
for (const benchmark of selected) {
  const started = performance.now();
  await benchmark.run();
  console.log(`${benchmark.name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
