/**
 * The admin API in-process: authentication on every route of the route table, scopes, validation errors that list
 * fields, pagination, the subscriber/payment/billing operations end to end, logging by token name, no internals in
 * error replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../../src/db/schema.js';
import { adminBench, json, type AdminBench } from './helpers.js';

let b: AdminBench;
beforeAll(async () => {
  b = await adminBench();
});
afterAll(async () => {
  await b?.close();
});

const concrete = (path: string) => path.replace(/\{[a-z_]+\}/g, '1');

async function create(username: string, extra: Record<string, unknown> = {}) {
  const res = await b.call('POST', '/subscribers', { body: { username, account: `A-${username}`, plan: 'home-10', password: 'secret-pw', ...extra } });
  expect(res.status).toBe(201);
  return json<{ id: number; status: string; paid_until: string | null }>(res);
}

describe('authentication and scopes, on every route', () => {
  it('the route table is what the app serves', () => {
    expect(b.routes.length).toBeGreaterThanOrEqual(18);
    expect(new Set(b.routes.map((r) => `${r.method} ${r.path}`)).size).toBe(b.routes.length);
  });

  it('401 without a token, with a malformed header and with an unknown token — on every route', async () => {
    for (const r of b.routes) {
      for (const token of [null, 'rg_not-a-configured-token', '']) {
        const res = await b.call(r.method.toUpperCase(), concrete(r.path), { token, body: r.body ? {} : undefined });
        expect(res.status, `${r.method} ${r.path} with ${JSON.stringify(token)}`).toBe(401);
        expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="radgate"/);
        expect(await json(res)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      }
    }
  });

  it('403 for a read token on every write route; read routes accept it', async () => {
    for (const r of b.routes) {
      const res = await b.call(r.method.toUpperCase(), concrete(r.path), { token: b.tokens.read, body: r.body ? {} : undefined });
      if (r.scope === 'write') {
        expect(res.status, `${r.method} ${r.path}`).toBe(403);
        expect(await json(res)).toEqual({ error: { code: 'FORBIDDEN', message: `token "dashboard" has scope read; this call needs write` } });
      } else {
        expect([200, 404], `${r.method} ${r.path}`).toContain(res.status);
      }
    }
  });

  it('unknown routes need a token too, then answer 404 in JSON', async () => {
    expect((await b.call('GET', '/nope', { token: null })).status).toBe(401);
    const res = await b.call('GET', '/nope');
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ error: { code: 'NOT_FOUND', message: 'no such API route' } });
  });

  it('logs every call with the token name, never the token', async () => {
    await b.call('GET', '/subscribers', { token: b.tokens.read });
    await b.call('GET', '/subscribers', { token: 'rg_wrong' });
    const calls = b.logs.filter((l) => l.msg === 'admin api call');
    expect(calls).toContainEqual(expect.objectContaining({ tokenName: 'dashboard', method: 'GET', path: '/subscribers', status: 200 }));
    expect(calls).toContainEqual(expect.objectContaining({ tokenName: null, status: 401 }));
    const raw = b.rawLog();
    expect(raw).not.toContain(b.tokens.read);
    expect(raw).not.toContain(b.tokens.write);
    expect(raw).not.toContain('rg_wrong');
  });
});

describe('validation errors list the fields', () => {
  it('a payment with wrong types, a missing field and an unknown one', async () => {
    const res = await b.call('POST', '/payments', { body: { amount: '25.00', currency: 'usd', colour: 'red' } });
    expect(res.status).toBe(400);
    const body = await json<{ error: { code: string; problems: Array<{ field: string; message: string }> } }>(res);
    expect(body.error.code).toBe('INVALID_REQUEST');
    const fields = body.error.problems.map((p) => p.field).sort();
    expect(fields).toEqual(['body', 'body.amount', 'body.currency', 'body.subscriber_id']);
    expect(body.error.problems.find((p) => p.field === 'body')?.message).toBe('unknown field(s): colour');
  });

  it('bad query parameters, unknown ones, a non-numeric id, bad JSON', async () => {
    const limit = await json<{ error: { problems: Array<{ field: string }> } }>(await b.call('GET', '/subscribers?limit=0&offset=-1'));
    expect(limit.error.problems.map((p) => p.field).sort()).toEqual(['query.limit', 'query.offset']);
    const unknown = await b.call('GET', '/subscribers?stauts=active');
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toMatchObject({ error: { problems: [{ field: 'query.stauts' }] } });
    const id = await b.call('GET', '/subscribers/abc');
    expect(id.status).toBe(400);
    expect(await json(id)).toMatchObject({ error: { problems: [{ field: 'path.id' }] } });
    const bad = await b.call('POST', '/payments', { raw: '{"amount": 25' });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({ error: { code: 'INVALID_REQUEST', message: 'the request is invalid', problems: [{ field: 'body', message: 'must be JSON' }] } });
  });

  it('domain validation names the field too (subscriber service, payment rules, dates)', async () => {
    const sub = await b.call('POST', '/subscribers', { body: { username: 'x1', account: 'A-x1', plan: 'gold', password: 'pw' } });
    expect(sub.status).toBe(400);
    expect(await json(sub)).toMatchObject({ error: { problems: [{ field: 'body.plan', message: 'unknown plan "gold" (not in plans.yaml)' }] } });
    const s = await create('dates');
    const when = await b.call('POST', `/subscribers/${s.id}/promise`, { body: { until: '2025-02-30' } });
    expect(when.status).toBe(400);
    expect(await json(when)).toMatchObject({ error: { code: 'INVALID_REQUEST', problems: [{ field: 'body.until' }] } });
  });
});

describe('subscribers', () => {
  it('pagination walks every subscriber once; filters narrow it', async () => {
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']) await create(`page-${n}`);
    const all = await json<{ total: number }>(await b.call('GET', '/subscribers?q=page-&limit=500'));
    expect(all.total).toBe(7);
    const seen: string[] = [];
    for (let offset = 0; offset < 7; offset += 3) {
      const page = await json<{ items: Array<{ username: string }>; total: number; limit: number; offset: number }>(
        await b.call('GET', `/subscribers?q=page-&limit=3&offset=${offset}`),
      );
      expect(page).toMatchObject({ total: 7, limit: 3, offset });
      expect(page.items.length).toBe(Math.min(3, 7 - offset));
      seen.push(...page.items.map((i) => i.username));
    }
    expect(seen).toEqual(['page-p1', 'page-p2', 'page-p3', 'page-p4', 'page-p5', 'page-p6', 'page-p7']);
    const exact = await json<{ items: Array<{ username: string }> }>(await b.call('GET', '/subscribers?username=page-p4'));
    expect(exact.items.map((i) => i.username)).toEqual(['page-p4']);
  });

  it('create (with paid_until), get, update, delete', async () => {
    const s = await create('crud', { paid_until: '2025-02-28' });
    expect(s).toMatchObject({ status: 'active', paid_until: '2025-03-01T00:00:00.000Z' });
    const got = await json(await b.call('GET', `/subscribers/${s.id}`));
    expect(got).toMatchObject({ username: 'crud', paid_through: '2025-02-28', balance: 0, currency: 'USD', credential: 'password' });
    expect(JSON.stringify(got)).not.toContain('secret-pw');

    const patched = await b.call('PATCH', `/subscribers/${s.id}`, { body: { plan: 'business-50', static_ip: '100.64.0.9', paid_until: '2025-01-16', reason: 'correction' } });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ plan: 'business-50', static_ip: '100.64.0.9', status: 'due_soon', currency: 'USD' });
    expect((await b.call('PATCH', `/subscribers/${s.id}`, { body: {} })).status).toBe(400);

    expect((await b.call('DELETE', `/subscribers/${s.id}`)).status).toBe(204);
    const gone = await b.call('GET', `/subscribers/${s.id}`);
    expect(gone.status).toBe(404);
    expect(await json(gone)).toMatchObject({ error: { code: 'SUBSCRIBER_NOT_FOUND' } });
  });

  it('a duplicate username is 409', async () => {
    await create('dup');
    const res = await b.call('POST', '/subscribers', { body: { username: 'dup', account: 'A-other', plan: 'home-10', password: 'pw' } });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: { code: 'SUBSCRIBER_EXISTS' } });
  });
});

describe('payments and billing', () => {
  it('a payment restores an expired subscriber at once; the same reference again is 200 and changes nothing', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const s = await create('payer', { paid_until: '2025-01-05' });
    expect(s.status).toBe('expired');
    const first = await b.call('POST', '/payments', { body: { subscriber_id: s.id, amount: 2500, method: 'mpesa', reference: 'QK12' } });
    expect(first.status).toBe(201);
    const outcome = await json<{ payment: { id: number; cycles: number; actor: string }; transition: unknown; status: { status: string; paid_through: string; next: unknown } }>(first);
    expect(outcome.payment).toMatchObject({ cycles: 1, actor: 'api:billing-system' });
    expect(outcome.transition).toMatchObject({ from: 'expired', to: 'active' });
    expect(outcome.status).toMatchObject({ status: 'active', paid_through: '2025-02-05' });

    const again = await b.call('POST', '/payments', { body: { subscriber_id: s.id, amount: 2500, method: 'mpesa', reference: 'QK12' } });
    expect(again.status).toBe(200);
    expect(await json(again)).toMatchObject({ duplicate: true, transition: null, payment: { id: outcome.payment.id }, status: { paid_through: '2025-02-05' } });
    const conflict = await b.call('POST', '/payments', { body: { subscriber_id: s.id, amount: 100, reference: 'QK12' } });
    expect(conflict.status).toBe(409);

    const list = await json<{ items: Array<{ id: number }>; total: number }>(await b.call('GET', `/payments?subscriber_id=${s.id}`));
    expect(list.total).toBe(1);
    expect((await b.call('GET', `/payments/${outcome.payment.id}`)).status).toBe(200);

    const voided = await b.call('POST', `/payments/${outcome.payment.id}/void`, { body: { reason: 'chargeback' } });
    expect(await json(voided)).toMatchObject({ already_voided: false, transition: { from: 'active', to: 'expired' }, status: { status: 'expired' } });
    const kept = await json<{ total: number }>(await b.call('GET', `/payments?subscriber_id=${s.id}&include_voided=false`));
    expect(kept.total).toBe(0);
  });

  it('status, next transition, promise, operator status, disable/enable and history', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const s = await create('ops', { paid_until: '2025-01-16' });
    const status = await json(await b.call('GET', `/subscribers/${s.id}/status`));
    expect(status).toMatchObject({
      status: 'due_soon', managed: true, timezone: 'UTC', open_sessions: 0,
      next: { status: 'grace', at: '2025-01-17T00:00:00.000Z' },
    });

    b.clock.now = new Date('2025-01-25T00:00:00Z');
    await b.call('POST', '/evaluate', { body: {} });
    expect(await json(await b.call('GET', `/subscribers/${s.id}/status`))).toMatchObject({ status: 'expired' });

    const promised = await json(await b.call('POST', `/subscribers/${s.id}/promise`, { body: { until: '2025-01-27', reason: 'salary on Monday' } }));
    expect(promised).toMatchObject({ status: 'grace', promise_until: '2025-01-28T00:00:00.000Z', next: { status: 'expired', at: '2025-01-28T00:00:00.000Z' } });

    const pinned = await b.call('POST', `/subscribers/${s.id}/status`, { body: { status: 'suspended' } });
    expect(pinned.status).toBe(400);
    expect(await json(await b.call('POST', `/subscribers/${s.id}/status`, { body: { status: 'suspended', reason: 'fraud check' } }))).toMatchObject({ status: 'suspended' });
    expect(await json(await b.call('POST', `/subscribers/${s.id}/status`, { body: { status: 'auto' } }))).toMatchObject({ status: 'grace', override: null });
    expect(await json(await b.call('POST', `/subscribers/${s.id}/disable`, { body: { reason: 'moved' } }))).toMatchObject({ status: 'disabled', managed: false });
    expect(await json(await b.call('POST', `/subscribers/${s.id}/enable`))).toMatchObject({ status: 'grace' });

    const history = await json<{ items: Array<{ kind: string; from_status: string | null; to_status: string | null; actor: string }>; total: number }>(
      await b.call('GET', `/subscribers/${s.id}/history?limit=100`),
    );
    const transitions = history.items.filter((e) => e.kind === 'transition').map((e) => `${e.from_status}→${e.to_status} by ${e.actor}`).reverse();
    expect(transitions).toEqual([
      'active→due_soon by api:billing-system',
      'due_soon→expired by evaluator',
      'expired→grace by api:billing-system',
      'grace→suspended by api:billing-system',
      'suspended→grace by api:billing-system',
      'grace→disabled by api:billing-system',
      'disabled→grace by api:billing-system',
    ]);
    const page = await json<{ items: unknown[]; total: number }>(await b.call('GET', `/subscribers/${s.id}/history?limit=2&offset=1`));
    expect(page.items).toEqual(history.items.slice(1, 3));
  });

  it('evaluate with dry_run reports without writing', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const s = await create('dry', { paid_until: '2025-01-20' });
    b.clock.now = new Date('2025-03-01T00:00:00Z');
    const dry = await json<{ dry_run: boolean; transitions: Array<{ subscriber_id: number; to: string }> }>(await b.call('POST', '/evaluate', { body: { dry_run: true } }));
    expect(dry.dry_run).toBe(true);
    expect(dry.transitions.find((t) => t.subscriber_id === s.id)).toMatchObject({ to: 'suspended' });
    expect(await json(await b.call('GET', `/subscribers/${s.id}`))).toMatchObject({ status: 'active' });
  });

  it('sessions come from src/sessions', async () => {
    const s = await create('online');
    const now = new Date();
    await b.database.db.insert(sessions).values({
      workspaceId: 'default', nasName: 'local', nasAddress: '127.0.0.1', acctSessionId: '81000001', username: 'online',
      subscriberId: s.id, framedIpAddress: '100.64.3.3', startedAt: now, lastSeen: now, lastStatus: 'Start', interimInterval: 300,
    });
    const list = await json<{ items: Array<{ username: string; framed_ip_address: string }> }>(await b.call('GET', '/sessions?username=online'));
    expect(list.items).toMatchObject([{ username: 'online', framed_ip_address: '100.64.3.3', acct_input_octets: '0' }]);
    expect(await json(await b.call('GET', `/subscribers/${s.id}/sessions`))).toMatchObject({ items: [{ acct_session_id: '81000001' }] });
    expect(await json(await b.call('GET', `/subscribers/${s.id}/status`))).toMatchObject({ open_sessions: 1 });
  });
});

describe('errors never carry internals', () => {
  it('a database failure is a plain 500 and the detail goes to the log', async () => {
    const broken = await adminBench();
    await broken.database.close();
    const res = await broken.call('GET', '/subscribers');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(text).not.toMatch(/at .*\.(ts|js)/);
    // The log line: code and message (no query, parameters or stack), and one a minute per route, counting the rest.
    for (let i = 0; i < 5; i++) expect((await broken.call('GET', '/subscribers')).status).toBe(500);
    const lines = broken.logs.filter((l) => String(l.msg).startsWith('admin api internal error'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: 'GET', path: '/subscribers', error: { message: expect.any(String) } });
    expect(JSON.stringify(lines[0])).not.toMatch(/"(err|stack|query|parameters)"/);
    expect((await broken.call('GET', '/sessions')).status).toBe(500); // another route has its own line
    expect(broken.logs.filter((l) => String(l.msg).startsWith('admin api internal error'))).toHaveLength(2);
    await broken.testDatabase.cleanup();
  });
});
