/**
 * The full loop, with real peers: radclient logs a subscriber in and starts accounting; billing (with an injected
 * clock) lets the payment lapse; the router (fake NAS on 127.0.0.1, where radclient's packets come from) receives the
 * CoA with the expired profile; a payment arrives and the router receives the restore — a Disconnect, as a CoA cannot
 * take the session out of radgate-unpaid (restore: reconnect) — and the new login gets the plan again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BillingEvaluator } from '../../src/billing/evaluator.js';
import { BillingAccounts } from '../../src/billing/accounts.js';
import { createLogger } from '../../src/log.js';
import { Code } from '../../src/radius/codes.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { acct, login } from '../sessions/helpers.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscriber } from '../helpers/subscribers.js';
import { fastWorkers, sessionRow, settled } from './helpers.js';
import { enforcementJobs } from '../../src/db/schema.js';
import { desc } from 'drizzle-orm';

let t: TestRadgate;
let router: FakeNas;
const clock = { now: new Date('2025-03-10T12:00:00Z') };
let billing: BillingAccounts;
let evaluator: BillingEvaluator;
const db = () => t.radgate.database.db;

beforeAll(async () => {
  // The router radclient stands for: same address (127.0.0.1) and secret as the example's `local` NAS.
  router = await FakeNas.start({ address: '127.0.0.1', secret: 'testing123' });
  t = await startTestRadgate({
    config: {
      'server.yaml': (text) => fastWorkers(text),
      'nas.yaml': (text) => text
        .replace('    coa_port: 3799\n', `    coa_port: ${router.port}\n`)
        .replace('      coa_timeout: 2s\n', '      coa_timeout: 200ms\n')
        .replace('      coa_tries: 5\n', '      coa_tries: 3\n'),
    },
  });
  const deps = { database: t.radgate.database, config: () => t.radgate.config, clock: () => clock.now, log: createLogger({ level: 'silent' }) };
  billing = new BillingAccounts(deps);
  evaluator = new BillingEvaluator(deps);
});

afterAll(async () => {
  await t?.stop();
  await router?.stop();
});

async function latestJob() {
  const [job] = await db().select().from(enforcementJobs).orderBy(desc(enforcementJobs.id)).limit(1);
  return job!;
}

const session = {
  'User-Name': 'lena',
  'Acct-Session-Id': '81b00001',
  'NAS-IP-Address': '127.0.0.1',
  'Framed-IP-Address': '100.64.7.1',
  'NAS-Port-Type': 'Ethernet',
};

describe('billing → enforcement → router', () => {
  it('a lapsed payment pushes the expired profile; a payment restores service', async () => {
    const { id } = await addSubscriber(t, { username: 'lena', plan: 'home-10' });
    await billing.pay({ subscriberId: id, amount: 2500, actor: 'test', reference: 'first' });
    expect((await billing.get(id)).status).toBe('active');

    // radclient: login (the plan), then accounting Start with the Class radgate issued.
    const accept = await login(t.radgate.ports.auth, 'lena');
    expect(accept.code).toBe('Access-Accept');
    expect(accept.attributes['Mikrotik-Rate-Limit']).toEqual(['2M/10M']);
    const start = await acct(t.radgate.ports.acct, { ...session, 'Acct-Status-Type': 'Start', Class: accept.attributes['Class']![0]! });
    expect(start.code).toBe('Accounting-Response');
    await eventually(async () => (await sessionRow(db(), '81b00001'))?.subscriberId === id, 20_000, 'the session');

    // Time passes beyond paid_until + grace: the evaluator expires lena, enforcement pushes the CoA.
    clock.now = new Date((await billing.get(id)).paidUntil!.getTime() + 3 * 86_400_000);
    const run = await evaluator.run();
    expect(run.transitions.map((tr) => [tr.username, tr.from, tr.to])).toEqual([['lena', 'active', 'expired']]);
    const expiry = await settled(db(), (await latestJob()).id);
    expect(expiry.job).toMatchObject({ state: 'done', kind: 'status', fromStatus: 'active', toStatus: 'expired' });
    const coa = await router.waitFor((r) => r.code === Code.CoaRequest);
    expect(coa.attributes).toMatchObject({
      'NAS-IP-Address': '127.0.0.1',
      'User-Name': 'lena',
      'Acct-Session-Id': '81b00001',
      'Framed-IP-Address': '100.64.7.1',
      'Mikrotik-Group': 'expired',
      'Mikrotik-Address-List': 'radgate-unpaid',
      'Mikrotik-Rate-Limit': '256k/256k',
    });
    expect(coa.attributes['Session-Timeout']).toBeUndefined(); // the expired profile sets none
    expect(router.requests(Code.DisconnectRequest)).toEqual([]);
    // The attempt is counted for /metrics, by NAS, step and result.
    expect(await t.radgate.metrics.registry.getSingleMetricAsString('radgate_enforcement_attempts_total')).toMatch(
      /radgate_enforcement_attempts_total\{nas="local",method="coa",result="ack"\} 1/,
    );

    // A payment arrives: lena is active at once, and the router is told.
    router.reset();
    const paid = await billing.pay({ subscriberId: id, amount: 2500, actor: 'test', reference: 'second' });
    expect(paid.transition).toMatchObject({ from: 'expired', to: 'active' });
    const restore = await settled(db(), (await latestJob()).id);
    expect(restore.job).toMatchObject({ state: 'done', fromStatus: 'expired', toStatus: 'active' });
    const disconnect = await router.waitFor((r) => r.code === Code.DisconnectRequest);
    expect(disconnect.attributes).toMatchObject({ 'User-Name': 'lena', 'Acct-Session-Id': '81b00001', 'Framed-IP-Address': '100.64.7.1' });
    expect(router.requests(Code.CoaRequest)).toEqual([]);
    expect(restore.job.outcome).toBe('plan home-10 → 1 session(s): local lena/81b00001: Disconnect-ACK');

    // The router ends the session and the subscriber dials again: the plan, without the unpaid list.
    await acct(t.radgate.ports.acct, { ...session, 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 120, 'Acct-Terminate-Cause': 'Admin-Reset' });
    await eventually(() => t.radgate.directory.find('default', 'lena')?.status === 'active', 20_000, 'directory refresh');
    const again = await login(t.radgate.ports.auth, 'lena');
    expect(again.code).toBe('Access-Accept');
    expect(again.attributes['Mikrotik-Rate-Limit']).toEqual(['2M/10M']);
    expect(again.attributes['Mikrotik-Address-List']).toBeUndefined();
  });
});
