/**
 * Subscribers for tests, created through the production path: `SubscriberRecords` (validation, the insert, and the
 * `radgate_subscribers` notification that refreshes every instance's directory), as the CLI and the admin API do,
 * with the server's own password key and catalog. Tests about the CLI itself use `radgate subscriber add`
 * (test/helpers/cli.ts) instead.
 */
import { randomBytes } from 'node:crypto';
import { passwordKeyFile } from '../../src/app.js';
import type { Config } from '../../src/config/index.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import type { SubscriberRow } from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { SubscriberRecords, type NewSubscriber, type SubscriberCatalog } from '../../src/subscribers/records.js';
import { PasswordVault } from '../../src/subscribers/vault.js';
import { eventually } from './eventually.js';
import type { TestRadgate } from './radgate.js';

/** A subscriber as a test names it; the rest defaults to workspace `default`, plan `home-10`, account `A-<username>`, password `pw-<username>`. */
export type SubscriberInput = { username: string } & Partial<Omit<NewSubscriber, 'username'>>;

export function newSubscriber(input: SubscriberInput): NewSubscriber {
  const credential = input.password === undefined && input.ntHash === undefined ? { password: `pw-${input.username}` } : {};
  return { workspaceId: 'default', plan: 'home-10', accountNumber: `A-${input.username}`, ...credential, ...input };
}

/** The catalog the server checks new subscribers against: the workspaces and plans of the config in force. */
export function catalogOf(config: () => Config): SubscriberCatalog {
  return {
    hasWorkspace: (id) => config().workspaceById.has(id),
    hasPlan: (name) => config().planByName.has(name),
    nasWorkspace: (name) => config().nas.find((n) => n.name === name)?.workspace,
  };
}

/** Every workspace and plan exists: for a subscriber of a config the test builds itself, not the server's. */
export const ANY_CATALOG: SubscriberCatalog = { hasWorkspace: () => true, hasPlan: () => true, nasWorkspace: () => 'default' };

const silent = createLogger({ level: 'silent', destination: { write: () => true } as never });

/** SubscriberRecords on a running test radgate: its database, the password key it created, its config's catalog. */
export function subscriberRecords(
  t: Pick<TestRadgate, 'radgate' | 'database' | 'configDir'>,
  catalog: SubscriberCatalog = catalogOf(() => t.radgate.config),
): SubscriberRecords {
  const env = { configDir: t.configDir, dataDir: t.database.dataDir, databaseUrl: t.database.databaseUrl, passwordKey: undefined };
  const vault = PasswordVault.open({ keyFile: passwordKeyFile(t.radgate.config, env), create: false, log: silent });
  return new SubscriberRecords(t.radgate.database, vault, catalog);
}

/**
 * SubscriberRecords on a database without a server (a test bench of its own): a fresh random password key, and the
 * catalog of `config` (every workspace and plan when there is none).
 */
export function recordsOn(database: DatabaseHandle, config?: Config): SubscriberRecords {
  return new SubscriberRecords(database, PasswordVault.fromKey(randomBytes(32)), config ? catalogOf(() => config) : ANY_CATALOG);
}

/** Adds subscribers to a running test radgate and waits until its in-memory directory holds every one. */
export async function addSubscribers(t: TestRadgate, list: readonly SubscriberInput[], timeoutMs = 20_000): Promise<Map<string, number>> {
  const records = subscriberRecords(t);
  const ids = new Map<string, number>();
  for (const input of list) ids.set(input.username, (await records.add(newSubscriber(input))).id);
  await eventually(
    () => list.every((s) => t.radgate.directory.find(s.workspaceId ?? 'default', s.username) !== undefined),
    timeoutMs,
    `${list.map((s) => s.username).join(', ')} in the directory`,
  );
  return ids;
}

/** One subscriber (see `addSubscribers`); returns its row as inserted. */
export async function addSubscriber(t: TestRadgate, input: SubscriberInput, timeoutMs = 20_000): Promise<SubscriberRow> {
  const row = await subscriberRecords(t).add(newSubscriber(input));
  await eventually(() => t.radgate.directory.find(row.workspaceId, row.username) !== undefined, timeoutMs, `${row.username} in the directory`);
  return row;
}
