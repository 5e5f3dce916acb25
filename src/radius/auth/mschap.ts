/** MS-CHAPv2 (RFC 2759) and MS-CHAPv1 (RFC 2433) verification, as carried in RADIUS (RFC 2548 §2.3). */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { desEncrypt } from './des.js';
import { md4 } from './md4.js';

/** RFC 2759 §8.7 Magic1 and Magic2 of GenerateAuthenticatorResponse. */
const AUTH_MAGIC1 = Buffer.from('Magic server to client signing constant', 'ascii');
const AUTH_MAGIC2 = Buffer.from('Pad to make it do more than one iteration', 'ascii');

/** A user name as bytes: strings are encoded as UTF-8 (ASCII in practice); Buffers are used as-is. */
function nameBytes(userName: string | Buffer): Buffer {
  return typeof userName === 'string' ? Buffer.from(userName, 'utf8') : userName;
}

/** RFC 2759 §8.3 NtPasswordHash: MD4 of the password in UTF-16LE (erratum 1924), no terminating NUL. */
export function ntPasswordHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** RFC 2759 §8.4 HashNtPasswordHash: MD4 of the 16-byte NT password hash. */
export function hashNtPasswordHash(hash: Buffer): Buffer {
  return md4(hash);
}

/**
 * RFC 2759 §8.2 ChallengeHash: first 8 bytes of SHA1(PeerChallenge ‖ AuthenticatorChallenge ‖ UserName).
 * `userName` must already be stripped of any domain part (the caller's job).
 */
export function challengeHash(peerChallenge: Buffer, authenticatorChallenge: Buffer, userName: string | Buffer): Buffer {
  return hash('sha1', Buffer.concat([peerChallenge, authenticatorChallenge, nameBytes(userName)]), 'buffer').subarray(0, 8);
}

/**
 * RFC 2759 §8.5 ChallengeResponse (same as RFC 2433 §A.5): the 16-byte hash is zero-padded to 21 bytes and
 * split into three 7-byte DES keys, each encrypting the 8-byte challenge; 24 bytes out.
 */
export function challengeResponse(challenge8: Buffer, passwordHash16: Buffer): Buffer {
  if (challenge8.length !== 8 || passwordHash16.length !== 16) throw new RangeError('need 8-byte challenge, 16-byte hash');
  const z = Buffer.alloc(21);
  passwordHash16.copy(z, 0);
  return Buffer.concat([
    desEncrypt(z.subarray(0, 7), challenge8),
    desEncrypt(z.subarray(7, 14), challenge8),
    desEncrypt(z.subarray(14, 21), challenge8),
  ]);
}

/** RFC 2759 §8.1 GenerateNTResponse, from the NT password hash instead of the clear password. */
export function generateNtResponse(
  authChallenge: Buffer,
  peerChallenge: Buffer,
  userName: string | Buffer,
  passwordHash: Buffer,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authChallenge, userName), passwordHash);
}

/**
 * RFC 2759 §8.7 GenerateAuthenticatorResponse, from the NT password hash: "S=" + 40 uppercase hex digits.
 */
export function generateAuthenticatorResponse(
  passwordHash: Buffer,
  ntResponse: Buffer,
  peerChallenge: Buffer,
  authChallenge: Buffer,
  userName: string | Buffer,
): string {
  const digest = hash('sha1', Buffer.concat([hashNtPasswordHash(passwordHash), ntResponse, AUTH_MAGIC1]), 'buffer');
  const challenge = challengeHash(peerChallenge, authChallenge, userName);
  const final = hash('sha1', Buffer.concat([digest, challenge, AUTH_MAGIC2]), 'buffer');
  return 'S=' + final.toString('hex').toUpperCase();
}

export type MschapV2Result =
  | { ok: true; success: Buffer; ntResponse: Buffer }
  | { ok: false; reason: string };

/**
 * RFC 2759 §4–5 with RFC 2548 §2.3.2–2.3.3: verify an MS-CHAP2-Response (50 bytes: ident, flags,
 * PeerChallenge[16], reserved[8], NT-Response[24]) against MS-CHAP-Challenge (16 bytes) and the NT hash.
 * On success `success` is the MS-CHAP2-Success value: ident ‖ ASCII "S=<40 hex>" (1 + 42 = 43 bytes).
 * Flags and reserved bytes are not checked (as FreeRADIUS). Never throws.
 */
export function verifyMschapV2(args: {
  ntHash: Buffer;
  userName: string | Buffer;
  authChallenge: Buffer;
  response: Buffer;
}): MschapV2Result {
  const { ntHash, userName, authChallenge, response } = args;
  if (ntHash.length !== 16) return { ok: false, reason: 'NT hash must be 16 bytes' };
  if (authChallenge.length !== 16) return { ok: false, reason: 'MS-CHAP-Challenge must be 16 bytes' };
  if (response.length !== 50) return { ok: false, reason: 'MS-CHAP2-Response must be 50 bytes' };
  const ident = response.subarray(0, 1);
  const peerChallenge = response.subarray(2, 18);
  const ntResponse = Buffer.from(response.subarray(26, 50));
  const expected = generateNtResponse(authChallenge, peerChallenge, userName, ntHash);
  if (!timingSafeEqual(expected, ntResponse)) return { ok: false, reason: 'NT-Response mismatch' };
  const auth = generateAuthenticatorResponse(ntHash, ntResponse, peerChallenge, authChallenge, userName);
  return { ok: true, success: Buffer.concat([ident, Buffer.from(auth, 'ascii')]), ntResponse };
}

export type MschapV1Result = { ok: true; ident: number } | { ok: false; reason: string };

/**
 * RFC 2433 §A.1–A.5 with RFC 2548 §2.3.1: verify an MS-CHAP-Response (50 bytes: ident, flags,
 * LM-Response[24], NT-Response[24]) against MS-CHAP-Challenge (8 bytes). Only flags = 1 (use the NT response) is
 * accepted; LM-only responses are rejected (radgate keeps no LM hash). Never throws.
 */
export function verifyMschapV1(args: { ntHash: Buffer; challenge: Buffer; response: Buffer }): MschapV1Result {
  const { ntHash, challenge, response } = args;
  if (ntHash.length !== 16) return { ok: false, reason: 'NT hash must be 16 bytes' };
  if (challenge.length !== 8) return { ok: false, reason: 'MS-CHAP-Challenge must be 8 bytes' };
  if (response.length !== 50) return { ok: false, reason: 'MS-CHAP-Response must be 50 bytes' };
  const ident = response.readUInt8(0);
  if (response.readUInt8(1) !== 1) return { ok: false, reason: 'LM-Response only (flags != 1) is not supported' };
  const expected = challengeResponse(challenge, ntHash);
  if (!timingSafeEqual(expected, response.subarray(26, 50))) return { ok: false, reason: 'NT-Response mismatch' };
  return { ok: true, ident };
}

/**
 * RFC 2759 §6 (and RFC 2548 §2.1.5 MS-CHAP-Error): ident ‖ ASCII
 * "E=691 R=0 C=<32 uppercase hex> V=3 M=Authentication failed". `challenge` (16 bytes) defaults to a fresh
 * random one from crypto.randomBytes.
 */
export function mschapError(ident: number, challenge: Buffer = randomBytes(16)): Buffer {
  if (challenge.length !== 16) throw new RangeError('challenge must be 16 bytes');
  const text = `E=691 R=0 C=${challenge.toString('hex').toUpperCase()} V=3 M=Authentication failed`;
  return Buffer.concat([Buffer.of(ident & 0xff), Buffer.from(text, 'ascii')]);
}
