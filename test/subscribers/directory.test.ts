/**
 * The in-memory subscriber directory (src/subscribers/directory.ts): what it holds is what the table holds — the NT
 * hash (in its slab, derived once from the password or taken as stored), the password only encrypted (decrypted at
 * each read) — through a load, changes, deletions (whose slots are reused without touching anyone else's) and
 * re-reads that do not change the credential. PGlite, or PostgreSQL with DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { ntPasswordHash } from '../../src/radius/auth/mschap.js';
import { SubscriberDirectory } from '../../src/subscribers/directory.js';
import { SubscriberRecords } from '../../src/subscribers/records.js';
import { updateSubscriber } from '../../src/subscribers/table.js';
import { PasswordVault } from '../../src/subscribers/vault.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { ANY_CATALOG, newSubscriber } from '../helpers/subscribers.js';

const silent = createLogger({ level: 'silent' });
const vault = PasswordVault.fromKey(randomBytes(32));
let test: TestDatabase;
let database: DatabaseHandle;
let records: SubscriberRecords;
let directory: SubscriberDirectory;

beforeAll(async () => {
  test = await freshDatabase();
  database = await openDatabase({ databaseUrl: test.databaseUrl, dataDir: test.dataDir, role: 'tool' });
  await database.migrate();
  records = new SubscriberRecords(database, vault, ANY_CATALOG);
  for (let i = 0; i < 50; i++) await records.add(newSubscriber({ username: `u${i}`, password: `pw-${i}` }));
  await records.add(newSubscriber({ username: 'hashed', ntHash: ntPasswordHash('only-the-hash').toString('hex') }));
  directory = new SubscriberDirectory({ database, vault, log: silent, pollIntervalMs: 60_000, loadPageSize: 7 });
  await directory.start();
});

afterAll(async () => {
  await directory?.stop();
  await database?.close();
  await test?.cleanup();
});

/** Every subscriber as the directory holds it, checked against its known password. */
function expectHolds(passwords: Map<string, string>): void {
  for (const [username, password] of passwords) {
    const entry = directory.find('default', username);
    expect(entry?.ntHash, username).toEqual(ntPasswordHash(password));
    expect(entry?.password?.toString('utf8'), username).toBe(password);
  }
}

describe('SubscriberDirectory', () => {
  const passwords = new Map<string, string>(Array.from({ length: 50 }, (_, i) => [`u${i}`, `pw-${i}`]));

  it('loads every subscriber, page by page, with its NT hash and its password (decrypted when read)', () => {
    expect(directory.size).toBe(51);
    expectHolds(passwords);
    const hashed = directory.find('default', 'hashed')!;
    expect(hashed.hasPassword).toBe(false);
    expect(hashed.password).toBeUndefined();
    expect(hashed.ntHash).toEqual(ntPasswordHash('only-the-hash'));
    expect(directory.find('default', 'nobody')).toBeUndefined();
    expect(directory.find('elsewhere', 'u1')).toBeUndefined();
  });

  it('follows a password change, a deletion and a new subscriber in the freed slot, leaving the others intact', async () => {
    const changed = await records.setPassword('default', 'u7', { password: 'new-seven' });
    await directory.refresh(changed.id);
    passwords.set('u7', 'new-seven');
    const gone = await records.get('default', 'u3');
    await updateSubscriber(database.db, gone.id, { deletedAt: new Date() }); // a soft delete, as billing does it
    await directory.refresh(gone.id);
    passwords.delete('u3');
    expect(directory.find('default', 'u3')).toBeUndefined();
    const fresh = await records.add(newSubscriber({ username: 'late', password: 'late-pw' }));
    await directory.refresh(fresh.id);
    passwords.set('late', 'late-pw');
    expect(directory.size).toBe(51);
    expectHolds(passwords);
  });

  it('a re-read of an unchanged row keeps the same credential', async () => {
    const before = directory.find('default', 'u9')!;
    await directory.refresh(before.id);
    const after = directory.find('default', 'u9')!;
    expect(after).not.toBe(before);
    expect(after.ntHash).toEqual(ntPasswordHash('pw-9'));
  });
});
