/**
 * Callback-to-restore time: from sending a signed payment callback (`POST /hooks/payments/generic`, docs/payments.md)
 * until the subscriber's NAS receives the restore (CoA-Request, or Disconnect-Request) for the live session.
 *
 * `subscribers` expired subscribers per phase (paid_until 5 days back, past the grace days) each with one open session
 * on `nases` fake routers (bench/enforce.ts AckingRouter: verifies and ACKs). radgate runs as its own process
 * (bench/server-process.ts, log level warn) with a generic hook key and a fixed HTTP port. Two phases, each with its
 * own subscribers: paced (`rate` callbacks/s) and a burst (all at once). Every answer must be 200 `recorded`; a
 * restore that has not arrived `arriveTimeoutMs` after its POST is a FAIL. PGlite, or PostgreSQL with DATABASE_URL.
 *
 *   import { benchPaymentRestore } from './payment-restore.js';
 *   await benchPaymentRestore({ subscribers: 50 });
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { AckingRouter, addRouterNases, routerSecret, seed } from './enforce.js';
import { freeTcpPort, scratchDatabase, startServer, type BenchData, type BenchServer } from './server-process.js';

export interface PaymentRestoreBenchOptions {
  /** Expired subscribers with a live session, per phase (paced, burst). */
  subscribers: number;
  nases: number;
  /** Callbacks per second in the paced phase. */
  rate: number;
  /** A restore not received this long after its POST is a failure, ms. */
  arriveTimeoutMs: number;
  /** Keep the scratch directory (server log) afterwards. */
  keep: boolean;
}

export const PAYMENT_RESTORE_DEFAULTS: PaymentRestoreBenchOptions = { subscribers: 200, nases: 2, rate: 20, arriveTimeoutMs: 30_000, keep: false };

export interface PaymentRestorePhase {
  name: 'paced' | 'burst';
  callbacks: number;
  /** POST sent → NAS received the CoA/Disconnect, ms, sorted, of those that arrived. */
  restoreMs: number[];
  /** POST sent → HTTP answer, ms, sorted. */
  answerMs: number[];
  /** Callbacks whose answer was not 200 `recorded`. */
  badAnswers: number;
  /** Restores not received within arriveTimeoutMs. */
  missing: number;
}

export interface PaymentRestoreRun {
  database: 'pglite' | 'postgres';
  phases: PaymentRestorePhase[];
  /** CoA/Disconnect requests that came before their subscriber's callback (reconciliation): expected 0. */
  early: number;
  /** Requests the routers dropped (bad authenticator / Message-Authenticator): must be 0. */
  rejected: number;
}

/** The generic key the bench signs with (≥ 32 characters). */
const HOOK_KEY = randomBytes(32).toString('hex');

const sessionIdOf = (i: number) => `e${i.toString(16).padStart(8, '0')}`;


/** Adds `payment_hooks.generic` with a key file to the default workspace of the copied workspaces.yaml. */
function addHookKey(configDir: string): void {
  mkdirSync(path.join(configDir, 'secrets'), { recursive: true });
  writeFileSync(path.join(configDir, 'secrets', 'bench-generic.key'), `${HOOK_KEY}\n`, { mode: 0o600 });
  const file = path.join(configDir, 'workspaces.yaml');
  const text = readFileSync(file, 'utf8');
  const marker = /^ {4}# payment_hooks:$/m;
  if (!marker.test(text)) throw new Error('workspaces.yaml: no "# payment_hooks:" line in the default workspace to put the bench key at');
  writeFileSync(file, text.replace(marker, '    payment_hooks:\n      generic: { keys: [ { file: secrets/bench-generic.key } ] }\n    # payment_hooks:'));
}

/** `sorted[p]` by nearest rank. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const ms = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(1));

/** Per subscriber: when its callback was sent and when its NAS first received a request for its session after that. */
class Tracker {
  readonly sentAt = new Map<number, number>();
  readonly arrivedAt = new Map<number, number>();
  early = 0;
  private readonly index = new Map<string, number>();

  constructor(total: number) {
    for (let i = 0; i < total; i++) this.index.set(sessionIdOf(i), i);
  }

  /** A router received a request for `session`: the first one after the callback is the restore. */
  received(session: string): void {
    const i = this.index.get(session);
    if (i === undefined) return;
    const now = performance.now();
    if (!this.sentAt.has(i)) this.early++;
    else if (!this.arrivedAt.has(i)) this.arrivedAt.set(i, now);
  }
}

async function callback(url: string, runId: string, i: number): Promise<{ ok: boolean; detail: string }> {
  const body = JSON.stringify({ event_id: `bench-${runId}-${i}`, account: `E${i}`, amount: 2500, currency: 'USD', paid_at: new Date().toISOString() });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', HOOK_KEY).update(`${t}.${body}`).digest('hex');
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'radgate-signature': `t=${t},v1=${v1}` }, body });
    const text = await response.text();
    let outcome: unknown;
    try {
      outcome = (JSON.parse(text) as { outcome?: unknown }).outcome;
    } catch {
      outcome = undefined;
    }
    return { ok: response.status === 200 && outcome === 'recorded', detail: `${response.status} ${text.slice(0, 200)}` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

async function runPhase(
  name: PaymentRestorePhase['name'],
  indices: number[],
  o: PaymentRestoreBenchOptions,
  url: string,
  runId: string,
  tracker: Tracker,
  print: (line: string) => void,
): Promise<PaymentRestorePhase> {
  const answerMs: number[] = [];
  let badAnswers = 0;
  const send = async (i: number) => {
    const sent = performance.now();
    tracker.sentAt.set(i, sent);
    const answer = await callback(url, runId, i);
    answerMs.push(performance.now() - sent);
    if (!answer.ok) {
      if (badAnswers === 0) print(`  ${name}: unexpected answer for E${i}: ${answer.detail}`);
      badAnswers++;
    }
  };
  const pending: Array<Promise<void>> = [];
  if (name === 'burst') {
    for (const i of indices) pending.push(send(i));
  } else {
    const started = performance.now();
    for (const [k, i] of indices.entries()) {
      const due = started + (k * 1000) / o.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(i));
    }
  }
  await Promise.all(pending);
  // Wait until every restore arrived, or the last one's deadline passed.
  const deadline = Math.max(...indices.map((i) => tracker.sentAt.get(i)!)) + o.arriveTimeoutMs;
  while (indices.some((i) => !tracker.arrivedAt.has(i)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const restoreMs: number[] = [];
  let missing = 0;
  for (const i of indices) {
    const arrived = tracker.arrivedAt.get(i);
    const delay = arrived === undefined ? Infinity : arrived - tracker.sentAt.get(i)!;
    if (delay > o.arriveTimeoutMs) missing++;
    else restoreMs.push(delay);
  }
  restoreMs.sort((a, b) => a - b);
  answerMs.sort((a, b) => a - b);
  const phase: PaymentRestorePhase = { name, callbacks: indices.length, restoreMs, answerMs, badAnswers, missing };
  const label = name === 'paced' ? `paced (${o.rate}/s)` : 'burst (all at once)';
  print(`  ${label}: ${restoreMs.length} of ${indices.length} restored; callback → NAS ms p50 ${ms(percentile(restoreMs, 0.5))} ` +
    `p95 ${ms(percentile(restoreMs, 0.95))} p99 ${ms(percentile(restoreMs, 0.99))} max ${ms(restoreMs.at(-1) ?? NaN)}; ` +
    `HTTP answer p50 ${ms(percentile(answerMs, 0.5))} p99 ${ms(percentile(answerMs, 0.99))}; ${badAnswers} answers not 200 recorded`);
  if (missing > 0) print(`  FAIL ${name}: ${missing} restore(s) did not reach the NAS within ${o.arriveTimeoutMs / 1000} s of the callback`);
  if (badAnswers > 0) print(`  FAIL ${name}: ${badAnswers} callback(s) not answered 200 recorded`);
  return phase;
}

export async function benchPaymentRestore(options: Partial<PaymentRestoreBenchOptions> = {}, print: (line: string) => void = console.log): Promise<PaymentRestoreRun> {
  const o = { ...PAYMENT_RESTORE_DEFAULTS, ...options };
  for (const key of ['subscribers', 'nases', 'rate', 'arriveTimeoutMs'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] <= 0) throw new Error(`benchPaymentRestore: ${key} must be a positive integer`);
  }
  const total = o.subscribers * 2;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-bench-payments-'));
  const dataDir = path.join(dir, 'data');
  const scratch = await scratchDatabase('pay');
  const databaseUrl = scratch.url;
  const kind = databaseUrl ? 'postgres' : 'pglite';
  const routers = await Promise.all(Array.from({ length: o.nases }, (_, i) => AckingRouter.start(`127.0.0.${i + 2}`, routerSecret(i), Math.ceil(total / o.nases))));
  const tracker = new Tracker(total);
  for (const r of routers) r.onRequest = (session) => tracker.received(session);
  let server: BenchServer | undefined;
  print(`payments: callback → restore, ${o.subscribers} expired subscribers online on ${o.nases} NASes per phase (paced ${o.rate}/s, then a burst); ${kind}`);
  try {
    const passwordKey = randomBytes(32);
    const seedStarted = performance.now();
    const setup = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
    try {
      await seed(setup, { subscribers: total }, routers, passwordKey);
      // Expired: paid until 5 days ago (past the 2 grace days, before suspension); one 25.00 payment (a cycle) restores.
      await setup.db.execute(sql`update subscribers set status = 'expired', status_since = now() - interval '3 days', paid_until = now() - interval '5 days'`);
    } finally {
      await setup.close();
    }
    const data: BenchData = {
      dir, dataDir, passwordKey: passwordKey.toString('base64'), databaseUrl, seedMs: performance.now() - seedStarted,
      cleanup: async () => {},
    };
    print(`  seeded ${total} subscribers and sessions in ${(data.seedMs / 1000).toFixed(1)} s`);
    const httpPort = await freeTcpPort();
    server = await startServer({
      data,
      logLevel: 'warn',
      configure: (configDir) => {
        addRouterNases(configDir, routers, 32);
        addHookKey(configDir);
      },
      env: { RADGATE_HTTP_PORT: String(httpPort) },
    });
    print(`  server up in ${(server.startupMs / 1000).toFixed(1)} s`);
    // A moment for start-up work (evaluation, reconciliation) before the first callback.
    await new Promise((r) => setTimeout(r, 2000));
    const url = `http://127.0.0.1:${httpPort}/hooks/payments/generic`;
    const runId = randomBytes(4).toString('hex');
    const all = Array.from({ length: total }, (_, i) => i);
    const phases = [
      await runPhase('paced', all.slice(0, o.subscribers), o, url, runId, tracker, print),
      await runPhase('burst', all.slice(o.subscribers), o, url, runId, tracker, print),
    ];
    const run: PaymentRestoreRun = { database: kind, phases, early: tracker.early, rejected: routers.reduce((n, r) => n + r.rejected, 0) };
    if (run.early > 0) print(`  note: ${run.early} CoA/Disconnect request(s) reached the NASes before their subscriber's callback (not counted)`);
    if (run.rejected > 0) print(`  FAIL: ${run.rejected} request(s) rejected by the routers (bad authenticator)`);
    if (server.exit() !== undefined) print(`  FAIL: the server exited during the run (log: ${server.logFile})`);
    return run;
  } finally {
    await server?.stop();
    for (const r of routers) r.socket.close();
    if (o.keep) print(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    await scratch.drop();
  }
}
