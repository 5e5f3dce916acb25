/** router-apply against the fake RouterOS API server (real wire protocol, generic tables). */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { RouterOsClient } from '../../src/routeros/api.js';
import { applyConfiguration, describeReport } from '../../src/routeros/apply.js';
import type { DesiredConfiguration } from '../../src/routeros/desired.js';
import { desiredFor } from '../../src/routeros/input.js';
import { FakeRouterOs, type Row } from '../helpers/fake-routeros.js';
import { goldenResolver, removeRouterConfigs, routerConfig, TRICKY_SECRET, type RouterConfigOptions } from './router-config.js';

afterAll(removeRouterConfigs);

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

async function model(nas = 'core-1', options: RouterConfigOptions = {}): Promise<DesiredConfiguration> {
  return desiredFor(await loadConfig(routerConfig(options), {}), nas, goldenResolver());
}

/** Commands that changed something (everything but print). */
function writes(): string[] {
  return router.commands.map((c) => c.words[0]!).filter((w) => !w.endsWith('/print'));
}

const comments = (path: string) => router.rows(path).map((r) => r['comment'] ?? '');
const byComment = (path: string, comment: string): Row | undefined => router.rows(path).find((r) => r['comment'] === comment);

/** A router as an ISP has it: a default-config firewall, a port forward, an unrelated address list. */
function seedExisting(): void {
  router.seed('/ip/firewall/filter', [
    { chain: 'forward', action: 'passthrough', comment: 'special dummy rule to show fasttrack counters', dynamic: 'true' },
    { chain: 'input', action: 'accept', 'connection-state': 'established,related,untracked', comment: 'defconf: accept established' },
    { chain: 'forward', action: 'fasttrack-connection', 'connection-state': 'established,related', comment: 'defconf: fasttrack' },
    { chain: 'forward', action: 'accept', 'connection-state': 'established,related,untracked', comment: 'defconf: accept established' },
    { chain: 'forward', action: 'drop', 'connection-state': 'invalid', comment: 'defconf: drop invalid' },
  ]);
  router.seed('/ip/firewall/nat', [
    { chain: 'srcnat', action: 'masquerade', 'out-interface-list': 'WAN', comment: 'defconf: masquerade' },
    { chain: 'dstnat', action: 'dst-nat', protocol: 'tcp', 'dst-port': '8080', 'to-addresses': '10.1.1.5', comment: 'camera' },
  ]);
  router.seed('/ip/firewall/address-list', [
    { list: 'radgate-allow', address: '192.0.2.99', comment: 'added by hand' },
    { list: 'customers', address: '10.9.0.0/16' },
  ]);
  router.seed('/ppp/profile', [{ name: 'default' }, { name: 'home', 'rate-limit': '2M/10M' }]);
}

/** Rows without a radgate comment, per table: must be identical before and after any apply. */
function foreignRows(): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const path of ['/ip/firewall/filter', '/ip/firewall/nat', '/ip/firewall/address-list', '/ppp/profile', '/radius']) {
    out[path] = router.rows(path).filter((r) => !(r['comment'] ?? '').startsWith('radgate:'));
  }
  return out;
}

describe('router-apply', () => {
  it('creates everything on a router that has none of it, placed where it must be, and leaves the rest alone', async () => {
    seedExisting();
    const before = foreignRows();
    const desired = await model();
    const report = await applyConfiguration(client, desired);
    expect(report.failed).toBeUndefined();
    expect(report.plan.conflicts).toEqual([]);
    expect(report.applied.length).toBe(report.plan.operations.length);

    // Every desired object exists once, with its properties.
    for (const object of desired.objects) {
      const rows = router.rows(object.path).filter((r) => r['comment'] === object.key);
      expect(rows, object.key).toHaveLength(1);
      for (const p of object.properties) expect(rows[0]![p.name], `${object.key} ${p.name}`).toBe(p.value);
    }
    expect(byComment('/radius', 'radgate:radius')?.['secret']).toBe(TRICKY_SECRET);
    expect(router.rows('/radius/incoming')[0]).toMatchObject({ accept: 'yes', port: '3799' });
    // accounting was already on (`true`): only what differs is set.
    expect(router.rows('/ppp/aaa')[0]).toEqual({ 'use-radius': 'yes', accounting: 'true', 'interim-update': '5m' });

    // The jump sits above fasttrack and established-accept (below the dynamic dummy rule); NAT above the port forward.
    const filter = comments('/ip/firewall/filter');
    expect(filter.slice(0, 4)).toEqual(['special dummy rule to show fasttrack counters', 'defconf: accept established', 'radgate:jump', 'defconf: fasttrack']);
    const nat = comments('/ip/firewall/nat');
    expect(nat.indexOf('radgate:http-redirect')).toBeLessThan(nat.indexOf('camera'));
    // The unpaid chain in order, ending in reject + drop.
    const chain = router.rows('/ip/firewall/filter').filter((r) => r['chain'] === 'radgate-unpaid').map((r) => r['comment']);
    expect(chain).toEqual(desired.objects.filter((o) => o.placement?.kind === 'sequence').map((o) => o.key));
    expect(chain.slice(-2)).toEqual(['radgate:reject', 'radgate:drop']);

    expect(foreignRows()).toEqual(before);
    const text = describeReport(report);
    expect(text).toMatch(/^NAS core-1: 21 change\(s\):\n {2}done {4}set {5}\/radius\/incoming: accept false → yes, port 1700 → 3799\n/);
    expect(text).toContain('  done    add     /ip/firewall/filter radgate:jump: chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid (before *3, first rule of chain forward)\n');
    expect(text).toContain('on-up=<script, 5 lines> on-down=<script, 4 lines>');
    expect(text).toMatch(/\napplied 21 change\(s\)$/);
    expect(describeReport(report)).toContain('secret=<secret>');
    expect(describeReport(report)).not.toContain(TRICKY_SECRET);
  });

  it('reports progress after each operation applied (the CLI draws it); a dry run reports none', async () => {
    seedExisting();
    const desired = await model();
    const dry: Array<[number, number]> = [];
    await applyConfiguration(client, desired, { dryRun: true, onProgress: (done, total) => dry.push([done, total]) });
    expect(dry).toEqual([]);
    const seen: Array<[number, number]> = [];
    const report = await applyConfiguration(client, desired, { onProgress: (done, total) => seen.push([done, total]) });
    const n = report.plan.operations.length;
    expect(n).toBeGreaterThan(1);
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => [i + 1, n]));
  });

  it('a second apply changes nothing (and says so)', async () => {
    seedExisting();
    const desired = await model();
    await applyConfiguration(client, desired);
    const snapshot = ['/ip/firewall/filter', '/ip/firewall/nat', '/ip/firewall/address-list', '/ppp/profile', '/radius'].map((p) => router.rows(p));
    router.commands.length = 0;
    const again = await applyConfiguration(client, desired);
    expect(again.plan.operations).toEqual([]);
    expect(describeReport(again)).toBe('NAS core-1: no changes');
    expect(writes()).toEqual([]);
    expect(['/ip/firewall/filter', '/ip/firewall/nat', '/ip/firewall/address-list', '/ppp/profile', '/radius'].map((p) => router.rows(p))).toEqual(snapshot);
  });

  it('reads values the way RouterOS prints them (true, 00:05:00, service order) as unchanged', async () => {
    const desired = await model();
    await applyConfiguration(client, desired);
    const radius = router.rows('/radius')[0]!;
    router.table('/radius').splice(0, 1, { ...radius, service: 'ppp', timeout: '00:00:03' });
    await client.set('/ppp/aaa', undefined, { 'use-radius': 'true', accounting: 'true', 'interim-update': '00:05:00' });
    await client.set('/radius/incoming', undefined, { accept: 'true' });
    router.commands.length = 0;
    const again = await applyConfiguration(client, desired);
    expect(again.plan.operations.map((o) => o.kind)).toEqual([]);
  });

  it('a changed config updates only what changed', async () => {
    seedExisting();
    await applyConfiguration(client, await model());
    const ids = (path: string) => router.rows(path).map((r) => r['.id']);
    const before = { filter: ids('/ip/firewall/filter'), nat: router.rows('/ip/firewall/nat'), list: router.rows('/ip/firewall/address-list') };
    router.commands.length = 0;
    const changed = await model('core-1', {
      workspace: { expired_profile: { group: 'expired', address_list: 'radgate-unpaid', rate_limit: '128k/128k' } },
      coreRouter: { interim_interval: '10m' },
    });
    const report = await applyConfiguration(client, changed);
    expect(report.failed).toBeUndefined();
    expect(report.plan.operations.map((o) => `${o.kind} ${o.path}`)).toEqual(['settings /ppp/aaa', 'set /ppp/profile']);
    expect(describeReport(report)).toBe([
      'NAS core-1: 2 change(s):',
      '  done    set     /ppp/aaa: interim-update 5m → 10m',
      `  done    set     /ppp/profile radgate:ppp-profile (${byComment('/ppp/profile', 'radgate:ppp-profile')?.['.id']}): rate-limit 256k/256k → 128k/128k`,
      'applied 2 change(s)',
    ].join('\n'));
    expect(writes()).toEqual(['/ppp/aaa/set', '/ppp/profile/set']);
    expect(byComment('/ppp/profile', 'radgate:ppp-profile')?.['rate-limit']).toBe('128k/128k');
    expect(ids('/ip/firewall/filter')).toEqual(before.filter);
    expect(router.rows('/ip/firewall/nat')).toEqual(before.nat);
    expect(router.rows('/ip/firewall/address-list')).toEqual(before.list);
  });

  it('a foreign (non-radgate) rule is left alone, even in radgate\'s chain and lists', async () => {
    seedExisting();
    router.seed('/ip/firewall/filter', [
      { chain: 'radgate-unpaid', action: 'accept', protocol: 'icmp', comment: 'operator: allow ping' },
      { chain: 'forward', action: 'drop', comment: 'radgate-ish but not tagged' },
    ]);
    router.seed('/ip/firewall/address-list', [{ list: 'radgate-unpaid', address: '10.20.0.9', comment: 'radgate-user:alice' }]);
    const before = foreignRows();
    await applyConfiguration(client, await model());
    const second = await applyConfiguration(client, await model());
    expect(second.plan.operations).toEqual([]);
    expect(foreignRows()).toEqual(before);
    // …and the operator's rule in the radgate chain keeps its place relative to radgate's own.
    expect(comments('/ip/firewall/filter')).toContain('operator: allow ping');
  });

  it('a removed allowlist domain is removed (address list, TLS rules, walled garden), nothing else', async () => {
    for (const nas of ['core-1', 'hs-1'] as const) {
      await applyConfiguration(client, await model(nas));
      const keep = (path: string) => router.rows(path).filter((r) => !(r['comment'] ?? '').includes('cdn.gateway.example'));
      const expected = { filter: keep('/ip/firewall/filter'), list: keep('/ip/firewall/address-list'), wg: keep('/ip/hotspot/walled-garden'), wgIp: keep('/ip/hotspot/walled-garden/ip') };
      router.commands.length = 0;
      const fewer = await model(nas, { workspace: { payment_allowlist: ['checkout.gateway.example'] } });
      const report = await applyConfiguration(client, fewer);
      const removed = report.plan.operations.map((o) => `${o.kind} ${'key' in o ? o.key : o.path}`);
      const expectedRemovals = ['remove radgate:allow:cdn.gateway.example', 'remove radgate:tls:cdn.gateway.example', 'remove radgate:tls:*.cdn.gateway.example'];
      if (nas === 'hs-1') expectedRemovals.push('remove radgate:wg:cdn.gateway.example', 'remove radgate:wg:*.cdn.gateway.example', 'remove radgate:wg-ip:cdn.gateway.example');
      expect(removed.sort()).toEqual(expectedRemovals.sort());
      expect(writes().every((w) => w.endsWith('/remove'))).toBe(true);
      expect(router.rows('/ip/firewall/filter')).toEqual(expected.filter);
      expect(router.rows('/ip/firewall/address-list')).toEqual(expected.list);
      expect(router.rows('/ip/hotspot/walled-garden')).toEqual(expected.wg);
      expect(router.rows('/ip/hotspot/walled-garden/ip')).toEqual(expected.wgIp);
    }
  });

  it('an added allowlist domain goes into the chain in place (place-before), no moves needed', async () => {
    await applyConfiguration(client, await model('core-1', { workspace: { payment_allowlist: ['checkout.gateway.example'] } }));
    const desired = await model();
    const report = await applyConfiguration(client, desired);
    expect(report.plan.operations.map((o) => `${o.kind} ${'key' in o ? o.key : o.path}${o.kind === 'add' && o.placeBefore ? ` before ${o.placeBefore.label}` : ''}`)).toEqual([
      'add radgate:allow:cdn.gateway.example',
      'add radgate:tls:cdn.gateway.example before radgate:reject',
      'add radgate:tls:*.cdn.gateway.example before radgate:reject',
    ]);
    const chain = router.rows('/ip/firewall/filter').filter((r) => r['chain'] === 'radgate-unpaid').map((r) => r['comment']);
    expect(chain).toEqual(desired.objects.filter((o) => o.placement?.kind === 'sequence').map((o) => o.key));
  });

  it('dry run: prints the plan and writes nothing', async () => {
    const report = await applyConfiguration(client, await model(), { dryRun: true });
    expect(writes()).toEqual([]);
    expect(report.applied).toEqual([]);
    const text = describeReport(report, { dryRun: true });
    expect(text).toMatch(/^NAS core-1: \d+ change\(s\) planned \(dry run, nothing applied\):/);
    expect(text).toContain('\n  add     /ip/firewall/filter radgate:jump: chain=forward src-address-list=radgate-unpaid action=jump jump-target=radgate-unpaid\n');
    expect(text).toContain('\n  add     /ip/firewall/filter radgate:tls:*.pay.isp.example: chain=radgate-unpaid protocol=tcp dst-port=443 tls-host="*.pay.isp.example" action=accept\n');
  });

  it('restores the order of radgate rules and the jump\'s place above the forward rules', async () => {
    seedExisting();
    await applyConfiguration(client, await model());
    // Someone moved the drop above the reject, and put a rule on top of forward.
    const filter = router.table('/ip/firewall/filter');
    const drop = filter.findIndex((r) => r['comment'] === 'radgate:drop');
    const [dropRow] = filter.splice(drop, 1);
    filter.splice(filter.findIndex((r) => r['comment'] === 'radgate:reject'), 0, dropRow!);
    filter.splice(1, 0, { '.id': '*F00', chain: 'forward', action: 'accept', 'src-address': '10.0.0.0/8', comment: 'LAN out' });
    const report = await applyConfiguration(client, await model());
    expect(report.plan.operations.map((o) => `${o.kind} ${'key' in o ? o.key : ''}`)).toEqual(['move radgate:jump', 'move radgate:reject']);
    const after = comments('/ip/firewall/filter');
    expect(after.indexOf('radgate:jump')).toBeLessThan(after.indexOf('LAN out'));
    expect(after.indexOf('radgate:reject')).toBeLessThan(after.indexOf('radgate:drop'));
    expect((await applyConfiguration(client, await model())).plan.operations).toEqual([]);
  });

  it('removes duplicates of a radgate object, keeping the first', async () => {
    await applyConfiguration(client, await model());
    const [dup] = router.seed('/ip/firewall/address-list', [{ list: 'radgate-allow', address: 'pay.isp.example.', comment: 'radgate:allow:pay.isp.example' }]);
    const report = await applyConfiguration(client, await model());
    expect(report.plan.operations).toEqual([{ kind: 'remove', path: '/ip/firewall/address-list', key: 'radgate:allow:pay.isp.example', target: { id: dup }, reason: 'duplicate' }]);
    expect(router.rows('/ip/firewall/address-list').filter((r) => r['comment'] === 'radgate:allow:pay.isp.example')).toHaveLength(1);
  });

  it('refuses (changing nothing) when an untagged PPP profile already has the expired profile\'s name', async () => {
    router.seed('/ppp/profile', [{ name: 'expired', 'rate-limit': '64k/64k' }]);
    const report = await applyConfiguration(client, await model());
    expect(writes()).toEqual([]);
    expect(describeReport(report)).toBe([
      'NAS core-1: refusing to apply — 1 conflict(s) with objects radgate does not manage:',
      '  /ppp/profile name=expired (*1) exists but is not managed by radgate; change or remove it, or set its comment to radgate:ppp-profile to hand it over',
      'nothing was changed',
    ].join('\n'));
  });

  it('refuses when an untagged RADIUS entry already points at radgate (the router would ask it first)', async () => {
    router.seed('/radius', [{ address: '192.0.2.10', secret: 'old', service: 'ppp' }]);
    const report = await applyConfiguration(client, await model());
    expect(writes()).toEqual([]);
    expect(report.plan.conflicts).toEqual(['/radius address=192.0.2.10 (*1) exists but is not managed by radgate; change or remove it, or set its comment to radgate:radius to hand it over']);
  });

  it('a secret the API user may not read is left alone, with a note (no endless "changes")', async () => {
    await applyConfiguration(client, await model());
    const table = router.table('/radius');
    const { secret: _hidden, ...shown } = table[0]!;
    table[0] = shown; // as RouterOS prints it to a user without the "sensitive" policy
    const report = await applyConfiguration(client, await model());
    expect(report.plan.operations).toEqual([]);
    expect(describeReport(report)).toBe([
      'note: /radius radgate:radius: the router does not show secret to this API user (grant it the "sensitive" policy to let radgate check it)',
      'NAS core-1: no changes',
    ].join('\n'));
  });

  it('a failure midway reports what was applied, what failed and what was not run; the next run finishes', async () => {
    seedExisting();
    router.inject('/ip/firewall/filter/add', { trap: { category: 1, message: 'failure: bad tls-host' } }, { times: 1 });
    const desired = await model();
    const report = await applyConfiguration(client, desired);
    expect(report.failed?.operation).toMatchObject({ kind: 'add', path: '/ip/firewall/filter', key: 'radgate:jump' });
    const text = describeReport(report);
    expect(text).toContain(`  FAILED  add     /ip/firewall/filter radgate:jump:`);
    expect(text).toContain('failure: bad tls-host');
    expect(text).toContain('  not run add     /ip/firewall/filter radgate:dns:');
    expect(text).toMatch(new RegExp(`stopped after ${report.applied.length} of ${report.plan.operations.length} change\\(s\\)`));
    // What the report says was done is on the router; what failed or did not run is not.
    for (const op of report.applied) if (op.kind === 'add') expect(byComment(op.path, op.key), op.key).toBeDefined();
    for (const op of report.skipped) if (op.kind === 'add') expect(byComment(op.path, op.key), op.key).toBeUndefined();
    expect(byComment('/ip/firewall/filter', 'radgate:jump')).toBeUndefined();

    const rerun = await applyConfiguration(client, desired);
    expect(rerun.failed).toBeUndefined();
    expect(rerun.plan.operations.length).toBe(report.skipped.length + 1);
    expect((await applyConfiguration(client, desired)).plan.operations).toEqual([]);
  });
});
