import { describe, it, expect } from 'vitest';
import { desEncrypt, desEncryptBlock, expandDesKey } from '../../../src/radius/auth/des.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('des', () => {
  // FIPS 46-3 worked example (as in J. Orlin Grabbe, "The DES Algorithm Illustrated").
  it('FIPS 46-3: key 133457799BBCDFF1, plaintext 0123456789ABCDEF → 85E813540F0AB405', () => {
    expect(desEncryptBlock(hex('133457799BBCDFF1'), hex('0123456789ABCDEF')).toString('hex')).toBe('85e813540f0ab405');
  });

  // NIST SP 800-17 variable-plaintext known-answer test, first entry (key 0101…01, plaintext 8000…00).
  it('NIST SP 800-17 KAT: key 0101010101010101, plaintext 8000000000000000 → 95F8A5E5DD31D900', () => {
    expect(desEncryptBlock(hex('0101010101010101'), hex('8000000000000000')).toString('hex')).toBe('95f8a5e5dd31d900');
  });

  // FIPS 81 (DES modes of operation) Appendix B ECB example, first block: "Now is t" under 0123456789ABCDEF.
  it('FIPS 81 ECB: key 0123456789ABCDEF, plaintext "Now is t" → 3FA40E8A984D4815', () => {
    expect(desEncryptBlock(hex('0123456789ABCDEF'), Buffer.from('Now is t', 'ascii')).toString('hex')).toBe('3fa40e8a984d4815');
  });

  it('RFC 2759 §8.6: 7-byte key expands to 8 bytes with odd parity in the low bit', () => {
    expect(expandDesKey(hex('00000000000000')).toString('hex')).toBe('0101010101010101');
    expect(expandDesKey(hex('ffffffffffffff')).toString('hex')).toBe('fefefefefefefefe');
    const k8 = expandDesKey(hex('1234567889abcd'));
    for (const b of k8) {
      let ones = 0;
      for (let v = b; v; v >>= 1) ones += v & 1;
      expect(ones % 2).toBe(1);
    }
  });

  it('desEncrypt (7-byte key) equals desEncryptBlock on the expanded key', () => {
    // The 7-bit groups of 133457799BBCDFF1 packed into 56 bits.
    const key7 = Buffer.alloc(7);
    let acc = 0n;
    for (const b of hex('133457799BBCDFF1')) acc = (acc << 7n) | BigInt(b >> 1);
    for (let i = 6; i >= 0; i--) {
      key7[i] = Number(acc & 0xffn);
      acc >>= 8n;
    }
    expect(desEncrypt(key7, hex('0123456789ABCDEF')).toString('hex')).toBe('85e813540f0ab405');
  });

  it('rejects wrong sizes', () => {
    expect(() => desEncrypt(Buffer.alloc(8), Buffer.alloc(8))).toThrow(RangeError);
    expect(() => desEncryptBlock(Buffer.alloc(8), Buffer.alloc(7))).toThrow(RangeError);
  });
});
