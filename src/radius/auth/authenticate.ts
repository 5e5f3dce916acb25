/**
 * Credential checking for an Access-Request: finds which method the NAS used (PAP, CHAP, MS-CHAPv1, MS-CHAPv2),
 * verifies it against what is stored (clear password and/or NT hash), and returns the method-specific reply
 * attributes (MS-CHAP2-Success, MPPE keys, MS-CHAP-Error). Knows nothing of subscribers or billing.
 */
import { isUtf8 } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { Attr } from '../codes.js';
import { VENDOR_MICROSOFT } from '../dictionary.js';
import type { ReplyAttribute } from '../encode.js';
import { rawAttribute, type RadiusRequest } from '../packet.js';
import { verifyChap } from './chap.js';
import { encryptMppeKey, makeSalts, mppeKeysV2, mschapV1MppeKeys } from './mppe.js';
import { mschapError, ntPasswordHash, verifyMschapV1, verifyMschapV2 } from './mschap.js';
import { hidePassword, unhidePassword } from './pap.js';

export type AuthMethod = 'pap' | 'chap' | 'mschap1' | 'mschap2';

export interface StoredCredentials {
  /** Whether `password` can be produced (checked without producing it). */
  hasPassword: boolean;
  /** Clear password bytes, when the store can produce them; may be decrypted at each read (only CHAP reads it). */
  password: Buffer | undefined;
  /** MD4(UTF-16LE(password)). */
  ntHash: Buffer;
}

export type AuthResult =
  | { ok: true; method: AuthMethod; attributes: ReplyAttribute[] }
  | { ok: false; method: AuthMethod | undefined; reason: string; attributes: ReplyAttribute[] };

/**
 * Why the stored credentials cannot verify `method`, or undefined when they can. CHAP hashes the clear password with
 * the challenge (RFC 1994 §4.1, RFC 2865 §2.2), so it needs it; PAP compares either form; MS-CHAPv2 and v1 use the
 * NT hash (RFC 2759 §8.3, the same in RFC 2433), which is always stored or derived from the password.
 */
export function unusableCredential(method: AuthMethod, stored: Pick<StoredCredentials, 'hasPassword'>): string | undefined {
  return method === 'chap' && !stored.hasPassword ? 'CHAP needs the clear password; only an NT hash is stored' : undefined;
}

/**
 * The attributes each method adds to an Access-Accept before the profile's, in this order; their values are
 * computed from the request (RFC 2759 §8.7 success string, RFC 2548 §2.4 MPPE keys), so they differ in every reply.
 */
export const METHOD_REPLY_ATTRIBUTES: Readonly<Record<AuthMethod, readonly string[]>> = Object.freeze({
  pap: [],
  chap: [],
  mschap2: ['MS-CHAP2-Success', 'MS-MPPE-Send-Key', 'MS-MPPE-Recv-Key', 'MS-MPPE-Encryption-Policy', 'MS-MPPE-Encryption-Types'],
  mschap1: ['MS-CHAP-MPPE-Keys', 'MS-MPPE-Encryption-Policy', 'MS-MPPE-Encryption-Types'],
});

/** Which method a request uses; undefined when it carries no credentials we know. */
export function detectMethod(request: RadiusRequest): AuthMethod | undefined {
  if (request.hasUserPassword) return 'pap';
  if (request.hasChapPassword) return 'chap';
  if (Buffer.isBuffer(request.vendor['MS-CHAP2-Response'])) return 'mschap2';
  if (Buffer.isBuffer(request.vendor['MS-CHAP-Response'])) return 'mschap1';
  return undefined;
}

function ms(name: string, value: Buffer | number): ReplyAttribute {
  return { name, value, vendor: VENDOR_MICROSOFT };
}

// RFC 2548 §2.4.4/§2.4.5: encryption allowed (1), 40- and 128-bit RC4 (6). Frozen: the encoder caches their bytes.
const ENCRYPTION_POLICY = Object.freeze(ms('MS-MPPE-Encryption-Policy', 1));
const ENCRYPTION_TYPES = Object.freeze(ms('MS-MPPE-Encryption-Types', 6));

/** MS-CHAP usernames may carry a Windows domain (`DOMAIN\user`); the challenge hash uses the bare name (RFC 2759 §8.2). */
function bareUserName(userName: string): string {
  const slash = userName.lastIndexOf('\\');
  return slash >= 0 ? userName.slice(slash + 1) : userName;
}

function equalSecret(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Check the credentials of `request`, which uses `method` (what `detectMethod` found; it is looked up once). */
export function authenticate(
  request: RadiusRequest,
  method: AuthMethod | undefined,
  userName: string,
  secret: Buffer,
  stored: StoredCredentials,
): AuthResult {
  switch (method) {
    case 'pap': {
      const hidden = rawAttribute(request, Attr.UserPassword)!;
      const given = unhidePassword(hidden, secret, request.authenticator);
      if (!given) return { ok: false, method, reason: 'malformed User-Password', attributes: [] };
      // The NT hash decides (MD4 of UTF-16LE, RFC 2759 §8.3): for valid UTF-8 it is equal exactly when the passwords
      // are, and it needs no decryption. Bytes that are not UTF-8 would decode lossily, so they meet the clear password.
      const ok = isUtf8(given) || !stored.hasPassword
        ? equalSecret(ntPasswordHash(given.toString('utf8')), stored.ntHash)
        : equalSecret(given, stored.password!);
      return ok ? { ok, method, attributes: [] } : { ok, method, reason: 'wrong password', attributes: [] };
    }
    case 'chap': {
      const unusable = unusableCredential(method, stored);
      if (unusable !== undefined) return { ok: false, method, reason: unusable, attributes: [] };
      // RFC 2865 §2.2: the challenge is CHAP-Challenge when present, else the Request Authenticator.
      const challenge = rawAttribute(request, Attr.ChapChallenge) ?? request.authenticator;
      const ok = verifyChap(rawAttribute(request, Attr.ChapPassword)!, challenge, stored.password!);
      return ok ? { ok, method, attributes: [] } : { ok, method, reason: 'wrong password', attributes: [] };
    }
    case 'mschap2': {
      const response = request.vendor['MS-CHAP2-Response'] as Buffer;
      const challenge = request.vendor['MS-CHAP-Challenge'];
      const ident = response[0] ?? 0;
      if (!Buffer.isBuffer(challenge)) return { ok: false, method, reason: 'MS-CHAP-Challenge missing', attributes: [] };
      const result = verifyMschapV2({ ntHash: stored.ntHash, userName: bareUserName(userName), authChallenge: challenge, response });
      if (!result.ok) {
        return { ok: false, method, reason: result.reason === 'NT-Response mismatch' ? 'wrong password' : result.reason, attributes: [ms('MS-CHAP-Error', mschapError(ident))] };
      }
      // RFC 3079 keys, RFC 2548 §2.4.2 salt-encrypted with the Request Authenticator; salts unique in the packet.
      const { sendKey, recvKey } = mppeKeysV2(stored.ntHash, result.ntResponse);
      const [sendSalt, recvSalt] = makeSalts(2) as [Buffer, Buffer];
      return {
        ok: true,
        method,
        attributes: [
          ms('MS-CHAP2-Success', result.success),
          ms('MS-MPPE-Send-Key', encryptMppeKey(sendKey, secret, request.authenticator, sendSalt)),
          ms('MS-MPPE-Recv-Key', encryptMppeKey(recvKey, secret, request.authenticator, recvSalt)),
          ENCRYPTION_POLICY,
          ENCRYPTION_TYPES,
        ],
      };
    }
    case 'mschap1': {
      const response = request.vendor['MS-CHAP-Response'] as Buffer;
      const challenge = request.vendor['MS-CHAP-Challenge'];
      if (!Buffer.isBuffer(challenge)) return { ok: false, method, reason: 'MS-CHAP-Challenge missing', attributes: [] };
      const result = verifyMschapV1({ ntHash: stored.ntHash, challenge, response });
      if (!result.ok) {
        return { ok: false, method, reason: result.reason === 'NT-Response mismatch' ? 'wrong password' : result.reason, attributes: [ms('MS-CHAP-Error', mschapError(response[0] ?? 0))] };
      }
      // RFC 2548 §2.4.1: MS-CHAP-MPPE-Keys, hidden like User-Password with the Request Authenticator.
      return {
        ok: true,
        method,
        attributes: [
          ms('MS-CHAP-MPPE-Keys', hidePassword(mschapV1MppeKeys(stored.ntHash), secret, request.authenticator)),
          ENCRYPTION_POLICY,
          ENCRYPTION_TYPES,
        ],
      };
    }
    default:
      return { ok: false, method: undefined, reason: 'no credentials (User-Password, CHAP-Password or MS-CHAP)', attributes: [] };
  }
}
