/**
 * The operator's CLI as a process: subscriber management, CSV import with line/field errors, check-config, and the
 * CLI working while a server holds the embedded database.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RADGATE_BIN, runCli } from '../helpers/cli.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { eventually } from '../helpers/eventually.js';
import { radclient } from '../helpers/radclient.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await freshDatabase();
  env = { RADGATE_CONFIG: testConfig(), RADGATE_DATA_DIR: database.dataDir, ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
});

afterAll(async () => {
  await database?.cleanup();
});

describe('radgate subscriber', () => {
  it('add, show, list, set-plan, set-status, set-password, delete', async () => {
    const add = await runCli(['subscriber', 'add', 'alice', '--plan', 'home-10', '--account', 'ACC-1', '--password', 's3cret'], env);
    // The first command on a fresh data directory creates the password key, loudly.
    expect(add.stderr).toContain('GENERATED A NEW PASSWORD ENCRYPTION KEY');
    expect(add.stderr).not.toContain('s3cret');
    expect(add.stdout).toMatch(/^added alice \(id \d+, workspace default, plan home-10, active\)/);
    expect(add.code).toBe(0);

    const dup = await runCli(['subscriber', 'add', 'alice', '--plan', 'home-10', '--account', 'ACC-2', '--password', 'x'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already has username "alice"');

    const bad = await runCli(['subscriber', 'add', 'bob', '--plan', 'gold', '--account', 'ACC-3', '--password', 'x', '--static-ip', '300.1.1.1'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('plan: unknown plan "gold" (not in plans.yaml)');
    expect(bad.stderr).toContain('static_ip: "300.1.1.1" is not an IPv4 address');

    const show = await runCli(['subscriber', 'show', 'alice'], env);
    expect(show.stdout).toMatch(/account\s+ACC-1/);
    expect(show.stdout).toMatch(/credential\s+password \(encrypted/);
    expect(show.stdout).not.toContain('s3cret');

    expect((await runCli(['subscriber', 'set-plan', 'alice', 'business-50'], env)).stdout).toContain('now on plan business-50');
    expect((await runCli(['subscriber', 'set-plan', 'alice', 'nope'], env)).stderr).toContain('unknown plan "nope"');
    expect((await runCli(['subscriber', 'set-status', 'alice', 'suspended', '--reason', 'fraud check'], env)).stdout).toContain('alice is now suspended');
    expect((await runCli(['subscriber', 'set-status', 'alice', 'sleeping'], env)).code).toBe(64);
    expect((await runCli(['subscriber', 'set-password', 'alice', '--nt-hash', 'zz'], env)).stderr).toContain('nt_hash: 32 hexadecimal digits');

    const list = await runCli(['subscriber', 'list', '--json'], env);
    const rows = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.username, r.plan, r.status])).toEqual([['alice', 'business-50', 'suspended']]);
    expect(list.stdout).not.toContain('passwordEnc');

    expect((await runCli(['subscriber', 'delete', 'alice'], env)).stdout).toBe('deleted alice\n');
    expect((await runCli(['subscriber', 'show', 'alice'], env)).stderr).toContain('no subscriber "alice"');
    // A deleted username can be reused.
    expect((await runCli(['subscriber', 'add', 'alice', '--plan', 'home-10', '--account', 'ACC-1', '--password', 'again'], env)).code).toBe(0);
  });

  it('import: a bad row names its line and field and imports nothing; --skip-bad imports the rest', async () => {
    const file = path.join(database.dataDir, 'subs.csv');
    writeFileSync(
      file,
      [
        'username,password,plan,account,static_ip',
        'imp1,pw1,home-10,I-1,',
        '"imp2","pw,with,commas",business-50,I-2,100.64.0.2',
        'imp3,pw3,platinum,I-3,',
        'imp4,pw4,home-10,I-1,',
        'imp5,pw5,home-10,I-5,10.0.0.300',
      ].join('\n'),
    );
    const strict = await runCli(['subscriber', 'import', file], env);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`${file}: line 4: plan: unknown plan "platinum" (not in plans.yaml)`);
    expect(strict.stderr).toContain(`${file}: line 5: account: duplicate of line 2`);
    expect(strict.stderr).toContain(`${file}: line 6: static_ip: "10.0.0.300" is not an IPv4 address`);
    expect(JSON.parse((await runCli(['subscriber', 'list', '--json'], env)).stdout).some((r: { username: string }) => r.username === 'imp1')).toBe(false);

    const lenient = await runCli(['subscriber', 'import', file, '--skip-bad'], env);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/^imported 2 subscribers in \d+\.\d s \([\d.,]+\/s\)\n/);
    expect(lenient.stdout).toContain('skipped 3 problem(s):');
    const names = (JSON.parse((await runCli(['subscriber', 'list', '--json'], env)).stdout) as Array<{ username: string; staticIp: string | null }>);
    expect(names.find((r) => r.username === 'imp2')?.staticIp).toBe('100.64.0.2');

    const header = path.join(database.dataDir, 'bad-header.csv');
    writeFileSync(header, 'user,password,plan,account\nx,y,home-10,z\n');
    const h = await runCli(['subscriber', 'import', header], env);
    expect(h.stderr).toContain(`${header}: line 1: unknown column "user"`);
    expect(h.stderr).toContain(`${header}: line 1: missing column "username"`);
  });
});

describe('radgate subscriber import: progress', () => {
  const csv = (name: string, prefix: string, rows: number) => {
    const file = path.join(database.dataDir, name);
    const lines = ['username,password,plan,account'];
    for (let i = 1; i <= rows; i++) lines.push(`${prefix}${i},pw${i},home-10,${prefix.toUpperCase()}-${i}`);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };

  it('stderr not a terminal (a script): no progress line, only the summary on stdout', async () => {
    const result = await runCli(['subscriber', 'import', csv('script.csv', 'scr', 2500)], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^imported 2,500 subscribers in \d+(\.\d)? s \([\d.,]+\/s\)\n$/);
  });

  it('--quiet gives the same', async () => {
    const result = await runCli(['subscriber', 'import', csv('quiet.csv', 'qui', 3), '--quiet'], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^imported 3 subscribers in \d+\.\d s \([\d.,]+\/s\)\n$/);
  });

  // script(1) gives the command a pseudo-terminal. Whether a progress line is drawn depends on how long the import
  // takes (the first one appears after 250 ms); whatever was drawn must be cleared and the summary left alone.
  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal: any progress line drawn is cleared, the summary stays', () => {
    const file = csv('tty.csv', 'tty', 5000);
    const command = [process.execPath, RADGATE_BIN, 'subscriber', 'import', file].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const run = spawnSync('/usr/bin/script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH, ...env }, cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(run.status).toBe(0);
    const output = run.stdout.replaceAll('\r\n', '\n');
    // What the terminal shows once every \r has returned to column 0 and later text overwritten earlier text.
    const screen = output.split('\n').map((line) => {
      const cells: string[] = [];
      let col = 0;
      for (const ch of line) {
        if (ch === '\r') col = 0;
        else cells[col++] = ch;
      }
      return cells.join('').trimEnd();
    });
    expect(screen.filter((l) => l !== '')).toEqual([expect.stringMatching(/^imported 5,000 subscribers in \d+(\.\d)? s \([\d.,]+\/s\)$/)]);
    for (const drawn of output.split('\r').filter((l) => l.startsWith('importing'))) {
      expect(drawn.trimEnd()).toMatch(/^importing subscribers {2}[\d,]+ \/ 5,000 {2}\d+% {2}[\d.,]+\/s( {2}ETA \w+)?$/);
    }
  });
});

describe('radgate check-config', () => {
  it('exits 0 on the example config and 78 with every problem as file: path: reason', async () => {
    const ok = await runCli(['check-config'], { RADGATE_CONFIG: path.join(ROOT, 'config') });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^configuration OK/);
    const broken = testConfig({
      'plans.yaml': (t) => t.replace('rate_limit: 2M/10M', 'rate_limt: 2M/10M'),
      'server.yaml': (t) => t.replace('auth_port: 1812', 'auth_port: 99999'),
    });
    const bad = await runCli(['check-config'], { RADGATE_CONFIG: broken });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/^configuration has \d+ problem\(s\):/);
    expect(bad.stderr).toMatch(/^server\.yaml: server\.auth_port: .+$/m);
    expect(bad.stderr).toMatch(/^plans\.yaml: plans\[0\]\.rate_limt: .+$/m);
  });
});

describe('the CLI while the server runs on the embedded database', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('adds a subscriber through the running server and the server authenticates it at once', async () => {
    if (database.databaseUrl) return; // PostgreSQL needs no sharing; covered by the other tests.
    const dataDir = path.join(database.dataDir, 'shared');
    const serverEnv = { ...env, RADGATE_DATA_DIR: dataDir, RADGATE_BIND: '127.0.0.1', RADGATE_AUTH_PORT: '0', RADGATE_ACCT_PORT: '0', RADGATE_HTTP_PORT: '0', RADGATE_METRICS_PORT: '0', RADGATE_CAPTIVE_PORT: '0' };
    server = spawn(process.execPath, [RADGATE_BIN, 'start'], { env: { PATH: process.env.PATH, ...serverEnv }, cwd: ROOT });
    const authPort = await new Promise<number>((resolve, reject) => {
      let buffer = '';
      server!.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const m = /"auth":(\d+)/.exec(buffer);
        if (m) resolve(Number(m[1]));
      });
      server!.once('exit', (code) => reject(new Error(`server exited ${code}: ${buffer}`)));
    });
    const add = await runCli(['subscriber', 'add', 'live', '--plan', 'home-10', '--account', 'L-1', '--password', 'livepass'], serverEnv);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    let reply: Awaited<ReturnType<typeof radclient>> | undefined;
    const input = 'User-Name = "live", User-Password = "livepass", Message-Authenticator = 0x00';
    await eventually(async () => (reply = await radclient({ port: authPort, type: 'auth', input })).code === 'Access-Accept', 25_000, 'the server to accept live');
    expect(reply?.code).toBe('Access-Accept');
  });
});
