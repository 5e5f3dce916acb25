/** MD4 message digest (RFC 1320), needed by MS-CHAP because OpenSSL 3 no longer ships it by default. */

/** Rotate a 32-bit word left by `n` bits. */
function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/**
 * RFC 1320 §3: the 16-byte MD4 digest of `data`.
 * Padding (§3.1–3.2), the three rounds (§3.4) and little-endian output (§3.5).
 */
export function md4(data: Uint8Array): Buffer {
  const len = data.length;
  // §3.1–3.2: append 0x80, zeros up to 56 mod 64, then the bit length as 64-bit little-endian.
  const total = (((len + 8) >>> 6) + 1) << 6;
  const msg = Buffer.alloc(total);
  msg.set(data, 0);
  msg[len] = 0x80;
  msg.writeUInt32LE((len * 8) >>> 0, total - 8);
  msg.writeUInt32LE(Math.floor(len / 0x20000000) >>> 0, total - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;

  for (let off = 0; off < total; off += 64) {
    const x = (i: number): number => msg.readInt32LE(off + 4 * i);
    const aa = a;
    const bb = b;
    const cc = c;
    const dd = d;
    // Round 1: F(X,Y,Z) = XY v not(X) Z
    for (let i = 0; i < 16; i += 4) {
      a = rotl((a + ((b & c) | (~b & d)) + x(i)) | 0, 3);
      d = rotl((d + ((a & b) | (~a & c)) + x(i + 1)) | 0, 7);
      c = rotl((c + ((d & a) | (~d & b)) + x(i + 2)) | 0, 11);
      b = rotl((b + ((c & d) | (~c & a)) + x(i + 3)) | 0, 19);
    }
    // Round 2: G(X,Y,Z) = XY v XZ v YZ, plus 0x5A827999
    for (let i = 0; i < 4; i++) {
      a = rotl((a + ((b & c) | (b & d) | (c & d)) + x(i) + 0x5a827999) | 0, 3);
      d = rotl((d + ((a & b) | (a & c) | (b & c)) + x(i + 4) + 0x5a827999) | 0, 5);
      c = rotl((c + ((d & a) | (d & b) | (a & b)) + x(i + 8) + 0x5a827999) | 0, 9);
      b = rotl((b + ((c & d) | (c & a) | (d & a)) + x(i + 12) + 0x5a827999) | 0, 13);
    }
    // Round 3: H(X,Y,Z) = X xor Y xor Z, plus 0x6ED9EBA1; word order 0 8 4 12, 2 10 6 14, 1 9 5 13, 3 11 7 15
    for (const i of [0, 2, 1, 3]) {
      a = rotl((a + (b ^ c ^ d) + x(i) + 0x6ed9eba1) | 0, 3);
      d = rotl((d + (a ^ b ^ c) + x(i + 8) + 0x6ed9eba1) | 0, 9);
      c = rotl((c + (d ^ a ^ b) + x(i + 4) + 0x6ed9eba1) | 0, 11);
      b = rotl((b + (c ^ d ^ a) + x(i + 12) + 0x6ed9eba1) | 0, 15);
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }

  const out = Buffer.alloc(16);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  out.writeInt32LE(c, 8);
  out.writeInt32LE(d, 12);
  return out;
}
