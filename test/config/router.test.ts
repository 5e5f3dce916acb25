import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { addNas, copyExample, problemsOf, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

/** A second NAS (non-loopback) with the given `router:` lines (indented under it) and optional extra lines. */
const nasWithRouter = (router: string[], extra: string[] = []) =>
  [
    '  - name: core-1',
    '    address: 10.0.0.1',
    '    secret: k7Qe9x2LmP4vB8nZ',
    '    workspace: default',
    ...extra,
    '    router:',
    ...router.map((line) => `      ${line}`),
    '',
  ].join('\n');

describe('nas.yaml router: section', () => {
  it('fills the defaults when only radgate_address is given', async () => {
    const dir = await copyExample();
    await addNas(dir, nasWithRouter(['radgate_address: 192.0.2.10']));
    const config = await loadConfig(dir, {});
    expect(config.nas[0]?.router).toBeUndefined();
    expect(config.nas[1]?.router).toEqual({
      services: ['ppp'],
      radgateAddress: '192.0.2.10',
      srcAddress: undefined,
      radiusTimeoutSeconds: 3,
      interimIntervalSeconds: 300,
      reconcileIntervalSeconds: undefined,
      reconcileFix: false,
    });
  });

  it('reads every key', async () => {
    const dir = await copyExample();
    await addNas(dir, nasWithRouter(
      ['services: [hotspot, ppp]', 'radgate_address: 192.0.2.10', 'src_address: 10.0.0.1', 'radius_timeout: 1500ms',
        'interim_interval: 2m', 'reconcile_interval: 15m', 'reconcile_fix: true'],
      ['    api: { user: radgate, password: x }'],
    ));
    const config = await loadConfig(dir, {});
    expect(config.nas[1]?.router).toEqual({
      services: ['hotspot', 'ppp'],
      radgateAddress: '192.0.2.10',
      srcAddress: '10.0.0.1',
      radiusTimeoutSeconds: 1.5,
      interimIntervalSeconds: 120,
      reconcileIntervalSeconds: 900,
      reconcileFix: true,
    });
  });

  const BROKEN: Array<{ name: string; router: string[]; extra?: string[]; problems: string[] }> = [
    {
      name: 'services as a single word',
      router: ['services: ppp', 'radgate_address: 192.0.2.10'],
      problems: ['nas.yaml: nas[1].router.services: must be a list of ppp, hotspot, e.g. [ppp], got a string'],
    },
    {
      name: 'unknown service',
      router: ['services: [pppoe]', 'radgate_address: 192.0.2.10'],
      problems: ['nas.yaml: nas[1].router.services: "pppoe" is not a service (one of ppp, hotspot)'],
    },
    {
      name: 'service listed twice',
      router: ['services: [ppp, ppp]', 'radgate_address: 192.0.2.10'],
      problems: ['nas.yaml: nas[1].router.services: lists "ppp" twice'],
    },
    {
      name: 'no services',
      router: ['services: []', 'radgate_address: 192.0.2.10'],
      problems: ['nas.yaml: nas[1].router.services: must not be empty (a list of ppp, hotspot, e.g. [ppp])'],
    },
    {
      name: 'radgate_address missing',
      router: ['services: [ppp]'],
      problems: ['nas.yaml: nas[1].router.radgate_address: required'],
    },
    {
      name: 'radgate_address as a host name',
      router: ['radgate_address: radgate.isp.example'],
      problems: ['nas.yaml: nas[1].router.radgate_address: "radgate.isp.example" is not an IP address'],
    },
    {
      name: 'radgate_address IPv6',
      router: ['radgate_address: "2001:db8::1"'],
      problems: ['nas.yaml: nas[1].router.radgate_address: "2001:db8::1" is not an IPv4 address'],
    },
    {
      name: 'radius_timeout too short',
      router: ['radgate_address: 192.0.2.10', 'radius_timeout: 50ms'],
      problems: ['nas.yaml: nas[1].router.radius_timeout: must be from 100ms to 30s, got 50ms'],
    },
    {
      name: 'interim_interval below a minute',
      router: ['radgate_address: 192.0.2.10', 'interim_interval: 30s'],
      problems: ['nas.yaml: nas[1].router.interim_interval: must be at least 60s, got 30s'],
    },
    {
      name: 'periodic reconcile without API access',
      router: ['radgate_address: 192.0.2.10', 'reconcile_interval: 15m'],
      problems: ['nas.yaml: nas[1].router.reconcile_interval: needs RouterOS API access: add an api: section to this NAS'],
    },
    {
      name: 'reconcile_fix without reconcile_interval',
      router: ['radgate_address: 192.0.2.10', 'reconcile_fix: true'],
      problems: ['nas.yaml: nas[1].router.reconcile_fix: has no effect without reconcile_interval'],
    },
    {
      name: 'misspelt key',
      router: ['radgate_adress: 192.0.2.10'],
      problems: [
        'nas.yaml: nas[1].router.radgate_address: required',
        'nas.yaml: nas[1].router.radgate_adress: unknown key (did you mean "radgate_address"?)',
      ],
    },
  ];

  it.each(BROKEN)('$name', async ({ router, extra, problems }) => {
    const dir = await copyExample();
    await addNas(dir, nasWithRouter(router, extra));
    expect(await problemsOf(dir)).toEqual(problems);
  });
});
