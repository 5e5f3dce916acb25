import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { hidePassword, unhidePassword } from '../../../src/radius/auth/pap.js';
import { Code } from '../../../src/radius/codes.js';
import { byteFixture } from '../../helpers/fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SECRET = Buffer.from('xyzzy5461');

// RFC 2865 §7.1: Access-Request from NAS 192.168.1.16 for user "nemo", password "arctangent".
const REQUEST = hex(`
  01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb
  98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d
  93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8
  01 10 05 06 00 00 00 03`);
// RFC 2865 §7.1: the Access-Accept answering it.
const ACCEPT = hex(`
  02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf
  9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00
  0e 06 c0 a8 01 03`);
const REQUEST_AUTH = REQUEST.subarray(4, 20);
const USER_PASSWORD = REQUEST.subarray(28, 44); // attribute 2, length 0x12, value at 28..43

byteFixture({
  name: 'RFC 2865 §7.1 Access-Request (PAP)',
  bytes: REQUEST,
  secret: SECRET.toString(),
  code: Code.AccessRequest,
  identifier: 0,
  attributes: [
    { name: 'User-Name', value: 'nemo' },
    { name: 'User-Password', value: 'arctangent' },
    { name: 'NAS-IP-Address', value: '192.168.1.16' },
    { name: 'NAS-Port', value: 3 },
  ],
});

byteFixture({
  name: 'RFC 2865 §7.1 Access-Accept',
  bytes: ACCEPT,
  secret: SECRET.toString(),
  request: REQUEST,
  code: Code.AccessAccept,
  identifier: 0,
  attributes: [
    { name: 'Service-Type', value: 'Login-User' },
    { name: 'Login-Service', value: 'Telnet' },
    { name: 'Login-IP-Host', value: '192.168.1.3' },
  ],
});

describe('pap', () => {
  it('RFC 2865 §7.1: the literal packets are consistent', () => {
    expect(REQUEST.readUInt16BE(2)).toBe(REQUEST.length);
    expect(ACCEPT.readUInt16BE(2)).toBe(ACCEPT.length);
    expect(REQUEST[26]).toBe(2);
    expect(REQUEST[27]).toBe(0x12);
  });

  it('RFC 2865 §7.1: unhides User-Password to "arctangent"', () => {
    expect(unhidePassword(USER_PASSWORD, SECRET, REQUEST_AUTH)?.toString()).toBe('arctangent');
  });

  it('RFC 2865 §7.1: hiding "arctangent" gives the literal User-Password bytes back', () => {
    expect(hidePassword(Buffer.from('arctangent'), SECRET, REQUEST_AUTH)).toEqual(USER_PASSWORD);
  });

  it('RFC 2865 §7.1 / §3: Access-Accept Response Authenticator = MD5(Code‖ID‖Length‖RequestAuth‖Attributes‖Secret)', () => {
    const md5 = createHash('md5')
      .update(ACCEPT.subarray(0, 4))
      .update(REQUEST_AUTH)
      .update(ACCEPT.subarray(20))
      .update(SECRET)
      .digest();
    expect(md5).toEqual(ACCEPT.subarray(4, 20));
  });

  it('RFC 2865 §5.2: round trip for lengths 0..128 (multi-block chaining)', () => {
    for (const n of [0, 1, 15, 16, 17, 31, 32, 33, 100, 127, 128]) {
      const pw = Buffer.alloc(n);
      for (let i = 0; i < n; i++) pw[i] = 0x21 + (i % 90);
      const hidden = hidePassword(pw, SECRET, REQUEST_AUTH);
      expect(hidden.length).toBe(Math.max(16, Math.ceil(n / 16) * 16));
      expect(unhidePassword(hidden, SECRET, REQUEST_AUTH)).toEqual(pw);
    }
  });

  it('RFC 2865 §5.2: second block is chained on c1 (independent MD5 computation)', () => {
    const pw = Buffer.from('0123456789abcdefXYZ');
    const hidden = hidePassword(pw, SECRET, REQUEST_AUTH);
    const b2 = createHash('md5').update(SECRET).update(hidden.subarray(0, 16)).digest();
    const p2 = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) p2[i] = (hidden[16 + i] ?? 0) ^ (b2[i] ?? 0);
    expect(p2.subarray(0, 3).toString()).toBe('XYZ');
    expect(p2.subarray(3)).toEqual(Buffer.alloc(13));
  });

  it('RFC 2865 §5.2: invalid hidden lengths give undefined', () => {
    for (const n of [0, 15, 17, 30, 144]) {
      expect(unhidePassword(Buffer.alloc(n), SECRET, REQUEST_AUTH)).toBeUndefined();
    }
    expect(() => hidePassword(Buffer.alloc(129), SECRET, REQUEST_AUTH)).toThrow(RangeError);
  });

  it('a wrong secret does not give the password', () => {
    expect(unhidePassword(USER_PASSWORD, Buffer.from('wrong'), REQUEST_AUTH)?.toString()).not.toBe('arctangent');
  });
});
