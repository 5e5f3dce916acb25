/**
 * A payment-callback test bench: the example config with `payment_hooks` for workspace `default` (generic: a key in
 * a file and a second one from the environment, for rotation; stripe: an endpoint secret from the environment), a
 * fresh database (PGlite or PostgreSQL), billing on an injected clock, and the intake. `sign` computes a header as
 * the documented scheme says (HMAC-SHA256 of "<t>.<body>", hex) with node:crypto.
 */
import { createHmac } from 'node:crypto';
import { BillingAccounts } from '../../src/billing/accounts.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import type { EnforcementJobRow, PaymentCallbackRow, PaymentRow } from '../../src/db/schema.js';
import { listJobs } from '../../src/enforce/jobs.js';
import { createLogger } from '../../src/log.js';
import { listCallbacks, PaymentIntake, PaymentReferences, type HookAnswer, type HookOutcome } from '../../src/payments/index.js';
import type { SubscriberRecords } from '../../src/subscribers/records.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { recordsOn } from '../helpers/subscribers.js';

export const GENERIC_KEY_1 = 'generic-key-one-0123456789abcdef0123456789';
export const GENERIC_KEY_2 = 'generic-key-two-fedcba9876543210fedcba9876';
export const STRIPE_SECRET = 'whsec_testsecret0123456789abcdef';
export const REFERENCE_KEY = Buffer.alloc(32, 7);

/** The `payment_hooks:` lines for workspace `default` (inserted after its id). */
export const HOOKS_YAML = [
  '    payment_hooks:',
  '      generic: { keys: [ { file: generic-1.key }, { env: TEST_GENERIC_KEY_2 } ], tolerance: 5m }',
  '      stripe: { keys: [ { env: TEST_STRIPE_SECRET } ] }',
  '',
].join('\n');

export const HOOK_ENV = { TEST_GENERIC_KEY_2: GENERIC_KEY_2, TEST_STRIPE_SECRET: STRIPE_SECRET };

/** The example config dir with the hooks (and the generic key file). */
export function hookConfigDir(edit: Parameters<typeof testConfig>[0] = {}): string {
  return testConfig({
    'generic-1.key': `${GENERIC_KEY_1}\n`,
    'workspaces.yaml': (text) => text.replace('    id: default\n', `    id: default\n${HOOKS_YAML}`),
    ...edit,
  });
}

/** `t=<t>,v1=<hex>` for each secret, computed by node:crypto from the documented scheme. */
export function sign(body: string, t: number, ...secrets: string[]): string {
  const v1 = secrets.map((s) => `v1=${createHmac('sha256', s).update(`${t}.${body}`).digest('hex')}`);
  return [`t=${t}`, ...v1].join(',');
}

export interface Bench {
  config: Config;
  database: DatabaseHandle;
  billing: BillingAccounts;
  subscribers: SubscriberRecords;
  intake: PaymentIntake;
  references: PaymentReferences;
  clock: { now: Date };
  outcomes: Array<[string, HookOutcome]>;
  /** Unix seconds of the clock. */
  t(): number;
  call(provider: string, headers: Record<string, string>, body: string | Uint8Array): Promise<HookAnswer>;
  add(username: string, plan?: string): Promise<number>;
  /** Oldest first. */
  callbacks(): Promise<PaymentCallbackRow[]>;
  payments(subscriberId: number): Promise<PaymentRow[]>;
  jobs(subscriberId: number): Promise<EnforcementJobRow[]>;
  close(): Promise<void>;
}

export const silent = createLogger({ level: 'silent', destination: { write: () => true } as never });

export async function bench(): Promise<Bench> {
  const config = await loadConfig(hookConfigDir(), HOOK_ENV);
  const testDatabase: TestDatabase = await freshDatabase();
  const database = await openDatabase({ databaseUrl: testDatabase.databaseUrl, dataDir: testDatabase.dataDir, role: 'tool' });
  await database.migrate();
  const clock = { now: new Date('2025-03-10T12:00:00Z') };
  const billing = new BillingAccounts({ database, config: () => config, clock: () => clock.now, log: silent });
  const subscribers = recordsOn(database, config);
  const references = new PaymentReferences([REFERENCE_KEY]);
  const outcomes: Array<[string, HookOutcome]> = [];
  const intake = new PaymentIntake({
    config: () => config, db: database.db, billing, log: silent, references, onOutcome: (p, o) => outcomes.push([p, o]),
  });
  return {
    config, database, billing, subscribers, intake, references, clock, outcomes,
    t: () => Math.floor(clock.now.getTime() / 1000),
    call: (provider, headers, body) => {
      const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      return intake.handle({ provider, header: (name) => lower.get(name), body: typeof body === 'string' ? Buffer.from(body) : body });
    },
    async add(username, plan = 'home-10') {
      const row = await subscribers.add({ workspaceId: 'default', username, accountNumber: `A-${username}`, plan, password: 'pw' });
      return row.id;
    },
    callbacks: async () => (await listCallbacks(database.db, { limit: 1000 })).items.reverse(),
    payments: async (id) => (await billing.listPayments({ subscriberId: id })).items.reverse(),
    jobs: async (id) => (await listJobs(database.db, { subscriberId: id, limit: 1000 })).reverse(),
    async close() {
      await database.close();
      await testDatabase.cleanup();
    },
  };
}
