/**
 * SIGTERM during an accounting burst: radgate stops receiving, commits and answers what is in flight, exits 0
 * within a bounded time, and nothing is lost — every answered request is in the database, and after a restart the
 * NAS's retries complete the rest exactly once. Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { allSessions, RetryingNas } from '../sessions/helpers.js';
import { freeUdpPort, RadgateProcess } from '../sessions/process.js';

const SESSIONS = 300;
let testDb: TestDatabase;
let server: RadgateProcess;
let acctPort: number;

beforeAll(async () => {
  testDb = await freshDatabase();
  server = new RadgateProcess({
    configDir: testConfig({ 'server.yaml': (text) => text.replace(/log_level: .*\n/, 'log_level: warn\n') }),
    dataDir: testDb.dataDir,
    databaseUrl: testDb.databaseUrl,
    authPort: await freeUdpPort(),
    acctPort: (acctPort = await freeUdpPort()),
  });
});

afterAll(async () => {
  await server?.stop();
  await testDb?.cleanup();
});

const STEPS = 6; // Start, then Interim-Updates: each session keeps sending after the signal
const record = (s: number, step: number) => ({
  'Acct-Status-Type': step === 0 ? 1 : 3,
  'Acct-Session-Time': step * 60,
  'User-Name': `term-${s}`,
  'Acct-Session-Id': (0x91a00000 + s).toString(16),
  'NAS-IP-Address': '10.0.0.1',
  'Framed-IP-Address': `100.65.${s >> 8}.${s & 255}`,
});

describe(`SIGTERM during an accounting burst (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('exits 0 promptly; answered requests are committed; retries after restart complete the rest exactly once', async () => {
    await server.start();
    const nas = await new RetryingNas(acctPort, { sockets: 2, retryMs: 250 }).open();
    const answered = new Map<number, number>(); // session → highest step answered
    let count = 0;
    let signalled: Promise<number | null> | undefined;
    let stoppedAt = 0;
    const burst = Array.from({ length: SESSIONS }, async (_, s) => {
      for (let step = 0; step < STEPS; step++) {
        await nas.send(record(s, step));
        answered.set(s, step);
        if (!signalled && ++count >= (SESSIONS * STEPS) / 3) {
          stoppedAt = Date.now();
          signalled = server.stop();
        }
      }
    });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (signalled) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const code = await signalled!;
    const shutdownMs = Date.now() - stoppedAt;
    expect(code).toBe(0);
    expect(shutdownMs).toBeLessThan(15_000);
    const answeredAtExit = new Map(answered);
    expect([...answeredAtExit.values()].some((step) => step < STEPS - 1)).toBe(true); // the signal landed mid-burst

    const db = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
    try {
      const time = new Map((await allSessions(db.db)).map((r) => [parseInt(r.acctSessionId, 16) - 0x91a00000, r.acctSessionTime ?? 0]));
      for (const [s, step] of answeredAtExit) expect(time.get(s), `session ${s}: answered step ${step} is recorded`).toBeGreaterThanOrEqual(step * 60);
    } finally {
      await db.close();
    }

    await server.start();
    await Promise.all(burst);
    nas.close();
    expect(await server.stop()).toBe(0);
    const after = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
    try {
      const rows = await allSessions(after.db);
      expect(rows).toHaveLength(SESSIONS);
      expect(new Set(rows.map((r) => r.acctSessionId)).size).toBe(SESSIONS);
      for (const row of rows) expect(row.acctSessionTime).toBe((STEPS - 1) * 60);
    } finally {
      await after.close();
    }
  });
});
