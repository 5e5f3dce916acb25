/**
 * `radgate doctor` in-process: a radgate server started for the file (its database, keys and listeners), the fake
 * RouterOS API server (real wire protocol) configured by `router-apply` and then broken one way per test, and the
 * fake NAS answering CoA. Each test names one problem and asserts the exact line the doctor prints for it.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRadgate, type Environment, type Radgate } from '../../src/app.js';
import { doctorCommand, runDoctor, type CheckResult, type DoctorOptions } from '../../src/cli/doctor/index.js';
import { exitStatus, formatText } from '../../src/cli/doctor/result.js';
import { routerApplyCommand } from '../../src/cli/router-commands.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase } from '../../src/db/client.js';
import { knownMigrations } from '../../src/db/migrations.js';
import { createLogger } from '../../src/log.js';
import { RouterOsClient } from '../../src/routeros/api.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { fakeResolver, removeRouterConfigs, routerConfig, TRICKY_SECRET } from '../routeros/router-config.js';

const API_PASSWORD = 'api-Passw0rd-7f3k';
/** Every secret the doctor could meet: none may appear in its output. */
const SECRETS = [TRICKY_SECRET, API_PASSWORD, 'testing123', 'h0tsp0t-Secret-0123', 'w4s-Changed-Secret'];
/** The server's and the doctor's log lines go nowhere (the tests read the doctor's results). */
const log = createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });
const resolver = () => fakeResolver({ 'pay.isp.example': ['198.51.100.20'], 'checkout.gateway.example': ['198.51.100.30'], 'cdn.gateway.example': ['198.51.100.31'] });

let database: TestDatabase;
let server: Radgate;
let serverEnv: Environment;
/** The config loader's overrides: the ports the server really listens on. */
let ports: NodeJS.ProcessEnv;
let nas: FakeNas;
let router: FakeRouterOs;
let console_: RouterOsClient;

/** A config dir with core-1 at the fake NAS (CoA) and the fake router (API). */
function configDir(extra: { core?: Record<string, unknown>; workspace?: Record<string, unknown> } = {}): string {
  const api = { host: '127.0.0.1', port: router.port, user: 'radgate', password: API_PASSWORD, timeout: '5s' };
  return routerConfig({ workspace: extra.workspace, core: { address: nas.address, coa_port: nas.port, api, ...extra.core } });
}

function options(dir: string, overrides: Partial<DoctorOptions> = {}): DoctorOptions {
  return { env: { ...serverEnv, configDir: dir }, processEnv: ports, log, resolve: resolver(), timeoutMs: 500, ...overrides };
}

/** Runs the doctor for core-1; asserts no secret in its text or JSON. */
async function doctor(dir: string, overrides: Partial<DoctorOptions> = {}): Promise<{ results: CheckResult[]; lines: string[] }> {
  const results = await runDoctor(options(dir, overrides), 'core-1');
  const text = formatText(results);
  for (const secret of SECRETS) {
    expect(text).not.toContain(secret);
    expect(JSON.stringify(results)).not.toContain(secret);
  }
  return { results, lines: text.split('\n') };
}

const byCheck = (results: readonly CheckResult[], check: string) => results.find((r) => r.check === check);

async function applied(dir: string): Promise<Config> {
  const config = await loadConfig(dir, ports);
  const result = await routerApplyCommand(config, ['core-1'], resolver());
  expect(result.exitCode).toBe(0);
  return config;
}

beforeAll(async () => {
  database = await freshDatabase();
  nas = await FakeNas.start({ address: '127.0.0.2', secret: TRICKY_SECRET });
  nas.coa = { nak: 503 }; // a router answers a CoA for a session it does not have like this (RFC 5176 §3.5)
  router = await FakeRouterOs.start({ user: 'radgate', password: API_PASSWORD });
  const dir = configDir();
  serverEnv = { configDir: dir, dataDir: database.dataDir, databaseUrl: database.databaseUrl, passwordKey: undefined };
  server = await startRadgate(serverEnv, log, { RADGATE_BIND: '127.0.0.1', RADGATE_AUTH_PORT: '0', RADGATE_ACCT_PORT: '0', RADGATE_HTTP_PORT: '0', RADGATE_METRICS_PORT: '0', RADGATE_CAPTIVE_PORT: '0' });
  ports = {
    RADGATE_BIND: '127.0.0.1',
    RADGATE_AUTH_PORT: String(server.ports.auth),
    RADGATE_ACCT_PORT: String(server.ports.acct),
    RADGATE_HTTP_PORT: String(server.ports.http),
    RADGATE_METRICS_PORT: String(server.ports.metrics),
    RADGATE_CAPTIVE_PORT: String(server.ports.captive),
  };
  await router.stop();
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await nas?.stop();
  await database?.cleanup();
  removeRouterConfigs();
});

beforeEach(async () => {
  router = await FakeRouterOs.start({ user: 'radgate', password: API_PASSWORD });
  router.seed('/system/resource', [{ version: '7.16.2 (stable)', 'board-name': 'CHR' }]);
  console_ = new RouterOsClient({ name: 'core-1', host: '127.0.0.1', port: router.port, user: 'radgate', password: API_PASSWORD, timeoutSeconds: 5 });
  nas.secret = TRICKY_SECRET;
  nas.coa = { nak: 503 };
});

afterEach(async () => {
  await console_.close();
  await router.stop();
});

describe('radgate doctor', () => {
  it('all ok: every check passes, exit status 0', async () => {
    const dir = configDir();
    await applied(dir);
    const before = router.commands.length;
    const { results, lines } = await doctor(dir);
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(results.map((r) => r.check)).toEqual([
      'config', 'database', 'data directory', 'password key', 'link key', 'server', 'listener auth', 'listener acct',
      'nas core-1 reminder host',
      'router core-1 api', 'router core-1 /radius', 'router core-1 /radius incoming', 'router core-1 /ppp aaa', 'router core-1 expired profile',
      'router core-1 payment allowlist', 'router core-1 unpaid redirect (nat)', 'router core-1 unpaid filter',
      'router core-1 require-message-auth', 'router core-1 payment allowlist names',
      'nas core-1 coa',
    ]);
    expect(exitStatus(results)).toBe(0);
    expect(lines).toContain('ok    nas core-1 reminder host: 198.51.100.20 (reminder_host pay.isp.example)');
    expect(lines).toContain(`ok    nas core-1 coa: ${nas.address}:${nas.port} answered CoA-NAK 503 Session-Context-Not-Found for a made-up session (path and secret verified)`);
    expect(lines).toContain(`ok    listener auth: UDP 127.0.0.1:${server.ports.auth} answers Status-Server (as NAS local) in ${byCheck(results, 'listener auth')!.detail.match(/in (\d+) ms/)![1]} ms`);
    expect(lines).toContain('ok    router core-1 require-message-auth: RouterOS 7.16.2, require-message-auth=yes-for-request-resp; radgate require_message_authenticator: auto');
    expect(lines).toContain('ok    router core-1 unpaid filter: 13 object(s) as configured, tagged and in order');
    expect(lines.at(-2)).toBe(`0 FAIL, 0 warn, ${results.length} ok`);
    // The CoA named a session that cannot exist: nothing a subscriber has was touched.
    const coa = nas.received.at(-1)!;
    expect(coa.code).toBe(43);
    expect(coa.attributes['User-Name']).toBe('radgate-doctor');
    expect(Object.keys(coa.attributes).sort()).toEqual(['Acct-Session-Id', 'Event-Timestamp', 'Message-Authenticator', 'NAS-IP-Address', 'User-Name']);
    // The doctor only reads the router.
    const read = router.commands.slice(before).map((c) => c.words[0]!);
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((w) => !w.endsWith('/print'))).toEqual([]);
  });

  it('--json: the same checks as JSON, ok true; exit status 0', async () => {
    const dir = configDir();
    await applied(dir);
    const output = await doctorCommand(options(dir), ['core-1', '--json']);
    expect(output.exitCode).toBe(0);
    const parsed = JSON.parse(output.text) as { ok: boolean; checks: CheckResult[] };
    expect(parsed.ok).toBe(true);
    expect(parsed.checks.length).toBe(20);
    expect(parsed.checks[0]).toEqual({ check: 'config', status: 'ok', detail: `${dir}: 3 NAS, 1 workspace(s), ${(await loadConfig(dir, ports)).planByName.size} plan(s)` });
    for (const secret of SECRETS) expect(output.text).not.toContain(secret);
  });

  it('a router that was never configured: every menu FAILs with router-apply; exit status 1 (text and JSON)', async () => {
    const dir = configDir();
    const { results, lines } = await doctor(dir);
    const fix = '; fix: radgate router-apply core-1';
    expect(lines).toContain(`FAIL  router core-1 /radius: radgate:radius missing${fix}`);
    expect(lines).toContain(`FAIL  router core-1 /radius incoming: accept is false, want yes, port is 1700, want ${nas.port}${fix}`);
    expect(lines).toContain(`FAIL  router core-1 /ppp aaa: use-radius is false, want yes, interim-update is 0s, want 5m${fix}`);
    expect(lines).toContain(`FAIL  router core-1 expired profile: radgate:ppp-profile missing${fix}`);
    expect(lines).toContain(`FAIL  router core-1 unpaid redirect (nat): radgate:http-redirect missing${fix}`);
    expect(exitStatus(results)).toBe(1);
    const json = await doctorCommand(options(dir), ['core-1', '--json']);
    expect(json.exitCode).toBe(1);
    expect((JSON.parse(json.text) as { ok: boolean }).ok).toBe(false);
  });

  it('/radius: a changed secret is named, never shown', async () => {
    const dir = configDir();
    await applied(dir);
    const radius = router.table('/radius')[0]!;
    radius['secret'] = 'w4s-Changed-Secret';
    const { lines } = await doctor(dir);
    expect(lines).toContain('FAIL  router core-1 /radius: radgate:radius: secret differs; fix: radgate router-apply core-1');
  });

  it('/radius: the wrong services', async () => {
    const dir = configDir();
    await applied(dir);
    router.table('/radius')[0]!['service'] = 'hotspot';
    const { lines } = await doctor(dir);
    expect(lines).toContain('FAIL  router core-1 /radius: radgate:radius: service is hotspot, want ppp; fix: radgate router-apply core-1');
  });

  it('/radius: an untagged entry for radgate\'s address is a conflict', async () => {
    const dir = configDir();
    await applied(dir);
    router.table('/radius').splice(0, 1);
    const [id] = router.seed('/radius', [{ address: '192.0.2.10', secret: 'w4s-Changed-Secret', service: 'ppp' }]);
    const { lines } = await doctor(dir);
    expect(lines).toContain(
      `FAIL  router core-1 /radius: /radius address=192.0.2.10 (${id}) exists but is not managed by radgate; change or remove it, or set its comment to radgate:radius to hand it over; ` +
        'fix: resolve the conflict on the router, then radgate router-apply core-1',
    );
  });

  it('/radius incoming: CoA not accepted, or on another port', async () => {
    const dir = configDir();
    await applied(dir);
    await console_.set('/radius/incoming', undefined, { accept: 'no', port: 1700 });
    const { lines } = await doctor(dir);
    expect(lines).toContain(`FAIL  router core-1 /radius incoming: accept is no, want yes, port is 1700, want ${nas.port}; fix: radgate router-apply core-1`);
  });

  it('/ppp aaa: RADIUS or accounting off', async () => {
    const dir = configDir();
    await applied(dir);
    await console_.set('/ppp/aaa', undefined, { 'use-radius': 'no', accounting: 'no' });
    const { lines } = await doctor(dir);
    expect(lines).toContain('FAIL  router core-1 /ppp aaa: use-radius is no, want yes, accounting is no, want yes; fix: radgate router-apply core-1');
  });

  it('the expired profile missing, or with another address list', async () => {
    const dir = configDir();
    await applied(dir);
    const profiles = router.table('/ppp/profile');
    profiles[0]!['address-list'] = 'other';
    expect((await doctor(dir)).lines).toContain('FAIL  router core-1 expired profile: radgate:ppp-profile: address-list is other, want radgate-unpaid; fix: radgate router-apply core-1');
    profiles.splice(0, 1);
    expect((await doctor(dir)).lines).toContain('FAIL  router core-1 expired profile: radgate:ppp-profile missing; fix: radgate router-apply core-1');
  });

  it('the unpaid firewall: a rule missing, a rule below fasttrack, a rule out of sequence', async () => {
    const dir = configDir();
    await applied(dir);
    const filter = router.table('/ip/firewall/filter');
    // An operator adds fasttrack at the top of forward, above radgate's jump.
    filter.unshift({ '.id': '*F0', chain: 'forward', action: 'fasttrack-connection', 'connection-state': 'established,related', comment: 'defconf: fasttrack' });
    const drop = filter.findIndex((r) => r['comment'] === 'radgate:drop');
    const [dropRule] = filter.splice(drop, 1);
    const reject = filter.findIndex((r) => r['comment'] === 'radgate:reject');
    filter.splice(reject, 0, dropRule!); // drop now sits before reject
    router.table('/ip/firewall/nat').splice(0, 1);
    const { lines } = await doctor(dir);
    expect(lines).toContain('FAIL  router core-1 unpaid redirect (nat): radgate:http-redirect missing; fix: radgate router-apply core-1');
    expect(lines).toContain(
      'FAIL  router core-1 unpaid filter: radgate:jump sits below first rule of chain forward; radgate:reject sits below radgate:drop; fix: radgate router-apply core-1',
    );
  });

  it('the payment allowlist: an entry missing on the router; a name that does not resolve', async () => {
    const dir = configDir();
    await applied(dir);
    const list = router.table('/ip/firewall/address-list');
    list.splice(list.findIndex((r) => r['comment'] === 'radgate:allow:cdn.gateway.example'), 1);
    const unresolvable = fakeResolver({ 'pay.isp.example': ['198.51.100.20'], 'checkout.gateway.example': ['198.51.100.30'] });
    const { lines } = await doctor(dir, { resolve: unresolvable });
    expect(lines).toContain('FAIL  router core-1 payment allowlist: radgate:allow:cdn.gateway.example missing; fix: radgate router-apply core-1');
    expect(lines).toContain(
      'FAIL  router core-1 payment allowlist names: cdn.gateway.example (ENOTFOUND) does not resolve: the router cannot put it in radgate-allow, so unpaid subscribers cannot reach it; ' +
        'fix: correct the name in workspaces.yaml payment_allowlist (or its DNS), then radgate router-apply core-1',
    );
  });

  it('a radgate-tagged object nobody wants is a warning, not a failure', async () => {
    const dir = configDir();
    await applied(dir);
    const [id] = router.seed('/ip/firewall/nat', [{ chain: 'dstnat', action: 'accept', comment: 'radgate:old-rule' }]);
    const { results, lines } = await doctor(dir);
    expect(lines).toContain('warn  router core-1 unpaid redirect (nat): radgate:old-rule is left over (no longer configured); fix: radgate router-apply core-1');
    expect(id).toBeDefined();
    expect(exitStatus(results)).toBe(0);
  });

  it('require-message-auth: an old RouterOS with require_message_authenticator: yes FAILs; =no on 7.15+ warns', async () => {
    const yes = configDir({ core: { require_message_authenticator: 'yes' } });
    await applied(yes);
    router.table('/system/resource')[0]!['version'] = '7.12.1 (stable)';
    expect((await doctor(yes)).lines).toContain(
      'FAIL  router core-1 require-message-auth: RouterOS 7.12.1 predates require-message-auth (7.15) and may send Access-Requests without Message-Authenticator, which radgate drops (require_message_authenticator: yes); ' +
        'fix: set require_message_authenticator: auto for NAS core-1 in nas.yaml, or upgrade RouterOS to 7.15 or later',
    );
    router.table('/system/resource')[0]!['version'] = '7.16.2 (stable)';
    router.table('/radius')[0]!['require-message-auth'] = 'no';
    const { results, lines } = await doctor(yes);
    expect(lines).toContain(
      'warn  router core-1 require-message-auth: RouterOS 7.16.2 has require-message-auth=no on radgate\'s /radius entry: it accepts replies without Message-Authenticator (BlastRADIUS, CVE-2024-3596); ' +
        'fix: /radius set [find comment="radgate:radius"] require-message-auth=yes-for-request-resp (radgate signs every reply)',
    );
    expect(exitStatus(results)).toBe(0);
  });

  it('the API refuses the login', async () => {
    const dir = configDir();
    router.refuseLogin = 'invalid user name or password (6)';
    const { results, lines } = await doctor(dir);
    const line = lines.find((l) => l.startsWith('FAIL  router core-1 api: '))!;
    expect(line).toMatch(new RegExp(`^FAIL  router core-1 api: 127\\.0\\.0\\.1:${router.port}: .*invalid user name or password \\(6\\).*; fix: check nas\\.yaml api: \\(host, port, user, password\\) for core-1, and /ip service api \\(or api-ssl\\) on the router$`));
    expect(results.filter((r) => r.check.startsWith('router core-1')).map((r) => r.check)).toEqual(['router core-1 api']);
  });

  it('CoA: a router that does not answer, or drops a wrong secret (silently, as RouterOS does), or answers unverifiably', async () => {
    const dir = configDir();
    await applied(dir);
    const silent = `FAIL  nas core-1 coa: ${nas.address}:${nas.port}: no answer to a CoA-Request (2 tries): CoA is not accepted there, UDP ${nas.port} is blocked, ` +
      `or the router's secret for radgate differs (a wrong secret is dropped silently); fix: radgate router-apply core-1; allow UDP ${nas.port} from radgate in the router's firewall`;
    nas.secret = 'w4s-Changed-Secret';
    expect((await doctor(dir)).lines).toContain(silent);
    nas.secret = TRICKY_SECRET;
    nas.coa = 'silent';
    expect((await doctor(dir)).lines).toContain(silent);
    nas.coa = 'ack-bad-authenticator';
    expect((await doctor(dir)).lines).toContain(
      `FAIL  nas core-1 coa: ${nas.address}:${nas.port} answered a CoA-Request, but the reply fails verification: the router's secret for radgate differs from nas.yaml; fix: radgate router-apply core-1`,
    );
    nas.coa = 'ack';
    expect((await doctor(dir)).lines).toContain(`ok    nas core-1 coa: ${nas.address}:${nas.port} answered CoA-ACK (path and secret verified)`);
    nas.coa = { nak: 403 };
    expect((await doctor(dir)).lines).toContain(
      `warn  nas core-1 coa: ${nas.address}:${nas.port} answered CoA-NAK (403 NAS-Identification-Mismatch) for a made-up session: path and secret verified, but the router refuses CoA of this form; fix: radgate coa-test core-1 --user USER`,
    );
  });

  it('the reminder host does not resolve: named with its fix, and the router state cannot be computed', async () => {
    const dir = configDir();
    const { lines } = await doctor(dir, { resolve: fakeResolver({}) });
    expect(lines).toContain(
      'FAIL  nas core-1 reminder host: workspace "default", NAS "core-1": reminder_host "pay.isp.example" cannot be resolved (ENOTFOUND); ' +
        'fix: set redirect_ip for workspace "default" in workspaces.yaml (the IPv4 address at which routers reach radgate\'s captive listener), or fix the name',
    );
    expect(lines.some((l) => l.startsWith('FAIL  router core-1 desired state: workspace "default", NAS "core-1": reminder_host "pay.isp.example" cannot be resolved'))).toBe(true);
  });

  it('an invalid configuration: FAIL config, exit 1, nothing that needs the config runs', async () => {
    const dir = configDir({ workspace: { expired_profile: { group: 'expired\n/system reboot', address_list: 'radgate-unpaid' } } });
    const results = await runDoctor(options(dir), 'core-1');
    expect(results.map((r) => r.check)).toEqual(['config', 'database']);
    expect(formatText(results).split('\n')[0]).toBe(
      'FAIL  config: 1 problem(s): workspaces.yaml: workspaces[0].expired_profile.group: contains a control character, U+000A (line feed), at character 8: ' +
        `text sent to routers and in RADIUS replies must be printable; fix: correct ${dir} as named, then radgate check-config`,
    );
    expect(exitStatus(results)).toBe(1);
  });

  it('an unknown NAS is a usage error naming the configured ones', async () => {
    await expect(runDoctor(options(configDir()), 'core-9')).rejects.toMatchObject({ code: 'NAS_UNKNOWN', message: 'unknown NAS "core-9" (nas.yaml defines: local, core-1, hs-1)' });
  });
});

describe('radgate doctor on the radgate host', () => {
  it('a key file others can read FAILs with chmod', async () => {
    const dir = configDir();
    const key = path.join(database.dataDir, 'password.key');
    chmodSync(key, 0o644);
    try {
      const { lines } = await doctor(dir);
      expect(lines).toContain(`FAIL  password key: ${key}: mode 644 (want 600); fix: chmod 600 ${key} (radgate start also tightens the data directory)`);
    } finally {
      chmodSync(key, 0o600);
    }
  });

  it('no server running, an empty data directory, then a database not migrated', async () => {
    const dir = configDir();
    const empty = mkdtempSync(path.join(os.tmpdir(), 'radgate-doctor-'));
    try {
      const stopped = { ...ports, RADGATE_METRICS_PORT: '1', RADGATE_AUTH_PORT: '9', RADGATE_ACCT_PORT: '10' };
      const env = { ...serverEnv, configDir: dir, dataDir: empty, databaseUrl: undefined };
      const run = async () => formatText(await runDoctor({ ...options(dir), env, processEnv: stopped }, 'core-1')).split('\n');
      const lines = await run();
      const key = path.join(empty, 'password.key');
      expect(lines).toContain(`FAIL  password key: ${key} does not exist; fix: radgate start creates it on first start; if subscribers exist already, restore ${key} from your backup (a new key cannot read their passwords)`);
      expect(lines).toContain(`FAIL  link key: ${path.join(empty, 'link-signing.key')} does not exist; fix: radgate start creates it (links issued with a lost key no longer open)`);
      expect(lines.find((l) => l.startsWith('FAIL  server: '))).toMatch(/^FAIL  server: nothing answers http:\/\/127\.0\.0\.1:1\/readyz \(.*\); no .*radgate\.pid; fix: radgate start \(or systemctl start radgate\)$/);
      // The doctor only looks: it did not create the embedded database.
      expect(lines).toContain(`FAIL  database: no embedded database at ${path.join(empty, 'pglite')} (and DATABASE_URL is not set); fix: radgate migrate (or set DATABASE_URL to your PostgreSQL)`);
      expect(existsSync(path.join(empty, 'pglite'))).toBe(false);

      // A database that exists but was never migrated (opened by a tool, never by radgate migrate or start).
      await (await openDatabase({ dataDir: empty, role: 'tool' })).close();
      const again = await run();
      expect(again.find((l) => l.startsWith('FAIL  database: '))).toBe(`FAIL  database: pglite at ${path.join(empty, 'pglite')}: 0 of ${knownMigrations()} migrations applied; fix: radgate migrate`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('ports 0 in server.yaml: the running server cannot be found, a warning', async () => {
    const { results, lines } = await doctor(configDir(), { processEnv: { ...ports, RADGATE_METRICS_PORT: '0' } });
    expect(lines).toContain("warn  server: not probed: server.yaml has port 0 (any free port), so the running server's ports are unknown; fix: set fixed ports in server.yaml (or RADGATE_*_PORT)");
    expect(results.some((r) => r.check.startsWith('listener'))).toBe(false);
  });
});

describe('radgate doctor for every NAS', () => {
  it('a loopback test client is not probed; a NAS without api: is not read; an unreachable router FAILs its CoA', async () => {
    const dir = configDir();
    await applied(dir);
    const results = await runDoctor(options(dir));
    const lines = formatText(results).split('\n');
    for (const secret of SECRETS) expect(lines.join('\n')).not.toContain(secret);
    expect(lines).toContain('ok    router local: not checked: no api: section in nas.yaml (radgate router-script local renders its configuration)');
    expect(lines).toContain('ok    nas local coa: not probed: 127.0.0.1 is a loopback test client (radtest), not a router');
    expect(lines).toContain(`ok    nas core-1 coa: ${nas.address}:${nas.port} answered CoA-NAK 503 Session-Context-Not-Found for a made-up session (path and secret verified)`);
    expect(lines.find((l) => l.startsWith('FAIL  nas hs-1 coa: 10.0.0.2:1700: no answer to a CoA-Request (2 tries)'))).toBeDefined();
    expect(results.map((r) => r.check).filter((c) => c.startsWith('nas ') && c.endsWith(' coa'))).toEqual(['nas local coa', 'nas core-1 coa', 'nas hs-1 coa']);
  });

  it('a NAS with api: but no router: section: the API is checked, the configuration is not compared (a warning)', async () => {
    const dir = configDir();
    const file = path.join(dir, 'nas.yaml');
    const doc = YAML.parse(readFileSync(file, 'utf8')) as { nas: Array<Record<string, unknown>> };
    delete doc.nas.find((n) => n['name'] === 'core-1')!['router'];
    writeFileSync(file, YAML.stringify(doc));
    const { results, lines } = await doctor(dir);
    expect(lines).toContain(
      'warn  router core-1 configuration: not compared: the NAS has no router: section in nas.yaml, so radgate does not know what the router should hold; ' +
        'fix: add router: (at least radgate_address) for core-1 in nas.yaml, then radgate router-apply core-1',
    );
    expect(results.filter((r) => r.check.startsWith('router core-1')).map((r) => r.check)).toEqual(['router core-1 api', 'router core-1 configuration', 'router core-1 require-message-auth']);
    expect(exitStatus(results)).toBe(0);
  });
});
