/**
 * The commands: in-process (resolver injected) and through the compiled binary (`npm test` builds dist/ first; the
 * binary's configs set redirect_ip, so no DNS is asked).
 */
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { routerApplyCommand, routerScriptCommand } from '../../src/cli/router-commands.js';
import { openDatabase } from '../../src/db/client.js';
import { sessions } from '../../src/db/schema.js';
import { desiredFor } from '../../src/routeros/input.js';
import { renderScript } from '../../src/routeros/script.js';
import { runCli } from '../helpers/cli.js';
import { freshDatabase } from '../helpers/database.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { newSubscriber, recordsOn } from '../helpers/subscribers.js';
import { fakeResolver, goldenResolver, removeRouterConfigs, routerConfig } from '../routeros/router-config.js';

afterAll(removeRouterConfigs);

let router: FakeRouterOs;

beforeEach(async () => {
  router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' });
});

afterEach(async () => {
  await router.stop();
});

const withApi = () => ({ core: { api: { host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeout: '10s' } } });
const writes = () => router.commands.map((c) => c.words[0]!).filter((w) => !w.endsWith('/print'));

describe('commands in-process', () => {
  it('router-script prints the script; --out writes it private', async () => {
    const config = await loadConfig(routerConfig(), {});
    const printed = await routerScriptCommand(config, ['core-1'], goldenResolver());
    expect(printed).toEqual({ text: renderScript(await desiredFor(config, 'core-1', goldenResolver())), exitCode: 0 });
    const out = path.join(os.tmpdir(), `radgate-core-1-${process.pid}.rsc`);
    const written = await routerScriptCommand(config, ['core-1', '--out', out], goldenResolver());
    expect(readFileSync(out, 'utf8')).toBe(printed.text);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(written.text).toContain(`wrote ${out} (`);
    expect(written.text).toContain('it holds the RADIUS secret of core-1');
  });

  it('router-apply --dry-run, apply, then "no changes"', async () => {
    const config = await loadConfig(routerConfig(withApi()), {});
    const dry = await routerApplyCommand(config, ['core-1', '--dry-run'], goldenResolver());
    expect(dry.exitCode).toBe(0);
    expect(dry.text).toMatch(/^NAS core-1: 21 change\(s\) planned \(dry run, nothing applied\):\n/);
    expect(writes()).toEqual([]);
    const applied = await routerApplyCommand(config, ['core-1'], goldenResolver());
    expect(applied.exitCode).toBe(0);
    expect(applied.text).toMatch(/\napplied 21 change\(s\)\n$/);
    expect(await routerApplyCommand(config, ['core-1'], goldenResolver())).toEqual({ text: 'NAS core-1: no changes\n', exitCode: 0 });
  });

  it('router-apply: a failure exits 1 with the report; a NAS without api: is refused', async () => {
    const config = await loadConfig(routerConfig(withApi()), {});
    router.inject('/ppp/profile/add', { trap: { message: 'failure: out of memory' } });
    const failed = await routerApplyCommand(config, ['core-1'], goldenResolver());
    expect(failed.exitCode).toBe(1);
    expect(failed.text).toContain('  FAILED  add     /ppp/profile radgate:ppp-profile:');
    await expect(routerApplyCommand(config, ['hs-1'], goldenResolver())).rejects.toMatchObject({
      code: 'ROUTER_APPLY',
      message: 'NAS "hs-1" has no api: section in nas.yaml; router-apply needs RouterOS API access (or render the script with router-script and import it)',
    });
    await expect(routerScriptCommand(config, ['core-1'], fakeResolver({}))).rejects.toMatchObject({ code: 'ROUTER_RENDER' });
  });
});

describe('the radgate binary', () => {
  const binaryConfig = (extra: Parameters<typeof routerConfig>[0] = {}) => routerConfig({ workspace: { redirect_ip: '203.0.113.10' }, ...extra });

  it('router-script NAS prints the same script as the renderer', async () => {
    const dir = binaryConfig();
    const result = await runCli(['router-script', 'core-1'], { RADGATE_CONFIG: dir });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(renderScript(await desiredFor(await loadConfig(dir, {}), 'core-1', fakeResolver({}))));
  });

  it('check-config reports a line break in expired_profile.group; router-script refuses to render it (exit 78)', async () => {
    const dir = binaryConfig({ workspace: { expired_profile: { group: 'expired\n/system reboot', address_list: 'radgate-unpaid' } } });
    const problem = 'workspaces.yaml: workspaces[0].expired_profile.group: contains a control character, U+000A (line feed), at character 8: ' +
      'text sent to routers and in RADIUS replies must be printable';
    const expected = { code: 78, stdout: '', stderr: `configuration has 1 problem(s):\n${problem}\n` };
    expect(await runCli(['check-config'], { RADGATE_CONFIG: dir })).toEqual(expected);
    expect(await runCli(['router-script', 'hs-1'], { RADGATE_CONFIG: dir })).toEqual(expected);
  });

  it('explains what is missing, with exit status 1 (usage: 64)', async () => {
    const dir = binaryConfig();
    expect(await runCli(['router-script', 'local'], { RADGATE_CONFIG: dir })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'radgate: NAS "local" has no router: section in nas.yaml; add one with at least radgate_address (radgate\'s address as the router reaches it)\n',
    });
    const unknown = await runCli(['router-script', 'core-9'], { RADGATE_CONFIG: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('radgate: unknown NAS "core-9" (nas.yaml defines: local, core-1, hs-1)\n');
    expect((await runCli(['router-apply'], { RADGATE_CONFIG: dir })).code).toBe(64);
  });

  it('router-apply NAS twice: changes, then "no changes"', async () => {
    const dir = binaryConfig(withApi());
    const first = await runCli(['router-apply', 'core-1'], { RADGATE_CONFIG: dir });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/\napplied 21 change\(s\)\n$/);
    const second = await runCli(['router-apply', 'core-1'], { RADGATE_CONFIG: dir });
    expect(second).toEqual({ code: 0, stdout: 'NAS core-1: no changes\n', stderr: '' });
  });

  it('reconcile NAS reports drift (exit 1); --fix corrects it (exit 0)', async () => {
    const testDb = await freshDatabase();
    try {
      const seed = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
      await seed.migrate();
      const carol = await recordsOn(seed).add(newSubscriber({ username: 'carol', accountNumber: 'A-1', plan: 'home-10', status: 'expired' }));
      const now = new Date();
      await seed.db.insert(sessions).values({
        workspaceId: 'default', nasName: 'core-1', nasAddress: '10.0.0.1', acctSessionId: '81a00003', username: 'carol', subscriberId: carol.id,
        framedIpAddress: '10.20.0.4', startedAt: now, lastSeen: now, lastStatus: 'Start', interimInterval: 300,
      });
      await seed.close();
      router.seed('/ppp/active', [{ name: 'carol', address: '10.20.0.4', 'session-id': '0x81A00003', radius: 'true' }]);
      const env = { RADGATE_CONFIG: binaryConfig(withApi()), RADGATE_DATA_DIR: testDb.dataDir, ...(testDb.databaseUrl ? { DATABASE_URL: testDb.databaseUrl } : {}) };

      const report = await runCli(['reconcile', 'core-1'], env);
      expect(report).toEqual({
        code: 1,
        stdout: [
          'NAS core-1: 1 session(s) on the router, 1 open in radgate, 0 address(es) in radgate-unpaid',
          '1 drift(s) (run with --fix to correct):',
          '  unpaid-missing   carol at 10.20.0.4 is expired, not in the unpaid list',
          '',
        ].join('\n'),
        stderr: '',
      });
      const fixed = await runCli(['reconcile', 'core-1', '--fix'], env);
      expect(fixed.stderr).toBe('');
      expect(fixed.code).toBe(0);
      expect(fixed.stdout).toContain('1 drift(s), 1 fixed:');
      expect(router.rows('/ip/firewall/address-list')).toEqual([expect.objectContaining({ list: 'radgate-unpaid', address: '10.20.0.4', comment: 'radgate-user:carol' })]);
      expect(await runCli(['reconcile', 'core-1'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('\nno drift\n') });
    } finally {
      await testDb.cleanup();
    }
  }, 120_000);
});
