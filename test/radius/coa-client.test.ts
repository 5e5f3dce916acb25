/** The CoA / Disconnect client (RFC 5176) against the fake NAS, which checks packets as a router does. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RadiusClient, type CoaPeer, type RetryPolicy } from '../../src/radius/client.js';
import { Code } from '../../src/radius/codes.js';
import { makeSecret } from '../../src/radius/encode.js';
import { FakeNas } from '../helpers/fake-nas.js';

const SECRET = 'coa-secret-0123456789';
const FAST: RetryPolicy = { initialTimeoutMs: 150, maxTries: 3, maxTimeoutMs: 1000, maxTotalMs: 10_000 };
let nas: FakeNas;
let client: RadiusClient;
let peer: CoaPeer;

const identify = [
  { name: 'NAS-IP-Address', value: '127.0.0.2' },
  { name: 'User-Name', value: 'alice' },
  { name: 'Acct-Session-Id', value: '81a00003' },
  { name: 'Framed-IP-Address', value: '10.0.0.5' },
];

beforeAll(async () => {
  nas = await FakeNas.start({ address: '127.0.0.2', secret: SECRET });
  client = new RadiusClient({ bind: '127.0.0.1' });
  peer = { name: 'core1', address: nas.address, port: nas.port, secret: makeSecret(SECRET) };
});
afterAll(async () => {
  await client.close();
  await nas.stop();
});
beforeEach(() => nas.reset());

describe('CoA-Request', () => {
  it('is authentic to the NAS (authenticator + MA), carries the attributes and an Event-Timestamp; ACK verified', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await client.send(peer, Code.CoaRequest, [...identify, { name: 'Mikrotik-Rate-Limit', value: '1M/1M', vendor: 14988 }], FAST);
    expect(result).toMatchObject({ kind: 'ack', code: Code.CoaAck, tries: 1, messageAuthenticator: true });
    const [request] = nas.requests(Code.CoaRequest);
    expect(nas.dropped).toEqual([]);
    expect(request!.attributes).toMatchObject({
      'NAS-IP-Address': '127.0.0.2', 'User-Name': 'alice', 'Acct-Session-Id': '81a00003', 'Framed-IP-Address': '10.0.0.5',
      'Mikrotik-Rate-Limit': '1M/1M',
    });
    expect(request!.attributes['Event-Timestamp']).toBeGreaterThanOrEqual(before);
    expect(request!.attributes['Message-Authenticator']).toBeDefined();
    expect(request!.source.address).toBe('127.0.0.1');
  });

  it('a NAK reports the Error-Cause and Reply-Message', async () => {
    nas.coa = { nak: 401, replyMessage: 'unsupported' };
    const result = await client.send(peer, Code.CoaRequest, identify, FAST);
    expect(result).toMatchObject({ kind: 'nak', code: Code.CoaNak, errorCause: 401, replyMessage: 'unsupported' });
  });

  it('retransmits byte-identical (same ID, authenticator, Event-Timestamp, source port) with back-off until answered', async () => {
    nas.coa = { silentTries: 2, then: 'ack' };
    const result = await client.send(peer, Code.CoaRequest, identify, FAST);
    expect(result).toMatchObject({ kind: 'ack', tries: 3 });
    const sent = nas.requests(Code.CoaRequest, true);
    expect(sent).toHaveLength(3);
    for (const retry of sent.slice(1)) {
      expect(retry.raw.equals(sent[0]!.raw)).toBe(true);
      expect(retry.source).toEqual(sent[0]!.source);
    }
  });

  it('gives up after maxTries with a timeout, having doubled the wait each time', async () => {
    nas.coa = 'silent';
    const result = await client.send(peer, Code.CoaRequest, identify, FAST);
    expect(result).toMatchObject({ kind: 'timeout', tries: 3 });
    // 150 + 300 + 600 ms by the client's own clock (timers never fire early); without back-off it would be 450.
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(nas.requests(Code.CoaRequest, true)).toHaveLength(3);
  });

  it('drops replies with a bad Response Authenticator or a bad Message-Authenticator', async () => {
    nas.coa = 'ack-bad-authenticator';
    const bad = await client.send(peer, Code.CoaRequest, identify, { ...FAST, maxTries: 2 });
    expect(bad).toMatchObject({ kind: 'timeout', dropped: [{ reason: 'bad-response-authenticator', code: Code.CoaAck }, { reason: 'bad-response-authenticator' }] });
    nas.coa = 'ack-bad-message-authenticator';
    const badMa = await client.send(peer, Code.CoaRequest, identify, { ...FAST, maxTries: 1 });
    expect(badMa).toMatchObject({ kind: 'timeout', dropped: [{ reason: 'bad-message-authenticator' }] });
  });

  it('a request signed with the wrong secret is dropped by the NAS', async () => {
    const wrong = { ...peer, secret: makeSecret('not-the-secret-000000') };
    expect(await client.send(wrong, Code.CoaRequest, identify, { ...FAST, maxTries: 1 })).toMatchObject({ kind: 'timeout' });
    expect(nas.dropped.map((d) => d.reason)).toEqual(['bad-authenticator']);
  });
});

describe('Disconnect-Request', () => {
  it('ACK and NAK 503', async () => {
    expect(await client.send(peer, Code.DisconnectRequest, identify, FAST)).toMatchObject({ kind: 'ack', code: Code.DisconnectAck });
    nas.disconnect = { nak: 503 };
    expect(await client.send(peer, Code.DisconnectRequest, identify, FAST)).toMatchObject({ kind: 'nak', code: Code.DisconnectNak, errorCause: 503 });
  });
});

describe('Identifiers', () => {
  it('never reuses an Identifier still in flight, even with more than 256 requests outstanding', async () => {
    nas.coa = { silentTries: 1, then: 'ack' }; // every request stays in flight for a retransmission
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => client.send(peer, Code.CoaRequest, [{ name: 'User-Name', value: `u${i}` }], { ...FAST, initialTimeoutMs: 300, maxTries: 4 })),
    );
    expect(results.every((r) => r.kind === 'ack')).toBe(true);
    // Per Identifier, the transmissions of one request form one unbroken run: no other request used the id meanwhile.
    const byId = new Map<number, string[]>();
    for (const r of nas.received) byId.set(r.identifier, [...(byId.get(r.identifier) ?? []), r.authenticator]);
    for (const sequence of byId.values()) {
      const runs = sequence.filter((a, i) => i === 0 || sequence[i - 1] !== a);
      expect(new Set(runs).size).toBe(runs.length);
    }
    expect(new Set(nas.requests(Code.CoaRequest).map((r) => r.attributes['User-Name'])).size).toBe(300);
  });
});
