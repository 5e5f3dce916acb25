/**
 * Sessions of router-local subscribers through a running radgate (in-process) and real peers: accounting sent by
 * radclient as a router does for its local users (`/ppp aaa accounting=yes`: no Class, radgate never accepted the
 * login), a fake RouterOS API listing `/ppp/active`, and the captive listener answering from the session's address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NasConfig } from '../../src/config/index.js';
import { learnLocalSessions } from '../../src/enforce/reconcile.js';
import { databaseReconcilePorts } from '../../src/enforce/reconcile-db.js';
import { RouterOsClient } from '../../src/routeros/api.js';
import { verifyLink } from '../../src/web/reminder/index.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { get } from '../web/reminder/helpers.js';
import { acct, allSessions } from './helpers.js';

let t: TestRadgate;
let router: FakeRouterOs;
let client: RouterOsClient;
let nas: NasConfig;
let ids: Map<string, number>;

beforeAll(async () => {
  router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' });
  t = await startTestRadgate({
    config: {
      'nas.yaml': (text) => text.replace('    coa_port: 3799\n', `    coa_port: 3799\n    api: { host: 127.0.0.1, port: ${router.port}, user: radgate, password: pw }\n`),
    },
  });
  nas = t.radgate.config.nas.find((n) => n.name === 'local')!;
  expect(nas.api?.port).toBe(router.port);
  client = new RouterOsClient({ name: 'local', host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeoutSeconds: 5 });
  ids = await addSubscribers(t, [
    { username: 'lucy', auth: 'local', localNas: 'local' },
    { username: 'quinn', auth: 'local', localNas: 'local', localName: 'q-rtr' },
    { username: 'rita', auth: 'local', localNas: 'local', status: 'expired' },
  ]);
}, 120_000);

afterAll(async () => {
  await client?.close();
  await t?.stop();
  await router?.stop();
});

const ports = () => databaseReconcilePorts(t.radgate.config, nas, t.radgate.database, client);
const db = () => t.radgate.database.db;
const openOf = async (username: string) => (await allSessions(db())).filter((r) => r.username === username && r.stoppedAt === null);

describe('accounting of a router-local subscriber', () => {
  it('a Start without Class is attached to the subscriber by its username, and the listed session is not learned twice', async () => {
    const start = await acct(t.radgate.ports.acct, {
      'User-Name': 'lucy', 'Acct-Session-Id': '81c00001', 'Acct-Status-Type': 'Start', 'NAS-IP-Address': '127.0.0.1',
      'Framed-IP-Address': '127.0.0.42', 'Acct-Authentic': 'Local',
    });
    expect(start.code).toBe('Accounting-Response');
    expect((await openOf('lucy')).map((r) => [r.subscriberId, r.class, r.learnedFrom])).toEqual([[ids.get('lucy'), '', 'accounting']]);

    router.seed('/ppp/active', [{ name: 'lucy', address: '127.0.0.42', 'session-id': '0x81C00001', radius: 'false' }]);
    expect(await learnLocalSessions(ports())).toEqual({ opened: 0, touched: 0, closed: 0, attached: 0 });
    expect(await openOf('lucy')).toHaveLength(1);
  });

  it('accounting under the router-side name (not the username) is attached by the next look at the router', async () => {
    const start = await acct(t.radgate.ports.acct, {
      'User-Name': 'q-rtr', 'Acct-Session-Id': '81c00002', 'Acct-Status-Type': 'Start', 'NAS-IP-Address': '127.0.0.1', 'Framed-IP-Address': '127.0.0.43',
    });
    expect(start.code).toBe('Accounting-Response');
    expect((await openOf('q-rtr')).map((r) => r.subscriberId)).toEqual([null]);
    router.seed('/ppp/active', [{ name: 'q-rtr', address: '127.0.0.43', 'session-id': '0x81C00002', radius: 'false' }]);
    expect((await learnLocalSessions(ports()))?.attached).toBe(1);
    expect((await openOf('q-rtr')).map((r) => r.subscriberId)).toEqual([ids.get('quinn')]);
  });

  it('a learned session and the accounting that arrives for it later are one row', async () => {
    router.seed('/ppp/active', [{ name: 'rita', address: '127.0.0.44', 'session-id': '0x81C00003', radius: 'false' }]);
    expect((await learnLocalSessions(ports()))?.opened).toBe(1);
    expect((await openOf('rita')).map((r) => r.learnedFrom)).toEqual(['router']);
    const interim = await acct(t.radgate.ports.acct, {
      'User-Name': 'rita', 'Acct-Session-Id': '81c00003', 'Acct-Status-Type': 'Interim-Update', 'NAS-IP-Address': '127.0.0.1',
      'Framed-IP-Address': '127.0.0.44', 'Acct-Session-Time': 120, 'Acct-Input-Octets': 5000,
    });
    expect(interim.code).toBe('Accounting-Response');
    const rows = await openOf('rita');
    expect(rows.map((r) => [r.subscriberId, r.learnedFrom, r.acctInputOctets])).toEqual([[ids.get('rita'), 'accounting', 5000n]]);
  });
});

describe('the captive redirect', () => {
  it('sends a router-local subscriber, found by the learned session\'s address, to its own reminder page', async () => {
    router.seed('/ppp/active', [{ name: 'rita', address: '127.0.0.45', 'session-id': '0x81C00009', radius: 'false' }]);
    expect((await learnLocalSessions(ports()))?.opened).toBe(1);
    const response = await get(t.radgate.ports.captive, '/some/page', { localAddress: '127.0.0.45', host: 'example.com' });
    expect(response.status).toBe(302);
    const url = new URL(String(response.headers.location));
    expect(url.host).toBe('pay.isp.example');
    const check = await verifyLink(t.radgate.linkKeys, url.pathname.slice(3));
    expect(check).toMatchObject({ ok: true, claims: { subscriberId: ids.get('rita') } });
  });
});
