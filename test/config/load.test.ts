/** `loadConfig` as a whole: every problem in every file reported at once, as one ConfigError, never quoting a secret. */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { addNas, copyExample, edit, problemsOf, removeTempDirs, write } from './helpers.js';

afterAll(removeTempDirs);

describe('problems reported together', () => {
  it('reports three problems in two files at once', async () => {
    const dir = await copyExample();
    await addNas(dir, '  - name: core-1\n    address: 10.0.0.1\n    secret: "0123456789"\n    workspace: north\n');
    await edit(dir, 'plans.yaml', '    rate_limit: 2M/10M', '    rate_limit: 2M/10m');
    const problems = await problemsOf(dir);
    expect(problems).toEqual([
      'nas.yaml: nas[1].workspace: unknown workspace "north" (workspaces.yaml defines: default)',
      'nas.yaml: nas[1].secret: shared secret is 10 characters; at least 16 required for a non-loopback NAS (BlastRADIUS hardening)',
      'plans.yaml: plans[0].rate_limit: invalid Mikrotik-Rate-Limit "2M/10m": "10m" is not a rate (use e.g. 512k, 10M)',
    ]);
  });

  it('throws a ConfigError whose message lists the problems, one per line', async () => {
    const dir = await copyExample();
    await edit(dir, 'server.yaml', '  log_level: info', '  log_level: verbose');
    const error = await loadConfig(dir, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      message: 'server.yaml: server.log_level: must be one of fatal, error, warn, info, debug, trace, got "verbose"',
    });
  });

  it('never puts a secret in a message', async () => {
    const secrets = ['Sup3rS3cretValue', 'sh0rt', 'F1leSecret', 'ApiPassw0rd', '98765432109876543210'];
    const dir = await copyExample();
    await write(dir, 'short.secret', 'F1leSecret\n');
    await addNas(dir, [
      '  - name: a',
      '    address: 10.0.0.1',
      '    secret: sh0rt',
      '    workspace: nowhere',
      '  - name: b',
      '    address: 10.0.0.1',
      '    secret_file: short.secret',
      '    secret: Sup3rS3cretValue',
      '    workspace: default',
      '    api: { user: u, password: ApiPassw0rd, tls: maybe, port: ApiPassw0rd }',
      '  - name: c',
      '    address: 10.0.0.3',
      '    secret: 98765432109876543210',
      '    workspace: default',
      '  - name: d',
      '    address: 10.0.0.4',
      '    secret_file: short.secret',
      '    workspace: default',
      '',
    ].join('\n'));
    await write(dir, 'server.yaml', 'server:\n  bind: Sup3rS3cretValue: x\n');
    const problems = await problemsOf(dir);
    expect(problems.length).toBeGreaterThanOrEqual(6);
    for (const problem of problems) {
      for (const secret of secrets) expect(problem).not.toContain(secret);
    }
  });
});
