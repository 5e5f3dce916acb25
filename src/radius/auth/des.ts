/** Single-block DES encryption (FIPS 46-3) and the MS-CHAP DesEncrypt key expansion (RFC 2759 §8.6). */

// FIPS 46-3 tables; every entry is a 1-based bit position, bit 1 being the most significant bit of byte 0.
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24,
  16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39,
  31, 23, 15, 7,
] as const;
const FP = [
  40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21,
  61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9,
  49, 17, 57, 25,
] as const;
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
] as const;
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, 63, 55,
  47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
] as const;
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30,
  40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
] as const;
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1] as const;
// S1..S8, each 4 rows × 16 columns, flattened: SBOX[box * 64 + row * 16 + column].
const SBOX: readonly number[] = [
  14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
  4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
  15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
  0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
  10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
  13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
  7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
  10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
  2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
  4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
  12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
  9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
  4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
  1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
  13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
  7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
];

/** FIPS 46-3 permutation of a 64-bit value (hi ‖ lo): output bit i is input bit table[i] (1-based, MSB first). */
function pick64(hi: number, lo: number, table: readonly number[]): number {
  let out = 0;
  for (const n of table) out = (out << 1) | (n <= 32 ? (hi >>> (32 - n)) & 1 : (lo >>> (64 - n)) & 1);
  return out >>> 0;
}

/** As pick64, over the 56-bit C ‖ D of the key schedule (two 28-bit halves). */
function pick56(c: number, d: number, table: readonly number[]): number {
  let out = 0;
  for (const n of table) out = (out << 1) | (n <= 28 ? (c >>> (28 - n)) & 1 : (d >>> (56 - n)) & 1);
  return out >>> 0;
}

/**
 * FIPS 46-3 S-boxes followed by P, merged: SP[box * 64 + six] = P(S_box(six) in output nibble `box`).
 * Built once at load; the round function is then eight lookups.
 */
const SP: Int32Array = (() => {
  const sp = new Int32Array(512);
  for (let box = 0; box < 8; box++) {
    for (let six = 0; six < 64; six++) {
      const row = ((six >> 4) & 2) | (six & 1);
      const s = SBOX[box * 64 + row * 16 + ((six >> 1) & 15)] ?? 0;
      sp[box * 64 + six] = pick64(s << (28 - 4 * box), 0, P);
    }
  }
  return sp;
})();

const IP_HI = IP.slice(0, 32);
const IP_LO = IP.slice(32);
const FP_HI = FP.slice(0, 32);
const FP_LO = FP.slice(32);
const PC1_C = PC1.slice(0, 28);
const PC1_D = PC1.slice(28);
// PC2's first 24 outputs come from C, the last 24 from D.
const PC2_C = PC2.slice(0, 24);
const PC2_D = PC2.slice(24);

/** FIPS 46-3 "Key Schedule Calculation": K1..K16, each as eight 6-bit groups (16 × 8 entries). */
function keySchedule(hi: number, lo: number): Uint8Array {
  let c = pick64(hi, lo, PC1_C);
  let d = pick64(hi, lo, PC1_D);
  const ks = new Uint8Array(128);
  let i = 0;
  for (const s of SHIFTS) {
    c = ((c << s) | (c >>> (28 - s))) & 0xfffffff;
    d = ((d << s) | (d >>> (28 - s))) & 0xfffffff;
    const kc = pick56(c, d, PC2_C);
    const kd = pick56(c, d, PC2_D);
    for (let j = 18; j >= 0; j -= 6) ks[i++] = (kc >>> j) & 63;
    for (let j = 18; j >= 0; j -= 6) ks[i++] = (kd >>> j) & 63;
  }
  return ks;
}

/** FIPS 46-3 "The Cipher Function f": P(S(E(R) xor K)), with E as eight overlapping 6-bit windows of R. */
function feistel(r: number, ks: Uint8Array, round: number): number {
  const e = (r >>> 1) | (r << 31); // bit 32 first, then bits 1..31
  let f = 0;
  for (let box = 0; box < 8; box++) {
    const w = box === 0 ? e : (e << (4 * box)) | (e >>> (32 - 4 * box));
    const six = ((w >>> 26) & 63) ^ (ks[round * 8 + box] ?? 0);
    f |= SP[box * 64 + six] ?? 0;
  }
  return f;
}

/** FIPS 46-3 §"Enciphering": DES-ECB encryption of one 8-byte block under an 8-byte key (parity bits ignored). */
export function desEncryptBlock(key8: Buffer, block8: Buffer): Buffer {
  if (key8.length !== 8 || block8.length !== 8) throw new RangeError('DES needs an 8-byte key and an 8-byte block');
  const ks = keySchedule(key8.readUInt32BE(0), key8.readUInt32BE(4));
  const hi = block8.readUInt32BE(0);
  const lo = block8.readUInt32BE(4);
  let l = pick64(hi, lo, IP_HI);
  let r = pick64(hi, lo, IP_LO);
  for (let round = 0; round < 16; round++) {
    const next = (l ^ feistel(r, ks, round)) >>> 0;
    l = r;
    r = next;
  }
  // Preoutput is R16 L16 (the halves are not swapped after the last round), then IP^-1.
  const out = Buffer.alloc(8);
  out.writeUInt32BE(pick64(r, l, FP_HI), 0);
  out.writeUInt32BE(pick64(r, l, FP_LO), 4);
  return out;
}

/**
 * RFC 2759 §8.6 DesEncrypt (key part): expand a 7-byte (56-bit) key to 8 bytes by inserting a parity bit after
 * every seventh bit; the parity bit is set so each byte has odd parity (DES ignores it).
 */
export function expandDesKey(key7: Buffer): Buffer {
  if (key7.length !== 7) throw new RangeError('DES key must be 7 bytes');
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) {
    const hi = i === 0 ? 0 : (key7[i - 1] ?? 0) << (8 - i);
    const lo = i === 7 ? 0 : (key7[i] ?? 0) >> i;
    const b = (hi | lo) & 0xfe;
    let ones = 0;
    for (let v = b; v !== 0; v >>= 1) ones += v & 1;
    out[i] = b | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}

/** RFC 2759 §8.6 DesEncrypt: encrypt the 8-byte `clear8` with DES-ECB under the expanded 7-byte `key7`. */
export function desEncrypt(key7: Buffer, clear8: Buffer): Buffer {
  return desEncryptBlock(expandDesKey(key7), clear8);
}
