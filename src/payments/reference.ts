/**
 * @module payments/reference
 * Signed payment references: a short token naming a workspace and an account, put into the reminder page's
 * payment URL (`{reference}`) and echoed back by the gateway as the account (`account`, `client_reference_id`), so
 * the gateway need not know which radgate workspace the account belongs to and the account cannot be altered in
 * transit unnoticed.
 *
 * Format: `rg1.<base64url("<workspace>:<account>")>.<base64url(first 12 bytes of HMAC-SHA256)>`, the MAC over
 * `rg1.<payload>` with a key derived (HKDF-SHA256, info `radgate payment reference v1`) from a reminder-link key.
 * The first key signs, every key verifies (link-key rotation carries over). No expiry: a subscriber may pay late.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const PREFIX = 'rg1.';
const MAC_BYTES = 12;
const INFO = 'radgate payment reference v1';
/** Longer text is not a reference. */
export const MAX_REFERENCE = 255;

export interface ReferenceSubject {
  readonly workspaceId: string;
  readonly account: string;
}

export class PaymentReferences {
  private readonly keys: readonly Buffer[];

  /** `secrets`: key material (e.g. the link keys' bytes); the first signs. At least one. */
  constructor(secrets: readonly Uint8Array[]) {
    if (secrets.length === 0) throw new Error('payment references need at least one key');
    this.keys = secrets.map((s) => Buffer.from(hkdfSync('sha256', s, Buffer.alloc(0), INFO, 32)));
  }

  sign(subject: ReferenceSubject): string {
    const payload = Buffer.from(`${subject.workspaceId}:${subject.account}`, 'utf8').toString('base64url');
    return `${PREFIX}${payload}.${mac(this.keys[0]!, payload).toString('base64url')}`;
  }

  /** The workspace and account a valid reference names; undefined for anything else (a plain account number…). */
  verify(text: string): ReferenceSubject | undefined {
    if (text.length > MAX_REFERENCE || !text.startsWith(PREFIX)) return undefined;
    const [payload, tag, extra] = text.slice(PREFIX.length).split('.');
    if (payload === undefined || tag === undefined || extra !== undefined) return undefined;
    if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]{16}$/.test(tag)) return undefined;
    const given = Buffer.from(tag, 'base64url');
    let ok = false;
    for (const key of this.keys) ok = timingSafeEqual(mac(key, payload), given) || ok;
    if (!ok) return undefined;
    const decoded = Buffer.from(payload, 'base64url').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return { workspaceId: decoded.slice(0, colon), account: decoded.slice(colon + 1) };
  }

  /** True when the text looks like a reference (signed or not): it is then never taken as an account number. */
  static looksLikeReference(text: string): boolean {
    return text.startsWith(PREFIX);
  }
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(PREFIX + payload).digest().subarray(0, MAC_BYTES);
}
