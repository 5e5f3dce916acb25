/**
 * Retention (src/db/retention.ts and the owners' prune queries) against a running radgate: what goes and what is
 * kept, batches, dry runs, two prunes at once (a second connection: PostgreSQL, or the PGlite share), and the
 * server's own run (summary line, metric). Rows are made as routers and operators make them: accounting datagrams
 * (Acct-Delay-Time dates a Stop back), billing changes, and jobs through the path `radgate enforce` takes.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { retentionRules } from '../../src/app.js';
import { pruneSubscriberEvents } from '../../src/billing/accounts.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { RetentionSchedule, runRetention, type PruneCounts } from '../../src/db/retention.js';
import { databaseNow, rowsOf } from '../../src/db/rows.js';
import { createClaimedJob, getJob, pruneFinishedJobs, recordResults } from '../../src/enforce/jobs.js';
import type { AttemptRecord } from '../../src/enforce/ladder.js';
import { createLogger } from '../../src/log.js';
import { listSessions, pruneClosedSessions } from '../../src/sessions/store.js';
import { pruneNotifications } from '../../src/notify/queue.js';
import { prunePaymentCallbacks } from '../../src/payments/callbacks.js';
import { radclient } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { fastWorkers, pinStatus } from '../enforce/helpers.js';
import { line } from '../sessions/helpers.js';

let t: TestRadgate;
let ids: Map<string, number>;
const db = () => t.radgate.database.db;
const DAY = 86_400;
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'eve'];

beforeAll(async () => {
  t = await startTestRadgate({
    config: {
      // Workers off: a job billing queues stays pending. Retention as configured below, the server's timer off.
      'server.yaml': (text) => fastWorkers(text, { enabled: false })
        .replace('    sessions: 365d', '    sessions: 3d')
        .replace('    interval: 1h', '    interval: off'),
    },
  });
  ids = await addSubscribers(t, USERS.map((username) => ({ username })));
});

afterAll(async () => {
  await t?.stop();
});

beforeEach(async () => {
  // A clean slate for each test (the tables retention prunes; payments stay, nothing here counts them all).
  for (const table of ['sessions', 'enforcement_jobs', 'enforcement_attempts', 'subscriber_events', 'notifications', 'payment_callbacks']) {
    await db().execute(sql.raw(`delete from ${table}`));
  }
});

// ---- making rows as radgate's peers do ------------------------------------------------------------------------

/** Accounting-Requests from the NAS `local`, in one radclient run; each must be answered (i.e. committed). */
async function account(records: Array<Record<string, string | number>>): Promise<void> {
  const result = await radclient({ port: t.radgate.ports.acct, type: 'acct', input: records.map(line).join('\n\n') + '\n' });
  expect(result.stdout.match(/Received Accounting-Response/g)?.length ?? 0).toBe(records.length);
}

/** A Stop for a session the NAS is reporting `daysAgo` days late: closed that long ago. */
const stop = (acctSessionId: string, daysAgo: number) => ({
  'User-Name': 'alice',
  'Acct-Session-Id': acctSessionId,
  'Acct-Status-Type': 'Stop',
  'Acct-Session-Time': 600,
  'Acct-Terminate-Cause': 'User-Request',
  ...(daysAgo > 0 ? { 'Acct-Delay-Time': daysAgo * DAY } : {}),
});

/** An open session that started `daysAgo` days ago and is alive now (an Interim-Update just arrived). */
const longSession = (acctSessionId: string, daysAgo: number): Array<Record<string, string | number>> => [
  { 'User-Name': 'bob', 'Acct-Session-Id': acctSessionId, 'Acct-Status-Type': 'Start', 'Acct-Delay-Time': daysAgo * DAY },
  { 'User-Name': 'bob', 'Acct-Session-Id': acctSessionId, 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': daysAgo * DAY },
];

const attempt = (username: string, ok: boolean): AttemptRecord => ({
  at: new Date(), nas: 'local', sessionId: null, acctSessionId: 's-1', username, method: 'coa', result: ok ? 'ack' : 'timeout',
  errorCause: null, detail: ok ? 'CoA-ACK' : 'no answer', durationMs: 3,
});

/** A job run to its end the way `radgate enforce USER` runs one: created claimed, attempts and outcome recorded. */
async function finishedJob(username: string, state: 'done' | 'failed', attempts = 2): Promise<number> {
  const job = await createClaimedJob(db(), 'test', 30, {
    subscriberId: ids.get(username)!, workspaceId: 'default', kind: 'manual', fromStatus: null, toStatus: 'active', reason: 'test',
  });
  await recordResults(db(), 'test', [{
    job, attempts: Array.from({ length: attempts }, () => attempt(username, state === 'done')), finish: { state, outcome: state },
  }]);
  return job.id;
}

/** A job a worker holds right now. */
async function runningJob(username: string): Promise<number> {
  const job = await createClaimedJob(db(), 'test', 30, {
    subscriberId: ids.get(username)!, workspaceId: 'default', kind: 'manual', fromStatus: null, toStatus: 'active', reason: 'test',
  });
  return job.id;
}

/** Operator actions on eve: an override (with its transition), a promise, a payment and a paid_until correction. */
async function eveHistory(): Promise<void> {
  const eve = ids.get('eve')!;
  const billing = t.radgate.billing;
  await billing.setPaidUntil(eve, new Date(Date.now() + 10 * DAY * 1000), 'onboarding', 'test');
  await billing.pay({ subscriberId: eve, amount: 2500, actor: 'test' });
  await billing.override(eve, 'suspended', 'abuse report', null, 'test');
  await billing.clearOverride(eve, 'test');
}

const sessionIds = async () => (await listSessions(db(), { all: true, limit: 10_000 })).map((s) => s.acctSessionId).sort();
const eventKinds = async (user: string) => (await t.radgate.billing.history(ids.get(user)!, { limit: 1000 })).items.map((e) => e.kind).sort();
const jobIds = async (list: number[]) => (await Promise.all(list.map(async (id) => ((await getJob(db(), id)) ? id : undefined)))).filter((id) => id !== undefined);
const attemptCount = async () =>
  rowsOf<{ n: number }>(await db().execute(sql`select count(*)::int as n from enforcement_attempts`))[0]!.n;

// ---- the tests ----------------------------------------------------------------------------------------------

describe('what retention deletes', () => {
  it('only rows finished or recorded before the cut-off; never open sessions, unfinished or unsuperseded failed jobs, payments or ledger events', async () => {
    // Before the cut-off.
    await account([stop('old-closed', 6), ...longSession('old-open', 6)]);
    const oldDone = await finishedJob('alice', 'done');
    const bobFailed = await finishedJob('bob', 'failed'); // bob's newest job: an operator still has to act
    const carolFailed = await finishedJob('carol', 'failed');
    const carolDone = await finishedJob('carol', 'done'); // supersedes carol's failure
    const davePending = await pinStatus(t, 'dave', 'expired'); // workers off: stays pending
    const erinRunning = await runningJob('erin');
    await eveHistory();
    const payments = await t.radgate.billing.listPayments({ subscriberId: ids.get('eve')! });
    expect(payments.total).toBe(1);

    const cutoff = await databaseNow(db());
    // After it.
    await account([stop('new-closed', 0)]);
    const newDone = await finishedJob('alice', 'done');
    await t.radgate.billing.promise(ids.get('eve')!, new Date(Date.now() + 3 * DAY * 1000), 'calls back', 'test');
    expect(await eventKinds('eve')).toEqual(['override', 'override', 'paid_until', 'payment', 'promise', 'transition', 'transition']);

    expect(await pruneClosedSessions(db(), cutoff)).toEqual({ sessions: 1 });
    expect(await sessionIds()).toEqual(['new-closed', 'old-open']);

    // alice's old job and carol's superseded failure go with their attempts (2 each); carol's done job is old too.
    expect(await pruneFinishedJobs(db(), cutoff)).toEqual({ enforcement_jobs: 3, enforcement_attempts: 6 });
    expect(await jobIds([oldDone, bobFailed, carolFailed, carolDone, davePending!, erinRunning, newDone])).toEqual([bobFailed, davePending, erinRunning, newDone]);
    expect((await getJob(db(), bobFailed))!.attempts).toHaveLength(2);
    expect(await attemptCount()).toBe(4);

    // eve's override, its clearing and their two transitions go, and dave's override and transition; payment,
    // paid_until (the ledger) and the later promise stay.
    expect(await pruneSubscriberEvents(db(), cutoff)).toEqual({ subscriber_events: 6 });
    expect(await eventKinds('eve')).toEqual(['paid_until', 'payment', 'promise']);
    expect(await eventKinds('dave')).toEqual([]);
    expect(await t.radgate.billing.listPayments({ subscriberId: ids.get('eve')! })).toEqual(payments);
  });

  it('prunes a table holding more rows than one batch completely', async () => {
    await account(Array.from({ length: 7 }, (_, i) => stop(`old-${i}`, 5)));
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(await finishedJob('alice', 'done', 3));
    await t.radgate.billing.setPaidUntil(ids.get('eve')!, new Date(Date.now() + 10 * DAY * 1000), 'onboarding', 'test');
    for (let i = 0; i < 5; i++) await t.radgate.billing.promise(ids.get('eve')!, new Date(Date.now() + (i + 1) * DAY * 1000), `promise ${i}`, 'test');
    const cutoff = await databaseNow(db());
    await account([stop('new', 0)]);

    expect(await pruneClosedSessions(db(), cutoff, { batchSize: 2 })).toEqual({ sessions: 7 });
    expect(await pruneFinishedJobs(db(), cutoff, { batchSize: 2 })).toEqual({ enforcement_jobs: 5, enforcement_attempts: 15 });
    expect(await pruneSubscriberEvents(db(), cutoff, { batchSize: 2 })).toEqual({ subscriber_events: 5 });
    expect(await sessionIds()).toEqual(['new']);
    expect(await jobIds(jobs)).toEqual([]);
    expect(await attemptCount()).toBe(0);
    expect(await eventKinds('eve')).toEqual(['paid_until']);
  });

  it('a dry run reports the counts the real run then deletes, and deletes nothing', async () => {
    await account([stop('a', 5), stop('b', 4), stop('c', 0), ...longSession('open', 5)]);
    await finishedJob('alice', 'done');
    await finishedJob('carol', 'failed');
    await finishedJob('carol', 'done', 1);
    await eveHistory();
    const cutoff = await databaseNow(db());
    const before = { sessions: await sessionIds(), attempts: await attemptCount(), events: await eventKinds('eve') };

    const dry: PruneCounts[] = [
      await pruneClosedSessions(db(), cutoff, { dryRun: true }),
      await pruneFinishedJobs(db(), cutoff, { dryRun: true }),
      await pruneSubscriberEvents(db(), cutoff, { dryRun: true }),
    ];
    expect(dry).toEqual([{ sessions: 3 }, { enforcement_jobs: 3, enforcement_attempts: 5 }, { subscriber_events: 4 }]);
    expect({ sessions: await sessionIds(), attempts: await attemptCount(), events: await eventKinds('eve') }).toEqual(before);

    const real = [await pruneClosedSessions(db(), cutoff), await pruneFinishedJobs(db(), cutoff), await pruneSubscriberEvents(db(), cutoff)];
    expect(real).toEqual(dry);
  });
});

describe('several instances', () => {
  let second: DatabaseHandle;

  beforeAll(async () => {
    // Another connection: a second PostgreSQL pool, or a tool reaching the server's PGlite through its share.
    second = await openDatabase({ databaseUrl: t.database.databaseUrl, dataDir: t.database.dataDir, role: 'tool' });
  });

  afterAll(async () => {
    await second?.close();
  });

  it('two prunes at once neither fail nor count a row twice', async () => {
    await account(Array.from({ length: 12 }, (_, i) => stop(`old-${i}`, 5)));
    for (let i = 0; i < 6; i++) await finishedJob('alice', 'done', 1);
    const cutoff = await databaseNow(db());

    const [a, b] = await Promise.all([
      Promise.all([pruneClosedSessions(db(), cutoff, { batchSize: 1 }), pruneFinishedJobs(db(), cutoff, { batchSize: 1 })]),
      Promise.all([pruneClosedSessions(second.db, cutoff, { batchSize: 1 }), pruneFinishedJobs(second.db, cutoff, { batchSize: 1 })]),
    ]);
    expect(a[0].sessions! + b[0].sessions!).toBe(12);
    expect(a[1].enforcement_jobs! + b[1].enforcement_jobs!).toBe(6);
    expect(a[1].enforcement_attempts! + b[1].enforcement_attempts!).toBe(6);
    expect(await sessionIds()).toEqual([]);
    expect(await attemptCount()).toBe(0);
  });
});

describe('the server runs it', () => {
  it('with the configured keep times, counted back from the database clock; one summary line and the metric per run', async () => {
    await account([stop('six-days', 6), stop('two-days', 2), ...longSession('open', 6)]);
    await finishedJob('alice', 'done');
    const logged = t.logs.length;

    const report = (await t.radgate.retention.run())!;
    expect(report.rules.map((r) => [r.name, r.keepSeconds])).toEqual([
      ['sessions', 3 * DAY], ['enforcement_jobs', 90 * DAY], ['subscriber_events', 730 * DAY],
      ['notifications', 90 * DAY], ['payment_callbacks', 730 * DAY],
    ]);
    expect(report.rules[0]!.cutoff!.getTime()).toBe(report.at.getTime() - 3 * DAY * 1000);
    expect(report.rules.map((r) => r.counts)).toEqual([
      { sessions: 1 }, { enforcement_jobs: 0, enforcement_attempts: 0 }, { subscriber_events: 0 },
      { notifications: 0 }, { payment_callbacks: 0 },
    ]);
    expect(await sessionIds()).toEqual(['open', 'two-days']);

    const lines = t.logs.slice(logged).filter((l) => l.task === 'retention');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'retention: pruned 1 rows',
      pruned: { sessions: 1, enforcement_jobs: 0, enforcement_attempts: 0, subscriber_events: 0, notifications: 0, payment_callbacks: 0 },
      cutoffs: { sessions: report.rules[0]!.cutoff!.toISOString() },
    });
    const metric = await t.radgate.metrics.registry.getSingleMetricAsString('radgate_retention_pruned_rows_total');
    expect(metric).toMatch(/^radgate_retention_pruned_rows_total\{table="sessions"\} 1$/m);
    expect(metric).toMatch(/^radgate_retention_pruned_rows_total\{table="enforcement_attempts"\} 0$/m);
  });

  it('hands each table to its owner\'s prune (the notification outbox and the payment callback log included)', () => {
    const rules = retentionRules(t.radgate.config.server.retention);
    expect(rules.map((r) => [r.name, r.tables, r.prune])).toEqual([
      ['sessions', ['sessions'], pruneClosedSessions],
      ['enforcement_jobs', ['enforcement_jobs', 'enforcement_attempts'], pruneFinishedJobs],
      ['subscriber_events', ['subscriber_events'], pruneSubscriberEvents],
      ['notifications', ['notifications'], pruneNotifications],
      ['payment_callbacks', ['payment_callbacks'], prunePaymentCallbacks],
    ]);
  });

  it('keeps a table whose keep time is off', async () => {
    await account([stop('six-days', 6)]);
    const rules = retentionRules({ ...t.radgate.config.server.retention, sessionsSeconds: undefined });
    const report = await runRetention(db(), rules);
    expect(report.rules[0]).toMatchObject({ name: 'sessions', cutoff: undefined, counts: { sessions: 0 } });
    expect(await sessionIds()).toEqual(['six-days']);
  });

  it('on a timer: the first run after the delay, then every interval; stop() waits for a run in progress', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = createLogger({ level: 'info', destination: { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) } as never });
    const schedule = new RetentionSchedule({
      db: db(), rules: () => retentionRules(t.radgate.config.server.retention), intervalSeconds: () => 0.05, log, firstRunDelayMs: 20,
    });
    schedule.start();
    await eventually(() => lines.length >= 2, 10_000, 'two scheduled runs');
    await schedule.stop();
    expect(lines.every((l) => l.task === 'retention' && l.msg === 'retention: pruned 0 rows')).toBe(true);
  });
});
