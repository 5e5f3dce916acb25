/**
 * `radgate prune [--dry-run]` — the compiled CLI against a running radgate (on PGlite through its share), with
 * sessions a router reported: one closed six days ago (a Stop sent with Acct-Delay-Time), one closed now, one open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSessions } from '../../src/sessions/store.js';
import { runCli } from '../helpers/cli.js';
import { radclient } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { line } from '../sessions/helpers.js';

let t: TestRadgate;
let env: NodeJS.ProcessEnv;
const DAY = 86_400;

beforeAll(async () => {
  t = await startTestRadgate({
    config: {
      'server.yaml': (text) => text
        .replace('    sessions: 365d', '    sessions: 3d')
        .replace('    subscriber_events: 730d', '    subscriber_events: off')
        .replace('    interval: 1h', '    interval: off'),
    },
  });
  env = {
    RADGATE_CONFIG: t.configDir,
    RADGATE_DATA_DIR: t.database.dataDir,
    ...(t.database.databaseUrl ? { DATABASE_URL: t.database.databaseUrl } : {}),
  };
  await addSubscribers(t, [{ username: 'alice' }]);
  const session = (id: string, status: string, extra: Record<string, string | number>) =>
    line({ 'User-Name': 'alice', 'Acct-Session-Id': id, 'Acct-Status-Type': status, ...extra });
  const records = [
    session('closed-6d', 'Stop', { 'Acct-Session-Time': 600, 'Acct-Delay-Time': 6 * DAY, 'Acct-Terminate-Cause': 'User-Request' }),
    session('closed-now', 'Stop', { 'Acct-Session-Time': 600, 'Acct-Terminate-Cause': 'User-Request' }),
    session('open', 'Start', {}),
  ];
  const result = await radclient({ port: t.radgate.ports.acct, type: 'acct', input: records.join('\n\n') + '\n' });
  expect(result.stdout.match(/Received Accounting-Response/g)).toHaveLength(3);
});

afterAll(async () => {
  await t?.stop();
});

const sessionIds = async () => (await listSessions(t.radgate.database.db, { all: true })).map((s) => s.acctSessionId).sort();

/** The table's rows as [table, keep, cut-off, count]. */
function rows(stdout: string): string[][] {
  return stdout.trim().split('\n').slice(2).map((l) => l.split(/\s{2,}/));
}

describe('radgate prune', () => {
  it('--dry-run prints per table the keep time, the cut-off and what would go, and deletes nothing', async () => {
    const result = await runCli(['prune', '--dry-run'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [head, columns] = result.stdout.split('\n');
    const at = Date.parse(/^dry run at (\S+) \(database clock\): nothing was deleted$/.exec(head!)![1]!);
    expect(Math.abs(at - Date.now())).toBeLessThan(60_000);
    expect(columns).toMatch(/^TABLE\s+KEEP\s+CUT-OFF\s+WOULD DELETE$/);
    const cutoff = (days: number) => new Date(at - days * DAY * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(rows(result.stdout)).toEqual([
      ['sessions', '3d', cutoff(3), '1'],
      ['enforcement_jobs', '90d', cutoff(90), '0'],
      ['enforcement_attempts', '90d', cutoff(90), '0'],
      ['subscriber_events', 'off', 'kept forever', '-'],
      ['notifications', '90d', cutoff(90), '0'],
      ['payment_callbacks', '730d', cutoff(730), '0'],
    ]);
    expect(await sessionIds()).toEqual(['closed-6d', 'closed-now', 'open']);
  });

  it('deletes what the dry run counted, and a second run finds nothing', async () => {
    const first = await runCli(['prune'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^pruned at \S+Z \(database clock\)\nTABLE\s+KEEP\s+CUT-OFF\s+DELETED\n/);
    expect(rows(first.stdout).map((r) => [r[0], r[3]])).toEqual([
      ['sessions', '1'], ['enforcement_jobs', '0'], ['enforcement_attempts', '0'], ['subscriber_events', '-'],
      ['notifications', '0'], ['payment_callbacks', '0'],
    ]);
    expect(await sessionIds()).toEqual(['closed-now', 'open']);

    const second = await runCli(['prune'], env);
    expect(rows(second.stdout)[0]).toEqual(['sessions', '3d', expect.any(String), '0']);
  });

  it('is listed in the usage; help and bad arguments', async () => {
    expect((await runCli(['help'], env)).stdout).toMatch(/^ {2}prune \[--dry-run\] {5}delete the history server.yaml retention no longer keeps/m);
    const help = await runCli(['prune', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^radgate prune \[--dry-run\]\n/);
    const bad = await runCli(['prune', '--force'], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toMatch(/^radgate: Unknown option '--force'/);
    const extra = await runCli(['prune', 'sessions'], env);
    expect(extra.code).toBe(64);
  });
});
