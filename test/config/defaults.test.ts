/** The one DEFAULTS object, pinned, and what a minimal config is filled with. */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../../src/config/index.js';
import { copyExample, edit, emptyDir, EXAMPLE_DIR, removeTempDirs, write } from './helpers.js';

afterAll(removeTempDirs);

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
      retention: {
        sessionsSeconds: 31_536_000, enforcementJobsSeconds: 7_776_000, subscriberEventsSeconds: 63_072_000,
        notificationsSeconds: 7_776_000, paymentCallbacksSeconds: 63_072_000, intervalSeconds: 3600,
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
        defaultLanguage: 'en',
        languages: ['en'],
        messages: {},
        paymentHooks: {},
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
        routerProfile: { fallback: undefined, byNas: {} },
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
