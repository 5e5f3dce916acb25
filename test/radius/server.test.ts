/**
 * The receive-path rules (docs/radius-protocol.md §2–§7) against a running radgate, with hand-built datagrams and
 * replies checked by independent computation: Message-Authenticator first and valid, BlastRADIUS policies per NAS,
 * duplicate cache, Proxy-State echo, silent drops, and the reject delay not holding anyone else up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { accessRequest, attr, hide, replyAttributes, UdpPeer, verifyReply } from '../helpers/udp.js';
import { addSubscriber } from '../helpers/subscribers.js';

const SECRET = 'testing123';
const NAS_YAML = `nas:
  - name: auto-nas
    address: 127.0.0.1
    secret: ${SECRET}
    workspace: default
  - name: strict-nas
    address: 127.0.0.2
    secret: ${SECRET}
    workspace: default
    require_message_authenticator: yes
  - name: proxy-limited
    address: 127.0.0.3
    secret: ${SECRET}
    workspace: default
    require_message_authenticator: no
    limit_proxy_state: yes
  - name: lax-nas
    address: 127.0.0.4
    secret: ${SECRET}
    workspace: default
    require_message_authenticator: no
    limit_proxy_state: no
`;

let t: TestRadgate;
let port: number;
const peers: UdpPeer[] = [];
async function peer(address = '127.0.0.1'): Promise<UdpPeer> {
  const p = await new UdpPeer().open(address);
  peers.push(p);
  return p;
}

function pap(user: string, password: string, extra: { ma?: 'first' | 'last' | 'none' | 'bad'; id?: number; proxyStates?: string[] } = {}) {
  return (authenticator = Buffer.from('0123456789abcdef')) =>
    accessRequest({
      secret: SECRET,
      id: extra.id ?? 7,
      ma: extra.ma ?? 'first',
      authenticator,
      attributes: [attr(1, user), attr(2, hide(password, SECRET, authenticator)), ...(extra.proxyStates ?? []).map((p) => attr(33, p))],
    });
}

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'nas.yaml': NAS_YAML, 'server.yaml': (s) => s.replace(/reject_delay:.*\n/, 'reject_delay: 0.5\n') } });
  port = t.radgate.ports.auth;
  await addSubscriber(t, { username: 'bob', password: 'hello', accountNumber: 'A1' });
});

afterAll(async () => {
  for (const p of peers) p.close();
  await t?.stop();
});

describe('replies', () => {
  it('Access-Accept carries a valid Message-Authenticator as its first attribute and a valid Response Authenticator', async () => {
    const p = await peer();
    const { packet, authenticator } = pap('bob', 'hello', { ma: 'last' })(Buffer.from('aaaaaaaaaaaaaaaa'));
    const reply = await p.request(packet, port);
    expect(reply?.[0]).toBe(2);
    const check = verifyReply(reply!, authenticator, SECRET);
    expect(check).toEqual({ authenticatorOk: true, maOffset: 22, maOk: true });
  });

  it('Access-Reject also carries Message-Authenticator first', async () => {
    const p = await peer();
    const { packet, authenticator } = pap('bob', 'wrong', { id: 8 })(Buffer.from('bbbbbbbbbbbbbbbb'));
    const reply = await p.request(packet, port, 2000);
    expect(reply?.[0]).toBe(3);
    expect(verifyReply(reply!, authenticator, SECRET)).toEqual({ authenticatorOk: true, maOffset: 22, maOk: true });
  });

  it('Proxy-State attributes are echoed unmodified and in order', async () => {
    const p = await peer();
    const { packet } = pap('bob', 'hello', { id: 9, proxyStates: ['first-state', 'second', 'third!'] })(Buffer.from('cccccccccccccccc'));
    const reply = await p.request(packet, port);
    const states = replyAttributes(reply!).filter(([type]) => type === 33).map(([, v]) => v.toString());
    expect(states).toEqual(['first-state', 'second', 'third!']);
  });
});

describe('duplicates (RFC 5080 §2.2.2)', () => {
  it('a retransmission gets the byte-identical reply and is processed once', async () => {
    const p = await peer();
    const { packet } = pap('bob', 'hello', { id: 42 })(Buffer.from('dddddddddddddddd'));
    const before = t.radgate.radius.stats.replied;
    const first = await p.request(packet, port);
    const second = await p.request(packet, port);
    expect(first).toBeDefined();
    expect(second).toEqual(first);
    expect(t.radgate.radius.stats.replied).toBe(before + 1); // the retransmission was answered from the cache
    expect(t.radgate.radius.stats.duplicatesResent).toBeGreaterThanOrEqual(1);
  });

  it('the same identifier with a new authenticator is a new request', async () => {
    const p = await peer();
    const a = await p.request(pap('bob', 'hello', { id: 43 })(Buffer.from('eeeeeeeeeeeeeeee')).packet, port);
    const b = await p.request(pap('bob', 'hello', { id: 43 })(Buffer.from('ffffffffffffffff')).packet, port);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(b!.equals(a!)).toBe(false);
  });

  it('a retransmission while the reply is still delayed is dropped, then the reply arrives once', async () => {
    const p = await peer();
    const { packet } = pap('bob', 'wrong', { id: 44 })(Buffer.from('gggggggggggggggg'));
    p.send(packet, port);
    p.send(packet, port);
    expect(await p.receive(2000)).toBeDefined();
    expect(await p.receive(300)).toBeUndefined();
  });
});

describe('BlastRADIUS policies', () => {
  it('a bad Message-Authenticator is dropped silently, and never touches the duplicate cache', async () => {
    const p = await peer();
    const bad = pap('bob', 'hello', { id: 50, ma: 'bad' })(Buffer.from('hhhhhhhhhhhhhhhh'));
    expect(await p.request(bad.packet, port, 400)).toBeUndefined();
    const good = pap('bob', 'hello', { id: 50 })(Buffer.from('hhhhhhhhhhhhhhhh'));
    expect((await p.request(good.packet, port))?.[0]).toBe(2);
  });

  it('require_message_authenticator: yes drops a request without it', async () => {
    const p = await peer('127.0.0.2');
    expect(await p.request(pap('bob', 'hello', { id: 60, ma: 'none' })(Buffer.from('iiiiiiiiiiiiiiii')).packet, port, 400)).toBeUndefined();
    expect((await p.request(pap('bob', 'hello', { id: 61 })(Buffer.from('iiiiiiiiiiiiiiij')).packet, port))?.[0]).toBe(2);
  });

  it('auto: once a NAS has sent Message-Authenticator, requests without it are dropped', async () => {
    // auto-nas (127.0.0.1) has already sent signed requests above.
    const p = await peer('127.0.0.1');
    const before = t.radgate.radius.stats.dropped['missing-message-authenticator'];
    expect(await p.request(pap('bob', 'hello', { id: 62, ma: 'none' })(Buffer.from('jjjjjjjjjjjjjjjj')).packet, port, 400)).toBeUndefined();
    expect(t.radgate.radius.stats.dropped['missing-message-authenticator']).toBe(before + 1);
  });

  it('limit_proxy_state: yes drops Proxy-State without Message-Authenticator; no allows it', async () => {
    const limited = await peer('127.0.0.3');
    const req = (id: number) => pap('bob', 'hello', { id, ma: 'none', proxyStates: ['x'] })(Buffer.from(`kkkkkkkkkkkkkkk${id % 10}`)).packet;
    expect(await limited.request(req(70), port, 400)).toBeUndefined();
    expect((await limited.request(pap('bob', 'hello', { id: 71, ma: 'none' })(Buffer.from('llllllllllllllll')).packet, port))?.[0]).toBe(2);
    const lax = await peer('127.0.0.4');
    expect((await lax.request(req(72), port))?.[0]).toBe(2);
  });

  it('EAP-Message: dropped without Message-Authenticator even where it is optional; signed, Access-Reject with EAP-Failure', async () => {
    const lax = await peer('127.0.0.4');
    const eap = attr(79, Buffer.from([2, 9, 0, 8, 1, ...Buffer.from('bob')])); // EAP-Response/Identity (RFC 3748 §5.1)
    const before = t.radgate.radius.stats.dropped['eap-without-message-authenticator'];
    const unsigned = accessRequest({ secret: SECRET, id: 82, ma: 'none', attributes: [attr(1, 'bob'), eap] });
    expect(await lax.request(unsigned.packet, port, 400)).toBeUndefined();
    expect(t.radgate.radius.stats.dropped['eap-without-message-authenticator']).toBe(before + 1);
    expect(await t.radgate.metrics.registry.getSingleMetricAsString('radgate_radius_dropped_total')).toContain(
      'radgate_radius_dropped_total{nas="lax-nas",reason="eap-without-message-authenticator"} 1',
    );

    const signed = accessRequest({ secret: SECRET, id: 83, attributes: [attr(1, 'bob'), eap] });
    const reply = await lax.request(signed.packet, port, 2000);
    expect(reply?.[0]).toBe(3);
    expect(verifyReply(reply!, signed.authenticator, SECRET)).toEqual({ authenticatorOk: true, maOffset: 22, maOk: true });
    // RFC 3579 §2.6.5: no Reply-Message beside EAP-Message; RFC 3748 §4.2: Failure for the peer's Identifier 9.
    expect(replyAttributes(reply!).map(([type, value]) => (type === 80 ? [type] : [type, value.toString('hex')]))).toEqual([[80], [79, '04090004']]);
    expect(await t.radgate.metrics.registry.getSingleMetricAsString('radgate_radius_requests_total')).toContain(
      'radgate_radius_requests_total{nas="lax-nas",code="Access-Request",outcome="reject",reason="eap-not-supported"} 1',
    );
  });

  it('Status-Server without Message-Authenticator is dropped', async () => {
    const p = await peer();
    const status = accessRequest({ code: 12, id: 80, secret: SECRET, attributes: [], ma: 'none' });
    expect(await p.request(status.packet, port, 400)).toBeUndefined();
    const signed = accessRequest({ code: 12, id: 81, secret: SECRET, attributes: [] });
    const reply = await p.request(signed.packet, port);
    expect(reply?.[0]).toBe(2);
    expect(verifyReply(reply!, signed.authenticator, SECRET).maOk).toBe(true);
  });
});

describe('silent drops', () => {
  it('unknown client, wrong code for the port, malformed lengths', async () => {
    const stranger = await peer('127.0.0.9');
    expect(await stranger.request(pap('bob', 'hello')().packet, port, 300)).toBeUndefined();
    expect(t.radgate.radius.stats.dropped['unknown-client']).toBeGreaterThan(0);

    const p = await peer();
    const acctOnAuth = Buffer.from(pap('bob', 'hello', { id: 90 })().packet);
    acctOnAuth[0] = 4;
    expect(await p.request(acctOnAuth, port, 300)).toBeUndefined();

    const truncated = pap('bob', 'hello', { id: 91 })().packet.subarray(0, 30);
    expect(await p.request(truncated, port, 300)).toBeUndefined();

    const overrun = Buffer.from(pap('bob', 'hello', { id: 92, ma: 'none' })().packet);
    overrun[21] = 250; // first attribute claims to run past the end
    expect(await p.request(overrun, port, 300)).toBeUndefined();
    expect(t.radgate.radius.stats.dropped.malformed).toBeGreaterThanOrEqual(2);
  });

  it('both User-Password and CHAP-Password: no reply', async () => {
    const p = await peer();
    const authenticator = Buffer.from('mmmmmmmmmmmmmmmm');
    const both = accessRequest({
      secret: SECRET,
      id: 93,
      authenticator,
      attributes: [attr(1, 'bob'), attr(2, hide('hello', SECRET, authenticator)), attr(3, Buffer.alloc(17))],
    });
    expect(await p.request(both.packet, port, 300)).toBeUndefined();
  });

  it('octets beyond the Length field are padding', async () => {
    const p = await peer();
    const { packet } = pap('bob', 'hello', { id: 94 })(Buffer.from('nnnnnnnnnnnnnnnn'));
    expect((await p.request(Buffer.concat([packet, Buffer.from('padding')]), port))?.[0]).toBe(2);
  });
});

describe('reject delay', () => {
  it('a delayed reject does not delay an accept sent after it', async () => {
    const rejected = await peer();
    const accepted = await peer();
    const started = Date.now();
    rejected.send(pap('bob', 'wrong', { id: 100 })(Buffer.from('oooooooooooooooo')).packet, port);
    const accept = await accepted.request(pap('bob', 'hello', { id: 101 })(Buffer.from('pppppppppppppppp')).packet, port);
    const acceptMs = Date.now() - started;
    const reject = await rejected.receive(2000);
    const rejectMs = Date.now() - started;
    expect(accept?.[0]).toBe(2);
    expect(reject?.[0]).toBe(3);
    expect(acceptMs).toBeLessThan(rejectMs);
    expect(rejectMs).toBeGreaterThanOrEqual(450);
  });
});
