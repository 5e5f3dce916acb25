/**
 * `RadiusServer` in-process: fake handlers, sockets on port 0 bound to 127.0.0.1, real UDP datagrams built by hand
 * (test/helpers/udp.ts, independent of src/). No database, no config files, no dist/. What it pins: dispatch by
 * code and port, silent drops and their counters (docs/radius-protocol.md §2, §17), duplicate cache (RFC 5080 §2.2.2)
 * and its expiry on a timer, a handler failure answered by silence and logged at most once a minute, a reply over
 * 4096 bytes, and the Access-Reject delay running on a timer that holds nobody else up.
 * test/radius/server.test.ts checks the same rules through the whole application.
 */
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ClientRegistry, type ClientDefinition } from '../../src/radius/clients.js';
import { Code } from '../../src/radius/codes.js';
import { makeSecret } from '../../src/radius/encode.js';
import { stringAttribute } from '../../src/radius/packet.js';
import {
  RadiusServer,
  type DropReason,
  type Handler,
  type HandlerContext,
  type HandlerResult,
  type RadiusObserver,
} from '../../src/radius/server.js';
import { accessRequest, accountingRequest, attr, replyAttributes, UdpPeer, verifyReply } from '../helpers/udp.js';
import { eventually } from '../helpers/eventually.js';

const SECRET = 'core-secret';

interface NasData {
  tag: string;
}

const CLIENTS: ClientDefinition<NasData>[] = [
  { name: 'nas-a', address: '127.0.0.1', secret: makeSecret(SECRET), requireMessageAuthenticator: 'no', limitProxyState: 'no', data: { tag: 'a' } },
  { name: 'nas-strict', address: '127.0.0.2', secret: makeSecret(SECRET), requireMessageAuthenticator: 'yes', limitProxyState: 'yes', data: { tag: 'strict' } },
];

// ─── fake handlers: what they do depends on User-Name ─────────────────────────────────────────────────────────

interface Call {
  code: number;
  user: string | undefined;
  context: HandlerContext<NasData>;
}
const calls: Call[] = [];
const held: Array<(result: HandlerResult) => void> = [];
const REJECT_DELAY_MS = 400;

const accept = (message: string): HandlerResult => ({
  code: Code.AccessAccept,
  attributes: [{ name: 'Reply-Message', value: message }],
  log: { outcome: 'accept' },
});

const access: Handler<NasData> = (request, context) => {
  const user = stringAttribute(request, 'User-Name');
  calls.push({ code: request.code, user, context });
  switch (user) {
    case 'throw':
      throw new Error('boom');
    case 'reject-async':
      return Promise.reject(new Error('async boom'));
    case 'decline':
      return undefined;
    case 'unencodable':
      return { code: Code.AccessAccept, attributes: [{ name: 'Class', value: Buffer.alloc(254) }], log: {} };
    case 'bulky':
      // With the request's Proxy-States echoed, more than 4096 bytes.
      return { code: Code.AccessAccept, attributes: [{ name: 'Class', value: Buffer.alloc(253) }, { name: 'Class', value: Buffer.alloc(253) }], log: {} };
    case 'conflicting':
      return { drop: 'conflicting-credentials' };
    case 'hold':
      return new Promise<HandlerResult>((resolve) => held.push(resolve));
    case 'slow-reject':
      return {
        code: Code.AccessReject,
        attributes: [{ name: 'Reply-Message', value: 'no' }],
        delayMs: REJECT_DELAY_MS,
        log: { outcome: 'reject' },
      };
    case 'log':
      context.log.warn({ marker: 'from-handler' }, 'handler speaks');
      return accept(`hello ${user}`);
    default:
      return accept(`hello ${user}`);
  }
};

const accounting: Handler<NasData> = async (request, context) => {
  calls.push({ code: request.code, user: stringAttribute(request, 'User-Name'), context });
  return { code: Code.AccountingResponse, attributes: [], log: { outcome: 'recorded' } };
};

const statusServer: Handler<NasData> = (request, context) => {
  calls.push({ code: request.code, user: undefined, context });
  return { code: context.port === 'auth' ? Code.AccessAccept : Code.AccountingResponse, attributes: [], log: {} };
};

// ─── the server under test ────────────────────────────────────────────────────────────────────────────────────

const logLines: Array<Record<string, unknown>> = [];
const observed = { dropped: [] as Array<[DropReason, string | undefined]>, resent: [] as string[], replied: [] as Array<[string, number]> };
const observer: RadiusObserver = {
  dropped: (reason, nas) => observed.dropped.push([reason, nas]),
  duplicateResent: (nas) => observed.resent.push(nas),
  replied: (nas, code) => observed.replied.push([nas, code]),
};

function makeServer(
  handlers: Partial<Record<number, Handler<NasData>>>,
  options: { duplicateWindowMs?: number; now?: () => number; drainMs?: number } = {},
): RadiusServer<NasData> {
  const registry = new ClientRegistry(CLIENTS);
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return new RadiusServer<NasData>({
    bind: '127.0.0.1',
    authPort: 0,
    acctPort: 0,
    clients: () => registry,
    handlers,
    duplicateWindowMs: options.duplicateWindowMs ?? 30_000,
    log: createLogger({ level: 'debug', destination }),
    observer,
    now: options.now,
    drainMs: options.drainMs,
  });
}

let server: RadiusServer<NasData>;
let ports: { auth: number; acct: number };
const peers: UdpPeer[] = [];

async function peer(address = '127.0.0.1'): Promise<UdpPeer> {
  const p = await new UdpPeer().open(address);
  peers.push(p);
  return p;
}

let nextId = 0;
/** A signed Access-Request (Message-Authenticator first) for `user`, with a fresh identifier unless given. */
function accessFor(user: string, options: { id?: number; ma?: 'first' | 'none' | 'bad'; authenticator?: Buffer; extra?: Buffer[] } = {}) {
  return accessRequest({
    secret: SECRET,
    id: options.id ?? (nextId = (nextId + 1) & 0xff),
    ma: options.ma ?? 'first',
    authenticator: options.authenticator,
    attributes: [attr(1, user), ...(options.extra ?? [])],
  });
}

/** An EAP-Response/Identity (RFC 3748 §4.1, §5.1), Identifier 7, as the EAP-Message of an Access-Request. */
const EAP_IDENTITY = attr(79, Buffer.from([2, 7, 0, 10, 1, ...Buffer.from('alice')]));

const until = (condition: () => boolean) => eventually(condition, 2000, 'the server to get there');

/** Wait until the drop counter for `reason` has grown by `by`, then give a stray reply the time to show up. */
async function expectDropped(p: UdpPeer, reason: DropReason, before: number, by = 1): Promise<void> {
  await until(() => server.stats.dropped[reason] >= before + by);
  expect(server.stats.dropped[reason]).toBe(before + by);
  expect(await p.receive(150)).toBeUndefined();
}

beforeAll(async () => {
  server = makeServer({ [Code.AccessRequest]: access, [Code.AccountingRequest]: accounting, [Code.StatusServer]: statusServer });
  ports = await server.start();
});

afterAll(async () => {
  await server?.stop();
  for (const p of peers) p.close();
});

describe('dispatch by code', () => {
  it('Access-Request on the auth port reaches its handler with the request context, and is answered signed', async () => {
    const p = await peer();
    const before = performance.now();
    const { packet, authenticator } = accessFor('alice', { id: 1 });
    const reply = await p.request(packet, ports.auth);
    expect(reply?.[0]).toBe(Code.AccessAccept);
    expect(reply?.[1]).toBe(1);
    // Access-Accept: Message-Authenticator first (offset 22), both signatures valid.
    expect(verifyReply(reply!, authenticator, SECRET)).toEqual({ authenticatorOk: true, maOffset: 22, maOk: true });
    expect(replyAttributes(reply!).find(([type]) => type === 18)?.[1].toString()).toBe('hello alice');

    const call = calls.at(-1)!;
    expect(call.code).toBe(Code.AccessRequest);
    expect(call.user).toBe('alice');
    expect(call.context.port).toBe('auth');
    expect(call.context.client.name).toBe('nas-a');
    expect(call.context.client.data).toEqual({ tag: 'a' });
    expect(call.context.source).toMatchObject({ address: '127.0.0.1', port: p.socket.address().port });
    expect(call.context.frame.identifier).toBe(1);
    expect(call.context.frame.authenticator).toEqual(authenticator);
    expect(call.context.receivedAt).toBeGreaterThanOrEqual(before);
    expect(call.context.receivedAt).toBeLessThanOrEqual(performance.now());
    expect(observed.replied.at(-1)).toEqual(['nas-a', Code.AccessRequest]);
  });

  it('Accounting-Request on the acct port reaches the accounting handler; its reply has no Message-Authenticator', async () => {
    const p = await peer();
    const packet = accountingRequest({ id: 2, secret: SECRET, attributes: [attr(1, 'alice'), attr(44, 'session-1')] });
    const reply = await p.request(packet, ports.acct);
    expect(reply?.[0]).toBe(Code.AccountingResponse);
    expect(verifyReply(reply!, packet.subarray(4, 20), SECRET)).toEqual({ authenticatorOk: true, maOffset: -1, maOk: false });
    expect(calls.at(-1)).toMatchObject({ code: Code.AccountingRequest, user: 'alice' });
    expect(calls.at(-1)!.context.port).toBe('acct');
  });

  it('Status-Server on either port reaches the Status-Server handler; its reply carries Message-Authenticator', async () => {
    const p = await peer();
    for (const [port, kind, code] of [[ports.auth, 'auth', Code.AccessAccept], [ports.acct, 'acct', Code.AccountingResponse]] as const) {
      const status = accessRequest({ code: Code.StatusServer, id: 3, secret: SECRET, attributes: [] });
      const reply = await p.request(status.packet, port);
      expect(reply?.[0]).toBe(code);
      expect(verifyReply(reply!, status.authenticator, SECRET)).toEqual({ authenticatorOk: true, maOffset: 22, maOk: true });
      expect(calls.at(-1)!.code).toBe(Code.StatusServer);
      expect(calls.at(-1)!.context.port).toBe(kind);
    }
  });

  it('a handler that logs gets a child logger bound to the NAS, identifier and source', async () => {
    const p = await peer();
    const reply = await p.request(accessFor('log', { id: 4 }).packet, ports.auth);
    expect(reply?.[0]).toBe(Code.AccessAccept);
    const line = logLines.find((l) => l.marker === 'from-handler');
    expect(line).toMatchObject({ nas: 'nas-a', id: 4, source: `127.0.0.1:${p.socket.address().port}`, msg: 'handler speaks' });
  });
});

describe('silent drops, each counted', () => {
  it('an unknown client: no reply, counted, no handler called', async () => {
    const stranger = await peer('127.0.0.9');
    const before = server.stats.dropped['unknown-client'];
    const handled = calls.length;
    stranger.send(accessFor('alice').packet, ports.auth);
    await expectDropped(stranger, 'unknown-client', before);
    expect(calls.length).toBe(handled);
    expect(observed.dropped.at(-1)).toEqual(['unknown-client', undefined]);
  });

  it('a code that does not belong on the port', async () => {
    const p = await peer();
    const before = server.stats.dropped['wrong-port'];
    const handled = calls.length;
    p.send(accessFor('alice').packet, ports.acct);
    await expectDropped(p, 'wrong-port', before);
    p.send(accountingRequest({ id: 5, secret: SECRET, attributes: [attr(1, 'alice')] }), ports.auth);
    await expectDropped(p, 'wrong-port', before + 1);
    expect(calls.length).toBe(handled);
    expect(observed.dropped.at(-1)).toEqual(['wrong-port', 'nas-a']);
  });

  it('an Accounting-Request whose Request Authenticator does not verify (RFC 2866 §3)', async () => {
    const p = await peer();
    const before = server.stats.dropped['bad-authenticator'];
    const packet = accountingRequest({ id: 6, secret: SECRET, attributes: [attr(1, 'alice')] });
    packet[10]! ^= 0x01;
    p.send(packet, ports.acct);
    await expectDropped(p, 'bad-authenticator', before);
    const wrongSecret = accountingRequest({ id: 7, secret: 'not-the-secret', attributes: [attr(1, 'alice')] });
    p.send(wrongSecret, ports.acct);
    await expectDropped(p, 'bad-authenticator', before + 1);
  });

  it('a bad Message-Authenticator is dropped without touching the duplicate cache; the good one is then answered', async () => {
    const p = await peer();
    const before = server.stats.dropped['bad-message-authenticator'];
    const authenticator = Buffer.from('bad-ma-test-auth');
    p.send(accessFor('alice', { id: 8, ma: 'bad', authenticator }).packet, ports.auth);
    await expectDropped(p, 'bad-message-authenticator', before);
    const reply = await p.request(accessFor('alice', { id: 8, authenticator }).packet, ports.auth);
    expect(reply?.[0]).toBe(Code.AccessAccept);
  });

  it('Message-Authenticator missing: Status-Server always (RFC 5997 §3), Access-Request from a NAS that requires it', async () => {
    const p = await peer();
    const before = server.stats.dropped['missing-message-authenticator'];
    p.send(accessRequest({ code: Code.StatusServer, id: 9, secret: SECRET, attributes: [], ma: 'none' }).packet, ports.auth);
    await expectDropped(p, 'missing-message-authenticator', before);
    const strict = await peer('127.0.0.2');
    strict.send(accessFor('alice', { id: 10, ma: 'none' }).packet, ports.auth);
    await expectDropped(strict, 'missing-message-authenticator', before + 1);
    expect(observed.dropped.at(-1)).toEqual(['missing-message-authenticator', 'nas-strict']);
    // The lax NAS may omit it.
    expect((await p.request(accessFor('alice', { id: 11, ma: 'none' }).packet, ports.auth))?.[0]).toBe(Code.AccessAccept);
  });

  it('EAP-Message without Message-Authenticator, even from a NAS that may omit it (RFC 3579 §3.1)', async () => {
    const p = await peer();
    const before = server.stats.dropped['eap-without-message-authenticator'];
    const handled = calls.length;
    p.send(accessFor('alice', { ma: 'none', extra: [EAP_IDENTITY] }).packet, ports.auth);
    await expectDropped(p, 'eap-without-message-authenticator', before);
    expect(calls.length).toBe(handled);
    expect(observed.dropped.at(-1)).toEqual(['eap-without-message-authenticator', 'nas-a']);
    // Signed, it reaches the handler (which decides the Access-Reject, test/handlers/access-request.test.ts).
    expect((await p.request(accessFor('alice', { extra: [EAP_IDENTITY] }).packet, ports.auth))?.[0]).toBe(Code.AccessAccept);
    expect(calls.length).toBe(handled + 1);
  });

  it('a malformed datagram (truncated below its Length field)', async () => {
    const p = await peer();
    const before = server.stats.dropped.malformed;
    p.send(accessFor('alice').packet.subarray(0, 25), ports.auth);
    await expectDropped(p, 'malformed', before);
  });
});

describe('duplicates (RFC 5080 §2.2.2)', () => {
  it('a retransmission is answered byte-identically from the cache and the handler runs once', async () => {
    const p = await peer();
    const { packet } = accessFor('dup', { id: 20 });
    const resent = server.stats.duplicatesResent;
    const first = await p.request(packet, ports.auth);
    const handled = calls.filter((c) => c.user === 'dup').length;
    const second = await p.request(packet, ports.auth);
    expect(first?.[0]).toBe(Code.AccessAccept);
    expect(second?.equals(first!)).toBe(true);
    expect(handled).toBe(1);
    expect(calls.filter((c) => c.user === 'dup').length).toBe(1);
    expect(server.stats.duplicatesResent).toBe(resent + 1);
    expect(observed.resent.at(-1)).toBe('nas-a');
  });

  it('the same identifier with a new Request Authenticator is a new request', async () => {
    const p = await peer();
    await p.request(accessFor('renew', { id: 21, authenticator: Buffer.alloc(16, 1) }).packet, ports.auth);
    await p.request(accessFor('renew', { id: 21, authenticator: Buffer.alloc(16, 2) }).packet, ports.auth);
    expect(calls.filter((c) => c.user === 'renew').length).toBe(2);
  });

  it('a retransmission while the handler is still working is dropped; the one reply follows when it finishes', async () => {
    const p = await peer();
    const { packet } = accessFor('hold', { id: 22 });
    const before = server.stats.dropped['duplicate-in-progress'];
    p.send(packet, ports.auth);
    await until(() => held.length === 1);
    p.send(packet, ports.auth);
    await until(() => server.stats.dropped['duplicate-in-progress'] === before + 1);
    expect(calls.filter((c) => c.user === 'hold').length).toBe(1);
    held.shift()!(accept('released'));
    const reply = await p.receive(1000);
    expect(replyAttributes(reply!).find(([type]) => type === 18)?.[1].toString()).toBe('released');
    expect(await p.receive(150)).toBeUndefined();
  });
});

describe('handler failure: no reply, counted, the retransmission is processed afresh', () => {
  it.each([
    ['throw', 'handler-error'],
    ['reject-async', 'handler-error'],
    ['unencodable', 'handler-error'],
    ['decline', 'handler-declined'],
    ['conflicting', 'conflicting-credentials'],
  ] as const)('%s → %s', async (user, reason) => {
    const p = await peer();
    const { packet } = accessFor(user, { id: 30 });
    const before = server.stats.dropped[reason];
    p.send(packet, ports.auth);
    await expectDropped(p, reason, before);
    expect(observed.dropped.at(-1)).toEqual([reason, 'nas-a']);
    // Nothing was cached for it: the NAS's retry reaches the handler again.
    const handled = calls.filter((c) => c.user === user).length;
    p.send(packet, ports.auth);
    await expectDropped(p, reason, before + 1);
    expect(calls.filter((c) => c.user === user).length).toBe(handled + 1);
  });

  it('a failing handler is logged once a minute, code and message only, with the request bindings', async () => {
    // Four failures above (throw and reject-async, twice each): one line, no stack.
    const lines = logLines.filter((l) => String(l.msg).startsWith('handler failed; no reply sent'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ nas: 'nas-a', id: 30, code: Code.AccessRequest, level: 50, error: { message: 'boom' } });
    expect(lines[0]).not.toHaveProperty('err');
    expect(JSON.stringify(lines[0])).not.toContain('server-core.test.ts');
  });
});

describe('a reply over 4096 bytes (RFC 2865 §3): not sent, counted, logged at most once a minute', () => {
  /** Proxy-States filling the request to 3870 bytes; echoed behind the 'bulky' reply they make it 4373. */
  const PROXY_STATES = Array.from({ length: 15 }, (_, i) => attr(33, Buffer.alloc(253, i)));

  it('each is dropped as reply-too-large; one log line with the size, and later the count it suppressed', async () => {
    const clock = { now: 1_000_000 };
    const lines = () => logLines.filter((l) => String(l.msg).startsWith('reply too large; no reply sent'));
    const bulky = makeServer({ [Code.AccessRequest]: access }, { now: () => clock.now });
    const bp = await bulky.start();
    try {
      const p = await peer();
      const logged = lines().length;
      for (let i = 0; i < 3; i++) p.send(accessFor('bulky', { extra: PROXY_STATES }).packet, bp.auth);
      await until(() => bulky.stats.dropped['reply-too-large'] === 3);
      expect(await p.receive(150)).toBeUndefined();
      expect(observed.dropped.at(-1)).toEqual(['reply-too-large', 'nas-a']);
      expect(lines().slice(logged)).toHaveLength(1);
      expect(lines().at(-1)).toMatchObject({ nas: 'nas-a', level: 40, error: { message: 'packet of 4373 bytes exceeds 4096' } });
      expect(lines().at(-1)).not.toHaveProperty('err');

      clock.now += 60_000;
      p.send(accessFor('bulky', { extra: PROXY_STATES }).packet, bp.auth);
      await until(() => bulky.stats.dropped['reply-too-large'] === 4);
      expect(lines().slice(logged)).toHaveLength(2);
      expect(lines().at(-1)).toMatchObject({ suppressed: 2, msg: 'reply too large; no reply sent (2 more like it since the last line)' });
    } finally {
      await bulky.stop();
    }
  });
});

describe('a socket error is logged at most once a minute, without a stack', () => {
  it('two errors on the auth socket: one line, code and message', async () => {
    const failing = makeServer({ [Code.AccessRequest]: access });
    await failing.start();
    const sockets = (failing as unknown as { sockets: Record<string, Socket> }).sockets;
    const before = logLines.filter((l) => l.msg === 'RADIUS socket error').length;
    for (let i = 0; i < 2; i++) sockets.auth!.emit('error', Object.assign(new Error('recvmsg failed'), { code: 'ENOBUFS' }));
    await failing.stop();
    const lines = logLines.filter((l) => l.msg === 'RADIUS socket error').slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ port: 'auth', level: 50, error: { code: 'ENOBUFS', message: 'recvmsg failed' } });
    expect(lines[0]).not.toHaveProperty('err');
  });
});

describe('duplicate cache expiry on a timer', () => {
  it('after a burst the entries leave once their window passes, with no further request', async () => {
    const brief = makeServer({ [Code.AccessRequest]: access }, { duplicateWindowMs: 150 });
    const bp = await brief.start();
    try {
      const p = await peer();
      const replied = brief.stats.replied;
      for (let id = 0; id < 20; id++) p.send(accessFor('burst', { id }).packet, bp.auth);
      await until(() => brief.stats.replied === replied + 20);
      expect(brief.duplicateCacheSize).toBe(20);
      await until(() => brief.duplicateCacheSize === 0);
    } finally {
      await brief.stop();
    }
  });
});

describe('reject delay', () => {
  it('a delayed reply is held on a timer: others are answered meanwhile, its retransmission is dropped', async () => {
    const rejected = await peer();
    const accepted = await peer();
    const { packet } = accessFor('slow-reject', { id: 40 });
    const inProgress = server.stats.dropped['duplicate-in-progress'];
    const started = Date.now();
    rejected.send(packet, ports.auth);
    await until(() => calls.some((c) => c.user === 'slow-reject'));
    const accept = await accepted.request(accessFor('quick', { id: 41 }).packet, ports.auth);
    const acceptMs = Date.now() - started;
    rejected.send(packet, ports.auth);
    const reject = await rejected.receive(2000);
    const rejectMs = Date.now() - started;
    expect(accept?.[0]).toBe(Code.AccessAccept);
    // Not held back by the reject ahead of it: answered well before the reject's timer fires.
    expect(acceptMs).toBeLessThan(REJECT_DELAY_MS - 50);
    expect(reject?.[0]).toBe(Code.AccessReject);
    expect(rejectMs).toBeGreaterThanOrEqual(REJECT_DELAY_MS - 20);
    expect(server.stats.dropped['duplicate-in-progress']).toBe(inProgress + 1);
    // Once sent, the delayed reply is what the cache answers with.
    expect((await rejected.request(packet, ports.auth))?.equals(reject!)).toBe(true);
  });
});

describe('a server without a handler for a code, and stop()', () => {
  it('drops what it has no handler for, and stop() waits for a delayed reply to go out', async () => {
    const bare = makeServer({ [Code.AccessRequest]: access });
    const bp = await bare.start();
    const p = await peer();
    const before = bare.stats.dropped['no-handler'];
    p.send(accountingRequest({ id: 50, secret: SECRET, attributes: [attr(1, 'alice')] }), bp.acct);
    await until(() => bare.stats.dropped['no-handler'] === before + 1);

    const handled = calls.length;
    const started = Date.now();
    p.send(accessFor('slow-reject', { id: 51 }).packet, bp.auth);
    await until(() => calls.length === handled + 1);
    await bare.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(REJECT_DELAY_MS - 20);
    expect((await p.receive(500))?.[0]).toBe(Code.AccessReject);
    expect(bare.stats.replied).toBe(1);
  });

  it('stop() waits for a handler that never answers only as long as the drain allows, and says so', async () => {
    const stuck = makeServer({ [Code.AccessRequest]: access }, { drainMs: 300 });
    const sp = await stuck.start();
    const p = await peer();
    const heldBefore = held.length;
    p.send(accessFor('hold', { id: 52 }).packet, sp.auth);
    await until(() => held.length === heldBefore + 1);
    const linesBefore = logLines.length;
    const started = performance.now();
    await stuck.stop();
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(5000);
    const warning = logLines.slice(linesBefore).find((l) => String(l.msg).includes('requests unanswered'));
    expect(warning).toMatchObject({ unanswered: 1, delayedReplies: 0 });
    // Answering after the stop sends nothing on the closed socket and throws nowhere.
    held[heldBefore]!(accept('late'));
    expect(await p.receive(200)).toBeUndefined();
  });
});
