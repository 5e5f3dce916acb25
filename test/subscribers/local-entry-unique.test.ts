/**
 * One live subscriber per router entry (the `subscribers_local_entry` index): two subscribers on one /ppp secret
 * would make enforcement switch it back and forth. The clash is a SUBSCRIBER_EXISTS naming the entry, for an add
 * and for a change of auth; the same name under the other service, on another NAS, or after the holder is deleted
 * is free. PGlite, or PostgreSQL with DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { SubscriberRecords } from '../../src/subscribers/records.js';
import { updateSubscriber } from '../../src/subscribers/table.js';
import { PasswordVault } from '../../src/subscribers/vault.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { ANY_CATALOG, newSubscriber } from '../helpers/subscribers.js';

let test: TestDatabase;
let database: DatabaseHandle;
let records: SubscriberRecords;

beforeAll(async () => {
  test = await freshDatabase();
  database = await openDatabase({ databaseUrl: test.databaseUrl, dataDir: test.dataDir, role: 'tool' });
  await database.migrate();
  records = new SubscriberRecords(database, PasswordVault.fromKey(randomBytes(32)), ANY_CATALOG);
});

afterAll(async () => {
  await database?.close();
  await test?.cleanup();
});

const local = (username: string, extra: Record<string, unknown> = {}) =>
  newSubscriber({ username, auth: 'local', localNas: 'core-1', ...extra } as never);

describe('one subscriber per router entry', () => {
  it('refuses a second subscriber on the same entry, by its name or by local_name', async () => {
    await records.add(local('ana'));
    await expect(records.add(local('ana-2', { localName: 'ana' }))).rejects.toMatchObject({
      code: 'SUBSCRIBER_EXISTS',
      message: expect.stringContaining('/ppp secret ana on core-1 belongs to another subscriber'),
    });
    await records.add(newSubscriber({ username: 'bob' }));
    await expect(records.setLocalAuth('default', 'bob', { auth: 'local', localNas: 'core-1', localName: 'ana' })).rejects.toMatchObject({
      code: 'SUBSCRIBER_EXISTS',
      message: '/ppp secret ana on core-1 belongs to another subscriber',
    });
    expect((await records.get('default', 'bob')).auth).toBe('radius'); // nothing changed
  });

  it('the same name under the other service or on another NAS is another entry; a deleted holder frees it', async () => {
    await records.add(local('ana-hs', { localName: 'ana', localService: 'hotspot' }));
    await records.add(local('ana-core2', { localName: 'ana', localNas: 'core-2' }));
    const holder = await records.get('default', 'ana');
    await updateSubscriber(database.db, holder.id, { deletedAt: new Date() });
    await records.add(local('ana-new', { localName: 'ana' }));
  });
});
