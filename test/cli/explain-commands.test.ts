/**
 * `radgate explain` against a running radgate and a real RADIUS peer: for every status (active, due soon, grace,
 * expired, suspended, a promise to pay, a pinned status, disabled) on every plan of the example configuration, the
 * compiled binary's `radgate explain USER --json` and radclient's login agree on Accept or Reject and on every reply
 * attribute (Class: on its fixed prefix, the random rest only on its form). Subscribers and their billing states are
 * set up with the operator's commands (`radgate subscriber add`, `paid-until`, `promise`, `status --set`,
 * `disable`, in-process). Also: simultaneous use, CHAP against an NT hash, MS-CHAPv2, the default-NAS usage error,
 * the human output, and that explaining writes nothing, moves no counter and never prints a password or hash.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCommand, type BillingCommand } from '../../src/cli/billing-commands.js';
import { CliContext } from '../../src/cli/context.js';
import { explainCommand } from '../../src/cli/explain-commands.js';
import { subscriberCommand } from '../../src/cli/subscriber-commands.js';
import { generateNtResponse, ntPasswordHash } from '../../src/radius/auth/mschap.js';
import type { Explanation } from '../../src/web/admin/schemas.js';
import type * as z from 'zod';
import { runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { radclient, type RadclientResult } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { subscriberRecords } from '../helpers/subscribers.js';
import { generateToken } from '../../src/web/admin/auth.js';
import { listSessions } from '../../src/sessions/store.js';

type Explained = z.output<typeof Explanation>;

let t: TestRadgate;
let env: NodeJS.ProcessEnv;
const token = generateToken('support-desk', 'read');
const saved = { ...process.env };
const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 10);
/** A second NAS in the default workspace: explain must then be told which NAS the request comes from. */
const CORE1 = `
  - name: core-1
    address: 127.0.0.2
    secret: core1-secret-0123456789
    workspace: default
`;

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'nas.yaml': (text) => text + CORE1, 'admin.yaml': `tokens:\n${token.yaml}\n` } });
  env = { RADGATE_CONFIG: t.configDir, RADGATE_DATA_DIR: t.database.dataDir, ...(t.database.databaseUrl ? { DATABASE_URL: t.database.databaseUrl } : {}) };
  // The in-process commands read their environment as the binary does.
  process.env.RADGATE_CONFIG = t.configDir;
  process.env.RADGATE_DATA_DIR = t.database.dataDir;
  if (t.database.databaseUrl) process.env.DATABASE_URL = t.database.databaseUrl;
  else delete process.env.DATABASE_URL;
});
afterAll(async () => {
  process.env = saved;
  await t?.stop();
});

/** An operator command, in-process through the function `radgate` dispatches to. */
async function run(command: BillingCommand | 'subscriber' | 'explain', argv: string[]): Promise<string> {
  const ctx = new CliContext();
  try {
    if (command === 'subscriber') return await subscriberCommand(ctx, argv);
    if (command === 'explain') return await explainCommand(ctx, argv);
    return await billingCommand(ctx, command, argv);
  } finally {
    await ctx.close();
  }
}

/** `radgate explain USER --nas local --json` through the compiled binary. */
async function explainJson(user: string, extra: string[] = []): Promise<Explained> {
  const result = await runCli(['explain', user, '--nas', 'local', '--json', ...extra], env);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Explained;
}

const password = (user: string) => `pw-${user}`;
const papLogin = (user: string) =>
  radclient({ port: t.radgate.ports.auth, type: 'auth', input: `User-Name = "${user}", User-Password = "${password(user)}", Message-Authenticator = 0x00` });

/** Adds a subscriber with `radgate subscriber add` and waits until the server's directory holds it. */
async function add(user: string, plan: string, extra: string[] = ['--password', password(user)]): Promise<void> {
  await run('subscriber', ['add', user, '--plan', plan, '--account', `A-${user}`, ...extra]);
  await settled(user);
}

/** Waits until the running server's directory has the status the database holds (commands notify it). */
async function settled(user: string): Promise<void> {
  const records = subscriberRecords(t);
  await eventually(async () => {
    const row = await records.find('default', user);
    return row !== undefined && t.radgate.directory.find('default', user)?.status === row.status;
  }, 20_000, `${user} in the server's directory`);
}

/** The explanation and the real reply agree: code, every attribute (Message-Authenticator is the wire's own). */
function expectAgreement(explained: Explained, real: RadclientResult, what: string): void {
  expect(real.code, what).toBe(explained.code);
  const got: Record<string, string[]> = { ...real.attributes };
  delete got['Message-Authenticator'];
  const expected: Record<string, string[]> = {};
  for (const a of explained.attributes) {
    if (a.varies === 'no') (expected[a.name] ??= []).push(String(a.value));
    else if (a.varies === 'request') {
      expect(got[a.name], `${what}: ${a.name}`).toHaveLength(1);
      delete got[a.name];
    } else {
      // Class: radclient prints octets as hex; the fixed prefix must match, the rest is random hex of that length.
      const [value, ...more] = got[a.name] ?? [];
      expect(more, what).toEqual([]);
      const text = Buffer.from(value!.replace(/^0x/, ''), 'hex').toString();
      expect(text.startsWith(a.fixed_prefix!), `${what}: ${text}`).toBe(true);
      expect(text.slice(a.fixed_prefix!.length)).toMatch(new RegExp(`^[0-9a-f]{${a.random_hex_digits}}$`));
      delete got[a.name];
    }
  }
  expect(got, what).toEqual(expected);
}

/** Each billing situation, made with the operator's commands from a fresh subscriber; the status it must give. */
const SITUATIONS: ReadonlyArray<{ name: string; status: string; setup: (user: string) => Promise<unknown> }> = [
  { name: 'active', status: 'active', setup: (u) => run('paid-until', [u, isoDate(20 * DAY)]) },
  { name: 'due-soon', status: 'due_soon', setup: (u) => run('paid-until', [u, isoDate(1 * DAY)]) },
  { name: 'grace', status: 'grace', setup: (u) => run('paid-until', [u, isoDate(-1 * DAY)]) },
  { name: 'expired', status: 'expired', setup: (u) => run('paid-until', [u, isoDate(-10 * DAY)]) },
  { name: 'suspended', status: 'suspended', setup: (u) => run('paid-until', [u, isoDate(-40 * DAY)]) },
  {
    name: 'promise',
    status: 'grace',
    setup: async (u) => {
      await run('paid-until', [u, isoDate(-40 * DAY)]);
      await run('promise', [u, '--until', isoDate(3 * DAY), '--reason', 'pays Friday']);
    },
  },
  {
    name: 'pinned',
    status: 'expired',
    setup: async (u) => {
      await run('paid-until', [u, isoDate(20 * DAY)]);
      await run('status', [u, '--set', 'expired', '--reason', 'chargeback', '--until', isoDate(5 * DAY)]);
    },
  },
  { name: 'disabled', status: 'disabled', setup: (u) => run('disable', [u, '--reason', 'moved away']) },
];

describe('radgate explain agrees with a real login', () => {
  it('for every status on every plan of the example configuration', async () => {
    const plans = t.radgate.config.plans.map((p) => p.name);
    expect(plans).toEqual(['home-10', 'business-50']);
    const codes = new Set<string>();
    for (const plan of plans) {
      for (const situation of SITUATIONS) {
        const user = `${plan}-${situation.name}`;
        await add(user, plan);
        await situation.setup(user);
        await settled(user);
        const explained = await explainJson(user);
        expect(explained.billing.status, user).toBe(situation.status);
        expect(explained.billing.pending, user).toBe(false);
        expectAgreement(explained, await papLogin(user), user);
        codes.add(`${explained.code} ${explained.profile}`);
      }
    }
    // Both profiles and the refusal were seen, so the comparison covered each kind of reply.
    expect([...codes].sort()).toEqual(['Access-Accept expired', 'Access-Accept plan', 'Access-Reject refuse']);
  });

  it('reports the promise and the pinned status with their reasons and ends', async () => {
    const promised = await explainJson('home-10-promise');
    expect(promised.billing).toMatchObject({ promise_active: true, evaluated_reason: expect.stringMatching(/^promise to pay until /) });
    expect(promised.billing.next).toMatchObject({ status: 'suspended', at: promised.billing.promise_until });
    const pinned = await explainJson('business-50-pinned');
    expect(pinned.billing.override).toMatchObject({ status: 'expired', reason: 'chargeback' });
    expect(pinned.billing.next).toMatchObject({ status: 'active', at: pinned.billing.override!.until });
    expect(pinned).toMatchObject({ code: 'Access-Accept', profile: 'expired' });
  });

  it('--json is the document the running server’s admin API answers, with the same options', async () => {
    for (const [user, method] of [['home-10-grace', 'pap'], ['business-50-suspended', 'chap'], ['home-10-promise', 'mschapv2']] as const) {
      const id = (await subscriberRecords(t).find('default', user))!.id;
      const res = await fetch(`http://127.0.0.1:${t.radgate.ports.http}/api/v1/subscribers/${id}/explain?nas=local&method=${method}`, {
        headers: { Authorization: `Bearer ${token.token}` },
      });
      expect(res.status).toBe(200);
      const api = (await res.json()) as Explained;
      const cli = await explainJson(user, ['--method', method]);
      expect({ ...cli, now: undefined }).toEqual({ ...api, now: undefined });
      expect(Object.keys(cli)).toEqual(Object.keys(api));
    }
  });

  it('a static IP replaces the pool', async () => {
    await add('static-one', 'business-50', ['--password', password('static-one'), '--static-ip', '100.64.7.7']);
    const explained = await explainJson('static-one');
    expect(explained.attributes).toContainEqual(expect.objectContaining({ name: 'Framed-IP-Address', value: '100.64.7.7' }));
    expectAgreement(explained, await papLogin('static-one'), 'static-one');
  });

  it('simultaneous use: an open session at the plan’s limit refuses both', async () => {
    await add('one-seat', 'home-10');
    const before = await explainJson('one-seat');
    expect(before.sessions).toEqual({ open: 0, limit: 1 });
    const start = await radclient({
      port: t.radgate.ports.acct,
      type: 'acct',
      input: 'User-Name = "one-seat", Acct-Session-Id = "81a0e001", Acct-Status-Type = Start, Framed-IP-Address = 100.64.0.9\n',
    });
    expect(start.code).toBe('Accounting-Response');
    expect(await listSessions(t.radgate.database.db, { username: 'one-seat' })).toHaveLength(1);
    const explained = await explainJson('one-seat');
    expect(explained).toMatchObject({ code: 'Access-Reject', profile: 'plan', sessions: { open: 1, limit: 1 }, reason: 'simultaneous-use: 1 open session(s), plan allows 1' });
    expectAgreement(explained, await papLogin('one-seat'), 'one-seat');
  });

  it('CHAP: refused for an NT hash, accepted for a stored password; MS-CHAPv2 lists its attributes first', async () => {
    await add('hash-only', 'home-10', ['--nt-hash', ntPasswordHash(password('hash-only')).toString('hex')]);
    const chap = (user: string) =>
      radclient({ port: t.radgate.ports.auth, type: 'auth', input: `User-Name = "${user}", CHAP-Password = "${password(user)}", Message-Authenticator = 0x00` });
    const refused = await explainJson('hash-only', ['--method', 'chap']);
    expect(refused).toMatchObject({ code: 'Access-Reject', credential: { stored: 'nt-hash', usable: false, usable_methods: ['pap', 'mschapv1', 'mschapv2'] } });
    expectAgreement(refused, await chap('hash-only'), 'hash-only chap');
    expectAgreement(await explainJson('home-10-active', ['--method', 'chap']), await chap('home-10-active'), 'chap');

    // RFC 2759 §8.1 / RFC 2548 §2.3.2: the peer's MS-CHAP2-Response, computed here as a NAS would.
    const challenge = randomBytes(16);
    const peer = randomBytes(16);
    const nt = generateNtResponse(challenge, peer, 'hash-only', ntPasswordHash(password('hash-only')));
    const response = Buffer.concat([Buffer.of(1, 0), peer, Buffer.alloc(8), nt]);
    const v2 = await radclient({
      port: t.radgate.ports.auth,
      type: 'auth',
      input: `User-Name = "hash-only", MS-CHAP-Challenge = 0x${challenge.toString('hex')}, MS-CHAP2-Response = 0x${response.toString('hex')}, Message-Authenticator = 0x00`,
    });
    const explained = await explainJson('hash-only', ['--method', 'mschapv2']);
    expect(explained.attributes.slice(0, 2).map((a) => [a.name, a.varies])).toEqual([['MS-CHAP2-Success', 'request'], ['MS-MPPE-Send-Key', 'request']]);
    expectAgreement(explained, v2, 'hash-only mschapv2');
  });
});

describe('radgate explain for people', () => {
  it('without --nas, a workspace with two NAS is a usage error naming both', async () => {
    await expect(run('explain', ['home-10-active'])).rejects.toMatchObject({
      code: 'USAGE',
      message: 'several NAS serve workspace default; name one of: local, core-1 (--nas NAS)',
    });
    await expect(run('explain', ['home-10-active', '--nas', 'core-9'])).rejects.toMatchObject({ code: 'NAS_UNKNOWN', message: expect.stringContaining('configured: local, core-1') });
    await expect(run('explain', ['home-10-active', '--nas', 'local', '--method', 'eap'])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run('explain', ['nobody', '--nas', 'local'])).rejects.toMatchObject({ code: 'SUBSCRIBER_NOT_FOUND' });
    const binary = await runCli(['explain', 'home-10-active'], env);
    expect(binary.code).toBe(64);
    expect(binary.stderr).toContain('several NAS serve workspace default; name one of: local, core-1');
  });

  it('aligned key and value lines: the answer, every reply attribute, the reasons and the next change', async () => {
    const text = await run('explain', ['home-10-grace', '--nas', 'local']);
    const id = (await subscriberRecords(t).find('default', 'home-10-grace'))!.id;
    const lines = text.split('\n');
    // Every line starts with a key padded to one width, or continues the value above at that column.
    const column = lines[0]!.indexOf('home-10-grace');
    expect(column).toBeGreaterThan(2);
    for (const line of lines) expect(line.slice(0, column).trimEnd().includes('  '), line).toBe(false);
    expect(text).toMatch(/^subscriber\s+home-10-grace \(id \d+, workspace default, plan home-10\)$/m);
    expect(text).toMatch(/^nas\s+local \(serves workspace default\)$/m);
    expect(text).toMatch(/^method\s+pap: the stored password can verify it \(the password itself is not checked\); usable: pap, chap, mschapv1, mschapv2$/m);
    expect(text).toMatch(/^answer\s+Access-Accept with the plan home-10$/m);
    expect(text).toMatch(/^reply\s+Mikrotik-Rate-Limit = 2M\/10M$/m);
    expect(lines).toContain(`${' '.repeat(column)}Framed-Pool = pppoe-pool`);
    expect(lines).toContain(`${' '.repeat(column)}Class = rg1:${id}:<16 random hex digits, new in every reply>`);
    expect(text).toMatch(/^status\s+grace — payment overdue since \d{4}-\d\d-\d\d 00:00 UTC; grace until /m);
    expect(text).toMatch(/^sessions\s+0 open; the plan allows 1$/m);
    expect(text).toMatch(/^next\s+expired at \d{4}-\d\d-\d\d 00:00 UTC \(in \d+ (h|days)\): unpaid since /m);

    const refused = await run('explain', ['home-10-suspended', '--nas', 'local']);
    expect(refused).toMatch(/^answer\s+Access-Reject: suspended \(sent after 0\.2 s\)$/m);
    expect(refused).toMatch(/^reply\s+Reply-Message = Your account is suspended for non-payment — call 555-0100/m);
    expect(refused).toMatch(/^sessions\s+not counted: the status refuses first$/m);
  });

  it('writes nothing and moves no counter; never prints the password, its NT hash or the stored ciphertext', async () => {
    const user = 'leak-check';
    const secret = 'Known-S3cret-pw!';
    const hash = '8846f7eaee8fb117ad06bdd830b7586c'; // NT hash of "password"
    await run('subscriber', ['add', user, '--plan', 'home-10', '--account', 'A-leak', '--password', secret]);
    await run('subscriber', ['add', 'leak-hash', '--plan', 'home-10', '--account', 'A-leak-hash', '--nt-hash', hash]);
    const records = subscriberRecords(t);
    const row = (await records.find('default', user))!;
    const metric = () => t.radgate.metrics.registry.getSingleMetricAsString('radgate_radius_requests_total');
    const sessions = () => listSessions(t.radgate.database.db, { all: true });
    const before = { requests: await metric(), sessions: await sessions(), history: await t.radgate.billing.history(row.id) };

    const outputs: string[] = [];
    for (const who of [user, 'leak-hash']) {
      for (const method of ['pap', 'chap', 'mschapv2']) {
        const human = await runCli(['explain', who, '--nas', 'local', '--method', method], env);
        const json = await runCli(['explain', who, '--nas', 'local', '--method', method, '--json'], env);
        expect(human.code).toBe(0);
        outputs.push(human.stdout, human.stderr, json.stdout, json.stderr);
      }
    }
    const all = outputs.join('\n');
    for (const forbidden of [secret, ntPasswordHash(secret).toString('hex'), hash, hash.toUpperCase(), row.passwordEnc!, 'password_enc', 'passwordEnc', 'nt_hash']) {
      expect(all).not.toContain(forbidden);
    }

    expect(await metric()).toBe(before.requests);
    expect(await sessions()).toEqual(before.sessions);
    expect(await t.radgate.billing.history(row.id)).toEqual(before.history);
    expect((await records.find('default', user))!.updatedAt).toEqual(row.updatedAt);
  });
});
