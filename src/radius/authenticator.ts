/**
 * Packet authenticity: Request/Response Authenticators (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2.3) and
 * Message-Authenticator (RFC 3579 §3.2, RFC 5176 §3.3). Every comparison is constant-time.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { MA_LENGTH } from './codes.js';

const ZERO16 = Buffer.alloc(16);

/*
 * One-shot `crypto.hash` over a scratch copy, digests as binary (latin1) strings written straight into place: per
 * packet no Hash/Hmac objects and no digest Buffers, which is most of what the garbage collector would otherwise
 * sweep (measured: 0.85 µs of CPU per HMAC instead of 2.0 µs with createHmac). Synchronous, so module-level scratch
 * space is safe.
 */
const BLOCK = 64;
let scratch = Buffer.alloc(BLOCK + 4096 + BLOCK);
const outer = Buffer.alloc(BLOCK + 16);
const digest16 = Buffer.alloc(16);

function room(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.alloc(bytes);
  return scratch;
}

/** RFC 2104 §2 key blocks, once per secret: K ⊕ ipad and K ⊕ opad (a key longer than 64 bytes is hashed first). */
interface HmacKey {
  ipad: Buffer;
  opad: Buffer;
}
const hmacKeys = new WeakMap<Buffer, HmacKey>();

function hmacKey(secret: Buffer): HmacKey {
  let key = hmacKeys.get(secret);
  if (!key) {
    const k = secret.length > BLOCK ? hash('md5', secret, 'buffer') : secret;
    key = { ipad: Buffer.alloc(BLOCK, 0x36), opad: Buffer.alloc(BLOCK, 0x5c) };
    for (let i = 0; i < k.length; i++) {
      key.ipad[i]! ^= k[i]!;
      key.opad[i]! ^= k[i]!;
    }
    hmacKeys.set(secret, key);
  }
  return key;
}

/** `packet` with its authenticator field replaced, copied to `target` at `offset`; returns the end offset. */
function copyWithAuthenticator(packet: Buffer, authenticatorField: Buffer, target: Buffer, offset: number): number {
  packet.copy(target, offset, 0, 4);
  authenticatorField.copy(target, offset + 4, 0, 16);
  packet.copy(target, offset + 20, 20);
  return offset + packet.length;
}

/** MD5(Code ‖ ID ‖ Length ‖ authenticatorField ‖ Attributes ‖ Secret) written to `target` at `offset`. */
function writePacketAuthenticator(packet: Buffer, authenticatorField: Buffer, secret: Buffer, target: Buffer, offset: number): void {
  const buf = room(packet.length + secret.length);
  const end = copyWithAuthenticator(packet, authenticatorField, buf, 0);
  secret.copy(buf, end);
  target.write(hash('md5', buf.subarray(0, end + secret.length), 'binary'), offset, 16, 'latin1');
}

/** HMAC-MD5 (RFC 2104) over the packet as messageAuthenticator() describes it, written to `target` at `offset`. */
function writeMessageAuthenticator(
  packet: Buffer,
  maValueOffset: number,
  authenticatorField: Buffer,
  secret: Buffer,
  target: Buffer,
  offset: number,
): void {
  const key = hmacKey(secret);
  const buf = room(BLOCK + packet.length);
  key.ipad.copy(buf, 0);
  const end = copyWithAuthenticator(packet, authenticatorField, buf, BLOCK);
  buf.fill(0, BLOCK + maValueOffset, BLOCK + maValueOffset + MA_LENGTH);
  key.opad.copy(outer, 0);
  outer.write(hash('md5', buf.subarray(0, end), 'binary'), BLOCK, 16, 'latin1');
  target.write(hash('md5', outer, 'binary'), offset, 16, 'latin1');
}

/**
 * MD5(Code ‖ ID ‖ Length ‖ authenticatorField ‖ Attributes ‖ Secret), reading the packet with its authenticator
 * field replaced by `authenticatorField` (the Request Authenticator for responses, zeros for accounting and
 * CoA/Disconnect requests). The packet itself is not modified.
 */
export function packetAuthenticator(packet: Buffer, authenticatorField: Buffer, secret: Buffer): Buffer {
  const out = Buffer.alloc(16);
  writePacketAuthenticator(packet, authenticatorField, secret, out, 0);
  return out;
}

/**
 * HMAC-MD5 over the packet with the Message-Authenticator value (at `maValueOffset`) zeroed and the authenticator
 * field replaced by `authenticatorField`. The packet itself is not modified.
 */
export function messageAuthenticator(
  packet: Buffer,
  maValueOffset: number,
  authenticatorField: Buffer,
  secret: Buffer,
): Buffer {
  const out = Buffer.alloc(16);
  writeMessageAuthenticator(packet, maValueOffset, authenticatorField, secret, out, 0);
  return out;
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 2866 §3 / RFC 5176 §2.3: a request whose authenticator is MD5 over the packet with a zero authenticator. */
export function verifyHashedRequestAuthenticator(packet: Buffer, secret: Buffer): boolean {
  writePacketAuthenticator(packet, ZERO16, secret, digest16, 0);
  return constantTimeEqual(digest16, packet.subarray(4, 20));
}

/**
 * Verify the Message-Authenticator of a received packet. `requestAuthenticator` is what the HMAC covers in the
 * authenticator field: the packet's own for Access-Request/Status-Server, zeros for Accounting/CoA/Disconnect
 * requests, the original Request Authenticator for any response.
 */
export function verifyMessageAuthenticator(
  packet: Buffer,
  maValueOffset: number,
  requestAuthenticator: Buffer,
  secret: Buffer,
): boolean {
  writeMessageAuthenticator(packet, maValueOffset, requestAuthenticator, secret, digest16, 0);
  return constantTimeEqual(digest16, packet.subarray(maValueOffset, maValueOffset + MA_LENGTH));
}

/**
 * Finish a response in place: fill the Message-Authenticator (if `maValueOffset` ≥ 0) with the Request
 * Authenticator in the header, then write the Response Authenticator (RFC 2865 §3, RFC 3579 §3.2).
 */
export function signResponse(packet: Buffer, requestAuthenticator: Buffer, secret: Buffer, maValueOffset: number): void {
  requestAuthenticator.copy(packet, 4);
  if (maValueOffset >= 0) writeMessageAuthenticator(packet, maValueOffset, requestAuthenticator, secret, packet, maValueOffset);
  writePacketAuthenticator(packet, requestAuthenticator, secret, packet, 4);
}

/**
 * Finish a request whose authenticator is hashed (Accounting, CoA, Disconnect) in place: MA first with both the
 * authenticator and MA zeroed, then the Request Authenticator (docs/radius-protocol.md §4, §12).
 */
export function signHashedRequest(packet: Buffer, secret: Buffer, maValueOffset: number): void {
  ZERO16.copy(packet, 4);
  if (maValueOffset >= 0) writeMessageAuthenticator(packet, maValueOffset, ZERO16, secret, packet, maValueOffset);
  writePacketAuthenticator(packet, ZERO16, secret, packet, 4);
}

export { ZERO16 };
