/** RADGATE_* environment overrides of server.yaml: applied over the file, checked like it. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { EXAMPLE_DIR, eachReportsExactly, removeTempDirs, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

describe('environment overrides', () => {
  it('applies RADGATE_* environment overrides; empty values are ignored', async () => {
    const config = await loadConfig(EXAMPLE_DIR, {
      RADGATE_BIND: '::1',
      RADGATE_AUTH_PORT: '0',
      RADGATE_ACCT_PORT: '0',
      RADGATE_HTTP_PORT: '',
    });
    expect(config.server).toMatchObject({ bind: '::1', authPort: 0, acctPort: 0, httpPort: 8080 });
  });
});

const BROKEN: BrokenCase[] = [
  {
    name: 'bad env override',
    change: async () => {},
    env: { RADGATE_AUTH_PORT: '18x2', RADGATE_BIND: 'localhost', RADGATE_HTTP_PORT: '70000' },
    problems: [
      'env: RADGATE_BIND: "localhost" is not an IP address',
      'env: RADGATE_AUTH_PORT: "18x2" is not a port number (0-65535)',
      'env: RADGATE_HTTP_PORT: "70000" is not a port number (0-65535)',
    ],
  },
  {
    name: 'env override that makes the accounting port equal the auth port',
    change: async () => {},
    env: { RADGATE_ACCT_PORT: '1812' },
    problems: ['env: RADGATE_ACCT_PORT: must differ from the auth port (auth_port is also 1812)'],
  },
  {
    name: 'captive port from the environment',
    change: async () => {},
    env: { RADGATE_CAPTIVE_PORT: 'http' },
    problems: ['env: RADGATE_CAPTIVE_PORT: "http" is not a port number (0-65535)'],
  },
];

describe('broken environment overrides: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});
