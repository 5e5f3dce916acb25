/**
 * The IPv6 holder lookup of src/sessions/store.ts on PGlite or PostgreSQL: `inet >>=` containment over the stored
 * canonical prefixes, open sessions only, most recently updated first, IPv6 columns following the accounting merge
 * rule, and the partial index `sessions_open_ipv6` serving the query among thousands of IPv4-only sessions.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { applySessionUpdates, findOpenSessionByIpv6, openSessionByIpv6Query, type SessionUpdate } from '../../src/sessions/store.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { allSessions } from './helpers.js';

let testDb: TestDatabase;
let database: DatabaseHandle;

beforeAll(async () => {
  testDb = await freshDatabase();
  database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'server' });
  await database.migrate();
}, 120_000);

afterAll(async () => {
  await database?.close();
  await testDb?.cleanup();
});

const T0 = new Date('2026-01-01T00:00:00Z');

function update(acctSessionId: string, overrides: Partial<SessionUpdate> = {}): SessionUpdate {
  return {
    status: 'Start', workspaceId: 'default', nasName: 'core-1', nasAddress: '10.0.0.1', nasIpAddress: null, nasIdentifier: null,
    acctSessionId, class: '', username: `u-${acctSessionId}`, subscriberId: null, framedIpAddress: null, callingStationId: null,
    calledStationId: null, nasPortId: null, eventAt: T0, startedAt: T0, interimInterval: 300, sessionTime: 0, inputOctets: 0n,
    outputOctets: 0n, inputPackets: 0, outputPackets: 0, terminateCause: null, ...overrides,
  };
}

describe('findOpenSessionByIpv6', () => {
  it('finds the open session whose framed or delegated prefix contains the address; the latest update wins', async () => {
    await applySessionUpdates(database.db, [
      update('a', { subscriberId: 1, framedIpv6Prefix: '2001:db8:1::/64', delegatedIpv6Prefix: '2001:db8:ff00:100::/56' }),
      update('b', { subscriberId: 2, delegatedIpv6Prefix: '2001:db8:ff00:100::/56', eventAt: new Date(T0.getTime() + 60_000) }),
      update('c', { subscriberId: 3, framedIpv6Prefix: '2001:db8:3::/64', status: 'Stop', terminateCause: 'User-Request' }),
    ]);
    const db = database.db;
    expect((await findOpenSessionByIpv6(db, '2001:db8:1::1234'))?.subscriberId).toBe(1);
    expect((await findOpenSessionByIpv6(db, '2001:db8:ff00:1ff::1'))?.subscriberId).toBe(2);
    // A closed session holds nothing; outside every prefix, nobody.
    expect(await findOpenSessionByIpv6(db, '2001:db8:3::1')).toBeUndefined();
    expect(await findOpenSessionByIpv6(db, '2001:db8:ff00:200::1')).toBeUndefined();
  });

  it('the IPv6 columns follow the packet with the longest Acct-Session-Time, and an update without them keeps them', async () => {
    await applySessionUpdates(database.db, [update('m', { framedIpv6Prefix: '2001:db8:10::/64', framedInterfaceId: '0000:0000:0000:0001' })]);
    await applySessionUpdates(database.db, [update('m', { status: 'Interim-Update', sessionTime: 60 })]);
    await applySessionUpdates(database.db, [update('m', { status: 'Interim-Update', sessionTime: 120, framedIpv6Prefix: '2001:db8:11::/64' })]);
    // A late packet (shorter session time) does not move it back.
    await applySessionUpdates(database.db, [update('m', { status: 'Interim-Update', sessionTime: 30, framedIpv6Prefix: '2001:db8:10::/64' })]);
    const row = (await allSessions(database.db)).find((r) => r.acctSessionId === 'm');
    expect(row).toMatchObject({ framedIpv6Prefix: '2001:db8:11::/64', framedInterfaceId: '0000:0000:0000:0001', delegatedIpv6Prefix: null });
  });

  it('is served by the partial index sessions_open_ipv6', async () => {
    for (let batch = 0; batch < 4; batch++) {
      await applySessionUpdates(database.db, Array.from({ length: 1000 }, (_, j) => {
        const i = batch * 1000 + j;
        return update(`x${i}`, { subscriberId: 100 + i, framedIpAddress: `100.65.${i >> 8}.${i & 255}` });
      }));
    }
    await database.db.execute(sql`analyze sessions`);
    const result = await database.db.execute(sql`explain ${openSessionByIpv6Query('2001:db8:1::1')}`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<Record<string, string>>;
    expect(rows.map((r) => Object.values(r)[0]).join('\n')).toContain('sessions_open_ipv6');
  });
});
