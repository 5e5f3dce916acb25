import { describe, it, expect } from 'vitest';
import { verifyChap } from '../../../src/radius/auth/chap.js';
import { Code } from '../../../src/radius/codes.js';
import { byteFixture } from '../../helpers/fixtures.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 2865 §7.2: Access-Request for user "flopsy" with CHAP; the CHAP password (not printed in the RFC) is
// "arctangent" and there is no CHAP-Challenge, so the challenge is the Request Authenticator.
// Note: the User-Name is "flopsy" (01 08 66 6c 6f 70 73 79); dropping the 79 breaks the Length field (0x47 = 71).
const REQUEST = hex(`
  01 01 00 47 2a ee 86 f0 8d 0d 55 96 9c a5 97 8e
  0d 33 67 a2 01 08 66 6c 6f 70 73 79 03 13 16 e9
  75 57 c3 16 18 58 95 f2 93 ff 63 44 07 72 75 04
  06 c0 a8 01 10 05 06 00 00 00 14 06 06 00 00 00
  02 07 06 00 00 00 01`);
const CHALLENGE = REQUEST.subarray(4, 20);
const CHAP_PASSWORD = REQUEST.subarray(30, 47); // attribute 3, length 0x13: ident 0x16 ‖ 16-byte response

// Nothing in this request is hidden or signed with the shared secret (CHAP hashes the password instead).
byteFixture({
  name: 'RFC 2865 §7.2 Access-Request (CHAP)',
  bytes: REQUEST,
  secret: 'xyzzy5461',
  code: Code.AccessRequest,
  identifier: 1,
  attributes: [
    { name: 'User-Name', value: 'flopsy' },
    { name: 'CHAP-Password', value: CHAP_PASSWORD },
    { name: 'NAS-IP-Address', value: '192.168.1.16' },
    { name: 'NAS-Port', value: 20 },
    { name: 'Service-Type', value: 'Framed-User' },
    { name: 'Framed-Protocol', value: 'PPP' },
  ],
});

describe('chap', () => {
  it('RFC 2865 §7.2: literal packet is consistent', () => {
    expect(REQUEST.readUInt16BE(2)).toBe(REQUEST.length);
    expect(REQUEST.subarray(22, 28).toString()).toBe('flopsy');
    expect(REQUEST[28]).toBe(3);
    expect(REQUEST[29]).toBe(0x13);
  });

  it('RFC 2865 §7.2: CHAP-Password verifies with "arctangent"', () => {
    expect(verifyChap(CHAP_PASSWORD, CHALLENGE, Buffer.from('arctangent'))).toBe(true);
  });

  it('RFC 2865 §7.2: CHAP-Password fails with another password or challenge', () => {
    expect(verifyChap(CHAP_PASSWORD, CHALLENGE, Buffer.from('arctangenT'))).toBe(false);
    expect(verifyChap(CHAP_PASSWORD, Buffer.alloc(16), Buffer.from('arctangent'))).toBe(false);
  });

  it('RFC 1994 §4.1: the ident byte is part of the hash', () => {
    const tampered = Buffer.from(CHAP_PASSWORD);
    tampered[0] = 0x17;
    expect(verifyChap(tampered, CHALLENGE, Buffer.from('arctangent'))).toBe(false);
  });

  it('wrong CHAP-Password length or empty challenge is false, not an exception', () => {
    expect(verifyChap(CHAP_PASSWORD.subarray(0, 16), CHALLENGE, Buffer.from('arctangent'))).toBe(false);
    expect(verifyChap(Buffer.concat([CHAP_PASSWORD, Buffer.alloc(1)]), CHALLENGE, Buffer.from('x'))).toBe(false);
    expect(verifyChap(CHAP_PASSWORD, Buffer.alloc(0), Buffer.from('arctangent'))).toBe(false);
  });
});
