/**
 * The soak benchmark's good datagrams, built by hand (not through src/radius) like bench/requests.ts: a NAS's
 * Accounting-Requests (RFC 2866 §4.1, as a MikroTik sends them for PPPoE) and a router's CoA / Disconnect replies.
 * The bad NAS's repertoire is in bench/soak-bad-nas.ts.
 */
import { createHash, createHmac } from 'node:crypto';

export function attr(type: number, value: Buffer | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.of(type, v.length + 2), v]);
}

export function int(type: number, value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return attr(type, b);
}

export function ipv4(type: number, address: string): Buffer {
  return attr(type, Buffer.from(address.split('.').map(Number)));
}

/** RFC 2866 §3: Request Authenticator = MD5(Code ‖ Identifier ‖ Length ‖ 16 zero octets ‖ Attributes ‖ Secret). */
export function accountingPacket(identifier: number, attributes: Buffer[], secret: Buffer): Buffer {
  const packet = Buffer.concat([Buffer.of(4, identifier, 0, 0), Buffer.alloc(16), ...attributes]);
  packet.writeUInt16BE(packet.length, 2);
  createHash('md5').update(packet).update(secret).digest().copy(packet, 4);
  return packet;
}

/** RFC 2866 §5.1 Acct-Status-Type values. */
export const STATUS = { Start: 1, Stop: 2, 'Interim-Update': 3 } as const;
export type Status = keyof typeof STATUS;

/** RFC 2866 §5.10 Acct-Terminate-Cause: User-Request, Admin-Reset (after a Disconnect-Request). */
export const TERMINATE = { userRequest: 1, adminReset: 6 } as const;

export interface SessionRecord {
  status: Status;
  username: string;
  sessionId: string;
  nasIp: string;
  nasIdentifier: string;
  framedIp: string;
  mac: string;
  /** The Class of the Access-Accept, echoed (RFC 2865 §5.25). */
  classTag: Buffer;
  /** Acct-Session-Time, s; 0 for Start. */
  sessionTime: number;
  /** Stop only. */
  terminateCause?: number;
}

/** An Accounting-Request for one session of a PPPoE subscriber on a MikroTik. */
export function sessionRecord(identifier: number, r: SessionRecord, secret: Buffer): Buffer {
  const attributes = [
    attr(1, r.username),
    int(40, STATUS[r.status]),
    attr(44, r.sessionId),
    ipv4(4, r.nasIp),
    attr(32, r.nasIdentifier),
    int(61, 15), // NAS-Port-Type Ethernet (PPPoE)
    attr(87, `<pppoe-${r.username}>`),
    attr(31, r.mac),
    attr(30, 'pppoe-in'),
    ipv4(8, r.framedIp),
    attr(25, r.classTag),
    int(45, 1), // Acct-Authentic RADIUS
    int(41, 0), // Acct-Delay-Time; a retransmission resends the same bytes (RFC 5080 §2.2.1)
  ];
  if (r.status !== 'Start') {
    const input = r.sessionTime * 125_000; // ~1 Mbit/s up, ~8 down
    const output = r.sessionTime * 1_000_000;
    attributes.push(
      int(46, r.sessionTime),
      int(42, input % 2 ** 32),
      int(52, Math.floor(input / 2 ** 32)),
      int(43, output % 2 ** 32),
      int(53, Math.floor(output / 2 ** 32)),
      int(47, r.sessionTime * 100),
      int(48, r.sessionTime * 700),
    );
  }
  if (r.status === 'Stop') attributes.push(int(49, r.terminateCause ?? TERMINATE.userRequest));
  return accountingPacket(identifier, attributes, secret);
}

/**
 * A CoA-ACK / Disconnect-ACK or -NAK (RFC 5176 §3.5, §2.3): Message-Authenticator first (computed over the reply
 * with the Request Authenticator in place, RFC 3579 §3.2), Error-Cause on a NAK, then the Response Authenticator.
 */
export function coaReply(request: Buffer, code: number, secret: Buffer, errorCause?: number): Buffer {
  const attributes = [attr(80, Buffer.alloc(16))];
  if (errorCause !== undefined) attributes.push(int(101, errorCause));
  const reply = Buffer.concat([Buffer.of(code, request[1]!, 0, 0), request.subarray(4, 20), ...attributes]);
  reply.writeUInt16BE(reply.length, 2);
  createHmac('md5', secret).update(reply).digest().copy(reply, 22);
  createHash('md5').update(reply).update(secret).digest().copy(reply, 4);
  return reply;
}

/**
 * A CoA / Disconnect-Request checked as a router checks it: Request Authenticator (RFC 5176 §2.3) and
 * Message-Authenticator (RFC 5176 §3.3), both required. Returns its Acct-Session-Id ('' when absent), or undefined
 * when it fails a check.
 */
export function checkCoaRequest(packet: Buffer, secret: Buffer): { sessionId: string } | undefined {
  if (packet.length < 20 || packet.readUInt16BE(2) !== packet.length) return undefined;
  const zeroed = Buffer.from(packet);
  zeroed.fill(0, 4, 20);
  if (!createHash('md5').update(zeroed).update(secret).digest().equals(packet.subarray(4, 20))) return undefined;
  let ma = -1;
  let sessionId = '';
  for (let o = 20; o + 2 <= packet.length; o += packet[o + 1]!) {
    const length = packet[o + 1]!;
    if (length < 2 || o + length > packet.length) return undefined;
    if (packet[o] === 80 && length === 18) ma = o + 2;
    if (packet[o] === 44) sessionId = packet.toString('utf8', o + 2, o + length);
  }
  if (ma < 0) return undefined;
  zeroed.fill(0, ma, ma + 16);
  return createHmac('md5', secret).update(zeroed).digest().equals(packet.subarray(ma, ma + 16)) ? { sessionId } : undefined;
}
