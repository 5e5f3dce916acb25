/**
 * `import router-secrets` against a fake RouterOS (the real API wire protocol) and a running radgate: the import in
 * one transaction (dry run, idempotent re-run, differences, a clash mid-way), working credentials over RADIUS, and
 * the one-at-a-time move to RADIUS (apply, kick, confirmation by a RADIUS login, finish, rollback, a router that
 * traps or dies).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NasConfig } from '../../src/config/index.js';
import type { Tx } from '../../src/db/rows.js';
import type { SubscriberRow } from '../../src/db/schema.js';
import { RadgateError } from '../../src/errors.js';
import { countOutcomes } from '../../src/imports/report.js';
import { importRouterSecrets, readRouterEntries, type RouterSecretsOptions } from '../../src/imports/router-secrets.js';
import { applySwitches, confirmSwitches, finishSwitches, rollbackSwitches, switchStatus } from '../../src/imports/router-switch.js';
import { endpointOf, RouterOsClient } from '../../src/routeros/api.js';
import { SubscriberRecords, type NewSubscriber } from '../../src/subscribers/records.js';
import { eventually } from '../helpers/eventually.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { catalogOf, subscriberRecords } from '../helpers/subscribers.js';
import { acct, login } from '../sessions/helpers.js';

let t: TestRadgate;
let core1: FakeRouterOs; // the --as radius router (also the RADIUS client radclient plays, 127.0.0.1)
let core2: FakeRouterOs; // the --as local router
const clients: RouterOsClient[] = [];

const nasYaml = (p1: number, p2: number) => `nas:
  - name: core-1
    address: 127.0.0.1
    secret: testing123
    workspace: default
    api: { host: 127.0.0.1, port: ${p1}, user: radgate, password: api-pw, timeout: 2s }
  - name: core-2
    address: 127.0.0.2
    secret: testing123-core-2
    workspace: default
    api: { host: 127.0.0.1, port: ${p2}, user: radgate, password: api-pw, timeout: 2s }
`;

beforeAll(async () => {
  core1 = await FakeRouterOs.start({ password: 'api-pw' });
  core2 = await FakeRouterOs.start({ password: 'api-pw' });
  core1.seed('/ppp/secret', [
    { name: 'alice', password: 'alice-pw', profile: 'home', service: 'pppoe', disabled: 'false', comment: '' },
    { name: 'bob', password: 'bob pw "quoted"', profile: 'business', 'remote-address': '100.64.0.9', disabled: 'false', comment: 'flat 4' },
    { name: 'carol', password: 'carol-pw', profile: 'home', disabled: 'true' },
    { name: 'dave', password: 'dave-pw', profile: 'home', 'remote-address': 'pppoe-pool', disabled: 'false' },
    { name: 'empty', password: '', profile: 'home', disabled: 'false' },
    { name: 'goldie', password: 'g-pw', profile: 'gold', disabled: 'false' },
    { name: 'eve\u0007', password: 'eve-pw', profile: 'home', disabled: 'false' },
    { name: 'nul\u0000x', password: 'nul-pw', profile: 'home', disabled: 'false' }, // PostgreSQL text cannot hold NUL
  ]);
  core1.seed('/ip/hotspot/user', [{ name: 'guest1', password: 'guest-pw', profile: 'home', address: '10.5.0.7', disabled: 'false' }]);
  core1.seed('/ip/hotspot/profile', [{ name: 'hsprof1', 'use-radius': 'true' }]);
  core1.seed('/radius', [{ address: '127.0.0.1', service: 'ppp,hotspot', disabled: 'false' }]);
  core1.seed('/ppp/active', [{ name: 'dave', address: '100.64.1.20', 'session-id': '0x81A00001' }]);
  core2.seed('/ppp/secret', [
    { name: 'l-amy', password: 'amy-pw', profile: 'home', disabled: 'false' },
    { name: 'l-ben', password: 'ben-pw', profile: 'business', disabled: 'false' },
  ]);
  t = await startTestRadgate({ config: { 'nas.yaml': nasYaml(core1.port, core2.port) } });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await t?.stop();
  await core1?.stop();
  await core2?.stop();
});

const nas = (name: string): NasConfig => t.radgate.config.nas.find((n) => n.name === name)!;
function clientOf(name: string): RouterOsClient {
  const client = new RouterOsClient(endpointOf(name, nas(name).api!));
  clients.push(client);
  return client;
}

async function runImport(nasName: string, over: Partial<RouterSecretsOptions> = {}, records: SubscriberRecords = subscriberRecords(t)) {
  const api = clientOf(nasName);
  const options: RouterSecretsOptions = { config: t.radgate.config, nas: nas(nasName), services: ['ppp', 'hotspot'], as: 'local', dryRun: false, ...over };
  const read = await readRouterEntries(api, options.services);
  return importRouterSecrets({ api, database: t.radgate.database, records, catalog: catalogOf(() => t.radgate.config) }, options, read);
}

async function count(table: 'subscribers' | 'router_migrations'): Promise<number> {
  const result = await t.radgate.database.db.execute(sql.raw(`select count(*)::int as n from ${table}`));
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ n: number }>;
  return Number(rows[0]!.n);
}

const find = (username: string) => subscriberRecords(t).find('default', username) as Promise<SubscriberRow | undefined>;
const outcomes = (lines: ReadonlyArray<{ source: string; outcome: string; reason: string }>) =>
  Object.fromEntries(lines.map((l) => [l.source, `${l.outcome}: ${l.reason}`]));
const ports = (name: string) => ({ api: clientOf(name), database: t.radgate.database, records: subscriberRecords(t) });
const entry = (router: FakeRouterOs, name: string, path = '/ppp/secret') => router.rows(path).find((r) => r['name'] === name);
/** Commands that changed something on the router (not prints). */
const writes = (router: FakeRouterOs) => router.commands.filter((c) => !c.words[0]!.endsWith('/print')).map((c) => c.words[0]);

describe('import router-secrets --as local (core-2)', () => {
  it('a dry run reports what would happen and changes nothing', async () => {
    const before = [await count('subscribers'), await count('router_migrations')];
    const { report } = await runImport('core-2', { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(countOutcomes(report)).toEqual({ created: 2, unchanged: 0, skipped: 0, differs: 0 });
    expect([await count('subscribers'), await count('router_migrations')]).toEqual(before);
    expect(await find('l-amy')).toBeUndefined();
    expect(writes(core2)).toEqual([]);
  });

  it('creates router-local subscribers; a re-run changes nothing', async () => {
    const { report } = await runImport('core-2');
    expect(outcomes(report.lines)).toEqual({
      '/ppp secret l-amy': 'created: plan home-10 from profile home (its router profile)',
      '/ppp secret l-ben': 'created: plan business-50 from profile business (its router profile)',
    });
    expect(report.mapped).toEqual([{ from: 'profile home', to: 'plan home-10' }, { from: 'profile business', to: 'plan business-50' }]);
    const amy = (await find('l-amy'))!;
    expect(amy).toMatchObject({ auth: 'local', localNas: 'core-2', localService: 'ppp', localName: null, plan: 'home-10', accountNumber: 'l-amy', status: 'active' });
    // encrypted at rest, the same password when decrypted
    expect(amy.passwordEnc).toMatch(/^v1:/);
    expect(subscriberRecords(t).forAuthentication(amy).password?.toString()).toBe('amy-pw');
    expect(await count('router_migrations')).toBe(0);

    const again = await runImport('core-2');
    expect(countOutcomes(again.report)).toEqual({ created: 0, unchanged: 2, skipped: 0, differs: 0 });
    expect(writes(core2)).toEqual([]);
  });

  it('an entry that no longer matches its subscriber is left alone, the differences named (never the password)', async () => {
    const [ben] = core2.rows('/ppp/secret').filter((r) => r['name'] === 'l-ben');
    const client = clientOf('core-2');
    await client.set('/ppp/secret', ben!['.id']!, { password: 'new-ben-pw', 'remote-address': '100.64.3.3' });
    const { report } = await runImport('core-2');
    const line = report.lines.find((l) => l.source === '/ppp secret l-ben')!;
    expect(line.outcome).toBe('differs');
    expect(line.reason).toContain('the password differs');
    expect(line.reason).toContain('static IP 100.64.3.3 on the router, none in radgate');
    expect(line.reason).not.toContain('new-ben-pw');
    expect(subscriberRecords(t).forAuthentication((await find('l-ben'))!).password?.toString()).toBe('ben-pw');
    // as radius, the same local subscribers are acceptable (they move at --apply), but not local on another NAS
    const asRadius = await runImport('core-2', { as: 'radius', dryRun: true });
    expect(asRadius.report.lines.find((l) => l.source === '/ppp secret l-amy')?.outcome).toBe('unchanged');
  });

  it('an error mid-way (a unique clash) imports nothing', async () => {
    core2.seed('/ppp/secret', [
      { name: 'l-cat', password: 'cat-pw', profile: 'home', disabled: 'false' },
      { name: 'l-dan', password: 'dan-pw', profile: 'home', disabled: 'false' },
    ]);
    const base = subscriberRecords(t);
    // Records whose insert of l-dan reuses l-cat's account number: the database refuses it inside the transaction.
    class Clashing extends SubscriberRecords {
      override addWithin(tx: Tx, input: NewSubscriber) {
        return base.addWithin(tx, input.username === 'l-dan' ? { ...input, accountNumber: 'l-cat' } : input);
      }
    }
    const clashing = new Clashing(t.radgate.database, (base as unknown as { vault: never }).vault, catalogOf(() => t.radgate.config));
    const before = await count('subscribers');
    const error = await runImport('core-2', {}, clashing).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(RadgateError);
    expect((error as RadgateError).code).toBe('SUBSCRIBER_EXISTS');
    expect((error as RadgateError).message).toMatch(/^\/ppp secret l-dan: .*nothing was imported/);
    expect(await count('subscribers')).toBe(before);
    expect(await find('l-cat')).toBeUndefined();
    // the real records import both
    const { report } = await runImport('core-2');
    expect(report.lines.filter((l) => l.outcome === 'created').map((l) => l.source)).toEqual(['/ppp secret l-cat', '/ppp secret l-dan']);
  });
});

describe('import router-secrets --as radius, then the move (core-1)', () => {
  it('imports the good entries as RADIUS subscribers, skips the others with the reason, records each move', async () => {
    const { report, routerCommands } = await runImport('core-1', { as: 'radius' });
    expect(outcomes(report.lines)).toEqual({
      '/ppp secret alice': 'created: plan home-10 from profile home (its router profile)',
      '/ppp secret bob': 'created: plan business-50 from profile business (its router profile)',
      '/ppp secret carol': 'created: plan home-10 from profile home (its router profile)',
      '/ppp secret dave': 'created: plan home-10 from profile home (its router profile)',
      '/ppp secret empty': 'skipped: the password is empty (radgate needs a credential)',
      '/ppp secret goldie': 'skipped: no plan for profile gold (map it with --plan-map)',
      '/ppp secret eve\u0007': 'skipped: the name contains control characters',
      '/ppp secret nul\u0000x': 'skipped: the name contains control characters',
      '/ip hotspot user guest1': 'created: plan home-10 from profile home (its router profile)',
    });
    expect(await find('bob')).toMatchObject({ auth: 'radius', staticIp: '100.64.0.9', plan: 'business-50', status: 'active' });
    expect(await find('carol')).toMatchObject({ status: 'disabled' });
    expect(await find('dave')).toMatchObject({ staticIp: null });
    expect(await find('guest1')).toMatchObject({ staticIp: '10.5.0.7', auth: 'radius' });
    const rows = await switchStatus(t.radgate.database, 'core-1');
    expect(rows.map((r) => `${r.service} ${r.entryName} ${r.state}`)).toEqual([
      'hotspot guest1 imported', 'ppp alice imported', 'ppp bob imported', 'ppp carol imported', 'ppp dave imported',
    ]);
    expect(routerCommands[0]).toBe('/ppp aaa set use-radius=yes');
    expect(routerCommands).toContain('/ppp secret set [find where name="alice"] disabled=yes comment="radgate:migrating"');
    expect(routerCommands).toContain('/ppp secret set [find where name="bob"] disabled=yes comment="radgate:migrating flat 4"');
    expect(routerCommands).toContain('/ip hotspot user set [find where name="guest1"] disabled=yes comment="radgate:migrating"');
    expect(writes(core1)).toEqual([]);
  });

  it('the imported credentials work: a PAP login through radclient is accepted', async () => {
    await eventually(async () => expect((await login(t.radgate.ports.auth, 'bob', 'bob pw \\"quoted\\"')).code).toBe('Access-Accept'), 20_000);
    expect((await login(t.radgate.ports.auth, 'alice', 'wrong')).code).toBe('Access-Reject');
  });

  it('a re-run is idempotent: nothing created, no second migration row', async () => {
    const before = [await count('subscribers'), await count('router_migrations')];
    const { report } = await runImport('core-1', { as: 'radius' });
    expect(countOutcomes(report)).toEqual({ created: 0, unchanged: 5, skipped: 4, differs: 0 });
    expect([await count('subscribers'), await count('router_migrations')]).toEqual(before);
  });

  it('--apply disables only the entries of offline subscribers and turns use-radius on', async () => {
    const report = await applySwitches(ports('core-1'), nas('core-1'), { services: ['ppp', 'hotspot'], kick: false });
    expect(report.routerSteps).toEqual(['/ppp aaa set use-radius=yes']);
    expect(core1.rows('/ppp/aaa')[0]!['use-radius']).toBe('yes');
    expect(Object.fromEntries(report.lines.map((l) => [l.entry, `${l.outcome} ${l.state}: ${l.detail}`]))).toEqual({
      '/ip hotspot user guest1': 'done switched: disabled, comment radgate:migrating',
      '/ppp secret alice': 'done switched: disabled, comment radgate:migrating',
      '/ppp secret bob': 'done switched: disabled, comment radgate:migrating',
      '/ppp secret carol': 'done switched: the entry was disabled already',
      '/ppp secret dave': 'waiting imported: online: waits until the session ends (or run with --kick)',
    });
    expect(entry(core1, 'alice')).toMatchObject({ disabled: 'yes', comment: 'radgate:migrating' });
    expect(entry(core1, 'bob')).toMatchObject({ disabled: 'yes', comment: 'radgate:migrating flat 4' });
    expect(entry(core1, 'guest1', '/ip/hotspot/user')).toMatchObject({ disabled: 'yes' });
    expect(entry(core1, 'dave')).toMatchObject({ disabled: 'false' });
    expect(core1.rows('/ppp/active')).toHaveLength(1);
    // radgate's own disabling does not make the subscriber "disabled" on a re-run
    const { report: again } = await runImport('core-1', { as: 'radius' });
    expect(countOutcomes(again)).toEqual({ created: 0, unchanged: 5, skipped: 4, differs: 0 });
    // a second apply does nothing more
    const second = await applySwitches(ports('core-1'), nas('core-1'), { services: ['ppp', 'hotspot'], kick: false });
    expect(second.lines.map((l) => `${l.entry} ${l.outcome}`)).toEqual(['/ppp secret dave waiting']);
  });

  it('a RADIUS login on the NAS after the switch confirms the move', async () => {
    expect(await confirmSwitches(t.radgate.database, 'core-1')).toEqual([]);
    const accept = await login(t.radgate.ports.auth, 'alice', 'alice-pw');
    expect(accept.code).toBe('Access-Accept');
    const klass = accept.attributes['Class']![0]!;
    // accounting without radgate's Class (the router's own local login) confirms nothing
    await acct(t.radgate.ports.acct, { 'Acct-Status-Type': 'Start', 'User-Name': 'bob', 'Acct-Session-Id': 'local-1', 'NAS-IP-Address': '127.0.0.1' });
    await acct(t.radgate.ports.acct, { 'Acct-Status-Type': 'Start', 'User-Name': 'alice', 'Acct-Session-Id': 'rad-1', 'NAS-IP-Address': '127.0.0.1', Class: klass });
    let confirmed: Awaited<ReturnType<typeof confirmSwitches>> = [];
    await eventually(async () => {
      confirmed = [...confirmed, ...(await confirmSwitches(t.radgate.database, 'core-1'))];
      expect(confirmed.map((l) => l.entry)).toEqual(['/ppp secret alice']);
    }, 20_000);
    const rows = await switchStatus(t.radgate.database, 'core-1');
    expect(rows.find((r) => r.entryName === 'alice')).toMatchObject({ state: 'confirmed' });
    expect(rows.find((r) => r.entryName === 'bob')).toMatchObject({ state: 'switched' });
  });

  it('--kick disables the online subscriber\'s entry, then removes its live session', async () => {
    const report = await applySwitches(ports('core-1'), nas('core-1'), { services: ['ppp'], kick: true });
    expect(report.lines).toEqual([
      { entry: '/ppp secret dave', state: 'switched', outcome: 'done', detail: 'disabled, comment radgate:migrating; live session removed, it reconnects through RADIUS' },
    ]);
    expect(entry(core1, 'dave')).toMatchObject({ disabled: 'yes' });
    expect(core1.rows('/ppp/active')).toEqual([]);
    const order = core1.commands.map((c) => c.words[0]).filter((w) => w === '/ppp/secret/set' || w === '/ppp/active/remove');
    expect(order.slice(-2)).toEqual(['/ppp/secret/set', '/ppp/active/remove']);
  });

  it('--finish removes the entries of confirmed moves only', async () => {
    const report = await finishSwitches(ports('core-1'), nas('core-1'));
    expect(report.lines.map((l) => `${l.entry} ${l.state}: ${l.detail}`)).toEqual(['/ppp secret alice finished: entry removed']);
    expect(entry(core1, 'alice')).toBeUndefined();
    expect(entry(core1, 'bob')).toBeDefined();
    expect((await finishSwitches(ports('core-1'), nas('core-1'))).lines).toEqual([]);
  });

  it('--rollback enables the entry again, restores its comment, and keeps the subscriber (router-local)', async () => {
    const report = await rollbackSwitches(ports('core-1'), nas('core-1'), { entryName: 'bob', services: ['ppp', 'hotspot'] });
    expect(report.lines.map((l) => `${l.entry} ${l.outcome} ${l.state}`)).toEqual(['/ppp secret bob done rolled_back']);
    expect(entry(core1, 'bob')).toMatchObject({ disabled: 'no', comment: 'flat 4' });
    expect(await find('bob')).toMatchObject({ auth: 'local', localNas: 'core-1', localService: 'ppp' });
    const finished = await rollbackSwitches(ports('core-1'), nas('core-1'), { entryName: 'alice', services: ['ppp'] });
    expect(finished.lines).toMatchObject([{ entry: '/ppp secret alice', outcome: 'failed', state: 'finished' }]);
    await expect(rollbackSwitches(ports('core-1'), nas('core-1'), { entryName: 'nobody', services: ['ppp'] })).rejects.toThrow(/no entry "nobody" of core-1/);
    // carol was disabled by the operator before the move: rollback leaves her entry disabled
    await rollbackSwitches(ports('core-1'), nas('core-1'), { entryName: 'carol', services: ['ppp'] });
    expect(entry(core1, 'carol')).toMatchObject({ disabled: 'true' });
  });

  it('a trap fails that entry and the next is tried; a dead router stops the run with the entry named', async () => {
    // bob again: the re-import starts his move over
    await runImport('core-1', { as: 'radius' });
    expect((await switchStatus(t.radgate.database, 'core-1')).find((r) => r.entryName === 'bob')?.state).toBe('imported');
    core1.seed('/ppp/secret', [{ name: 'frank', password: 'frank-pw', profile: 'home', disabled: 'false' }]);
    await runImport('core-1', { as: 'radius' });
    core1.inject('/ppp/secret/set', { trap: { message: 'failure: item is busy' } }, { times: 1 });
    const trapped = await applySwitches(ports('core-1'), nas('core-1'), { services: ['ppp'], kick: false });
    expect(trapped.stopped).toBeUndefined();
    // (carol, rolled back above, starts over too: her entry is still disabled, so it is switched as it is)
    expect(trapped.lines.map((l) => `${l.entry} ${l.outcome} ${l.state}`)).toEqual([
      '/ppp secret bob failed imported', '/ppp secret carol done switched', '/ppp secret frank done switched',
    ]);
    expect(trapped.lines[0]!.detail).toMatch(/^\/ppp secret bob: .*item is busy.*ROUTEROS_TRAP/);
    expect((await switchStatus(t.radgate.database, 'core-1')).find((r) => r.entryName === 'bob')?.detail).toMatch(/item is busy/);

    core1.inject('/ppp/secret/set', 'close', { times: 1 });
    core1.seed('/ppp/secret', [{ name: 'gina', password: 'gina-pw', profile: 'home', disabled: 'false' }]);
    await runImport('core-1', { as: 'radius' });
    const dropped = await applySwitches(ports('core-1'), nas('core-1'), { services: ['ppp'], kick: false });
    expect(dropped.stopped).toMatch(/^stopped at \/ppp secret bob: .*ROUTEROS_CLOSED/);
    expect(dropped.lines.map((l) => `${l.entry} ${l.outcome}`)).toEqual(['/ppp secret bob failed']);
    const rows = await switchStatus(t.radgate.database, 'core-1');
    expect(rows.filter((r) => ['bob', 'gina'].includes(r.entryName)).map((r) => r.state)).toEqual(['imported', 'imported']);
    expect(rows.find((r) => r.entryName === 'frank')?.state).toBe('switched');

    await core1.stop();
    const error = await applySwitches(ports('core-1'), nas('core-1'), { services: ['ppp'], kick: false }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RadgateError);
    expect((error as RadgateError).code).toBe('ROUTEROS_CONNECT');
    expect((error as RadgateError).message).toContain('core-1');
    expect((error as RadgateError).message).not.toContain('api-pw');
    expect((await switchStatus(t.radgate.database, 'core-1')).find((r) => r.entryName === 'frank')?.state).toBe('switched');
  });
});
