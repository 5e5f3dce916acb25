/**
 * `radgate import freeradius` end to end: a real FreeRADIUS SQL database (PostgreSQL, the stock schema.sql, a
 * daloRADIUS userinfo table) shaped like a daloRADIUS install, imported into a running in-process radgate (PGlite
 * or PostgreSQL as the suite runs), then logins through radclient: the Cleartext-Password user and the NT-Password
 * user are accepted (PAP), the expired one gets the expired profile, the rejected one is refused. Also: the dry run
 * writes nothing, a re-run is idempotent (unchanged / differs, never a duplicate), an error in the middle leaves
 * nothing, every bad-data class is a named reason, the proposed plans.yaml entry passes the real plan schema, and the
 * source URL's password never appears in an error.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.js';
import { planSchema } from '../../src/config/schema.js';
import { importFreeradius, type FreeradiusImportOptions } from '../../src/imports/freeradius.js';
import { parseExpiration } from '../../src/imports/freeradius-expiration.js';
import { parsePlanMap } from '../../src/imports/plan-map.js';
import { readFreeradius } from '../../src/imports/freeradius-read.js';
import type { ImportReport } from '../../src/imports/report.js';
import { countOutcomes } from '../../src/imports/report.js';
import { generateNtResponse, ntPasswordHash } from '../../src/radius/auth/mschap.js';
import { RadgateError } from '../../src/errors.js';
import { testConfig } from '../helpers/config.js';
import { eventually } from '../helpers/eventually.js';
import { radclient } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { catalogOf, subscriberRecords } from '../helpers/subscribers.js';
import { freeradiusSource, insertAttributes, type SourceDatabase } from './freeradius-source.js';

const DAY = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** FreeRADIUS's own Expiration format, "01 Jan 2027 00:00:00", in UTC. */
const frDate = (t: Date) =>
  `${String(t.getUTCDate()).padStart(2, '0')} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()} ${t.toISOString().slice(11, 19)}`;
const tenDaysAgo = new Date(Math.floor((Date.now() - 10 * DAY) / 1000) * 1000);
const BOB_NT = ntPasswordHash('bob-nt-secret').toString('hex').toUpperCase();

let t: TestRadgate;
let source: SourceDatabase;

async function loadDaloradiusData(sql: SourceDatabase['sql']) {
  await insertAttributes(sql, 'radgroupreply', [
    ['home', 'Mikrotik-Rate-Limit', '=', '2M/10M'],
    ['home', 'Framed-Pool', '=', 'pppoe-pool'],
    ['home', 'Acct-Interim-Interval', '=', '300'],
    ['business-50', 'Mikrotik-Rate-Limit', ':=', '10M/50M 20M/60M 8M/40M 10/10 5'],
    ['gold', 'Mikrotik-Rate-Limit', '=', '20M/20M'],
    ['gold', 'Mikrotik-Group', '=', 'gold'],
    ['gold', 'Session-Timeout', '=', '86400'],
    ['gold', 'Filter-Id', '=', 'gold-in'],
    ['gold', 'Framed-MTU', '=', '1480'],
    ['gold', 'Cisco-AVPair', '+=', 'ip:addr-pool=gold'],
    ['broken', 'Mikrotik-Rate-Limit', '=', '2M/10X'],
  ]);
  await insertAttributes(sql, 'radgroupcheck', [
    ['gold', 'Simultaneous-Use', ':=', '2'],
    // daloRADIUS disables a user by putting him in this group.
    ['daloRADIUS-Disabled-Users', 'Auth-Type', ':=', 'Reject'],
  ]);
  await insertAttributes(sql, 'radcheck', [
    ['alice', 'Cleartext-Password', ':=', 'alice-secret'],
    ['bob', 'NT-Password', ':=', `0x${BOB_NT}`],
    ['carol', 'MD5-Password', ':=', '5f4dcc3b5aa765d61d8327deb882cf99'],
    ['dave', 'Cleartext-Password', ':=', 'dave-secret'],
    ['dave', 'Expiration', ':=', frDate(tenDaysAgo)],
    ['erin', 'Cleartext-Password', ':=', 'erin-secret'],
    ['erin', 'Auth-Type', ':=', 'Reject'],
    ['frank', 'User-Password', '==', 'frank-secret'],
    ['gina', 'Cleartext-Password', ':=', 'gina-secret'],
    ['hank', 'Cleartext-Password', ':=', 'hank-secret'],
    ['hank', 'Expiration', ':=', 'Jan 01 2099 00:00'],
    ['ivan', 'Cleartext-Password', ':=', 'ivan-secret'],
    ['judy', 'Cleartext-Password', ':=', 'judy-secret'],
    ['kim', 'Cleartext-Password', ':=', 'kim-1'],
    ['Kim', 'Cleartext-Password', ':=', 'kim-2'],
    ['leo', 'Cleartext-Password', ':=', 'leo-1'],
    ['leo', 'Cleartext-Password', ':=', 'leo-2'],
    ['mallory', 'Cleartext-Password', ':=', 'evil\u001b[31m'],
    ['nina', 'Cleartext-Password', ':=', 'nina-secret'],
    ['oscar', 'Cleartext-Password', ':=', 'oscar-secret'],
    ['oscar', 'Simultaneous-Use', ':=', '3'],
    ['pat', 'SSHA-Password', ':=', 'e1NTSEF9c29tZXNhbHQ='],
    ['quinn', 'Cleartext-Password', '!=', 'nope'],
    ['rita', 'Cleartext-Password', ':=', 'rita-secret'],
    ['sam', 'Cleartext-Password', ':=', 'sam-secret'],
    ['sam', 'Expiration', ':=', 'someday'],
    ['tab\tuser', 'Cleartext-Password', ':=', 'x'],
    ['long-pw', 'Cleartext-Password', ':=', 'p'.repeat(129)],
    ['u'.repeat(254), 'Cleartext-Password', ':=', 'x'],
  ]);
  await insertAttributes(sql, 'radreply', [
    ['alice', 'Framed-IP-Address', '=', '100.64.0.10'],
    ['oscar', 'Mikrotik-Rate-Limit', '=', '50M/50M'],
    ['rita', 'Framed-IP-Address', '=', '300.1.1.1'],
  ]);
  const member = (username: string, groupname: string, priority: number) =>
    sql`insert into radusergroup (username, groupname, priority) values (${username}, ${groupname}, ${priority})`;
  await member('alice', 'home', 1);
  await member('bob', 'business-50', 1);
  await member('dave', 'home', 1);
  await member('erin', 'home', 1);
  // frank: two groups, the lower priority number wins.
  await member('frank', 'business-50', 2);
  await member('frank', 'home', 1);
  await member('hank', 'home', 1);
  await member('ivan', 'gold', 1);
  await member('judy', 'broken', 1);
  await member('nina', 'daloRADIUS-Disabled-Users', 0);
  await member('nina', 'home', 1);
  await member('oscar', 'home', 1);
  await member('rita', 'home', 1);
  await sql`insert into userinfo (username, firstname, lastname, email, mobilephone, creationdate, creationby)
            values ('alice', 'Alice', 'Smith', 'alice@example.com', '+57 300 123 4567', now(), 'administrator'),
                   ('bob', 'Bob', NULL, 'not-an-address', NULL, now(), 'administrator')`;
}

const options = (overrides: Partial<FreeradiusImportOptions> = {}): FreeradiusImportOptions => ({
  workspace: t.radgate.config.workspaceById.get('default')!,
  planMap: new Map([['home', 'home-10']]),
  defaultPlan: 'home-10',
  timeZone: 'UTC',
  dryRun: false,
  ...overrides,
});

async function runImport(overrides: Partial<FreeradiusImportOptions> = {}): Promise<ImportReport> {
  const config = t.radgate.config;
  return importFreeradius(await readFreeradius(source.url), subscriberRecords(t), config, catalogOf(() => config), options(overrides));
}

const lineOf = (report: ImportReport, user: string) => report.lines.find((l) => l.source === user);
const pap = (user: string, password: string) =>
  radclient({ port: t.radgate.ports.auth, type: 'auth', input: `User-Name = "${user}", User-Password = "${password}", Message-Authenticator = 0x00` });

beforeAll(async () => {
  t = await startTestRadgate();
  source = await freeradiusSource({ daloradius: true });
  await loadDaloradiusData(source.sql);
});
afterAll(async () => {
  await source?.drop();
  await t?.stop();
});

describe('radgate import freeradius', () => {
  it('dry run: the full report, nothing written', async () => {
    const report = await runImport({ dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(lineOf(report, 'alice')).toMatchObject({ outcome: 'created' });
    expect(await subscriberRecords(t).list({ workspaceId: 'default' })).toEqual([]);
  });

  it('imports what it can, and names the reason for everything else', async () => {
    const report = await runImport();
    const outcome = (user: string) => lineOf(report, user)?.outcome;
    const reason = (user: string) => lineOf(report, user)?.reason ?? '';
    expect(report.lines.filter((l) => l.outcome === 'created').map((l) => l.source).sort()).toEqual(
      ['alice', 'bob', 'dave', 'erin', 'frank', 'gina', 'hank', 'nina', 'oscar'],
    );
    expect(reason('frank')).toContain('plan home-10 from group "home"');
    expect(reason('frank')).toContain('also in "business-50"');
    expect(reason('oscar')).toContain('not imported: Simultaneous-Use := (check item), Mikrotik-Rate-Limit (reply item');
    expect(reason('gina')).toContain('--default-plan');
    expect(reason('bob')).toContain('userinfo email not imported');

    expect(outcome('carol')).toBe('skipped');
    expect(reason('carol')).toMatch(/^password stored as MD5-Password: a one-way hash/);
    expect(reason('pat')).toMatch(/^password stored as SSHA-Password/);
    expect(reason('ivan')).toContain('group "gold" has no plan in plans.yaml');
    expect(reason('judy')).toContain('invalid Mikrotik-Rate-Limit "2M/10X": "10X" is not a rate');
    expect(reason('kim')).toContain('differs only in case from "Kim"');
    expect(reason('Kim')).toContain('differs only in case from "kim"');
    expect(reason('leo')).toContain('2 different Cleartext-Password rows');
    expect(reason('mallory')).toContain('the password contains a control character');
    expect(reason('mallory')).not.toContain('evil');
    expect(reason('quinn')).toContain('Cleartext-Password != is a comparison');
    expect(reason('rita')).toBe('Framed-IP-Address "300.1.1.1" is not an IPv4 address');
    expect(reason('sam')).toBe('Expiration "someday" is not a date FreeRADIUS reads (e.g. "01 Jan 2027 00:00:00")');
    expect(reason('tab\tuser')).toContain('username contains a control character');
    expect(reason('long-pw')).toBe('Cleartext-Password: longer than 128 bytes (RADIUS carries at most 128, RFC 2865 §5.2)');
    expect(reason('u'.repeat(254))).toBe('username: 1–253 characters, no spaces');
    expect(report.mapped).toEqual(expect.arrayContaining([
      { from: 'group home', to: 'plan home-10' },
      { from: 'group business-50', to: 'plan business-50' },
    ]));
    // No password, hash or secret in any line.
    const text = JSON.stringify(report);
    for (const secret of ['alice-secret', BOB_NT, BOB_NT.toLowerCase(), 'kim-1', 'leo-2', '5f4dcc3b5aa765d61d8327deb882cf99']) expect(text).not.toContain(secret);

    const records = subscriberRecords(t);
    const alice = await records.get('default', 'alice');
    expect(alice).toMatchObject({ plan: 'home-10', accountNumber: 'alice', staticIp: '100.64.0.10', status: 'active', paidUntil: null, contactName: 'Alice Smith', email: 'alice@example.com', phone: '+57 300 123 4567' });
    expect(alice.passwordEnc).toMatch(/^v1:/);
    expect(await records.get('default', 'bob')).toMatchObject({ plan: 'business-50', passwordEnc: null, ntHash: BOB_NT.toLowerCase(), email: null });
    expect(await records.get('default', 'dave')).toMatchObject({ status: 'expired', paidUntil: tenDaysAgo });
    expect(await records.get('default', 'erin')).toMatchObject({ status: 'disabled' });
    expect(await records.get('default', 'nina')).toMatchObject({ status: 'disabled', plan: 'home-10' });
    expect(await records.get('default', 'hank')).toMatchObject({ status: 'active', paidUntil: new Date('2099-01-01T00:00:00Z') });
    expect(await records.find('default', 'kim')).toBeUndefined();
  });

  it('the imported subscribers log in: cleartext (PAP) and NT hash (PAP, MS-CHAPv2) accepted, expired gets the expired profile, rejected refused', async () => {
    await eventually(() => ['alice', 'bob', 'dave', 'erin'].every((u) => t.radgate.directory.find('default', u) !== undefined), 20_000, 'the directory');
    const alice = await pap('alice', 'alice-secret');
    expect(alice.code).toBe('Access-Accept');
    expect(alice.attributes['Mikrotik-Rate-Limit']).toEqual(['2M/10M']);
    expect(alice.attributes['Framed-IP-Address']).toEqual(['100.64.0.10']);
    expect((await pap('alice', 'wrong')).code).toBe('Access-Reject');
    // PAP against the NT hash: radgate hashes the given password and compares.
    expect((await pap('bob', 'bob-nt-secret')).code).toBe('Access-Accept');
    expect((await pap('bob', 'bob-wrong')).code).toBe('Access-Reject');
    // MS-CHAPv2 against the NT hash (RFC 2759 §8.1): the peer's response computed here as a NAS would pass it on.
    const challenge = randomBytes(16);
    const peer = randomBytes(16);
    const nt = generateNtResponse(challenge, peer, 'bob', ntPasswordHash('bob-nt-secret'));
    const v2 = await radclient({
      port: t.radgate.ports.auth,
      type: 'auth',
      input: `User-Name = "bob", MS-CHAP-Challenge = 0x${challenge.toString('hex')}, MS-CHAP2-Response = 0x${Buffer.concat([Buffer.of(1, 0), peer, Buffer.alloc(8), nt]).toString('hex')}, Message-Authenticator = 0x00`,
    });
    expect(v2.code).toBe('Access-Accept');
    expect(v2.attributes['MS-CHAP2-Success']).toHaveLength(1);
    const dave = await pap('dave', 'dave-secret');
    expect(dave.code).toBe('Access-Accept');
    expect(dave.attributes['Mikrotik-Group']).toEqual(['expired']);
    expect(dave.attributes['Mikrotik-Address-List']).toEqual(['radgate-unpaid']);
    expect((await pap('erin', 'erin-secret')).code).toBe('Access-Reject');
  });

  it('notes: the plans.yaml entry for a group without a plan passes the real plan schema', async () => {
    const report = await runImport({ dryRun: true });
    const note = report.notes.find((n) => n.startsWith('group "gold" has no plan'));
    expect(note).toBeDefined();
    const snippet = note!.split('\n').slice(1).join('\n');
    const items = parse(snippet) as unknown[];
    expect(items).toHaveLength(1);
    const plan = planSchema.safeParse(items[0]);
    expect(plan.success, JSON.stringify(plan.error?.issues)).toBe(true);
    expect(plan.data).toMatchObject({
      name: 'gold', rateLimit: '20M/20M', group: 'gold', sessionTimeoutSeconds: 86400, maxSessions: 2,
      replyAttributes: { 'Filter-Id': 'gold-in', 'Framed-MTU': 1480 },
    });
    // Pasted at the end of the example plans.yaml, the whole configuration still loads, with the new plan.
    const pasted = await loadConfig(testConfig({ 'plans.yaml': (text) => `${text.trimEnd()}\n${snippet}\n` }), {});
    expect(pasted.planByName.get('gold')).toMatchObject({ rateLimit: '20M/20M', maxSessions: 2 });
    expect(report.notes.some((n) => n.startsWith('group "gold": not imported:') && n.includes('Cisco-AVPair'))).toBe(true);
    expect(report.notes.some((n) => n.startsWith('group "broken" has no plan and cannot be proposed: invalid Mikrotik-Rate-Limit'))).toBe(true);
    expect(report.notes.some((n) => n.includes('"daloRADIUS-Disabled-Users": Auth-Type := Reject'))).toBe(true);
  });

  it('a re-run is idempotent: unchanged, or differs when the source moved on, never duplicated', async () => {
    const before = (await subscriberRecords(t).list({ workspaceId: 'default' })).length;
    const sourceRows = (await source.sql`select count(*)::int as n from radcheck`)[0]!.n;
    const again = await runImport();
    expect(countOutcomes(again).created).toBe(0);
    expect(again.lines.filter((l) => l.outcome === 'unchanged').map((l) => l.source).sort()).toEqual(
      ['alice', 'bob', 'dave', 'erin', 'frank', 'gina', 'hank', 'nina', 'oscar'],
    );
    await source.sql`update radcheck set value = 'alice-new' where username = 'alice' and attribute = 'Cleartext-Password'`;
    await source.sql`update radusergroup set groupname = 'business-50' where username = 'bob'`;
    await source.sql`update radusergroup set groupname = 'home' where username = 'bob'`;
    const moved = await runImport();
    expect(lineOf(moved, 'alice')).toMatchObject({ outcome: 'differs', reason: expect.stringContaining('password differs') });
    expect(lineOf(moved, 'bob')).toMatchObject({ outcome: 'differs', reason: 'already in radgate, left alone: plan: radgate business-50, FreeRADIUS home-10' });
    expect(JSON.stringify(moved)).not.toContain('alice-new');
    expect((await subscriberRecords(t).list({ workspaceId: 'default' })).length).toBe(before);
    // The source was only changed by the test itself.
    expect((await source.sql`select count(*)::int as n from radcheck`)[0]!.n).toBe(sourceRows);
  });

  it('an error in the middle of the write leaves nothing imported', async () => {
    const bulk = await freeradiusSource();
    try {
      await bulk.sql`insert into radcheck (username, attribute, op, value)
                     select 'bulk' || g, 'Cleartext-Password', ':=', 'pw' || g from generate_series(1, 1500) g`;
      const config = t.radgate.config;
      const failing = importFreeradius(await readFreeradius(bulk.url), subscriberRecords(t), config, catalogOf(() => config), options({
        onProgress: (done) => {
          if (done >= 1000) throw new Error('the database went away');
        },
      }));
      await expect(failing).rejects.toThrow('the database went away');
      expect(await subscriberRecords(t).list({ workspaceId: 'default', search: 'bulk' })).toEqual([]);
    } finally {
      await bulk.drop();
    }
  });

  it('a SQL_ASCII source: bytes that are not UTF-8 are refused by name, the rest imported', async () => {
    const ascii = await freeradiusSource({ sqlAscii: true });
    try {
      // Latin-1 bytes, as an old PHP front end wrote them: é (0xE9) is not UTF-8.
      await ascii.sql.unsafe(`insert into radcheck (username, attribute, op, value) values
        (E'jos\\xe9', 'Cleartext-Password', ':=', 'pw-jose'),
        ('latin', 'Cleartext-Password', ':=', E'caf\\xe9'),
        ('plain', 'Cleartext-Password', ':=', 'pw-plain')`);
      const config = t.radgate.config;
      const report = await importFreeradius(await readFreeradius(ascii.url), subscriberRecords(t), config, catalogOf(() => config), options({ dryRun: true }));
      expect(report.notes).toContain('the source database is SQL_ASCII: values that are not valid UTF-8 are refused (shown as "not valid UTF-8")');
      expect(report.lines.find((l) => l.source.startsWith('jos'))).toMatchObject({ outcome: 'skipped', reason: 'username is not valid UTF-8 in the source database (or holds U+FFFD)' });
      expect(lineOf(report, 'latin')).toMatchObject({ outcome: 'skipped', reason: 'Cleartext-Password: the password is not valid UTF-8 in the source database (or holds U+FFFD)' });
      expect(lineOf(report, 'plain')).toMatchObject({ outcome: 'created' });
    } finally {
      await ascii.drop();
    }
  });

  it('a user in no group is skipped without --default-plan', async () => {
    const report = await runImport({ dryRun: true, defaultPlan: undefined });
    expect(lineOf(report, 'gina')).toMatchObject({ outcome: 'skipped', reason: 'in no group (radusergroup) and no --default-plan given' });
  });

  it('source errors name host, port and database, never the password', async () => {
    const dead = readFreeradius('postgres://fruser:S3cret-Pw@127.0.0.1:1/radius');
    await expect(dead).rejects.toThrow(RadgateError);
    const err = (await dead.catch((e: unknown) => e)) as RadgateError;
    expect(err.code).toBe('DB_UNREACHABLE');
    expect(err.message).toContain('127.0.0.1:1/radius');
    expect(err.message).not.toContain('S3cret-Pw');
    expect(err.message).not.toContain('fruser');

    const empty = await freeradiusSource({ schema: false });
    try {
      const notFr = (await readFreeradius(empty.url).catch((e: unknown) => e)) as RadgateError;
      expect(notFr).toMatchObject({ code: 'IMPORT_INVALID' });
      expect(notFr.message).toContain('is not a FreeRADIUS SQL database: no table radcheck, radreply, radusergroup, radgroupcheck, radgroupreply');
    } finally {
      await empty.drop();
    }
    await expect(readFreeradius('mysql://u:p@h/db')).rejects.toMatchObject({ code: 'USAGE' });
    const garbled = (await readFreeradius('postgres://u:pa ss@@/').catch((e: unknown) => e)) as Error;
    expect(garbled.message).not.toContain('pa ss');
  });
});

describe('Expiration as FreeRADIUS reads it', () => {
  const at = (text: string, zone = 'UTC') => {
    const parsed = parseExpiration(text, zone);
    return 'at' in parsed ? parsed.at.toISOString() : parsed.error;
  };
  it('accepts the forms of fr_get_time and ISO 8601', () => {
    expect(at('01 Jan 2027 00:00:00')).toBe('2027-01-01T00:00:00.000Z');
    expect(at('Jan 01 2027')).toBe('2027-01-01T00:00:00.000Z');
    expect(at('Jan 1 2027 12:30')).toBe('2027-01-01T12:30:00.000Z');
    expect(at('2027 jan 15')).toBe('2027-01-15T00:00:00.000Z');
    expect(at('12:00:00 15 March 2027')).toBe('2027-03-15T12:00:00.000Z');
    expect(at('1798761600')).toBe('2027-01-01T00:00:00.000Z');
    expect(at('2027-01-01T00:00:00+03:00')).toBe('2026-12-31T21:00:00.000Z');
    expect(at('2027-01-01')).toBe('2027-01-01T00:00:00.000Z');
    // In the FreeRADIUS server's zone when it has none.
    expect(at('01 Jan 2027 00:00:00', 'America/Bogota')).toBe('2027-01-01T05:00:00.000Z');
  });
  it('refuses what FreeRADIUS refuses', () => {
    for (const bad of ['someday', '01 Jan 27', '31 Feb 2027', 'Foo 01 2027', '01 Jan 2027 25:00', '2027-13-01', '']) {
      expect(at(bad)).toMatch(/is not a date FreeRADIUS reads/);
    }
  });
});

describe('--plan-map', () => {
  const plans = new Set(['home-10', 'business-50']);
  it('reads "group = plan" lines, the last "=" separating', () => {
    const map = parsePlanMap('# daloRADIUS profiles\nhome = home-10\n10M Fibre=business-50  # comment\n\n', (p) => plans.has(p), 'map.txt', 'group');
    expect([...map]).toEqual([['home', 'home-10'], ['10M Fibre', 'business-50']]);
  });
  it('names every bad line at once', () => {
    let err: unknown;
    try {
      parsePlanMap('home = gold\nhome = home-10\nhome = home-10\nnoequals\nx\u0000 = home-10\n', (p) => plans.has(p), 'map.txt', 'group');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'IMPORT_INVALID' });
    const message = (err as Error).message;
    expect(message.split('\n')).toEqual([
      'map.txt: line 1: plan gold is not in plans.yaml',
      'map.txt: line 3: group home is mapped already on line 2',
      'map.txt: line 4: expected "group = plan"',
      'map.txt: line 5: contains control characters',
    ]);
  });
});
