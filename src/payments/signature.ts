/**
 * @module payments/signature
 * The `t=<unix seconds>,v1=<hex>` signature header shared by the generic contract (`Radgate-Signature`) and Stripe
 * (`Stripe-Signature`, docs.stripe.com/webhooks#verify-manually): the signed payload is `<t>.<raw body>`, the MAC
 * HMAC-SHA256 keyed with the secret's UTF-8 bytes, hex-encoded; several `v1` entries may be present (the sender
 * signs with each of its active secrets) and any other scheme (`v0`…) is ignored. Comparison is constant-time on
 * the decoded bytes; the timestamp is checked only after a signature matched, against the matching workspace's
 * tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header longer than this is refused unread. */
export const MAX_SIGNATURE_HEADER = 2048;
/** At most this many `v1` values are compared. */
export const MAX_SIGNATURES = 8;

export interface SignatureHeader {
  /** Unix seconds, as sent (the text is what was signed). */
  readonly timestampText: string;
  readonly timestamp: number;
  /** The `v1` MACs, decoded (32 bytes each); values that are not 64 hex digits are dropped. */
  readonly signatures: readonly Buffer[];
}

/** Parses the header; undefined when it has no usable `t` or no `v1`. */
export function parseSignatureHeader(header: string | undefined): SignatureHeader | undefined {
  if (header === undefined || header.length > MAX_SIGNATURE_HEADER) return undefined;
  let timestampText: string | undefined;
  const signatures: Buffer[] = [];
  for (const element of header.split(',')) {
    const eq = element.indexOf('=');
    if (eq < 0) continue;
    const key = element.slice(0, eq).trim();
    const value = element.slice(eq + 1).trim();
    if (key === 't') {
      if (timestampText !== undefined) return undefined; // two timestamps: which one was signed?
      timestampText = value;
    } else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value) && signatures.length < MAX_SIGNATURES) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestampText === undefined || !/^[0-9]{1,12}$/.test(timestampText) || signatures.length === 0) return undefined;
  return { timestampText, timestamp: Number(timestampText), signatures };
}

/** HMAC-SHA256 of `<t>.<body>` under `secret` (its UTF-8 bytes). */
export function computeSignature(secret: string, timestampText: string, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestampText}.`).update(body).digest();
}

/** True when one of the header's `v1` values is the MAC of the body under `secret` (constant-time compare). */
export function signatureMatches(secret: string, header: SignatureHeader, body: Uint8Array): boolean {
  const expected = computeSignature(secret, header.timestampText, body);
  let match = false;
  // Every value is compared (no early exit): the time taken does not tell which one matched.
  for (const candidate of header.signatures) match = timingSafeEqual(expected, candidate) || match;
  return match;
}

/** True when the timestamp lies within `toleranceSeconds` of `now` (either side). */
export function timestampFresh(header: SignatureHeader, now: Date, toleranceSeconds: number): boolean {
  return Math.abs(now.getTime() / 1000 - header.timestamp) <= toleranceSeconds;
}
