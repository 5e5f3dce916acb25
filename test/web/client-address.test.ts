/** X-Forwarded-For is believed only from trusted proxies, walked from the right; X-Forwarded-Host likewise. */
import { describe, expect, it } from 'vitest';
import { normalizeHost, TrustedProxies } from '../../src/web/client-address.js';

describe('client address behind trusted proxies', () => {
  const proxies = new TrustedProxies(['10.0.0.1', '192.0.2.0/24', '2001:db8::/32']);

  it.each([
    ['no header: the peer', '203.0.113.5', undefined, '203.0.113.5'],
    ['untrusted peer: the header is ignored', '203.0.113.5', '198.51.100.1', '203.0.113.5'],
    ['trusted peer: the address it appended', '10.0.0.1', '198.51.100.1', '198.51.100.1'],
    ['trusted peer: what the client wrote to the left is skipped', '10.0.0.1', '6.6.6.6, 198.51.100.1', '198.51.100.1'],
    ['a chain of trusted proxies is walked past', '10.0.0.1', '198.51.100.1, 192.0.2.10, 192.0.2.11', '198.51.100.1'],
    ['all hops trusted: the leftmost', '10.0.0.1', '192.0.2.10', '192.0.2.10'],
    ['garbage stops the walk at the last trusted hop', '10.0.0.1', '198.51.100.1, unknown', '10.0.0.1'],
    ['ports and brackets are stripped', '10.0.0.1', '[2001:db9::1]:443', '2001:db9::1'],
    ['IPv4 with a port', '10.0.0.1', '198.51.100.1:5555', '198.51.100.1'],
    ['an IPv4-mapped peer is the IPv4 address', '::ffff:10.0.0.1', '198.51.100.1', '198.51.100.1'],
    ['an IPv4-mapped untrusted peer, canonical', '::ffff:203.0.113.5', undefined, '203.0.113.5'],
  ])('%s', (_name, peer, header, client) => {
    expect(proxies.clientAddress(peer, header)).toBe(client);
  });

  it('no trusted proxies: the header never counts', () => {
    expect(new TrustedProxies([]).clientAddress('127.0.0.1', '198.51.100.1')).toBe('127.0.0.1');
  });
});

describe('the host a request asked for', () => {
  const proxies = new TrustedProxies(['10.0.0.1']);

  it.each([
    ['Host from a client', '203.0.113.5', 'pay.isp.example', undefined, 'pay.isp.example'],
    ["a client's X-Forwarded-Host is ignored", '203.0.113.5', 'pay.isp.example', 'pay.other.example', 'pay.isp.example'],
    ['a trusted proxy: its X-Forwarded-Host', '10.0.0.1', '127.0.0.1:8080', 'pay.isp.example', 'pay.isp.example'],
    ['a trusted proxy: the last entry (the one it wrote)', '10.0.0.1', '127.0.0.1:8080', 'pay.other.example, pay.isp.example', 'pay.isp.example'],
    ['a trusted proxy without the header: Host', '10.0.0.1', 'pay.isp.example:443', undefined, 'pay.isp.example'],
    ['no Host at all', '203.0.113.5', undefined, undefined, undefined],
  ])('%s', (_name, peer, host, forwarded, expected) => {
    expect(proxies.requestHost(peer, host, forwarded)).toBe(expected);
  });

  it.each([
    ['Pay.ISP.Example', 'pay.isp.example'],
    ['pay.isp.example.', 'pay.isp.example'],
    ['pay.isp.example:8443', 'pay.isp.example'],
    [' Pay.ISP.example.:443 ', 'pay.isp.example'],
    ['pay.isp.example..', 'pay.isp.example.'],
    ['[2001:DB8::1]:80', '[2001:db8::1]'],
    ['', undefined],
    [':80', undefined],
  ])('normalizeHost(%j) = %j', (text, expected) => {
    expect(normalizeHost(text)).toBe(expected);
  });
});
