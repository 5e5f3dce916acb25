/**
 * Simultaneous use (plans.yaml max_sessions) enforced at Access-Request against open sessions, through radclient:
 * the limit holds, a Stop frees the slot, a stale session never locks anyone out, and sessions recorded by another
 * radgate instance count too.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { LiveSessions } from '../../src/sessions/live-sessions.js';
import type { SessionUpdate } from '../../src/sessions/store.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { acct, login } from '../sessions/helpers.js';

let t: TestRadgate;
let authPort: number;
let acctPort: number;
let ids: Map<string, number>;

beforeAll(async () => {
  t = await startTestRadgate();
  ({ auth: authPort, acct: acctPort } = t.radgate.ports);
  ids = await addSubscribers(t, [
    { username: 'alice', plan: 'home-10' },
    { username: 'bob', plan: 'home-10' },
    { username: 'carol', plan: 'business-50' },
    { username: 'dave', plan: 'home-10' },
    { username: 'erin', plan: 'home-10' },
  ]);
});

afterAll(async () => {
  await t?.stop();
});

const ALREADY = /^Already connected: at most (\d) session\(s\) allowed for your plan$/;

describe('simultaneous-use limit (radclient)', () => {
  it('max_sessions 1: a second login is refused while the first session is open, allowed after its Stop', async () => {
    const first = await login(authPort, 'alice');
    expect(first.code).toBe('Access-Accept');
    const session = { 'User-Name': 'alice', 'Acct-Session-Id': 'a1', Class: first.attributes['Class']![0]! };
    expect((await acct(acctPort, { ...session, 'Acct-Status-Type': 'Start' })).code).toBe('Accounting-Response');

    const second = await login(authPort, 'alice');
    expect(second.code).toBe('Access-Reject');
    expect(second.attributes['Reply-Message']?.[0]).toMatch(ALREADY);
    expect(t.logs.some((l) => l.user === 'alice' && typeof l.reason === 'string' && l.reason.startsWith('simultaneous-use'))).toBe(true);

    expect((await acct(acctPort, { ...session, 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 30 })).code).toBe('Accounting-Response');
    expect((await login(authPort, 'alice')).code).toBe('Access-Accept');
  });

  it('max_sessions 2 allows two sessions and refuses the third', async () => {
    for (const id of ['c1', 'c2']) {
      expect((await login(authPort, 'carol')).code).toBe('Access-Accept');
      await acct(acctPort, { 'User-Name': 'carol', 'Acct-Session-Id': id, 'Acct-Status-Type': 'Start' });
    }
    const third = await login(authPort, 'carol');
    expect(third.code).toBe('Access-Reject');
    expect(third.attributes['Reply-Message']?.[0]).toMatch(/at most 2 session/);
  });

  it('a stale session (no accounting for 3 × the interim interval) does not lock the subscriber out', async () => {
    // A Start delayed by an hour: the session's last word is an hour old, beyond 3 × 300 s.
    expect((await acct(acctPort, { 'User-Name': 'bob', 'Acct-Session-Id': 'b1', 'Acct-Status-Type': 'Start', 'Acct-Delay-Time': 3600 })).code).toBe(
      'Accounting-Response',
    );
    const open = await t.radgate.database.db.execute(sql`select count(*)::int as n from sessions where username = 'bob' and stopped_at is null`);
    const rows = (Array.isArray(open) ? open : (open as { rows: unknown[] }).rows) as Array<{ n: number }>;
    expect(rows[0]!.n).toBe(1); // still open in the database until the sweep runs
    expect(t.radgate.sessions.tracker.count(ids.get('bob')!)).toBe(0);
    expect((await login(authPort, 'bob')).code).toBe('Access-Accept');

    // A fresh Interim proves it alive again: now it counts.
    await acct(acctPort, { 'User-Name': 'bob', 'Acct-Session-Id': 'b1', 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 3600 });
    expect((await login(authPort, 'bob')).code).toBe('Access-Reject');
  });

  it('sessions recorded by another radgate instance count (NOTIFY), and so does their Stop', async () => {
    const other = new LiveSessions({
      database: t.radgate.database,
      log: createLogger({ level: 'silent' }),
      staleFactor: () => 3,
      sweepIntervalSeconds: () => 0,
      resyncIntervalMs: 0,
    });
    await other.start();
    try {
      const dave = ids.get('dave')!;
      const update = (status: SessionUpdate['status']): SessionUpdate => ({
        status,
        workspaceId: 'default',
        nasName: 'local',
        nasAddress: '127.0.0.1',
        nasIpAddress: null,
        nasIdentifier: null,
        acctSessionId: 'd1',
        class: '',
        username: 'dave',
        subscriberId: dave,
        framedIpAddress: '100.64.9.9',
        callingStationId: null,
        calledStationId: null,
        nasPortId: null,
        eventAt: new Date(),
        startedAt: new Date(),
        interimInterval: 300,
        sessionTime: 0,
        inputOctets: 0n,
        outputOctets: 0n,
        inputPackets: 0,
        outputPackets: 0,
        terminateCause: status === 'Stop' ? 'User-Request' : null,
      });
      expect(await other.record({ kind: 'session', update: update('Start') })).toBe(true);
      await eventually(() => t.radgate.sessions.tracker.count(dave) === 1, 20_000, 'the notification from the other instance');
      expect((await login(authPort, 'dave')).code).toBe('Access-Reject');

      expect(await other.record({ kind: 'session', update: update('Stop') })).toBe(true);
      await eventually(() => t.radgate.sessions.tracker.count(dave) === 0, 20_000, 'the Stop from the other instance');
      expect((await login(authPort, 'dave')).code).toBe('Access-Accept');
    } finally {
      await other.stop();
    }
  });

  it('the periodic re-read picks up sessions written without any notification', async () => {
    const erin = ids.get('erin')!;
    await t.radgate.database.db.execute(sql`
      insert into sessions (workspace_id, nas_name, nas_address, acct_session_id, username, subscriber_id, started_at,
        last_seen, last_status, interim_interval)
      values ('default', 'local', '127.0.0.1', 'e1', 'erin', ${erin}, now(), now(), 'Start', 300)`);
    expect(t.radgate.sessions.tracker.count(erin)).toBe(0);
    await t.radgate.sessions.resync();
    expect(t.radgate.sessions.tracker.count(erin)).toBe(1);
    expect((await login(authPort, 'erin')).code).toBe('Access-Reject');
  });
});
