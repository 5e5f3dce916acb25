/**
 * The Status-Server probe (RFC 5997) against a UDP peer written here with node:crypto only: the request's bytes and
 * Message-Authenticator (RFC 3579 §3.2), and which answers count — a Response Authenticator (RFC 2865 §3) made with
 * the same secret, with or without a Message-Authenticator — and which do not.
 */
import { createHash, createHmac } from 'node:crypto';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSecret } from '../../src/radius/encode.js';
import { probeStatusServer, statusServerPacket } from '../../src/radius/status-probe.js';

const SECRET = 'status-Probe-Secret-42';
const sockets: dgram.Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

/** An Access-Accept answering `request`, signed with `secret`; with a Message-Authenticator when `ma`. */
function accept(request: Buffer, secret: string, ma: boolean): Buffer {
  const reply = Buffer.alloc(ma ? 38 : 20);
  reply[0] = 2;
  reply[1] = request[1]!;
  reply.writeUInt16BE(reply.length, 2);
  request.copy(reply, 4, 4, 20);
  if (ma) {
    reply[20] = 80;
    reply[21] = 18;
    createHmac('md5', secret).update(reply).digest().copy(reply, 22);
  }
  createHash('md5').update(reply).update(secret).digest().copy(reply, 4);
  return reply;
}

async function peer(answer: (request: Buffer) => Buffer | undefined): Promise<number> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  socket.on('message', (msg, rinfo) => {
    const reply = answer(msg);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

describe('probeStatusServer', () => {
  it('sends Status-Server with a valid Message-Authenticator as its only attribute (RFC 5997 §3)', () => {
    const packet = statusServerPacket(7, makeSecret(SECRET));
    expect([packet[0], packet[1], packet.readUInt16BE(2), packet[20], packet[21]]).toEqual([12, 7, 38, 80, 18]);
    const zeroed = Buffer.from(packet);
    zeroed.fill(0, 22, 38);
    expect(createHmac('md5', SECRET).update(zeroed).digest()).toEqual(packet.subarray(22, 38));
    expect(statusServerPacket(7, makeSecret(SECRET)).subarray(4, 20)).not.toEqual(packet.subarray(4, 20)); // random authenticator
  });

  it('counts an answer signed with the same secret, with or without Message-Authenticator', async () => {
    for (const ma of [true, false]) {
      const port = await peer((request) => accept(request, SECRET, ma));
      expect(await probeStatusServer({ address: '127.0.0.1', port, secret: makeSecret(SECRET), timeoutMs: 1000 })).toMatchObject({ kind: 'answered', code: 2 });
    }
  });

  it('an answer signed with another secret, or for another Identifier, is a bad reply', async () => {
    const port = await peer((request) => accept(request, 'another-Secret-0000', true));
    expect(await probeStatusServer({ address: '127.0.0.1', port, secret: makeSecret(SECRET), timeoutMs: 300 })).toEqual({ kind: 'bad-reply', replies: 1 });
    const other = await peer((request) => {
      const reply = accept(request, SECRET, false);
      reply[1] = (reply[1]! + 1) & 0xff;
      return reply;
    });
    expect(await probeStatusServer({ address: '127.0.0.1', port: other, secret: makeSecret(SECRET), timeoutMs: 300 })).toEqual({ kind: 'bad-reply', replies: 1 });
  });

  it('silence, and a closed port (ICMP port unreachable)', async () => {
    const port = await peer(() => undefined);
    expect(await probeStatusServer({ address: '127.0.0.1', port, secret: makeSecret(SECRET), timeoutMs: 300 })).toEqual({ kind: 'silent' });
    const closed = await peer(() => undefined);
    sockets.pop()!.close();
    expect(await probeStatusServer({ address: '127.0.0.1', port: closed, secret: makeSecret(SECRET), timeoutMs: 1000 })).toMatchObject({ kind: 'refused' });
  });
});
