/**
 * The captive redirect for IPv6 clients: radgate bound to `::1`, a request from an IPv6 source → the open session
 * whose framed or delegated IPv6 prefix contains the address (the most recently updated holder wins) → that
 * subscriber's signed reminder link, as for IPv4. Sources other than ::1 come through X-Forwarded-For from ::1 as a
 * trusted proxy (the loopback interface has one IPv6 address).
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubscriberRow } from '../../../src/db/schema.js';
import { applySessionUpdates, findOpenSessionByIpv6 } from '../../../src/sessions/store.js';
import { verifyLink } from '../../../src/web/reminder/index.js';
import { startTestRadgate, type TestRadgate } from '../../helpers/radgate.js';
import { addSubscriber } from './helpers.js';

let t: TestRadgate;
let port: number;
let alice: SubscriberRow;
let bob: SubscriberRow;
let carol: SubscriberRow;

/** Opens an accounting session for `row` with these IPv6 prefixes, `ageSeconds` since its last update. */
async function openSession(row: SubscriberRow, sessionId: string, v6: { framed?: string; delegated?: string }, ageSeconds = 0): Promise<void> {
  const at = new Date(Date.now() - ageSeconds * 1000);
  await applySessionUpdates(t.radgate.database.db, [{
    status: 'Start', workspaceId: row.workspaceId, nasName: 'local', nasAddress: '127.0.0.1', nasIpAddress: '127.0.0.1',
    nasIdentifier: 'test', acctSessionId: sessionId, class: '', username: row.username, subscriberId: row.id,
    framedIpAddress: null, framedIpv6Prefix: v6.framed ?? null, delegatedIpv6Prefix: v6.delegated ?? null,
    framedInterfaceId: null, callingStationId: null, calledStationId: null, nasPortId: null, eventAt: at, startedAt: at,
    interimInterval: 300, sessionTime: 0, inputOctets: 0n, outputOctets: 0n, inputPackets: 0, outputPackets: 0,
    terminateCause: null,
  }]);
}

function get6(path: string, forwardedFor?: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '::1', port, path, method: 'GET', agent: false,
      headers: { Host: 'detectportal.example', Connection: 'close', ...(forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {}) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function expectLinkFor(location: string | undefined, row: SubscriberRow) {
  expect(location).toBeDefined();
  const url = new URL(location!);
  expect(url.host).toBe('pay.isp.example');
  const check = await verifyLink(t.radgate.linkKeys, url.pathname.slice(3));
  expect(check).toMatchObject({ ok: true, claims: { subscriberId: row.id, workspaceId: row.workspaceId } });
}

beforeAll(async () => {
  t = await startTestRadgate({
    env: { RADGATE_BIND: '::1' },
    config: { 'server.yaml': (text) => text.replace('  trusted_proxies: []', '  trusted_proxies: ["::1"]') },
  });
  port = t.radgate.ports.captive;
  alice = await addSubscriber(t, { status: 'expired' });
  bob = await addSubscriber(t, { status: 'expired' });
  carol = await addSubscriber(t, { status: 'expired' });
  // alice: the PPP link's /64 and a delegated /56, updated a minute ago.
  await openSession(alice, 'v6-alice', { framed: '2001:db8:1::/64', delegated: '2001:db8:ff00:4200::/56' }, 60);
  // bob holds a delegated prefix that also contains ::1, updated now; carol holds an older one with it.
  await openSession(carol, 'v6-carol', { delegated: '::/96' }, 120);
  await openSession(bob, 'v6-bob', { delegated: '::/112' });
});

afterAll(async () => {
  await t?.stop();
});

describe('the captive redirect for IPv6 clients', () => {
  it('the listener is bound to ::1 and answers an IPv6 client with the holder\'s page; the most recent holder wins', async () => {
    const res = await get6('/');
    expect(res.status).toBe(302);
    await expectLinkFor(res.location, bob);
  });

  it('an address in the framed prefix (SLAAC on the PPP link) or the delegated prefix finds its subscriber', async () => {
    await expectLinkFor((await get6('/a', '2001:db8:1::abcd:1')).location, alice);
    await expectLinkFor((await get6('/b', '2001:db8:ff00:42ff:1:2:3:4')).location, alice);
    // Written differently, the same address: canonical form before the lookup.
    await expectLinkFor((await get6('/c', '2001:0DB8:0001:0000:0000:0000:0000:0002')).location, alice);
  });

  it('an address no open session contains gets the workspace page, not somebody else\'s', async () => {
    const res = await get6('/', '2001:db8:ff00:4300::1');
    expect(res.status).toBe(302);
    expect(new URL(res.location!).pathname).not.toMatch(/^\/r\//);
    expect(await findOpenSessionByIpv6(t.radgate.database.db, '2001:db8:ff00:4300::1')).toBeUndefined();
  });

  it('the store query: contains-or-equals, open sessions only', async () => {
    const db = t.radgate.database.db;
    expect((await findOpenSessionByIpv6(db, '2001:db8:ff00:4200::'))?.subscriberId).toBe(alice.id);
    expect((await findOpenSessionByIpv6(db, '::1:2'))?.subscriberId).toBe(carol.id);
    expect(await findOpenSessionByIpv6(db, '2001:db8:2::1')).toBeUndefined();
  });
});
