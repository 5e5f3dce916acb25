/**
 * One owner per table (src/db/schema.ts, docs/architecture.md): only the owning module names a table, through its
 * drizzle object or in raw SQL, and every `updated_at` is written from the database's clock. Reads the sources
 * with node:fs; in-process, no build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Table (drizzle name and SQL name) → the files that may query it. */
const OWNERS: ReadonlyArray<{ drizzle: string; sql: string; owners: readonly string[] }> = [
  { drizzle: 'subscribers', sql: 'subscribers', owners: ['subscribers/table.ts'] },
  { drizzle: 'sessions', sql: 'sessions', owners: ['sessions/store.ts'] },
  { drizzle: 'payments', sql: 'payments', owners: ['billing/accounts.ts'] },
  { drizzle: 'subscriberEvents', sql: 'subscriber_events', owners: ['billing/accounts.ts'] },
  // New jobs are written by the outbox, inside the transaction of the change they enforce.
  { drizzle: 'enforcementJobs', sql: 'enforcement_jobs', owners: ['enforce/jobs.ts', 'db/outbox.ts'] },
  { drizzle: 'enforcementAttempts', sql: 'enforcement_attempts', owners: ['enforce/jobs.ts'] },
  { drizzle: 'paymentCallbacks', sql: 'payment_callbacks', owners: ['payments/callbacks.ts'] },
];

/** Where the tables are defined: not queries. */
const isSchema = (file: string) => file === 'db/schema.ts' || file.startsWith('db/schema/');

/** Comments blanked (so prose such as "read from sessions" is not a query); strings and SQL kept. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
}

/** The table-owner and clock violations of one file, as `file: what`. */
function violations(file: string, source: string): string[] {
  if (isSchema(file)) return [];
  const code = withoutComments(source);
  const out: string[] = [];
  const schemaImports = [...code.matchAll(/import\s*\{([^}]*)\}\s*from\s*'[./]*db\/schema(?:\/\w+)?\.js'/g)]
    .flatMap((m) => m[1]!.split(',').map((name) => name.trim()))
    .filter((name) => name !== '' && !name.startsWith('type '))
    .map((name) => name.split(/\s+as\s+/)[0]!);
  for (const table of OWNERS) {
    if (table.owners.includes(file)) continue;
    if (schemaImports.includes(table.drizzle)) out.push(`${file}: imports the ${table.sql} table`);
    if (new RegExp(`\\b(from|join|update|into)\\s+${table.sql}\\b`, 'i').test(code)) out.push(`${file}: queries ${table.sql} in SQL`);
  }
  if (/updated_at\s*=\s*\$\{/.test(code) || /updatedAt:\s*new Date/.test(code)) out.push(`${file}: sets updated_at from the host clock`);
  return out;
}

function sources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) files.set(entry.split(path.sep).join('/'), readFileSync(path.join(SRC, entry), 'utf8'));
  }
  return files;
}

describe('the owner check (self-test: it can fail)', () => {
  it('catches a table imported, queried in SQL or stamped with the host clock outside its owner', () => {
    expect(violations('web/x.ts', "import { subscribers, type SubscriberRow } from '../db/schema.js';")).toEqual(['web/x.ts: imports the subscribers table']);
    expect(violations('enforce/x.ts', 'await db.execute(sql`update sessions set stopped_at = now()`);')).toEqual(['enforce/x.ts: queries sessions in SQL']);
    expect(violations('sessions/store.ts', 'sql`update sessions set updated_at = ${now}`')).toEqual(['sessions/store.ts: sets updated_at from the host clock']);
    expect(violations('subscribers/table.ts', ".set({ ...values, updatedAt: new Date() })")).toEqual(['subscribers/table.ts: sets updated_at from the host clock']);
  });

  it('leaves owners, types, prose and the schema alone', () => {
    expect(violations('subscribers/table.ts', "import { subscribers } from '../db/schema.js';\nsql`update subscribers set updated_at = now()`")).toEqual([]);
    expect(violations('web/x.ts', "import type { SubscriberRow } from '../db/schema.js';\nimport { type SessionRow } from '../db/schema.js';")).toEqual([]);
    expect(violations('enforce/x.ts', '// the sessions we read from sessions/store.ts\n/** closed like an update sessions would */')).toEqual([]);
    expect(violations('db/schema/sessions.ts', "export const sessions = pgTable('sessions', {});")).toEqual([]);
  });
});

describe('src/ keeps one owner per table', () => {
  it('no table is queried outside its owner, and updated_at is always the database clock', () => {
    const files = sources();
    expect(files.size).toBeGreaterThan(50);
    expect([...files].flatMap(([file, source]) => violations(file, source))).toEqual([]);
  });
});
