/**
 * Packet authenticity: Request/Response Authenticators (RFC 2865 §3, RFC 2866 §3, RFC 5176 §2.3) and
 * Message-Authenticator (RFC 3579 §3.2, RFC 5176 §3.3). Every comparison is constant-time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { MA_LENGTH } from './codes.js';

const ZERO16 = Buffer.alloc(16);

/**
 * MD5(Code ‖ ID ‖ Length ‖ authenticatorField ‖ Attributes ‖ Secret), reading the packet with its authenticator
 * field replaced by `authenticatorField` (the Request Authenticator for responses, zeros for accounting and
 * CoA/Disconnect requests). The packet itself is not modified.
 */
export function packetAuthenticator(packet: Buffer, authenticatorField: Buffer, secret: Buffer): Buffer {
  return createHash('md5')
    .update(packet.subarray(0, 4))
    .update(authenticatorField)
    .update(packet.subarray(20))
    .update(secret)
    .digest();
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
  return createHmac('md5', secret)
    .update(packet.subarray(0, 4))
    .update(authenticatorField)
    .update(packet.subarray(20, maValueOffset))
    .update(ZERO16)
    .update(packet.subarray(maValueOffset + MA_LENGTH))
    .digest();
}

export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 2866 §3 / RFC 5176 §2.3: a request whose authenticator is MD5 over the packet with a zero authenticator. */
export function verifyHashedRequestAuthenticator(packet: Buffer, secret: Buffer): boolean {
  return constantTimeEqual(packetAuthenticator(packet, ZERO16, secret), packet.subarray(4, 20));
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
  const expected = messageAuthenticator(packet, maValueOffset, requestAuthenticator, secret);
  return constantTimeEqual(expected, packet.subarray(maValueOffset, maValueOffset + MA_LENGTH));
}

/**
 * Finish a response in place: fill the Message-Authenticator (if `maValueOffset` ≥ 0) with the Request
 * Authenticator in the header, then write the Response Authenticator (RFC 2865 §3, RFC 3579 §3.2).
 */
export function signResponse(packet: Buffer, requestAuthenticator: Buffer, secret: Buffer, maValueOffset: number): void {
  requestAuthenticator.copy(packet, 4);
  if (maValueOffset >= 0) {
    messageAuthenticator(packet, maValueOffset, requestAuthenticator, secret).copy(packet, maValueOffset);
  }
  packetAuthenticator(packet, requestAuthenticator, secret).copy(packet, 4);
}

/**
 * Finish a request whose authenticator is hashed (Accounting, CoA, Disconnect) in place: MA first with both the
 * authenticator and MA zeroed, then the Request Authenticator (radius.md §4).
 */
export function signHashedRequest(packet: Buffer, secret: Buffer, maValueOffset: number): void {
  ZERO16.copy(packet, 4);
  if (maValueOffset >= 0) messageAuthenticator(packet, maValueOffset, ZERO16, secret).copy(packet, maValueOffset);
  packetAuthenticator(packet, ZERO16, secret).copy(packet, 4);
}

export { ZERO16 };
