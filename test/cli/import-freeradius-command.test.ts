/**
 * `radgate import freeradius` as the operator types it, in-process through the command function the `import`
 * dispatcher calls: where the source URL may come from (option, file, environment; never echoed), the dry run, the
 * printed report (mapped groups, reasons, the plans.yaml entry to paste) and --json, and the usage errors.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { importCommand } from '../../src/cli/import-commands.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { freeradiusSource, insertAttributes, type SourceDatabase } from '../imports/freeradius-source.js';

let database: TestDatabase;
let source: SourceDatabase;
/** The source URL with a password in it (the shared server trusts local connections and ignores it). */
let urlWithPassword: string;
const PASSWORD = 'Fr-Pa55word-9';
const saved = { ...process.env };

beforeAll(async () => {
  database = await freshDatabase();
  process.env.RADGATE_CONFIG = testConfig();
  process.env.RADGATE_DATA_DIR = database.dataDir;
  if (database.databaseUrl) process.env.DATABASE_URL = database.databaseUrl;
  else delete process.env.DATABASE_URL;
  delete process.env.RADGATE_IMPORT_DATABASE_URL;
  source = await freeradiusSource({ daloradius: true });
  const url = new URL(source.url);
  url.password = PASSWORD;
  urlWithPassword = url.toString();
  await insertAttributes(source.sql, 'radcheck', [
    ['ana', 'Cleartext-Password', ':=', 'ana-secret'],
    ['ben', 'Cleartext-Password', ':=', 'ben-secret'],
    ['\u001b[2Jevil', 'Cleartext-Password', ':=', 'x'],
  ]);
  await insertAttributes(source.sql, 'radgroupreply', [['silver', 'Mikrotik-Rate-Limit', '=', '5M/5M']]);
  await source.sql`insert into radusergroup (username, groupname, priority) values ('ana', 'home', 1), ('ben', 'silver', 1)`;
});
afterAll(async () => {
  process.env = saved;
  await source?.drop();
  await database?.cleanup();
});

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, exitCode = 1): Promise<string> {
  const ctx = new CliContext();
  const before = process.env.RADGATE_IMPORT_DATABASE_URL;
  Object.assign(process.env, env);
  try {
    const output = await importCommand(ctx, ['freeradius', ...argv]);
    expect(output.exitCode).toBe(exitCode);
    return output.text;
  } finally {
    if (before === undefined) delete process.env.RADGATE_IMPORT_DATABASE_URL;
    else process.env.RADGATE_IMPORT_DATABASE_URL = before;
    await ctx.close();
  }
}

const failure = (argv: string[], env: NodeJS.ProcessEnv = {}) => run(argv, env).then(() => undefined, (e: unknown) => e as Error & { code?: string });

describe('radgate import freeradius (command)', () => {
  it('a dry run from --database-url-file prints the report and writes nothing; the password never shows', async () => {
    const file = path.join(database.dataDir, 'fr-url');
    writeFileSync(file, `${urlWithPassword}\n`, { mode: 0o600 });
    const mapFile = path.join(database.dataDir, 'plan-map');
    writeFileSync(mapFile, 'home = home-10\n');
    const text = await run(['--database-url-file', file, '--plan-map', mapFile, '--dry-run']);
    expect(text).not.toContain(PASSWORD);
    const db = new URL(source.url).pathname.slice(1);
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual([`source: 127.0.0.1:5432/${db}`, 'freeradius: 1 would be created, 0 unchanged, 0 differ, 2 skipped (dry run: nothing was written)']);
    expect(text).toContain('  group home → plan home-10');
    expect(lines.find((l) => l.includes('ana'))).toMatch(/^created\s+ana\s+plan home-10 from group "home"$/);
    expect(lines.find((l) => l.includes('ben'))).toMatch(/^skipped\s+ben\s+group "silver" has no plan in plans.yaml \(/);
    // The name with an escape sequence is shown with the escape as text.
    expect(lines.find((l) => l.includes('evil'))).toMatch(/^skipped\s+\\x1b\[2Jevil\s+username contains a control character/);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('  * group "silver" has no plan: add this to config/plans.yaml under "plans:" (or map the group with --plan-map):\n\n  - name: silver\n    rate_limit: 5M/5M\n\n');

    const list = await run(['--database-url', urlWithPassword, '--json', '--dry-run']);
    expect(JSON.parse(list)).toMatchObject({ source: `127.0.0.1:5432/${db}`, dryRun: true });
    // Not even the password key was created.
    expect(existsSync(path.join(database.dataDir, 'password.key'))).toBe(false);
    const ctx = new CliContext();
    try {
      expect(await (await ctx.subscribers()).list()).toEqual([]);
    } finally {
      await ctx.close();
    }
  });

  it('imports from $RADGATE_IMPORT_DATABASE_URL with a plan map; a second run changes nothing', async () => {
    const env = { RADGATE_IMPORT_DATABASE_URL: urlWithPassword };
    const mapFile = path.join(database.dataDir, 'plan-map-2');
    writeFileSync(mapFile, '# FreeRADIUS group = radgate plan\nhome = home-10\nsilver = business-50\n');
    const first = JSON.parse(await run(['--plan-map', mapFile, '--json'], env)) as { lines: Array<{ source: string; outcome: string }> };
    expect(first.lines.filter((l) => l.outcome === 'created').map((l) => l.source)).toEqual(['ana', 'ben']);
    const second = await run(['--plan-map', mapFile], env, 1);
    expect(second).toContain('0 created, 2 unchanged, 0 differ, 1 skipped');
    const ctx = new CliContext();
    try {
      const rows = await (await ctx.subscribers()).list();
      expect(rows.map((r) => [r.username, r.plan, r.accountNumber])).toEqual([['ana', 'home-10', 'ana'], ['ben', 'business-50', 'ben']]);
    } finally {
      await ctx.close();
    }
  });

  it('usage errors name the problem; a dead source names host, port and database only', async () => {
    expect(await failure([])).toMatchObject({ code: 'USAGE', message: expect.stringContaining('missing the FreeRADIUS database') });
    expect(await failure(['--database-url', urlWithPassword, '--database-url-file', '/x'])).toMatchObject({ code: 'USAGE' });
    expect(await failure(['--database-url', urlWithPassword, '--default-plan', 'platinum'])).toMatchObject({ code: 'PLAN_UNKNOWN' });
    expect(await failure(['--database-url', urlWithPassword, '--time-zone', 'Mars/Olympus'])).toMatchObject({ code: 'USAGE' });
    expect(await failure(['--database-url', urlWithPassword, '--workspace', 'nope'])).toMatchObject({ code: 'WORKSPACE_UNKNOWN' });
    expect(await failure(['--database-url', 'not a url with Secret99'])).toMatchObject({ code: 'USAGE', message: expect.not.stringContaining('Secret99') });
    const dead = await failure(['--database-url', `postgres://radius:${PASSWORD}@127.0.0.1:1/radius`]);
    expect(dead).toMatchObject({ code: 'DB_UNREACHABLE', message: expect.stringContaining('127.0.0.1:1/radius') });
    expect(dead!.message).not.toContain(PASSWORD);
  });
});
