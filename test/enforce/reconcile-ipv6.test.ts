/**
 * reconcile with `router.ipv6: true` (docs/routeros.md §15): the IPv6 unpaid list (`/ipv6/firewall/address-list`)
 * against the IPv6 prefixes accounting gave radgate's open sessions (recorded through the accounting upsert), over
 * the fake RouterOS API — each drift kind found, fixed, and gone on the next run. PGlite or PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { sessions, subscribers, type SubscriberStatus } from '../../src/db/schema.js';
import { describeReconcile, ipv6PrefixKey, reconcile, type Drift } from '../../src/enforce/reconcile.js';
import { databaseReconcilePorts } from '../../src/enforce/reconcile-db.js';
import { RouterOsClient } from '../../src/routeros/api.js';
import { applySessionUpdates } from '../../src/sessions/store.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { newSubscriber, recordsOn } from '../helpers/subscribers.js';
import { removeRouterConfigs, routerConfig } from '../routeros/router-config.js';

afterAll(removeRouterConfigs);

let testDb: TestDatabase;
let database: DatabaseHandle;
let router: FakeRouterOs;
let client: RouterOsClient;
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
  await database.db.delete(sessions);
  await database.db.delete(subscribers);
  const people: Array<[string, SubscriberStatus]> = [['alice', 'active'], ['bob', 'expired'], ['carol', 'expired']];
  for (const [username, status] of people) {
    ids.set(username, (await recordsOn(database).add(newSubscriber({ username, plan: 'home-10', status }))).id);
  }
});

afterEach(async () => {
  await client.close();
  await router.stop();
});

const configWith = async (router: FakeRouterOs, ipv6: boolean): Promise<Config> => loadConfig(routerConfig({
  core: { api: { host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw' } },
  coreRouter: ipv6 ? { ipv6: true } : {},
}), {});

/** A Start as the accounting handler records it, with the session's IPv6 prefixes. */
async function start(username: string, acctSessionId: string, framed: string | null, delegated: string | null): Promise<void> {
  const now = new Date();
  await applySessionUpdates(database.db, [{
    status: 'Start', workspaceId: 'default', nasName: 'core-1', nasAddress: '10.0.0.1', nasIpAddress: '10.0.0.1', nasIdentifier: 'core-1',
    acctSessionId, class: '', username, subscriberId: ids.get(username) ?? null, framedIpAddress: null, framedIpv6Prefix: framed,
    delegatedIpv6Prefix: delegated, framedInterfaceId: null, callingStationId: null, calledStationId: null, nasPortId: null,
    eventAt: now, startedAt: now, interimInterval: 300, sessionTime: 0, inputOctets: 0n, outputOctets: 0n, inputPackets: 0,
    outputPackets: 0, terminateCause: null,
  }]);
}

/** One IPv6 drift of each kind, and bob in order (one of his prefixes written the long way). */
async function seedDrift(bobOnline = true): Promise<void> {
  // IPv6-only sessions: no IPv4 address, so every drift found is IPv6's.
  router.seed('/ppp/active', [
    { name: 'alice', 'session-id': '0x81A00001', radius: 'true' },
    ...(bobOnline ? [{ name: 'bob', 'session-id': '0x81A00002', radius: 'true' }] : []),
    { name: 'carol', 'session-id': '0x81A00003', radius: 'true' },
  ]);
  await start('alice', '81a00001', '2001:db8:a::/64', '2001:db8:aa00::/56');
  await start('bob', '81a00002', '2001:db8:b::/64', '2001:db8:bb00::/56');
  await start('carol', '81a00003', null, '2001:db8:cc00::/56');
  router.seed('/ipv6/firewall/address-list', [
    { list: 'radgate-unpaid', address: '2001:db8:a::/64', comment: 'radgate-user:alice' }, // alice pays
    { list: 'radgate-unpaid', address: '2001:db8:b::/64', comment: 'radgate-user:bob' },
    { list: 'radgate-unpaid', address: '2001:0db8:bb00:0000::/56', comment: 'radgate-user:bob' },
    { list: 'radgate-unpaid', address: '2001:db8:dead::/48', comment: 'radgate-user:gone' }, // nobody's
    { list: 'bad_ipv6', address: '2001:db8::/32', comment: 'defconf: documentation' },
  ]);
}

const kinds = (drift: readonly Drift[]) => drift.map((d) => {
  switch (d.kind) {
    case 'stale-entry': return `stale-entry ${d.entry.address}`;
    case 'paying-listed': return `paying-listed ${d.entry.address} ${d.user}`;
    case 'unpaid-missing': return `unpaid-missing ${d.address} ${d.user} v${d.family ?? 4}`;
    default: return d.kind;
  }
});

describe('reconcile of the IPv6 unpaid list', () => {
  it('finds each kind of IPv6 drift, and only drift', async () => {
    await seedDrift();
    const config = await configWith(router, true);
    const report = await reconcile('core-1', databaseReconcilePorts(config, config.nas.find((n) => n.name === 'core-1')!, database, client));
    expect(kinds(report.drift)).toEqual([
      'paying-listed 2001:db8:a::/64 alice',
      'stale-entry 2001:db8:dead::/48',
      'unpaid-missing 2001:db8:cc00::/56 carol v6',
    ]);
    const text = describeReconcile(report, 'radgate-unpaid');
    expect(text).toContain('0 address(es) in radgate-unpaid, 4 IPv6 prefix(es) in radgate-unpaid (IPv6)');
    expect(text).toContain('paying-listed    IPv6 2001:db8:a::/64: alice is active, should not be restricted');
    expect(text).toContain('stale-entry      IPv6 2001:db8:dead::/48 (radgate-user:gone): listed, but no session holds this IPv6 prefix');
    expect(text).toContain('unpaid-missing   carol at 2001:db8:cc00::/56 is expired, not in the IPv6 unpaid list');
    expect(router.commands.every((c) => c.words[0]!.endsWith('/print'))).toBe(true);
  });

  it('--fix corrects each one on /ipv6/firewall/address-list; a second run finds none', async () => {
    await seedDrift();
    const config = await configWith(router, true);
    const ports = databaseReconcilePorts(config, config.nas.find((n) => n.name === 'core-1')!, database, client);
    const report = await reconcile('core-1', ports, { fix: true });
    expect(report.fixes?.map((f) => [f.drift.kind, f.ok, f.detail])).toEqual([
      ['paying-listed', true, 'removed 2001:db8:a::/64 from radgate-unpaid (IPv6)'],
      ['stale-entry', true, 'removed 2001:db8:dead::/48 from radgate-unpaid (IPv6)'],
      ['unpaid-missing', true, 'listed 2001:db8:cc00::/56 in radgate-unpaid (IPv6)'],
    ]);
    const unpaid = router.rows('/ipv6/firewall/address-list').filter((r) => r['list'] === 'radgate-unpaid');
    expect(unpaid.map((r) => [r['address'], r['comment']])).toEqual([
      ['2001:db8:b::/64', 'radgate-user:bob'], ['2001:0db8:bb00:0000::/56', 'radgate-user:bob'], ['2001:db8:cc00::/56', 'radgate-user:carol'],
    ]);
    // The IPv4 list and other IPv6 lists are untouched.
    expect(router.rows('/ip/firewall/address-list')).toEqual([]);
    expect(router.rows('/ipv6/firewall/address-list').filter((r) => r['list'] === 'bad_ipv6')).toHaveLength(1);

    const again = await reconcile('core-1', ports, { fix: true });
    expect(again.drift).toEqual([]);
  });

  it('a session radgate has but the router no longer lists does not hold its prefix', async () => {
    await seedDrift(false);
    const config = await configWith(router, true);
    const report = await reconcile('core-1', databaseReconcilePorts(config, config.nas.find((n) => n.name === 'core-1')!, database, client));
    expect(kinds(report.drift)).toEqual([
      'gone-session',
      'paying-listed 2001:db8:a::/64 alice',
      'stale-entry 2001:db8:b::/64',
      'stale-entry 2001:0db8:bb00:0000::/56',
      'stale-entry 2001:db8:dead::/48',
      'unpaid-missing 2001:db8:cc00::/56 carol v6',
    ]);
  });

  it('without router.ipv6 the IPv6 list is never read', async () => {
    await seedDrift();
    const config = await configWith(router, false);
    const report = await reconcile('core-1', databaseReconcilePorts(config, config.nas.find((n) => n.name === 'core-1')!, database, client));
    expect(report.drift).toEqual([]);
    expect(report.listed6).toBeUndefined();
    expect(router.commands.some((c) => c.words[0]!.startsWith('/ipv6/'))).toBe(false);
  });

  it('prefix keys: one text per network, bare addresses as /128, non-IPv6 refused', () => {
    expect(ipv6PrefixKey('2001:0DB8:0001:0000::/64')).toBe('2001:db8:1::/64');
    expect(ipv6PrefixKey('2001:db8::1')).toBe('2001:db8::1/128');
    expect(ipv6PrefixKey('2001:db8:1:2::5/48')).toBe('2001:db8:1::/48');
    expect(ipv6PrefixKey('10.0.0.0/8')).toBeUndefined();
    expect(ipv6PrefixKey('2001:db8::/129')).toBeUndefined();
    expect(ipv6PrefixKey('pay.isp.example')).toBeUndefined();
  });
});
