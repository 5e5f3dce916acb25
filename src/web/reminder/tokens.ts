/**
 * Reminder-link tokens: compact JWS (RFC 7515) with JWT claims (RFC 7519), signed HS256 or EdDSA with a `kid` from
 * the key ring. Claims: `ws` workspace id, `sub` subscriber id, `acct` account number, `iat`/`nbf` issued, `exp`
 * expiry. Verification returns a value, never throws: each failure carries the HTTP status the page answers with
 * (400 malformed, 401 not ours / not yet valid, 410 expired) and a reason for the log.
 */
import { createHash } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import type { LinkKeyRing } from './keys.js';

/** JWS `typ` (RFC 7515 §4.1.9), so a token minted for another purpose with the same key is refused. */
export const TOKEN_TYPE = 'radgate-reminder+jwt';
/** Allowed clock difference between radgate instances, seconds. */
export const CLOCK_SKEW_SECONDS = 60;
/** No link is accepted after this age, whatever its `exp` says (config allows lifetimes up to 366 days). */
const MAX_AGE_SECONDS = 367 * 86400;
const MAX_TOKEN_LENGTH = 2048;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface LinkSubject {
  readonly workspaceId: string;
  readonly subscriberId: number;
  readonly accountNumber: string;
}

export interface LinkClaims extends LinkSubject {
  readonly keyId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export type LinkFailureStatus = 400 | 401 | 410;

export type LinkCheck =
  | { readonly ok: true; readonly claims: LinkClaims }
  | { readonly ok: false; readonly status: LinkFailureStatus; readonly reason: string; readonly keyId?: string; readonly workspaceId?: string };

/** A short, stable fingerprint of a token for logs: never the token itself. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** Signs a link for `subject` valid for `lifetimeSeconds` from `now`, with the ring's signing key. */
export async function signLink(ring: LinkKeyRing, subject: LinkSubject, options: { lifetimeSeconds: number; now?: Date }): Promise<{ token: string; claims: LinkClaims }> {
  const key = ring.signing;
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const exp = iat + Math.round(options.lifetimeSeconds);
  const token = await new SignJWT({ ws: subject.workspaceId, acct: subject.accountNumber })
    .setProtectedHeader({ alg: key.algorithm, kid: key.id, typ: TOKEN_TYPE })
    .setSubject(String(subject.subscriberId))
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(key.signingKey);
  return {
    token,
    claims: { ...subject, keyId: key.id, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) },
  };
}

/** Checks signature, key id, algorithm, type, time claims (with `CLOCK_SKEW_SECONDS`) and claim shapes. */
export async function verifyLink(ring: LinkKeyRing, token: string, options: { now?: Date } = {}): Promise<LinkCheck> {
  const fail = (status: LinkFailureStatus, reason: string, extra: { keyId?: string; workspaceId?: string } = {}): LinkCheck =>
    ({ ok: false, status, reason, ...extra });
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return fail(400, 'malformed token');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail(400, 'malformed token header');
  }
  if (typeof header.kid !== 'string' || header.kid === '') return fail(400, 'token has no key id');
  const keyId = header.kid;
  const key = ring.key(keyId);
  if (key === undefined) return fail(401, `unknown key id ${JSON.stringify(keyId.slice(0, 64))}`);
  // The algorithm comes from our key, never from the token (no alg confusion, no "none").
  if (header.alg !== key.algorithm) return fail(401, `algorithm ${JSON.stringify(String(header.alg))} does not match key ${keyId}`, { keyId });

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(token, key.verifyingKey, {
      algorithms: [key.algorithm],
      typ: TOKEN_TYPE,
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxTokenAge: MAX_AGE_SECONDS,
      requiredClaims: ['sub', 'iat', 'nbf', 'exp', 'ws', 'acct'],
      ...(options.now === undefined ? {} : { currentDate: options.now }),
    }));
  } catch (err) {
    // An expired link's signature was verified first, so its workspace can be trusted for a branded page.
    const ws = err instanceof errors.JWTExpired ? err.payload['ws'] : undefined;
    return fail(...classify(err), { keyId, ...(typeof ws === 'string' ? { workspaceId: ws } : {}) });
  }

  const { ws, acct, sub, iat, exp } = payload;
  if (typeof ws !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(ws)) return fail(400, 'bad workspace claim', { keyId });
  if (typeof acct !== 'string' || acct === '') return fail(400, 'bad account claim', { keyId });
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,15}$/.test(sub)) return fail(400, 'bad subject claim', { keyId });
  return {
    ok: true,
    claims: {
      workspaceId: ws,
      subscriberId: Number(sub),
      accountNumber: acct,
      keyId,
      issuedAt: new Date((iat ?? 0) * 1000),
      expiresAt: new Date((exp ?? 0) * 1000),
    },
  };
}

/** jose's verdict → status and reason. Signature problems first: jose checks claims only on a valid signature. */
function classify(err: unknown): [LinkFailureStatus, string] {
  if (err instanceof errors.JWSSignatureVerificationFailed) return [401, 'bad signature'];
  if (err instanceof errors.JWTExpired) return [410, err.claim === 'iat' ? 'too old' : 'expired'];
  if (err instanceof errors.JWTClaimValidationFailed) {
    if ((err.claim === 'nbf' || err.claim === 'iat') && err.reason === 'check_failed') return [401, 'not yet valid'];
    return [400, `claim ${err.claim}: ${err.reason}`];
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return [401, 'algorithm not allowed'];
  if (err instanceof errors.JOSEError) return [400, `malformed token (${err.code})`];
  return [400, 'malformed token'];
}
