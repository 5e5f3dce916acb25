/** The example config in config/: it loads, states every value its comments give, and is deep-frozen. */
import { readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.js';
import { testCertificates } from '../helpers/fake-routeros.js';
import { copyExample, EXAMPLE_DIR, removeTempDirs, write } from './helpers.js';

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
      retention: {
        sessionsSeconds: 365 * 86400, enforcementJobsSeconds: 90 * 86400, subscriberEventsSeconds: 730 * 86400,
        notificationsSeconds: 90 * 86400, paymentCallbacksSeconds: 730 * 86400, intervalSeconds: 3600,
      },
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
        defaultLanguage: 'en',
        languages: ['en'],
        messages: {},
        paymentHooks: {},
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
        routerProfile: { fallback: undefined, byNas: {} },
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
        routerProfile: { fallback: undefined, byNas: {} },
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
    const routerCertificate = readFileSync(testCertificates().selfSigned.certFile, 'utf8');
    await mkdir(path.join(dir, 'certs'));
    await write(dir, 'certs/core-1.crt', routerCertificate);
    const config = await loadConfig(dir, {});
    expect(config.nas[1]).toEqual({
      name: 'core-1',
      address: '10.0.0.1',
      secret: 'k7Qe9x2LmP4vB8nZq1Wc3Ry6',
      workspace: 'default',
      requireMessageAuthenticator: 'yes',
      limitProxyState: 'auto',
      coaPort: 3799,
      api: { host: '10.0.0.1', port: 8729, user: 'radgate', password: 'api-pass', tls: true, ca: routerCertificate, fingerprint: undefined, timeoutSeconds: 10 },
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
