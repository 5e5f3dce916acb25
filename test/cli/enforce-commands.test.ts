/** `radgate enforce`, `radgate jobs` and `radgate coa-test` — the compiled CLI against a running radgate and a fake NAS. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../src/radius/codes.js';
import { runCli } from '../helpers/cli.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscriber } from '../helpers/subscribers.js';
import { changeStatus, fastWorkers, nasEntry, sessionRow } from '../enforce/helpers.js';

let t: TestRadgate;
let core1: FakeNas;
let env: NodeJS.ProcessEnv;
const db = () => t.radgate.database.db;

beforeAll(async () => {
  core1 = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
  t = await startTestRadgate({
    config: {
      // The CLI runs the ladder itself; the server's workers stay off so the CLI is what drives each step.
      'server.yaml': (text) => fastWorkers(text, { maxAttempts: 1, enabled: false }),
      'nas.yaml': (text) => text + nasEntry('core1', core1),
    },
  });
  env = {
    RADGATE_CONFIG: t.configDir,
    RADGATE_DATA_DIR: t.database.dataDir,
    RADGATE_BIND: '127.0.0.1',
    ...(t.database.databaseUrl ? { DATABASE_URL: t.database.databaseUrl } : {}),
  };
  await addSubscriber(t, { username: 'alice', plan: 'business-50' });
  await core1.accounting(t.radgate.ports.acct, 'Start', { user: 'alice', sessionId: '81a00010', framedIp: '100.64.1.10' });
  await eventually(async () => (await sessionRow(db(), '81a00010')) !== undefined, 20_000, 'the session');
  // An operator pins the status; billing queues the job, but the server's workers are off: `radgate enforce` pushes it.
  await changeStatus(t, 'alice', 'expired');
});

afterAll(async () => {
  await t?.stop();
  await core1?.stop();
});

beforeEach(() => core1.reset());

describe('radgate enforce USER', () => {
  it('runs the ladder now and prints each step', async () => {
    core1.coa = { nak: 401 };
    const result = await runCli(['enforce', 'alice'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^alice \(#\d+, workspace default\): status expired — job #\d+$/);
    expect(lines[1]).toBe('pushing the expired profile');
    expect(lines[2]).toBe('1 open session(s): core1 81a00010 100.64.1.10');
    expect(lines[3]).toMatch(/^ {2}\S+Z {2}core1 {2}alice\/81a00010 {2}CoA {9}CoA-NAK 401 Unsupported-Attribute {2}\(\d+ ms\)$/);
    expect(lines[4]).toMatch(/^ {2}\S+Z {2}core1 {2}alice\/81a00010 {2}Disconnect {2}Disconnect-ACK {2}\(\d+ ms\)$/);
    // The job billing queued for the change is still pending (workers off): the CLI's run takes it over.
    expect(lines[5]).toMatch(/^done: expired profile → 1 session\(s\): core1 alice\/81a00010: CoA-NAK 401 Unsupported-Attribute → Disconnect-ACK \(merged job\(s\) #\d+\)$/);
    expect(core1.requests(Code.CoaRequest)[0]!.attributes['Mikrotik-Group']).toBe('expired');
  });

  it('exits 1 with the operator-facing reason when nothing reaches the router', async () => {
    core1.coa = 'silent';
    core1.disconnect = 'silent';
    const result = await runCli(['enforce', 'alice'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/\nfailed: NAS core1 did not answer CoA or Disconnect and has no API credentials configured /);
  });

  it('names an unknown user', async () => {
    const result = await runCli(['enforce', 'nobody'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nobody/);
  });
});

describe('radgate jobs', () => {
  it('lists jobs, the failed ones, and one job with its attempts', async () => {
    const all = await runCli(['jobs'], env);
    expect(all.stderr).toBe('');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^\d+ pending, \d+ running, \d+ done, \d+ failed\n *ID +AGE +USER +CHANGE +STATE +TRIES +OUTCOME\n/);
    expect(all.stdout).toMatch(/\n *\d+ +\d+s +alice +manual \?→expired +failed +1 +NAS core1 did not answer CoA or Disconnect/);
    expect(all.stdout).toMatch(/\n *\d+ +\d+s +alice +manual \?→expired +done +1 +expired profile → 1 session/);

    const failed = await runCli(['jobs', '--failed'], env);
    expect(failed.stdout).not.toMatch(/ done /);
    const id = /\n *(\d+) .* failed /.exec(failed.stdout)![1]!;

    const one = await runCli(['jobs', id], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^job +#${id}\nsubscriber +alice \\(#\\d+, workspace default\\)\nchange +manual: \\? → expired \\(radgate enforce \\(command line\\)\\)\nstate +failed\n`));
    expect(one.stdout).toMatch(/core1 +alice\/81a00010 +coa +timeout +- +\d+ ms +CoA: no answer \(2 tries/);
    expect(one.stdout).toMatch(/core1 +alice\/81a00010 +disconnect +timeout +- +\d+ ms +Disconnect: no answer \(2 tries/);
  });
});

describe('radgate jobs filters', () => {
  const states = (stdout: string) => stdout.trim().split('\n').slice(2).map((l) => / (pending|running|done|failed) /.exec(l)?.[1]);

  it('--status keeps one state; --failed is --status failed', async () => {
    const done = await runCli(['jobs', '--status', 'done'], env);
    expect(done.code).toBe(0);
    expect(states(done.stdout).length).toBeGreaterThan(0);
    expect(new Set(states(done.stdout))).toEqual(new Set(['done']));
    const failed = await runCli(['jobs', '--status', 'failed'], env);
    expect(new Set(states(failed.stdout))).toEqual(new Set(['failed']));
    // (compared as JSON: the AGE column moves on between two runs)
    expect((await runCli(['jobs', '--status', 'failed', '--json'], env)).stdout).toBe((await runCli(['jobs', '--failed', '--json'], env)).stdout);
    expect((await runCli(['jobs', '--status', 'running'], env)).stdout).toMatch(/\nno running jobs\n$/);
  });

  it('--nas: jobs with an attempt on that NAS', async () => {
    const all = await runCli(['jobs', '--json'], env);
    const onCore1 = await runCli(['jobs', '--nas', 'core1', '--json'], env);
    const ids = (stdout: string) => (JSON.parse(stdout) as Array<{ id: number }>).map((j) => j.id);
    // Both ladder runs tried core1; the job billing queued was merged into the first without an attempt of its own.
    expect(ids(onCore1.stdout)).toHaveLength(2);
    expect(ids(all.stdout).length).toBeGreaterThan(2);
    for (const id of ids(onCore1.stdout)) expect((await runCli(['jobs', String(id)], env)).stdout).toMatch(/ core1 +alice\/81a00010 /);
    expect((await runCli(['jobs', '--nas', 'local'], env)).stdout).toMatch(/\nno jobs on local\n$/);
  });

  it('--since AGE: jobs created in that window; the JSON keys stay as they were', async () => {
    const recent = JSON.parse((await runCli(['jobs', '--since', '1h', '--json'], env)).stdout) as Array<Record<string, unknown>>;
    const all = JSON.parse((await runCli(['jobs', '--json'], env)).stdout) as Array<Record<string, unknown>>;
    expect(recent.map((j) => j.id)).toEqual(all.map((j) => j.id));
    expect(Object.keys(all[0]!).sort()).toEqual(expect.arrayContaining(['id', 'subscriberId', 'username', 'kind', 'state', 'attempts', 'createdAt', 'outcome']));
  });

  it('a bad --status, --nas or --since is a usage error', async () => {
    expect(await runCli(['jobs', '--status', 'lost'], env)).toMatchObject({ code: 64, stderr: 'radgate: --status: "lost" is not one of pending, running, done, failed\n' });
    expect(await runCli(['jobs', '--nas', 'core9'], env)).toMatchObject({ code: 64, stderr: 'radgate: no NAS named "core9" in nas.yaml\n' });
    expect(await runCli(['jobs', '--since', '-2h'], env)).toMatchObject({ code: 64 });
  });
});

describe('radgate coa-test NAS --user U', () => {
  it('ACK: the router found the session', async () => {
    const result = await runCli(['coa-test', 'core1', '--user', 'alice'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`CoA-Request to core1 at 127.0.0.2:${core1.port}: User-Name alice, Acct-Session-Id 81a00010 (the user's open session in radgate), Framed-IP-Address 100.64.1.10; identification only, nothing to change`);
    expect(lines[1]).toBe('answer: CoA-ACK');
    expect(lines[2]).toMatch(/^verified: Response Authenticator OK; Message-Authenticator present and OK; 1 try, \d+ ms$/);
    expect(lines[3]).toBe("meaning: core1 accepts radgate's CoA (address, port and secret are right) and found the session.");
    // The probe changes nothing: identification only.
    const [probe] = core1.requests(Code.CoaRequest);
    expect(Object.keys(probe!.attributes).sort()).toEqual(['Acct-Session-Id', 'Event-Timestamp', 'Framed-IP-Address', 'Message-Authenticator', 'NAS-IP-Address', 'User-Name']);
  });

  it('NAK 503 for a session the router does not have', async () => {
    core1.coa = { nak: 503 };
    const result = await runCli(['coa-test', 'core1', '--user', 'zed'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Acct-Session-Id radgate-probe-');
    expect(result.stdout).toContain('answer: CoA-NAK 503 Session-Context-Not-Found\n');
    expect(result.stdout).toContain("meaning: core1 accepts radgate's CoA (address, port and secret are right); it has no such session.\n");
  });

  it('silence: exit 1 with what to check on the router', async () => {
    core1.coa = 'silent';
    const result = await runCli(['coa-test', 'core1', '--user', 'alice'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/answer: CoA: no answer \(2 tries, [\d.]+ s\)\n/);
    expect(result.stdout).toContain(`/radius incoming set accept=yes port=${core1.port}`);
  });

  it('a reply signed with another secret is reported as a secret mismatch', async () => {
    core1.coa = 'ack-bad-authenticator';
    const result = await runCli(['coa-test', 'core1', '--user', 'alice'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/answer: CoA: no answer \(2 tries, [\d.]+ s; 2 reply\(ies\) dropped: bad-response-authenticator\)\n/);
    expect(result.stdout).toContain('the shared secret on the router differs from nas.yaml');
  });

  it('an unknown NAS is named', async () => {
    const result = await runCli(['coa-test', 'core9', '--user', 'alice'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no NAS "core9" in nas.yaml (configured: local, core1)');
  });
});
