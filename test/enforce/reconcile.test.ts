/** reconcile: the router's sessions and unpaid list against radgate's database (PGlite or PostgreSQL), over the fake API. */
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { sessions, subscribers, type SubscriberStatus } from '../../src/db/schema.js';
import { describeReconcile, findDrift, reconcile, type Drift } from '../../src/enforce/reconcile.js';
import { databaseReconcilePorts } from '../../src/enforce/reconcile-db.js';
import { ReconcileSchedule } from '../../src/enforce/reconcile-schedule.js';
import { RouterOsClient, RouterOsPool } from '../../src/routeros/api.js';
import { createLogger } from '../../src/log.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { newSubscriber, recordsOn } from '../helpers/subscribers.js';
import { removeRouterConfigs, routerConfig } from '../routeros/router-config.js';

afterAll(removeRouterConfigs);

let testDb: TestDatabase;
let database: DatabaseHandle;
let router: FakeRouterOs;
let client: RouterOsClient;
let config: Config;
const ids = new Map<string, number>();

beforeAll(async () => {
  testDb = await freshDatabase();
  database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'server' });
  await database.migrate();
}, 120_000);

afterAll(async () => {
  await database?.close();
  await testDb?.cleanup();
});

beforeEach(async () => {
  router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' });
  client = new RouterOsClient({ name: 'core-1', host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeoutSeconds: 10 });
  config = await loadConfig(routerConfig({
    core: { api: { host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw' } },
    coreRouter: { reconcile_interval: '1m', reconcile_fix: true },
  }), {});
  await database.db.delete(sessions);
  await database.db.delete(subscribers);
  const people: Array<[string, SubscriberStatus]> = [
    ['alice', 'active'], ['bob', 'expired'], ['carol', 'expired'], ['dave', 'active'], ['erin', 'expired'], ['grace', 'grace'],
  ];
  for (const [username, status] of people) {
    ids.set(username, (await recordsOn(database).add(newSubscriber({ username, plan: 'home-10', status }))).id);
  }
});

afterEach(async () => {
  await client.close();
  await router.stop();
});

async function openSession(username: string, acctSessionId: string, ip: string): Promise<number> {
  const now = new Date();
  const [row] = await database.db.insert(sessions).values({
    workspaceId: 'default', nasName: 'core-1', nasAddress: '10.0.0.1', acctSessionId, username, subscriberId: ids.get(username) ?? null,
    framedIpAddress: ip, startedAt: now, lastSeen: now, lastStatus: 'Start', interimInterval: 300,
  }).returning({ id: sessions.id });
  return row!.id;
}

/** The scene: one session or list entry per kind of drift, plus what is in order. */
async function seedDrift(): Promise<{ erinSession: number }> {
  router.seed('/ppp/active', [
    { name: 'alice', address: '10.20.0.2', 'session-id': '0x81A00001', radius: 'true' }, // paying, but listed
    { name: 'bob', address: '10.20.0.3', 'session-id': '0x81A00002', radius: 'true' }, // unpaid and listed: fine
    { name: 'carol', address: '10.20.0.4', 'session-id': '0x81A00003', radius: 'true' }, // unpaid, not listed
    { name: 'dave', address: '10.20.0.5', 'session-id': '0x81A00004', radius: 'true' }, // radgate never heard of it
    { name: 'grace', address: '10.20.0.8', 'session-id': '0x81A00005', radius: 'true' }, // in grace: keeps service
    { name: 'mgmt', address: '10.20.0.9', 'session-id': '0x81A00006', radius: 'false' }, // a local PPP secret
  ]);
  await openSession('alice', '81a00001', '10.20.0.2');
  await openSession('bob', '81a00002', '10.20.0.3');
  await openSession('carol', '81a00003', '10.20.0.4');
  await openSession('grace', '81a00005', '10.20.0.8');
  const erinSession = await openSession('erin', '81a00009', '10.20.0.6'); // the router no longer has it
  router.seed('/ip/firewall/address-list', [
    { list: 'radgate-unpaid', address: '10.20.0.2', comment: 'radgate-user:alice', dynamic: 'false' },
    { list: 'radgate-unpaid', address: '10.20.0.3', comment: 'radgate-user:bob', dynamic: 'false' },
    { list: 'radgate-unpaid', address: '10.20.0.7', comment: 'radgate-user:old', dynamic: 'false' },
    { list: 'radgate-unpaid', address: '10.20.0.9', dynamic: 'false' },
    { list: 'radgate-allow', address: 'pay.isp.example', comment: 'radgate:allow:pay.isp.example' },
    { list: 'customers', address: '10.20.0.2' },
  ]);
  return { erinSession };
}

const kinds = (drift: readonly Drift[]) => drift.map((d) => {
  switch (d.kind) {
    case 'unknown-session': return `unknown-session ${d.session.user}`;
    case 'gone-session': return `gone-session ${d.session.username}`;
    case 'stale-entry': return `stale-entry ${d.entry.address}`;
    case 'paying-listed': return `paying-listed ${d.user}`;
    case 'unpaid-missing': return `unpaid-missing ${d.user}`;
  }
});

describe('reconcile', () => {
  it('finds each kind of drift, and only drift', async () => {
    await seedDrift();
    const nas = config.nas.find((n) => n.name === 'core-1')!;
    const ports = databaseReconcilePorts(config, nas, database, client);
    const report = await reconcile('core-1', ports);
    expect(kinds(report.drift)).toEqual([
      'unknown-session dave',
      'gone-session erin',
      'paying-listed alice',
      'stale-entry 10.20.0.7',
      'stale-entry 10.20.0.9',
      'unpaid-missing carol',
    ]);
    expect(report.fixes).toBeUndefined();
    expect(describeReconcile(report, 'radgate-unpaid')).toBe([
      'NAS core-1: 6 session(s) on the router, 5 open in radgate, 4 address(es) in radgate-unpaid',
      '6 drift(s) (run with --fix to correct):',
      '  unknown-session  ppp dave at 10.20.0.5 (session 0x81A00004): on the router, radgate has no open session',
      `  gone-session     erin at 10.20.0.6 (radgate session ${report.drift[1]!.kind === 'gone-session' ? report.drift[1]!.session.id : ''}, Acct-Session-Id 81a00009): open in radgate, not on the router`,
      '  paying-listed    10.20.0.2: alice is active, should not be restricted',
      '  stale-entry      10.20.0.7 (radgate-user:old): listed, but no session holds this address',
      '  stale-entry      10.20.0.9: listed, but held by mgmt, not a RADIUS session',
      '  unpaid-missing   carol at 10.20.0.4 is expired, not in the unpaid list',
    ].join('\n'));
    // Reporting changes nothing.
    expect(router.commands.every((c) => c.words[0]!.endsWith('/print'))).toBe(true);
  });

  it('--fix corrects each drift; a second run finds none', async () => {
    const { erinSession } = await seedDrift();
    const nas = config.nas.find((n) => n.name === 'core-1')!;
    const ports = databaseReconcilePorts(config, nas, database, client);
    const report = await reconcile('core-1', ports, { fix: true });
    expect(report.fixes?.map((f) => [f.drift.kind, f.ok])).toEqual([
      ['gone-session', true], ['unknown-session', true], ['paying-listed', true], ['stale-entry', true], ['stale-entry', true], ['unpaid-missing', true],
    ]);
    // dave was kicked (he logs in again through radgate); the others keep their sessions.
    expect(router.rows('/ppp/active').map((r) => r['name'])).toEqual(['alice', 'bob', 'carol', 'grace', 'mgmt']);
    // erin's session is closed in radgate.
    const [erin] = await database.db.select().from(sessions).where(eq(sessions.id, erinSession));
    expect(erin?.stoppedAt).toBeInstanceOf(Date);
    expect(erin?.terminateCause).toBe('Lost-Service');
    // The unpaid list holds exactly the unpaid online subscribers; other lists untouched.
    const unpaid = router.rows('/ip/firewall/address-list').filter((r) => r['list'] === 'radgate-unpaid');
    expect(unpaid.map((r) => [r['address'], r['comment']])).toEqual([['10.20.0.3', 'radgate-user:bob'], ['10.20.0.4', 'radgate-user:carol']]);
    expect(router.rows('/ip/firewall/address-list').filter((r) => r['list'] !== 'radgate-unpaid')).toHaveLength(2);
    expect(describeReconcile(report, 'radgate-unpaid')).toContain('6 drift(s), 6 fixed:');

    const again = await reconcile('core-1', ports, { fix: true });
    expect(again.drift).toEqual([]);
    expect(describeReconcile(again, 'radgate-unpaid')).toBe('NAS core-1: 5 session(s) on the router, 4 open in radgate, 2 address(es) in radgate-unpaid\nno drift');
  });

  it('a fix the router refuses is reported, and the others still happen; progress counts every drift handled', async () => {
    await seedDrift();
    router.inject('/ip/firewall/address-list/add', { trap: { category: 1, message: 'failure: already have such entry' } });
    const nas = config.nas.find((n) => n.name === 'core-1')!;
    const progress: Array<[number, number]> = [];
    const report = await reconcile('core-1', databaseReconcilePorts(config, nas, database, client), { fix: true, onProgress: (done, total) => progress.push([done, total]) });
    // The gone sessions are closed in one transaction (one report), then each other drift, the refused one too.
    expect(progress).toEqual([[1, 6], [2, 6], [3, 6], [4, 6], [5, 6], [6, 6]]);
    const failed = report.fixes!.filter((f) => !f.ok);
    expect(failed.map((f) => [f.drift.kind, f.detail])).toEqual([['unpaid-missing', expect.stringContaining('failure: already have such entry')]]);
    expect(report.fixes!.filter((f) => f.ok)).toHaveLength(5);
    expect(describeReconcile(report, 'radgate-unpaid')).toContain('6 drift(s), 5 fixed, 1 NOT fixed:');
  });

  it('matches sessions by Acct-Session-Id however the router writes it, else by user and address', () => {
    const drift = findDrift({
      routerSessions: [
        { id: '*1', service: 'ppp', user: 'a', address: '10.0.0.1', sessionId: '0x00ABC', radius: true },
        { id: '*2', service: 'hotspot', user: 'b', address: '10.0.0.2', sessionId: undefined, radius: true },
      ],
      radgateSessions: [
        { id: 1, subscriberId: 1, username: 'a', acctSessionId: 'abc', framedIpAddress: '10.0.0.99' },
        { id: 2, subscriberId: 2, username: 'b', acctSessionId: 'zzz', framedIpAddress: '10.0.0.2' },
      ],
      entries: [],
      statuses: new Map(),
      restricted: () => false,
    });
    expect(drift).toEqual([]);
  });

  it('runs periodically when configured, correcting drift with reconcile_fix', async () => {
    await seedDrift();
    let now = 1_000_000;
    const runs: unknown[] = [];
    const routers = new RouterOsPool();
    const schedule = new ReconcileSchedule({
      config: () => config, database, routers, log: createLogger({ level: 'silent' }), clock: () => now, tickMs: 3_600_000,
      onRun: (r) => runs.push(r),
    });
    schedule.start();
    try {
      now += 30_000;
      await schedule.tick();
      expect(runs).toEqual([]); // not due yet (interval 1m)
      now += 31_000;
      await schedule.tick();
      expect(runs).toHaveLength(1);
      const report = runs[0] as Awaited<ReturnType<typeof reconcile>>;
      expect(report.drift).toHaveLength(6);
      expect(report.fixes?.every((f) => f.ok)).toBe(true);
      now += 10_000;
      await schedule.tick();
      expect(runs).toHaveLength(1); // next run one interval after the last
    } finally {
      await schedule.stop();
      await routers.closeAll();
    }
  });
});
