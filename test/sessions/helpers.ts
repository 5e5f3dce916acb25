/** Shared by the accounting tests: radclient input, a retransmitting NAS, database reads. */
import { createHash } from 'node:crypto';
import dgram, { type RemoteInfo, type Socket } from 'node:dgram';
import { asc } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { sessions, type SessionRow } from '../../src/db/schema.js';
import { radclient, type RadclientResult } from '../helpers/radclient.js';
import { attr, verifyReply } from '../helpers/udp.js';

export const SECRET = 'testing123';

/** radclient input line from attribute → value: numbers, hex (0x…), addresses and enum names bare, text quoted. */
export function line(attributes: Record<string, string | number>): string {
  return Object.entries(attributes)
    .map(([name, value]) => {
      const bare = typeof value === 'number' || /^0x[0-9a-f]*$/i.test(value) || BARE_ATTRIBUTES.has(name);
      return `${name} = ${bare ? value : JSON.stringify(value)}`;
    })
    .join(', ');
}

const BARE_ATTRIBUTES = new Set([
  'Acct-Status-Type', 'Acct-Terminate-Cause', 'Acct-Authentic', 'NAS-Port-Type', 'Service-Type', 'Framed-Protocol',
  'Framed-IP-Address', 'NAS-IP-Address',
]);

/** One Accounting-Request through radclient; resolves with radclient's view of the reply. */
export function acct(port: number, attributes: Record<string, string | number>, extra: string[] = []): Promise<RadclientResult> {
  return radclient({ port, type: 'acct', input: line(attributes) + '\n', extra });
}

/** All sessions, oldest first. */
export function allSessions(db: Db): Promise<SessionRow[]> {
  return db.select().from(sessions).orderBy(asc(sessions.id));
}

// ---- hand-built Accounting-Requests -------------------------------------------------------------------------

const ATTR = {
  'User-Name': 1,
  'NAS-IP-Address': 4,
  'Framed-IP-Address': 8,
  Class: 25,
  'Calling-Station-Id': 31,
  'NAS-Identifier': 32,
  'Proxy-State': 33,
  'Acct-Status-Type': 40,
  'Acct-Delay-Time': 41,
  'Acct-Input-Octets': 42,
  'Acct-Output-Octets': 43,
  'Acct-Session-Id': 44,
  'Acct-Session-Time': 46,
  'Acct-Input-Packets': 47,
  'Acct-Output-Packets': 48,
  'Acct-Terminate-Cause': 49,
  'Acct-Input-Gigawords': 52,
  'Acct-Output-Gigawords': 53,
  'NAS-Port-Id': 87,
} as const;

const INTEGER = new Set<number>([40, 41, 42, 43, 46, 47, 48, 49, 52, 53]);
const ADDRESS = new Set<number>([4, 8]);

export type AcctAttributes = Partial<Record<keyof typeof ATTR, string | number | Buffer>>;

/** Encode attributes by hand (RFC 2865 §5: integers 4 bytes, addresses 4 bytes, text as is). */
export function encodeAttributes(attributes: AcctAttributes): Buffer[] {
  return Object.entries(attributes).map(([name, value]) => {
    const type = ATTR[name as keyof typeof ATTR];
    if (INTEGER.has(type)) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(Number(value));
      return attr(type, b);
    }
    if (ADDRESS.has(type)) return attr(type, Buffer.from(String(value).split('.').map(Number)));
    return attr(type, Buffer.isBuffer(value) ? value : String(value));
  });
}

/** Accounting-Request bytes: authenticator = MD5(packet with zero authenticator ‖ secret) (RFC 2866 §3). */
export function accountingPacket(id: number, attributes: AcctAttributes, secret = SECRET): Buffer {
  const packet = Buffer.concat([Buffer.of(4, id, 0, 0), Buffer.alloc(16), ...encodeAttributes(attributes)]);
  packet.writeUInt16BE(packet.length, 2);
  createHash('md5').update(packet).update(secret).digest().copy(packet, 4);
  return packet;
}

interface Outstanding {
  packet: Buffer;
  resolve: (reply: Buffer) => void;
  timer: NodeJS.Timeout;
}

export interface RetryingNasOptions {
  /** Source ports, each with its own 256 Identifiers. Default 2. */
  sockets?: number;
  /** Retransmission interval, ms. Default 300. */
  retryMs?: number;
  /** Shared secret. Default SECRET. */
  secret?: string;
  /** Source address (a nas.yaml entry must cover it). Default 127.0.0.1. */
  address?: string;
  /**
   * Which free Identifier the next request takes: `rotate` (default) the one free longest; `reuse` the one freed
   * last, so an Identifier carries the next request while copies of its previous request's reply may still arrive.
   */
  ids?: 'rotate' | 'reuse';
}

/**
 * Whether `reply` is the Accounting-Response to `request`: code 5, Length as received, and Response Authenticator =
 * MD5(Code ‖ Identifier ‖ Length ‖ Request Authenticator ‖ Attributes ‖ secret) (RFC 2866 §3). The Identifier is
 * covered by the hash, so it is never compared on its own.
 */
export function answers(reply: Buffer, request: Buffer, secret: string): boolean {
  if (reply.length < 20 || reply[0] !== 5 || reply.readUInt16BE(2) !== reply.length) return false;
  return verifyReply(reply, request.subarray(4, 20), secret).authenticatorOk;
}

/**
 * A NAS that retransmits each Accounting-Request — the same bytes, Identifier and source port (RFC 5080 §2.2.1) —
 * every `retryMs` until it is answered, as a router does when radgate does not answer.
 *
 * A reply is matched by its Response Authenticator against every request outstanding on the socket it arrived on,
 * not by its Identifier: an Identifier is reused once its request is answered, so a late copy of an old reply
 * carries the Identifier of a newer request. A reply that answers a request already answered (radgate re-sends its
 * cached reply to a retransmission, RFC 5080 §2.2.2) is counted in `duplicateReplies`; one that answers no request
 * this NAS sent is kept in `unmatched`, and a test expects none.
 */
export class RetryingNas {
  private readonly sockets: Socket[] = [];
  /** Per socket: the requests not answered yet. */
  private readonly outstanding: Array<Set<Outstanding>> = [];
  /** Per socket and Identifier: the requests answered (checked only for replies that answer nothing outstanding). */
  private readonly answered: Array<Map<number, Buffer[]>> = [];
  private readonly freeIds: number[][] = [];
  private readonly waitingForId: Array<() => void> = [];
  private next = 0;
  /** Every transmission, retransmissions included. */
  sent = 0;
  /** Replies to requests that had already been answered. */
  duplicateReplies = 0;
  /** Datagrams that answer no request this NAS sent (or come from elsewhere than radgate's port). */
  readonly unmatched: Buffer[] = [];

  constructor(
    private readonly port: number,
    private readonly options: RetryingNasOptions = {},
  ) {}

  private get secret(): string {
    return this.options.secret ?? SECRET;
  }

  async open(): Promise<this> {
    const count = this.options.sockets ?? 2;
    for (let i = 0; i < count; i++) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, this.options.address ?? '127.0.0.1', resolve));
      socket.on('message', (reply, from) => this.receive(i, reply, from));
      this.sockets.push(socket);
      this.outstanding.push(new Set());
      this.answered.push(new Map());
      this.freeIds.push(Array.from({ length: 256 }, (_, id) => id));
    }
    return this;
  }

  /** Requests sent and not answered yet. */
  get pending(): number {
    return this.outstanding.reduce((sum, set) => sum + set.size, 0);
  }

  /** Send until answered; resolves with the (verified) reply. */
  async send(attributes: AcctAttributes): Promise<Buffer> {
    let slot = this.takeId();
    while (!slot) {
      await new Promise<void>((resolve) => this.waitingForId.push(resolve));
      slot = this.takeId();
    }
    const { socket, id } = slot;
    const packet = accountingPacket(id, attributes, this.secret);
    return new Promise<Buffer>((resolve) => {
      const transmit = () => {
        this.sent++;
        this.sockets[socket]!.send(packet, this.port, '127.0.0.1');
      };
      const timer = setInterval(transmit, this.options.retryMs ?? 300);
      this.outstanding[socket]!.add({ packet, resolve, timer });
      transmit();
    });
  }

  close(): void {
    for (const set of this.outstanding) {
      for (const o of set) clearInterval(o.timer);
      set.clear();
    }
    for (const socket of this.sockets) socket.close();
  }

  private takeId(): { socket: number; id: number } | undefined {
    for (let k = 0; k < this.sockets.length; k++) {
      const socket = (this.next + k) % this.sockets.length;
      const free = this.freeIds[socket]!;
      const id = this.options.ids === 'reuse' ? free.pop() : free.shift();
      if (id !== undefined) {
        this.next = socket + 1;
        return { socket, id };
      }
    }
    return undefined;
  }

  private receive(socket: number, reply: Buffer, from: RemoteInfo): void {
    if (from.address !== '127.0.0.1' || from.port !== this.port) {
      this.unmatched.push(reply);
      return;
    }
    for (const o of this.outstanding[socket]!) {
      if (!answers(reply, o.packet, this.secret)) continue;
      clearInterval(o.timer);
      this.outstanding[socket]!.delete(o);
      const id = o.packet[1]!;
      const done = this.answered[socket]!;
      if (!done.has(id)) done.set(id, []);
      done.get(id)!.push(o.packet);
      this.freeIds[socket]!.push(id);
      this.waitingForId.shift()?.();
      o.resolve(reply);
      return;
    }
    // Only the requests that carried this Identifier can verify (it is in the hash): look no further.
    if (this.answered[socket]!.get(reply[1]!)?.some((request) => answers(reply, request, this.secret))) this.duplicateReplies++;
    else this.unmatched.push(reply);
  }
}

// ---- logins -------------------------------------------------------------------------------------------------

/** PAP login through radclient; returns the reply (Class is in `attributes.Class` as 0x…). */
export function login(port: number, username: string, password = `pw-${username}`): Promise<RadclientResult> {
  return radclient({ port, type: 'auth', input: `User-Name = "${username}", User-Password = "${password}", Message-Authenticator = 0x00\n` });
}
