/** User-Password hiding and recovery (RFC 2865 §5.2); also used for MS-CHAP-MPPE-Keys (RFC 2548 §2.4.1). */
import { hash } from 'node:crypto';

/** RFC 2865 §5.2: the hidden value is at most 128 bytes. */
const MAX_HIDDEN = 128;

/**
 * RFC 2865 §5.2 core: XOR `input` (length a multiple of 16) with b1 = MD5(S ‖ RA), bi = MD5(S ‖ c(i-1)).
 * `hiding` picks which side supplies c(i-1): the output (hiding) or the input (unhiding).
 * One MD5 per 16-byte block, one scratch buffer per call.
 */
function xorChain(input: Uint8Array, out: Buffer, secret: Buffer, authenticator: Buffer, hiding: boolean): void {
  const scratch = Buffer.allocUnsafe(secret.length + 16);
  secret.copy(scratch, 0);
  authenticator.copy(scratch, secret.length, 0, 16);
  for (let off = 0; off < input.length; off += 16) {
    // A binary string, not a Buffer: no allocation outside the JS heap per block.
    const b = hash('md5', scratch, 'binary');
    for (let j = 0; j < 16; j++) out[off + j] = (input[off + j] ?? 0) ^ b.charCodeAt(j);
    const c = hiding ? out : input;
    scratch.set(c.subarray(off, off + 16), secret.length);
  }
}

/**
 * RFC 2865 §5.2: hide a password for User-Password. The password is NUL-padded to a multiple of 16 bytes
 * (at least 16). `authenticator` is the 16-byte Request Authenticator. Throws RangeError above 128 bytes.
 */
export function hidePassword(password: Buffer, secret: Buffer, authenticator: Buffer): Buffer {
  if (password.length > MAX_HIDDEN) throw new RangeError('password longer than 128 bytes');
  if (authenticator.length !== 16) throw new RangeError('authenticator must be 16 bytes');
  const len = Math.max(16, (password.length + 15) & ~15);
  const padded = Buffer.alloc(len);
  password.copy(padded, 0);
  xorChain(padded, padded, secret, authenticator, true);
  return padded;
}

/**
 * RFC 2865 §5.2: recover a password from a User-Password value and strip the trailing NUL padding.
 * Returns undefined when the value is shorter than 16, longer than 128 or not a multiple of 16 bytes
 * (or the authenticator is not 16 bytes). A wrong secret yields garbage, not undefined.
 */
export function unhidePassword(hidden: Buffer, secret: Buffer, authenticator: Buffer): Buffer | undefined {
  const len = hidden.length;
  if (len < 16 || len > MAX_HIDDEN || len % 16 !== 0 || authenticator.length !== 16) return undefined;
  const out = Buffer.allocUnsafe(len);
  xorChain(hidden, out, secret, authenticator, false);
  let end = len;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}
