/**
 * Database outage (PostgreSQL only; skipped without DATABASE_URL): radgate reaches PostgreSQL through a TCP proxy
 * owned by this test. While the proxy is cut, accounting gets no answer at all (the NAS keeps retrying) and
 * nothing is half-written; once it is back, every retried request is recorded exactly once.
 */
import net, { type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { allSessions, RetryingNas, type AcctAttributes } from './helpers.js';

/** A loopback TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and restored. */
class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

const hasPostgres = Boolean(process.env.DATABASE_URL);
let testDb: TestDatabase;
let proxy: TcpProxy;
let t: TestRadgate;
let direct: DatabaseHandle;

beforeAll(async () => {
  if (!hasPostgres) return;
  testDb = await freshDatabase();
  const url = new URL(testDb.databaseUrl!);
  proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  await proxy.start();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  t = await startTestRadgate({ database: { ...testDb, databaseUrl: proxied.toString(), cleanup: async () => {} } });
  // The test's own view of the database does not go through the proxy.
  direct = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
});

afterAll(async () => {
  await t?.stop();
  await direct?.close();
  await proxy?.cut();
  await testDb?.cleanup();
});

const request = (session: number, status: number, time = 0): AcctAttributes => ({
  'User-Name': `user-${session}`,
  'Acct-Session-Id': `0a${String(session).padStart(6, '0')}`,
  'Acct-Status-Type': status,
  'Acct-Session-Time': time,
  'Acct-Input-Octets': time * 100,
});

describe.skipIf(!hasPostgres)('PostgreSQL outage', () => {
  it('no answer while the database is unreachable; everything recorded exactly once after recovery', async () => {
    const nas = await new RetryingNas(t.radgate.ports.acct, { sockets: 1, retryMs: 250 }).open();
    try {
      // Before: 20 sessions start normally.
      await Promise.all(Array.from({ length: 20 }, (_, s) => nas.send(request(s, 1))));
      expect(await allSessions(direct.db)).toHaveLength(20);

      await proxy.cut();
      let answered = 0;
      const during = [
        ...Array.from({ length: 20 }, (_, s) => nas.send(request(s, 3, 600))), // Interims of the open sessions
        ...Array.from({ length: 20 }, (_, s) => nas.send(request(100 + s, 1))), // new Starts
      ].map((p) => p.then(() => answered++));
      // Several retransmissions each, and several failed commits: still not a single answer.
      const sentAtCut = nas.sent;
      await eventually(() => nas.sent >= sentAtCut + 40 * 4, 30_000, 'retransmissions');
      await eventually(() => t.radgate.sessions.writer.stats.failed >= 40, 30_000, 'failed commits');
      expect(answered).toBe(0);
      expect(t.logs.some((l) => l.msg === 'accounting not recorded; no reply sent (the NAS will retry)')).toBe(true);
      const meanwhile = await allSessions(direct.db);
      expect(meanwhile).toHaveLength(20);
      expect(meanwhile.every((r) => r.acctInputOctets === 0n)).toBe(true);

      await proxy.start(); // same port: radgate reconnects by itself
      await Promise.race([
        Promise.all(during),
        new Promise((_, reject) => setTimeout(() => reject(new Error('not answered after recovery')), 60_000)),
      ]);
      expect(answered).toBe(40);

      const rows = await allSessions(direct.db);
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((r) => r.acctSessionId)).size).toBe(40);
      for (const row of rows) {
        const s = Number(row.acctSessionId.slice(2));
        expect(row.acctInputOctets).toBe(s < 100 ? 60_000n : 0n);
        expect(row.stoppedAt).toBeNull();
      }
    } finally {
      nas.close();
    }
  });
});
