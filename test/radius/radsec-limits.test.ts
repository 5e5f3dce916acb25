/**
 * RadSec limits and the server-initiated path (docs/radsec.md): the stream framer (RFC 6614 §3.4 (1)), the idle
 * timeout, the per-NAS connection cap, and CoA / Disconnect sent to the NAS over its own connection
 * (RFC 6614 §2.5) — answered by our TLS client acting as the NAS.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../src/radius/codes.js';
import { StreamFramer } from '../../src/radius/radsec-frame.js';
import { eventually } from '../helpers/eventually.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { changeStatus, fastWorkers, settled } from '../enforce/helpers.js';
import { openSessionsOfNas } from '../../src/sessions/store.js';
import { accountingRequest, ackFor, connectNas, makePki, radsecConfig, replyValid, statusServer, type Pki } from './radsec-fixtures.js';

describe('StreamFramer (RFC 6614 §3.4 (1): packets framed by their Length)', () => {
  it('reassembles packets split across chunks and splits chunks holding several', () => {
    const a = statusServer(1);
    const b = statusServer(2);
    const framer = new StreamFramer();
    const joined = Buffer.concat([a, b]);
    const first = framer.push(joined.subarray(0, 3));
    expect(first).toEqual({ packets: [] });
    const second = framer.push(joined.subarray(3, a.length + 5));
    expect('packets' in second && second.packets.map((p) => p.equals(a))).toEqual([true]);
    const third = framer.push(joined.subarray(a.length + 5));
    expect('packets' in third && third.packets.map((p) => p.equals(b))).toEqual([true]);
    expect(framer.pending).toBe(0);
  });

  it('a Length below 20 or above 4096 breaks the stream for good', () => {
    for (const length of [0, 19, 4097, 0xffff]) {
      const framer = new StreamFramer();
      const head = Buffer.from([1, 1, length >> 8, length & 0xff]);
      expect(framer.push(head)).toEqual({ error: { reason: 'bad-length', length } });
      expect('error' in framer.push(statusServer(3))).toBe(true);
    }
  });
});

describe('limits and CoA over the connection', () => {
  let pki: Pki;
  let t: TestRadgate;
  let port: number;

  beforeAll(async () => {
    pki = await makePki();
    t = await startTestRadgate({ config: radsecConfig(pki, { idleTimeout: '1s', maxConnections: 2, coa: 'connection' }) });
    port = t.radgate.ports.radsec!;
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    pki?.cleanup();
  });

  it('max_in_flight: 40 pipelined requests in one write are all answered, in bounded steps', async () => {
    const c = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const requests = Array.from({ length: 40 }, (_, i) => statusServer(i));
    const replies: Buffer[] = [];
    const all = (async () => {
      for (let i = 0; i < requests.length; i++) {
        const reply = await c.next(5000);
        if (!reply) break;
        replies.push(reply);
      }
    })();
    c.write(Buffer.concat(requests));
    await all;
    expect(replies).toHaveLength(40);
    const byId = new Map(replies.map((r) => [r[1]!, r]));
    for (const request of requests) expect(replyValid(byId.get(request[1]!)!, request)).toBe(true);
    c.socket.end();
    await c.closed;
  });

  it('a CoA-Request from the NAS gets a CoA-NAK with Error-Cause 406 (RFC 6614 §2.5); a forged one nothing', async () => {
    const c = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const coa = accountingRequest(77, [[1, 'bob']]);
    coa[0] = Code.CoaRequest;
    const signed = accountingRequest(77, [[1, 'bob']]);
    // Re-sign as a CoA-Request (RFC 5176 §3.5: the same MD5 Request Authenticator as accounting).
    signed[0] = Code.CoaRequest;
    signed.fill(0, 4, 20);
    createHash('md5').update(signed).update('radsec').digest().copy(signed, 4);
    const nak = await c.exchange(signed);
    expect(nak?.[0]).toBe(Code.CoaNak);
    expect(replyValid(nak!, signed)).toBe(true);
    expect(nak!.subarray(20).equals(Buffer.from([101, 6, 0, 0, 0x01, 0x96]))).toBe(true); // Error-Cause = 406
    expect(await c.exchange(coa, 500)).toBeUndefined(); // its authenticator is an accounting one: not authentic
    c.socket.end();
    await c.closed;
  });

  it('random bytes on many connections: each is closed, radgate keeps answering the next one', async () => {
    let seed = 0x5eed;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 12; n++) {
      const c = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
      const bytes = Buffer.from(Array.from({ length: 20 + Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
      // Sometimes a valid request first: what precedes the garbage is still answered.
      if (n % 3 === 0) expect((await c.exchange(statusServer(n)))?.[0]).toBe(2);
      c.write(bytes);
      await c.closed; // bad framing at once, or the idle timeout for a packet that never completes
    }
    const clean = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    expect((await clean.exchange(statusServer(99)))?.[0]).toBe(2);
    clean.socket.end();
    await clean.closed;
  }, 60_000);

  it('an idle connection is closed after idle_timeout', async () => {
    const c = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    expect((await c.exchange(statusServer(1)))?.[0]).toBe(2);
    const started = Date.now();
    await c.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await eventually(() => t.radgate.radsec!.stats.closed['idle-timeout'] >= 1, 5000);
  });

  it('max_connections_per_nas: the next connection of the same NAS is refused, others keep working', async () => {
    const one = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const two = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    await eventually(() => t.radgate.radsec!.connectionsOf('core-rs').length === 2, 2000);
    const three = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    expect(await three.exchange(statusServer(2), 500)).toBeUndefined();
    expect(t.radgate.radsec!.stats.refused['connection-limit']).toBe(1);
    expect(t.logs.some((l) => l.msg === 'RadSec connection refused: connection-limit' && l.nas === 'core-rs')).toBe(true);
    expect((await one.exchange(statusServer(3)))?.[0]).toBe(2);
    expect((await two.exchange(statusServer(4)))?.[0]).toBe(2);
    one.socket.end();
    two.socket.end();
    await Promise.all([one.closed, two.closed]);
  });

  it('a CoA-Request goes to the NAS over its connection and its ACK is verified', async () => {
    const nas = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    await eventually(() => t.radgate.radsec!.connectionsOf('core-rs').length === 1, 2000);
    const pending = t.radgate.radsec!.request('core-rs', Code.CoaRequest, [{ name: 'User-Name', value: 'bob' }], 2000);
    const request = await nas.next(2000);
    expect(request?.[0]).toBe(Code.CoaRequest);
    nas.write(ackFor(request!));
    const reply = await pending;
    expect(reply.kind).toBe('reply');
    expect(reply.kind === 'reply' && reply.code).toBe(Code.CoaAck);

    // A forged ACK (wrong authenticator) is dropped: the request times out.
    const second = t.radgate.radsec!.request('core-rs', Code.DisconnectRequest, [{ name: 'User-Name', value: 'bob' }], 500);
    const disconnect = await nas.next(2000);
    expect(disconnect?.[0]).toBe(Code.DisconnectRequest);
    const forged = ackFor(disconnect!);
    forged[4]! ^= 1;
    nas.write(forged);
    expect((await second).kind).toBe('timeout');
    nas.socket.end();
    await nas.closed;
    expect((await t.radgate.radsec!.request('core-rs', Code.CoaRequest, [], 500)).kind).toBe('closed');
  });
});

describe('the enforcement ladder reaches a RadSec NAS over its connection (radsec.coa: connection)', () => {
  let pki: Pki;
  let t: TestRadgate;

  beforeAll(async () => {
    pki = await makePki();
    t = await startTestRadgate({ config: radsecConfig(pki, { coa: 'connection', server: (text) => fastWorkers(text) }) });
    await addSubscribers(t, [{ username: 'bob', password: 'hello' }]);
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
    pki?.cleanup();
  });

  it('a session accounted over RadSec is disconnected over the same connection when the subscriber is suspended', async () => {
    const nas = await connectNas(t.radgate.ports.radsec!, pki, 'core-rs.crt', 'core-rs.key');
    // User-Name, Acct-Session-Id, Acct-Status-Type = Start (RFC 2866 §5.1).
    const request = accountingRequest(1, [[1, 'bob'], [44, 'rs-42'], [40, 1]]);
    const response = await nas.exchange(request);
    expect(response?.[0]).toBe(5); // Accounting-Response
    await eventually(async () => expect((await openSessionsOfNas(t.radgate.database.db, 'core-rs')).map((s) => s.acctSessionId)).toEqual(['rs-42']), 10_000);

    const jobId = await changeStatus(t, 'bob', 'suspended');
    const disconnect = await nas.next(20_000);
    expect(disconnect?.[0]).toBe(Code.DisconnectRequest);
    nas.write(ackFor(disconnect!));
    const { job, attempts } = await settled(t.radgate.database.db, jobId);
    expect(job.state).toBe('done');
    expect(attempts.some((a) => a.method === 'disconnect' && a.result === 'ack')).toBe(true);
    nas.socket.end();
  });
});
