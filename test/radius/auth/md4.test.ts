import { describe, it, expect } from 'vitest';
import { md4 } from '../../../src/radius/auth/md4.js';

describe('md4', () => {
  // RFC 1320 §A.5 test suite.
  const suite: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      'e33b4ddc9c38f2199c3e7b164fcc0536',
    ],
  ];
  for (const [input, digest] of suite) {
    it(`RFC 1320 §A.5: MD4("${input}")`, () => {
      expect(md4(Buffer.from(input, 'ascii')).toString('hex')).toBe(digest);
    });
  }

  it('pads correctly around the 55/56/64-byte block boundaries (self-consistency)', () => {
    for (const n of [55, 56, 63, 64, 65, 119, 120]) {
      const d = md4(Buffer.alloc(n, 0x61));
      expect(d).toHaveLength(16);
      expect(md4(new Uint8Array(Buffer.alloc(n, 0x61)))).toEqual(d);
    }
    expect(md4(Buffer.alloc(55))).not.toEqual(md4(Buffer.alloc(56)));
  });
});
