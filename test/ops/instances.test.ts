/**
 * Two radgate instances on one PostgreSQL, as a router listing both as RADIUS servers would use them: the same
 * answers, shared sessions, fresh in-memory views of each other's changes, each billing transition applied once and
 * each enforcement job run once. PostgreSQL only (the embedded database serves one process).
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingEvaluator } from '../../src/billing/evaluator.js';
import { BillingAccounts } from '../../src/billing/accounts.js';
import { enforcementJobs, subscriberEvents } from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { Code } from '../../src/radius/codes.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { acct, login } from '../sessions/helpers.js';
import { eventually } from '../helpers/eventually.js';
import { newSubscriber, subscriberRecords } from '../helpers/subscribers.js';
import { fastWorkers } from '../enforce/helpers.js';

const postgres = Boolean(process.env.DATABASE_URL);
let database: TestDatabase;
let a: TestRadgate;
let b: TestRadgate;
let router: FakeNas;

beforeAll(async () => {
  if (!postgres) return;
  database = await freshDatabase();
  router = await FakeNas.start({ address: '127.0.0.1', secret: 'testing123' });
  const config = {
    // The instances' own evaluators run at start only: this test drives billing time itself.
    'server.yaml': (text: string) => fastWorkers(text).replace(/billing_interval:.*\n/, 'billing_interval: 1h\n'),
    'nas.yaml': (text: string) => text.replace('    coa_port: 3799\n', `    coa_port: ${router.port}\n`).replace('      coa_timeout: 2s\n', '      coa_timeout: 300ms\n'),
  };
  a = await startTestRadgate({ database, config });
  b = await startTestRadgate({ database, config });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await router?.stop();
  await database?.cleanup();
});

describe.skipIf(!postgres)('two instances on one PostgreSQL', () => {
  it('share subscribers, sessions, billing and enforcement without doing anything twice', async () => {
    // A subscriber created through instance A is known to B at once (LISTEN/NOTIFY).
    const row = await subscriberRecords(a).add(newSubscriber({ username: 'twin', plan: 'home-10', accountNumber: 'T-1' }));
    await eventually(() => b.radgate.directory.find('default', 'twin') !== undefined, 10_000, 'B to learn about twin');

    // The same answer from both.
    const fromA = await login(a.radgate.ports.auth, 'twin');
    const fromB = await login(b.radgate.ports.auth, 'twin');
    expect(fromA.code).toBe('Access-Accept');
    expect(fromB.code).toBe('Access-Accept');
    const { Class: _a, 'Message-Authenticator': _ma, ...attrsA } = fromA.attributes;
    const { Class: _b, 'Message-Authenticator': _mb, ...attrsB } = fromB.attributes;
    expect(attrsB).toEqual(attrsA);

    // Accounting through A; B sees the session: home-10 allows one, so a second login through B is refused.
    const start = await acct(a.radgate.ports.acct, {
      'Acct-Status-Type': 'Start', 'User-Name': 'twin', 'Acct-Session-Id': 'aa000001', 'NAS-IP-Address': '127.0.0.1',
      'Framed-IP-Address': '100.64.9.9', Class: fromA.attributes['Class']![0]!,
    });
    expect(start.code).toBe('Accounting-Response');
    let second!: Awaited<ReturnType<typeof login>>;
    await eventually(async () => (second = await login(b.radgate.ports.auth, 'twin')).code !== 'Access-Accept', 10_000, 'B to refuse a second session');
    expect(second.code).toBe('Access-Reject');
    expect(second.attributes['Reply-Message']?.[0]).toMatch(/Already connected/);

    // Billing: paid for ten more days; then both evaluators run at the same moment fifteen days on (past grace):
    // the transition happens once.
    const clock = { now: new Date() };
    const deps = (t: TestRadgate) => ({ database: t.radgate.database, config: () => t.radgate.config, clock: () => clock.now, log: createLogger({ level: 'silent' }) });
    await new BillingAccounts(deps(a)).setPaidUntil(row.id, new Date(clock.now.getTime() + 10 * 86_400_000), 'test', 'test');
    clock.now = new Date(clock.now.getTime() + 15 * 86_400_000);
    const [runA, runB] = await Promise.all([new BillingEvaluator(deps(a)).run(), new BillingEvaluator(deps(b)).run()]);
    const transitions = [...runA.transitions, ...runB.transitions].filter((tr) => tr.username === 'twin');
    expect(transitions.map((tr) => tr.to)).toEqual(['expired']);
    const events = await a.radgate.database.db
      .select()
      .from(subscriberEvents)
      .where(and(eq(subscriberEvents.subscriberId, row.id), eq(subscriberEvents.toStatus, 'expired')));
    expect(events).toHaveLength(1);

    // Enforcement: both instances' workers are running; the router gets one CoA for the one session.
    const jobs = await a.radgate.database.db.select().from(enforcementJobs).where(and(eq(enforcementJobs.subscriberId, row.id), eq(enforcementJobs.toStatus, 'expired')));
    expect(jobs).toHaveLength(1);
    await eventually(async () => {
      const [job] = await a.radgate.database.db.select().from(enforcementJobs).where(eq(enforcementJobs.id, jobs[0]!.id));
      return job!.state === 'done';
    }, 20_000, 'the expiry job');
    const coas = router.requests(Code.CoaRequest);
    expect(coas).toHaveLength(1);
    expect(coas[0]!.attributes).toMatchObject({ 'User-Name': 'twin', 'Acct-Session-Id': 'aa000001', 'Mikrotik-Group': 'expired' });

    // Both in-memory views follow: a payment through B restores twin on A at once.
    await eventually(() => a.radgate.directory.find('default', 'twin')?.status === 'expired', 10_000, 'A to see expired');
    await b.radgate.billing.pay({ subscriberId: row.id, amount: 2500, actor: 'test', reference: 'twin-pay' });
    await eventually(() => a.radgate.directory.find('default', 'twin')?.status === 'active', 10_000, 'A to see the payment');
  });
});
