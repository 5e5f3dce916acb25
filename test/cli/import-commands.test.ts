/**
 * `radgate import router-secrets` as an operator runs it: the compiled binary against a fake RouterOS (the real API
 * wire protocol), on a fresh database. Dry run, the plan map, the report (text and --json, terminal-safe), a router
 * that hides passwords, a dead router, and the move to RADIUS through --apply, --status and --rollback.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';

let database: TestDatabase;
let router: FakeRouterOs;
let hiding: FakeRouterOs;
let env: NodeJS.ProcessEnv;
let deadPort: number;

const nasEntry = (name: string, address: string, port: number) => `
  - name: ${name}
    address: ${address}
    secret: testing123-${name}
    workspace: default
    api: { host: 127.0.0.1, port: ${port}, user: radgate, password: api-secret-pw, timeout: 2s }`;

beforeAll(async () => {
  database = await freshDatabase();
  router = await FakeRouterOs.start({ password: 'api-secret-pw' });
  hiding = await FakeRouterOs.start({ password: 'api-secret-pw' });
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  router.seed('/ppp/secret', [
    { name: 'alice', password: 'alice-pw', profile: 'home', disabled: 'false' },
    { name: 'bob', password: 'bob-pw', profile: 'business', 'remote-address': '100.64.0.9', disabled: 'false' },
    { name: 'empty', password: '', profile: 'home', disabled: 'false' },
    { name: 'goldie', password: 'gold-pw', profile: 'gold', disabled: 'false' },
    { name: 'eve\u001b[2J', password: 'eve-pw', profile: 'home', disabled: 'false' },
  ]);
  router.seed('/ip/hotspot/user', [{ name: 'guest1', password: 'guest-pw', profile: 'home', disabled: 'false' }]);
  router.seed('/radius', [{ address: '127.0.0.1', service: 'ppp,hotspot', disabled: 'false' }]);
  router.seed('/ip/hotspot/profile', [{ name: 'hsprof1', 'use-radius': 'true' }]);
  router.seed('/ppp/active', [{ name: 'bob', address: '100.64.0.9' }]);
  // A router whose API user lacks the "sensitive" policy: the print carries no password property at all.
  hiding.seed('/ppp/secret', [{ name: 'hidden1', profile: 'home', disabled: 'false' }, { name: 'hidden2', profile: 'home', disabled: 'false' }]);
  const nas = `nas:${nasEntry('core-1', '127.0.0.5', router.port)}${nasEntry('core-h', '127.0.0.6', hiding.port)}${nasEntry('core-dead', '127.0.0.7', deadPort)}\n`;
  env = { RADGATE_CONFIG: testConfig({ 'nas.yaml': nas }), RADGATE_DATA_DIR: database.dataDir, ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
}, 60_000);

afterAll(async () => {
  await router?.stop();
  await hiding?.stop();
  await database?.cleanup();
});

const radgate = (...args: string[]) => runCli(args, env);
const usernames = async () => (JSON.parse((await radgate('subscriber', 'list', '--json')).stdout) as Array<{ username: string }>).map((r) => r.username).sort();

describe('radgate import router-secrets', () => {
  it('--dry-run prints the report and writes nothing', async () => {
    const result = await radgate('import', 'router-secrets', 'core-1', '--dry-run');
    expect(result.code).toBe(1); // some entries were skipped
    expect(result.stdout).toContain('router-secrets core-1: 3 would be created, 0 unchanged, 0 differ, 3 skipped (dry run: nothing was written)');
    expect(result.stdout).toMatch(/skipped\s+\/ppp secret empty\s+the password is empty/);
    expect(result.stdout).toMatch(/skipped\s+\/ppp secret goldie\s+no plan for profile gold \(map it with --plan-map\)/);
    // the hostile name is shown escaped, never raw
    expect(result.stdout).toContain('eve\\x1b[2J');
    expect(result.stdout).not.toContain('\u001b');
    for (const secret of ['alice-pw', 'bob-pw', 'gold-pw', 'api-secret-pw']) expect(result.stdout + result.stderr).not.toContain(secret);
    expect(await usernames()).toEqual([]);
  });

  it('a bad plan map names its lines; a good one maps the profile', async () => {
    const bad = path.join(database.dataDir, 'bad-map.txt');
    writeFileSync(bad, 'gold = platinum\nnonsense\n');
    const refused = await radgate('import', 'router-secrets', 'core-1', '--plan-map', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${bad}: line 1: plan platinum is not in plans.yaml`);
    expect(refused.stderr).toContain(`${bad}: line 2: expected "profile = plan"`);
    expect(await usernames()).toEqual([]);

    const good = path.join(database.dataDir, 'map.txt');
    writeFileSync(good, '# our old router profiles\ngold = business-50\n');
    const result = await radgate('import', 'router-secrets', 'core-1', '--plan-map', good, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { lines: Array<{ source: string; outcome: string; reason: string }>; mapped: unknown[]; notes: string[] };
    // router-local: radgate will enforce the plan's own router profile, and says so
    expect(report.notes).toContainEqual(expect.stringContaining('profile gold is mapped to plan business-50, whose router profile on core-1 is business'));
    expect(report.lines.find((l) => l.source === '/ppp secret goldie')).toEqual({ source: '/ppp secret goldie', outcome: 'created', reason: 'plan business-50 from profile gold (plan map)' });
    expect(report.mapped).toContainEqual({ from: 'profile gold', to: 'plan business-50' });
    expect(await usernames()).toEqual(['alice', 'bob', 'goldie', 'guest1']);
    const show = await radgate('subscriber', 'show', 'bob', '--json');
    expect(JSON.parse(show.stdout)).toMatchObject({ auth: 'local', localNas: 'core-1', localService: 'ppp', staticIp: '100.64.0.9' });

    const again = await radgate('import', 'router-secrets', 'core-1', '--plan-map', good);
    expect(again.stdout).toContain('router-secrets core-1: 0 created, 4 unchanged, 0 differ, 2 skipped');
  });

  it('says clearly when the router hides the passwords', async () => {
    const result = await radgate('import', 'router-secrets', 'core-h');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('0 created, 0 unchanged, 0 differ, 2 skipped');
    expect(result.stdout).toContain('core-h showed no passwords in /ppp secret: the RouterOS API user "radgate" needs the "sensitive" policy');
  });

  it('a dead router is a clear error naming the NAS, and no password', async () => {
    const result = await radgate('import', 'router-secrets', 'core-dead');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^radgate: .*core-dead/);
    expect(result.stderr).not.toContain('api-secret-pw');
    expect(result.stderr).not.toContain('unexpected error');
  });

  it('wrong arguments are usage errors', async () => {
    expect((await radgate('import', 'router-secrets', 'core-1', '--kick')).code).toBe(64);
    expect((await radgate('import', 'router-secrets', 'core-1', '--as', 'ldap')).stderr).toContain('--as: one of local, radius');
    expect((await radgate('import', 'router-secrets', 'core-1', '--rollback')).stderr).toContain('--rollback needs the entry name (USER) or --all');
    expect((await radgate('import', 'router-secrets', 'core-1', '--apply', '--dry-run')).code).toBe(64);
    expect((await radgate('import', 'nowhere')).stderr).toContain('unknown import source "nowhere"');
    expect((await radgate('import', 'router-secrets', 'nope')).stderr).toContain('unknown NAS "nope"');
    const help = await radgate('import', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('radgate import router-secrets NAS --apply [--kick]');
  });

  it('--as radius, --apply, --status, --rollback --all', async () => {
    const map = path.join(database.dataDir, 'map.txt');
    const imported = await radgate('import', 'router-secrets', 'core-1', '--as', 'radius', '--service', 'ppp', '--plan-map', map);
    // alice, bob and goldie exist as router-local subscribers of core-1: acceptable, they move at --apply
    expect(imported.stdout).toContain('0 created, 3 unchanged');
    expect(imported.stdout).toContain('/ppp aaa set use-radius=yes');
    expect(imported.stdout).toContain('/ppp secret set [find where name="alice"] disabled=yes comment="radgate:migrating"');

    const applied = await radgate('import', 'router-secrets', 'core-1', '--apply');
    expect(applied.code).toBe(1); // bob is online and waits
    expect(applied.stdout).toContain('router: /ppp aaa set use-radius=yes');
    expect(applied.stdout).toContain('switched 2, waiting 1, failed 0');
    expect(applied.stdout).toMatch(/waiting\s+\/ppp secret bob\s+imported\s+online: waits until the session ends/);
    expect(JSON.parse((await radgate('subscriber', 'show', 'alice', '--json')).stdout)).toMatchObject({ auth: 'radius', localNas: null });

    const status = await radgate('import', 'router-secrets', 'core-1', '--status', '--json');
    const rows = JSON.parse(status.stdout) as Array<{ entryName: string; state: string }>;
    expect(rows.map((r) => `${r.entryName} ${r.state}`)).toEqual(['alice switched', 'bob imported', 'goldie switched']);
    expect((await radgate('import', 'router-secrets', 'core-1', '--status')).stdout).toMatch(/^1 imported, 2 switched|^2 switched, 1 imported/m);

    const rolled = await radgate('import', 'router-secrets', 'core-1', '--rollback', '--all');
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain('rolled back 3, waiting 0, failed 0');
    expect(router.rows('/ppp/secret').filter((r) => ['alice', 'goldie'].includes(r['name']!)).map((r) => r['disabled'])).toEqual(['no', 'no']);
    expect(JSON.parse((await radgate('subscriber', 'show', 'alice', '--json')).stdout)).toMatchObject({ auth: 'local', localNas: 'core-1' });
  });
});
