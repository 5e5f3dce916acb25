/**
 * The client registry: the one lookup from a source address to a NAS and its secret (docs/radius-protocol.md §2). Exact
 * addresses, CIDR ranges (IPv4 and IPv6), IPv4-mapped IPv6 sources, unknown sources, and what `auto` mode learned
 * surviving a reload.
 */
import { describe, expect, it } from 'vitest';
import { ClientRegistry, normaliseAddress, type ClientDefinition, type TriState } from '../../src/radius/clients.js';
import { makeSecret } from '../../src/radius/encode.js';

function nas(name: string, address: string, mode: TriState = 'auto'): ClientDefinition<{ name: string }> {
  return { name, address, secret: makeSecret(`${name}-secret`), requireMessageAuthenticator: mode, limitProxyState: mode, data: { name } };
}

const DEFINITIONS = [
  nas('core', '10.0.0.1'),
  nas('branch-range', '10.1.0.0/16'),
  nas('inside-range', '10.1.2.3'),
  nas('v6', '2001:db8::1'),
  nas('v6-range', '2001:db8:1::/48'),
];

describe('ClientRegistry.lookup', () => {
  const registry = new ClientRegistry(DEFINITIONS);

  it('finds a NAS by its exact address, with its secret and data', () => {
    const client = registry.lookup('10.0.0.1');
    expect(client?.name).toBe('core');
    expect(client?.secret.text).toBe('core-secret');
    expect(client?.data).toEqual({ name: 'core' });
  });

  it('finds a NAS by a range; an exact address wins over a range that holds it', () => {
    expect(registry.lookup('10.1.200.7')?.name).toBe('branch-range');
    expect(registry.lookup('10.1.0.0')?.name).toBe('branch-range');
    expect(registry.lookup('10.1.255.255')?.name).toBe('branch-range');
    expect(registry.lookup('10.1.2.3')?.name).toBe('inside-range');
  });

  it('IPv6: exact and range', () => {
    expect(registry.lookup('2001:db8::1')?.name).toBe('v6');
    expect(registry.lookup('2001:db8:1:ffff::9')?.name).toBe('v6-range');
    expect(registry.lookup('2001:db8:2::1')).toBeUndefined();
  });

  it('an IPv4-mapped IPv6 source (a dual-stack socket) is the IPv4 NAS', () => {
    expect(normaliseAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(normaliseAddress('::ffff:zz')).toBe('::ffff:zz');
    expect(registry.lookup('::ffff:10.0.0.1')?.name).toBe('core');
    expect(registry.lookup('::ffff:10.1.9.9')?.name).toBe('branch-range');
  });

  it('an unknown source is undefined, just outside a range too', () => {
    expect(registry.lookup('10.0.0.2')).toBeUndefined();
    expect(registry.lookup('10.2.0.0')).toBeUndefined();
    expect(registry.lookup('10.0.255.255')).toBeUndefined();
    expect(registry.lookup('192.0.2.1')).toBeUndefined();
    expect(registry.lookup('::1')).toBeUndefined();
  });

  it('byName and all', () => {
    expect(registry.byName('v6-range')?.address).toBe('2001:db8:1::/48');
    expect(registry.byName('nope')).toBeUndefined();
    expect(registry.all().map((c) => c.name).sort()).toEqual(['branch-range', 'core', 'inside-range', 'v6', 'v6-range']);
  });
});

describe('what auto mode learned, across a reload', () => {
  it('is kept while the NAS keeps its name and modes, and starts over when a mode changes', () => {
    const first = new ClientRegistry([nas('core', '10.0.0.1'), nas('edge', '10.0.0.2')]);
    first.lookup('10.0.0.1')!.learned.requireMa = true;
    first.lookup('10.0.0.2')!.learned.limitProxyState = false;
    const second = new ClientRegistry([nas('core', '10.0.0.9'), nas('edge', '10.0.0.2', 'yes')], first);
    expect(second.lookup('10.0.0.9')?.learned).toEqual({ requireMa: true });
    expect(second.lookup('10.0.0.2')?.learned).toEqual({});
  });

  it('each NAS learns on its own', () => {
    const registry = new ClientRegistry([nas('a', '10.0.0.1'), nas('b', '10.0.0.2')]);
    registry.lookup('10.0.0.1')!.learned.requireMa = true;
    expect(registry.lookup('10.0.0.2')!.learned).toEqual({});
  });
});
