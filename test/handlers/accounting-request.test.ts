/**
 * Accounting through real peers: radclient (Debian freeradius-utils) and hand-built packets from a second NAS
 * address. Every outcome is checked in the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenSessionByIp } from '../../src/sessions/store.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { accountingRequest, attr, UdpPeer, replyAttributes, verifyReply } from '../helpers/udp.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { accountingPacket, acct, allSessions, login } from '../sessions/helpers.js';

let t: TestRadgate;
let authPort: number;
let acctPort: number;
let ids: Map<string, number>;

const OTHER_NAS = `
  - name: other
    address: 127.0.0.2
    secret: other-secret
    workspace: default
`;

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'nas.yaml': (text) => text + OTHER_NAS } });
  ({ auth: authPort, acct: acctPort } = t.radgate.ports);
  ids = await addSubscribers(t, [
    { username: 'alice', plan: 'home-10' },
    { username: 'bob', plan: 'home-10' },
    { username: 'carol', plan: 'business-50' },
    { username: 'frank', plan: 'home-10' },
    { username: 'gina', plan: 'home-10' },
  ]);
});

afterAll(async () => {
  await t?.stop();
});

const db = () => t.radgate.database.db;
const rowsOf = async (acctSessionId: string) => (await allSessions(db())).filter((r) => r.acctSessionId === acctSessionId);

describe('Start → Interim-Update → Stop (radclient)', () => {
  it('records the session, counts gigawords, closes it with the terminate cause', async () => {
    const accept = await login(authPort, 'alice');
    expect(accept.code).toBe('Access-Accept');
    const classHex = accept.attributes['Class']![0]!;
    const base = {
      'User-Name': 'alice',
      'Acct-Session-Id': '81a00001',
      'NAS-IP-Address': '10.0.0.1',
      'NAS-Identifier': 'core-1',
      'NAS-Port-Id': 'ether5',
      'Calling-Station-Id': 'AA:BB:CC:00:00:01',
      'Called-Station-Id': 'pppoe-in',
      'Framed-IP-Address': '100.64.0.10',
      Class: classHex,
    };

    const beforeStart = Date.now();
    const start = await acct(acctPort, { ...base, 'Acct-Status-Type': 'Start', 'Acct-Delay-Time': 5, 'Acct-Authentic': 'RADIUS' });
    const afterStart = Date.now();
    expect(start.code).toBe('Accounting-Response');
    let [row] = await rowsOf('81a00001');
    expect(row).toMatchObject({
      username: 'alice',
      subscriberId: ids.get('alice'),
      workspaceId: 'default',
      nasName: 'local',
      nasAddress: '127.0.0.1',
      nasIpAddress: '10.0.0.1',
      nasIdentifier: 'core-1',
      nasPortId: 'ether5',
      callingStationId: 'AA:BB:CC:00:00:01',
      calledStationId: 'pppoe-in',
      framedIpAddress: '100.64.0.10',
      stoppedAt: null,
      lastStatus: 'Start',
      interimInterval: 300,
      acctInputOctets: 0n,
    });
    expect(row!.class).toMatch(new RegExp(`^rg1:${ids.get('alice')}:[0-9a-f]{16}$`));
    // RFC 2866 §5.2: the event happened Acct-Delay-Time seconds before it arrived.
    expect(row!.startedAt.getTime()).toBeGreaterThanOrEqual(beforeStart - 5000 - 1000);
    expect(row!.startedAt.getTime()).toBeLessThanOrEqual(afterStart - 5000 + 1000);

    const interim = await acct(acctPort, {
      ...base,
      'Acct-Status-Type': 'Interim-Update',
      'Acct-Session-Time': 600,
      'Acct-Input-Octets': 1000,
      'Acct-Input-Gigawords': 2,
      'Acct-Output-Octets': 4294967295,
      'Acct-Output-Gigawords': 1,
      'Acct-Input-Packets': 70,
      'Acct-Output-Packets': 90,
      'Framed-IP-Address': '100.64.0.11',
    });
    expect(interim.code).toBe('Accounting-Response');
    [row] = await rowsOf('81a00001');
    expect(row).toMatchObject({
      lastStatus: 'Interim-Update',
      acctSessionTime: 600,
      acctInputOctets: 2n * 2n ** 32n + 1000n,
      acctOutputOctets: 2n ** 32n + 4294967295n,
      acctInputPackets: 70,
      acctOutputPackets: 90,
      framedIpAddress: '100.64.0.11',
      stoppedAt: null,
    });
    expect((await findOpenSessionByIp(db(), '100.64.0.11'))?.subscriberId).toBe(ids.get('alice'));

    const beforeStop = Date.now();
    const stop = await acct(acctPort, {
      ...base,
      'Acct-Status-Type': 'Stop',
      'Acct-Session-Time': 1200,
      'Acct-Input-Octets': 5000,
      'Acct-Input-Gigawords': 2,
      'Acct-Output-Octets': 10,
      'Acct-Output-Gigawords': 3,
      'Acct-Terminate-Cause': 'User-Request',
    });
    expect(stop.code).toBe('Accounting-Response');
    [row] = await rowsOf('81a00001');
    expect(row).toMatchObject({
      lastStatus: 'Stop',
      closedBy: 'stop',
      terminateCause: 'User-Request',
      acctSessionTime: 1200,
      acctInputOctets: 2n * 2n ** 32n + 5000n,
      acctOutputOctets: 3n * 2n ** 32n + 10n,
    });
    expect(row!.stoppedAt!.getTime()).toBeGreaterThanOrEqual(beforeStop - 1000);
    expect(await findOpenSessionByIp(db(), '100.64.0.11')).toBeUndefined();
    expect(await rowsOf('81a00001')).toHaveLength(1);
  });
});

describe('Accounting-On / Accounting-Off', () => {
  it('closes every open session of that NAS (NAS-Reboot), and only of that NAS', async () => {
    for (const [user, session] of [['bob', 'b0000001'], ['carol', 'c0000001'], ['carol', 'c0000002']] as const) {
      expect((await acct(acctPort, { 'User-Name': user, 'Acct-Session-Id': session, 'Acct-Status-Type': 'Start' })).code).toBe('Accounting-Response');
    }
    // The same user on another router (hand-built packets from 127.0.0.2, its own secret).
    const peer = await new UdpPeer().open('127.0.0.2');
    try {
      const reply = await peer.request(
        accountingPacket(7, { 'User-Name': 'bob', 'Acct-Session-Id': 'b0000001', 'Acct-Status-Type': 1 }, 'other-secret'),
        acctPort,
        5000,
      );
      expect(reply?.[0]).toBe(5);

      const on = await acct(acctPort, { 'Acct-Status-Type': 'Accounting-On', 'NAS-IP-Address': '10.0.0.1', 'Acct-Session-Id': '00000000' });
      expect(on.code).toBe('Accounting-Response');
      const rows = (await allSessions(db())).filter((r) => ['b0000001', 'c0000001', 'c0000002'].includes(r.acctSessionId));
      expect(rows.filter((r) => r.nasName === 'local').map((r) => [r.acctSessionId, r.closedBy, r.terminateCause])).toEqual([
        ['b0000001', 'nas-reboot', 'NAS-Reboot'],
        ['c0000001', 'nas-reboot', 'NAS-Reboot'],
        ['c0000002', 'nas-reboot', 'NAS-Reboot'],
      ]);
      expect(rows.filter((r) => r.nasName === 'other').map((r) => [r.acctSessionId, r.stoppedAt])).toEqual([['b0000001', null]]);

      // Accounting-Off from the other router closes its sessions too.
      const off = await peer.request(accountingPacket(8, { 'Acct-Status-Type': 8, 'Acct-Session-Id': '0' }, 'other-secret'), acctPort, 5000);
      expect(off?.[0]).toBe(5);
      const [other] = (await allSessions(db())).filter((r) => r.nasName === 'other');
      expect(other).toMatchObject({ closedBy: 'nas-reboot', terminateCause: 'NAS-Reboot' });
    } finally {
      peer.close();
    }
  });

  it('a late (delayed) Accounting-On does not close sessions that started after it', async () => {
    expect((await acct(acctPort, { 'User-Name': 'bob', 'Acct-Session-Id': 'b0000010', 'Acct-Status-Type': 'Start', 'Acct-Delay-Time': 60 })).code).toBe('Accounting-Response');
    expect((await acct(acctPort, { 'User-Name': 'bob', 'Acct-Session-Id': 'b0000011', 'Acct-Status-Type': 'Start' })).code).toBe('Accounting-Response');
    // The router rebooted 30 s ago; this Accounting-On was delayed. b0000010 (60 s old) predates it, b0000011 not.
    expect((await acct(acctPort, { 'Acct-Status-Type': 'Accounting-On', 'Acct-Delay-Time': 30, 'Acct-Session-Id': '0' })).code).toBe('Accounting-Response');
    const [before] = await rowsOf('b0000010');
    const [after] = await rowsOf('b0000011');
    expect(before).toMatchObject({ closedBy: 'nas-reboot' });
    expect(after).toMatchObject({ stoppedAt: null });
  });
});

describe('real-world disorder', () => {
  const session = (id: string, extra: Record<string, string | number> = {}) => ({ 'User-Name': 'bob', 'Acct-Session-Id': id, ...extra });

  it('an Interim for a session radgate never saw Start for creates it; the late Start does not duplicate it', async () => {
    const before = Date.now();
    expect((await acct(acctPort, session('d0000001', { 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 3600, 'Acct-Input-Octets': 42, 'Framed-IP-Address': '100.64.1.1' }))).code).toBe('Accounting-Response');
    let rows = await rowsOf('d0000001');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ lastStatus: 'Interim-Update', stoppedAt: null, acctInputOctets: 42n, subscriberId: ids.get('bob') });
    // Started ≈ an hour ago (event time − Acct-Session-Time).
    expect(Math.abs(rows[0]!.startedAt.getTime() - (before - 3600_000))).toBeLessThan(5000);

    expect((await acct(acctPort, session('d0000001', { 'Acct-Status-Type': 'Start', 'Acct-Delay-Time': 3590 }))).code).toBe('Accounting-Response');
    expect((await acct(acctPort, session('d0000001', { 'Acct-Status-Type': 'Start', 'Acct-Delay-Time': 3590 }))).code).toBe('Accounting-Response');
    rows = await rowsOf('d0000001');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ lastStatus: 'Interim-Update', acctInputOctets: 42n, stoppedAt: null });
  });

  it('counters never go backwards; the IP follows the latest packet, not the last to arrive', async () => {
    await acct(acctPort, session('d0000002', { 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '100.64.2.1' }));
    await acct(acctPort, session('d0000002', { 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 600, 'Acct-Input-Octets': 9000, 'Acct-Output-Octets': 8000, 'Framed-IP-Address': '100.64.2.2' }));
    // An older Interim arriving late.
    await acct(acctPort, session('d0000002', { 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 300, 'Acct-Input-Octets': 4000, 'Acct-Output-Octets': 9999, 'Framed-IP-Address': '100.64.2.1' }));
    const [row] = await rowsOf('d0000002');
    expect(row).toMatchObject({ acctSessionTime: 600, acctInputOctets: 9000n, acctOutputOctets: 9999n, framedIpAddress: '100.64.2.2' });
  });

  it('a Stop followed by a late Interim or Start does not reopen the session', async () => {
    await acct(acctPort, session('d0000003', { 'Acct-Status-Type': 'Start' }));
    await acct(acctPort, session('d0000003', { 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 900, 'Acct-Input-Octets': 7777, 'Acct-Terminate-Cause': 'Lost-Carrier' }));
    await acct(acctPort, session('d0000003', { 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 600, 'Acct-Input-Octets': 5000 }));
    await acct(acctPort, session('d0000003', { 'Acct-Status-Type': 'Start' }));
    const rows = await rowsOf('d0000003');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ closedBy: 'stop', terminateCause: 'Lost-Carrier', acctSessionTime: 900, acctInputOctets: 7777n, lastStatus: 'Stop' });
  });

  it('a Stop for an unknown session records it, closed', async () => {
    await acct(acctPort, session('d0000004', { 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 120, 'Acct-Output-Octets': 99, 'Acct-Terminate-Cause': 'Idle-Timeout' }));
    const rows = await rowsOf('d0000004');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ closedBy: 'stop', terminateCause: 'Idle-Timeout', acctOutputOctets: 99n });
    expect(rows[0]!.stoppedAt!.getTime() - rows[0]!.startedAt.getTime()).toBe(120_000);
  });

  it('a packet without Class joins the open session that has one', async () => {
    const accept = await login(authPort, 'frank');
    await acct(acctPort, session('d0000005', { 'User-Name': 'frank', 'Acct-Status-Type': 'Start', Class: accept.attributes['Class']![0]! }));
    await acct(acctPort, session('d0000005', { 'User-Name': 'frank', 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 60, 'Acct-Input-Octets': 1 }));
    const rows = await rowsOf('d0000005');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ acctInputOctets: 1n, lastStatus: 'Interim-Update' });
    expect(rows[0]!.class).toMatch(/^rg1:/);
  });

  it('the same Acct-Session-Id after a reboot, with a new Class, is a new session', async () => {
    const first = await login(authPort, 'gina');
    await acct(acctPort, session('d0000006', { 'User-Name': 'gina', 'Acct-Status-Type': 'Start', Class: first.attributes['Class']![0]! }));
    await acct(acctPort, session('d0000006', { 'User-Name': 'gina', 'Acct-Status-Type': 'Stop', Class: first.attributes['Class']![0]!, 'Acct-Session-Time': 10 }));
    const second = await login(authPort, 'gina');
    await acct(acctPort, session('d0000006', { 'User-Name': 'gina', 'Acct-Status-Type': 'Start', Class: second.attributes['Class']![0]! }));
    const rows = await rowsOf('d0000006');
    expect(rows.map((r) => r.stoppedAt === null)).toEqual([false, true]);
  });
});

describe('the wire', () => {
  it('a retransmitted Accounting-Request gets the byte-identical response and is applied once', async () => {
    const peer = await new UdpPeer().open();
    try {
      const packet = accountingPacket(42, { 'User-Name': 'bob', 'Acct-Session-Id': 'e0000001', 'Acct-Status-Type': 1, 'Proxy-State': 'proxy-1' });
      const committedBefore = t.radgate.sessions.writer.stats.committed;
      const resentBefore = t.radgate.radius.stats.duplicatesResent;
      const first = await peer.request(packet, acctPort, 5000);
      const second = await peer.request(packet, acctPort, 5000);
      expect(first).toBeDefined();
      expect(second).toEqual(first);
      expect(verifyReply(first!, packet.subarray(4, 20), 'testing123').authenticatorOk).toBe(true);
      // RFC 2865 §5.33: Proxy-State comes back unmodified.
      expect(replyAttributes(first!).filter(([type]) => type === 33).map(([, v]) => v.toString())).toEqual(['proxy-1']);
      expect(t.radgate.radius.stats.duplicatesResent).toBe(resentBefore + 1);
      expect(t.radgate.sessions.writer.stats.committed).toBe(committedBefore + 1);
      expect(await rowsOf('e0000001')).toHaveLength(1);
    } finally {
      peer.close();
    }
  });

  it('radclient retransmissions of an unanswered request are answered once recorded', async () => {
    // radclient -r retries the same bytes; the first copy is answered, the duplicate cache answers the rest.
    const r = await acct(acctPort, { 'User-Name': 'bob', 'Acct-Session-Id': 'e0000002', 'Acct-Status-Type': 'Start' }, ['-r', '3']);
    expect(r.code).toBe('Accounting-Response');
    expect(await rowsOf('e0000002')).toHaveLength(1);
  });

  it('no Acct-Session-Id: dropped (nothing to record); a wrong secret: dropped; Failed: acknowledged, nothing kept', async () => {
    const count = (await allSessions(db())).length;
    const dropped = t.radgate.radius.stats.dropped;
    const missingSession = dropped['missing-acct-session-id'];
    const peer = await new UdpPeer().open();
    try {
      expect(await peer.request(accountingPacket(50, { 'User-Name': 'bob', 'Acct-Status-Type': 1 }), acctPort, 1500)).toBeUndefined();
      expect(dropped['missing-acct-session-id']).toBe(missingSession + 1);
      expect(await peer.request(accountingPacket(51, { 'User-Name': 'bob', 'Acct-Session-Id': 'f1', 'Acct-Status-Type': 1 }, 'wrong'), acctPort, 1500)).toBeUndefined();
      const failed = await peer.request(accountingPacket(52, { 'User-Name': 'bob', 'Acct-Session-Id': 'f2', 'Acct-Status-Type': 15 }), acctPort, 5000);
      expect(failed?.[0]).toBe(5);
    } finally {
      peer.close();
    }
    expect(await allSessions(db())).toHaveLength(count);
  });

  it('Acct-Status-Type (RFC 2866 §5.1): missing or unknown dropped and counted; defined but unused acknowledged as ignored', async () => {
    const count = (await allSessions(db())).length;
    const dropped = t.radgate.radius.stats.dropped;
    const ignored = async () => {
      const { values } = await t.radgate.metrics.requests.get();
      return values.find((v) => v.labels.code === 'Accounting-Request' && v.labels.outcome === 'ignored')?.value ?? 0;
    };
    const before = { missing: dropped['missing-acct-status-type'], unknown: dropped['unknown-acct-status-type'], ignored: await ignored() };
    const status = (value: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(value);
      return attr(40, b);
    };
    const request = (id: number, ...statuses: Buffer[]) =>
      accountingRequest({ id, secret: 'testing123', attributes: [attr(1, 'bob'), attr(44, `g${id}`), ...statuses] });
    const peer = await new UdpPeer().open();
    try {
      // RFC 2866 §5.13: exactly one Acct-Status-Type. None: nothing says what the record is.
      expect(await peer.request(request(60), acctPort, 1500)).toBeUndefined();
      expect(dropped['missing-acct-status-type']).toBe(before.missing + 1);
      // Values RFC 2866 §5.1 does not define, and two values at once: which status it is, is unknown.
      expect(await peer.request(request(61, status(4)), acctPort, 1500)).toBeUndefined();
      expect(await peer.request(request(62, status(16)), acctPort, 1500)).toBeUndefined();
      expect(await peer.request(request(63, status(1), status(2)), acctPort, 1500)).toBeUndefined();
      expect(dropped['unknown-acct-status-type']).toBe(before.unknown + 3);
      // Tunnel-Start (RFC 2867 §4.1) and Failed (15): defined, of no use to radgate, acknowledged so the NAS stops.
      for (const [id, value] of [[64, 9], [65, 14], [66, 15]] as const) {
        expect((await peer.request(request(id, status(value)), acctPort, 5000))?.[0]).toBe(5);
      }
    } finally {
      peer.close();
    }
    expect(await allSessions(db())).toHaveLength(count);
    const metrics = await t.radgate.metrics.registry.getSingleMetricAsString('radgate_radius_dropped_total');
    expect(metrics).toContain('radgate_radius_dropped_total{nas="local",reason="missing-acct-status-type"} 1');
    expect(metrics).toContain('radgate_radius_dropped_total{nas="local",reason="unknown-acct-status-type"} 3');
    expect(await ignored()).toBe(before.ignored + 3);
  });
});
