/**
 * `radgate doctor` through the compiled binary: the exit status (0 with nothing FAILed, 1 otherwise), --json on
 * stdout, --help, and that no secret reaches stdout or stderr. The server runs in-process (its ports are passed to
 * the binary through the environment); the router is the fake RouterOS API server, the NAS the fake NAS. The binary
 * asks the system resolver, which cannot resolve the test's payment hosts (.example), so its runs end in FAIL: exit
 * status 0 with nothing failed is shown in-process (test/cli/doctor.test.ts, `doctorCommand`), and main.ts returns
 * that status as it is.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRadgate, type Radgate } from '../../src/app.js';
import { routerApplyCommand } from '../../src/cli/router-commands.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { removeRouterConfigs, routerConfig, TRICKY_SECRET } from '../routeros/router-config.js';

const API_PASSWORD = 'api-Passw0rd-7f3k';
const log = createLogger({ level: 'warn', destination: new Writable({ write: (_chunk, _encoding, done) => done() }) });

let database: TestDatabase;
let server: Radgate;
let nas: FakeNas;
let router: FakeRouterOs;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await freshDatabase();
  nas = await FakeNas.start({ address: '127.0.0.2', secret: TRICKY_SECRET });
  nas.coa = { nak: 503 };
  router = await FakeRouterOs.start({ user: 'radgate', password: API_PASSWORD });
  router.seed('/system/resource', [{ version: '7.16.2 (stable)' }]);
  dir = routerConfig({
    workspace: { redirect_ip: '203.0.113.10' },
    core: { address: nas.address, coa_port: nas.port, api: { host: '127.0.0.1', port: router.port, user: 'radgate', password: API_PASSWORD, timeout: '5s' } },
  });
  const zero = { RADGATE_BIND: '127.0.0.1', RADGATE_AUTH_PORT: '0', RADGATE_ACCT_PORT: '0', RADGATE_HTTP_PORT: '0', RADGATE_METRICS_PORT: '0', RADGATE_CAPTIVE_PORT: '0' };
  server = await startRadgate({ configDir: dir, dataDir: database.dataDir, databaseUrl: database.databaseUrl, passwordKey: undefined }, log, zero);
  const ports = {
    RADGATE_BIND: '127.0.0.1',
    RADGATE_AUTH_PORT: String(server.ports.auth),
    RADGATE_ACCT_PORT: String(server.ports.acct),
    RADGATE_HTTP_PORT: String(server.ports.http),
    RADGATE_METRICS_PORT: String(server.ports.metrics),
    RADGATE_CAPTIVE_PORT: String(server.ports.captive),
  };
  env = { RADGATE_CONFIG: dir, RADGATE_DATA_DIR: database.dataDir, ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}), ...ports };
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await nas?.stop();
  await router?.stop();
  await database?.cleanup();
  removeRouterConfigs();
});

const noSecrets = (text: string) => {
  for (const secret of [TRICKY_SECRET, API_PASSWORD, 'testing123', 'h0tsp0t-Secret-0123']) expect(text).not.toContain(secret);
};

describe('the radgate binary: doctor', () => {
  it('exit status 1 with a FAIL line per problem and the fix; --json agrees; no secret on stdout or stderr', async () => {
    const before = await runCli(['doctor', 'core-1'], env);
    noSecrets(before.stdout + before.stderr);
    expect(before.stderr).toBe('');
    expect(before.code).toBe(1);
    expect(before.stdout).toContain('\nFAIL  router core-1 /radius: radgate:radius missing; fix: radgate router-apply core-1\n');
    expect(before.stdout).toContain('\nok    server: ');
    expect(before.stdout).toContain('\nok    nas core-1 reminder host: 203.0.113.10 (redirect_ip of the workspace)\n');

    expect((await routerApplyCommand(await loadConfig(dir, env), ['core-1'])).exitCode).toBe(0);
    const after = await runCli(['doctor', 'core-1', '--json'], env);
    noSecrets(after.stdout + after.stderr);
    expect(after.stderr).toBe('');
    const parsed = JSON.parse(after.stdout) as { ok: boolean; checks: Array<{ check: string; status: string }> };
    const failed = parsed.checks.filter((c) => c.status === 'FAIL').map((c) => c.check);
    // Only the names the system resolver cannot resolve are left.
    expect(failed).toEqual(['router core-1 payment allowlist names']);
    expect(parsed.ok).toBe(false);
    expect(after.code).toBe(1);
  });

  it('--help prints the usage (exit 0); an unknown NAS exits 1 naming the configured ones', async () => {
    const help = await runCli(['doctor', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^radgate doctor \[NAS\] \[--json\]\n/);
    expect(await runCli(['doctor', 'core-9'], env)).toEqual({ code: 1, stdout: '', stderr: 'radgate: unknown NAS "core-9" (nas.yaml defines: local, core-1, hs-1)\n' });
  });
});
