import { describe, expect, it } from 'vitest';
import { formatIp, ipInRange, isLoopback, parseCidr, parseIp, rangesOverlap } from '../src/ip.js';

describe('parseIp', () => {
  it.each([
    ['10.0.0.1', 4, 0x0a000001n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::1', 6, 1n],
    ['::', 6, 0n],
    ['2001:db8::1', 6, 0x20010db8000000000000000000000001n],
    ['2001:DB8:0:0:0:0:0:1', 6, 0x20010db8000000000000000000000001n],
    ['::ffff:10.0.0.1', 4, 0x0a000001n], // IPv4-mapped, as a dual-stack socket reports IPv4 peers
    ['::ffff:a00:1', 4, 0x0a000001n],
    ['fe80::1%eth0', 6, 0xfe800000000000000000000000000001n],
  ])('%s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each(['', '10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', 'g::1', 'localhost', '1::2:3:4:5:6:7:8'])(
    'rejects %j',
    (text) => expect(parseIp(text)).toBeUndefined(),
  );
});

describe('parseCidr / ipInRange', () => {
  it('treats a bare address as a single-address range', () => {
    const range = parseCidr('192.0.2.7');
    expect(range).toEqual({ family: 4, prefix: 32, first: 0xc0000207n, last: 0xc0000207n });
    expect(ipInRange('192.0.2.7', range)).toBe(true);
    expect(ipInRange('::ffff:192.0.2.7', range)).toBe(true);
    expect(ipInRange('192.0.2.8', range)).toBe(false);
  });

  it('matches addresses inside a CIDR and nothing outside', () => {
    const v4 = parseCidr('10.20.0.0/22');
    expect(ipInRange('10.20.0.0', v4)).toBe(true);
    expect(ipInRange('10.20.3.255', v4)).toBe(true);
    expect(ipInRange('10.20.4.0', v4)).toBe(false);
    expect(ipInRange('2001:db8::1', v4)).toBe(false);
    expect(ipInRange('not-an-ip', v4)).toBe(false);
    const v6 = parseCidr('2001:db8:1::/48');
    expect(ipInRange('2001:db8:1:ffff::1', v6)).toBe(true);
    expect(ipInRange('2001:db8:2::1', v6)).toBe(false);
    expect(ipInRange('10.20.0.1', v6)).toBe(false);
    expect(ipInRange('1.2.3.4', parseCidr('0.0.0.0/0'))).toBe(true);
  });

  it('reads an IPv4-mapped CIDR as IPv4', () => {
    expect(parseCidr('::ffff:10.0.0.0/120')).toEqual(parseCidr('10.0.0.0/24'));
  });

  it.each([
    ['10.0.0.5/24', '"10.0.0.5/24" has host bits set; did you mean 10.0.0.0/24?'],
    ['2001:db8::1/64', '"2001:db8::1/64" has host bits set; did you mean 2001:db8::/64?'],
    ['10.0.0.0/33', '"10.0.0.0/33" has an invalid prefix length (0 to 32)'],
    ['10.0.0.0/', '"10.0.0.0/" has an invalid prefix length (0 to 32)'],
    ['10.0.0.0/08', '"10.0.0.0/08" has an invalid prefix length (0 to 32)'],
    ['::/129', '"::/129" has an invalid prefix length (0 to 128)'],
    ['fe80::1%eth0', '"fe80::1%eth0" has a zone index; use a plain address'],
    ['router.example', '"router.example" is not an IP address or CIDR range'],
  ])('refuses %s', (text, message) => {
    expect(() => parseCidr(text)).toThrow(new TypeError(message));
  });

  it('detects overlap and loopback', () => {
    expect(rangesOverlap(parseCidr('10.0.0.0/8'), parseCidr('10.1.2.3'))).toBe(true);
    expect(rangesOverlap(parseCidr('10.0.0.0/24'), parseCidr('10.0.1.0/24'))).toBe(false);
    expect(rangesOverlap(parseCidr('::/0'), parseCidr('10.0.0.1'))).toBe(false);
    expect(isLoopback(parseCidr('127.0.0.1'))).toBe(true);
    expect(isLoopback(parseCidr('127.0.0.0/8'))).toBe(true);
    expect(isLoopback(parseCidr('::1'))).toBe(true);
    expect(isLoopback(parseCidr('::ffff:127.0.0.1'))).toBe(true);
    expect(isLoopback(parseCidr('126.0.0.0/7'))).toBe(false);
    expect(isLoopback(parseCidr('::/127'))).toBe(false);
  });
});

describe('formatIp', () => {
  it.each(['10.0.0.1', '::1', '::', '2001:db8::1', '2001:db8:0:1:0:0:0:1', '2001:db8::1:0:0:1', '1:0:2:3:4:5:6:7'])('%s', (text) => {
    const expected = text === '2001:db8:0:1:0:0:0:1' ? '2001:db8:0:1::1' : text;
    const ip = parseIp(text);
    expect(ip && formatIp(ip)).toBe(expected);
  });
});
