/**
 * Message-Authenticator (RFC 3579 §3.2) on a request and on a reply, as literal bytes. No RFC prints a signed
 * Access-Request, so the request below was produced by an independent implementation: Debian's radclient 3.2.1
 * (FreeRADIUS), secret `xyzzy5461`, `User-Name = "nemo", User-Password = "arctangent", Message-Authenticator = 0x00`.
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyMessageAuthenticator } from '../../src/radius/authenticator.js';
import { unhidePassword } from '../../src/radius/auth/pap.js';
import { encodeResponse, makeSecret } from '../../src/radius/encode.js';
import { parseFrame } from '../../src/radius/packet.js';
import { Code } from '../../src/radius/codes.js';
import { byteFixture, SIGNED } from '../helpers/fixtures.js';

const SECRET = 'xyzzy5461';
const REQUEST = Buffer.from(
  '014c003e1512e1a6fdb6e74552f75c11845c7eb8' + // Access-Request, id 0x4c, length 62, Request Authenticator
    '01066e656d6f' + // User-Name "nemo"
    '02123c7f6f9b56d4edbfcdfa493331250488' + // User-Password (hidden)
    '5012837eacaecdb1904c4cd4f3929582449c', // Message-Authenticator
  'hex',
);

byteFixture({
  name: 'radclient 3.2.1 Access-Request with Message-Authenticator (RFC 3579 §3.2)',
  bytes: REQUEST,
  secret: SECRET,
  code: Code.AccessRequest,
  identifier: 0x4c,
  attributes: [
    { name: 'User-Name', value: 'nemo' },
    { name: 'User-Password', value: 'arctangent' },
    { name: 'Message-Authenticator', value: SIGNED },
  ],
});

describe('Message-Authenticator', () => {
  it('verifies on radclient’s request, and fails when any byte changes', () => {
    const parsed = parseFrame(REQUEST);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { frame } = parsed;
    expect(frame.maValueOffset).toBe(46);
    expect(verifyMessageAuthenticator(frame.packet, frame.maValueOffset, frame.authenticator, Buffer.from(SECRET))).toBe(true);
    expect(unhidePassword(REQUEST.subarray(28, 44), Buffer.from(SECRET), frame.authenticator)?.toString()).toBe('arctangent');
    for (const offset of [1, 10, 25, 50]) {
      const tampered = Buffer.from(REQUEST);
      tampered[offset]! ^= 0x01;
      const f = (parseFrame(tampered) as { ok: true; frame: typeof frame }).frame;
      expect(verifyMessageAuthenticator(f.packet, f.maValueOffset, f.authenticator, Buffer.from(SECRET)), `byte ${offset}`).toBe(false);
    }
    expect(verifyMessageAuthenticator(frame.packet, frame.maValueOffset, frame.authenticator, Buffer.from('xyzzy5462'))).toBe(false);
  });

  it('a reply carries it first, computed over the reply with the Request Authenticator, then the Response Authenticator', () => {
    const parsed = parseFrame(REQUEST);
    if (!parsed.ok) throw new Error(parsed.reason);
    const reply = encodeResponse({
      code: 2,
      request: parsed.frame,
      attributes: [{ name: 'Reply-Message', value: 'ok' }],
      secret: makeSecret(SECRET),
      messageAuthenticator: true,
    });
    // Access-Accept, same id, length 20 + 18 (MA) + 4 (Reply-Message "ok").
    expect(reply.subarray(0, 4).toString('hex')).toBe('024c002a');
    expect(reply.subarray(20, 22).toString('hex')).toBe('5012');
    expect(reply.subarray(38).toString('hex')).toBe('12046f6b');
    // Independently: HMAC-MD5 over the reply with the Request Authenticator and a zeroed MA …
    const forMac = Buffer.from(reply);
    REQUEST.copy(forMac, 4, 4, 20);
    forMac.fill(0, 22, 38);
    expect(reply.subarray(22, 38)).toEqual(createHmac('md5', SECRET).update(forMac).digest());
    // … and MD5(Code ‖ ID ‖ Length ‖ Request Authenticator ‖ attributes ‖ secret) over the signed attributes.
    const forAuth = Buffer.from(reply);
    REQUEST.copy(forAuth, 4, 4, 20);
    expect(reply.subarray(4, 20)).toEqual(createHash('md5').update(forAuth).update(SECRET).digest());
  });
});
