/**
 * `radgate sessions` and `radgate sessions close ID` against a running radgate (on PGlite the CLI reaches the
 * server's embedded database through its socket, as an operator's shell would).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { sessionsCommand } from '../../src/cli/session-commands.js';
import { RadgateError } from '../../src/errors.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscribers } from '../helpers/subscribers.js';
import { acct, allSessions, login } from '../sessions/helpers.js';

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
    expect(lines[1]).toMatch(/alice\s+local\s+100\.64\.0\.7\s+AA:BB:CC:DD:EE:01\s+81a00001\s+\S+Z\s+1h 0[23]m\s+1\.2 GiB\s+80\.0 GiB\s+open$/);
  });

  it('filters by user, NAS and IP; --all includes closed sessions', async () => {
    expect(await run('--user', 'bob')).toBe('no open sessions');
    expect((await run('--user', 'bob', '--all')).split('\n')[1]).toMatch(/bob .* 1m 03s .* closed: User-Request$/);
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
