/**
 * @module radius/status-probe
 * A Status-Server probe (RFC 5997): is a RADIUS server answering on this address and port, and does it share this
 * secret? The request carries a random Request Authenticator and a Message-Authenticator (RFC 5997 §3 requires
 * one); the reply counts only when its Response Authenticator (RFC 2865 §3) verifies, and its Message-Authenticator
 * too when present. Harmless: a server does nothing for a Status-Server but answer it (RFC 5997 §3).
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { constantTimeEqual, messageAuthenticator, packetAuthenticator, verifyMessageAuthenticator } from './authenticator.js';
import { Code } from './codes.js';
import type { Secret } from './encode.js';

/** Message-Authenticator: type 80, length 18 (RFC 3579 §3.2). */
const MA_TYPE = 80;

export type StatusProbeResult =
  | { readonly kind: 'answered'; readonly code: number; readonly elapsedMs: number }
  /** Replies came back but failed verification: the server's secret for this source differs. */
  | { readonly kind: 'bad-reply'; readonly replies: number }
  | { readonly kind: 'silent' }
  /** The send failed at once (e.g. ICMP port unreachable, ECONNREFUSED): nothing listens there. */
  | { readonly kind: 'refused'; readonly error: string };

export interface StatusProbe {
  readonly address: string;
  readonly port: number;
  readonly secret: Secret;
  /** Source address (a NAS address the server knows). Default: any. */
  readonly bind?: string | undefined;
  /** Default 2000 ms. */
  readonly timeoutMs?: number;
}

/** The Status-Server datagram: header, Message-Authenticator (the only attribute), signed with `secret`. */
export function statusServerPacket(identifier: number, secret: Secret): Buffer {
  const packet = Buffer.alloc(20 + 18);
  packet[0] = Code.StatusServer;
  packet[1] = identifier;
  packet.writeUInt16BE(packet.length, 2);
  randomBytes(16).copy(packet, 4); // RFC 2865 §3: unpredictable Request Authenticator
  packet[20] = MA_TYPE;
  packet[21] = 18;
  messageAuthenticator(packet, 22, packet.subarray(4, 20), secret.bytes).copy(packet, 22);
  return packet;
}

/** Whether `reply` answers `request`: same Identifier, Response Authenticator and any Message-Authenticator verify. */
function verifies(reply: Buffer, request: Buffer, secret: Secret): boolean {
  if (reply.length < 20 || reply[1] !== request[1] || reply.readUInt16BE(2) > reply.length) return false;
  const packet = reply.subarray(0, reply.readUInt16BE(2));
  const requestAuthenticator = request.subarray(4, 20);
  if (!constantTimeEqual(packetAuthenticator(packet, requestAuthenticator, secret.bytes), packet.subarray(4, 20))) return false;
  for (let o = 20; o + 2 <= packet.length && packet[o + 1]! >= 2; o += packet[o + 1]!) {
    if (packet[o] === MA_TYPE) return packet[o + 1] === 18 && verifyMessageAuthenticator(packet, o + 2, requestAuthenticator, secret.bytes);
  }
  return true;
}

/** Sends one Status-Server and waits up to `timeoutMs` for a verified answer. Never throws for network trouble. */
export async function probeStatusServer(probe: StatusProbe): Promise<StatusProbeResult> {
  const socket = dgram.createSocket(isIPv6(probe.address) ? 'udp6' : 'udp4');
  const started = Date.now();
  const request = statusServerPacket(randomBytes(1)[0]!, probe.secret);
  let badReplies = 0;
  try {
    return await new Promise<StatusProbeResult>((resolve) => {
      const timer = setTimeout(() => resolve(badReplies > 0 ? { kind: 'bad-reply', replies: badReplies } : { kind: 'silent' }), probe.timeoutMs ?? 2000);
      const finish = (result: StatusProbeResult) => {
        clearTimeout(timer);
        resolve(result);
      };
      socket.on('error', (err) => finish({ kind: 'refused', error: err.message }));
      socket.on('message', (reply) => {
        if (verifies(reply, request, probe.secret)) finish({ kind: 'answered', code: reply[0]!, elapsedMs: Date.now() - started });
        else badReplies++;
      });
      socket.bind(0, probe.bind, () => {
        // connect() so an ICMP port-unreachable surfaces as ECONNREFUSED instead of silence.
        socket.connect(probe.port, probe.address, () => socket.send(request));
      });
    });
  } finally {
    socket.close();
  }
}
