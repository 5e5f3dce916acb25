/**
 * Durability (docs/radius-protocol.md §11, RFC 2866 §2): radgate sends an Accounting-Response only after the record
 * COMMITTED. Four NASes — each its own nas.yaml entry, source address, secret and NAS-IP-Address — send a burst of
 * Start, Interim-Update, Interim-Update, Stop for every session, and something fails in the middle of it:
 *
 * - the radgate process is killed with SIGKILL (PGlite, and PostgreSQL when DATABASE_URL is set), then started again;
 * - the PostgreSQL server crashes (`pg_ctl stop -m immediate`) and restarts with crash recovery, on a private
 *   cluster of this file's own (test/helpers/private-postgres.ts; PostgreSQL pass only), and radgate stays up.
 *
 * Either way, every Accounting-Response a NAS received is found in the database as it is after the failure, and once
 * the NASes' byte-identical retransmissions are answered each session is stored exactly once with the values of its
 * last record. Replies are matched to requests by their Response Authenticator (RFC 2866 §3), never by the
 * Identifier, which every NAS reuses as soon as it is free; a reply that answers no request fails the test.
 * Needs the compiled build (`npm run build`; `npm test` does it).
 */
import { createHash } from 'node:crypto';
import dgram, { type RemoteInfo } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseOptions } from '../../src/db/client.js';
import type { SessionRow } from '../../src/db/schema.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { eventually } from '../helpers/eventually.js';
import { createPrivatePostgres, privatePostgresUnavailable, type PrivatePostgres } from '../helpers/private-postgres.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { allSessions, RetryingNas, SECRET, type AcctAttributes } from './helpers.js';
import { freeUdpPort, RadgateProcess } from './process.js';

/** The routers: nas.yaml entries of their own, each with its source address, secret and NAS-IP-Address. */
const NASES = [1, 2, 3, 4].map((n) => ({
  name: `burst-${n}`,
  address: `127.0.0.${10 + n}`,
  secret: `burst-${n}-secret-0123456789`,
  nasIp: `10.0.0.${n}`,
}));
/** Sessions per NAS, all under way at once on one source port: up to 200 Identifiers in use, each reused. */
const SESSIONS = 200;
/** Start, two Interims, Stop for each session: request k of a session carries these values. */
const STEPS = [
  { 'Acct-Status-Type': 1 },
  { 'Acct-Status-Type': 3, 'Acct-Session-Time': 60 },
  { 'Acct-Status-Type': 3, 'Acct-Session-Time': 120 },
  { 'Acct-Status-Type': 2, 'Acct-Session-Time': 180, 'Acct-Terminate-Cause': 1 },
] as const;
const LAST = STEPS.length - 1;
const TOTAL = NASES.length * SESSIONS * STEPS.length;

const sessionTime = (step: number) => [0, 60, 120, 180][step]!;
const acctSessionId = (session: number) => (0x81a00000 + session).toString(16);
// Gigawords too: the input totals are well past 2^32 from the first Interim on. Output differs per NAS, so a record
// that landed on another NAS's row would show.
const inputTotal = (session: number, step: number) => BigInt(sessionTime(step)) * 2n ** 32n + BigInt(sessionTime(step) * 1000 + session);
const outputTotal = (nas: number, step: number) => BigInt(sessionTime(step) * 7 + nas);

/**
 * Request `step` of `session` on NAS `nas`. Acct-Session-Id and User-Name are the same on every NAS (routers number
 * their sessions independently): the source address keeps the sessions apart.
 */
function request(nas: number, session: number, step: number): AcctAttributes {
  const time = sessionTime(step);
  return {
    'User-Name': `user-${session}`,
    'Acct-Session-Id': acctSessionId(session),
    'NAS-IP-Address': NASES[nas]!.nasIp,
    'Framed-IP-Address': `100.${64 + nas}.${session >> 8}.${session & 255}`,
    Class: `rg1:${1000 + session}:00ff00ff00ff00ff`,
    ...STEPS[step],
    'Acct-Input-Octets': time * 1000 + session,
    'Acct-Input-Gigawords': time,
    'Acct-Output-Octets': time * 7 + nas,
    'Acct-Input-Packets': time,
  };
}

/** Whether a row shows what request `step` of its session brought (or a later one of the same session). */
function reflects(row: SessionRow, nas: number, session: number, step: number): boolean {
  if (row.acctInputOctets < inputTotal(session, step) || row.acctOutputOctets < outputTotal(nas, step)) return false;
  return step < LAST || (row.closedBy === 'stop' && row.terminateCause === 'User-Request');
}

const configDir = () =>
  testConfig({
    'server.yaml': (text) => text.replace(/log_level: .*\n/, 'log_level: warn\n'),
    'nas.yaml': (text) =>
      text + NASES.map((n) => `  - name: ${n.name}\n    address: ${n.address}\n    secret: ${n.secret}\n    workspace: default\n`).join(''),
  });

/** What a failure message shows of a row. */
const show = (row: SessionRow | undefined) =>
  row ? `${row.lastStatus} ${row.acctSessionTime} s, ${row.acctInputOctets}/${row.acctOutputOctets} octets, closed by ${row.closedBy}` : 'no row';

// ---- the burst ------------------------------------------------------------------------------------------------

interface Burst {
  nases: RetryingNas[];
  /** acknowledged[nas][session]: the last step that NAS got an Accounting-Response for; -1 for none. */
  acknowledged: number[][];
  /** Resolves once a third of all requests is acknowledged: the moment to break something. */
  third: Promise<void>;
  /** Resolves once every request is acknowledged. */
  done: Promise<void>;
}

async function startBurst(acctPort: number): Promise<Burst> {
  const nases = await Promise.all(
    NASES.map((n) => new RetryingNas(acctPort, { sockets: 1, retryMs: 250, secret: n.secret, address: n.address, ids: 'reuse' }).open()),
  );
  const acknowledged = NASES.map(() => new Array<number>(SESSIONS).fill(-1));
  let count = 0;
  let reachThird!: () => void;
  const third = new Promise<void>((resolve) => (reachThird = resolve));
  // Each session is a NAS session: its next record goes out once the previous one is answered.
  const sessions = nases.flatMap((nas, n) =>
    Array.from({ length: SESSIONS }, async (_, s) => {
      for (let step = 0; step <= LAST; step++) {
        await nas.send(request(n, s, step));
        acknowledged[n]![s] = step;
        if (++count >= TOTAL / 3) reachThird();
      }
    }),
  );
  return { nases, acknowledged, third, done: Promise.all(sessions).then(() => undefined) };
}

const transmissions = (burst: Burst) => burst.nases.reduce((sum, nas) => sum + nas.sent, 0);
const pending = (burst: Burst) => burst.nases.reduce((sum, nas) => sum + nas.pending, 0);

/** The burst's end, or a failure naming what is left after `ms` (a hang guard, not a speed check). */
function finished(burst: Burst, ms: number, output: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`burst not finished after ${ms} ms: ${pending(burst)} requests unanswered\n${output()}`)), ms);
  });
  return Promise.race([burst.done, timeout]).finally(() => clearTimeout(timer));
}

async function readSessions(options: Omit<DatabaseOptions, 'role'>): Promise<SessionRow[]> {
  const db = await openDatabase({ ...options, role: 'tool' });
  try {
    return await allSessions(db.db);
  } finally {
    await db.close();
  }
}

const rowKey = (nasName: string, session: string) => `${nasName}/${session}`;

/**
 * Every acknowledged record is in `rows`, read after the failure. `acknowledged` must be taken after that read: a
 * reply goes out after its COMMIT, so any reply received by then was for a commit before the failure.
 */
function expectAcknowledgedCommitted(rows: SessionRow[], acknowledged: number[][]): void {
  const byKey = new Map<string, SessionRow[]>();
  for (const row of rows) {
    const key = rowKey(row.nasName, row.acctSessionId);
    byKey.set(key, [...(byKey.get(key) ?? []), row]);
  }
  const wrong: string[] = [];
  NASES.forEach((nas, n) => {
    for (let s = 0; s < SESSIONS; s++) {
      const step = acknowledged[n]![s]!;
      const found = byKey.get(rowKey(nas.name, acctSessionId(s))) ?? [];
      if (found.length > 1) wrong.push(`${nas.name} session ${s}: ${found.length} rows`);
      else if (step >= 0 && (found.length === 0 || !reflects(found[0]!, n, s, step))) {
        wrong.push(`${nas.name} session ${s}: step ${step} was acknowledged, the database has ${show(found[0])}`);
      }
    }
  });
  expect(wrong.slice(0, 20), `${wrong.length} sessions wrong`).toEqual([]);
}

/** One row per NAS and session, each with exactly the values of the session's Stop. */
function expectExactlyOnce(rows: SessionRow[]): void {
  const summary = (r: SessionRow) => ({
    nasName: r.nasName,
    nasAddress: r.nasAddress,
    nasIpAddress: r.nasIpAddress,
    acctSessionId: r.acctSessionId,
    username: r.username,
    subscriberId: r.subscriberId,
    acctSessionTime: r.acctSessionTime,
    acctInputOctets: r.acctInputOctets,
    acctOutputOctets: r.acctOutputOctets,
    closedBy: r.closedBy,
    terminateCause: r.terminateCause,
  });
  const expected = NASES.flatMap((nas, n) =>
    Array.from({ length: SESSIONS }, (_, s) => ({
      nasName: nas.name,
      nasAddress: nas.address,
      nasIpAddress: nas.nasIp,
      acctSessionId: acctSessionId(s),
      username: `user-${s}`,
      subscriberId: 1000 + s,
      acctSessionTime: sessionTime(LAST),
      acctInputOctets: inputTotal(s, LAST),
      acctOutputOctets: outputTotal(n, LAST),
      closedBy: 'stop',
      terminateCause: 'User-Request',
    })),
  );
  const order = (x: { nasName: string; acctSessionId: string }, y: { nasName: string; acctSessionId: string }) =>
    rowKey(x.nasName, x.acctSessionId).localeCompare(rowKey(y.nasName, y.acctSessionId));
  expect(rows.map(summary).sort(order)).toEqual(expected.sort(order));
}

/** The NASes took every reply they received for an answer to one of their requests. */
function expectEveryReplyMatched(burst: Burst): void {
  expect(burst.nases.map((nas) => nas.unmatched.map((reply) => reply.toString('hex')))).toEqual(NASES.map(() => []));
}

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/src/cli/main.js'))) throw new Error('run `npm run build` first: this test starts bin/radgate.js');
});

// ---- the harness can fail -------------------------------------------------------------------------------------

describe('the NAS of these tests', () => {
  it('takes a reply only by its Response Authenticator: an old reply under a reused Identifier is a duplicate, a forged one is unmatched', async () => {
    const server = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    const received: Array<{ packet: Buffer; from: RemoteInfo }> = [];
    server.on('message', (packet, from) => received.push({ packet, from }));
    const nas = await new RetryingNas(server.address().port, { sockets: 1, retryMs: 50, ids: 'reuse' }).open();
    /** RFC 2866 §3: Response Authenticator = MD5(Code ‖ ID ‖ Length ‖ Request Authenticator ‖ Attributes ‖ secret). */
    const replyTo = (req: Buffer, code = 5) => {
      const reply = Buffer.concat([Buffer.of(code, req[1]!, 0, 20), req.subarray(4, 20)]);
      createHash('md5').update(reply).update(SECRET).digest().copy(reply, 4);
      return reply;
    };
    const copies = (packet: Buffer) => received.filter((r) => r.packet.equals(packet)).length;
    try {
      const first = nas.send(request(0, 0, 0));
      await eventually(() => received.length > 0);
      const a = received[0]!;
      server.send(replyTo(a.packet), a.from.port, a.from.address);
      await first;

      const second = nas.send(request(0, 0, 1));
      await eventually(() => received.some((r) => !r.packet.equals(a.packet)));
      const b = received.find((r) => !r.packet.equals(a.packet))!;
      expect(b.packet[1]).toBe(a.packet[1]); // the Identifier was reused
      server.send(replyTo(a.packet), b.from.port, b.from.address); // a late copy of the first reply
      const forged = replyTo(b.packet);
      forged[19]! ^= 1;
      server.send(forged, b.from.port, b.from.address); // right Identifier, wrong authenticator
      server.send(replyTo(b.packet, 2), b.from.port, b.from.address); // authentic, but an Access-Accept
      await eventually(() => nas.duplicateReplies === 1 && nas.unmatched.length === 2, 10_000, 'the three replies');
      expect(nas.pending).toBe(1); // none of them answered the second request

      await eventually(() => copies(b.packet) >= 2, 10_000, 'a retransmission'); // byte-identical, same port
      server.send(replyTo(b.packet), b.from.port, b.from.address);
      expect(await second).toEqual(replyTo(b.packet));
      expect(nas.pending).toBe(0);
      expect(received.every((r) => (r.packet.equals(a.packet) || r.packet.equals(b.packet)) && r.from.port === a.from.port)).toBe(true);
    } finally {
      nas.close();
      server.close();
    }
  });
});

// ---- kill -9 --------------------------------------------------------------------------------------------------

describe(`kill -9 of radgate during a burst from ${NASES.length} NASes (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  let testDb: TestDatabase;
  let server: RadgateProcess;
  let acctPort: number;

  beforeAll(async () => {
    testDb = await freshDatabase();
    server = new RadgateProcess({
      configDir: configDir(),
      dataDir: testDb.dataDir,
      databaseUrl: testDb.databaseUrl,
      authPort: await freeUdpPort(),
      acctPort: (acctPort = await freeUdpPort()),
    });
  });

  afterAll(async () => {
    await server?.kill9();
    await testDb?.cleanup();
  });

  it('every acknowledged record is committed; after the restart and the retransmissions every record is stored exactly once', async () => {
    await server.start();
    const burst = await startBurst(acctPort);
    try {
      await burst.third;
      await server.kill9();

      // 1. Read the database with radgate dead, then see what the NASes got answered by now.
      const rows = await readSessions({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir });
      const acknowledged = burst.acknowledged.map((steps) => [...steps]);
      expect(acknowledged.flat().some((step) => step < LAST)).toBe(true); // the kill landed in the middle of the burst
      expectAcknowledgedCommitted(rows, acknowledged);

      // 2. Start again: the NASes retransmit what was not answered until it is.
      const sentBefore = transmissions(burst);
      await server.start();
      await finished(burst, 90_000, () => server.output);
      expect(transmissions(burst)).toBeGreaterThan(sentBefore);
      expectEveryReplyMatched(burst);
    } finally {
      for (const nas of burst.nases) nas.close();
    }

    // 3. Exactly once, as the CLI shows it and as the database holds it.
    const cli = server.cli(['sessions', '--all', '--limit', String(2 * TOTAL), '--json']);
    expect(cli.status, cli.stderr).toBe(0);
    const listed = JSON.parse(cli.stdout) as Array<{ nasName: string; acctSessionId: string; state: string }>;
    expect(listed).toHaveLength(NASES.length * SESSIONS);
    expect(new Set(listed.map((r) => rowKey(r.nasName, r.acctSessionId))).size).toBe(NASES.length * SESSIONS);
    expect(new Set(listed.map((r) => r.state))).toEqual(new Set(['closed: User-Request']));
    expect(await server.stop()).toBe(0);
    expectExactlyOnce(await readSessions({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir }));
  });
});

// ---- PostgreSQL crash and restart -----------------------------------------------------------------------------

const noCluster = process.env.DATABASE_URL ? privatePostgresUnavailable() : 'PostgreSQL pass only (DATABASE_URL unset)';

describe.skipIf(noCluster !== undefined)(
  `PostgreSQL crashes and restarts during a burst from ${NASES.length} NASes${noCluster ? ` (skipped: ${noCluster})` : ''}`,
  () => {
    let cluster: PrivatePostgres | undefined;
    let proxy: TcpProxy | undefined;
    let server: RadgateProcess;
    let acctPort: number;
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'radgate-test-'));

    beforeAll(async () => {
      cluster = await createPrivatePostgres();
      await cluster.start();
      const admin = postgres(cluster.url(), { max: 1, onnotice: () => {} });
      await admin.unsafe('create database radgate');
      await admin.end();
      // radgate reaches the cluster through a proxy, so that the test can look at the database after the restart
      // before radgate writes to it again (below).
      proxy = await startTcpProxy({ host: '127.0.0.1', port: cluster.port });
      server = new RadgateProcess({
        configDir: configDir(),
        dataDir,
        databaseUrl: `postgres://postgres@127.0.0.1:${proxy.port}/radgate`,
        authPort: await freeUdpPort(),
        acctPort: (acctPort = await freeUdpPort()),
      });
    });

    afterAll(async () => {
      await server?.kill9();
      await proxy?.close();
      await cluster?.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('radgate stays up; every acknowledged record survives the crash; after the retransmissions every record is stored exactly once', async () => {
      const db = cluster!;
      await server.start();
      const burst = await startBurst(acctPort);
      try {
        await burst.third;
        await db.crash();
        // Keep radgate off the database until it has been read below: its connections are refused, as by the
        // crashed server. Since the crash, radgate has committed nothing.
        await proxy!.cut();

        // The outage: every request still waiting is retransmitted several times (a couple of seconds); radgate
        // fails to record them, answers none, and keeps running.
        const sentAtCrash = transmissions(burst);
        const waiting = pending(burst);
        expect(waiting).toBeGreaterThan(0); // the crash landed in the middle of the burst
        // (Nothing left waiting would mean answers without a database: the check below reports them.)
        await eventually(() => transmissions(burst) >= sentAtCrash + 8 * waiting || pending(burst) === 0, 60_000, 'retransmissions during the outage');
        expect(server.exitCode).toBeNull();

        // 1. Restart (crash recovery from the WAL), read the database directly, then see what the NASes got answered.
        await db.start();
        const rows = await readSessions({ databaseUrl: db.url('radgate'), dataDir });
        const acknowledged = burst.acknowledged.map((steps) => [...steps]);
        expect(db.log()).toContain('database system was not properly shut down; automatic recovery in progress');
        expectAcknowledgedCommitted(rows, acknowledged);

        // 2. radgate may reach the database again; the NASes' retransmissions are answered.
        await proxy!.restore();
        await finished(burst, 90_000, () => server.output);
        expect(server.exitCode).toBeNull();
        expectEveryReplyMatched(burst);
      } finally {
        for (const nas of burst.nases) nas.close();
      }
      expect(server.output).toContain('accounting not recorded; no reply sent');

      // 3. Exactly once; and radgate, up all along, still stops cleanly.
      expectExactlyOnce(await readSessions({ databaseUrl: db.url('radgate'), dataDir }));
      expect(await server.stop(), server.output).toBe(0);
    });
  },
);
