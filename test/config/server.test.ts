/** server.yaml: paths resolved against the config dir, ranges of durations and ports, trusted proxies. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { copyExample, edit, eachReportsExactly, removeTempDirs, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

describe('values that are resolved or converted', () => {
  it('resolves password_key_file against the config dir', async () => {
    const dir = await copyExample();
    await edit(dir, 'server.yaml', '  # password_key_file: /etc/radgate/password.key', '  password_key_file: keys/password.key');
    const config = await loadConfig(dir, {});
    expect(config.server.passwordKeyFile).toBe(path.join(dir, 'keys/password.key'));
  });
});

const editServer = (from: string, to: string) => (dir: string) => edit(dir, 'server.yaml', from, to);

const BROKEN: BrokenCase[] = [
  {
    name: 'duration out of range',
    change: (dir) => edit(dir, 'server.yaml', '  duplicate_window: 10s', '  duplicate_window: 1m'),
    problems: ['server.yaml: server.duplicate_window: must be from 5s to 30s, got 60s'],
  },
  {
    name: 'session sweep interval out of range',
    change: (dir) => edit(dir, 'server.yaml', '  session_sweep_interval: 1m', '  session_sweep_interval: 2h'),
    problems: ['server.yaml: server.session_sweep_interval: must be from 1s to 3600s, got 7200s'],
  },
  {
    name: 'wrong type',
    change: (dir) => edit(dir, 'server.yaml', '  auth_port: 1812', '  auth_port: radius'),
    problems: ['server.yaml: server.auth_port: must be a port number (0-65535), got a string'],
  },
  {
    name: 'captive port equal to the HTTP port',
    change: editServer('  captive_port: 8081', '  captive_port: 8080'),
    problems: ['server.yaml: server.captive_port: must differ from the HTTP port (8080)'],
  },
  {
    name: 'trusted proxy that is not an address',
    change: editServer('  trusted_proxies: []', '  trusted_proxies: [10.0.0.0/8, proxy.local]'),
    problems: ['server.yaml: server.trusted_proxies[1]: "proxy.local" is not an IP address or CIDR range'],
  },
];

describe('broken server.yaml: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});
