/**
 * A flapping database (PostgreSQL through a TCP proxy the test controls): for 20 s under accounting load the path
 * is cut (clean closes and resets, alternately) and restored, over and over. The radgate process stays up, /readyz
 * answers 503 while the database is gone and 200 after, every Accounting-Response a NAS received is in the
 * database, and the log stays small. The enforcement workers poll the same database throughout. PostgreSQL only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { allSessions, RetryingNas } from './helpers.js';
import { freeUdpPort, RadgateProcess } from './process.js';

const FLAP_MS = 20_000;
const LOOPS = 16;

describe.skipIf(!process.env.DATABASE_URL)('the database path flaps for 20 s under load', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let server: RadgateProcess;
  let acctPort: number;

  beforeAll(async () => {
    testDb = await freshDatabase();
    const direct = new URL(testDb.databaseUrl as string);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const throughProxy = new URL(direct);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    server = new RadgateProcess({
      configDir: testConfig(), // the example's log level: what an operator runs
      dataDir: testDb.dataDir,
      databaseUrl: throughProxy.toString(),
      authPort: await freeUdpPort(),
      acctPort: (acctPort = await freeUdpPort()),
    });
  });
  afterAll(async () => {
    await server?.kill9();
    await proxy?.close();
    await testDb?.cleanup();
  });

  it('radgate stays up, reports readiness truthfully, loses nothing it acknowledged, and logs within bounds', async () => {
    await server.start();
    const listening = server.output.split('\n').find((l) => l.includes('"radgate listening"'));
    const metricsPort = (JSON.parse(listening as string) as { metrics: number }).metrics;
    const readyz = () => fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.status, () => 0);
    expect(await readyz()).toBe(200);
    const logBytesBefore = server.output.length;

    const nas = await new RetryingNas(acctPort, { sockets: 4, retryMs: 500 }).open();
    const acknowledged = new Map<string, number>(); // session id → highest Acct-Session-Time answered
    let running = true;
    const load = Array.from({ length: LOOPS }, async (_, loop) => {
      for (let session = 0; running; session++) {
        const id = `flap-${loop}-${session}`;
        const base = { 'User-Name': `user-${loop}`, 'Acct-Session-Id': id, 'NAS-IP-Address': '10.0.0.1' };
        await nas.send({ ...base, 'Acct-Status-Type': 1 });
        acknowledged.set(id, 0);
        for (let step = 1; step <= 3 && running; step++) {
          await nas.send({ ...base, 'Acct-Status-Type': 3, 'Acct-Session-Time': step * 60 });
          acknowledged.set(id, step * 60);
        }
      }
    });

    const readinessWhileCut: number[] = [];
    const readinessAfter: number[] = [];
    const started = Date.now();
    for (let cut = 0; Date.now() - started < FLAP_MS; cut++) {
      await new Promise((r) => setTimeout(r, 1500));
      await proxy.cut(cut % 2 === 0 ? 'fin' : 'rst');
      await new Promise((r) => setTimeout(r, 1500));
      readinessWhileCut.push(await readyz());
      await new Promise((r) => setTimeout(r, 1000));
      await proxy.restore();
      const deadline = Date.now() + 15_000;
      let status = await readyz();
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        status = await readyz();
      }
      readinessAfter.push(status);
    }
    running = false;
    await Promise.all(load); // every request still outstanding is answered once the path is back
    nas.close();

    expect(server.exitCode).toBeNull();
    expect(readinessWhileCut.length).toBeGreaterThanOrEqual(3);
    expect(readinessWhileCut.every((status) => status === 503)).toBe(true);
    expect(readinessAfter.every((status) => status === 200)).toBe(true);

    let database: DatabaseHandle | undefined;
    try {
      database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
      const stored = new Map((await allSessions(database.db)).map((row) => [row.acctSessionId, row.acctSessionTime]));
      const lost = [...acknowledged].filter(([id, time]) => !stored.has(id) || (stored.get(id) as number) < time);
      expect(lost).toEqual([]);
      expect(acknowledged.size).toBeGreaterThan(LOOPS * 3);
    } finally {
      await database?.close();
    }

    // The warnings and errors of the whole outage: a few bounded lines per kind of failure, not one per request
    // (the info lines of the requests themselves are the example config's log level, outage or not).
    const problems = server.output
      .slice(logBytesBefore)
      .split('\n')
      .filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 40);
    expect(problems.filter((l) => l.length >= 2000)).toEqual([]);
    expect(problems.join('\n').length).toBeLessThan(32 * 1024);
    expect(problems.join('\n')).not.toContain('user-'); // no query parameters: subscriber names never reach the log
  });
});
