/**
 * Marking subscribers router-local from the command line (`radgate subscriber add --auth local`, `set-auth`, `show`)
 * and by CSV import — in-process through the function `radgate` dispatches to, on a fresh database and the example
 * config with a router NAS in each of two workspaces.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { subscriberCommand } from '../../src/cli/subscriber-commands.js';
import { listJobs } from '../../src/enforce/jobs.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
const saved = { ...process.env };

/** A second workspace, `west`, a copy of the example's; core-1 serves `default`, west-1 serves `west`. */
const config = () => testConfig({
  'workspaces.yaml': (text) => {
    const doc = YAML.parse(text) as { workspaces: Array<Record<string, unknown>> };
    doc.workspaces.push({ ...doc.workspaces[0]!, id: 'west', name: 'West ISP' });
    return YAML.stringify(doc);
  },
  'nas.yaml': (text) => `${text}
  - name: core-1
    address: 10.0.0.1
    secret: core1-secret-0123456789
    workspace: default
    api: { host: 10.0.0.1, user: radgate, password: api-secret-pw }
  - name: west-1
    address: 10.0.0.2
    secret: west1-secret-0123456789
    workspace: west
    api: { host: 10.0.0.2, user: radgate, password: api-secret-pw }
`,
});

beforeAll(async () => {
  database = await freshDatabase();
  process.env.RADGATE_CONFIG = config();
  process.env.RADGATE_DATA_DIR = database.dataDir;
  if (database.databaseUrl) process.env.DATABASE_URL = database.databaseUrl;
  else delete process.env.DATABASE_URL;
  process.env.RADGATE_PASSWORD_KEY = Buffer.alloc(32, 9).toString('base64');
});
afterAll(async () => {
  process.env = saved;
  await database?.cleanup();
});

async function run(argv: string[]): Promise<string> {
  const ctx = new CliContext();
  try {
    return await subscriberCommand(ctx, argv);
  } finally {
    await ctx.close();
  }
}

async function show(username: string, workspace = 'default'): Promise<Record<string, unknown>> {
  return JSON.parse(await run(['show', username, '--json', '--workspace', workspace])) as Record<string, unknown>;
}

async function jobsOf(id: unknown) {
  const ctx = new CliContext();
  try {
    return await listJobs((await ctx.db()).db, { subscriberId: Number(id) });
  } finally {
    await ctx.close();
  }
}

const add = (username: string, ...extra: string[]) =>
  run(['add', username, '--plan', 'home-10', '--account', `A-${username}`, '--password', 'pw', '--workspace', 'default', ...extra]);

describe('radgate subscriber add --auth local', () => {
  it('marks the subscriber local; show says where the entry is', async () => {
    expect(await add('alice', '--auth', 'local', '--local-nas', 'core-1')).toMatch(/^added alice \(id \d+, workspace default, plan home-10, active, local: \/ppp\/secret alice on core-1\)$/);
    expect(await show('alice')).toMatchObject({ auth: 'local', localNas: 'core-1', localName: null, localService: 'ppp' });
    expect(await run(['show', 'alice', '--workspace', 'default'])).toMatch(/^auth\s+local: \/ppp\/secret alice on core-1$/m);

    await add('bea', '--auth', 'local', '--local-nas', 'core-1', '--local-name', 'bea@tower', '--local-service', 'hotspot');
    expect(await run(['show', 'bea', '--workspace', 'default'])).toMatch(/^auth\s+local: \/ip\/hotspot\/user bea@tower on core-1$/m);
    // Adding queues nothing: the entry is brought in line by the first status change (or `radgate enforce`).
    expect(await jobsOf((await show('bea')).id)).toEqual([]);

    await add('cid');
    expect(await show('cid')).toMatchObject({ auth: 'radius', localNas: null, localName: null, localService: null });
    expect(await run(['show', 'cid', '--workspace', 'default'])).toMatch(/^auth\s+radius$/m);
  });

  it('refuses bad values, each named by its field, and adds nothing', async () => {
    const cases: Array<[string[], string]> = [
      [['--auth', 'local', '--local-nas', 'nope'], 'local_nas: no NAS named "nope" in nas.yaml'],
      [['--auth', 'local', '--local-nas', 'west-1'], 'local_nas: NAS "west-1" serves workspace west, not default'],
      [['--auth', 'local'], 'local_nas: required with auth local'],
      [['--auth', 'local', '--local-nas', 'core-1', '--local-name', 'bad\u0007name'], 'local_name: 1–253 characters, no control characters'],
      [['--auth', 'local', '--local-nas', 'core-1', '--local-name', 'a\nb'], 'local_name: 1–253 characters, no control characters'],
      [['--auth', 'local', '--local-nas', 'core-1', '--local-name', 'x'.repeat(254)], 'local_name: 1–253 characters'],
      [['--auth', 'local', '--local-nas', 'core-1', '--local-service', 'pptp'], 'local_service: one of ppp, hotspot'],
      [['--auth', 'ldap'], 'auth: radius or local'],
      [['--local-nas', 'core-1'], 'local_nas: only for auth local'],
    ];
    for (const [extra, message] of cases) {
      await expect(add('dan', ...extra), extra.join(' ')).rejects.toThrow(message);
    }
    await expect(run(['show', 'dan', '--workspace', 'default'])).rejects.toThrow('no subscriber "dan"');
  });
});

describe('radgate subscriber set-auth', () => {
  it('moves a subscriber between radius and local, keeps what is not given, and queues a job each time', async () => {
    await add('eli');
    const id = (await show('eli')).id;
    expect(await run(['set-auth', 'eli', 'local', '--local-nas', 'core-1', '--local-service', 'hotspot', '--workspace', 'default']))
      .toBe('eli auth: local: /ip/hotspot/user eli on core-1 (enforcement job queued: it brings the router entry in line)');
    const [first] = await jobsOf(id);
    expect(first).toMatchObject({ kind: 'manual', state: 'pending', reason: 'radgate subscriber set-auth (command line)', toStatus: 'active' });

    // Only the name changes: the NAS and the service stay.
    await run(['set-auth', 'eli', 'local', '--local-name', 'eli-hs', '--workspace', 'default']);
    expect(await show('eli')).toMatchObject({ auth: 'local', localNas: 'core-1', localName: 'eli-hs', localService: 'hotspot' });
    // "" gives the username back.
    await run(['set-auth', 'eli', 'local', '--local-name', '', '--workspace', 'default']);
    expect(await show('eli')).toMatchObject({ localName: null });

    expect(await run(['set-auth', 'eli', 'radius', '--workspace', 'default'])).toBe('eli auth: radius (enforcement job queued: it brings the live sessions in line)');
    expect(await show('eli')).toMatchObject({ auth: 'radius', localNas: null, localName: null, localService: null });
    expect((await jobsOf(id)).map((j) => j.kind)).toEqual(['manual', 'manual', 'manual', 'manual']);
  });

  it('refuses what add refuses, and an unknown auth as a usage error; nothing changes', async () => {
    await add('fay');
    const id = (await show('fay')).id;
    await expect(run(['set-auth', 'fay', 'local', '--workspace', 'default'])).rejects.toThrow('local_nas: required with auth local');
    await expect(run(['set-auth', 'fay', 'local', '--local-nas', 'west-1', '--workspace', 'default'])).rejects.toThrow('serves workspace west, not default');
    await expect(run(['set-auth', 'fay', 'radius', '--local-nas', 'core-1', '--workspace', 'default'])).rejects.toThrow('local_nas: only for auth local');
    await expect(run(['set-auth', 'fay', 'ldap', '--workspace', 'default'])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(run(['set-auth', 'nobody', 'radius', '--workspace', 'default'])).rejects.toThrow('no subscriber "nobody"');
    expect(await show('fay')).toMatchObject({ auth: 'radius' });
    expect(await jobsOf(id)).toEqual([]);
  });
});

describe('radgate subscriber import: auth columns', () => {
  it('imports local subscribers; a bad value names its line and field, and one bad row among good ones is skipped with --skip-bad', async () => {
    const file = path.join(database.dataDir, 'local.csv');
    writeFileSync(file, [
      'username,password,plan,account,workspace,auth,local_nas,local_name,local_service',
      'csv1,pw,home-10,C-1,default,local,core-1,,',
      'csv2,pw,home-10,C-2,default,LOCAL,core-1,csv2@tower,hotspot',
      'csv3,pw,home-10,C-3,default,,,,',
      'csv4,pw,home-10,C-4,default,local,nope,,',
      'csv5,pw,home-10,C-5,default,local,west-1,,',
      'csv6,pw,home-10,C-6,default,local,core-1,"bad\u0001name",',
      'csv7,pw,home-10,C-7,default,local,core-1,"two\nlines",',
      'csv8,pw,home-10,C-8,default,local,core-1,,pptp',
      'csv9,pw,home-10,C-9,default,ldap,,,',
      'csv10,pw,home-10,C-10,west,local,west-1,,',
    ].join('\n') + '\n');
    const strict = run(['import', file, '--quiet']);
    await expect(strict).rejects.toThrow('nothing imported');
    const message = await strict.catch((err: Error) => err.message);
    expect(message).toContain(`${file}: line 5: local_nas: no NAS named "nope" in nas.yaml`);
    expect(message).toContain(`${file}: line 6: local_nas: NAS "west-1" serves workspace west, not default`);
    expect(message).toContain(`${file}: line 7: local_name: 1–253 characters, no control characters`);
    expect(message).toContain(`${file}: line 8: local_name: 1–253 characters, no control characters`);
    expect(message).toContain(`${file}: line 10: local_service: one of ppp, hotspot`);
    expect(message).toContain(`${file}: line 11: auth: radius or local`);
    await expect(show('csv1')).rejects.toThrow('no subscriber "csv1"');

    const lenient = await run(['import', file, '--skip-bad', '--quiet']);
    expect(lenient).toMatch(/^imported 4 subscribers/);
    expect(lenient).toContain('skipped 6 problem(s):');
    expect(await show('csv1')).toMatchObject({ auth: 'local', localNas: 'core-1', localName: null, localService: 'ppp' });
    expect(await show('csv2')).toMatchObject({ auth: 'local', localNas: 'core-1', localName: 'csv2@tower', localService: 'hotspot' });
    expect(await show('csv3')).toMatchObject({ auth: 'radius', localNas: null });
    expect(await show('csv10', 'west')).toMatchObject({ auth: 'local', localNas: 'west-1', workspaceId: 'west' });
  });
});
