/**
 * RadSec end to end (docs/radsec.md): radclient → Debian's radsecproxy (UDP in, RADIUS/TLS out with a client
 * certificate from `radgate pki issue`) → radgate's RadSec listener; and a TLS client of our own acting as a NAS
 * for what radsecproxy cannot be made to do: wrong, expired and missing certificates, plain TCP, bad framing.
 */
import { X509Certificate } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionsOfNas } from '../../src/sessions/store.js';
import { eventually } from '../helpers/eventually.js';
import { radclient } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { allSessions } from '../sessions/helpers.js';
import { connectNas, makePki, papRequest, radsecConfig, replyValid, startRadsecproxy, statusServer, type Pki, type Radsecproxy } from './radsec-fixtures.js';

// RFC 2759 §9.2: user "User", password "clientPass".
const MSCHAP2_CHALLENGE = '0x5b5d7c7d7b3f2f3e3c2c602132262628';
const MSCHAP2_RESPONSE = '0x0100' + '21402324255e262a28295f2b3a337c7e' + '0000000000000000' + '82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df';

let pki: Pki;
let t: TestRadgate;
let proxy: Radsecproxy;
let port: number;

const refusals = (reason: string) => t.logs.filter((l) => l.msg === `RadSec connection refused: ${reason}`);

beforeAll(async () => {
  pki = await makePki();
  // edge-2 is recognised by its pin alone (its CN names no NAS).
  const pin = new X509Certificate(pki.read('edge-2.crt')).fingerprint256;
  const edge = ['  - name: edge-2', '    address: 192.0.2.11', '    workspace: default', '    radsec:', `      fingerprint: "sha256:${pin}"`, ''].join('\n');
  t = await startTestRadgate({ config: radsecConfig(pki, { maxConnections: 3, extraNas: edge }) });
  port = t.radgate.ports.radsec!;
  proxy = await startRadsecproxy(pki, port);
  await addSubscribers(t, [
    { username: 'bob', password: 'hello' },
    { username: 'User', password: 'clientPass' },
  ]);
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await t?.stop();
  pki?.cleanup();
});

describe('through radsecproxy (a real RadSec peer)', () => {
  it('PAP: Access-Accept with the plan, over TLS with the secret radsec', async () => {
    const r = await radclient({ port: proxy.port, type: 'auth', input: 'User-Name = "bob", User-Password = "hello", Message-Authenticator = 0x00' });
    expect(r.code, proxy.output()).toBe('Access-Accept');
    expect(r.attributes['Mikrotik-Rate-Limit']).toEqual(['2M/10M']);
    expect(t.radgate.radsec!.stats.accepted).toBeGreaterThanOrEqual(1);
    const wrong = await radclient({ port: proxy.port, type: 'auth', input: 'User-Name = "bob", User-Password = "nope", Message-Authenticator = 0x00' });
    expect(wrong.code).toBe('Access-Reject');
    // A Reject gets its line at info, like over UDP (docs/radius-protocol.md §18); an Accept is routine.
    await eventually(() => t.logs.some((l) => l.msg === 'request' && l.nas === 'core-rs' && l.transport === 'radsec' && l.outcome === 'reject'), 5000);
  });

  it('MS-CHAPv2 (RFC 2759 §9.2): MS-CHAP2-Success and the MPPE keys, re-encrypted by the proxy for radclient', async () => {
    const r = await radclient({
      port: proxy.port,
      type: 'auth',
      input: `User-Name = "User", MS-CHAP-Challenge = ${MSCHAP2_CHALLENGE}, MS-CHAP2-Response = ${MSCHAP2_RESPONSE}, Message-Authenticator = 0x00`,
    });
    expect(r.code).toBe('Access-Accept');
    expect(r.attributes['MS-CHAP2-Success']).toEqual(['0x01' + Buffer.from('S=407A5589115FD0D6209F510FE9C04566932CDA56').toString('hex')]);
    expect(r.attributes['MS-MPPE-Send-Key']).toEqual(['0x8b7cdc149b993a1ba118cb153f56dccb']);
    expect(r.attributes['MS-MPPE-Recv-Key']).toEqual(['0xd5f0e9521e3ea9589645e86051c82226']);
  });

  it('accounting Start, Interim-Update and Stop over the same connection are stored under the NAS', async () => {
    const base = 'User-Name = "bob", Acct-Session-Id = "rs-1", NAS-IP-Address = 192.0.2.10, Framed-IP-Address = 100.64.9.9';
    const start = await radclient({ port: proxy.port, type: 'acct', input: `${base}, Acct-Status-Type = Start` });
    expect(start.code).toBe('Accounting-Response');
    await eventually(async () => expect((await openSessionsOfNas(t.radgate.database.db, 'core-rs')).map((s) => s.acctSessionId)).toEqual(['rs-1']), 10_000);
    const interim = await radclient({ port: proxy.port, type: 'acct', input: `${base}, Acct-Status-Type = Interim-Update, Acct-Input-Octets = 1000, Acct-Session-Time = 60` });
    expect(interim.code).toBe('Accounting-Response');
    const stop = await radclient({ port: proxy.port, type: 'acct', input: `${base}, Acct-Status-Type = Stop, Acct-Input-Octets = 5000, Acct-Session-Time = 120, Acct-Terminate-Cause = User-Request` });
    expect(stop.code).toBe('Accounting-Response');
    await eventually(async () => {
      const row = (await allSessions(t.radgate.database.db)).find((s) => s.acctSessionId === 'rs-1');
      expect(row?.nasName).toBe('core-rs');
      expect(row?.stoppedAt).not.toBeNull();
    }, 10_000);
  });
});

describe('refused connections, each counted and logged with its reason', () => {
  it('a certificate from another CA', async () => {
    const before = t.radgate.radsec!.stats.refused['untrusted-certificate'];
    const c = await connectNas(port, pki, `${pki.rogueDir}/core-rs.crt`, `${pki.rogueDir}/core-rs.key`).catch(() => undefined);
    expect(await c?.exchange(statusServer(1), 2000)).toBeUndefined();
    await eventually(() => t.radgate.radsec!.stats.refused['untrusted-certificate'] === before + 1, 5000);
    const line = refusals('untrusted-certificate').at(-1)!;
    expect(String(line.why)).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT)/);
    expect((line.certificate as { subject: string; issuer: string }).subject).toContain('CN=core-rs');
  });

  it('an expired certificate from the right CA', async () => {
    const c = await connectNas(port, pki, 'expired.crt', 'expired.key').catch(() => undefined);
    expect(await c?.exchange(statusServer(2), 2000)).toBeUndefined();
    await eventually(() => refusals('untrusted-certificate').some((l) => String(l.why).startsWith('CERT_HAS_EXPIRED')), 5000);
  });

  it('a TLS client without a certificate', async () => {
    const c = await connectNas(port, pki, undefined).catch(() => undefined);
    expect(await c?.exchange(statusServer(3), 2000)).toBeUndefined();
    await eventually(() => t.radgate.radsec!.stats.refused['no-certificate'] >= 1, 5000);
    expect(refusals('no-certificate')[0]?.why).toBe('the client sent no certificate');
  });

  it('a valid certificate no NAS is configured for', async () => {
    const c = await connectNas(port, pki, 'stranger.crt', 'stranger.key').catch(() => undefined);
    expect(await c?.exchange(statusServer(4), 2000)).toBeUndefined();
    await eventually(() => refusals('unknown-certificate').length >= 1, 5000);
    const line = refusals('unknown-certificate')[0]!;
    expect((line.certificate as { subject: string }).subject).toContain('CN=stranger');
    expect((line.certificate as { fingerprint: string }).fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('plain TCP (RADIUS without TLS) to the port', async () => {
    const before = t.radgate.radsec!.stats.refused['handshake-failed'];
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(statusServer(5));
    await new Promise((r) => socket.once('close', r));
    await eventually(() => t.radgate.radsec!.stats.refused['handshake-failed'] === before + 1, 5000);
    expect(refusals('handshake-failed').length).toBeGreaterThanOrEqual(1);
  });
});

describe('our own NAS client on an identified connection', () => {
  it('Status-Server and PAP on one connection; the reply is signed with radsec', async () => {
    const c = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const status = statusServer(7);
    const alive = await c.exchange(status);
    expect(alive?.[0]).toBe(2); // Access-Accept (RFC 5997 §3)
    expect(replyValid(alive!, status)).toBe(true);
    const pap = papRequest(8, 'bob', 'hello');
    const accept = await c.exchange(pap);
    expect(accept?.[0]).toBe(2);
    expect(replyValid(accept!, pap)).toBe(true);
    // A retransmission (same id, same authenticator) gets the same reply bytes from the per-connection cache.
    expect((await c.exchange(pap))?.equals(accept!)).toBe(true);
    c.socket.end();
  });

  it('a bad Length closes only its own connection', async () => {
    const good = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const bad = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const before = t.radgate.radsec!.stats.closed['bad-framing'];
    bad.write(Buffer.from([12, 1, 0, 5])); // Length 5 < 20 (RFC 2865 §3)
    await bad.closed;
    expect(t.radgate.radsec!.stats.closed['bad-framing']).toBe(before + 1);
    expect((await good.exchange(statusServer(9)))?.[0]).toBe(2);
    // Garbage of a plausible length (not RADIUS: unknown code 0) closes too.
    const garbage = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    garbage.write(Buffer.concat([Buffer.from([0, 1, 0, 20]), Buffer.alloc(16)]));
    await garbage.closed;
    expect(t.radgate.radsec!.stats.closed['bad-framing']).toBe(before + 2);
    expect((await good.exchange(statusServer(10)))?.[0]).toBe(2);
    good.socket.end();
  });

  it('a bad Message-Authenticator is dropped (as on UDP) and the connection stays', async () => {
    const c = await connectNas(port, pki, 'core-rs.crt', 'core-rs.key');
    const forged = statusServer(11);
    forged[forged.length - 1]! ^= 1;
    expect(await c.exchange(forged, 500)).toBeUndefined();
    expect((await c.exchange(statusServer(12)))?.[0]).toBe(2);
    c.socket.end();
  });

  it('a NAS pinned by fingerprint is identified by it', async () => {
    const c = await connectNas(port, pki, 'edge-2.crt', 'edge-2.key');
    expect((await c.exchange(statusServer(13)))?.[0]).toBe(2);
    expect(t.logs.some((l) => l.msg === 'RadSec connection from NAS' && l.nas === 'edge-2')).toBe(true);
    c.socket.end();
  });

  it('connections and refusals are in /metrics', async () => {
    const registry = t.radgate.metrics.registry;
    const refused = await registry.getSingleMetricAsString('radgate_radsec_refused_total');
    for (const reason of ['untrusted-certificate', 'no-certificate', 'unknown-certificate', 'handshake-failed']) expect(refused).toContain(`reason="${reason}"`);
    expect(await registry.getSingleMetricAsString('radgate_radsec_connections_total')).toMatch(/nas="core-rs"\} [1-9]/);
    expect(await registry.getSingleMetricAsString('radgate_radsec_closed_total')).toContain('reason="bad-framing"');
  });

  it('a reload that adds a NAS lets its certificate in on the next connection', async () => {
    const refused = await connectNas(port, pki, 'stranger.crt', 'stranger.key');
    expect(await refused.exchange(statusServer(14), 1000)).toBeUndefined();
    const file = path.join(t.configDir, 'nas.yaml');
    appendFileSync(file, ['  - name: stranger', '    address: 192.0.2.12', '    workspace: default', '    radsec:', '      subject: stranger', ''].join('\n'));
    expect(await t.radgate.reload()).toEqual({ ok: true });
    const c = await connectNas(port, pki, 'stranger.crt', 'stranger.key');
    expect((await c.exchange(statusServer(15)))?.[0]).toBe(2);
    expect(t.logs.some((l) => l.msg === 'RadSec connection from NAS' && l.nas === 'stranger')).toBe(true);
    c.socket.end();
  });

  it('the secret and the server key never reach the log', () => {
    const log = t.rawLog();
    expect(log).not.toContain('hello');
    expect(log).not.toContain('PRIVATE KEY');
  });
});
