/** The RouterOS API client against the fake router speaking the real wire protocol. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import {
  endpointOf, kickHotspotSession, kickPppSession, RouterOsClient, RouterOsError, RouterOsPool, type RouterOsEndpoint,
} from '../../src/routeros/api.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { FakeRouterOs, testCertificates, type TestCertificate, type TestCertificates } from '../helpers/fake-routeros.js';

let router: FakeRouterOs;
let client: RouterOsClient;

function endpoint(overrides: Partial<RouterOsEndpoint> = {}): RouterOsEndpoint {
  return { name: 'core1', host: '127.0.0.1', port: router.port, user: 'radgate', password: 'pw', timeoutSeconds: 5, ...overrides };
}

async function rejection(promise: Promise<unknown>): Promise<RouterOsError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RouterOsError);
  return err as RouterOsError;
}

beforeEach(async () => {
  router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' });
  client = new RouterOsClient(endpoint());
});

afterEach(async () => {
  await client.close();
  await router.stop();
});

describe('login', () => {
  it('logs in with =name= =password= and reuses one connection for concurrent commands', async () => {
    router.seed('/ppp/active', [{ name: 'alice' }, { name: 'bob' }]);
    const results = await Promise.all(Array.from({ length: 5 }, () => client.print('/ppp/active')));
    for (const rows of results) expect(rows.map((r) => r['name'])).toEqual(['alice', 'bob']);
    expect(router.logins).toBe(1);
    expect(router.connectionsAccepted).toBe(1);
    // Each command went out with its own tag.
    expect(new Set(router.commands.map((c) => c.tag)).size).toBe(5);
  });

  it('reports a refused login with the router message, without the password', async () => {
    client = new RouterOsClient(endpoint({ password: 'wrong-password' }));
    const err = await rejection(client.print('/ppp/active'));
    expect(err.code).toBe('ROUTEROS_LOGIN');
    expect(err.message).toBe('RouterOS API of core1 refused the login of user "radgate": invalid user name or password (6)');
    expect(err.message).not.toContain('wrong-password');
  });

  it('reports a connection refused', async () => {
    await router.stop();
    const err = await rejection(client.print('/ppp/active'));
    expect(err.code).toBe('ROUTEROS_CONNECT');
    expect(err.message).toMatch(/^RouterOS API of core1 at 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    router = await FakeRouterOs.start(); // for afterEach
  });
});

describe('print', () => {
  it('sends ?queries and =.proplist= and returns only the asked properties', async () => {
    router.seed('/ppp/active', [
      { name: 'alice', address: '10.0.0.5', 'session-id': '0x81A00003', uptime: '1h' },
      { name: 'bob', address: '10.0.0.6', 'session-id': '0x81A00004', uptime: '2h' },
    ]);
    const rows = await client.print('/ppp/active', { query: { name: 'bob' }, proplist: ['.id', 'address'] });
    expect(rows).toEqual([{ '.id': '*2', address: '10.0.0.6' }]);
    expect(router.commands.at(-1)!.words).toEqual(['/ppp/active/print', '=.proplist=.id,address', '?name=bob']);
  });

  it('raw query words reach the router (the ?# stack)', async () => {
    router.seed('/ip/firewall/address-list', [{ list: 'a', address: '1.1.1.1' }, { list: 'b', address: '2.2.2.2' }, { list: 'c', address: '3.3.3.3' }]);
    const rows = await client.print('/ip/firewall/address-list', { query: ['?list=a', '?list=c', '?#|'] });
    expect(rows.map((r) => r['address'])).toEqual(['1.1.1.1', '3.3.3.3']);
  });

  it('treats !empty (RouterOS 7.18+) as no rows — node-routeros throws UNKNOWNREPLY here', async () => {
    router.emptyReplies = true;
    expect(await client.print('/ppp/active', { query: { name: 'nobody' } })).toEqual([]);
    router.emptyReplies = false;
    expect(await client.print('/ppp/active', { query: { name: 'nobody' } })).toEqual([]);
    // The connection survived both and still works.
    router.seed('/ppp/active', [{ name: 'carol' }]);
    expect(await client.print('/ppp/active')).toHaveLength(1);
    expect(router.connectionsAccepted).toBe(1);
  });

  it('carries long words (2- and 3-byte length prefixes) both ways', async () => {
    const long = 'x'.repeat(300);
    const longer = 'y'.repeat(20_000);
    const id = await client.add('/ip/firewall/filter', { chain: 'forward', comment: long });
    await client.set('/ip/firewall/filter', id, { comment: longer });
    expect((await client.print('/ip/firewall/filter'))[0]!['comment']).toBe(longer);
  });
});

describe('add, set, remove, run', () => {
  it('add returns the =ret= id; set and remove act on it; settings menus set without id', async () => {
    const id = await client.add('/ip/firewall/address-list', { list: 'radgate-unpaid', address: '10.0.0.5', disabled: false });
    expect(id).toMatch(/^\*[0-9A-F]+$/);
    expect(router.rows('/ip/firewall/address-list')).toEqual([{ '.id': id, list: 'radgate-unpaid', address: '10.0.0.5', disabled: 'no' }]);
    await client.set('/ip/firewall/address-list', id, { comment: 'radgate:alice' });
    expect(router.rows('/ip/firewall/address-list')[0]!['comment']).toBe('radgate:alice');
    await client.remove('/ip/firewall/address-list', id);
    expect(router.rows('/ip/firewall/address-list')).toEqual([]);
    await client.set('/radius/incoming', undefined, { accept: true, port: 3799 });
    expect(router.rows('/radius/incoming')).toEqual([{ accept: 'yes', port: '3799' }]);
  });

  it('run sends any command (place-before, move) and returns rows and !done attributes', async () => {
    const a = await client.add('/ip/firewall/filter', { chain: 'forward', comment: 'fasttrack' });
    const b = (await client.run('/ip/firewall/filter/add', { chain: 'forward', comment: 'radgate:jump', 'place-before': a })).done['ret'];
    expect(router.rows('/ip/firewall/filter').map((r) => r['comment'])).toEqual(['radgate:jump', 'fasttrack']);
    await client.run('/ip/firewall/filter/move', [`=numbers=${b}`]);
    expect(router.rows('/ip/firewall/filter').map((r) => r['comment'])).toEqual(['fasttrack', 'radgate:jump']);
    const count = await client.run('/ip/firewall/filter/print', ['=count-only=']);
    expect(count.done['ret']).toBe('2');
  });

  it('keeps the !trap category and message', async () => {
    const err = await rejection(client.add('/ip/firewall/address-list', { list: 'x', address: 'bad' }).then(() => client.add('/ip/firewall/address-list', { list: 'x', address: 'bad' })));
    expect(err.code).toBe('ROUTEROS_TRAP');
    expect(err.category).toBe(1);
    expect(err.routerMessage).toBe('failure: already have such entry');
    expect(err.message).toBe('RouterOS core1 refused /ip/firewall/address-list/add: failure: already have such entry (category 1)');
    router.inject('/ppp/active/print', { trap: { category: 5, message: 'not enough permissions (9)' } }, { times: 1 });
    const denied = await rejection(client.print('/ppp/active'));
    expect([denied.category, denied.routerMessage]).toEqual([5, 'not enough permissions (9)']);
    router.inject('/ppp/active/print', { trap: { message: 'no category' } }, { times: 1 });
    expect((await rejection(client.print('/ppp/active'))).category).toBeUndefined();
    // Traps do not hurt the connection.
    expect(router.connectionsAccepted).toBe(1);
  });
});

describe('failures never crash the process and the next call reconnects', () => {
  it('a command that never answers times out and the connection is replaced', async () => {
    client = new RouterOsClient(endpoint({ timeoutSeconds: 0.3 }));
    router.inject('/ppp/active/print', 'hang', { times: 1 });
    const err = await rejection(client.print('/ppp/active'));
    expect(err.code).toBe('ROUTEROS_TIMEOUT');
    expect(err.message).toBe('RouterOS API of core1 did not answer /ppp/active/print within 300 ms');
    expect(await client.print('/ppp/active')).toEqual([]);
    expect(router.connectionsAccepted).toBe(2);
  });

  it('the router closing the socket mid-command rejects every command in flight', async () => {
    router.inject('/ppp/active/remove', 'close', { times: 1 });
    const results = await Promise.allSettled([client.remove('/ppp/active', '*1'), client.print('/ppp/profile')]);
    expect(results[0].status).toBe('rejected');
    expect(((results[0] as PromiseRejectedResult).reason as RouterOsError).code).toBe('ROUTEROS_CLOSED');
    expect(await client.print('/ppp/active')).toEqual([]);
  });

  it('!fatal ends the session with the router reason', async () => {
    router.inject('/ppp/active/print', { fatal: 'session terminated on request' }, { times: 1 });
    const err = await rejection(client.print('/ppp/active'));
    expect(err.code).toBe('ROUTEROS_FATAL');
    expect(err.routerMessage).toBe('session terminated on request');
    expect(await client.print('/ppp/active')).toEqual([]);
  });

  it('the connection dropping while idle (node-routeros emits an unhandled error here) is noticed at the next call', async () => {
    await client.print('/ppp/active');
    router.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect(await client.print('/ppp/active')).toEqual([]);
    expect(router.connectionsAccepted).toBe(2);
  });

  it('closes an idle connection after idleMs', async () => {
    client = new RouterOsClient(endpoint(), { idleMs: 50 });
    await client.print('/ppp/active');
    expect(router.openConnections).toBe(1);
    await expect.poll(() => router.openConnections, { timeout: 5000 }).toBe(0);
  });

  it('a pool hands out one client per NAS', async () => {
    const pool = new RouterOsPool();
    expect(pool.get(endpoint())).toBe(pool.get(endpoint()));
    expect(pool.get(endpoint({ name: 'core2' }))).not.toBe(pool.get(endpoint()));
    await pool.closeAll();
  });
});

describe('TLS (api-ssl)', () => {
  it('connects to the configured port with TLS', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`,
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const cert = readFileSync(`${dir}/cert.pem`);
    const secure = await FakeRouterOs.start({ user: 'radgate', password: 'pw', tls: { key: readFileSync(`${dir}/key.pem`), cert } });
    try {
      const tlsClient = new RouterOsClient(endpoint({ port: secure.port, tls: { ca: cert.toString() } }));
      secure.seed('/ppp/active', [{ name: 'alice' }]);
      expect(await tlsClient.print('/ppp/active')).toHaveLength(1);
      await tlsClient.close();
      // Plain TCP to the TLS port fails cleanly (no hang, no crash).
      const plain = new RouterOsClient(endpoint({ port: secure.port, timeoutSeconds: 1 }));
      expect((await rejection(plain.print('/ppp/active'))).code).toMatch(/ROUTEROS_(CLOSED|TIMEOUT|PROTOCOL)/);
      await plain.close();
    } finally {
      await secure.stop();
    }
  });
});

describe("TLS (api-ssl): trusting the router's certificate (nas.yaml api.ca_file, api.fingerprint)", () => {
  let certs: TestCertificates;
  const servers: FakeRouterOs[] = [];
  beforeAll(() => {
    certs = testCertificates();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  /** A fake api-ssl service on 127.0.0.1 presenting `cert`. */
  async function serving(cert: TestCertificate): Promise<FakeRouterOs> {
    const secure = await FakeRouterOs.start({ user: 'radgate', password: 'pw', tls: { key: cert.key, cert: cert.cert } });
    servers.push(secure);
    secure.seed('/ppp/active', [{ name: 'alice' }]);
    return secure;
  }

  /** The endpoint of NAS core1 as the config loader makes it from nas.yaml, with `lines` added to its api: section. */
  async function configured(port: number, lines: string[], tls = true): Promise<RouterOsEndpoint> {
    const nas = [
      '  - name: core1', '    address: 127.0.0.5', '    secret: testing123', '    workspace: default', '    api:',
      '      host: 127.0.0.1', `      port: ${port}`, '      user: radgate', '      password: pw', `      tls: ${tls}`, '      timeout: 5s',
      ...lines.map((line) => `      ${line}`), '',
    ].join('\n');
    const config = await loadConfig(testConfig({ 'nas.yaml': (text) => text + nas }), {});
    const core1 = config.nas.find((n) => n.name === 'core1')!;
    return endpointOf(core1.name, core1.api!);
  }

  async function works(endpoint: RouterOsEndpoint): Promise<void> {
    const client = new RouterOsClient(endpoint);
    try {
      expect((await client.print('/ppp/active')).map((r) => r['name'])).toEqual(['alice']);
    } finally {
      await client.close();
    }
  }

  /** The refusal: ROUTEROS_TLS, before radgate sent anything (no /login, so the password never left). */
  async function refused(endpoint: RouterOsEndpoint, router: FakeRouterOs): Promise<string> {
    const client = new RouterOsClient(endpoint);
    try {
      const err = await rejection(client.print('/ppp/active'));
      expect(err.code).toBe('ROUTEROS_TLS');
      expect(err.failure).toBe('tls');
      expect(err.message).toContain(`RouterOS API of core1 at 127.0.0.1:${router.port} (TLS)`);
      expect(err.message).not.toContain('pw');
      expect(router.loginAttempts).toBe(0);
      return err.message;
    } finally {
      await client.close();
    }
  }

  it('api.ca_file holding the CA that signed the router\'s certificate (naming its address) → works', async () => {
    const router = await serving(certs.router);
    await works(await configured(router.port, [`ca_file: ${certs.caFile}`]));
  });

  it("api.ca_file holding the router's own self-signed certificate → works, whatever name the certificate carries", async () => {
    const router = await serving(certs.selfSigned);
    await works(await configured(router.port, [`ca_file: ${certs.selfSigned.certFile}`]));
  });

  it('a certificate the same CA signed for another router → refused: it does not name this host', async () => {
    const router = await serving(certs.otherRouter);
    const message = await refused(await configured(router.port, [`ca_file: ${certs.caFile}`]), router);
    expect(message).toContain('127.0.0.1');
    expect(message).toMatch(/does not match|does not name/);
  });

  it('api.fingerprint pins the certificate: "sha256:AB:CD:…" or bare hex as /certificate print shows it → works', async () => {
    const router = await serving(certs.selfSigned);
    await works(await configured(router.port, [`fingerprint: "sha256:${certs.selfSigned.fingerprint}"`]));
    await works(await configured(router.port, [`fingerprint: ${certs.selfSigned.fingerprint.replaceAll(':', '').toLowerCase()}`]));
    // Pinned and CA-verified at once: both must hold.
    const signed = await serving(certs.router);
    await works(await configured(signed.port, [`ca_file: ${certs.caFile}`, `fingerprint: "${certs.router.fingerprint}"`]));
  });

  it('a wrong fingerprint → refused with both fingerprints named; nothing is sent to that router', async () => {
    const router = await serving(certs.otherRouter);
    const message = await refused(await configured(router.port, [`fingerprint: "${certs.selfSigned.fingerprint}"`]), router);
    expect(message).toContain(certs.otherRouter.fingerprint);
    expect(message).toContain(certs.selfSigned.fingerprint);
    expect(message).toContain('api.fingerprint');
    // A CA-verified certificate that is not the pinned one is refused too.
    const signed = await serving(certs.router);
    await refused(await configured(signed.port, [`ca_file: ${certs.caFile}`, `fingerprint: "${certs.selfSigned.fingerprint}"`]), signed);
  });

  it('no ca_file and no fingerprint: a self-signed certificate is refused by default, saying why and what to set', async () => {
    const router = await serving(certs.selfSigned);
    const message = await refused(await configured(router.port, []), router);
    expect(message).toContain('self-signed');
    expect(message).toContain('api.ca_file');
    expect(message).toContain('api.fingerprint');
    expect(message).toContain(certs.selfSigned.fingerprint); // what the router presented, to compare before pinning
  });

  it('the plain API (tls: false, port from nas.yaml) works as before', async () => {
    const plain = await configured(router.port, [], false);
    expect(plain.tls).toBeUndefined();
    router.seed('/ppp/active', [{ name: 'bob' }]);
    const client = new RouterOsClient(plain);
    expect((await client.print('/ppp/active')).map((r) => r['name'])).toEqual(['bob']);
    await client.close();
  });
});

describe('kicks', () => {
  it('kickPppSession removes exactly the row of that session', async () => {
    router.seed('/ppp/active', [
      { name: 'alice', address: '10.0.0.5', 'session-id': '0x81A00003' },
      { name: 'alice', address: '10.0.0.9', 'session-id': '0x81A00007' },
      { name: 'bob', address: '10.0.0.6', 'session-id': '0x81A00004' },
    ]);
    const result = await kickPppSession(client, { user: 'alice', sessionId: '81a00007', address: '10.0.0.9' });
    expect(result.outcome).toBe('removed');
    expect(router.rows('/ppp/active').map((r) => r['address'])).toEqual(['10.0.0.5', '10.0.0.6']);
    // Matched by address when the session-id format differs.
    expect((await kickPppSession(client, { user: 'alice', sessionId: 'zzz', address: '10.0.0.5' })).outcome).toBe('removed');
    expect(router.rows('/ppp/active').map((r) => r['name'])).toEqual(['bob']);
  });

  it('no row (!empty) or no matching row is "gone"; a row vanishing before remove is "gone"', async () => {
    expect(await kickPppSession(client, { user: 'alice', sessionId: '81a00003' })).toEqual({ outcome: 'gone', cookiesRemoved: 0, detail: 'no /ppp/active row for alice' });
    router.seed('/ppp/active', [{ name: 'alice', address: '10.0.0.5', 'session-id': '0x81A00009' }]);
    const other = await kickPppSession(client, { user: 'alice', sessionId: '81a00003', address: '10.0.0.1' });
    expect(other).toMatchObject({ outcome: 'gone', detail: 'no /ppp/active row for alice with session-id 81a00003 or address 10.0.0.1 (1 other session(s) left alone)' });
    expect(router.rows('/ppp/active')).toHaveLength(1);
    router.inject('/ppp/active/remove', { trap: { message: 'no such item' } }, { times: 1 });
    expect((await kickPppSession(client, { user: 'alice' })).outcome).toBe('gone');
  });

  it('kickHotspotSession removes the active row and the user\'s cookies', async () => {
    router.seed('/ip/hotspot/active', [{ user: 'carol', address: '10.5.0.2', 'mac-address': 'AA:BB:CC:00:00:01' }, { user: 'dave', address: '10.5.0.3' }]);
    router.seed('/ip/hotspot/cookie', [{ user: 'carol', 'mac-address': 'AA:BB:CC:00:00:01' }, { user: 'carol', 'mac-address': 'AA:BB:CC:00:00:02' }, { user: 'dave' }]);
    const result = await kickHotspotSession(client, { user: 'carol', address: '10.5.0.2' });
    expect(result).toMatchObject({ outcome: 'removed', cookiesRemoved: 2 });
    expect(router.rows('/ip/hotspot/active').map((r) => r['user'])).toEqual(['dave']);
    expect(router.rows('/ip/hotspot/cookie').map((r) => r['user'])).toEqual(['dave']);
    expect((await kickHotspotSession(client, { user: 'carol' })).outcome).toBe('gone');
  });
});

describe('why radgate does not wrap node-routeros 1.6.9', () => {
  it('node-routeros dies with an uncaught UNKNOWNREPLY on !empty', async () => {
    const script = `
      const { RouterOSAPI } = require('node-routeros');
      const api = new RouterOSAPI({ host: '127.0.0.1', port: ${router.port}, user: 'radgate', password: 'pw', timeout: 5 });
      api.connect().then(() => api.write('/ppp/active/print', ['?name=nobody'])).then(
        (rows) => { console.log('resolved', JSON.stringify(rows)); process.exit(0); },
        (err) => { console.log('rejected', err.message); process.exit(0); });`;
    const child = spawn(process.execPath, ['-e', script], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    expect(output).toMatch(/UNKNOWNREPLY|unknown reply/i);
  });
});
