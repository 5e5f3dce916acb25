import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import {
  decryptMppeKey,
  encryptMppeKey,
  getAsymmetricStartKey,
  getMasterKey,
  makeSalts,
  mppeKeysV2,
  mschapV1MppeKeys,
} from '../../../src/radius/auth/mppe.js';
import { hashNtPasswordHash } from '../../../src/radius/auth/mschap.js';
import { hidePassword, unhidePassword } from '../../../src/radius/auth/pap.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 3079 §3.5 sample (same exchange as RFC 2759 §9.2: user "User", password "clientPass").
const PASSWORD_HASH = hex('44EBBA8D5312B8D611474411F56989AE');
const PASSWORD_HASH_HASH = hex('41C00C584BD2D91C4017A2A12FA59F3F');
const NT_RESPONSE = hex('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF');
const MASTER_KEY = hex('FDECE3717A8C838CB388E527AE3CDD31');
const SERVER_SEND_KEY = hex('8b7cdc149b993a1ba118cb153f56dccb');
const SERVER_RECV_KEY = hex('d5f0e9521e3ea9589645e86051c82226');

const SECRET = Buffer.from('xyzzy5461');
const REQUEST_AUTH = hex('0f403f9473978057bd83d5cb98f4227a');

describe('MPPE keys (RFC 3079)', () => {
  it('RFC 3079 §3.5: GetMasterKey', () => {
    expect(getMasterKey(PASSWORD_HASH_HASH, NT_RESPONSE)).toEqual(MASTER_KEY);
  });

  it('RFC 3079 §3.5.3: 128-bit SendStartKey (server send key, Magic3)', () => {
    expect(getAsymmetricStartKey(MASTER_KEY, 16, true, true)).toEqual(SERVER_SEND_KEY);
    // The client's receive key is the server's send key, and vice versa.
    expect(getAsymmetricStartKey(MASTER_KEY, 16, false, false)).toEqual(SERVER_SEND_KEY);
    expect(getAsymmetricStartKey(MASTER_KEY, 16, true, false)).toEqual(SERVER_RECV_KEY);
  });

  it('RFC 3079 §3.5.1–3.5.2: 40/56-bit start keys are the first 8 bytes', () => {
    expect(getAsymmetricStartKey(MASTER_KEY, 8, true, true)).toEqual(SERVER_SEND_KEY.subarray(0, 8));
  });

  it('RFC 3079 §3.5: mppeKeysV2 gives the server MS-MPPE-Send-Key and MS-MPPE-Recv-Key', () => {
    expect(mppeKeysV2(PASSWORD_HASH, NT_RESPONSE)).toEqual({ sendKey: SERVER_SEND_KEY, recvKey: SERVER_RECV_KEY });
  });
});

describe('MS-MPPE-Send/Recv-Key encryption (RFC 2548 §2.4.2)', () => {
  it('round trip: encrypt then decrypt gives the key back; length 2 + 16·k', () => {
    for (const key of [SERVER_SEND_KEY, Buffer.alloc(0), Buffer.alloc(15, 7), Buffer.alloc(32, 9)]) {
      const [salt] = makeSalts(1);
      if (!salt) throw new Error('no salt');
      const value = encryptMppeKey(key, SECRET, REQUEST_AUTH, salt);
      expect(value.subarray(0, 2)).toEqual(salt);
      expect((value.length - 2) % 16).toBe(0);
      expect(value.length).toBe(2 + 16 * Math.ceil((key.length + 1) / 16));
      expect(decryptMppeKey(value, SECRET, REQUEST_AUTH)).toEqual(key);
    }
  });

  it('matches an independent computation of b1 = MD5(S ‖ RA ‖ salt)', () => {
    const salt = hex('8123');
    const value = encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, salt);
    expect(value).toHaveLength(34);
    const b1 = createHash('md5').update(SECRET).update(REQUEST_AUTH).update(salt).digest();
    expect((value[2] ?? 0) ^ (b1[0] ?? 0)).toBe(16); // length byte
    expect((value[3] ?? 0) ^ (b1[1] ?? 0)).toBe(SERVER_SEND_KEY[0]);
    const b2 = createHash('md5').update(SECRET).update(value.subarray(2, 18)).digest();
    expect((value[18] ?? 0) ^ (b2[0] ?? 0)).toBe(SERVER_SEND_KEY[15]);
  });

  it('salts have the top bit set and differ within a packet', () => {
    for (let round = 0; round < 200; round++) {
      const salts = makeSalts(2);
      expect(salts).toHaveLength(2);
      for (const s of salts) {
        expect(s).toHaveLength(2);
        expect((s[0] ?? 0) & 0x80).toBe(0x80);
      }
      expect(salts[0]).not.toEqual(salts[1]);
    }
    expect(new Set(makeSalts(1000).map((s) => s.toString('hex'))).size).toBe(1000);
  });

  it('the same key under two salts gives different ciphertexts', () => {
    const [s1, s2] = makeSalts(2);
    if (!s1 || !s2) throw new Error('no salts');
    const a = encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, s1);
    const b = encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, s2);
    expect(a.subarray(2)).not.toEqual(b.subarray(2));
  });

  it('tampered ciphertext, wrong secret or wrong authenticator does not give the key back', () => {
    const value = encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, hex('8001'));
    for (let i = 2; i < value.length; i++) {
      const t = Buffer.from(value);
      t[i] = (t[i] ?? 0) ^ 0x40;
      const out = decryptMppeKey(t, SECRET, REQUEST_AUTH);
      if (out !== undefined) expect(out).not.toEqual(SERVER_SEND_KEY);
    }
    expect(decryptMppeKey(value, Buffer.from('other'), REQUEST_AUTH)).not.toEqual(SERVER_SEND_KEY);
    expect(decryptMppeKey(value, SECRET, Buffer.alloc(16))).not.toEqual(SERVER_SEND_KEY);
  });

  it('rejects malformed values and salts', () => {
    expect(decryptMppeKey(Buffer.alloc(17), SECRET, REQUEST_AUTH)).toBeUndefined();
    expect(decryptMppeKey(Buffer.alloc(19), SECRET, REQUEST_AUTH)).toBeUndefined();
    const noTopBit = encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, hex('8001'));
    noTopBit[0] = 0x00;
    expect(decryptMppeKey(noTopBit, SECRET, REQUEST_AUTH)).toBeUndefined();
    expect(() => encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, hex('0001'))).toThrow(RangeError);
    expect(() => encryptMppeKey(SERVER_SEND_KEY, SECRET, REQUEST_AUTH, hex('80'))).toThrow(RangeError);
  });
});

describe('MS-CHAP-MPPE-Keys for MS-CHAPv1 (RFC 2548 §2.4.1, FreeRADIUS rlm_mschap layout)', () => {
  it('is 8 zero bytes ‖ HashNtPasswordHash(ntHash) ‖ 8 zero bytes, hidden like User-Password', () => {
    const plain = mschapV1MppeKeys(PASSWORD_HASH);
    expect(plain).toHaveLength(32);
    expect(plain.subarray(0, 8)).toEqual(Buffer.alloc(8));
    expect(plain.subarray(8, 24)).toEqual(hashNtPasswordHash(PASSWORD_HASH));
    expect(plain.subarray(8, 24)).toEqual(PASSWORD_HASH_HASH);
    expect(plain.subarray(24)).toEqual(Buffer.alloc(8));
    const hidden = hidePassword(plain, SECRET, REQUEST_AUTH);
    expect(hidden).toHaveLength(32);
    // unhidePassword strips trailing NULs, so compare against the 24 significant bytes.
    expect(unhidePassword(hidden, SECRET, REQUEST_AUTH)).toEqual(plain.subarray(0, 24));
  });
});
