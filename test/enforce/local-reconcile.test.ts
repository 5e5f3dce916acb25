/**
 * Reconcile with router-local subscribers (docs/mixed-fleet.md, docs/routeros.md §6): their sessions learned from
 * `/ppp/active` and `/ip/hotspot/active` into radgate and closed when they leave, accounting for the same session
 * not duplicated, and the entry drift kinds (`local-entry-drift`, `local-entry-lost`, `unknown-entry`) found and
 * fixed — checked on the fake router's tables afterwards. Both databases (PGlite, or PostgreSQL with DATABASE_URL).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { reconcileCommand } from '../../src/cli/router-commands.js';
import { loadConfig, type Config, type NasConfig } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { sessions, subscribers, type SessionRow, type SubscriberRow } from '../../src/db/schema.js';
import { planLocalSessions, routerUptimeSeconds } from '../../src/enforce/local-sessions.js';
import { describeDrift, describeReconcile, findDrift, learnLocalSessions, reconcile, type Drift } from '../../src/enforce/reconcile.js';
import { databaseReconcilePorts } from '../../src/enforce/reconcile-db.js';
import { ReconcileSchedule } from '../../src/enforce/reconcile-schedule.js';
import { createLogger } from '../../src/log.js';
import { RouterOsClient, RouterOsError, RouterOsPool } from '../../src/routeros/api.js';
import { applySessionUpdates, listSessions, sweepStaleSessions, type SessionUpdate } from '../../src/sessions/store.js';
import { SubscriberRecords } from '../../src/subscribers/records.js';
import { PasswordVault } from '../../src/subscribers/vault.js';
import { defaultLookup } from '../../src/web/reminder/captive.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { catalogOf, newSubscriber, type SubscriberInput } from '../helpers/subscribers.js';
import { removeRouterConfigs, routerConfig } from '../routeros/router-config.js';

afterAll(removeRouterConfigs);

const KEY = randomBytes(32);
let testDb: TestDatabase;
let database: DatabaseHandle;
let router: FakeRouterOs;
let client: RouterOsClient;
let config: Config;
let nas: NasConfig;
let records: SubscriberRecords;
let configDir: string;

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
  client = new RouterOsClient({ name: 'core-1', host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeoutSeconds: 5 });
  configDir = routerConfig({ core: { api: { host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeout: '5s' } } });
  config = await loadConfig(configDir, {});
  nas = config.nas.find((n) => n.name === 'core-1')!;
  records = new SubscriberRecords(database, PasswordVault.fromKey(KEY), catalogOf(() => config));
  await database.db.delete(sessions);
  await database.db.delete(subscribers);
});

afterEach(async () => {
  await client.close();
  await router.stop();
});

const local = (input: SubscriberInput) => records.add(newSubscriber({ auth: 'local', localNas: 'core-1', ...input }));
const ports = () => databaseReconcilePorts(config, nas, database, client, { vault: () => PasswordVault.fromKey(KEY) });
const openRows = async (): Promise<SessionRow[]> => (await listSessions(database.db, { nasName: 'core-1' })).sort((a, b) => a.id - b.id);
const writes = () => router.commands.map((c) => c.words[0]!).filter((w) => !w.endsWith('/print'));
const kinds = (drift: readonly Drift[]) => drift.map((d) => describeDrift(d).split(':')[0]!.replace(/\s+/g, ' '));

/** What the accounting handler would write for a Start without Class (a router sending accounting for local users). */
function accountingStart(row: Pick<SubscriberRow, 'id'>, username: string, acctSessionId: string, ip: string): SessionUpdate {
  const now = new Date();
  return {
    status: 'Start', workspaceId: 'default', nasName: 'core-1', nasAddress: '10.0.0.1', nasIpAddress: '10.0.0.1', nasIdentifier: 'core-1',
    acctSessionId, class: '', username, subscriberId: row.id, framedIpAddress: ip, callingStationId: null, calledStationId: null,
    nasPortId: null, eventAt: now, startedAt: now, interimInterval: 300, sessionTime: 0, inputOctets: 0n, outputOctets: 0n,
    inputPackets: 0, outputPackets: 0, terminateCause: null,
  };
}

describe('sessions of router-local subscribers', () => {
  it('learns them from /ppp/active and /ip/hotspot/active, keeps them while listed, closes them when they leave', async () => {
    const lucy = await local({ username: 'lucy' });
    const quinn = await local({ username: 'quinn', localName: 'q-router' });
    const hana = await local({ username: 'hana', localService: 'hotspot' });
    router.seed('/ppp/secret', [
      { name: 'lucy', password: 'x', profile: 'home', service: 'any', disabled: 'false' },
      { name: 'q-router', password: 'x', profile: 'home', service: 'any', disabled: 'false' },
      { name: 'mgmt', password: 'x', profile: 'default', service: 'any', disabled: 'false' },
    ]);
    router.seed('/ip/hotspot/user', [{ name: 'hana', password: 'x', profile: 'home', disabled: 'false' }]);
    router.seed('/ppp/active', [
      { name: 'lucy', address: '10.30.0.2', 'session-id': '0x81B00001', 'caller-id': 'AA:BB:CC:00:00:02', uptime: '1h2m3s', radius: 'false' },
      { name: 'q-router', address: '10.30.0.3', 'session-id': '0x81B00002', radius: 'false' },
      { name: 'mgmt', address: '10.30.0.9', 'session-id': '0x81B00009', radius: 'false' }, // not radgate's: left alone
    ]);
    router.seed('/ip/hotspot/active', [{ user: 'hana', address: '10.31.0.5', 'mac-address': 'AA:BB:CC:00:00:05', radius: 'false' }]);

    const before = Date.now();
    const report = await reconcile('core-1', ports());
    expect(report.learned).toEqual({ opened: 3, touched: 0, closed: 0, attached: 0 });
    expect(kinds(report.drift)).toEqual(['unknown-entry /ppp/secret mgmt (profile default)']);
    expect(writes()).toEqual([]); // learning writes radgate's sessions, never the router
    const rows = await openRows();
    expect(rows.map((r) => [r.username, r.subscriberId, r.acctSessionId, r.framedIpAddress, r.callingStationId, r.learnedFrom, r.nasName, r.nasAddress, r.workspaceId])).toEqual([
      ['lucy', lucy.id, '81b00001', '10.30.0.2', 'AA:BB:CC:00:00:02', 'router', 'core-1', '10.0.0.1', 'default'],
      ['q-router', quinn.id, '81b00002', '10.30.0.3', null, 'router', 'core-1', '10.0.0.1', 'default'],
      ['hana', hana.id, expect.stringMatching(/^routeros\*/), '10.31.0.5', 'AA:BB:CC:00:00:05', 'router', 'core-1', '10.0.0.1', 'default'],
    ]);
    // The router's uptime dates the start (1h2m3s before the run; a second of slack for the database's clock).
    expect(Math.abs(rows[0]!.startedAt.getTime() - (before - 3723_000))).toBeLessThan(5_000);
    expect(describeReconcile(report, 'radgate-unpaid')).toContain('router-local sessions: 3 learned, 0 closed');

    // Again: nothing new, the three are touched.
    expect((await reconcile('core-1', ports())).learned).toEqual({ opened: 0, touched: 3, closed: 0, attached: 0 });
    expect(await openRows()).toHaveLength(3);

    // lucy logs off: her session is closed as radgate-inferred, Lost-Service.
    const active = router.table('/ppp/active');
    active.splice(active.findIndex((r) => r['name'] === 'lucy'), 1);
    const learned = await learnLocalSessions(ports());
    expect(learned).toEqual({ opened: 0, touched: 2, closed: 1, attached: 0 });
    const [gone] = await listSessions(database.db, { username: 'lucy', closedOnly: true });
    expect(gone).toMatchObject({ terminateCause: 'Lost-Service', closedBy: 'stale' });
    expect((await openRows()).map((r) => r.username)).toEqual(['q-router', 'hana']);
  });

  it('hostile values in a listed row are normalised and never fail the batch of good ones', async () => {
    const lucy = await local({ username: 'lucy' });
    const mia = await local({ username: 'mia' });
    router.seed('/ppp/active', [
      { name: 'lucy', address: 'pool\u0000 gone', 'session-id': 'id\u0000\nwith\tjunk', 'caller-id': `A\u0000B\u001b[31m${'x'.repeat(500)}`, uptime: '9'.repeat(400) + 's', radius: 'false' },
      { name: 'mia', address: '10.30.0.4', 'session-id': '0x81B00004', radius: 'false' },
      { name: 'mia', address: '10.30.0.4', 'session-id': '0x81b00004', radius: 'false' }, // listed twice
    ]);
    expect((await learnLocalSessions(ports()))?.opened).toBe(2);
    const rows = (await openRows()).sort((a, b) => a.username.localeCompare(b.username));
    expect(rows.map((r) => [r.subscriberId, r.acctSessionId, r.framedIpAddress, r.callingStationId])).toEqual([
      [lucy.id, expect.stringMatching(/^routeros\*[0-9A-F]+$/), null, `AB[31m${'x'.repeat(58)}`],
      [mia.id, '81b00004', '10.30.0.4', null],
    ]);
  });

  it('the captive redirect finds the local subscriber by the learned session\'s address', async () => {
    const lucy = await local({ username: 'lucy', status: 'expired' });
    router.seed('/ppp/active', [{ name: 'lucy', address: '10.30.0.2', 'session-id': '0x81B00001', radius: 'false' }]);
    expect(await defaultLookup(database.db)('10.30.0.2')).toBeUndefined();
    await learnLocalSessions(ports());
    expect(await defaultLookup(database.db)('10.30.0.2')).toEqual({ subscriberId: lucy.id, workspaceId: 'default' });
  });

  it('accounting for the same session does not make a second one', async () => {
    const lucy = await local({ username: 'lucy' });
    const mia = await local({ username: 'mia' });
    const olga = await local({ username: 'olga', localName: 'olga-r' });
    router.seed('/ppp/active', [
      { name: 'lucy', address: '10.30.0.2', 'session-id': '0x81B00001', radius: 'false' },
      { name: 'mia', address: '10.30.0.4', 'session-id': '0x81B00004', radius: 'false' },
      { name: 'olga-r', address: '10.30.0.6', 'session-id': '0x81B00006', radius: 'false' },
    ]);
    // lucy: accounting came first (the router sends it for local users too): not learned again.
    await applySessionUpdates(database.db, [accountingStart(lucy, 'lucy', '81b00001', '10.30.0.2')]);
    // olga: accounting whose User-Name (her router-side name) the handler could not tie to her.
    await applySessionUpdates(database.db, [accountingStart({ id: null as never }, 'olga-r', '81b00006', '10.30.0.6')]);
    expect((await learnLocalSessions(ports()))).toEqual({ opened: 1, touched: 0, closed: 0, attached: 1 });
    let rows = await openRows();
    expect(rows.map((r) => [r.username, r.learnedFrom, r.subscriberId])).toEqual([
      ['lucy', 'accounting', lucy.id], ['olga-r', 'accounting', olga.id], ['mia', 'router', mia.id],
    ]);

    // mia: accounting starts after radgate learned her session, with the same Acct-Session-Id: it takes the row over.
    await applySessionUpdates(database.db, [accountingStart(mia, 'mia', '81b00004', '10.30.0.4')]);
    rows = await openRows();
    expect(rows.filter((r) => r.username === 'mia').map((r) => r.learnedFrom)).toEqual(['accounting']);

    // A router-learned row that accounting under another session id (same address) now covers is closed.
    router.seed('/ppp/active', [{ name: 'lucy', address: '10.30.0.12', 'session-id': '0x81B00012', radius: 'false' }]);
    expect((await learnLocalSessions(ports()))?.opened).toBe(1);
    await applySessionUpdates(database.db, [accountingStart(lucy, 'lucy', 'ffee0012', '10.30.0.12')]);
    expect((await learnLocalSessions(ports()))?.closed).toBe(1);
    rows = await openRows();
    expect(rows.filter((r) => r.username === 'lucy').map((r) => [r.acctSessionId, r.learnedFrom])).toEqual([['81b00001', 'accounting'], ['ffee0012', 'accounting']]);
    // Nothing of this was reported as drift of the RADIUS kinds.
    const report = await reconcile('core-1', ports());
    expect(report.drift.filter((d) => d.kind === 'unknown-session' || d.kind === 'gone-session')).toEqual([]);
  });

  it('a learned session the stale sweep closed while the router was away is reopened when it is listed again', async () => {
    const lucy = await local({ username: 'lucy' });
    router.seed('/ppp/active', [{ name: 'lucy', address: '10.30.0.2', 'session-id': '0x81B00001', radius: 'false' }]);
    await learnLocalSessions(ports());
    const swept = await sweepStaleSessions(database.db, { now: new Date(Date.now() + 3600_000), factor: 3 });
    expect(swept.map((c) => c.subscriberId)).toEqual([lucy.id]);
    expect(await openRows()).toEqual([]);
    expect((await learnLocalSessions(ports()))?.opened).toBe(1);
    expect((await openRows()).map((r) => [r.username, r.stoppedAt, r.closedBy])).toEqual([['lucy', null, null]]);
    expect(await listSessions(database.db, { all: true })).toHaveLength(1); // the same row, not a second one
  });
});

describe('entry drift of router-local subscribers', () => {
  /** One subscriber per kind, and some in order. */
  async function seedEntries() {
    const people = {
      lucy: await local({ username: 'lucy' }), // in order
      mark: await local({ username: 'mark', status: 'expired' }), // entry still on the plan's profile
      nina: await local({ username: 'nina', status: 'suspended' }), // entry still enabled
      oscar: await local({ username: 'oscar', password: 'Oscar-Pa$$ 1' }), // entry gone
      pete: await local({ username: 'pete', ntHash: '8846f7eaee8fb117ad06bdd830b7586c' }), // gone, NT hash only
      hana: await local({ username: 'hana', localService: 'hotspot', status: 'expired' }), // HotSpot, wrong profile
      vic: await local({ username: 'vic', localName: 'vic-r', status: 'disabled' }), // disabled: in order
    };
    router.seed('/ppp/secret', [
      { name: 'lucy', password: 'pw-lucy', profile: 'home', service: 'any', disabled: 'false' },
      { name: 'mark', password: 'pw-mark', profile: 'home', service: 'pppoe', disabled: 'false' },
      { name: 'nina', password: 'pw-nina', profile: 'home', service: 'any', disabled: 'false', comment: 'radgate:old-name' },
      { name: 'vic-r', password: 'pw-vic', profile: 'home', service: 'any', disabled: 'true' },
      { name: 'site-b', password: 'tunnel-Secret-9', profile: 'home', service: 'l2tp', disabled: 'false', comment: 'tunnel to site B' },
      { name: 'walt', password: 'pw-walt', profile: 'default', service: 'any', disabled: 'true', comment: 'radgate:migrating' },
    ]);
    router.seed('/ip/hotspot/user', [
      { name: 'hana', password: 'pw-hana', profile: 'home', disabled: 'false', comment: 'room 12' },
      { name: 'default-trial', dynamic: 'true' },
    ]);
    router.seed('/ppp/active', [
      { name: 'mark', address: '10.30.0.3', 'session-id': '0x81B00003', radius: 'false' },
      { name: 'nina', address: '10.30.0.4', 'session-id': '0x81B00004', radius: 'false' },
      { name: 'lucy', address: '10.30.0.2', 'session-id': '0x81B00002', radius: 'false' },
    ]);
    router.seed('/ip/hotspot/active', [{ user: 'hana', address: '10.31.0.5', radius: 'false' }]);
    return people;
  }

  it('finds each kind; reporting changes nothing on the router', async () => {
    await seedEntries();
    const report = await reconcile('core-1', ports());
    expect(report.drift.map(describeDrift)).toEqual([
      // Local subscribers who should be restricted belong on the unpaid list as RADIUS ones do.
      'unpaid-missing   mark at 10.30.0.3 is expired, not in the unpaid list',
      'unpaid-missing   hana at 10.31.0.5 is expired, not in the unpaid list',
      'local-entry-drift /ppp/secret mark: enabled, profile home; expired wants expired profile (expired)',
      'local-entry-drift /ppp/secret nina: enabled, profile home; suspended wants disabled (suspended)',
      'local-entry-lost /ppp/secret oscar: router-local subscriber (active) has no entry on the router',
      'local-entry-lost /ppp/secret pete: router-local subscriber (active) has no entry on the router — radgate holds only the NT hash of its password, which a router entry cannot take: recreate it by hand, or set a password (radgate subscriber password)',
      'local-entry-drift /ip/hotspot/user hana: enabled, profile home; expired wants expired profile (expired)',
      'unknown-entry    /ppp/secret site-b (profile home): no router-local subscriber of this NAS has this name',
    ]);
    expect(report.localEntries).toBe(7); // the dynamic trial user is not an entry anyone owns
    expect(writes()).toEqual([]);
    // No password was asked of the router (only the adoption reads one).
    expect(router.commands.filter((c) => c.words[0] === '/ppp/secret/print').every((c) => !c.words.some((w) => w.includes('password')))).toBe(true);
  });

  it('--fix corrects each kind on the router, kicks the sessions it changed, and a second run finds only the unfixable', async () => {
    await seedEntries();
    const report = await reconcile('core-1', ports(), { fix: true });
    expect(report.fixes!.map((f) => [f.drift.kind, f.ok, f.skipped ?? false])).toEqual([
      ['unpaid-missing', true, false], ['unpaid-missing', true, false],
      ['local-entry-drift', true, false], ['local-entry-drift', true, false], ['local-entry-lost', true, false],
      ['local-entry-lost', false, false], ['local-entry-drift', true, false], ['unknown-entry', false, true],
    ]);
    const secret = (name: string) => router.rows('/ppp/secret').find((r) => r['name'] === name);
    expect(secret('mark')).toMatchObject({ profile: 'expired', disabled: 'no', service: 'pppoe', password: 'pw-mark', comment: 'radgate:mark' });
    expect(secret('nina')).toMatchObject({ profile: 'home', disabled: 'yes', comment: 'radgate:nina' });
    expect(secret('oscar')).toEqual({
      '.id': expect.any(String), name: 'oscar', password: 'Oscar-Pa$$ 1', service: 'any', profile: 'home', disabled: 'no', comment: 'radgate:oscar',
    });
    expect(secret('pete')).toBeUndefined();
    expect(secret('site-b')).toMatchObject({ profile: 'home', disabled: 'false', comment: 'tunnel to site B' }); // untouched
    // An operator's own comment stays.
    expect(router.rows('/ip/hotspot/user').find((r) => r['name'] === 'hana')).toMatchObject({ profile: 'expired', disabled: 'no', comment: 'room 12' });
    // mark, nina and hana were kicked so the change takes effect; lucy keeps her session.
    expect(router.rows('/ppp/active').map((r) => r['name'])).toEqual(['lucy']);
    expect(router.rows('/ip/hotspot/active')).toEqual([]);
    const text = describeReconcile(report, 'radgate-unpaid');
    expect(text).toContain('8 drift(s), 6 fixed, 1 NOT fixed, 1 left alone:');
    expect(text).toContain('FAILED local-entry-lost /ppp/secret pete');
    expect(text).toContain('left   unknown-entry    /ppp/secret site-b');
    expect(text).not.toContain('Oscar-Pa$$'); // the password went to the router, nowhere else

    // The kicked sessions' list entries are stale now (their next login lists them again, by the expired profile).
    const again = await reconcile('core-1', ports(), { fix: true });
    expect(again.drift.map((d) => d.kind)).toEqual(['stale-entry', 'stale-entry', 'local-entry-lost', 'unknown-entry']);
    expect((await reconcile('core-1', ports())).drift.map((d) => d.kind)).toEqual(['local-entry-lost', 'unknown-entry']);
  });

  it('the CLI: --adopt needs --fix; --fix leaves the unknown entry; --fix --adopt imports it as a local subscriber', async () => {
    await local({ username: 'lucy' });
    router.seed('/ppp/secret', [
      { name: 'lucy', password: 'pw-lucy', profile: 'home', service: 'any', disabled: 'false' },
      { name: 'site-b', password: 'tunnel-Secret-9', profile: 'home', service: 'any', disabled: 'false' },
      { name: 'bad name', password: 'x', profile: 'home', service: 'any', disabled: 'false' },
    ]);
    const ctx = cliContext();
    await expect(reconcileCommand(ctx, ['core-1', '--adopt'])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('--fix --adopt') });

    const plain = await reconcileCommand(ctx, ['core-1', '--fix', '--quiet']);
    expect(plain.exitCode).toBe(0); // unknown entries are reported, not drift left
    expect(plain.text).toContain('2 drift(s), 0 fixed, 2 left alone:');
    expect(writes()).toEqual([]);
    expect(await records.find('default', 'site-b')).toBeUndefined();

    const adopted = await reconcileCommand(ctx, ['core-1', '--fix', '--adopt', '--quiet']);
    expect(adopted.text).toContain('fixed  unknown-entry    /ppp/secret site-b');
    expect(adopted.text).toContain('adopted as router-local subscriber site-b (account site-b, plan home-10 from profile home (its router profile), active)');
    expect(adopted.text).toContain('FAILED unknown-entry    /ppp/secret bad name');
    expect(adopted.text).toContain('not adopted: the name contains spaces');
    expect(adopted.exitCode).toBe(1);
    expect(adopted.text).not.toContain('tunnel-Secret-9');
    const site = await records.find('default', 'site-b');
    expect(site).toMatchObject({ auth: 'local', localNas: 'core-1', localService: 'ppp', plan: 'home-10', status: 'active' });
    expect(PasswordVault.fromKey(KEY).decrypt(site!.passwordEnc!)).toBe('tunnel-Secret-9');
    expect(writes()).toEqual([]); // adopting changes radgate, not the router
    const after = await reconcileCommand(ctx, ['core-1', '--quiet']);
    expect(after.text).not.toContain('site-b');
  });

  it('a router that is down or refuses is a clear error; the periodic run logs it and goes on', async () => {
    await local({ username: 'lucy' });
    router.inject('/ppp/secret/print', { trap: { category: 1, message: 'not enough permissions (9)' } });
    await expect(reconcile('core-1', ports())).rejects.toThrow(/not enough permissions/);
    router.clearInjections();
    await router.stop();
    const down = reconcile('core-1', ports());
    await expect(down).rejects.toBeInstanceOf(RouterOsError);
    await expect(down).rejects.toThrow(/core-1/);

    let now = 1_000_000;
    const runs: unknown[] = [];
    const routers = new RouterOsPool();
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => (lines.push(line), true) } as never });
    const schedule = new ReconcileSchedule({ config: () => config, database, routers, log, clock: () => now, tickMs: 3_600_000, onLearn: (r) => runs.push(r) });
    schedule.start();
    try {
      now += 61_000;
      await schedule.tick();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toBeInstanceOf(Error);
      expect(lines.join('')).toContain('learning router-local sessions failed');
      router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' }); // for afterEach
    } finally {
      await schedule.stop();
      await routers.closeAll();
    }
  });
});

describe('the periodic run', () => {
  it('learns local sessions every minute on a NAS without reconcile_interval, and never writes the router', async () => {
    const lucy = await local({ username: 'lucy' });
    router.seed('/ppp/secret', [{ name: 'lucy', password: 'pw-lucy', profile: 'default', service: 'any', disabled: 'false' }]); // drifted
    router.seed('/ppp/active', [{ name: 'lucy', address: '10.30.0.2', 'session-id': '0x81B00001', radius: 'false' }]);
    let now = 1_000_000;
    const learned: unknown[] = [];
    const runs: unknown[] = [];
    const routers = new RouterOsPool();
    const schedule = new ReconcileSchedule({
      config: () => config, database, routers, log: createLogger({ level: 'silent' }), clock: () => now, tickMs: 3_600_000,
      onLearn: (r) => learned.push(r), onRun: (r) => runs.push(r),
    });
    schedule.start();
    try {
      now += 30_000;
      await schedule.tick();
      expect(learned).toEqual([]);
      now += 31_000;
      await schedule.tick();
      expect(learned).toEqual([{ opened: 1, touched: 0, closed: 0, attached: 0 }]);
      expect(runs).toEqual([]); // no reconcile_interval: no reconcile
      expect((await openRows()).map((r) => r.subscriberId)).toEqual([lucy.id]);
      expect(writes()).toEqual([]);
    } finally {
      await schedule.stop();
      await routers.closeAll();
    }
  });

  it('with reconcile_interval and reconcile_fix corrects entry drift, never adopts', async () => {
    config = await loadConfig(routerConfig({
      core: { api: { host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw' } },
      coreRouter: { reconcile_interval: '2m', reconcile_fix: true },
    }), {});
    nas = config.nas.find((n) => n.name === 'core-1')!;
    await local({ username: 'mark', status: 'expired' });
    router.seed('/ppp/secret', [
      { name: 'mark', password: 'pw-mark', profile: 'home', service: 'any', disabled: 'false' },
      { name: 'site-b', password: 'tunnel-Secret-9', profile: 'home', service: 'any', disabled: 'false' },
    ]);
    let now = 1_000_000;
    const runs: unknown[] = [];
    const learned: unknown[] = [];
    const routers = new RouterOsPool();
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => (lines.push(line), true) } as never });
    const schedule = new ReconcileSchedule({
      config: () => config, database, routers, log, clock: () => now, tickMs: 3_600_000,
      onRun: (r) => runs.push(r), onLearn: (r) => learned.push(r), vault: PasswordVault.fromKey(KEY),
    });
    schedule.start();
    try {
      now += 61_000;
      await schedule.tick(); // a learning pass between runs
      expect(learned).toHaveLength(1);
      expect(runs).toEqual([]);
      now += 61_000;
      await schedule.tick();
      expect(runs).toHaveLength(1);
      const report = runs[0] as Awaited<ReturnType<typeof reconcile>>;
      expect(report.fixes?.map((f) => [f.drift.kind, f.ok, f.skipped ?? false])).toEqual([['local-entry-drift', true, false], ['unknown-entry', false, true]]);
      expect(router.rows('/ppp/secret').map((r) => [r['name'], r['profile']])).toEqual([['mark', 'expired'], ['site-b', 'home']]);
      expect(await records.find('default', 'site-b')).toBeUndefined();
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l['msg']).startsWith('reconcile:'));
      expect(logged).toMatchObject({ level: 40, msg: 'reconcile: 2 drift(s)', kinds: { 'local-entry-drift': 1, 'unknown-entry': 1 }, left: 0 });
      // A run that finds only unknown entries says so at info.
      now += 121_000;
      await schedule.tick();
      const second = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l['msg']).startsWith('reconcile:'))[1];
      expect(second).toMatchObject({ level: 30, msg: 'reconcile: 1 drift(s)', kinds: { 'unknown-entry': 1 } });
    } finally {
      await schedule.stop();
      await routers.closeAll();
    }
  });
});

describe('the pure parts', () => {
  const want = { disabled: false, profile: 'home', label: 'plan home-10 (profile home)' };
  const sub = { id: 7, username: 'lucy', entryName: 'lucy', service: 'ppp' as const, status: 'active' as const, deleted: false, want, credential: 'password' as const };

  it('a RADIUS session of an unknown user is still kicked, a local subscriber\'s never, a non-RADIUS stranger\'s never', () => {
    const drift = findDrift({
      routerSessions: [
        { id: '*1', service: 'ppp', user: 'lucy', address: '10.0.0.1', sessionId: '0x1', radius: true }, // flag wrong or absent
        { id: '*2', service: 'ppp', user: 'dave', address: '10.0.0.2', sessionId: '0x2', radius: true },
        { id: '*3', service: 'ppp', user: 'mgmt', address: '10.0.0.3', sessionId: '0x3', radius: false },
      ],
      radgateSessions: [{ id: 1, subscriberId: 7, username: 'lucy', acctSessionId: '1', framedIpAddress: '10.0.0.1', learnedFrom: 'router' }],
      entries: [], statuses: new Map(), restricted: () => false, localSubscribers: [sub],
    });
    expect(drift.map((d) => `${d.kind} ${'session' in d && 'user' in d.session ? d.session.user : ''}`)).toEqual(['unknown-session dave']);
  });

  it('an expired local subscriber\'s address belongs on the unpaid list, like a RADIUS one\'s', () => {
    const expired = { ...sub, status: 'expired' as const };
    const drift = findDrift({
      routerSessions: [{ id: '*1', service: 'ppp', user: 'lucy', address: '10.0.0.1', sessionId: '0x1', radius: false }],
      radgateSessions: [], entries: [], statuses: new Map(), restricted: (s) => s === 'expired', localSubscribers: [expired],
    });
    expect(drift).toEqual([{ kind: 'unpaid-missing', user: 'lucy', address: '10.0.0.1', status: 'expired' }]);
    const listed = findDrift({
      routerSessions: [{ id: '*1', service: 'ppp', user: 'lucy', address: '10.0.0.1', sessionId: '0x1', radius: false }],
      radgateSessions: [], entries: [{ id: '*9', address: '10.0.0.1', comment: 'radgate-user:lucy', dynamic: false }],
      statuses: new Map(), restricted: (s) => s === 'expired', localSubscribers: [expired],
    });
    expect(listed).toEqual([]); // not a "stale entry held by a non-RADIUS session"
  });

  it('plans: learn what is listed, keep what is known, close what left or what accounting covers', () => {
    const plan = planLocalSessions({
      routerSessions: [
        { id: '*1', service: 'ppp', user: 'lucy', address: '10.0.0.1', sessionId: '0x81B00001', radius: false },
        { id: '*2', service: 'hotspot', user: 'lucy', address: '10.0.0.2', sessionId: undefined, radius: false }, // other service
      ],
      radgateSessions: [
        { id: 1, subscriberId: 7, username: 'lucy', acctSessionId: '81b00001', framedIpAddress: '10.0.0.1', learnedFrom: 'router' },
        { id: 2, subscriberId: 7, username: 'lucy', acctSessionId: '81b00009', framedIpAddress: '10.0.0.9', learnedFrom: 'router' },
      ],
      subscribers: [sub],
    });
    expect(plan).toEqual({ learn: [], touch: [1], close: [{ session: expect.objectContaining({ id: 2 }), why: 'gone' }], attach: [] });
  });

  it('reads RouterOS durations', () => {
    expect(routerUptimeSeconds('1h2m3s')).toBe(3723);
    expect(routerUptimeSeconds('1w2d3h4m5s')).toBe(7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(routerUptimeSeconds('2d03:04:05')).toBe(2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    expect(routerUptimeSeconds('500ms')).toBe(0);
    expect(routerUptimeSeconds('soon')).toBe(0);
    expect(routerUptimeSeconds(undefined)).toBe(0);
  });

  it('a router full of entries radgate does not know (HotSpot vouchers) lists 20 of them and counts the rest', () => {
    const drift: Drift[] = Array.from({ length: 25 }, (_, i) => ({
      kind: 'unknown-entry', entry: { id: `*${i}`, service: 'hotspot', name: `v${i}`, profile: 'default', disabled: false, comment: undefined }, radiusSubscriber: false,
    }));
    const report = { nas: 'hs-1', routerSessions: 0, radgateSessions: 0, listed: 0, drift, fixes: undefined };
    const text = describeReconcile(report, 'radgate-unpaid').split('\n');
    expect(text.filter((l) => l.includes('unknown-entry    /ip/hotspot/user'))).toHaveLength(20);
    expect(text.at(-1)).toBe('  … and 5 more unknown-entry (25 in all)');
    const fixed = describeReconcile({ ...report, fixes: drift.map((d) => ({ drift: d, ok: false, skipped: true as const, detail: 'left alone' })) }, 'radgate-unpaid').split('\n');
    expect(fixed[1]).toBe('25 drift(s), 0 fixed, 25 left alone:');
    expect(fixed.at(-1)).toBe('  … and 5 more unknown-entry left alone');
  });

  it('router text in a report stays on its line', () => {
    const line = describeDrift({ kind: 'unknown-entry', entry: { id: '*1', service: 'ppp', name: 'evil\nfixed  everything', profile: 'p\u001b[31m', disabled: false, comment: undefined }, radiusSubscriber: false });
    expect(line).not.toMatch(/[\n\u001b]/);
    expect(line).toContain('evil\\u000afixed');
  });
});

/** A CLI context on this test's config dir and database, with the test's password key. */
function cliContext(): CliContext {
  const ctx = new CliContext();
  Object.assign(ctx, { env: { configDir, dataDir: testDb.dataDir, databaseUrl: testDb.databaseUrl, passwordKey: KEY.toString('base64') } });
  ctx.db = async () => database;
  return ctx;
}
