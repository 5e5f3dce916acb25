/**
 * POST /hooks/payments/:provider over HTTP on a running radgate (src/web/hooks, src/payments), with the fake NAS as
 * the router: an expired subscriber with a live session pays through a signed gateway callback, and the router
 * receives the restore for that session (restore: reconnect → Disconnect-Request), exactly as after `radgate pay`.
 * Also the web layer's own answers: unknown provider 404, body too large 413 (declared or streamed), no second
 * payment for a repeated event, and the callback counter on /metrics.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/radius/codes.js';
import { FakeNas } from '../../helpers/fake-nas.js';
import { startTestRadgate, type TestRadgate } from '../../helpers/radgate.js';
import { acct, login } from '../../sessions/helpers.js';
import { eventually } from '../../helpers/eventually.js';
import { addSubscriber } from '../../helpers/subscribers.js';
import { fastWorkers, sessionRow } from '../../enforce/helpers.js';
import { get, linkPath } from '../reminder/helpers.js';
import { generateToken } from '../../../src/web/admin/auth.js';

const reader = generateToken('dashboard', 'read');

const GENERIC_KEY = 'e2e-generic-key-0123456789abcdef0123456789';
const STRIPE_SECRET = 'whsec_e2esecret0123456789';

let t: TestRadgate;
let router: FakeNas;
const db = () => t.radgate.database.db;
const url = (provider: string) => `http://127.0.0.1:${t.radgate.ports.http}/hooks/payments/${provider}`;

beforeAll(async () => {
  // The router radclient stands for (127.0.0.1, the example's `local` NAS), as in test/enforce/loop.test.ts.
  router = await FakeNas.start({ address: '127.0.0.1', secret: 'testing123' });
  t = await startTestRadgate({
    config: {
      'server.yaml': (text) => fastWorkers(text),
      'nas.yaml': (text) => text
        .replace('    coa_port: 3799\n', `    coa_port: ${router.port}\n`)
        .replace('      coa_timeout: 2s\n', '      coa_timeout: 200ms\n')
        .replace('      coa_tries: 5\n', '      coa_tries: 3\n'),
      'admin.yaml': `tokens:\n${reader.yaml}\n`,
      'generic.key': `${GENERIC_KEY}\n`,
      'stripe.key': `${STRIPE_SECRET}\n`,
      'workspaces.yaml': (text) => text.replace('checkout?account={account}', 'checkout?account={account}&ref={reference}').replace('    id: default\n', [
        '    id: default',
        '    payment_hooks:',
        '      generic: { keys: [ { file: generic.key } ] }',
        '      stripe: { keys: [ { file: stripe.key } ] }',
        '',
      ].join('\n')),
    },
  });
});

afterAll(async () => {
  await t?.stop();
  await router?.stop();
});

/** `t=<now>,v1=<HMAC-SHA256 of "<t>.<body>">`, computed here from the documented scheme. */
function signed(body: string, secret: string): string {
  const ts = Math.floor(Date.now() / 1000);
  return `t=${ts},v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
}

async function post(provider: string, body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } };
  if (typeof body !== 'string') init.duplex = 'half';
  const response = await fetch(url(provider), init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const session = {
  'User-Name': 'mira',
  'Acct-Session-Id': '91c00001',
  'NAS-IP-Address': '127.0.0.1',
  'Framed-IP-Address': '100.64.9.1',
  'NAS-Port-Type': 'Ethernet',
};

describe('a signed payment callback restores service', () => {
  it('expired subscriber, live session → callback → payment → the router gets the restore for that session', async () => {
    const { id } = await addSubscriber(t, { username: 'mira', plan: 'home-10', accountNumber: 'ACC-7001' });
    await t.radgate.billing.pay({ subscriberId: id, amount: 2500, actor: 'test', reference: 'opening' });
    const accept = await login(t.radgate.ports.auth, 'mira');
    expect(accept.code).toBe('Access-Accept');
    const start = await acct(t.radgate.ports.acct, { ...session, 'Acct-Status-Type': 'Start', Class: accept.attributes['Class']![0]! });
    expect(start.code).toBe('Accounting-Response');
    await eventually(async () => (await sessionRow(db(), '91c00001'))?.subscriberId === id, 20_000, 'the session');

    // The payment lapses (an operator correction stands in for the calendar): the router gets the expired profile.
    await t.radgate.billing.setPaidUntil(id, new Date(Date.now() - 5 * 86_400_000), 'lapsed', 'test');
    expect((await t.radgate.billing.get(id)).status).toBe('expired');
    const coa = await router.waitFor((r) => r.code === Code.CoaRequest);
    expect(coa.attributes).toMatchObject({ 'User-Name': 'mira', 'Acct-Session-Id': '91c00001', 'Mikrotik-Address-List': 'radgate-unpaid' });
    router.reset();

    // The gateway calls back.
    const body = JSON.stringify({ event_id: 'e2e-1', account: 'ACC-7001', amount: 2500, currency: 'USD', paid_at: new Date().toISOString() });
    const answer = await post('generic', body, { 'Radgate-Signature': signed(body, GENERIC_KEY) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'recorded', event_id: 'e2e-1' });
    const { items } = await t.radgate.billing.listPayments({ subscriberId: id });
    expect(items.map((p) => [p.reference, p.method, p.actor])).toEqual([['generic:e2e-1', 'generic', 'hook:generic'], ['opening', 'unspecified', 'test']]);
    expect((await t.radgate.billing.get(id)).status).toBe('active');

    const disconnect = await router.waitFor((r) => r.code === Code.DisconnectRequest);
    expect(disconnect.attributes).toMatchObject({ 'User-Name': 'mira', 'Acct-Session-Id': '91c00001', 'Framed-IP-Address': '100.64.9.1' });

    // The gateway repeats the event: the same answer, no second payment.
    const again = await post('generic', body, { 'Radgate-Signature': signed(body, GENERIC_KEY) });
    expect(again).toEqual(answer);
    expect((await t.radgate.billing.listPayments({ subscriberId: id })).total).toBe(2);

    const metrics = await t.radgate.metrics.registry.getSingleMetricAsString('radgate_payment_callbacks_total');
    expect(metrics).toMatch(/radgate_payment_callbacks_total\{provider="generic",outcome="recorded"\} 1/);
    expect(metrics).toMatch(/radgate_payment_callbacks_total\{provider="generic",outcome="replayed"\} 1/);
  });

  it('a Stripe checkout over HTTP is recorded too; a forged one is 401 and logged without its body', async () => {
    const { id } = await addSubscriber(t, { username: 'omar', plan: 'home-10', accountNumber: 'ACC-7002' });
    const body = JSON.stringify({
      id: 'evt_e2e', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
      data: { object: { amount_total: 2500, currency: 'usd', client_reference_id: 'ACC-7002', payment_status: 'paid' } },
    });
    const forged = await post('stripe', body, { 'Stripe-Signature': signed(body, 'whsec_notthesecret') });
    expect(forged.status).toBe(401);
    expect((await t.radgate.billing.listPayments({ subscriberId: id })).total).toBe(0);
    expect(t.logs.some((l) => l['msg'] === 'payment callback refused: bad signature' && l['provider'] === 'stripe')).toBe(true);
    expect(t.rawLog()).not.toContain('ACC-7002');
    const answer = await post('stripe', body, { 'Stripe-Signature': signed(body, STRIPE_SECRET) });
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'recorded' } });
    expect((await t.radgate.billing.listPayments({ subscriberId: id })).items).toMatchObject([{ amount: 2500, reference: 'stripe:evt_e2e' }]);
  });
});

describe('the reminder page\'s signed reference', () => {
  it('"Pay now" carries {reference}; the gateway sends it back as the account and the payment lands', async () => {
    const { id } = await addSubscriber(t, { username: 'ines', plan: 'home-10', accountNumber: 'ACC-7003' });
    const row = await t.radgate.billing.get(id);
    const shown = await get(t.radgate.ports.http, await linkPath(t, row), { host: 'pay.isp.example' });
    expect(shown.status).toBe(200);
    const href = /href="(https:\/\/pay\.isp\.example\/checkout[^"]+)"/.exec(shown.body)![1]!.replace(/&amp;/g, '&');
    const payUrl = new URL(href);
    expect(payUrl.searchParams.get('account')).toBe('ACC-7003');
    const reference = payUrl.searchParams.get('ref')!;
    expect(reference).toMatch(/^rg1\./);
    expect(reference).not.toContain('ACC-7003'); // encoded, and signed

    const body = JSON.stringify({ event_id: 'e2e-ref', account: reference, amount: 2500, currency: 'USD', paid_at: new Date().toISOString() });
    expect(await post('generic', body, { 'Radgate-Signature': signed(body, GENERIC_KEY) })).toMatchObject({ status: 200, body: { outcome: 'recorded' } });
    expect((await t.radgate.billing.listPayments({ subscriberId: id })).items).toMatchObject([{ reference: 'generic:e2e-ref' }]);
  });
});

describe('the route itself', () => {
  it('an unknown provider is 404', async () => {
    expect(await post('paypal', '{}')).toMatchObject({ status: 404, body: { error: { code: 'unknown_provider' } } });
  });

  it('a body over 64 KiB is 413, whether its Content-Length says so or it streams past the limit', async () => {
    const big = JSON.stringify({ event_id: 'e2e-big', pad: 'x'.repeat(70_000) });
    expect(await post('generic', big, { 'Radgate-Signature': signed(big, GENERIC_KEY) })).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } });
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 200_000) return controller.close();
        sent += 16_384;
        controller.enqueue(new Uint8Array(16_384).fill(0x20));
      },
    });
    expect((await post('generic', stream, { 'Radgate-Signature': signed('', GENERIC_KEY) })).status).toBe(413);
    // The refused connection is closed, so the next call works on a fresh one.
    expect((await post('generic', '{}')).status).toBe(401);
  });

  it('an unsigned call is 401', async () => {
    expect((await post('generic', '{"event_id":"x"}')).status).toBe(401);
  });
});

describe('GET /api/v1/payment-callbacks', () => {
  it('lists the stored callbacks, newest first, filtered by outcome', async () => {
    const body = JSON.stringify({ event_id: 'e2e-nobody', account: 'ACC-0000', amount: 2500, currency: 'USD', paid_at: new Date().toISOString() });
    expect((await post('generic', body, { 'Radgate-Signature': signed(body, GENERIC_KEY) })).status).toBe(422);
    const api = (query: string) => fetch(`http://127.0.0.1:${t.radgate.ports.http}/api/v1/payment-callbacks${query}`, { headers: { Authorization: `Bearer ${reader.token}` } });
    const refused = await api('?outcome=unknown_account');
    expect(refused.status).toBe(200);
    expect(await refused.json()).toMatchObject({
      total: 1, items: [{ workspace: 'default', provider: 'generic', event_id: 'e2e-nobody', outcome: 'unknown_account', http_status: 422, account: 'ACC-0000', amount: null }],
    });
    const all = (await (await api('?limit=500')).json()) as { items: Array<{ event_id: string }>; total: number };
    expect(all.items[0]!.event_id).toBe('e2e-nobody');
    expect(all.items.map((c) => c.event_id)).toEqual(expect.arrayContaining(['e2e-1', 'evt_e2e', 'e2e-ref']));
    expect((await fetch(`http://127.0.0.1:${t.radgate.ports.http}/api/v1/payment-callbacks`)).status).toBe(401);
  });
});
