/** A billing test bench: fresh database (PGlite or PostgreSQL), example config, injected clock, services. */
import { BillingEvaluator } from '../../src/billing/evaluator.js';
import { BillingAccounts } from '../../src/billing/accounts.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { enforcementJobs, subscriberEvents } from '../../src/db/schema.js';
import { createLogger } from '../../src/log.js';
import { SUBSCRIBER_CHANNEL } from '../../src/db/channels.js';
import type { SubscriberRecords } from '../../src/subscribers/records.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { recordsOn } from '../helpers/subscribers.js';
import { asc, eq } from 'drizzle-orm';

export interface Bench {
  config: Config;
  database: DatabaseHandle;
  testDatabase: TestDatabase;
  subscribers: SubscriberRecords;
  billing: BillingAccounts;
  evaluator: BillingEvaluator;
  /** The injected clock: set `clock.now`. */
  clock: { now: Date };
  /** Payloads received on radgate_subscribers. */
  notifications: string[];
  add(username: string, extra?: { plan?: string; paidUntil?: string }): Promise<number>;
  events(subscriberId: number): Promise<Array<typeof subscriberEvents.$inferSelect>>;
  jobs(subscriberId: number): Promise<Array<typeof enforcementJobs.$inferSelect>>;
  close(): Promise<void>;
}

const silent = createLogger({ level: 'silent', destination: { write: () => true } as never });

export async function bench(options: { config?: Parameters<typeof testConfig>[0]; start?: string } = {}): Promise<Bench> {
  const config = await loadConfig(testConfig(options.config ?? {}), {});
  const testDatabase = await freshDatabase();
  const database = await openDatabase({ databaseUrl: testDatabase.databaseUrl, dataDir: testDatabase.dataDir, role: 'tool' });
  await database.migrate();
  const notifications: string[] = [];
  const unlisten = await database.listen(SUBSCRIBER_CHANNEL, (payload) => notifications.push(payload));
  const clock = { now: new Date(options.start ?? '2025-01-15T12:00:00Z') };
  const subscribers = recordsOn(database, config);
  const deps = { database, config: () => config, clock: () => clock.now, log: silent };
  const billing = new BillingAccounts(deps);
  const evaluator = new BillingEvaluator(deps);
  return {
    config,
    database,
    testDatabase,
    subscribers,
    billing,
    evaluator,
    clock,
    notifications,
    async add(username, extra = {}) {
      const row = await subscribers.add({ workspaceId: 'default', username, accountNumber: `A-${username}`, plan: extra.plan ?? 'home-10', password: 'pw' });
      if (extra.paidUntil) await billing.setPaidUntil(row.id, new Date(extra.paidUntil), 'test setup', 'test');
      return row.id;
    },
    events: (id) => database.db.select().from(subscriberEvents).where(eq(subscriberEvents.subscriberId, id)).orderBy(asc(subscriberEvents.id)),
    jobs: (id) => database.db.select().from(enforcementJobs).where(eq(enforcementJobs.subscriberId, id)).orderBy(asc(enforcementJobs.id)),
    async close() {
      await unlisten();
      await database.close();
      await testDatabase.cleanup();
    },
  };
}
