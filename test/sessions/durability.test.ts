/**
 * Durability (docs/radius-protocol.md §11): radgate answers an Accounting-Request only after COMMIT. A radgate PROCESS
 * is killed with SIGKILL in the middle of a burst; everything answered before the kill must already be in the
 * database. Then it is started again, the NASes retransmit whatever was not answered, and in the end every
 * request is recorded exactly once. Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
 * Needs the compiled build (`npm run build`; `npm test` does it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import type { SessionRow } from '../../src/db/schema.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { allSessions, RetryingNas, type AcctAttributes } from './helpers.js';
import { freeUdpPort, RadgateProcess } from './process.js';

const SESSIONS = 150;
/** Start, two Interims, Stop for each session: request k of a session carries these values. */
const STEPS = [
  { 'Acct-Status-Type': 1 },
  { 'Acct-Status-Type': 3, 'Acct-Session-Time': 60 },
  { 'Acct-Status-Type': 3, 'Acct-Session-Time': 120 },
  { 'Acct-Status-Type': 2, 'Acct-Session-Time': 180, 'Acct-Terminate-Cause': 1 },
] as const;

function request(session: number, step: number): AcctAttributes {
  const base = STEPS[step]!;
  const time = 'Acct-Session-Time' in base ? base['Acct-Session-Time'] : 0;
  return {
    'User-Name': `user-${session}`,
    'Acct-Session-Id': (0x81a00000 + session).toString(16),
    'NAS-IP-Address': '10.0.0.1',
    'Framed-IP-Address': `100.64.${session >> 8}.${session & 255}`,
    Class: `rg1:${1000 + session}:00ff00ff00ff00ff`,
    ...base,
    // Gigawords too: the totals are well past 2^32 from the first Interim on.
    'Acct-Input-Octets': time * 1000 + session,
    'Acct-Input-Gigawords': time,
    'Acct-Output-Octets': time * 7,
    'Acct-Input-Packets': time,
  };
}

const inputTotal = (session: number, step: number) => {
  const time = 'Acct-Session-Time' in STEPS[step]! ? (STEPS[step] as { 'Acct-Session-Time': number })['Acct-Session-Time'] : 0;
  return BigInt(time) * 2n ** 32n + BigInt(time * 1000 + session);
};

/** What a row must show once request `step` of its session was answered (or applied). */
function reflects(row: SessionRow, session: number, step: number): boolean {
  if (row.acctInputOctets < inputTotal(session, step)) return false;
  if (step === 3) return row.closedBy === 'stop' && row.terminateCause === 'User-Request';
  return true;
}

let testDb: TestDatabase;
let server: RadgateProcess;
let acctPort: number;

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) throw new Error('run `npm run build` first: this test starts bin/radgate.js');
  testDb = await freshDatabase();
  const configDir = testConfig({ 'server.yaml': (text) => text.replace(/log_level: .*\n/, 'log_level: warn\n') });
  server = new RadgateProcess({
    configDir,
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

describe(`kill -9 during a burst (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('every answered request is durable; after restart and retries every request is recorded exactly once', async () => {
    await server.start();
    const nas = await new RetryingNas(acctPort, { sockets: 2, retryMs: 250 }).open();
    const answered: number[] = new Array(SESSIONS).fill(-1); // highest step answered, per session
    let answeredCount = 0;
    let killed = false;
    const answeredBeforeKill: number[] = [];
    let markKilled!: () => void;
    const killTime = new Promise<void>((resolve) => (markKilled = resolve));

    // Each session is a NAS session: its next request goes out once the previous one is answered.
    const sessions = Array.from({ length: SESSIONS }, async (_, s) => {
      for (let step = 0; step < STEPS.length; step++) {
        await nas.send(request(s, step));
        answered[s] = step;
        answeredCount++;
        if (!killed && answeredCount >= (SESSIONS * STEPS.length) / 3) {
          killed = true;
          answeredBeforeKill.push(...answered);
          markKilled();
        }
      }
    });

    await killTime;
    await server.kill9();
    const inFlight = answeredBeforeKill.filter((step) => step < STEPS.length - 1).length;
    expect(inFlight).toBeGreaterThan(0); // the kill did land in the middle of the burst

    // 1. Nothing answered was lost: read the database with radgate dead.
    {
      const db = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
      try {
        const rows = await allSessions(db.db);
        const byId = new Map<string, SessionRow[]>();
        for (const row of rows) byId.set(row.acctSessionId, [...(byId.get(row.acctSessionId) ?? []), row]);
        for (let s = 0; s < SESSIONS; s++) {
          const step = answeredBeforeKill[s]!;
          const found = byId.get((0x81a00000 + s).toString(16)) ?? [];
          if (step < 0) {
            expect(found.length).toBeLessThanOrEqual(1);
            continue;
          }
          expect(found, `session ${s}`).toHaveLength(1);
          expect(reflects(found[0]!, s, step), `session ${s} step ${step}: ${JSON.stringify(found[0], (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`).toBe(true);
        }
      } finally {
        await db.close();
      }
    }

    // 2. Start again: the NAS keeps retransmitting the unanswered requests until they are answered.
    const sentBefore = nas.sent;
    await server.start();
    await Promise.race([
      Promise.all(sessions),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`burst not finished:\n${server.output}`)), 90_000)),
    ]);
    expect(nas.sent).toBeGreaterThan(sentBefore);
    nas.close();

    // 3. Exactly once: one row per session, each with its final record.
    const cli = server.cli(['sessions', '--all', '--limit', '1000', '--json']);
    expect(cli.status, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as Array<{ acctSessionId: string; acctInputOctets: string; state: string }>;
    expect(listed).toHaveLength(SESSIONS);
    expect(new Set(listed.map((r) => r.acctSessionId)).size).toBe(SESSIONS);
    for (const row of listed) {
      const s = parseInt(row.acctSessionId, 16) - 0x81a00000;
      expect(row.acctInputOctets).toBe(inputTotal(s, 3).toString());
      expect(row.state).toBe('closed: User-Request');
    }
    expect(await server.stop()).toBe(0);
    const db = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
    try {
      const rows = await allSessions(db.db);
      expect(rows).toHaveLength(SESSIONS);
      for (const row of rows) {
        const s = parseInt(row.acctSessionId, 16) - 0x81a00000;
        expect(reflects(row, s, 3)).toBe(true);
        expect(row).toMatchObject({ acctSessionTime: 180, subscriberId: 1000 + s, username: `user-${s}` });
      }
    } finally {
      await db.close();
    }
  });
});
