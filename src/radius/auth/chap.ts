/** CHAP-Password verification (RFC 1994 §4.1, RFC 2865 §2.2 and §5.3). */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * RFC 2865 §2.2 / RFC 1994 §4.1: check a CHAP-Password value (17 bytes: CHAP ident ‖ 16-byte response)
 * against MD5(ident ‖ password ‖ challenge). `challenge` is CHAP-Challenge if present, else the Request
 * Authenticator (the caller decides). Constant-time; false for a wrong length or an empty challenge.
 */
export function verifyChap(chapPassword: Buffer, challenge: Buffer, password: Buffer): boolean {
  if (chapPassword.length !== 17 || challenge.length === 0) return false;
  const expected = createHash('md5')
    .update(chapPassword.subarray(0, 1))
    .update(password)
    .update(challenge)
    .digest();
  return timingSafeEqual(expected, chapPassword.subarray(1));
}
