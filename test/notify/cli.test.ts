/** The contact fields and the notification list through the `radgate` binary (an operator's path). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

let database: TestDatabase;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  database = await freshDatabase();
  env = { RADGATE_CONFIG: testConfig(), RADGATE_DATA_DIR: database.dataDir, ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}) };
});

afterAll(async () => {
  await database?.cleanup();
});

describe('radgate subscriber contact fields', () => {
  it('add with contact fields, show them, set-contact changes and clears, bad values are refused by field', async () => {
    const add = await runCli(['subscriber', 'add', 'zoe', '--plan', 'home-10', '--account', 'ACC-9', '--password', 'pw',
      '--name', 'Zoe Example', '--email', 'zoe@example.net', '--phone', '+1 555 0142'], env);
    expect(add.stdout).toMatch(/^added zoe/);
    expect(add.code).toBe(0);
    const show = await runCli(['subscriber', 'show', 'zoe'], env);
    expect(show.stdout).toMatch(/contact name\s+Zoe Example/);
    expect(show.stdout).toMatch(/email\s+zoe@example\.net/);
    expect(show.stdout).toMatch(/phone\s+\+1 555 0142/);
    expect(show.stdout).toMatch(/reminders\s+yes/);

    const set = await runCli(['subscriber', 'set-contact', 'zoe', '--email', 'none', '--opt-out'], env);
    expect(set.stdout).toBe('contact of zoe: Zoe Example, -, +1 555 0142 (opted out of reminders)\n');
    const json = JSON.parse((await runCli(['subscriber', 'show', 'zoe', '--json'], env)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ contactName: 'Zoe Example', email: null, phone: '+1 555 0142', notifyOptOut: true });

    const bad = await runCli(['subscriber', 'set-contact', 'zoe', '--email', 'zoe@@example', '--name', 'x'.repeat(101)], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('email: not an e-mail address');
    expect(bad.stderr).toContain('contact_name: at most 100 characters');
  });

  it('radgate notifications lists by state', async () => {
    const list = await runCli(['notifications', '--failed'], env);
    expect(list.stderr).toBe('');
    expect(list.stdout).toBe('0 pending, 0 running, 0 sent, 0 failed, 0 skipped\nno failed notifications\n');
    const bad = await runCli(['notifications', '--state', 'lost'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--state: "lost" is not one of');
  });
});
