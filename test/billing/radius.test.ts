/**
 * End to end on a running radgate: the admin API mounted under /api/v1 on the main web port, a subscriber whose
 * payment lapsed gets the expired profile from radclient (a real RADIUS peer), a payment through the API, and the
 * very next Access-Request gets the plan — no waiting for an evaluator tick.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribers } from '../../src/db/schema.js';
import { generateToken } from '../../src/web/admin/auth.js';
import { freshDatabase } from '../helpers/database.js';
import { radclient } from '../helpers/radclient.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';

let t: TestRadgate;
const token = generateToken('billing-system', 'write');
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'admin.yaml': `tokens:\n${token.yaml}\n` } });
});
afterAll(async () => {
  await t?.stop();
});

const api = (method: string, path: string, body?: unknown, bearer: string | null = token.token) =>
  fetch(`http://127.0.0.1:${t.radgate.ports.http}/api/v1${path}`, {
    method,
    headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });

const login = (user: string, password: string) =>
  radclient({ port: t.radgate.ports.auth, type: 'auth', input: `User-Name = "${user}", User-Password = "${password}", Message-Authenticator = 0x00` });

describe('a payment takes effect at the next login', () => {
  it('the API is mounted on the main web app and refuses calls without a token', async () => {
    const res = await api('GET', '/subscribers', undefined, null);
    expect(res.status).toBe(401);
    const doc = await api('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('expired gets the expired profile; right after a payment, the plan', async () => {
    // Paid until ten days ago: grace (2 days) is over, suspension (30 days) is not.
    const paidUntil = new Date(Date.now() - 10 * DAY).toISOString();
    const created = await api('POST', '/subscribers', { username: 'late-payer', account: 'A-late', plan: 'home-10', password: 'pay-me', paid_until: paidUntil });
    expect(created.status).toBe(201);
    const subscriber = (await created.json()) as { id: number; status: string };
    expect(subscriber.status).toBe('expired');

    const before = await login('late-payer', 'pay-me');
    expect(before.code).toBe('Access-Accept');
    expect(before.attributes['Mikrotik-Group']).toEqual(['expired']);
    expect(before.attributes['Mikrotik-Address-List']).toEqual(['radgate-unpaid']);

    const paid = await api('POST', '/payments', { subscriber_id: subscriber.id, amount: 2500, method: 'mpesa', reference: 'E2E-1' });
    expect(paid.status).toBe(201);
    expect(((await paid.json()) as { status: { status: string } }).status.status).toBe('active');

    const after = await login('late-payer', 'pay-me');
    expect(after.code).toBe('Access-Accept');
    expect(after.attributes['Mikrotik-Group']).toEqual(['home']);
    expect(after.attributes['Mikrotik-Rate-Limit']).toEqual(['2M/10M']);
    expect(after.attributes['Mikrotik-Address-List']).toBeUndefined();

    // The transition was handed to enforcement (the outbox) and logged with the token's name, never the token.
    const calls = t.logs.filter((l) => l.msg === 'admin api call' && l.path === '/api/v1/payments');
    expect(calls).toContainEqual(expect.objectContaining({ tokenName: 'billing-system', status: 201 }));
    expect(t.rawLog()).not.toContain(token.token);
  });

  it('a suspended subscriber is refused; a promise to pay lets the next login in', async () => {
    const paidUntil = new Date(Date.now() - 45 * DAY).toISOString();
    const created = (await (await api('POST', '/subscribers', { username: 'very-late', account: 'A-very', plan: 'home-10', password: 'later', paid_until: paidUntil })).json()) as { id: number; status: string };
    expect(created.status).toBe('suspended');
    expect((await login('very-late', 'later')).code).toBe('Access-Reject');
    const until = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
    const promised = await api('POST', `/subscribers/${created.id}/promise`, { until, reason: 'pays on Friday' });
    expect(((await promised.json()) as { status: string }).status).toBe('grace');
    const after = await login('very-late', 'later');
    expect(after.code).toBe('Access-Accept');
    expect(after.attributes['Mikrotik-Group']).toEqual(['home']);
  });
});

describe('catch-up after downtime', () => {
  it('a threshold passed while radgate was down is applied at start, before the next login', async () => {
    const database = await freshDatabase();
    try {
      const first = await startTestRadgate({ database, config: { 'admin.yaml': `tokens:\n${token.yaml}\n` } });
      const created = await fetch(`http://127.0.0.1:${first.radgate.ports.http}/api/v1/subscribers`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'sleeper', account: 'A-sleep', plan: 'home-10', password: 'zz', paid_until: new Date(Date.now() + 20 * DAY).toISOString() }),
      });
      const { id } = (await created.json()) as { id: number };
      await first.stop();
      // While radgate was down, time passed: paid_until is now 5 days ago (the row still says active).
      const { openDatabase } = await import('../../src/db/client.js');
      const db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, role: 'tool' });
      await db.db.update(subscribers).set({ paidUntil: new Date(Date.now() - 5 * DAY) }).where(eq(subscribers.id, id));
      expect((await db.db.select().from(subscribers).where(eq(subscribers.id, id)))[0]!.status).toBe('active');
      await db.close();

      const second = await startTestRadgate({ database });
      try {
        await eventually(() => expect(second.radgate.directory.find('default', 'sleeper')?.status).toBe('expired'), 10_000);
        const r = await radclient({ port: second.radgate.ports.auth, type: 'auth', input: 'User-Name = "sleeper", User-Password = "zz", Message-Authenticator = 0x00' });
        expect(r.attributes['Mikrotik-Group']).toEqual(['expired']);
        expect(second.logs).toContainEqual(expect.objectContaining({ msg: 'billing evaluation applied transitions', transitions: 1 }));
      } finally {
        await second.stop();
      }
    } finally {
      await database.cleanup();
    }
  });
});
