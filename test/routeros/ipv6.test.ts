/**
 * The IPv6 half of the unpaid policy (`router.ipv6: true`, docs/routeros.md §15): the rendered script's IPv6 part
 * against its golden file, the IPv4-only output unchanged without the switch, and router-apply on the fake RouterOS
 * (real wire protocol) placing the jump above an IPv6 fasttrack rule, with a second apply changing nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { RouterOsClient } from '../../src/routeros/api.js';
import { applyConfiguration } from '../../src/routeros/apply.js';
import { desiredFor } from '../../src/routeros/input.js';
import { renderScript } from '../../src/routeros/script.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { checkScript } from '../helpers/routeros-script-check.js';
import { goldenResolver, removeRouterConfigs, routerConfig } from './router-config.js';

afterAll(removeRouterConfigs);

const golden = (name: string) => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
const ipv6Config = () => routerConfig({ coreRouter: { ipv6: true } });
const model = async (dir: string) => desiredFor(await loadConfig(dir, {}), 'core-1', goldenResolver());

describe('router.ipv6 in nas.yaml', () => {
  it('is read as a boolean, absent means off; anything else is refused with its path', async () => {
    const nas = (config: Awaited<ReturnType<typeof loadConfig>>) => config.nas.find((n) => n.name === 'core-1')!;
    expect(nas(await loadConfig(ipv6Config(), {})).router?.ipv6).toBe(true);
    expect(nas(await loadConfig(routerConfig(), {})).router?.ipv6).toBeUndefined();
    await expect(loadConfig(routerConfig({ coreRouter: { ipv6: 'maybe' } }), {})).rejects.toThrow(/nas\[\d+\]\.router\.ipv6: /);
  });
});

describe('the rendered IPv6 part', () => {
  it('matches the golden file; it is the IPv4 script plus the IPv6 header lines, sections and sweeps', async () => {
    const text = renderScript(await model(ipv6Config()));
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden('pppoe-ipv6.rsc'), text);
    expect(text).toBe(readFileSync(golden('pppoe-ipv6.rsc'), 'utf8'));
    // Without the switch nothing IPv6 is rendered (the IPv4 golden file stays as it was).
    const plain = renderScript(await model(routerConfig()));
    expect(plain).toBe(readFileSync(golden('pppoe.rsc'), 'utf8'));
    expect(plain).not.toContain('/ipv6');
    // Every line of the IPv4-only script is in the IPv6 one.
    const lines = new Set(text.split('\n'));
    expect(plain.split('\n').filter((l) => !lines.has(l))).toEqual([]);
  });

  it('the IPv6 rules: jump at the top of forward, DNS, ICMPv6, the allow list, tls-host, TCP reset, drop', async () => {
    const text = renderScript(await model(ipv6Config()));
    expect(text).toContain('/ipv6 firewall address-list add list=radgate-allow address=pay.isp.example comment="radgate:v6-allow:pay.isp.example"');
    expect(text).toContain('/ipv6 firewall filter add chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid comment="radgate:v6-jump"');
    expect(text).toContain('chain=radgate-unpaid protocol=icmpv6 action=accept');
    expect(text).toContain('chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept');
    expect(text).toContain('chain=radgate-unpaid protocol=tcp action=reject reject-with=tcp-reset');
    expect(text).toContain('/ipv6 firewall filter remove [find where comment~"^radgate:" and dynamic=no');
    expect(text).not.toContain('/ipv6 firewall nat');
    expect(checkScript(text).errors).toEqual([]);
  });
});

describe('router-apply with IPv6', () => {
  let router: FakeRouterOs;
  let client: RouterOsClient;

  beforeEach(async () => {
    router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' });
    client = new RouterOsClient({ name: 'core-1', host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeoutSeconds: 10 });
  });

  afterEach(async () => {
    await client.close();
    await router.stop();
  });

  const writes = () => router.commands.map((c) => c.words[0]!).filter((w) => !w.endsWith('/print'));

  it('creates the IPv6 objects above the fasttrack rule, and a second apply changes nothing', async () => {
    router.seed('/ipv6/firewall/filter', [
      { chain: 'forward', action: 'fasttrack-connection', 'connection-state': 'established,related', comment: 'defconf: fasttrack6' },
      { chain: 'forward', action: 'accept', 'connection-state': 'established,related,untracked', comment: 'defconf: accept established' },
    ]);
    router.seed('/ipv6/firewall/address-list', [{ list: 'bad_ipv6', address: '::1/128', comment: 'defconf: lo' }]);
    const desired = await model(ipv6Config());
    const first = await applyConfiguration(client, desired);
    expect(first.failed).toBeUndefined();
    expect(first.plan.conflicts).toEqual([]);
    for (const object of desired.objects.filter((o) => o.path.startsWith('/ipv6/'))) {
      expect(router.rows(object.path).filter((r) => r['comment'] === object.key), object.key).toHaveLength(1);
    }
    const filter = router.rows('/ipv6/firewall/filter').map((r) => r['comment']);
    expect(filter.indexOf('radgate:v6-jump')).toBeLessThan(filter.indexOf('defconf: fasttrack6'));
    // The chain's rules in order, ending with the reset and the drop.
    const chain = router.rows('/ipv6/firewall/filter').filter((r) => r['chain'] === 'radgate-unpaid').map((r) => r['comment']);
    expect(chain.slice(0, 4)).toEqual(['radgate:v6-dns', 'radgate:v6-dns-tcp', 'radgate:v6-icmpv6', 'radgate:v6-allowlist']);
    expect(chain.slice(-2)).toEqual(['radgate:v6-reject', 'radgate:v6-drop']);
    expect(router.rows('/ipv6/firewall/address-list').find((r) => r['list'] === 'bad_ipv6')).toBeDefined();

    router.commands.length = 0;
    const second = await applyConfiguration(client, await model(ipv6Config()));
    expect(second.plan.operations).toEqual([]);
    expect(writes()).toEqual([]);
  });

  it('a router without the switch is never asked about its IPv6 menus', async () => {
    const report = await applyConfiguration(client, await model(routerConfig()));
    expect(report.failed).toBeUndefined();
    expect(router.commands.map((c) => c.words[0]!).filter((w) => w.startsWith('/ipv6/'))).toEqual([]);
  });
});
