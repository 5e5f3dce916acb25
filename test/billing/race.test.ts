/**
 * Several radgate instances run the evaluator against one PostgreSQL: two evaluators on separate connection pools,
 * racing over the same subscribers at the same instant, must write each transition (event + enforcement request)
 * exactly once. Also a payment racing the evaluator. PostgreSQL only (DATABASE_URL); PGlite has one connection.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingEvaluator } from '../../src/billing/evaluator.js';
import { BillingAccounts } from '../../src/billing/accounts.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { enforcementJobs, subscriberEvents } from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { bench, type Bench } from './helpers.js';

const silent = createLogger({ level: 'silent', destination: { write: () => true } as never });
const SUBSCRIBERS = 60;

describe.skipIf(!process.env.DATABASE_URL)('two evaluators racing on PostgreSQL', () => {
  let b: Bench;
  let second: DatabaseHandle;
  let ids: number[];

  beforeAll(async () => {
    b = await bench({ start: '2025-01-01T00:00:00Z' });
    second = await openDatabase({ databaseUrl: b.testDatabase.databaseUrl, dataDir: b.testDatabase.dataDir, role: 'tool', maxConnections: 10 });
    ids = [];
    for (let i = 0; i < SUBSCRIBERS; i++) ids.push(await b.add(`race${i}`, { paidUntil: '2025-01-20T00:00:00Z' }));
  });
  afterAll(async () => {
    await second?.close();
    await b?.close();
  });

  const transitionsOf = async () => {
    const events = await b.database.db.select().from(subscriberEvents)
      .where(and(inArray(subscriberEvents.subscriberId, ids), eq(subscriberEvents.kind, 'transition')));
    const jobs = await b.database.db.select().from(enforcementJobs).where(inArray(enforcementJobs.subscriberId, ids));
    return { events, jobs };
  };

  it('each transition is written once, whoever wins', async () => {
    const clock = { now: new Date('2025-01-01T00:00:00Z') };
    const make = (database: DatabaseHandle, actor: string) =>
      new BillingEvaluator({ database, config: () => b.config, clock: () => clock.now, log: silent, actor });
    const a = make(b.database, 'instance-a');
    const c = make(second, 'instance-b');
    // Walk through every threshold; at each, both instances run several times concurrently.
    const instants = ['2025-01-17T00:00:00Z', '2025-01-20T00:00:00Z', '2025-01-22T00:00:00Z', '2025-02-19T00:00:00Z'];
    const applied: number[] = [];
    for (const at of instants) {
      clock.now = new Date(at);
      const runs = await Promise.all([a.run(), c.run(), a.run(), c.run()]);
      applied.push(runs.reduce((n, r) => n + r.transitions.length, 0));
    }
    expect(applied).toEqual([SUBSCRIBERS, SUBSCRIBERS, SUBSCRIBERS, SUBSCRIBERS]);
    const { events, jobs } = await transitionsOf();
    expect(events).toHaveLength(4 * SUBSCRIBERS);
    expect(jobs).toHaveLength(4 * SUBSCRIBERS);
    for (const id of ids) {
      expect(events.filter((e) => e.subscriberId === id).map((e) => `${e.fromStatus}→${e.toStatus}`).sort())
        .toEqual(['active→due_soon', 'due_soon→grace', 'expired→suspended', 'grace→expired']);
    }
  });

  it('a payment racing both evaluators ends active, with one enforcement request per transition', async () => {
    const clock = { now: new Date('2025-03-01T00:00:00Z') };
    const payer = new BillingAccounts({ database: second, config: () => b.config, clock: () => clock.now, log: silent });
    const evalA = new BillingEvaluator({ database: b.database, config: () => b.config, clock: () => clock.now, log: silent });
    const evalB = new BillingEvaluator({ database: second, config: () => b.config, clock: () => clock.now, log: silent });
    const target = ids.slice(0, 10);
    const before = (await transitionsOf()).jobs.length;
    await Promise.all([
      ...target.map((id) => payer.pay({ subscriberId: id, amount: 2500 * 3, reference: `RACE-${id}`, actor: 'test' })),
      evalA.run(),
      evalB.run(),
    ]);
    for (const id of target) {
      const row = await b.billing.get(id);
      expect(row.status).toBe('active'); // paid until 2025-04-20
    }
    const { jobs, events } = await transitionsOf();
    expect(jobs.length - before).toBe(target.length); // suspended → active, once each
    for (const id of target) {
      const ofId = events.filter((e) => e.subscriberId === id);
      expect(ofId.filter((e) => e.fromStatus === 'suspended' && e.toStatus === 'active')).toHaveLength(1);
    }
  });
});

describe('concurrent runs on one embedded database', () => {
  it('overlapping runs still write each transition once', async () => {
    const b = await bench({ start: '2025-01-01T00:00:00Z' });
    try {
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) ids.push(await b.add(`p${i}`, { paidUntil: '2025-01-20T00:00:00Z' }));
      b.clock.now = new Date('2025-01-25T00:00:00Z');
      const runs = await Promise.all([b.evaluator.run(), b.evaluator.run(), b.evaluator.run()]);
      expect(runs.reduce((n, r) => n + r.transitions.length, 0)).toBe(20);
      const jobs = await b.database.db.select().from(enforcementJobs).where(inArray(enforcementJobs.subscriberId, ids));
      expect(jobs.filter((j) => j.toStatus === 'expired')).toHaveLength(20);
    } finally {
      await b.close();
    }
  });
});
