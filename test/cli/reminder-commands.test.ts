/**
 * `radgate reminder-link USER` as a process (the compiled CLI; `npm test` builds it first): prints a link that
 * radgate verifies, creates the data-dir key loudly the first time, honours --lifetime / --json and configured
 * link_keys.
 */
import { createLogger } from '../../src/log.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkKeyRing, verifyLink } from '../../src/web/reminder/index.js';
import { runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;
const silent = createLogger({ level: 'silent' });

beforeAll(async () => {
  database = await freshDatabase();
  env = { RADGATE_CONFIG: testConfig(), RADGATE_DATA_DIR: database.dataDir, ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
  const add = await runCli(['subscriber', 'add', 'alice', '--plan', 'home-10', '--account', 'ACC-77', '--nt-hash', '0'.repeat(32)], env);
  expect(add.code, add.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await database?.cleanup();
});

const tokenOf = (url: string) => {
  const parsed = new URL(url.trim());
  expect(parsed.origin).toBe('https://pay.isp.example');
  expect(parsed.pathname).toMatch(/^\/r\//);
  return parsed.pathname.slice(3);
};

describe('radgate reminder-link', () => {
  it('prints the subscriber\'s signed link; the first run creates the signing key, loudly', async () => {
    const first = await runCli(['reminder-link', 'alice'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('GENERATED A NEW REMINDER-LINK SIGNING KEY');
    const keys = LinkKeyRing.open({ keys: [], dataDir: database.dataDir, create: false, log: silent });
    const check = await verifyLink(keys, tokenOf(first.stdout));
    expect(check).toMatchObject({ ok: true, claims: { workspaceId: 'default', accountNumber: 'ACC-77' } });
    expect(check.ok && check.claims.expiresAt.getTime() - check.claims.issuedAt.getTime()).toBe(7 * 86400_000);

    const second = await runCli(['reminder-link', 'alice'], env);
    expect(second.stderr).not.toContain('GENERATED');
    expect((await verifyLink(keys, tokenOf(second.stdout))).ok).toBe(true);
  }, 60_000);

  it('--lifetime and --json', async () => {
    const res = await runCli(['reminder-link', 'alice', '--lifetime', '1h', '--json'], env);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { url: string; expiresAt: string; keyId: string; username: string; workspace: string };
    expect(out).toMatchObject({ username: 'alice', workspace: 'default' });
    expect(out.keyId).toMatch(/^local-[0-9a-f]{12}$/);
    const keys = LinkKeyRing.open({ keys: [], dataDir: database.dataDir, create: false, log: silent });
    const check = await verifyLink(keys, tokenOf(out.url));
    expect(check.ok && check.claims.expiresAt.toISOString()).toBe(out.expiresAt);
    expect(check.ok && check.claims.expiresAt.getTime() - check.claims.issuedAt.getTime()).toBe(3600_000);
    expect((await runCli(['reminder-link', 'alice', '--lifetime', '1m'], env)).code).toBe(64);
  }, 60_000);

  it('uses the configured link_keys (key from the environment)', async () => {
    const key = Buffer.alloc(32, 9).toString('base64');
    const config = testConfig({
      'server.yaml': (t) => t.replace('  link_keys: []\n', '  link_keys:\n    - { id: ops-2025, algorithm: HS256, env: RADGATE_TEST_LINK_KEY }\n'),
    });
    const res = await runCli(['reminder-link', 'alice', '--json'], { ...env, RADGATE_CONFIG: config, RADGATE_TEST_LINK_KEY: key });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).not.toContain(key);
    const out = JSON.parse(res.stdout) as { url: string; keyId: string };
    expect(out.keyId).toBe('ops-2025');
    const ring = LinkKeyRing.fromConfig([{ id: 'ops-2025', algorithm: 'HS256', material: key, source: 'test' }]);
    expect((await verifyLink(ring, tokenOf(out.url))).ok).toBe(true);
  }, 60_000);

  it('unknown user → exit 1; no user → usage, exit 64', async () => {
    const missing = await runCli(['reminder-link', 'nobody'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no subscriber "nobody" in workspace default');
    const usage = await runCli(['reminder-link'], env);
    expect(usage.code).toBe(64);
    expect(usage.stdout).toContain('radgate reminder-link USER');
  }, 60_000);
});
