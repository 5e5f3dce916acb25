/**
 * The session store and its service against a real database (PGlite, or PostgreSQL with DATABASE_URL): the stale
 * sweep with an injected clock (also from two instances at once), group commit and its all-or-nothing failure,
 * and the indexed queries.
 */
import { sql } from 'drizzle-orm';
import { SESSIONS_CHANNEL } from '../../src/db/channels.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { parseAnnouncement, LiveSessions } from '../../src/sessions/live-sessions.js';
import {
  applySessionUpdates,
  findOpenSessionByIp,
  openSessionChangesPage,
  openSessionsOfNas,
  openSessionsOfSubscriber,
  type SessionUpdate,
} from '../../src/sessions/store.js';
import { AccountingWriter, planStatements, type AccountingRecord } from '../../src/sessions/writer.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { eventually } from '../helpers/eventually.js';
import { allSessions } from './helpers.js';

const log = createLogger({ level: 'silent' });
let testDb: TestDatabase;
let database: DatabaseHandle;
const opened: LiveSessions[] = [];

beforeAll(async () => {
  testDb = await freshDatabase();
  database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'server' });
  await database.migrate();
});

afterEach(async () => {
  for (const s of opened.splice(0)) await s.stop();
  await database.db.execute(sql`delete from sessions`);
});

afterAll(async () => {
  await database?.close();
  await testDb?.cleanup();
});

const T0 = Date.parse('2026-03-01T12:00:00Z');

function update(acctSessionId: string, overrides: Partial<SessionUpdate> = {}): SessionUpdate {
  const eventAt = overrides.eventAt ?? new Date(T0);
  return {
    status: 'Start',
    workspaceId: 'default',
    nasName: 'core-1',
    nasAddress: '10.0.0.1',
    nasIpAddress: '10.0.0.1',
    nasIdentifier: 'core-1',
    acctSessionId,
    class: `rg1:1:${acctSessionId}`,
    username: `user-${acctSessionId}`,
    subscriberId: 1,
    framedIpAddress: null,
    callingStationId: null,
    calledStationId: null,
    nasPortId: null,
    eventAt,
    startedAt: eventAt,
    interimInterval: 300,
    sessionTime: 0,
    inputOctets: 0n,
    outputOctets: 0n,
    inputPackets: 0,
    outputPackets: 0,
    terminateCause: null,
    ...overrides,
  };
}

const start = (u: SessionUpdate): AccountingRecord => ({ kind: 'session', update: u });

function service(clock: () => number, db: DatabaseHandle = database): LiveSessions {
  const s = new LiveSessions({ database: db, log, clock, staleFactor: () => 3, sweepIntervalSeconds: () => 0, resyncIntervalMs: 0 });
  opened.push(s);
  return s;
}

describe('stale sweep (injected clock)', () => {
  it('closes a session after factor × its own interim interval, at its last update', async () => {
    let now = T0;
    const s = service(() => now);
    await s.start();
    expect(await s.record(start(update('s1', { subscriberId: 11, interimInterval: 300 })))).toBe(true);
    expect(await s.record(start(update('s2', { subscriberId: 12, interimInterval: 60 })))).toBe(true);
    expect(await s.record(start(update('s3', { subscriberId: 13, interimInterval: 300, eventAt: new Date(T0 + 500_000), startedAt: new Date(T0 + 500_000) })))).toBe(true);
    expect(s.tracker.count(11)).toBe(1);

    now = T0 + 179_000;
    expect(await s.sweep()).toEqual([]);
    now = T0 + 181_000;
    expect((await s.sweep()).map((c) => c.subscriberId)).toEqual([12]);
    now = T0 + 901_000;
    expect((await s.sweep()).map((c) => c.subscriberId)).toEqual([11]);
    expect(s.tracker.count(11)).toBe(0);
    expect(s.tracker.count(13)).toBe(1);

    const rows = await allSessions(database.db);
    const s1 = rows.find((r) => r.acctSessionId === 's1')!;
    expect(s1).toMatchObject({ closedBy: 'stale', terminateCause: 'Stale-Session' });
    expect(s1.stoppedAt!.getTime()).toBe(T0); // closed at its last sign of life, not at sweep time
    expect(rows.find((r) => r.acctSessionId === 's3')!.stoppedAt).toBeNull();
  });

  it('an Interim newer than the stale close reopens the session; a Stop replaces the inferred close', async () => {
    let now = T0;
    const s = service(() => now);
    await s.start();
    await s.record(start(update('r1', { subscriberId: 21 })));
    await s.record(start(update('r2', { subscriberId: 22 })));
    now = T0 + 1000_000;
    expect(await s.sweep()).toHaveLength(2);

    // An old Interim (before the close) changes nothing; a newer one proves the session alive.
    await s.record(start(update('r1', { status: 'Interim-Update', sessionTime: 10, inputOctets: 5n, eventAt: new Date(T0 - 1000) })));
    let r1 = (await allSessions(database.db)).find((r) => r.acctSessionId === 'r1')!;
    expect(r1.closedBy).toBe('stale');
    await s.record(start(update('r1', { status: 'Interim-Update', sessionTime: 990, inputOctets: 9n, eventAt: new Date(now) })));
    r1 = (await allSessions(database.db)).find((r) => r.acctSessionId === 'r1')!;
    expect(r1).toMatchObject({ stoppedAt: null, closedBy: null, terminateCause: null, acctInputOctets: 9n, lastStatus: 'Interim-Update' });
    expect(s.tracker.count(21)).toBe(1);

    await s.record(start(update('r2', { status: 'Stop', sessionTime: 700, eventAt: new Date(T0 + 700_000), terminateCause: 'User-Request' })));
    const r2 = (await allSessions(database.db)).find((r) => r.acctSessionId === 'r2')!;
    expect(r2).toMatchObject({ closedBy: 'stop', terminateCause: 'User-Request', acctSessionTime: 700 });
    expect(r2.stoppedAt!.getTime()).toBe(T0 + 700_000);
  });

  it('is safe from several instances at once: every stale session is closed exactly once', async () => {
    let now = T0;
    const a = service(() => now);
    await a.start();
    for (let i = 0; i < 200; i++) void a.record(start(update(`m${i}`, { subscriberId: 1000 + i })));
    await eventually(async () => (await allSessions(database.db)).length === 200, 20_000, '200 sessions');
    // On PostgreSQL the second instance has its own connections, as a second radgate process would.
    const otherHandle = testDb.databaseUrl
      ? await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'server' })
      : database;
    try {
      const b = service(() => now, otherHandle);
      await b.start();
      now = T0 + 2000_000;
      const [closedA, closedB] = await Promise.all([a.sweep(), b.sweep()]);
      const ids = [...closedA, ...closedB].map((c) => c.id).sort((x, y) => x - y);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      // Each instance knows the outcome: its own closes directly, the other's through NOTIFY.
      await eventually(() => Array.from({ length: 200 }, (_, i) => a.tracker.count(1000 + i) + b.tracker.count(1000 + i)).every((n) => n === 0), 20_000);
      await b.stop();
    } finally {
      if (otherHandle !== database) await otherHandle.close();
    }
  });

  it('runs on its own timer', async () => {
    const s = new LiveSessions({ database, log, clock: () => T0 + 5000_000, staleFactor: () => 3, sweepIntervalSeconds: () => 0.05, resyncIntervalMs: 0 });
    opened.push(s);
    await applySessionUpdates(database.db, [update('t1')]);
    await s.start();
    await eventually(async () => (await allSessions(database.db))[0]?.closedBy === 'stale', 20_000, 'the timed sweep');
  });
});

describe('announcements', () => {
  it('new and closed sessions are announced in the same statement, in payloads under 8000 bytes', async () => {
    const payloads: string[] = [];
    const unlisten = await database.listen(SESSIONS_CHANNEL, (p) => payloads.push(p));
    try {
      const ids = Array.from({ length: 1000 }, (_, i) => 1_000_000_000 + i);
      await applySessionUpdates(database.db, ids.map((id, i) => update(`n${i}`, { subscriberId: id })), { announceAs: 'inst-a' });
      await eventually(() => payloads.flatMap((p) => parseAnnouncement(p)!.subscriberIds).length === 1000, 20_000, 'announcements');
      expect(payloads).toHaveLength(3); // 400 ids per NOTIFY
      for (const p of payloads) {
        expect(Buffer.byteLength(p)).toBeLessThan(8000);
        expect(parseAnnouncement(p)!.instanceId).toBe('inst-a');
      }
      expect(new Set(payloads.flatMap((p) => parseAnnouncement(p)!.subscriberIds))).toEqual(new Set(ids));

      // Interims of open sessions are not announced; their Stop is.
      payloads.length = 0;
      await applySessionUpdates(database.db, [update('n1', { subscriberId: ids[1]!, status: 'Interim-Update', sessionTime: 60 })], { announceAs: 'inst-a' });
      await applySessionUpdates(database.db, [update('n2', { subscriberId: ids[2]!, status: 'Stop', sessionTime: 60 })], { announceAs: 'inst-a' });
      await eventually(() => payloads.length > 0, 20_000, 'the Stop announcement');
      expect(payloads).toEqual([`inst-a|${ids[2]}`]);
    } finally {
      await unlisten();
    }
  });
});

describe('group commit', () => {
  it('records submitted together go into one transaction', async () => {
    const writer = new AccountingWriter({ database, log, gatherMs: 5 });
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => writer.submit(start(update(`g${i}`)))));
    expect(results.every(Boolean)).toBe(true);
    expect(writer.stats).toMatchObject({ committed: 300, transactions: 1, failed: 0 });
    expect(await allSessions(database.db)).toHaveLength(300);
    await writer.stop();
  });

  it('a batch one record of which the database refuses commits the others in order; only that one is unanswered', async () => {
    const writer = new AccountingWriter({ database, log, gatherMs: 5 });
    const reset: AccountingRecord = { kind: 'nas-reset', reset: { nasName: 'core-1', nasAddress: '10.0.0.1', eventAt: new Date(T0) } };
    // Three statements in one transaction; the last violates NOT NULL (no interim interval): the batch is split
    // (test/sessions/writer.test.ts has the rest of it).
    const results = await Promise.all([
      writer.submit(start(update('f1'))),
      writer.submit(reset),
      writer.submit(start(update('f2', { interimInterval: Number.NaN }))),
    ]);
    expect(results).toEqual([true, true, false]);
    expect(writer.stats).toMatchObject({ committed: 2, rejected: 1, failed: 0 });
    // Start then Accounting-On, in that order: the reset closed the session.
    expect((await allSessions(database.db)).map((r) => [r.acctSessionId, r.closedBy])).toEqual([['f1', 'nas-reboot']]);
    expect(await writer.submit(start(update('f3')))).toBe(true);
    await writer.stop();
  });

  it('refuses at once beyond maxQueue and after stop', async () => {
    const writer = new AccountingWriter({ database, log, maxQueue: 2, gatherMs: 50 });
    const results = await Promise.all([1, 2, 3].map((i) => writer.submit(start(update(`q${i}`)))));
    expect(results).toEqual([true, true, false]);
    await writer.stop();
    expect(await writer.submit(start(update('q4')))).toBe(false);
  });

  it('a transaction that never finishes counts as failed after commitTimeoutMs', async () => {
    const hung = { db: { transaction: () => new Promise<never>(() => {}) } } as unknown as DatabaseHandle;
    const writer = new AccountingWriter({ database: hung, log, commitTimeoutMs: 100 });
    expect(await writer.submit(start(update('h1')))).toBe(false);
  });

  it('overlaps transactions (maxInFlight) but runs a batch with a NAS reset alone', async () => {
    let active = 0;
    let maxActive = 0;
    const overlapDuringReset: number[] = [];
    const executor = {
      execute: async (query: { queryChunks?: unknown[] }) => {
        const text = JSON.stringify(query.queryChunks ?? '');
        active++;
        maxActive = Math.max(maxActive, active);
        if (text.includes('NAS-Reboot')) overlapDuringReset.push(active);
        await new Promise((r) => setTimeout(r, 30));
        active--;
        return [];
      },
    };
    const slow = { db: { ...executor, transaction: (fn: (tx: typeof executor) => Promise<unknown>) => fn(executor) } } as unknown as DatabaseHandle;
    const writer = new AccountingWriter({ database: slow, log, maxInFlight: 2, gatherMs: 1 });
    const first = writer.submit(start(update('p1')));
    await new Promise((r) => setTimeout(r, 10));
    const second = writer.submit(start(update('p2')));
    await new Promise((r) => setTimeout(r, 10));
    const reset = writer.submit({ kind: 'nas-reset', reset: { nasName: 'core-1', nasAddress: '10.0.0.1', eventAt: new Date(T0) } });
    const third = writer.submit(start(update('p3')));
    expect(await Promise.all([first, second, reset, third])).toEqual([true, true, true, true]);
    expect(maxActive).toBe(2);
    expect(overlapDuringReset).toEqual([1]);
  });

  it('plans statements: one per round of distinct sessions, NAS resets keep their place', () => {
    const a = update('a');
    const b = update('b');
    const a2 = update('a', { status: 'Interim-Update' });
    const reset: AccountingRecord = { kind: 'nas-reset', reset: { nasName: 'core-1', nasAddress: '10.0.0.1', eventAt: new Date(T0) } };
    const steps = planStatements([start(a), start(b), start(a2), reset, start(update('c'))]);
    expect(steps.map((s) => ('reset' in s ? 'reset' : s.updates.map((u) => `${u.acctSessionId}:${u.status}`).join(',')))).toEqual([
      'a:Start,b:Start',
      'a:Interim-Update',
      'reset',
      'c:Start',
    ]);
  });

  it('applies several packets of one session in one batch in arrival order', async () => {
    const writer = new AccountingWriter({ database, log, gatherMs: 5 });
    await Promise.all([
      writer.submit(start(update('o1'))),
      writer.submit(start(update('o1', { status: 'Interim-Update', sessionTime: 60, inputOctets: 10n }))),
      writer.submit(start(update('o1', { status: 'Stop', sessionTime: 90, inputOctets: 20n, terminateCause: 'User-Request' }))),
      writer.submit(start(update('o1', { status: 'Interim-Update', sessionTime: 75, inputOctets: 15n }))),
    ]);
    expect(writer.stats.transactions).toBe(1);
    const rows = await allSessions(database.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ closedBy: 'stop', acctInputOctets: 20n, acctSessionTime: 90 });
    await writer.stop();
  });
});

describe('indexed queries', () => {
  it('open sessions by IP (most recent holder), by subscriber, by NAS', async () => {
    await applySessionUpdates(database.db, [
      update('i1', { subscriberId: 7, framedIpAddress: '100.64.0.1', eventAt: new Date(T0) }),
      update('i2', { subscriberId: 8, framedIpAddress: '100.64.0.1', eventAt: new Date(T0 + 60_000), nasName: 'core-2', nasAddress: '10.0.0.2' }),
      update('i3', { subscriberId: 7, framedIpAddress: '100.64.0.3', eventAt: new Date(T0) }),
      update('i4', { subscriberId: 7, framedIpAddress: '100.64.0.4', status: 'Stop', terminateCause: 'User-Request' }),
    ]);
    expect(await findOpenSessionByIp(database.db, '100.64.0.1')).toEqual({
      sessionId: expect.any(Number),
      subscriberId: 8,
      workspaceId: 'default',
      nasName: 'core-2',
      username: 'user-i2',
    });
    expect(await findOpenSessionByIp(database.db, '100.64.0.4')).toBeUndefined();
    expect((await openSessionsOfSubscriber(database.db, 7)).map((r) => r.acctSessionId).sort()).toEqual(['i1', 'i3']);
    expect((await openSessionsOfNas(database.db, 'core-1')).map((r) => r.acctSessionId).sort()).toEqual(['i1', 'i3']);
    expect((await openSessionsOfNas(database.db, 'core-2', '10.0.0.2')).map((r) => r.acctSessionId)).toEqual(['i2']);
  });

  it('open sessions in pages that end on a whole subscriber, and the tracker re-read from them', async () => {
    // Subscribers 1, 2, 3 with 2 open sessions each, 4 with a closed one only.
    await applySessionUpdates(database.db, [1, 2, 3].flatMap((id) => [update(`p${id}a`, { subscriberId: id }), update(`p${id}b`, { subscriberId: id })]));
    await applySessionUpdates(database.db, [update('p4', { subscriberId: 4, status: 'Stop', terminateCause: 'User-Request' })]);
    const ids = (rows: Array<{ subscriberId: number | null }>) => rows.map((r) => r.subscriberId);
    const first = await openSessionChangesPage(database.db, 0, 3);
    expect([ids(first.rows), first.last]).toEqual([[1, 1], 1]); // subscriber 2's first row waits for the next page
    const second = await openSessionChangesPage(database.db, 1, 3);
    expect([ids(second.rows), second.last]).toEqual([[2, 2], 2]);
    const third = await openSessionChangesPage(database.db, 2, 3);
    expect([ids(third.rows), third.last]).toEqual([[3, 3], undefined]);
    const single = await openSessionChangesPage(database.db, 0, 1); // a page of one subscriber's rows is kept whole
    expect([ids(single.rows), single.last]).toEqual([[1], 1]);

    const live = new LiveSessions({ database, log, clock: () => T0, staleFactor: () => 3, sweepIntervalSeconds: () => 0, resyncIntervalMs: 0 });
    opened.push(live);
    await live.start();
    expect([1, 2, 3, 4].map((id) => live.openSessions(id))).toEqual([2, 2, 2, 0]);
    await database.db.execute(sql`update sessions set stopped_at = now() where subscriber_id = 2`);
    await live.resync();
    expect([1, 2, 3, 4].map((id) => live.openSessions(id))).toEqual([2, 0, 2, 0]);
  });

  it('each of those queries uses its partial index on open sessions', async () => {
    // Enough sessions (half of them closed) for the planner to prefer an index over reading the table.
    for (let batch = 0; batch < 4; batch++) {
      await applySessionUpdates(database.db, Array.from({ length: 1000 }, (_, j) => {
        const i = batch * 1000 + j;
        return update(`x${i}`, {
          subscriberId: i,
          framedIpAddress: `100.65.${i >> 8}.${i & 255}`,
          nasName: `core-${i % 20}`,
          status: i % 2 === 0 ? 'Start' : 'Stop',
          terminateCause: 'User-Request',
        });
      }));
    }
    await database.db.execute(sql`analyze sessions`);
    const explain = async (query: ReturnType<typeof sql>) => {
      const result = await database.db.execute(sql`explain ${query}`);
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<Record<string, string>>;
      return rows.map((r) => Object.values(r)[0]).join('\n');
    };
    expect(await explain(sql`select * from sessions where framed_ip_address = '100.65.1.10' and stopped_at is null`)).toContain('sessions_open_ip');
    expect(await explain(sql`select * from sessions where subscriber_id = 10 and stopped_at is null`)).toContain('sessions_open_subscriber');
    expect(await explain(sql`select * from sessions where nas_name = 'core-4' and stopped_at is null`)).toContain('sessions_open_nas');
  });
});
