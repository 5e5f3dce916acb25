/**
 * The billing commands as an operator runs them (in-process through the same functions `radgate` dispatches to, on a
 * fresh database and the example config), and `radgate admin-token` through the real entry point.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCommand, type BillingCommand } from '../../src/cli/billing-commands.js';
import { CliContext } from '../../src/cli/context.js';
import { subscriberCommand } from '../../src/cli/subscriber-commands.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
const saved = { ...process.env };
const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 10);

beforeAll(async () => {
  database = await freshDatabase();
  process.env.RADGATE_CONFIG = testConfig();
  process.env.RADGATE_DATA_DIR = database.dataDir;
  if (database.databaseUrl) process.env.DATABASE_URL = database.databaseUrl;
  else delete process.env.DATABASE_URL;
  process.env.RADGATE_PASSWORD_KEY = Buffer.alloc(32, 7).toString('base64');
  await run('subscriber', ['add', 'bob', '--plan', 'home-10', '--account', 'A-1', '--password', 'pw']);
  await run('subscriber', ['add', 'eve', '--plan', 'home-10', '--account', 'A-2', '--password', 'pw']);
});
afterAll(async () => {
  process.env = saved;
  await database?.cleanup();
});

async function run(command: BillingCommand | 'subscriber', argv: string[]): Promise<string> {
  const ctx = new CliContext();
  try {
    return command === 'subscriber' ? await subscriberCommand(ctx, argv) : await billingCommand(ctx, command, argv);
  } finally {
    await ctx.close();
  }
}

describe('radgate billing commands', () => {
  it('paid-until, pay (idempotent), status, payments and history', async () => {
    // Paid through ten days ago (UTC, the example workspace's zone): expired.
    expect(await run('paid-until', ['bob', isoDate(-10 * DAY)])).toMatch(/status expired\nstatus: active → expired/);

    const paid = await run('pay', ['bob', '25.00', '--ref', 'CASH-7', '--method', 'cash']);
    expect(paid).toMatch(/^payment #\d+: 25\.00 USD for bob, 1 cycle\(s\); paid until .* UTC, balance 0\.00 USD\nstatus: expired → active/);
    expect(await run('pay', ['bob', '25.00', '--ref', 'CASH-7', '--method', 'cash'])).toMatch(/^reference CASH-7 is already payment #\d+ \(25\.00 USD, .*\): nothing recorded$/);
    expect(await run('pay', ['bob', '10.5'])).toMatch(/0 cycle\(s\).*balance 10\.50 USD$/);
    await expect(run('pay', ['bob', '10.555'])).rejects.toThrow('AMOUNT: "10.555" has more decimals than USD allows (2)');

    const status = await run('status', ['bob']);
    expect(status).toMatch(/^subscriber\s+bob \(id \d+, workspace default, plan home-10\)$/m);
    expect(status).toMatch(/^status\s+(active|due_soon) — /m);
    expect(status).toMatch(/^next\s+(due_soon|grace) at \d{4}-\d\d-\d\d 00:00 UTC \(in \d+ (days|h)\)$/m);
    expect(status).toMatch(/^balance\s+10\.50 USD$/m);
    expect(status).toMatch(/^sessions\s+none open$/m);

    const payments = await run('payments', ['bob']);
    expect(payments.split('\n')[0]).toMatch(/^ID\s+RECEIVED\s+USER\s+AMOUNT\s+METHOD\s+REFERENCE\s+CYCLES\s+STATE$/);
    expect(payments).toMatch(/25\.00 USD\s+cash\s+CASH-7\s+1\s+recorded/);
    expect(payments).toMatch(/2 of 2$/);

    const history = await run('history', ['bob']);
    expect(history).toMatch(/transition\s+expired\s+active\s+cli:\S+\s+/);
    expect(history).toMatch(/payment\s+-\s+-\s+cli:\S+\s+payment #\d+: 25\.00 USD by cash \(ref CASH-7\); 1 cycle\(s\)/);
  });

  it('promise, pinned status, evaluate --dry-run, disable/enable, void', async () => {
    await run('paid-until', ['eve', isoDate(-40 * DAY)]);
    expect(await run('status', ['eve'])).toMatch(/^status\s+suspended — unpaid since/m);
    expect(await run('promise', ['eve', '--until', isoDate(2 * DAY), '--reason', 'pays Friday'])).toMatch(/status grace\nstatus: suspended → grace/);
    expect(await run('status', ['eve', '--set', 'active', '--reason', 'goodwill'])).toMatch(/^pinned\s+active: goodwill$/m);
    expect(await run('status', ['eve', '--auto'])).toMatch(/^status\s+grace — promise to pay until/m);
    // The result, then the summary line (a progress line is drawn only on a terminal: not here).
    expect(await run('evaluate', ['--dry-run'])).toMatch(/^2 billed subscriber\(s\) checked at .*; 0 would change \(dry run: nothing written\)\nevaluated 2 subscribers in \d+\.\d s( \([\d.,]+\/s\))?$/);
    expect(JSON.parse(await run('evaluate', ['--dry-run', '--json']))).toMatchObject({ checked: 2, dryRun: true, transitions: [] });
    expect(await run('disable', ['eve', '--reason', 'moved away'])).toMatch(/^eve: disabled\nstatus: grace → disabled/);
    expect(await run('enable', ['eve'])).toMatch(/^eve: grace .*\nstatus: disabled → grace/);

    const list = await run('payments', []);
    const id = /^(\d+)\s/m.exec(list.split('\n').slice(1).join('\n'))![1]!;
    expect(await run('void', [id, '--reason', 'bounced'])).toMatch(new RegExp(`^payment #${id} voided`));
    expect(await run('void', [id, '--reason', 'again'])).toBe(`payment #${id} was already voided (bounced)`);
  });

  it('refuses bad input with a usage error', async () => {
    await expect(run('promise', ['eve', '--until', 'next week'])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run('pay', ['eve'])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run('status', ['nobody'])).rejects.toMatchObject({ code: 'SUBSCRIBER_NOT_FOUND' });
  });
});

describe('radgate admin-token', () => {
  it('prints a token once and the admin.yaml lines holding its SHA-256', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'admin-token', 'billing-system', '--scope', 'write'], { cwd: ROOT });
    const token = /^ {2}(rg_[A-Za-z0-9_-]{43})$/m.exec(stdout)?.[1];
    expect(token).toBeDefined();
    const hash = createHash('sha256').update(token!).digest('hex');
    expect(stdout).toContain(`  - name: billing-system\n    hash: sha256:${hash}\n    scope: write`);
  });
});
