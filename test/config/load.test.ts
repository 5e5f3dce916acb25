import { generateKeyPairSync } from 'node:crypto';
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
      metricsBind: '127.0.0.1',
      metricsPort: 9812,
      rejectDelaySeconds: 1,
      logLevel: 'info',
      duplicateWindowSeconds: 10,
      passwordKeyFile: undefined,
      staleSessionFactor: 3,
      billingIntervalSeconds: 60,
      sessionSweepIntervalSeconds: 60,
      captivePort: 8081,
      trustedProxies: [],
      reminderRateLimit: 60,
      linkKeys: [],
      enforcement: { enabled: true, leaseSeconds: 30, pollIntervalSeconds: 2, maxAttempts: 5, retryDelaySeconds: 30, maxJobs: 2000 },
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
        enforcement: { steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 },
      },
    ]);
    expect(config.workspaces).toEqual([
      {
        id: 'default',
        name: 'Example ISP',
        supportContact: 'call 555-0100 or billing@isp.example',
        reminderHost: 'pay.isp.example',
        redirectIp: undefined,
        paymentUrl: 'https://pay.isp.example/checkout?account={account}',
        paymentAllowlist: ['checkout.gateway.example'],
        locale: 'en-US',
        timezone: 'UTC',
        currencyDisplay: 'symbol',
        support: { phone: '+1 555 0100', email: 'billing@isp.example', hours: 'Mon–Fri 8:00–18:00' },
        branding: {
          logo: path.join(path.resolve(EXAMPLE_DIR), 'branding/example-isp.svg'),
          primaryColor: '#0b5394',
          backgroundColor: '#f3f4f6',
        },
        reminder: {
          linkLifetimeSeconds: 604800,
          message: 'Thank you for choosing Example ISP. Paying online takes about a minute.',
        },
        expiredProfile: {
          group: 'expired',
          addressList: 'radgate-unpaid',
          rateLimit: '256k/256k',
          pool: undefined,
          sessionTimeoutSeconds: undefined,
          replyAttributes: {},
        },
        billing: { reminderDays: 3, graceDays: 2, suspendAfterDays: 30, renewFrom: 'due_date' },
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
        price: 2500,
        currency: 'USD',
        billingCycle: { unit: 'month', count: 1 },
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
        price: 12000,
        currency: 'USD',
        billingCycle: { unit: 'month', count: 1 },
      },
    ]);
    expect(config.adminTokens).toEqual([]);
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
      enforcement: { steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 },
      router: {
        services: ['ppp'],
        radgateAddress: '192.0.2.10',
        srcAddress: undefined,
        radiusTimeoutSeconds: 3,
        interimIntervalSeconds: 300,
        reconcileIntervalSeconds: 900,
        reconcileFix: false,
      },
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
        metricsBind: '127.0.0.1',
        metricsPort: 9812,
        rejectDelaySeconds: 1,
        logLevel: 'info',
        duplicateWindowSeconds: 10,
        passwordKeyFile: undefined,
        staleSessionFactor: 3,
        billingIntervalSeconds: 60,
        sessionSweepIntervalSeconds: 60,
        captivePort: 8081,
        trustedProxies: [],
        reminderRateLimit: 60,
      },
      nas: { requireMessageAuthenticator: 'auto', limitProxyState: 'auto', coaPort: 3799 },
      api: { port: 8728, tlsPort: 8729, tls: false, timeoutSeconds: 10 },
      expiredProfile: { addressList: 'radgate-unpaid' },
      plan: { interimIntervalSeconds: 300, maxSessions: 1 },
      billing: {
        billingCycle: { unit: 'month', count: 1 },
        policy: { reminderDays: 3, graceDays: 2, suspendAfterDays: 30, renewFrom: 'due_date' },
        adminScope: 'read',
      },
      router: { services: ['ppp'], radiusTimeoutSeconds: 3, interimIntervalSeconds: 300, reconcileFix: false },
      enforcement: {
        nas: { steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 },
        server: { enabled: true, leaseSeconds: 30, pollIntervalSeconds: 2, maxAttempts: 5, retryDelaySeconds: 30, maxJobs: 2000 },
      },
      workspace: {
        locale: 'en',
        timezone: 'UTC',
        currencyDisplay: 'symbol',
        primaryColor: '#1d4ed8',
        backgroundColor: '#f3f4f6',
        linkLifetimeSeconds: 604800,
      },
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
    await write(dir, 'workspaces.yaml', 'workspaces:\n  - id: w\n    name: W\n    reminder_host: pay.w.example\n    expired_profile:\n      group: expired\n');
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
        enforcement: { steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 },
      },
    ]);
    expect(config.workspaces).toEqual([
      {
        id: 'w',
        name: 'W',
        supportContact: undefined,
        reminderHost: 'pay.w.example',
        redirectIp: undefined,
        paymentUrl: undefined,
        paymentAllowlist: [],
        locale: 'en',
        timezone: 'UTC',
        currencyDisplay: 'symbol',
        support: { phone: undefined, email: undefined, hours: undefined },
        branding: { logo: undefined, primaryColor: '#1d4ed8', backgroundColor: '#f3f4f6' },
        reminder: { linkLifetimeSeconds: 604800, message: undefined },
        expiredProfile: {
          group: 'expired',
          addressList: 'radgate-unpaid',
          rateLimit: undefined,
          pool: undefined,
          sessionTimeoutSeconds: undefined,
          replyAttributes: {},
        },
        billing: { reminderDays: 3, graceDays: 2, suspendAfterDays: 30, renewFrom: 'due_date' },
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
        price: undefined,
        currency: undefined,
        billingCycle: { unit: 'month', count: 1 },
      },
    ]);
    expect(config.adminTokens).toEqual([]);
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
      enforcement: { steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32 },
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
        'idle_timeout, interim_interval, address_list, max_sessions, reply_attributes, price, currency, billing_cycle)',
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
    name: 'session sweep interval out of range',
    change: (dir) => edit(dir, 'server.yaml', '  session_sweep_interval: 1m', '  session_sweep_interval: 2h'),
    problems: ['server.yaml: server.session_sweep_interval: must be from 1s to 3600s, got 7200s'],
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

// ---- reminder pages, captive redirect, link keys -------------------------------------------------------------

const WS = (key: string) => `workspaces.yaml: workspaces[0].${key}`;
const editWs = (from: string, to: string) => (dir: string) => edit(dir, 'workspaces.yaml', from, to);
const editServer = (from: string, to: string) => (dir: string) => edit(dir, 'server.yaml', from, to);
const withLinkKeys = (yaml: string) => editServer('  link_keys: []\n', `  link_keys:\n${yaml}`);

const REMINDER_BROKEN: BrokenCase[] = [
  {
    name: 'unpaid enforcement without a reminder host (the payment URL then has no reachable host either)',
    change: editWs('    reminder_host: pay.isp.example\n', ''),
    problems: [
      `${WS('reminder_host')}: required because expired_profile restricts unpaid subscribers: they are redirected to https://<reminder_host>/`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host written as a URL',
    change: editWs('    reminder_host: pay.isp.example', '    reminder_host: https://pay.isp.example/'),
    problems: [
      `${WS('reminder_host')}: "https://pay.isp.example/" must be a host name only, without scheme, port or path (e.g. pay.isp.example)`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host that subscribers cannot reach: localhost',
    change: editWs('    reminder_host: pay.isp.example', '    reminder_host: localhost'),
    problems: [
      `${WS('reminder_host')}: "localhost" is not reachable by subscribers; use the public host name of the reminder app`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host given as an IP address',
    change: editWs('    reminder_host: pay.isp.example', '    reminder_host: 192.0.2.10'),
    problems: [
      `${WS('reminder_host')}: "192.0.2.10" is an IP address; use a host name with a TLS certificate (links are https://<reminder_host>/…)`,
      `${WS('payment_url')}: host "pay.isp.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`,
    ],
  },
  {
    name: 'reminder host that is a single label',
    change: async (dir) => {
      await editWs('    reminder_host: pay.isp.example', '    reminder_host: pay')(dir);
      await editWs('https://pay.isp.example/checkout', 'https://checkout.gateway.example/checkout')(dir);
    },
    problems: [`${WS('reminder_host')}: "pay" is not a fully qualified host name (e.g. pay.isp.example)`],
  },
  {
    name: 'payment URL that is not https',
    change: editWs('    payment_url: https://pay.isp.example/checkout', '    payment_url: http://pay.isp.example/checkout'),
    problems: [`${WS('payment_url')}: must be an https:// URL (subscribers enter payment details there), got "http://pay.isp.example/checkout?account={account}"`],
  },
  {
    name: 'payment URL with an unknown placeholder',
    change: editWs('checkout?account={account}', 'checkout?account={acount}'),
    problems: [`${WS('payment_url')}: unknown placeholder {acount} (known: {account}, {username}, {workspace})`],
  },
  {
    name: 'payment URL with a placeholder in the host',
    change: editWs('https://pay.isp.example/checkout?account={account}', 'https://{account}.isp.example/checkout'),
    problems: [`${WS('payment_url')}: placeholders are allowed in the path and query only, not in the host`],
  },
  {
    name: 'payment URL whose host restricted subscribers cannot reach',
    change: editWs('https://pay.isp.example/checkout', 'https://pay.other.example/checkout'),
    problems: [`${WS('payment_url')}: host "pay.other.example" is neither in payment_allowlist nor the reminder_host: restricted subscribers could not reach it`],
  },
  {
    name: 'payment URL with credentials',
    change: editWs('https://pay.isp.example/checkout', 'https://shop:pw@pay.isp.example/checkout'),
    problems: [`${WS('payment_url')}: must not contain a user name or password`],
  },
  {
    name: 'allowlist entry written as a URL',
    change: editWs('      - checkout.gateway.example', '      - https://checkout.gateway.example/'),
    problems: [`${WS('payment_allowlist[0]')}: "https://checkout.gateway.example/" is not a domain name (write the host name only, e.g. checkout.gateway.example)`],
  },
  {
    name: 'loopback redirect_ip',
    change: editWs('    # redirect_ip: 203.0.113.10', '    redirect_ip: 127.0.0.1'),
    problems: [`${WS('redirect_ip')}: "127.0.0.1" is a loopback address; routers must reach radgate's captive listener at it`],
  },
  {
    name: 'IPv6 redirect_ip',
    change: editWs('    # redirect_ip: 203.0.113.10', '    redirect_ip: "2001:db8::1"'),
    problems: [`${WS('redirect_ip')}: "2001:db8::1" is not an IPv4 address (RouterOS dst-nat needs one)`],
  },
  {
    name: 'background colour too dark for the page text',
    change: editWs('      background_color: "#f3f4f6"', '      background_color: "#555555"'),
    problems: [`${WS('branding.background_color')}: "#555555" leaves too little contrast for the page text (2.0:1; WCAG AA needs 4.5:1): use a lighter colour`],
  },
  {
    name: 'colour that is not #rrggbb',
    change: editWs('      primary_color: "#0b5394"', '      primary_color: blue'),
    problems: [`${WS('branding.primary_color')}: "blue" is not a colour; use #rrggbb (e.g. "#1d4ed8")`],
  },
  {
    name: 'missing logo file',
    change: editWs('      logo: branding/example-isp.svg', '      logo: branding/missing.png'),
    problems: [`${WS('branding.logo')}: cannot read "branding/missing.png" (file not found)`],
  },
  {
    name: 'logo outside the config directory',
    change: editWs('      logo: branding/example-isp.svg', '      logo: ../../etc/passwd.png'),
    problems: [`${WS('branding.logo')}: "../../etc/passwd.png" must be a file inside the config directory (it is served to anyone who opens a reminder page)`],
  },
  {
    name: 'logo of an unknown type',
    change: editWs('      logo: branding/example-isp.svg', '      logo: workspaces.yaml'),
    problems: [`${WS('branding.logo')}: "workspaces.yaml" must be an image: .svg, .png, .jpg, .jpeg, .webp`],
  },
  {
    name: 'locale and time zone that do not exist',
    change: async (dir) => {
      await editWs('    locale: en-US', '    locale: en_US')(dir);
      await editWs('    timezone: UTC', '    timezone: Mars/Olympus')(dir);
    },
    problems: [
      `${WS('locale')}: "en_US" is not a BCP 47 locale (e.g. en-US, fr, sw-KE)`,
      `${WS('timezone')}: "Mars/Olympus" is not an IANA time zone (e.g. UTC, Europe/Berlin, Africa/Nairobi)`,
    ],
  },
  {
    name: 'support phone as a YAML number, bad e-mail',
    change: async (dir) => {
      await editWs('      phone: "+1 555 0100"', '      phone: 5550100')(dir);
      await editWs('      email: billing@isp.example', '      email: billing')(dir);
    },
    problems: [
      `${WS('support.phone')}: must be text: put the number in quotes (e.g. "+1 555 0100")`,
      `${WS('support.email')}: "billing" is not an e-mail address`,
    ],
  },
  {
    name: 'link lifetime too short',
    change: editWs('      link_lifetime: 7d', '      link_lifetime: 1m'),
    problems: [`${WS('reminder.link_lifetime')}: must be from 300s to 31622400s, got 60s`],
  },
  {
    name: 'captive port equal to the HTTP port',
    change: editServer('  captive_port: 8081', '  captive_port: 8080'),
    problems: ['server.yaml: server.captive_port: must differ from the HTTP port (8080)'],
  },
  {
    name: 'captive port from the environment',
    change: async () => {},
    env: { RADGATE_CAPTIVE_PORT: 'http' },
    problems: ['env: RADGATE_CAPTIVE_PORT: "http" is not a port number (0-65535)'],
  },
  {
    name: 'trusted proxy that is not an address',
    change: editServer('  trusted_proxies: []', '  trusted_proxies: [10.0.0.0/8, proxy.local]'),
    problems: ['server.yaml: server.trusted_proxies[1]: "proxy.local" is not an IP address or CIDR range'],
  },
  {
    name: 'link key without file or env, and a duplicate id',
    change: withLinkKeys('    - { id: k1, algorithm: HS256, env: RADGATE_TEST_LINK_KEY }\n    - { id: k1, algorithm: EdDSA }\n'),
    env: { RADGATE_TEST_LINK_KEY: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NQ==' },
    problems: [
      'server.yaml: server.link_keys[1].id: duplicate key id "k1" (first used by link_keys[0])',
      'server.yaml: server.link_keys[1]: file or env is required (key material never goes in this file)',
    ],
  },
  {
    name: 'link key from an unset environment variable, and an unknown algorithm',
    change: withLinkKeys('    - { id: k1, algorithm: HS256, env: RADGATE_TEST_LINK_KEY }\n    - { id: k2, algorithm: RS256, file: k2.pem }\n'),
    problems: [
      'server.yaml: server.link_keys[1].algorithm: must be one of HS256, EdDSA, got "RS256"',
      'server.yaml: server.link_keys[0].env: environment variable RADGATE_TEST_LINK_KEY is not set',
    ],
  },
  {
    name: 'HS256 link key that is too short',
    change: async (dir) => {
      await write(dir, 'link.key', 'c2hvcnQ=\n');
      await withLinkKeys('    - { id: k1, algorithm: HS256, file: link.key }\n')(dir);
    },
    problems: ['server.yaml: server.link_keys[0].file: HS256 key is 5 bytes; it must be at least 32 random bytes as base64 or hex (openssl rand -base64 32)'],
  },
  {
    name: 'first link key is an EdDSA public key (it cannot sign)',
    change: async (dir) => {
      const { publicKey } = generateKeyPairSync('ed25519');
      await write(dir, 'old.pub', publicKey.export({ type: 'spki', format: 'pem' }).toString());
      await withLinkKeys('    - { id: old, algorithm: EdDSA, file: old.pub }\n')(dir);
    },
    problems: ['server.yaml: server.link_keys[0].file: the first key signs new links, so it must be a private key (this is a public key)'],
  },
  {
    name: 'EdDSA link key that is not an Ed25519 PEM',
    change: async (dir) => {
      await write(dir, 'k.pem', 'not a key\n');
      await withLinkKeys('    - { id: k, algorithm: EdDSA, file: k.pem }\n')(dir);
    },
    problems: ['server.yaml: server.link_keys[0].file: EdDSA key must be a PEM Ed25519 private or public key (openssl genpkey -algorithm ed25519)'],
  },
];

describe('broken configs: each reports exactly its problem', () => {
  it.each([...BROKEN, ...REMINDER_BROKEN])('$name', async ({ change, env, problems }) => {
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
