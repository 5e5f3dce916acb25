/**
 * Soak benchmark, bounded in time: `seconds` (default 600) of mixed authentication, accounting and enforcement at a
 * fixed offered rate against one radgate process (`bin/radgate.js start` from dist/, log level info — the default),
 * while the database is cut away for `cutSeconds` in the middle and a bad NAS sends garbage for all but the first
 * tenth. The rate is half the capacity a short closed-loop run of the same mix measures first, unless `rate` is given.
 *
 * Traffic (bench/soak-traffic.ts): 4 good NASes on 127.0.0.10-13, each with its own sockets, nas.yaml entry and
 * secret, 500 subscriber slots each running sessions (PAP login → Start → 4 Interim-Updates → Stop), plus logins of
 * 2,000 users who never open a session; requests matched by Response Authenticator and retransmitted with the same
 * bytes like a NAS. The bad NAS (127.0.0.9, configured, 5% of the rate, at least 20/s) sends bad lengths, bad
 * attributes, wrong authenticators, records without or with an undefined Acct-Status-Type, and Start/Interim/Stop
 * records and Access-Requests whose Acct-Session-Id, User-Name and Calling-Station-Id hold NUL bytes and invalid
 * UTF-8 (bench/soak-packets.ts). Enforcement: every second, through the admin API, one subscriber with a live
 * session is set `expired` (a CoA follows) and one set so 5 s or more earlier back to `active` (a restore: Disconnect;
 * the NAS ACKs and ends the session with a Stop); the good NASes' CoA ports answer like RouterOS.
 *
 * The database: PostgreSQL when DATABASE_URL is set (a fresh database, dropped afterwards), reached by radgate through
 * a TCP proxy (bench/tcp-proxy.ts) which resets every connection and refuses new ones during the cut. Embedded
 * PGlite runs inside the server process: there is no path between the two to cut, so there is no cut (said so).
 *
 * Timeline, in seconds of the soak (T = seconds, C = cutSeconds):
 *   [0, T/10)            baseline: good NASes and enforcement only
 *   [T/10, T)            the bad NAS joins
 *   [T/2 − C/2, +C)      the cut (PostgreSQL only); records first sent from 3 s before it until 15 s after it
 *                        are "near the cut" and left out of the ack-ratio comparison
 *   then                 traffic stops; in-flight requests finish (answered or given up), enforcement jobs settle
 *
 * Criteria, each printed PASS or FAIL:
 *   alive       the server is still running at the end (it never exited), then exits on SIGTERM
 *   rss         VmRSS sampled every few seconds (1–5 s): median of the last third ≤ 1.25 × median of the second
 *               third, samples in and near the cut left out; and the JS heap's floor (10th percentile of V8 heap used,
 *               from /metrics) of the last third ≤ 1.10 × the second third's — RSS alone swings with V8 and malloc
 *   log         stdout+stderr at the default level (info: one line per answered request, by design): warn-or-worse
 *               lines ≤ 30 a minute in every phase (a phase shorter than a minute counts as one), and bytes per second
 *               in the cut and with the bad NAS ≤ 1.5 × the baseline's; figures: total, per hour of cut
 *   stored      every acknowledged Start/Interim/Stop is in the database (the session exists, its session time is at
 *               least the acknowledged one, an acknowledged Stop closed it), and every acknowledged poisoned record too
 *   isolation   the good NASes' accounting with the bad NAS (outside the cut) has an ack ratio and a first-try ratio
 *               ≥ 99% of the baseline's
 *   enforcement every enforcement job the changes created is done
 *   auth        every Access-Request of the good NASes first sent outside the cut was answered with an Access-Accept;
 *               p50/p99 latency outside the cut (and during it) are reported
 */
import { appendFileSync, closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../src/db/client.js';
import { rowsOf } from '../src/db/rows.js';
import { generateToken } from '../src/web/admin/auth.js';
import { prng } from './requests.js';
import { freeTcpPort, prepareData, startServer, type BenchServer } from './server-process.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
import { BadNas } from './soak-bad-nas.js';
import { ACCT_RETRY, GoodNas, Pacer, PHASES, Traffic, type Counts, type Phase, type Slot } from './soak-traffic.js';

export interface SoakOptions {
  /** Length of the soak, s (the capacity run and the drain come on top). */
  seconds: number;
  /** Database cut in the middle, s; 0 = none. PostgreSQL only. */
  cutSeconds: number;
  /** Offered operations/s; undefined = half the capacity measured first. */
  rate: number | undefined;
  /** Keep the scratch directory (server log, config) and print where it is. */
  keep: boolean;
  /** Extra node flags for the server process. */
  serverNodeArgs: string[];
}

export const SOAK_DEFAULTS: SoakOptions = { seconds: 600, cutSeconds: 60, rate: undefined, keep: false, serverNodeArgs: [] };

const NASES = 4;
const SLOTS_PER_NAS = 500;
const AUTH_USERS = 2000;
const CAPACITY_IN_FLIGHT = 128;
const CAPACITY_WARMUP_MS = 5000;
const CAPACITY_MS = 15_000;
/** The bad NAS's rate: this share of the offered rate, at least BAD_MIN_RATE datagrams/s. */
const BAD_SHARE = 0.05;
const BAD_MIN_RATE = 20;
const ENFORCE_EVERY_MS = 1000;
const RESTORE_AFTER_MS = 5000;
/** Records first sent this long after the restore still meet the backlog: left out of the ack-ratio comparison. */
const RECOVERY_MS = 15_000;
/**
 * RSS is resized by V8 and malloc by tens of MB on their own: runs with a flat JS heap gave last/second-third ratios
 * from 1.0 to 1.3. A leak shows in the floor of the JS heap (what survives collection), held to HEAP_LIMIT.
 */
const RSS_LIMIT = 1.25;
const HEAP_LIMIT = 1.1;
const ACK_LIMIT = 0.99;
const FAULT_LINES_PER_MINUTE = 30;
const LOG_RATE_LIMIT = 1.5;

const GOOD_SECRET = (i: number) => `soak-secret-${i}-0123456789abcdef`;
const BAD_SECRET = 'soak-bad-secret-0123456789abcdef';
const BAD_ADDRESS = '127.0.0.9';

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export interface Verdict {
  name: string;
  pass: boolean;
  detail: string;
}

export interface SoakRun {
  database: 'postgres' | 'pglite';
  rate: number;
  capacity: number | undefined;
  verdicts: Verdict[];
}

/** Log phases: the record phases, plus before and after the soak. */
type LogPhase = Phase | 'startup' | 'drain';

/** The server's log file, read as it grows: bytes, lines and warn-or-worse lines per phase, counted by message. */
class LogMeter {
  readonly bytes: Record<string, number> = {};
  readonly faults: Record<string, number> = {};
  readonly faultMessages = new Map<string, number>();
  total = 0;
  private readonly fd: number;
  private offset = 0;
  private rest = '';
  private readonly buffer = Buffer.alloc(1 << 20);

  constructor(file: string) {
    this.fd = openSync(file, 'r');
  }

  read(phase: LogPhase): void {
    for (;;) {
      const n = readSync(this.fd, this.buffer, 0, this.buffer.length, this.offset);
      if (n <= 0) return;
      this.offset += n;
      this.total += n;
      this.bytes[phase] = (this.bytes[phase] ?? 0) + n;
      const lines = (this.rest + this.buffer.toString('utf8', 0, n)).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) {
        const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 60); // not pino JSON (a crash trace): count it
        if (level < 40) continue;
        this.faults[phase] = (this.faults[phase] ?? 0) + 1;
        let msg = line.slice(0, 120);
        try {
          const parsed = JSON.parse(line) as { msg?: string; err?: { code?: string } };
          msg = `${level === 40 ? 'warn' : level === 50 ? 'error' : 'fatal'}: ${parsed.msg ?? '?'}${parsed.err?.code ? ` (${parsed.err.code})` : ''}`;
        } catch {
          // kept as the raw start of the line
        }
        this.faultMessages.set(msg, (this.faultMessages.get(msg) ?? 0) + 1);
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Sets subscribers with live sessions `expired` and back to `active` through the admin API. */
class Enforcer {
  readonly calls = { expire: 0, restore: 0, failedInCut: 0, failedOutside: 0 };
  readonly failures = new Map<string, number>();
  private readonly expired: Array<{ id: number; at: number }> = [];
  private readonly expiredIds = new Set<number>();
  private readonly random = prng(7);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly traffic: Traffic,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), ENFORCE_EVERY_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const oldest = this.expired[0];
    if (oldest && now - oldest.at >= RESTORE_AFTER_MS) {
      this.expired.shift();
      // `active`, not `auto`: the bench's subscribers are not billed (no paid_until), and clearing the operator status of
      // an unbilled subscriber leaves its status as it is (src/billing/state.ts), so nothing would be restored.
      void this.call(oldest.id, { status: 'active', reason: 'soak benchmark: paid' }).then((ok) => {
        if (ok) {
          this.calls.restore++;
          this.expiredIds.delete(oldest.id);
        } else {
          this.expired.push({ id: oldest.id, at: performance.now() }); // try again later
        }
      });
    }
    const candidates = this.traffic.openSlots().filter((s: Slot) => !this.expiredIds.has(s.subscriberId!));
    const slot = candidates[Math.floor(this.random() * candidates.length)];
    if (!slot) return;
    const id = slot.subscriberId!;
    this.expiredIds.add(id);
    void this.call(id, { status: 'expired', reason: 'soak benchmark: billing change' }).then((ok) => {
      if (ok) {
        this.calls.expire++;
        this.expired.push({ id, at: performance.now() });
      } else {
        this.expiredIds.delete(id);
      }
    });
  }

  private async call(id: number, body: Record<string, string>): Promise<boolean> {
    const phase = this.traffic.phase;
    let problem: string;
    try {
      const res = await fetch(`${this.base}/api/v1/subscribers/${id}/status`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      if (res.ok) return true;
      problem = `HTTP ${res.status}`;
    } catch (err) {
      problem = (err as Error).name;
    }
    if (phase === 'cut' || phase === 'near-cut') this.calls.failedInCut++;
    else this.calls.failedOutside++;
    const key = `${problem} (${phase})`;
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
    return false;
  }
}


/** Nearest-rank quantile (0 < q < 1); NaN for no values. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const none = (): Counts => ({ sent: 0, answered: 0, firstTry: 0, lost: 0, wrongCode: 0 });
const sum = (a: Counts, b: Counts): Counts => ({
  sent: a.sent + b.sent, answered: a.answered + b.answered, firstTry: a.firstTry + b.firstTry, lost: a.lost + b.lost, wrongCode: a.wrongCode + b.wrongCode,
});
const ackRatio = (c: Counts) => (c.sent ? (c.answered - c.wrongCode) / c.sent : NaN);
const firstTryRatio = (c: Counts) => (c.sent ? c.firstTry / c.sent : NaN);

function describeCounts(c: Counts): string {
  return `${fmt(c.sent)} sent, ${fmt(c.answered)} answered (${fmt(c.firstTry)} first try), ${fmt(c.lost)} given up, ${fmt(c.wrongCode)} wrong code`;
}

export async function benchSoak(options: Partial<SoakOptions> = {}, print: (line: string) => void = console.log): Promise<SoakRun> {
  const o = { ...SOAK_DEFAULTS, ...options };
  if (!(o.seconds >= 30)) throw new Error('--soak-seconds: at least 30');
  if (o.cutSeconds < 0 || o.cutSeconds > o.seconds / 3) throw new Error('--soak-cut-seconds: from 0 to a third of --soak-seconds');
  const T = o.seconds * 1000;
  const baselineMs = Math.max(5000, Math.round(T / 10));

  print(`soak: seeding ${fmt(NASES * SLOTS_PER_NAS + AUTH_USERS)} subscribers (${process.env.DATABASE_URL ? 'PostgreSQL, DATABASE_URL' : 'embedded PGlite'})…`);
  const data = await prepareData(NASES * SLOTS_PER_NAS + AUTH_USERS);
  const kind = data.databaseUrl ? 'postgres' : 'pglite';
  const cutMs = kind === 'postgres' ? o.cutSeconds * 1000 : 0;
  const cutStart = T / 2 - cutMs / 2;
  const cutEnd = cutStart + cutMs;
  const phaseAt = (t: number): Phase => {
    if (cutMs > 0 && t >= cutStart && t < cutEnd) return 'cut';
    if (cutMs > 0 && t >= cutStart - ACCT_RETRY.timeoutMs && t < cutEnd + RECOVERY_MS) return 'near-cut';
    return t < baselineMs ? 'baseline' : 'bad';
  };

  const nases = await Promise.all(Array.from({ length: NASES }, (_, i) => GoodNas.create(`soak-nas-${i}`, `127.0.0.${10 + i}`, GOOD_SECRET(i))));
  let proxy: TcpProxy | undefined;
  let server: BenchServer | undefined;
  let bad: BadNas | undefined;
  let log: LogMeter | undefined;
  const timers: NodeJS.Timeout[] = [];
  const pacer = new Pacer();
  const badPacer = new Pacer();
  try {
    const env: Record<string, string> = {};
    if (data.databaseUrl) {
      const url = new URL(data.databaseUrl);
      proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      url.hostname = '127.0.0.1';
      url.port = String(proxy.port);
      env.DATABASE_URL = url.toString();
    }
    const [httpPort, metricsPort] = [await freeTcpPort(), await freeTcpPort()];
    env.RADGATE_HTTP_PORT = String(httpPort);
    env.RADGATE_METRICS_PORT = String(metricsPort);
    const admin = generateToken('soak-bench', 'write');
    server = await startServer({
      data,
      logLevel: 'info',
      nodeArgs: o.serverNodeArgs,
      env,
      configure: (configDir) => {
        writeFileSync(path.join(configDir, 'admin.yaml'), `tokens:\n${admin.yaml}\n`);
        appendFileSync(path.join(configDir, 'nas.yaml'), [
          ...nases.map((n, i) => `
  - name: ${n.name}
    address: ${n.address}
    secret: ${GOOD_SECRET(i)}
    workspace: default
    require_message_authenticator: yes
    coa_port: ${n.coaPort}
`),
          `
  - name: soak-bad
    address: ${BAD_ADDRESS}
    secret: ${BAD_SECRET}
    workspace: default
`,
        ].join(''));
      },
    });
    const srv = server;
    log = new LogMeter(srv.logFile);
    log.read('startup');
    for (const n of nases) await n.connect(srv.authPort, srv.acctPort);
    const traffic = new Traffic({ nases, slotsPerNas: SLOTS_PER_NAS, authUsers: AUTH_USERS });
    const sweeper = setInterval(() => traffic.sweep(performance.now()), 100);
    timers.push(sweeper);
    print(`soak: server pid ${srv.pid} ready in ${(srv.startupMs / 1000).toFixed(1)} s on ${kind}, RSS ${mb(srv.rssBytes())}; ` +
      `${NASES} good NASes × ${SLOTS_PER_NAS} session slots, ${fmt(AUTH_USERS)} login-only users`);

    let capacity: number | undefined;
    if (o.rate === undefined) {
      await traffic.closedLoop(CAPACITY_IN_FLIGHT, CAPACITY_WARMUP_MS);
      capacity = await traffic.closedLoop(CAPACITY_IN_FLIGHT, CAPACITY_MS);
      log.read('capacity');
      print(`soak: capacity of the mix (closed loop, ${CAPACITY_IN_FLIGHT} in flight, ${CAPACITY_MS / 1000} s after ${CAPACITY_WARMUP_MS / 1000} s warm-up): ` +
        `${fmt(capacity)} operations/s`);
    }
    const rate = o.rate ?? Math.max(1, Math.floor(capacity! / 2));
    const badRate = Math.max(BAD_MIN_RATE, Math.round(rate * BAD_SHARE));
    print(`soak: ${o.seconds} s at ${fmt(rate)} operations/s${capacity ? ' (half the capacity)' : ''}; bad NAS from ${baselineMs / 1000} s at ${fmt(badRate)} datagrams/s; ` +
      (cutMs > 0
        ? `database cut ${(cutStart / 1000).toFixed(0)}–${(cutEnd / 1000).toFixed(0)} s (TCP proxy: connections reset, new ones refused)`
        : kind === 'pglite'
          ? 'no database cut: embedded PGlite runs inside the server process, there is no network path to cut'
          : 'no database cut (--soak-cut-seconds 0)'));

    // ---- the soak --------------------------------------------------------------------------------------------
    bad = await BadNas.open(BAD_ADDRESS, BAD_SECRET, { auth: srv.authPort, acct: srv.acctPort }, 11);
    const badNas = bad;
    const enforcer = new Enforcer(`http://127.0.0.1:${httpPort}`, admin.token, traffic);
    const meter = log;
    const rss: Array<{ t: number; bytes: number; heapUsed: number }> = [];
    const sampleMs = Math.min(5000, Math.max(1000, Math.round(T / 300)));
    const progressMs = Math.max(10_000, Math.round(T / 20));
    const t0 = performance.now();
    let lastProgress = 0;
    traffic.phase = phaseAt(0);
    const sample = () => {
      const t = performance.now() - t0;
      const s = { t, bytes: srv.rssBytes(), heapUsed: NaN };
      rss.push(s);
      void heapUsed(metricsPort).then((bytes) => (s.heapUsed = bytes));
      meter.read(t < T ? phaseAt(t) : 'drain');
      if (t - lastProgress >= progressMs && t < T) {
        lastProgress = t;
        const acct = PHASES.reduce((c, p) => sum(c, traffic.counts[p].acct), none());
        print(`soak: t=${(t / 1000).toFixed(0).padStart(4)} s  ${traffic.phase.padEnd(8)} RSS ${mb(rss[rss.length - 1]!.bytes)}, log ${mb(meter.total)}, ` +
          `accounting ${fmt(acct.answered)}/${fmt(acct.sent)} answered, in flight ${fmt(traffic.inFlight)}, enforcement ${enforcer.calls.expire}+${enforcer.calls.restore}`);
      }
    };
    timers.push(setInterval(() => (traffic.phase = phaseAt(performance.now() - t0)), 20));
    timers.push(setInterval(sample, sampleMs));
    pacer.start(rate, () => traffic.issue());
    enforcer.start();
    timers.push(setTimeout(() => badPacer.start(badRate, () => badNas.send()), baselineMs));
    if (proxy && cutMs > 0) {
      const p = proxy;
      timers.push(setTimeout(() => p.cut(), cutStart));
      timers.push(setTimeout(() => void p.restore(), cutEnd));
    }
    await new Promise((r) => setTimeout(r, T));
    pacer.stop();
    badPacer.stop();
    enforcer.stop();
    sample();

    // ---- drain: in-flight requests end, enforcement jobs settle ----------------------------------------------
    const drainStarted = performance.now();
    while (traffic.inFlight > 0 && performance.now() - drainStarted < ACCT_RETRY.giveUpMs + 10_000) await new Promise((r) => setTimeout(r, 200));
    const jobs = await settleJobs(data.databaseUrl, data.dataDir, nases);
    sample();
    const aliveAtEnd = srv.exit() === undefined;
    const peakRss = srv.peakRssBytes();
    const drops = aliveAtEnd ? await droppedByReason(metricsPort) : new Map<string, number>();
    await srv.stop();
    const exit = srv.exit();
    meter.read('drain');

    // ---- the database -----------------------------------------------------------------------------------------
    const check = await openDatabase({ databaseUrl: data.databaseUrl, dataDir: data.dataDir, role: 'tool' });
    let stored: StoredCheck;
    let finalJobs: JobCounts;
    try {
      stored = await checkStored(check, traffic, badNas);
      finalJobs = await jobCounts(check);
    } finally {
      await check.close();
    }

    // ---- report -------------------------------------------------------------------------------------------------
    const c = traffic.counts;
    const durations: Record<Phase, number> = { capacity: 0, baseline: 0, bad: 0, 'near-cut': 0, cut: 0 };
    for (let t = 0; t < T; t += 100) durations[phaseAt(t)] += 0.1;
    const recordPhases: Phase[] = ['baseline', 'bad', 'near-cut', 'cut'];
    for (const p of recordPhases) {
      if (durations[p] === 0) continue;
      print(`soak: ${p.padEnd(8)} (${durations[p].toFixed(0)} s) auth: ${describeCounts(c[p].auth)}; accounting: ${describeCounts(c[p].acct)}; deferred ${fmt(traffic.deferred[p])}`);
    }
    const sentOps = recordPhases.reduce((n, p) => n + c[p].auth.sent + c[p].acct.sent, 0);
    const retransmissions = nases.reduce((n, x) => n + x.auth.retransmissions + x.acct.retransmissions, 0);
    const unmatched = nases.reduce((n, x) => n + x.auth.unmatched + x.acct.unmatched, 0);
    print(`soak: offered ${fmt(rate)}/s, sent ${fmt(sentOps / o.seconds)}/s; ${fmt(retransmissions)} retransmissions, ${fmt(unmatched)} unmatched replies; ` +
      `drain took ${((performance.now() - drainStarted) / 1000).toFixed(1)} s`);
    const authOut = traffic.authLatency.outside.summary();
    const authCut = traffic.authLatency.cut.summary();
    print(`soak: auth latency outside the cut: p50 ${authOut.p50.toFixed(2)} ms, p99 ${authOut.p99.toFixed(2)} ms, max ${authOut.max.toFixed(0)} ms (${fmt(authOut.n)} replies)` +
      (authCut.n ? `; during the cut: p50 ${authCut.p50.toFixed(2)} ms, p99 ${authCut.p99.toFixed(2)} ms (${fmt(authCut.n)} replies)` : ''));

    // `loaded`: only samples taken under the soak's full load — not in the cut or near it, where the server does a
    // fraction of the work and its heap shrinks (a cut in the middle would otherwise pull the second third down).
    const during = (from: number, to: number, of: 'bytes' | 'heapUsed' = 'bytes', loaded = false) =>
      rss.filter((s) => s.t >= from && s.t < to && Number.isFinite(s[of]) && !(loaded && s.t < T && ['cut', 'near-cut'].includes(phaseAt(s.t))))
        .map((s) => s[of]);
    const thirds = (of: 'bytes' | 'heapUsed', loaded: boolean) => [during(T / 3, (2 * T) / 3, of, loaded), during((2 * T) / 3, T + 1, of, loaded)] as const;
    const [secondAll, lastAll] = thirds('bytes', false);
    const [second, last] = thirds('bytes', true).map(median) as [number, number];
    const rssRatio = last / second;
    const rawRatio = median([...lastAll]) / median([...secondAll]);
    const [heapSecond, heapLast] = thirds('heapUsed', true).map((v) => quantile(v, 0.1)) as [number, number];
    const heapRatio = heapLast / heapSecond;
    const all = during(0, Infinity);
    print(`soak: RSS ${rss.length} samples every ${sampleMs / 1000} s: min ${mb(Math.min(...all))}, max ${mb(Math.max(...all))}, peak (VmHWM) ${mb(peakRss)}; ` +
      `median second third ${mb(second)}, last third ${mb(last)} → ratio ${rssRatio.toFixed(3)}` +
      (cutMs > 0 ? ` (samples in and near the cut left out; with them ${rawRatio.toFixed(3)})` : '') +
      `; V8 heap used, 10th percentile: ${mb(heapSecond)} → ${mb(heapLast)}, ratio ${heapRatio.toFixed(3)}`);
    const tenths = (of: 'bytes' | 'heapUsed', pick: (v: number[]) => number) =>
      Array.from({ length: 10 }, (_, i) => (pick(during((i * T) / 10, ((i + 1) * T) / 10, of)) / 1048576).toFixed(0)).join(', ');
    print(`soak: by tenth of the soak, RSS median ${tenths('bytes', median)} MB, RSS min ${tenths('bytes', (v) => Math.min(...v))} MB; ` +
      `V8 heap used median ${tenths('heapUsed', median)} MB, min ${tenths('heapUsed', (v) => Math.min(...v))} MB`);
    if (o.keep) {
      writeFileSync(path.join(data.dir, 'soak-memory.csv'), `t_s,rss_bytes,heap_used_bytes,phase\n` +
        rss.map((s) => `${(s.t / 1000).toFixed(1)},${s.bytes},${s.heapUsed},${s.t < T ? phaseAt(s.t) : 'drain'}`).join('\n') + '\n');
    }

    const logRate = (p: LogPhase) => (durations[p as Phase] ? (meter.bytes[p] ?? 0) / durations[p as Phase] : NaN);
    // Per minute, a phase shorter than a minute counting as one: each kind of failure logs once a minute at most.
    const faultsPerMinute = (p: Phase) => ((meter.faults[p] ?? 0) * 60) / Math.max(60, durations[p]);
    const answered = recordPhases.reduce((n, p) => n + c[p].auth.answered + c[p].acct.answered, 0) + badNas.counts.acked + badNas.counts.rejected;
    print(`soak: log ${mb(meter.total)} in all (${fmt(meter.total / Math.max(1, answered))} bytes per answered request); bytes/s: ` +
      recordPhases.filter((p) => durations[p] > 0).map((p) => `${p} ${fmt(logRate(p))}`).join(', ') +
      `; warn-or-worse lines: ` + (['startup', ...recordPhases, 'drain'] as LogPhase[]).map((p) => `${p} ${meter.faults[p] ?? 0}`).join(', '));
    if (cutMs > 0) {
      const perHour = 3600 / durations.cut;
      print(`soak: during the cut the log grew ${mb(meter.bytes.cut ?? 0)} → ${mb((meter.bytes.cut ?? 0) * perHour)} per hour of cut ` +
        `(warn-or-worse: ${meter.faults.cut ?? 0} lines → ${fmt((meter.faults.cut ?? 0) * perHour)} per hour)`);
    }
    for (const [msg, n] of [...meter.faultMessages].sort((a, b) => b[1] - a[1]).slice(0, 8)) print(`soak:   ${n} × ${msg}`);

    const sentBad = Object.entries(badNas.counts.sent).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
    print(`soak: bad NAS sent ${sentBad}; answered: ${fmt(badNas.counts.acked)} poisoned records acknowledged, ` +
      `${fmt(badNas.counts.rejected)} Access-Rejects, ${fmt(badNas.counts.unexpected)} other replies`);
    if (drops.size > 0) print(`soak: server drops by reason: ${[...drops].map(([r, n]) => `${r} ${fmt(n)}`).join(', ')}`);

    const coa = nases.reduce((a, n) => ({
      coa: a.coa + n.coaCounts.coa, disconnect: a.disconnect + n.coaCounts.disconnect, acked: a.acked + n.coaCounts.disconnectAcked,
      gone: a.gone + n.coaCounts.disconnectGone, retransmitted: a.retransmitted + n.coaCounts.retransmitted, rejected: a.rejected + n.coaCounts.rejected,
    }), { coa: 0, disconnect: 0, acked: 0, gone: 0, retransmitted: 0, rejected: 0 });
    print(`soak: enforcement: ${enforcer.calls.expire} expired + ${enforcer.calls.restore} restored through the API ` +
      `(${enforcer.calls.failedInCut} refused near the cut, ${enforcer.calls.failedOutside} failed outside it${enforcer.failures.size ? `: ${[...enforcer.failures].map(([k, n]) => `${n} × ${k}`).join(', ')}` : ''}); ` +
      `routers got ${coa.coa} CoA, ${coa.disconnect} Disconnect (${coa.acked} ACK, ${coa.gone} NAK 503), ${coa.retransmitted} retransmissions, ${coa.rejected} failing their checks; ` +
      `jobs ${Object.entries(finalJobs.byState).map(([s, n]) => `${s} ${n}`).join(', ') || 'none'}` + (jobs.timedOut ? ' (still open when the wait ended)' : ''));
    if (finalJobs.failedOutcomes.length > 0) print(`soak:   failed jobs: ${finalJobs.failedOutcomes.join(' | ')}`);
    print(`soak: database: ${fmt(stored.tracked)} sessions started, ${fmt(stored.withAck)} with an acknowledged record: ${stored.missing} missing, ` +
      `${stored.behind} behind the acknowledged session time, ${stored.stopMissing} acknowledged Stops not closing; ` +
      `poisoned: ${fmt(stored.poisonedAcked)} acknowledged, ${stored.poisonedMissing} missing` + (stored.examples.length ? ` — e.g. ${stored.examples.join('; ')}` : ''));

    // ---- verdicts -----------------------------------------------------------------------------------------------
    const baseline = c.baseline.acct;
    const withBad = c.bad.acct;
    const authOutside = (['baseline', 'bad', 'near-cut'] as Phase[]).reduce((a, p) => sum(a, c[p].auth), none());
    const logPhases = recordPhases.filter((p) => durations[p] > 0);
    const worstFaults = Math.max(...logPhases.map(faultsPerMinute));
    const worstLogRate = Math.max(...logPhases.filter((p) => p !== 'baseline').map(logRate)) / logRate('baseline');
    const jobsTotal = Object.values(finalJobs.byState).reduce((a, b) => a + b, 0);
    const verdicts: Verdict[] = [
      {
        name: 'alive',
        pass: aliveAtEnd,
        detail: aliveAtEnd ? `ran to the end; on SIGTERM exited with ${exit?.signal ?? `code ${exit?.code}`}` : `exited during the run (${JSON.stringify(exit)})`,
      },
      {
        name: 'rss',
        pass: rssRatio <= RSS_LIMIT && !(heapRatio > HEAP_LIMIT),
        detail: `median RSS last third / second third = ${rssRatio.toFixed(3)} (≤ ${RSS_LIMIT}); ` +
          `V8 heap used, 10th percentile, last / second third = ${heapRatio.toFixed(3)} (≤ ${HEAP_LIMIT})`,
      },
      {
        name: 'log',
        pass: worstFaults <= FAULT_LINES_PER_MINUTE && !(worstLogRate > LOG_RATE_LIMIT),
        detail: `warn-or-worse at most ${worstFaults.toFixed(1)} lines/min in a phase (≤ ${FAULT_LINES_PER_MINUTE}, a shorter phase counting as a minute); ` +
          `busiest phase after the baseline writes ${worstLogRate.toFixed(2)} × the baseline's bytes/s (≤ ${LOG_RATE_LIMIT})`,
      },
      {
        name: 'stored',
        pass: stored.withAck > 0 && stored.missing + stored.behind + stored.stopMissing + stored.poisonedMissing === 0,
        detail: `${fmt(stored.withAck)} sessions and ${fmt(stored.poisonedAcked)} poisoned records acknowledged; ` +
          `${stored.missing + stored.behind + stored.stopMissing + stored.poisonedMissing} not reflected in the database`,
      },
      {
        name: 'isolation',
        pass: withBad.sent > 0 && ackRatio(withBad) >= ACK_LIMIT * ackRatio(baseline) && firstTryRatio(withBad) >= ACK_LIMIT * firstTryRatio(baseline),
        detail: `good NASes' accounting ack ratio ${pct(ackRatio(withBad))} with the bad NAS vs ${pct(ackRatio(baseline))} baseline ` +
          `(first try ${pct(firstTryRatio(withBad))} vs ${pct(firstTryRatio(baseline))}); needs ≥ ${ACK_LIMIT * 100}% of baseline`,
      },
      {
        name: 'enforcement',
        pass: jobsTotal > 0 && finalJobs.byState.done === jobsTotal,
        detail: `${finalJobs.byState.done ?? 0} of ${jobsTotal} jobs done`,
      },
      {
        name: 'auth',
        pass: authOutside.sent > 0 && authOutside.answered === authOutside.sent && authOutside.wrongCode === 0,
        detail: `${fmt(authOutside.answered - authOutside.wrongCode)} of ${fmt(authOutside.sent)} Access-Requests outside the cut accepted; ` +
          `p50 ${authOut.p50.toFixed(2)} ms, p99 ${authOut.p99.toFixed(2)} ms` +
          (authCut.n ? `; during the cut ${fmt(c.cut.auth.answered - c.cut.auth.wrongCode)} of ${fmt(c.cut.auth.sent)} accepted, p99 ${authCut.p99.toFixed(2)} ms` : ''),
      },
    ];
    for (const v of verdicts) print(`soak: ${v.pass ? 'PASS' : 'FAIL'}  ${v.name.padEnd(11)} ${v.detail}`);
    print(`soak: ${verdicts.every((v) => v.pass) ? 'PASS' : 'FAIL'} overall (${kind}, ${o.seconds} s, ${fmt(rate)} operations/s${cutMs ? `, ${o.cutSeconds} s cut` : ', no cut'})`);
    return { database: kind, rate, capacity, verdicts };
  } catch (err) {
    const tail = server ? readFileSync(server.logFile, 'utf8').slice(-4000) : '';
    throw new Error(`${(err as Error).message}${tail ? `\n--- server log (tail) ---\n${tail}` : ''}`, { cause: err });
  } finally {
    pacer.stop();
    badPacer.stop();
    for (const t of timers) clearTimeout(t);
    await server?.stop();
    log?.close();
    bad?.close();
    for (const n of nases) n.close();
    proxy?.close();
    if (o.keep) print(`soak: kept ${data.dir} (server log: server-info-*.log; memory samples: soak-memory.csv)`);
    else await data.cleanup();
  }
}

/** After the traffic stopped: until no enforcement job is pending or running (at most 90 s), routers quiet for 3 s. */
async function settleJobs(databaseUrl: string | undefined, dataDir: string, nases: GoodNas[]): Promise<{ timedOut: boolean }> {
  const database = await openDatabase({ databaseUrl, dataDir, role: 'tool' });
  try {
    const started = performance.now();
    for (;;) {
      const open = rowsOf<{ n: number | string }>(await database.db.execute(sql`select count(*) as n from enforcement_jobs where state in ('pending', 'running')`));
      const quiet = nases.every((n) => performance.now() - n.coaCounts.lastAt > 3000);
      if (Number(open[0]!.n) === 0 && quiet) return { timedOut: false };
      if (performance.now() - started > 90_000) return { timedOut: true };
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await database.close();
  }
}

interface JobCounts {
  byState: Record<string, number>;
  /** Up to three failed jobs' outcomes. */
  failedOutcomes: string[];
}

async function jobCounts(database: DatabaseHandle): Promise<JobCounts> {
  const rows = rowsOf<{ state: string; n: number | string }>(await database.db.execute(sql`select state, count(*) as n from enforcement_jobs group by state order by state`));
  const failed = rowsOf<{ outcome: string | null }>(await database.db.execute(sql`select outcome from enforcement_jobs where state <> 'done' order by id limit 3`));
  return { byState: Object.fromEntries(rows.map((r) => [r.state, Number(r.n)])), failedOutcomes: failed.map((r) => r.outcome ?? '(no outcome)') };
}

interface StoredCheck {
  tracked: number;
  withAck: number;
  missing: number;
  behind: number;
  stopMissing: number;
  poisonedAcked: number;
  poisonedMissing: number;
  examples: string[];
}

/** Every acknowledged record reflected: the session row exists, has at least that session time, and is closed by an acknowledged Stop. */
async function checkStored(database: DatabaseHandle, traffic: Traffic, bad: BadNas): Promise<StoredCheck> {
  const rows = rowsOf<{ nas_address: string; acct_session_id: string; class: string; t: number | string; stopped: boolean; closed_by: string | null; nas_name: string }>(
    await database.db.execute(sql`select nas_name, nas_address, acct_session_id, class, acct_session_time as t, stopped_at is not null as stopped, closed_by
      from sessions where nas_name like 'soak-%'`),
  );
  const byKey = new Map<string, (typeof rows)[number]>();
  const badIds = new Set<string>();
  for (const row of rows) {
    if (row.nas_name === 'soak-bad') badIds.add(row.acct_session_id);
    else byKey.set(`${row.nas_address}|${row.acct_session_id}|${row.class}`, row);
  }
  const result: StoredCheck = { tracked: traffic.sessions.length, withAck: 0, missing: 0, behind: 0, stopMissing: 0, poisonedAcked: bad.ackedSessionIds.length, poisonedMissing: 0, examples: [] };
  for (const s of traffic.sessions) {
    if (s.ackedTime < 0) continue;
    result.withAck++;
    const row = byKey.get(`${s.nasAddress}|${s.sessionId}|${s.classText}`);
    const example = (what: string) => result.examples.length < 5 && result.examples.push(`${s.nas} ${s.sessionId}: ${what}`);
    if (!row) {
      result.missing++;
      example('no row');
    } else if (Number(row.t) < s.ackedTime) {
      result.behind++;
      example(`session time ${row.t} < acknowledged ${s.ackedTime}`);
    } else if (s.ackedStop && !(row.stopped && row.closed_by === 'stop')) {
      result.stopMissing++;
      example(`acknowledged Stop, row ${row.stopped ? `closed by ${row.closed_by}` : 'open'}`);
    }
  }
  for (const id of bad.ackedSessionIds) {
    if (badIds.has(id)) continue;
    result.poisonedMissing++;
    if (result.examples.length < 5) result.examples.push(`soak-bad ${id}: no row`);
  }
  return result;
}

/** radgate_nodejs_heap_size_used_bytes from the operations listener; NaN when it cannot be read. */
async function heapUsed(port: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    return Number(/^radgate_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** radgate_radius_dropped_total summed by reason, from the operations listener. */
async function droppedByReason(port: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    for (const m of text.matchAll(/^radgate_radius_dropped_total\{([^}]*)\} (\d+(?:\.\d+)?)$/gm)) {
      const reason = /reason="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
      out.set(reason, (out.get(reason) ?? 0) + Number(m[2]));
    }
  } catch {
    // metrics are a figure, not a criterion
  }
  return out;
}
