/**
 * Enforcement workers as a fleet: several instances on one database never act twice on one job, requests to a NAS
 * stay within its concurrency while NASes are served in parallel, and older jobs of a subscriber merge into newer.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { enforcementAttempts, enforcementJobs } from '../../src/db/schema.js';
import { ENFORCEMENT_CHANNEL } from '../../src/db/channels.js';
import { createClaimedJob, renewLeases } from '../../src/enforce/jobs.js';
import { EnforcementWorkers } from '../../src/enforce/workers.js';
import { createLogger } from '../../src/log.js';
import { Code } from '../../src/radius/codes.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscriber } from '../helpers/subscribers.js';
import { changeStatus, fastWorkers, nasEntry, pinStatus, settled } from './helpers.js';

let t: TestRadgate;
let core1: FakeNas;
let core2: FakeNas;
const db = () => t.radgate.database.db;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  core1 = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
  core2 = await FakeNas.start({ address: '127.0.0.3', secret: 'core2-secret-0123456789' });
  t = await startTestRadgate({
    config: {
      // The server's own workers stay off: each test runs the instances it needs.
      'server.yaml': (text) => fastWorkers(text, { enabled: false }),
      'nas.yaml': (text) => text + nasEntry('core1', core1, { enforcement: '{ coa_timeout: 1s, coa_tries: 2, concurrency: 4 }' })
        + nasEntry('core2', core2, { enforcement: '{ coa_timeout: 1s, coa_tries: 2, concurrency: 4 }' }),
    },
  });
});

afterAll(async () => {
  await t?.stop();
  await Promise.all([core1?.stop(), core2?.stop()]);
});

beforeEach(async () => {
  core1.reset();
  core2.reset();
  core1.maxOutstanding = core2.maxOutstanding = 0;
  await db().delete(enforcementJobs);
  await db().delete(enforcementAttempts);
});

/** The server's config with workers on (instances started by the test). */
function workersOn(maxJobs = 2000): Config {
  const config = t.radgate.config;
  return { ...config, server: { ...config.server, enforcement: { ...config.server.enforcement, enabled: true, maxJobs } } };
}

/** An Enforcement instance with its own database connection where the database allows one (PostgreSQL). */
async function instance(name: string, maxJobs?: number): Promise<{ enforcement: EnforcementWorkers; database: DatabaseHandle; own: boolean }> {
  const own = t.database.databaseUrl !== undefined;
  const database = own ? await openDatabase({ databaseUrl: t.database.databaseUrl, dataDir: t.database.dataDir, role: 'tool', maxConnections: 4 }) : t.radgate.database;
  const enforcement = new EnforcementWorkers({ database, config: () => workersOn(maxJobs), log, instanceId: name });
  return { enforcement, database, own };
}

const users: Array<{ name: string; id: number; nas: FakeNas }> = [];

async function population(count: number): Promise<void> {
  for (let i = users.length; i < count; i++) {
    const nas = i % 2 === 0 ? core1 : core2;
    const name = `w${i}`;
    const { id } = await addSubscriber(t, { username: name, plan: 'business-50' });
    await nas.accounting(t.radgate.ports.acct, 'Start', { user: name, sessionId: `s-${name}`, framedIp: `100.65.${Math.floor(i / 250)}.${(i % 250) + 1}` });
    users.push({ name, id, nas });
  }
}

async function expireAll(list: typeof users): Promise<number[]> {
  const ids: number[] = [];
  for (const u of list) ids.push(await changeStatus(t, u.name, 'expired'));
  return ids;
}

/** Back to active through billing; the restore jobs that makes are not what the next test is about. */
async function restoreAll(list: typeof users): Promise<void> {
  for (const u of list) await pinStatus(t, u.name, 'active');
  await db().delete(enforcementJobs);
}

describe('several instances', () => {
  it('never act twice on one job', async () => {
    await population(120);
    await restoreAll(users);
    const jobIds = await expireAll(users);
    // Small claims (max_jobs 8) so that the three really compete for the same rows.
    const fleet = await Promise.all(['a', 'b', 'c'].map((name) => instance(name, 8)));
    try {
      await Promise.all(fleet.map((f) => f.enforcement.start()));
      await t.radgate.database.notify(ENFORCEMENT_CHANNEL, 'test');
      for (const id of jobIds) expect((await settled(db(), id)).job.state).toBe('done');
    } finally {
      for (const f of fleet) {
        await f.enforcement.stop();
        if (f.own) await f.database.close();
      }
    }
    // Each session got exactly one CoA (first transmissions), and each job one attempt by one instance.
    const coas = [...core1.requests(Code.CoaRequest), ...core2.requests(Code.CoaRequest)];
    expect(coas).toHaveLength(users.length);
    expect(new Set(coas.map((r) => r.attributes['Acct-Session-Id'])).size).toBe(users.length);
    const attempts = await db().select().from(enforcementAttempts);
    expect(attempts).toHaveLength(users.length);
    expect(new Set(attempts.map((a) => a.jobId)).size).toBe(users.length);
    const jobs = await db().select().from(enforcementJobs);
    expect(jobs.every((j) => j.attempts === 1 && j.state === 'done' && j.claimedBy === null)).toBe(true);
    expect(fleet.reduce((n, f) => n + f.enforcement.stats.claimed, 0)).toBe(users.length);
    expect(fleet.filter((f) => f.enforcement.stats.claimed > 0).length).toBeGreaterThan(1);
  });
});

describe('concurrency', () => {
  it('each NAS gets at most its concurrency in flight, and NASes are served in parallel', async () => {
    await population(120);
    await restoreAll(users);
    core1.coa = { delayMs: 100, then: 'ack' };
    core2.coa = { delayMs: 100, then: 'ack' };
    let together = 0;
    const watch = setInterval(() => (together = Math.max(together, core1.outstanding + core2.outstanding)), 5);
    const jobIds = await expireAll(users.slice(0, 80));
    const { enforcement, database, own } = await instance('solo');
    try {
      await enforcement.start();
      for (const id of jobIds) expect((await settled(db(), id)).job.state).toBe('done');
    } finally {
      clearInterval(watch);
      await enforcement.stop();
      if (own) await database.close();
    }
    expect(core1.maxOutstanding).toBe(4);
    expect(core2.maxOutstanding).toBe(4);
    expect(together).toBeGreaterThan(4);
  });
});

describe('one subscriber, several changes', () => {
  it('older pending jobs merge into the newest, which pushes the state as it is now', async () => {
    await population(2);
    const u = users[0]!;
    await restoreAll([u]);
    const first = await changeStatus(t, u.name, 'expired');
    const second = await changeStatus(t, u.name, 'active');
    const { enforcement, database, own } = await instance('merge');
    try {
      await enforcement.start();
      expect((await settled(db(), second)).job.outcome).toBe(`no change to push: active → active keeps the plan business-50 (merged job(s) #${first})`);
    } finally {
      await enforcement.stop();
      if (own) await database.close();
    }
    expect((await settled(db(), first)).job.outcome).toBe(`merged into job #${second}`);
    expect(u.nas.received).toEqual([]);
  });
});

describe('stop', () => {
  it('releases claimed jobs for another instance, which completes them once', async () => {
    await population(2);
    const u = users[1]!;
    await restoreAll([u]);
    u.nas.coa = 'silent';
    u.nas.disconnect = 'silent';
    const [jobId] = await expireAll([u]);
    const first = await instance('first');
    await first.enforcement.start();
    await u.nas.waitFor((r) => r.code === Code.CoaRequest);
    await first.enforcement.stop(); // mid-ladder
    if (first.own) await first.database.close();
    const released = (await settled(db(), jobId!, 1).catch(() => undefined))?.job;
    expect(released).toBeUndefined(); // still pending, not failed
    const [row] = await db().select().from(enforcementJobs);
    expect(row).toMatchObject({ state: 'pending', claimedBy: null, attempts: 0 });
    expect(await db().select().from(enforcementAttempts)).toEqual([]); // the interrupted attempt is not recorded

    u.nas.coa = 'ack';
    const second = await instance('second');
    try {
      await second.enforcement.start();
      await eventually(async () => (await settled(db(), jobId!)).job.state === 'done');
    } finally {
      await second.enforcement.stop();
      if (second.own) await second.database.close();
    }
    const attempts = await db().select().from(enforcementAttempts);
    expect(attempts.map((a) => [a.instance, a.method, a.result])).toEqual([['second', 'coa', 'ack']]);
  });
});

describe('the job carries the decision', () => {
  it('a status job pushes the status billing wrote with it, not a re-read of the row', async () => {
    // Billing writes the row and the job in one transaction, and any later change comes with a newer job that
    // supersedes this one; so the worker pushes the job's to-status. Here the row still says active.
    const { id } = await addSubscriber(t, { username: 'decided', plan: 'business-50' });
    const { enforcement, database, own } = await instance('decision');
    try {
      const job = await createClaimedJob(db(), enforcement.instanceId, 30, {
        subscriberId: id, workspaceId: 'default', kind: 'status', fromStatus: 'active', toStatus: 'expired', reason: 'test',
      });
      const run = await enforcement.runJob(job);
      expect(run.finish).toEqual({ state: 'done', outcome: "offline: no open session; decided's next login gets the expired profile" });
    } finally {
      await enforcement.close();
      if (own) await database.close();
    }
  });
});

describe('leases', () => {
  it('are renewed only for the jobs named: a claim whose answer was lost is not kept from running forever', async () => {
    const { id } = await addSubscriber(t, { username: 'leased', plan: 'business-50' });
    const job = { subscriberId: id, workspaceId: 'default', kind: 'status', fromStatus: 'active', toStatus: 'expired', reason: 'test' };
    const working = await createClaimedJob(db(), 'lessee', 5, job);
    const lost = await createClaimedJob(db(), 'lessee', 5, job); // claimed in the database, unknown to the instance
    expect(await renewLeases(db(), 'lessee', 600, [working.id])).toBe(1);
    expect(await renewLeases(db(), 'lessee', 600, [])).toBe(0);
    const until = async (jobId: number) =>
      (await db().select({ until: enforcementJobs.claimedUntil }).from(enforcementJobs).where(eq(enforcementJobs.id, jobId)))[0]!.until!.getTime();
    expect((await until(working.id)) - (await until(lost.id))).toBeGreaterThan(500_000);
  });
});
