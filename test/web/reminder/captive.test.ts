/**
 * The captive redirect on its own listener: any Host, path and method → 302 no-store to the reminder page of the
 * subscriber holding the source address (open session, inserted through the sessions module), or the workspace
 * page for an unknown address. The target host always comes from config; X-Forwarded-For only counts from a
 * trusted proxy. Requests come from distinct 127.0.0.x source addresses (all on the loopback interface).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/index.js';
import type { SubscriberRow } from '../../../src/db/schema.js';
import { createLogger } from '../../../src/log.js';
import { applySessionUpdates } from '../../../src/sessions/store.js';
import { createCaptiveApp, verifyLink, type AddressLookup } from '../../../src/web/reminder/index.js';
import type { TestRadgate } from '../../helpers/radgate.js';
import { startTestRadgate } from '../../helpers/radgate.js';
import { addSubscriber, get } from './helpers.js';

let t: TestRadgate;
let port: number;
let alice: SubscriberRow;

const SESSION_IP = '127.0.0.23';
const UNKNOWN_IP = '127.0.0.24';
const PROXY_IP = '127.0.0.9';
const STATIC_IP = '127.0.0.30';

/** Opens an accounting session for `row` holding `ip`, as an Accounting-Request Start would. */
async function openSession(row: SubscriberRow, ip: string, sessionId: string): Promise<void> {
  const now = new Date();
  await applySessionUpdates(t.radgate.database.db, [{
    status: 'Start', workspaceId: row.workspaceId, nasName: 'local', nasAddress: '127.0.0.1', nasIpAddress: '127.0.0.1',
    nasIdentifier: 'test', acctSessionId: sessionId, class: '', username: row.username, subscriberId: row.id,
    framedIpAddress: ip, callingStationId: null, calledStationId: null, nasPortId: null, eventAt: now, startedAt: now,
    interimInterval: 300, sessionTime: 0, inputOctets: 0n, outputOctets: 0n, inputPackets: 0, outputPackets: 0,
    terminateCause: null,
  }]);
}

/** Checks a Location is the signed reminder link of `row` on the workspace's reminder host. */
async function expectLinkFor(location: string | undefined, row: SubscriberRow, host = 'pay.isp.example') {
  expect(location).toBeDefined();
  const url = new URL(location!);
  expect(url.protocol).toBe('https:');
  expect(url.host).toBe(host);
  expect(url.pathname).toMatch(/^\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const check = await verifyLink(t.radgate.linkKeys, url.pathname.slice(3));
  expect(check).toMatchObject({ ok: true, claims: { subscriberId: row.id, workspaceId: row.workspaceId, accountNumber: row.accountNumber } });
}

beforeAll(async () => {
  // The example config: one workspace ("default", reminder host pay.isp.example).
  t = await startTestRadgate({ config: { 'server.yaml': (text) => text.replace('  trusted_proxies: []', `  trusted_proxies: [${PROXY_IP}]`) } });
  port = t.radgate.ports.captive;
  alice = await addSubscriber(t, { status: 'expired' });
  await openSession(alice, SESSION_IP, 'sess-alice');
});

afterAll(async () => {
  await t?.stop();
});

describe('the captive redirect', () => {
  it('listens on its own port, separate from the web app', () => {
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(t.radgate.ports.http);
  });

  it('an address with an open session → 302 no-store to that subscriber\'s signed link, whatever Host and path', async () => {
    const res = await get(port, '/generate_204?next=https://evil.example/', { host: 'connectivitycheck.gstatic.com', localAddress: SESSION_IP });
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    await expectLinkFor(res.headers.location, alice);
    expect(res.headers.location).not.toContain('evil');
    expect(res.headers.location).not.toContain('gstatic');
    // The body links to the same place for clients that do not follow redirects.
    expect(res.body).toContain(`href="${res.headers.location}"`);

    const post = await get(port, '/upload', { method: 'POST', host: 'evil.example:8080', localAddress: SESSION_IP });
    expect(post.status).toBe(302);
    await expectLinkFor(post.headers.location, alice);
  });

  it('the signed link opens the subscriber\'s reminder page on the web app', async () => {
    const res = await get(port, '/', { host: 'example.com', localAddress: SESSION_IP });
    const page = await get(t.radgate.ports.http, new URL(res.headers.location!).pathname, { host: 'pay.isp.example' });
    expect(page.status).toBe(200);
    expect(page.body).toContain(`<dt>Account number</dt><dd>${alice.accountNumber}</dd>`);
    expect(page.body).toContain('Your internet service is restricted');
  });

  it('an unknown address → 302 to the workspace\'s generic page, never to the requested host', async () => {
    const res = await get(port, '/index.html', { host: 'evil.example', localAddress: UNKNOWN_IP });
    expect(res.status).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.location).toBe('https://pay.isp.example/w/default');
    const page = await get(t.radgate.ports.http, '/w/default', { host: 'pay.isp.example' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your internet access may be restricted');
  });

  it('a spoofed X-Forwarded-For from an untrusted peer is ignored', async () => {
    const res = await get(port, '/', { localAddress: '127.0.0.25', headers: { 'X-Forwarded-For': SESSION_IP } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('https://pay.isp.example/w/default');
    // The same request from the subscriber's own address does get their link: only the header was ignored.
    await expectLinkFor((await get(port, '/', { localAddress: SESSION_IP, headers: { 'X-Forwarded-For': '127.0.0.25' } })).headers.location, alice);
  });

  it('X-Forwarded-For from a trusted proxy names the client; what the client wrote to its left does not count', async () => {
    const res = await get(port, '/', { localAddress: PROXY_IP, headers: { 'X-Forwarded-For': SESSION_IP } });
    await expectLinkFor(res.headers.location, alice);
    // The client claims to be alice; the proxy appended the real address (unknown): the real one wins.
    const spoof = await get(port, '/', { localAddress: PROXY_IP, headers: { 'X-Forwarded-For': `${SESSION_IP}, 127.0.0.26` } });
    expect(spoof.headers.location).toBe('https://pay.isp.example/w/default');
  });

  it('a subscriber with a static IP and no session (lost accounting) is still recognised', async () => {
    const bob = await addSubscriber(t, { status: 'expired', staticIp: STATIC_IP });
    const res = await get(port, '/', { localAddress: STATIC_IP });
    await expectLinkFor(res.headers.location, bob);
  });

});

describe('several workspaces (in-process requests, injected lookup)', () => {
  const log = createLogger({ level: 'silent' });
  /** The example config plus a second workspace "north" on pay.north.example. */
  const twoWorkspaces = (): Config => {
    const config = t.radgate.config;
    const base = config.workspaceById.get('default')!;
    const north = { ...base, id: 'north', name: 'North Net', reminderHost: 'pay.north.example', redirectIp: '198.51.100.7' };
    const workspaces = [...config.workspaces, north];
    return { ...config, workspaces, workspaceById: new Map(workspaces.map((w) => [w.id, w])) };
  };
  const app = (config: Config, lookup: AddressLookup = async () => undefined) =>
    createCaptiveApp({ config: () => config, db: t.radgate.database.db, keys: t.radgate.linkKeys, log, lookup });

  it('a subscriber of the second workspace is sent to that workspace\'s reminder host', async () => {
    const carol = await addSubscriber(t, { status: 'expired', workspaceId: 'north' });
    const res = await app(twoWorkspaces(), async () => ({ subscriberId: carol.id, workspaceId: 'north' })).request('/', { headers: { Host: 'evil.example' } });
    expect(res.status).toBe(302);
    await expectLinkFor(res.headers.get('location') ?? undefined, carol, 'pay.north.example');
  });

  it('an unknown address and nothing to tell the workspaces apart → a neutral page, no redirect and no guess', async () => {
    const res = await app(twoWorkspaces()).request('/anything', { headers: { Host: 'evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    const body = await res.text();
    expect(body).toContain('Internet access restricted');
    expect(body).not.toMatch(/Example ISP|North Net|evil/);
  });

  it('a lookup failure (database down) still answers: the generic page, logged', async () => {
    const lines: string[] = [];
    const failing = createCaptiveApp({
      config: () => t.radgate.config,
      db: t.radgate.database.db,
      keys: t.radgate.linkKeys,
      log: createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } }),
      lookup: async () => { throw new Error('connection refused'); },
    });
    const res = await failing.request('/');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://pay.isp.example/w/default');
    expect(lines.join('')).toContain('captive lookup failed');
  });
});
