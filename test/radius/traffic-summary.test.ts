/**
 * The request log at `info` (src/radius/traffic-summary.ts): a routine answer (Access-Accept, Interim-Update,
 * Status-Server) writes no line of its own but is counted in a per-NAS summary; every other answer (a Reject, a
 * Start) keeps its line. At `debug` every answer has its line. Real datagrams to an in-process RadiusServer.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { ClientRegistry } from '../../src/radius/clients.js';
import { Code } from '../../src/radius/codes.js';
import { makeSecret } from '../../src/radius/encode.js';
import { stringAttribute } from '../../src/radius/packet.js';
import { RadiusServer, type Handler } from '../../src/radius/server.js';
import { TrafficSummary } from '../../src/radius/traffic-summary.js';
import { accessRequest, attr, UdpPeer } from '../helpers/udp.js';

const SECRET = 'summary-secret';

function capture(level: 'info' | 'debug'): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level, destination }), lines };
}

// Accepts are routine, rejects are not: the same split the access handler makes.
const access: Handler<unknown> = (request) => {
  const user = stringAttribute(request, 'User-Name');
  return user === 'mallory'
    ? { code: Code.AccessReject, attributes: [], log: { user, outcome: 'reject', reason: 'bad password' } }
    : { code: Code.AccessAccept, attributes: [], log: { user, outcome: 'accept' }, routine: true };
};

const servers: Array<RadiusServer<unknown>> = [];
const peers: UdpPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.stop().catch(() => {});
});

async function exchange(level: 'info' | 'debug', users: string[]) {
  const { log, lines } = capture(level);
  const registry = new ClientRegistry([{ name: 'core-1', address: '127.0.0.1', secret: makeSecret(SECRET), requireMessageAuthenticator: 'no', limitProxyState: 'no', data: {} }]);
  const server = new RadiusServer<unknown>({
    bind: '127.0.0.1', authPort: 0, acctPort: 0, clients: () => registry, handlers: { [Code.AccessRequest]: access }, duplicateWindowMs: 10_000, log,
  });
  servers.push(server);
  const { auth } = await server.start();
  const peer = await new UdpPeer().open('127.0.0.1');
  peers.push(peer);
  for (const [i, user] of users.entries()) {
    const reply = await peer.request(accessRequest({ secret: SECRET, id: i, ma: 'first', attributes: [attr(1, user)] }).packet, auth);
    expect(reply).toBeDefined();
  }
  await server.stop();
  servers.splice(servers.indexOf(server), 1);
  return lines;
}

describe('the request log', () => {
  it('at info: a line per Reject, the Accepts only in the summary, counted per outcome', async () => {
    const lines = await exchange('info', ['alice', 'bob', 'mallory', 'carol']);
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.user)).toEqual(['mallory']);
    const summary = lines.filter((l) => l.msg === 'routine requests answered');
    expect(summary).toEqual([expect.objectContaining({ nas: 'core-1', accept: 3, level: 30 })]);
  });

  it('at debug: a line per answer and no summary', async () => {
    const lines = await exchange('debug', ['alice', 'mallory']);
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.user)).toEqual(['alice', 'mallory']);
    expect(lines.filter((l) => l.msg === 'routine requests answered')).toEqual([]);
  });
});

describe('TrafficSummary', () => {
  it('writes nothing when nothing was counted, and starts from zero after each line', () => {
    const { log, lines } = capture('info');
    const summary = new TrafficSummary(log, 60_000);
    summary.flush();
    expect(lines).toEqual([]);
    summary.count('a', 'accept');
    summary.count('b', 'recorded');
    summary.count('a', 'accept');
    summary.flush();
    summary.flush();
    expect(lines.map(({ nas, accept, recorded }) => ({ nas, accept, recorded }))).toEqual([
      { nas: 'a', accept: 2, recorded: undefined },
      { nas: 'b', accept: undefined, recorded: 1 },
    ]);
  });
});
