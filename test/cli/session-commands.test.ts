/**
 * `radgate sessions` and `radgate sessions close ID` against a running radgate (on PGlite the CLI reaches the
 * server's embedded database through its socket, as an operator's shell would): in-process, and the filters and
 * the escaping of recorded text through the compiled binary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { sessionsCommand } from '../../src/cli/session-commands.js';
import { displayWidth } from '../../src/cli/format.js';
import { RadgateError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { acct, allSessions, login } from '../sessions/helpers.js';
import { openRouterSessions } from '../../src/sessions/store.js';

let t: TestRadgate;
let ids: Map<string, number>;
const saved = { ...process.env };

beforeAll(async () => {
  t = await startTestRadgate();
  ids = await addSubscribers(t, [{ username: 'alice', plan: 'home-10' }, { username: 'bob', plan: 'home-10' }]);
  // The CLI reads its environment like the real command does.
  process.env.RADGATE_CONFIG = t.configDir;
  process.env.RADGATE_DATA_DIR = t.database.dataDir;
  if (t.database.databaseUrl) process.env.DATABASE_URL = t.database.databaseUrl;
  else delete process.env.DATABASE_URL;

  const port = t.radgate.ports.acct;
  const alice = { 'User-Name': 'alice', 'Acct-Session-Id': '81a00001', 'Framed-IP-Address': '100.64.0.7', 'Calling-Station-Id': 'AA:BB:CC:DD:EE:01' };
  await acct(port, { ...alice, 'Acct-Status-Type': 'Start' });
  await acct(port, {
    ...alice,
    'Acct-Status-Type': 'Interim-Update',
    'Acct-Session-Time': 3723,
    'Acct-Input-Octets': 1288490188,
    'Acct-Output-Gigawords': 20,
    'Acct-Output-Octets': 0,
  });
  const bob = { 'User-Name': 'bob', 'Acct-Session-Id': '81a00002', 'Framed-IP-Address': '100.64.0.8' };
  await acct(port, { ...bob, 'Acct-Status-Type': 'Start' });
  await acct(port, { ...bob, 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 63, 'Acct-Terminate-Cause': 'User-Request' });
});

afterAll(async () => {
  process.env = saved;
  await t?.stop();
});

async function run(...argv: string[]): Promise<string> {
  const ctx = new CliContext();
  try {
    return await sessionsCommand(ctx, argv);
  } finally {
    await ctx.close();
  }
}

describe('radgate sessions', () => {
  it('lists open sessions with human-readable usage', async () => {
    const out = await run();
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+USER\s+NAS\s+IP\s+MAC\s+SESSION-ID\s+STARTED\s+DURATION\s+ACCT-INPUT\s+ACCT-OUTPUT\s+STATE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/alice\s+local\s+100\.64\.0\.7\s+AA:BB:CC:DD:EE:01\s+81a00001\s+\S+Z\s+1h0[23]m\s+1\.2 GiB\s+80\.0 GiB\s+open$/);
  });

  it('filters by user, NAS and IP; --all includes closed sessions', async () => {
    expect(await run('--user', 'bob')).toBe('no open sessions');
    expect((await run('--user', 'bob', '--all')).split('\n')[1]).toMatch(/bob .* 1m03s .* closed: User-Request$/);
    expect((await run('--ip', '100.64.0.7')).split('\n')).toHaveLength(2);
    expect(await run('--ip', '100.64.0.8')).toBe('no open sessions');
    expect((await run('--nas', 'local', '--all')).split('\n')).toHaveLength(3);
    const json = JSON.parse(await run('--all', '--json')) as Array<{ username: string; acctOutputOctets: string; state: string }>;
    expect(json.map((r) => [r.username, r.state])).toEqual([
      ['bob', 'closed: User-Request'],
      ['alice', 'open'],
    ]);
    expect(json[1]!.acctOutputOctets).toBe(String(20n * 2n ** 32n));
  });

  it('rejects bad input with a usage error', async () => {
    await expect(run('--ip', 'nope')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run('--nas', 'no-such-nas')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run('close', 'x')).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run('--bogus')).rejects.toThrow();
  });

  it('close ID: Admin-Reset, frees the simultaneous-use slot in the running server, refuses a second time', async () => {
    const alice = ids.get('alice')!;
    expect((await login(t.radgate.ports.auth, 'alice')).code).toBe('Access-Reject');
    const row = (await allSessions(t.radgate.database.db)).find((r) => r.username === 'alice')!;
    expect(await run('close', String(row.id))).toBe(`closed session ${row.id} (alice on local, Admin-Reset)`);
    const closed = (await allSessions(t.radgate.database.db)).find((r) => r.id === row.id)!;
    expect(closed).toMatchObject({ closedBy: 'operator', terminateCause: 'Admin-Reset' });
    await eventually(() => t.radgate.sessions.tracker.count(alice) === 0, 20_000, 'the running server to hear of the close');
    expect((await login(t.radgate.ports.auth, 'alice')).code).toBe('Access-Accept');

    const again = run('close', String(row.id));
    await expect(again).rejects.toBeInstanceOf(RadgateError);
    await expect(again).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND', message: expect.stringMatching(/already closed \(Admin-Reset at /) });
    await expect(run('close', '999999')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND', message: 'no session 999999' });
  });
});

describe('radgate sessions filters (the binary)', () => {
  const env = () => ({
    RADGATE_CONFIG: t.configDir,
    RADGATE_DATA_DIR: t.database.dataDir,
    ...(t.database.databaseUrl ? { DATABASE_URL: t.database.databaseUrl } : {}),
  });
  // A right-to-left override survives the wire's text rule (it is not a control character): the display escapes it.
  const hostile = '山田\u202etxt.exe';

  beforeAll(async () => {
    const port = t.radgate.ports.acct;
    // carol: the router reports a session radgate missed the start of, 3 h long, in a record held back for 1 h:
    // it started 4 h ago and was last heard of 1 h ago (stale: silent past 3 × 300 s). An open session's duration
    // is the span since its start.
    await acct(port, { 'User-Name': 'carol', 'Acct-Session-Id': '81a00003', 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': 10800, 'Acct-Delay-Time': 3600 });
    await acct(port, { 'User-Name': hostile, 'Acct-Session-Id': '81a00004', 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '100.64.0.9' });
    await eventually(async () => (await allSessions(t.radgate.database.db)).length === 4, 20_000, 'the new sessions to be written');
  });

  const users = (stdout: string) => stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/)[1]);

  it('--status stale | open | closed', async () => {
    const stale = await runCli(['sessions', '--status', 'stale'], env());
    expect(stale).toMatchObject({ code: 0, stderr: '' });
    expect(users(stale.stdout)).toEqual(['carol']);
    expect(stale.stdout).toMatch(/carol .* 4h00m .* stale \(silent 1h00m\)\n$/);
    const open = await runCli(['sessions', '--status', 'open'], env());
    expect(users(open.stdout)).toEqual(['山田\\u202etxt.exe']);
    const closed = await runCli(['sessions', '--status', 'closed'], env());
    expect(users(closed.stdout).sort()).toEqual(['alice', 'bob']);
    expect(closed.stdout).not.toMatch(/ open$| stale /m);
    expect((await runCli(['sessions', '--status', 'open', '--user', 'carol'], env())).stdout).toBe('no open sessions\n');
  });

  it('--since AGE: sessions started in that window, by the database clock', async () => {
    const recent = await runCli(['sessions', '--since', '2h'], env());
    expect(recent.code).toBe(0);
    expect(users(recent.stdout)).toEqual(['山田\\u202etxt.exe']);
    const wider = await runCli(['sessions', '--since', '5h'], env());
    expect(users(wider.stdout).sort()).toEqual(['carol', '山田\\u202etxt.exe']);
    const all = await runCli(['sessions', '--since', '2h', '--all', '--nas', 'local'], env());
    expect(users(all.stdout).sort()).toEqual(['alice', 'bob', '山田\\u202etxt.exe']);
  });

  it('--json keeps the exact values and the existing keys', async () => {
    const json = await runCli(['sessions', '--status', 'open', '--json'], env());
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ username: hostile, nasName: 'local', acctSessionId: '81a00004', framedIpAddress: '100.64.0.9', state: 'open', acctInputOctets: '0' });
    expect(Object.keys(rows[0]!)).toEqual(expect.arrayContaining(['id', 'startedAt', 'stoppedAt', 'lastSeen', 'acctOutputOctets', 'terminateCause']));
    // The same value, written as a JSON escape: the override never reaches the terminal raw (terminalSafe).
    expect(json.stdout).not.toContain('\u202e');
    expect(json.stdout).toContain('\\u202e');
  });

  it('recorded text is shown escaped, never raw, and the columns stay aligned', async () => {
    const { stdout } = await runCli(['sessions', '--all', '--since', '5h'], env());
    expect(stdout).not.toContain('\u202e');
    expect(stdout).toContain('山田\\u202etxt.exe');
    const lines = stdout.trimEnd().split('\n');
    // Every NAS value starts at the same terminal column, whatever width the usernames take.
    const nasColumn = (line: string) => displayWidth(line.slice(0, line.indexOf(' local ') + 1));
    expect(new Set(lines.slice(1).map(nasColumn)).size).toBe(1);
    expect(nasColumn(lines[0]!.replace(' NAS ', ' local '))).toBe(nasColumn(lines[1]!));
  });

  it('a bad --status or --since is a usage error', async () => {
    const status = await runCli(['sessions', '--status', 'zombie'], env());
    expect(status).toMatchObject({ code: 64, stderr: 'radgate: --status: "zombie" is not one of open, stale, closed\n' });
    const since = await runCli(['sessions', '--since', 'yesterday'], env());
    expect(since).toMatchObject({ code: 64, stderr: 'radgate: --since: "yesterday" is not a length of time such as 30m, 2h or 7d\n' });
  });

  // Last: it adds an open session the listings above do not expect.
  it('a session learned from the router (a router-local subscriber) says so', async () => {
    await openRouterSessions(t.radgate.database.db, [{
      workspaceId: 'default', nasName: 'local', nasAddress: '127.0.0.1', acctSessionId: '81b00001', username: 'dave',
      subscriberId: 999, framedIpAddress: '100.64.0.9', callingStationId: null, uptimeSeconds: 60, interimInterval: 60,
    }]);
    expect(await run('--user', 'dave')).toMatch(/dave\s+local\s+100\.64\.0\.9\s+-\s+81b00001\s+.*open \(from router\)$/m);
  });
});
