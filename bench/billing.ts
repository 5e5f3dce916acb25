/**
 * Billing evaluator throughput: N subscribers whose grace ends at the same instant (a billing run expiring a whole
 * town at once), one evaluator run. Every transition writes its row, event and enforcement request. Prints the time.
 * PostgreSQL when DATABASE_URL is set (in a temporary database), else embedded PGlite in memory.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { BillingEvaluator } from '../src/billing/evaluator.js';
import { loadConfig } from '../src/config/index.js';
import { openDatabase } from '../src/db/client.js';
import { createLogger } from '../src/log.js';

export const BILLING_DEFAULTS = { subscribers: 10_000 };

export async function benchBilling(options: { subscribers: number } = BILLING_DEFAULTS): Promise<{ subscribers: number; transitions: number; ms: number; database: string }> {
  const adminUrl = process.env.DATABASE_URL;
  const name = `radgate_bench_${randomBytes(4).toString('hex')}`;
  let databaseUrl: string | undefined;
  if (adminUrl) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const database = await openDatabase({ databaseUrl, dataDir: 'memory://', role: 'tool' });
  try {
    await database.migrate();
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
    const config = await loadConfig(path.join(root, 'config'), {});
    await database.db.execute(sql.raw(`insert into subscribers (workspace_id, username, account_number, plan, nt_hash, paid_until, status)
      select 'default', 'bench' || g, 'B' || g, 'home-10', '8846f7eaee8fb117ad06bdd830b7586c', '2025-01-20T00:00:00Z', 'grace'
      from generate_series(1, ${Math.trunc(options.subscribers)}) g`));
    const log = createLogger({ level: 'silent', destination: { write: () => true } as never });
    const evaluator = new BillingEvaluator({ database, config: () => config, clock: () => new Date('2025-01-22T00:00:00Z'), log });
    const started = performance.now();
    const run = await evaluator.run();
    const ms = Math.round(performance.now() - started);
    const result = { subscribers: options.subscribers, transitions: run.transitions.length, ms, database: database.kind };
    process.stdout.write(`billing: ${result.transitions} transitions (grace → expired) for ${result.subscribers} subscribers in ${ms} ms on ${database.kind}\n`);
    return result;
  } finally {
    await database.close();
    if (adminUrl) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await admin.end();
    }
  }
}
