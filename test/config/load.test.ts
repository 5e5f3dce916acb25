import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, loadConfig, REPLY_ATTRIBUTE_NAMES, type Config } from '../../src/config/index.js';
import { addNas, copyExample, edit, emptyDir, EXAMPLE_DIR, problemsOf, removeTempDirs, write } from './helpers.js';

afterAll(removeTempDirs);

describe('the example config in config/', () => {
  it('loads with the values the comments state', async () => {
    const config = await loadConfig(EXAMPLE_DIR, {});
    expect(config.configDir).toBe(path.resolve(EXAMPLE_DIR));
    expect(config.server).toEqual({
      bind: '0.0.0.0',
      authPort: 1812,
      acctPort: 1813,
      httpPort: 8080,
      rejectDelaySeconds: 1,
      logLevel: 'info',
      duplicateWindowSeconds: 10,
      passwordKeyFile: undefined,
      staleSessionFactor: 3,
    });
    expect(config.nas).toEqual([
      {
        name: 'local',
        address: '127.0.0.1',
        secret: 'testing123',
        workspace: 'default',
        requireMessageAuthenticator: 'auto',
        limitProxyState: 'auto',
        coaPort: 3799,
        api: undefined,
      },
    ]);
    expect(config.workspaces).toEqual([
      {
        id: 'default',
        name: 'Example ISP',
        supportContact: 'call 555-0100 or billing@isp.example',
        expiredProfile: {
          group: 'expired',
          addressList: 'radgate-unpaid',
          rateLimit: '256k/256k',
          pool: undefined,
          sessionTimeoutSeconds: undefined,
          replyAttributes: {},
        },
      },
    ]);
    expect(config.plans).toEqual([
      {
        name: 'home-10',
        rateLimit: '2M/10M',
        pool: 'pppoe-pool',
        group: 'home',
        sessionTimeoutSeconds: 86400,
        idleTimeoutSeconds: 900,
        interimIntervalSeconds: 300,
        addressList: undefined,
        maxSessions: 1,
        replyAttributes: {},
      },
      {
        name: 'business-50',
        rateLimit: '10M/50M 20M/60M 8M/40M 10/10 5',
        pool: undefined,
        group: 'business',
        sessionTimeoutSeconds: undefined,
        idleTimeoutSeconds: undefined,
        interimIntervalSeconds: 300,
        addressList: undefined,
        maxSessions: 2,
        replyAttributes: { 'Filter-Id': 'business' },
      },
    ]);
    expect(config.workspaceById.get('default')).toBe(config.workspaces[0]);
    expect(config.planByName.get('business-50')).toBe(config.plans[1]);
    expect([...config.planByName.keys()]).toEqual(['home-10', 'business-50']);
  });

  it('has a commented-out real-router NAS that is valid once uncommented', async () => {
    const dir = await copyExample();
    const text = await readFile(path.join(dir, 'nas.yaml'), 'utf8');
    const start = text.indexOf('  # - name: core-1');
    expect(start).toBeGreaterThan(0);
    const uncommented = text.slice(start).split('\n').map((line) => line.replace(/^  # /, '  ')).join('\n');
    await write(dir, 'nas.yaml', text.slice(0, start) + uncommented);
    await mkdir(path.join(dir, 'secrets'));
    await write(dir, 'secrets/core-1.secret', 'k7Qe9x2LmP4vB8nZq1Wc3Ry6\n');
    await write(dir, 'secrets/core-1.api-password', 'api-pass\n');
    const config = await loadConfig(dir, {});
    expect(config.nas[1]).toEqual({
      name: 'core-1',
      address: '10.0.0.1',
      secret: 'k7Qe9x2LmP4vB8nZq1Wc3Ry6',
      workspace: 'default',
      requireMessageAuthenticator: 'yes',
      limitProxyState: 'auto',
      coaPort: 3799,
      api: { host: '10.0.0.1', port: 8729, user: 'radgate', password: 'api-pass', tls: true, timeoutSeconds: 10 },
    });
  });

  it('is deep-frozen, maps included', async () => {
    const config: Config = await loadConfig(EXAMPLE_DIR, {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
    expect(Object.isFrozen(config.nas)).toBe(true);
    expect(Object.isFrozen(config.nas[0])).toBe(true);
    expect(Object.isFrozen(config.plans[1]?.replyAttributes)).toBe(true);
    expect(Object.isFrozen(config.workspaces[0]?.expiredProfile)).toBe(true);
    const planMap = config.planByName as Map<string, unknown>;
    expect(() => planMap.set('x', {})).toThrow(TypeError);
    expect(() => planMap.delete('home-10')).toThrow(TypeError);
    expect(() => planMap.clear()).toThrow(TypeError);
    expect(config.planByName.size).toBe(2);
  });
});

describe('defaults', () => {
  it('pins the DEFAULTS object', () => {
    expect(DEFAULTS).toEqual({
      server: {
        bind: '0.0.0.0',
        authPort: 1812,
        acctPort: 1813,
        httpPort: 8080,
        rejectDelaySeconds: 1,
        logLevel: 'info',
        duplicateWindowSeconds: 10,
        passwordKeyFile: undefined,
        staleSessionFactor: 3,
      },
      nas: { requireMessageAuthenticator: 'auto', limitProxyState: 'auto', coaPort: 3799 },
      api: { port: 8728, tlsPort: 8729, tls: false, timeoutSeconds: 10 },
      expiredProfile: { addressList: 'radgate-unpaid' },
      plan: { interimIntervalSeconds: 300, maxSessions: 1 },
    });
  });

  it('fills every optional key of a minimal config', async () => {
    const dir = await emptyDir();
    await write(dir, 'server.yaml', 'server:\n');
    await write(dir, 'nas.yaml', [
      'nas:',
      '  - name: edge',
      '    address: 192.0.2.1',
      '    secret: 0123456789abcdef',
      '    workspace: w',
      '    api:',
      '      user: radgate',
      '      password: ""',
      '',
    ].join('\n'));
    await write(dir, 'workspaces.yaml', 'workspaces:\n  - id: w\n    name: W\n    expired_profile:\n      group: expired\n');
    await write(dir, 'plans.yaml', 'plans:\n  - name: p\n    rate_limit: 1M\n');
    const config = await loadConfig(dir, {});

    // The example states every default explicitly: the two must agree.
    expect(config.server).toEqual((await loadConfig(EXAMPLE_DIR, {})).server);
    expect(config.nas).toEqual([
      {
        name: 'edge',
        address: '192.0.2.1',
        secret: '0123456789abcdef',
        workspace: 'w',
        requireMessageAuthenticator: 'auto',
        limitProxyState: 'auto',
        coaPort: 3799,
        api: { host: '192.0.2.1', port: 8728, user: 'radgate', password: '', tls: false, timeoutSeconds: 10 },
      },
    ]);
    expect(config.workspaces).toEqual([
      {
        id: 'w',
        name: 'W',
        supportContact: undefined,
        expiredProfile: {
          group: 'expired',
          addressList: 'radgate-unpaid',
          rateLimit: undefined,
          pool: undefined,
          sessionTimeoutSeconds: undefined,
          replyAttributes: {},
        },
      },
    ]);
    expect(config.plans).toEqual([
      {
        name: 'p',
        rateLimit: '1M',
        pool: undefined,
        group: undefined,
        sessionTimeoutSeconds: undefined,
        idleTimeoutSeconds: undefined,
        interimIntervalSeconds: 300,
        addressList: undefined,
        maxSessions: 1,
        replyAttributes: {},
      },
    ]);
  });

  it('treats an empty value as unset', async () => {
    const dir = await copyExample();
    await edit(dir, 'server.yaml', '  log_level: info', '  log_level:');
    await edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions:');
    const config = await loadConfig(dir, {});
    expect(config.server.logLevel).toBe('info');
    expect(config.plans[1]?.maxSessions).toBe(1);
  });
});

describe('values that are resolved or converted', () => {
  it('reads secret_file and api.password_file relative to the config dir, trailing newline trimmed', async () => {
    const dir = await copyExample();
    await mkdir(path.join(dir, 'secrets'));
    await write(dir, 'secrets/core-1.secret', 'k7Qe9x2LmP4vB8nZ\r\n');
    await write(dir, 'secrets/core-1.api', 'api-pass\n');
    await addNas(dir, [
      '  - name: core-1',
      '    address: 10.0.0.1',
      '    secret_file: secrets/core-1.secret',
      '    workspace: default',
      '    require_message_authenticator: true',
      '    limit_proxy_state: false',
      '    api:',
      '      user: radgate',
      '      password_file: secrets/core-1.api',
      '      tls: true',
      '      timeout: 2500ms',
      '',
    ].join('\n'));
    const config = await loadConfig(dir, {});
    expect(config.nas[1]).toEqual({
      name: 'core-1',
      address: '10.0.0.1',
      secret: 'k7Qe9x2LmP4vB8nZ',
      workspace: 'default',
      requireMessageAuthenticator: 'yes',
      limitProxyState: 'no',
      coaPort: 3799,
      api: { host: '10.0.0.1', port: 8729, user: 'radgate', password: 'api-pass', tls: true, timeoutSeconds: 2.5 },
    });
  });

  it('resolves password_key_file against the config dir', async () => {
    const dir = await copyExample();
    await edit(dir, 'server.yaml', '  # password_key_file: /etc/radgate/password.key', '  password_key_file: keys/password.key');
    const config = await loadConfig(dir, {});
    expect(config.server.passwordKeyFile).toBe(path.join(dir, 'keys/password.key'));
  });

  it('applies RADGATE_* environment overrides; empty values are ignored', async () => {
    const config = await loadConfig(EXAMPLE_DIR, {
      RADGATE_BIND: '::1',
      RADGATE_AUTH_PORT: '0',
      RADGATE_ACCT_PORT: '0',
      RADGATE_HTTP_PORT: '',
    });
    expect(config.server).toMatchObject({ bind: '::1', authPort: 0, acctPort: 0, httpPort: 8080 });
  });

  it('accepts every standard and Mikrotik reply attribute name it exports, but not Class', () => {
    expect(REPLY_ATTRIBUTE_NAMES).toContain('Filter-Id');
    expect(REPLY_ATTRIBUTE_NAMES).toContain('Framed-IP-Netmask');
    expect(REPLY_ATTRIBUTE_NAMES).toContain('Mikrotik-Switching-Filter');
    expect(REPLY_ATTRIBUTE_NAMES.filter((n) => n.startsWith('Mikrotik-'))).toHaveLength(30);
    expect(REPLY_ATTRIBUTE_NAMES).not.toContain('Class');
  });
});

// ---- broken configs -----------------------------------------------------------------------------------------

const NON_LOOPBACK_NAS = (fields: string) => `  - name: core-1\n    address: 10.0.0.1\n    workspace: default\n${fields}`;

interface BrokenCase {
  name: string;
  change: (dir: string) => Promise<void>;
  env?: NodeJS.ProcessEnv;
  /** The exact problems; a function when they name the temp dir. */
  problems: string[] | ((dir: string) => string[]);
}

const BROKEN: BrokenCase[] = [
  {
    name: 'unknown key (typo)',
    change: (dir) => edit(dir, 'server.yaml', '  log_level: info', '  log_levl: info'),
    problems: ['server.yaml: server.log_levl: unknown key (did you mean "log_level"?)'],
  },
  {
    name: 'unknown key without a close match',
    change: (dir) => edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 2\n    colour: blue'),
    problems: [
      'plans.yaml: plans[1].colour: unknown key (known keys: name, rate_limit, pool, group, session_timeout, ' +
        'idle_timeout, interim_interval, address_list, max_sessions, reply_attributes)',
    ],
  },
  {
    name: 'camelCase key',
    change: (dir) => edit(dir, 'nas.yaml', '    coa_port: 3799\n', '    coaPort: 3799\n'),
    problems: ['nas.yaml: nas[0].coaPort: unknown key (did you mean "coa_port"?)'],
  },
  {
    name: 'unknown top-level key',
    change: (dir) => edit(dir, 'plans.yaml', 'plans:\n', 'plan:\n'),
    problems: ['plans.yaml: plan: unknown key (did you mean "plans"?)', 'plans.yaml: plans: required'],
  },
  {
    name: 'duplicate NAS address',
    change: (dir) => addNas(dir, '  - name: local-2\n    address: 127.0.0.1\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].address: 127.0.0.1 duplicates the address of nas[0] ("local")'],
  },
  {
    name: 'overlapping CIDR',
    change: (dir) => addNas(dir, '  - name: loopbacks\n    address: 127.0.0.0/8\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].address: 127.0.0.0/8 overlaps 127.0.0.1 of nas[0] ("local")'],
  },
  {
    name: 'IPv4-mapped IPv6 address of an existing NAS',
    change: (dir) => addNas(dir, '  - name: mapped\n    address: "::ffff:127.0.0.1"\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].address: ::ffff:127.0.0.1 duplicates the address of nas[0] ("local")'],
  },
  {
    name: 'CIDR with host bits set',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret: k7Qe9x2LmP4vB8nZ\n').replace('10.0.0.1', '10.0.0.1/24')),
    problems: ['nas.yaml: nas[1].address: "10.0.0.1/24" has host bits set; did you mean 10.0.0.0/24?'],
  },
  {
    name: 'host name as NAS address',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret: k7Qe9x2LmP4vB8nZ\n').replace('10.0.0.1', 'core-1.isp.example')),
    problems: [
      'nas.yaml: nas[1].address: "core-1.isp.example" is not an IP address or CIDR range ' +
        '(a NAS is identified by its source address; hostnames are not allowed)',
    ],
  },
  {
    name: 'duplicate NAS name',
    change: (dir) => addNas(dir, '  - name: local\n    address: "::1"\n    secret: testing123\n    workspace: default\n'),
    problems: ['nas.yaml: nas[1].name: duplicate NAS name "local" (first used by nas[0])'],
  },
  {
    name: 'short secret on a non-loopback NAS',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret: "0123456789"\n')),
    problems: [
      'nas.yaml: nas[1].secret: shared secret is 10 characters; at least 16 required for a non-loopback NAS (BlastRADIUS hardening)',
    ],
  },
  {
    name: 'short secret read from secret_file',
    change: async (dir) => {
      await write(dir, 'core-1.secret', 'tooshort\n');
      await addNas(dir, NON_LOOPBACK_NAS('    secret_file: core-1.secret\n'));
    },
    problems: [
      'nas.yaml: nas[1].secret_file: shared secret is 8 characters; at least 16 required for a non-loopback NAS (BlastRADIUS hardening)',
    ],
  },
  {
    name: 'both secret and secret_file',
    change: (dir) => edit(dir, 'nas.yaml', '    # secret_file: secrets/local.secret', '    secret_file: secrets/local.secret'),
    problems: ['nas.yaml: nas[0]: set either secret or secret_file, not both'],
  },
  {
    name: 'neither secret nor secret_file',
    change: (dir) => edit(dir, 'nas.yaml', '    secret: testing123\n', ''),
    problems: ['nas.yaml: nas[0]: secret or secret_file is required'],
  },
  {
    name: 'unreadable secret_file',
    change: (dir) => addNas(dir, NON_LOOPBACK_NAS('    secret_file: secrets/core-1.secret\n')),
    problems: ['nas.yaml: nas[1].secret_file: cannot read "secrets/core-1.secret" (file not found)'],
  },
  {
    name: 'secret_file that is a directory',
    change: async (dir) => {
      await mkdir(path.join(dir, 'secrets'));
      await addNas(dir, NON_LOOPBACK_NAS('    secret_file: secrets\n'));
    },
    problems: ['nas.yaml: nas[1].secret_file: cannot read "secrets" (is a directory)'],
  },
  {
    name: 'unknown workspace on a NAS',
    change: (dir) => edit(dir, 'nas.yaml', '    workspace: default', '    workspace: defualt'),
    problems: ['nas.yaml: nas[0].workspace: unknown workspace "defualt" (workspaces.yaml defines: default)'],
  },
  {
    name: 'tri-state that is not yes/no/auto',
    change: (dir) => edit(dir, 'nas.yaml', '    require_message_authenticator: auto', '    require_message_authenticator: always'),
    problems: ['nas.yaml: nas[0].require_message_authenticator: must be one of yes, no, auto, got "always"'],
  },
  {
    name: 'API on a NAS range: every API problem at once',
    change: (dir) => addNas(dir, [
      '  - name: pop-2',
      '    address: 10.2.0.0/24',
      '    secret: k7Qe9x2LmP4vB8nZ',
      '    workspace: default',
      '    api: { user: radgate, password: x, password_file: api.pass, tls: yes }',
      '',
    ].join('\n')),
    problems: [
      'nas.yaml: nas[1].api.tls: must be true or false, got "yes"',
      'nas.yaml: nas[1].api: set either password or password_file, not both',
      'nas.yaml: nas[1].api.host: required because address 10.2.0.0/24 is a range',
    ],
  },
  {
    name: 'API on a NAS range without host',
    change: (dir) => addNas(dir, [
      '  - name: pop-2',
      '    address: 10.2.0.0/24',
      '    secret: k7Qe9x2LmP4vB8nZ',
      '    workspace: default',
      '    api: { user: radgate, password: x }',
      '',
    ].join('\n')),
    problems: ['nas.yaml: nas[1].api.host: required because address 10.2.0.0/24 is a range'],
  },
  {
    name: 'invalid rate limit',
    change: (dir) => edit(dir, 'plans.yaml', '    rate_limit: 2M/10M', '    rate_limit: 2M/10X'),
    problems: ['plans.yaml: plans[0].rate_limit: invalid Mikrotik-Rate-Limit "2M/10X": "10X" is not a rate (use e.g. 512k, 10M)'],
  },
  {
    name: 'invalid priority in a rate limit',
    change: (dir) => edit(dir, 'plans.yaml', '10/10 5', '10/10 9'),
    problems: ['plans.yaml: plans[1].rate_limit: invalid Mikrotik-Rate-Limit "10M/50M 20M/60M 8M/40M 10/10 9": "9" is not a priority (1 to 8)'],
  },
  {
    name: 'invalid rate limit in an expired profile',
    change: (dir) => edit(dir, 'workspaces.yaml', 'rate_limit: 256k/256k', 'rate_limit: 256kb/256kb'),
    problems: ['workspaces.yaml: workspaces[0].expired_profile.rate_limit: invalid Mikrotik-Rate-Limit "256kb/256kb": "256kb" is not a rate (use e.g. 512k, 10M)'],
  },
  {
    name: 'interim_interval below 60 seconds',
    change: (dir) => edit(dir, 'plans.yaml', '    interim_interval: 5m\n    max_sessions: 2', '    interim_interval: 30\n    max_sessions: 2'),
    problems: ['plans.yaml: plans[1].interim_interval: must be at least 60s, got 30s'],
  },
  {
    name: 'unknown reply attribute',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Filtr-Id: business'),
    problems: ['plans.yaml: plans[1].reply_attributes.Filtr-Id: unknown RADIUS attribute "Filtr-Id" (did you mean "Filter-Id"?)'],
  },
  {
    name: 'Class in reply attributes',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Class: business'),
    problems: ['plans.yaml: plans[1].reply_attributes.Class: Class cannot be set here: radgate sets it to tie accounting to the session'],
  },
  {
    name: 'reply attribute that has its own key',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Mikrotik-Rate-Limit: 1M/1M'),
    problems: ['plans.yaml: plans[1].reply_attributes.Mikrotik-Rate-Limit: Mikrotik-Rate-Limit cannot be set here: use the rate_limit key'],
  },
  {
    name: 'reply attribute value of the wrong type',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Framed-MTU: large\n      Framed-Protocol: PPPP'),
    problems: [
      'plans.yaml: plans[1].reply_attributes.Framed-MTU: must be a whole number from 0 to 4294967295',
      'plans.yaml: plans[1].reply_attributes.Framed-Protocol: must be one of PPP, SLIP, ARAP, Gandalf-SLML, Xylogics-IPX-SLIP, X.75-Synchronous (or its number)',
    ],
  },
  {
    name: 'invalid duration',
    change: (dir) => edit(dir, 'plans.yaml', '    idle_timeout: 15m', '    idle_timeout: 15 minutes'),
    problems: ['plans.yaml: plans[0].idle_timeout: invalid duration "15 minutes": use seconds (e.g. 90) or a number with a unit: 500ms, 30s, 5m, 24h, 30d'],
  },
  {
    name: 'duration out of range',
    change: (dir) => edit(dir, 'server.yaml', '  duplicate_window: 10s', '  duplicate_window: 1m'),
    problems: ['server.yaml: server.duplicate_window: must be from 5s to 30s, got 60s'],
  },
  {
    name: 'fractional seconds where RADIUS needs whole seconds',
    change: (dir) => edit(dir, 'plans.yaml', '    session_timeout: 1d', '    session_timeout: 1500ms'),
    problems: ['plans.yaml: plans[0].session_timeout: must be whole seconds, got 1.5s'],
  },
  {
    name: 'wrong type',
    change: (dir) => edit(dir, 'server.yaml', '  auth_port: 1812', '  auth_port: radius'),
    problems: ['server.yaml: server.auth_port: must be a port number (0-65535), got a string'],
  },
  {
    name: 'max_sessions of 0',
    change: (dir) => edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 0'),
    problems: ['plans.yaml: plans[1].max_sessions: must be at least 1, got 0'],
  },
  {
    name: 'duplicate plan name',
    change: (dir) => edit(dir, 'plans.yaml', '  - name: business-50', '  - name: home-10'),
    problems: ['plans.yaml: plans[1].name: duplicate plan name "home-10" (first used by plans[0])'],
  },
  {
    name: 'no plans',
    change: (dir) => write(dir, 'plans.yaml', 'plans: []\n'),
    problems: ['plans.yaml: plans: at least one plan is required'],
  },
  {
    name: 'invalid workspace id',
    change: (dir) => edit(dir, 'workspaces.yaml', '    id: default', '    id: Default ISP'),
    problems: [
      'nas.yaml: nas[0].workspace: unknown workspace "default" (workspaces.yaml defines: Default ISP)',
      'workspaces.yaml: workspaces[0].id: "Default ISP" is not a valid id (lower-case letters, digits and "-", e.g. "north-isp")',
    ],
  },
  {
    name: 'YAML syntax error (with line)',
    change: (dir) => write(dir, 'plans.yaml', 'plans:\n  - name: home-10\n    rate_limit: 2M/10M\n    group: home: x\n'),
    problems: ['plans.yaml: line 4, column 12: YAML: Nested mappings are not allowed in compact mappings'],
  },
  {
    name: 'YAML duplicate key (with line)',
    change: (dir) => write(dir, 'plans.yaml', 'plans:\n  - name: home-10\n    rate_limit: 2M/10M\n    name: home-20\n'),
    problems: ['plans.yaml: line 4, column 5: YAML: Map keys must be unique'],
  },
  {
    name: 'missing file',
    change: (dir) => rm(path.join(dir, 'workspaces.yaml')),
    problems: (dir) => [`workspaces.yaml: file not found in ${dir}`],
  },
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
];

describe('broken configs: each reports exactly its problem', () => {
  it.each(BROKEN)('$name', async ({ change, env, problems }) => {
    const dir = await copyExample();
    await change(dir);
    const expected = typeof problems === 'function' ? problems(dir) : problems;
    expect(await problemsOf(dir, env)).toEqual(expected);
  });

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
      code: 'RADGATE_CONFIG_INVALID',
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
