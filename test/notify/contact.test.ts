/**
 * Subscriber contact fields (who reminders go to): one validation rule for the records, the CSV import and the
 * admin API; shown by the API; notification list over the API. PGlite, and PostgreSQL when DATABASE_URL is set.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseContact, validateContact } from '../../src/subscribers/contact.js';
import { readImportFile } from '../../src/subscribers/import.js';
import { ANY_CATALOG } from '../helpers/subscribers.js';
import { notifications } from '../../src/db/schema.js';
import { adminBench, type AdminBench } from '../web/admin/helpers.js';

const problems = (input: Parameters<typeof validateContact>[0]) => validateContact(normaliseContact(input));

describe('validateContact', () => {
  it('accepts ordinary values and clears empty ones', () => {
    expect(problems({ contactName: 'Ana María', email: 'ana.maria+isp@mail.example.co', phone: '+254 (0)712-345.678', notifyOptOut: true })).toEqual([]);
    expect(normaliseContact({ contactName: '  ', email: '', phone: ' 0712 ' })).toEqual({ contactName: null, email: null, phone: '0712' });
  });
  it('refuses bad e-mail, phone, long names and control characters, naming the field', () => {
    expect(problems({ email: 'no-at-sign.example' })).toEqual([expect.stringMatching(/^email: /)]);
    expect(problems({ email: 'a b@example.com' })).toEqual([expect.stringMatching(/^email: /)]);
    expect(problems({ email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com` })).toEqual([expect.stringMatching(/^email: /)]);
    expect(problems({ email: 'ana@example.com\r\nBcc: x@example.com' })).toEqual([expect.stringMatching(/^email: /)]);
    expect(problems({ phone: '0712; drop' })).toEqual([expect.stringMatching(/^phone: /)]);
    expect(problems({ phone: '+'.padEnd(40, '1') })).toEqual([expect.stringMatching(/^phone: /)]);
    expect(problems({ contactName: 'x'.repeat(101) })).toEqual([expect.stringMatching(/^contact_name: at most 100/)]);
    expect(problems({ contactName: 'x'.repeat(100) })).toEqual([]);
    expect(problems({ contactName: 'Ana\u0007' })).toEqual(['contact_name: must not contain control characters']);
  });
});

describe('CSV import', () => {
  it('reads the contact columns and reports a bad one by line and field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-import-'));
    const file = path.join(dir, 'subs.csv');
    writeFileSync(file, [
      'username,password,plan,account,contact_name,email,phone,notify_opt_out',
      'ann,pw,home-10,A-1,Ann Example,ann@example.net,+1 555 0101,no',
      'ben,pw,home-10,A-2,,,,yes',
      'cat,pw,home-10,A-3,Cat,not-an-address,,',
      'dan,pw,home-10,A-4,Dan,,,maybe',
    ].join('\n'));
    const { good, problems: found } = readImportFile(file, ANY_CATALOG, 'default');
    expect(good.map((g) => [g.subscriber.username, g.subscriber.contactName, g.subscriber.email, g.subscriber.phone, g.subscriber.notifyOptOut])).toEqual([
      ['ann', 'Ann Example', 'ann@example.net', '+1 555 0101', false],
      ['ben', undefined, undefined, undefined, true],
    ]);
    expect(found).toEqual([
      `${file}: line 4: email: not an e-mail address (local@domain, at most 254 characters)`,
      `${file}: line 5: notify_opt_out: yes or no`,
    ]);
  });
});

describe('admin API', () => {
  let b: AdminBench;
  beforeAll(async () => {
    b = await adminBench();
  });
  afterAll(async () => {
    await b?.close();
  });

  it('creates, shows and updates the contact fields; refuses bad ones with the field named', async () => {
    const created = await b.call('POST', '/subscribers', {
      body: { username: 'eve', account: 'A-eve', plan: 'home-10', password: 'secret-pw', contact_name: 'Eve Example', email: 'eve@example.net', phone: '+1 555 0199' },
    });
    expect(created.status).toBe(201);
    const row = (await created.json()) as Record<string, unknown>;
    expect(row).toMatchObject({ contact_name: 'Eve Example', email: 'eve@example.net', phone: '+1 555 0199', notify_opt_out: false });

    const patched = await b.call('PATCH', `/subscribers/${row.id}`, { body: { email: null, notify_opt_out: true } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ contact_name: 'Eve Example', email: null, phone: '+1 555 0199', notify_opt_out: true });

    const bad = await b.call('PATCH', `/subscribers/${row.id}`, { body: { email: 'eve@', phone: 'call me' } });
    expect(bad.status).toBe(400);
    const body = JSON.stringify(await bad.json());
    expect(body).toContain('body.email');
    expect(body).toContain('body.phone');
    const fetched = await (await b.call('GET', `/subscribers/${row.id}`)).json();
    expect(fetched).toMatchObject({ email: null, phone: '+1 555 0199' });
  });

  it('lists notifications (none yet: the example workspace has no channels)', async () => {
    const res = await b.call('GET', '/notifications?state=failed', { token: b.tokens.read });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ items: [] });
    expect((await b.call('GET', '/notifications?state=nope', { token: b.tokens.read })).status).toBe(400);
  });

  it('shows a failed notification with its reason, and no address', async () => {
    const created = await b.call('POST', '/subscribers', {
      body: { username: 'fay', account: 'A-fay', plan: 'home-10', password: 'secret-pw', email: 'fay@example.net' },
    });
    const { id } = (await created.json()) as { id: number };
    // A row as the worker leaves it after its last attempt (src/notify/queue.ts finishes rows this way).
    await b.database.db.insert(notifications).values({
      workspaceId: 'default', subscriberId: id, channel: 'email', kind: 'expired', dedupeKey: `test-${id}:email`,
      state: 'failed', attempts: 5, lastError: 'EENVELOPE 550 after RCPT', finishedAt: new Date(),
    });
    const res = await b.call('GET', '/notifications?state=failed', { token: b.tokens.read });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ items: [{ subscriber_id: id, channel: 'email', kind: 'expired', state: 'failed', attempts: 5, last_error: 'EENVELOPE 550 after RCPT' }] });
    expect(text).not.toContain('fay@example.net');
  });
});
