/**
 * The payment intake (src/payments/intake.ts) on a real database: signed callbacks computed here from the
 * documented scheme (docs/payments.md: HMAC-SHA256 of "<t>.<raw body>", hex, node:crypto), for the generic contract
 * and for Stripe; what is stored in payment_callbacks, what billing records, and what is refused unstored.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bench, GENERIC_KEY_1, GENERIC_KEY_2, sign, STRIPE_SECRET, type Bench } from './helpers.js';

let b: Bench;
beforeAll(async () => {
  b = await bench();
});
afterAll(async () => {
  await b?.close();
});

let serial = 0;
/** A subscriber whose service lapsed (paid until 1 March, expired since the 3rd; the clock says 10 March). */
async function expired(name = `s${++serial}`): Promise<{ id: number; account: string }> {
  const id = await b.add(name);
  await b.billing.setPaidUntil(id, new Date('2025-03-01T00:00:00Z'), 'test setup', 'test');
  expect((await b.billing.get(id)).status).toBe('expired');
  return { id, account: `A-${name}` };
}

function genericBody(fields: Record<string, unknown>): string {
  return JSON.stringify({ currency: 'USD', paid_at: '2025-03-10T11:59:00Z', amount: 2500, ...fields });
}

const generic = (body: string, header: string) => b.call('generic', { 'Radgate-Signature': header }, body);
const stripe = (body: string, header: string) => b.call('stripe', { 'Stripe-Signature': header }, body);
const callbacksOf = async (eventId: string) => (await b.callbacks()).filter((c) => c.eventId === eventId);

describe('the generic contract', () => {
  it('records a signed payment through billing: the restore job is queued with it', async () => {
    const { id, account } = await expired();
    const jobsBefore = (await b.jobs(id)).length;
    // A literal example: fixed secret, timestamp and body; the MAC computed with node:crypto as docs/payments.md says.
    const t = b.t();
    const body = `{"event_id":"evt-literal-1","account":"${account}","amount":2500,"currency":"USD","paid_at":"2025-03-10T11:59:00Z"}`;
    const mac = createHmac('sha256', GENERIC_KEY_1).update(`${t}.${body}`).digest('hex');
    const answer = await generic(body, `t=${t},v1=${mac}`);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'recorded', event_id: 'evt-literal-1' });
    const [payment, ...more] = await b.payments(id);
    expect(more).toEqual([]);
    expect(payment).toMatchObject({
      amount: 2500, currency: 'USD', method: 'generic', reference: 'generic:evt-literal-1', actor: 'hook:generic',
      receivedAt: new Date('2025-03-10T11:59:00Z'),
    });
    expect(answer.body['payment_id']).toBe(payment!.id);
    expect((await b.billing.get(id)).status).toBe('active');
    const jobs = await b.jobs(id);
    expect(jobs.length).toBe(jobsBefore + 1);
    expect(jobs.at(-1)).toMatchObject({ kind: 'status', fromStatus: 'expired', toStatus: 'active', state: 'pending' });
    expect(await callbacksOf('evt-literal-1')).toMatchObject([
      { workspaceId: 'default', provider: 'generic', outcome: 'recorded', httpStatus: 200, subscriberId: id, paymentId: payment!.id, amount: 2500, currency: 'USD' },
    ]);
  });

  it('a partial payment is credited as `radgate pay` credits it: balance, no restore', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-partial', account, amount: 1000 });
    const answer = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(answer.status).toBe(200);
    const row = await b.billing.get(id);
    expect(row.balance).toBe(1000);
    expect(row.status).toBe('expired');
  });

  it('a bad signature is 401 and nothing is stored; so is a missing or malformed header', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-forged', account });
    const wrongKey = await generic(body, sign(body, b.t(), 'not-the-key-of-any-workspace-0123456789'));
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body).toMatchObject({ error: { code: 'bad_signature' } });
    // The right MAC over another body.
    expect((await generic(body.replace('2500', '250000'), sign(body, b.t(), GENERIC_KEY_1))).status).toBe(401);
    expect((await b.call('generic', {}, body)).status).toBe(401);
    expect((await generic(body, 'v1=abc')).status).toBe(401);
    expect((await generic(body, `t=${b.t()},v1=zz`)).status).toBe(401);
    expect(await callbacksOf('evt-forged')).toEqual([]);
    expect(await b.payments(id)).toEqual([]);
    expect(b.outcomes.filter(([, o]) => o === 'bad_signature').length).toBeGreaterThanOrEqual(5);
  });

  it('a timestamp outside the tolerance is 401 and nothing is stored', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-stale', account });
    const stale = await generic(body, sign(body, b.t() - 301, GENERIC_KEY_1));
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: { code: 'stale_timestamp' } });
    expect((await generic(body, sign(body, b.t() + 301, GENERIC_KEY_1))).status).toBe(401);
    expect(await callbacksOf('evt-stale')).toEqual([]);
    expect(await b.payments(id)).toEqual([]);
    // Within the 5 minutes it is accepted.
    expect((await generic(body, sign(body, b.t() - 299, GENERIC_KEY_1))).status).toBe(200);
  });

  it('several v1 values: one valid is enough', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-multi', account });
    const t = b.t();
    const header = `t=${t},v1=${'0'.repeat(64)},v0=whatever,${sign(body, t, 'an-old-key-nobody-has-any-more-0123456789').split(',')[1]},${sign(body, t, GENERIC_KEY_1).split(',')[1]}`;
    expect((await generic(body, header)).status).toBe(200);
    expect(await b.payments(id)).toHaveLength(1);
  });

  it('key rotation: the second key (from the environment) verifies too', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-rotated', account });
    const answer = await generic(body, sign(body, b.t(), GENERIC_KEY_2));
    expect(answer.status).toBe(200);
    expect(await b.payments(id)).toHaveLength(1);
  });

  it('a repeated event gets the same answer and makes no second payment', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-repeat', account });
    const first = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    b.clock.now = new Date(b.clock.now.getTime() + 60_000); // the gateway retries a minute later, freshly signed
    const again = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    expect(await b.payments(id)).toHaveLength(1);
    expect(await callbacksOf('evt-repeat')).toHaveLength(1);
    expect(b.outcomes.at(-1)).toEqual(['generic', 'replayed']);
  });

  it('two simultaneous deliveries of one event make one payment and one row, and answer alike', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-race', account });
    const header = sign(body, b.t(), GENERIC_KEY_1);
    const answers = await Promise.all([generic(body, header), generic(body, header), generic(body, header)]);
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(200);
    expect(await b.payments(id)).toHaveLength(1);
    expect(await callbacksOf('evt-race')).toHaveLength(1);
  });

  it('an unknown account is 422 with a JSON error, stored as unknown_account and counted', async () => {
    const body = genericBody({ event_id: 'evt-nobody', account: 'A-nobody' });
    const answer = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ outcome: 'unknown_account', event_id: 'evt-nobody', error: { code: 'unknown_account' } });
    expect((answer.body['error'] as { message: string }).message).toContain('"A-nobody"');
    expect(await callbacksOf('evt-nobody')).toMatchObject([{ outcome: 'unknown_account', httpStatus: 422, account: 'A-nobody', subscriberId: null, paymentId: null }]);
    expect(b.outcomes).toContainEqual(['generic', 'unknown_account']);
  });

  it('a refused event is looked at again when the gateway retries: once the subscriber exists, it is recorded', async () => {
    const body = genericBody({ event_id: 'evt-later', account: 'A-later' });
    const refused = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(refused.status).toBe(422);
    const id = await b.add('later');
    await b.billing.setPaidUntil(id, new Date('2025-03-01T00:00:00Z'), 'test setup', 'test');
    const retried = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ outcome: 'recorded', event_id: 'evt-later' });
    expect(await b.payments(id)).toHaveLength(1);
    expect(await callbacksOf('evt-later')).toMatchObject([{ outcome: 'recorded', httpStatus: 200, subscriberId: id }]);
    // Recorded is final: a third delivery is the stored answer, no second payment.
    const third = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(third).toEqual(retried);
    expect(await b.payments(id)).toHaveLength(1);
  });

  it('a currency other than the plan\'s is 422 currency_mismatch, no payment', async () => {
    const { id, account } = await expired();
    const body = genericBody({ event_id: 'evt-euro', account, currency: 'EUR' });
    const answer = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ outcome: 'currency_mismatch' });
    expect(await b.payments(id)).toEqual([]);
    expect(await callbacksOf('evt-euro')).toMatchObject([{ outcome: 'currency_mismatch', subscriberId: id, currency: 'EUR' }]);
  });

  it('an amount that is not a whole number above 0 is 422 amount_invalid', async () => {
    const { id, account } = await expired();
    for (const [n, amount] of [[1, 0], [2, -5], [3, 12.5], [4, '2500'], [5, null]] as const) {
      const body = genericBody({ event_id: `evt-amount-${n}`, account, amount });
      const answer = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
      expect([answer.status, answer.body['outcome']]).toEqual([422, 'amount_invalid']);
    }
    expect(await b.payments(id)).toEqual([]);
  });

  it('another event type is acknowledged and recorded as ignored', async () => {
    const body = genericBody({ event_id: 'evt-refund', account: 'A-whoever', type: 'payment.refunded' });
    const answer = await generic(body, sign(body, b.t(), GENERIC_KEY_1));
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(await callbacksOf('evt-refund')).toMatchObject([{ outcome: 'ignored', eventType: 'payment.refunded' }]);
  });

  it('bounds: a body that is not JSON, an overlong event id; control characters are escaped when stored', async () => {
    const notJson = 'event_id=1';
    expect(await generic(notJson, sign(notJson, b.t(), GENERIC_KEY_1))).toMatchObject({ status: 400, body: { outcome: 'rejected' } });
    const long = genericBody({ event_id: 'e'.repeat(256), account: 'A-x' });
    expect((await generic(long, sign(long, b.t(), GENERIC_KEY_1))).status).toBe(400);
    const spaced = genericBody({ event_id: 'evt\n2', account: 'A-x' });
    expect((await generic(spaced, sign(spaced, b.t(), GENERIC_KEY_1))).status).toBe(400);
    const tooLarge = genericBody({ event_id: 'evt-big', account: 'A-x', pad: 'x'.repeat(64 * 1024) });
    expect((await generic(tooLarge, sign(tooLarge, b.t(), GENERIC_KEY_1))).status).toBe(413);
    expect(await callbacksOf('evt-big')).toEqual([]);
    const control = genericBody({ event_id: 'evt-control', account: 'A-\u0000\u001b[31mx' });
    expect((await generic(control, sign(control, b.t(), GENERIC_KEY_1))).status).toBe(422);
    expect((await callbacksOf('evt-control'))[0]!.account).toBe('A-\\u0000\\u001b[31mx');
    // JSON may carry half a UTF-16 pair, which UTF-8 (the database) cannot hold: escaped too.
    const half = '{"event_id":"evt-half","account":"A-\\ud800","amount":1,"currency":"USD","paid_at":"2025-03-10T11:59:00Z"}';
    expect((await generic(half, sign(half, b.t(), GENERIC_KEY_1))).status).toBe(422);
    expect((await callbacksOf('evt-half'))[0]!.account).toBe('A-\\ud800');
  });

  it('an unknown provider is 404', async () => {
    expect((await b.call('paypal', {}, '{}')).status).toBe(404);
  });
});

describe('signed payment references', () => {
  it('the account may be a reference signed for this workspace', async () => {
    const { id, account } = await expired();
    const reference = b.references.sign({ workspaceId: 'default', account });
    const body = genericBody({ event_id: 'evt-reference', account: reference });
    expect((await generic(body, sign(body, b.t(), GENERIC_KEY_1))).status).toBe(200);
    expect(await b.payments(id)).toHaveLength(1);
  });

  it('a tampered reference, or one for another workspace, names no account', async () => {
    const { id, account } = await expired();
    const good = b.references.sign({ workspaceId: 'default', account });
    const [prefix, payload, tag] = good.split('.');
    const tampered = `${prefix}.${Buffer.from(`default:A-nobody`).toString('base64url')}.${tag}`;
    const elsewhere = b.references.sign({ workspaceId: 'other', account });
    for (const [n, ref] of [[1, tampered], [2, elsewhere], [3, `${prefix}.${payload}.${'A'.repeat(16)}`]] as const) {
      const body = genericBody({ event_id: `evt-badref-${n}`, account: ref });
      expect((await generic(body, sign(body, b.t(), GENERIC_KEY_1))).status).toBe(422);
    }
    expect(await b.payments(id)).toEqual([]);
  });
});

describe('Stripe', () => {
  const event = (id: string, type: string, object: Record<string, unknown>) =>
    JSON.stringify({ id, object: 'event', type, created: 1741607940, livemode: false, data: { object } });

  it('checkout.session.completed: amount_total, lower-case currency, client_reference_id', async () => {
    const { id, account } = await expired();
    const body = event('evt_1Checkout', 'checkout.session.completed', {
      id: 'cs_test_1', object: 'checkout.session', amount_total: 2500, currency: 'usd', client_reference_id: account, payment_status: 'paid',
    });
    const answer = await stripe(body, sign(body, b.t(), STRIPE_SECRET));
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'recorded', event_id: 'evt_1Checkout' } });
    expect(await b.payments(id)).toMatchObject([{ amount: 2500, currency: 'USD', method: 'stripe', reference: 'stripe:evt_1Checkout', actor: 'hook:stripe', receivedAt: new Date(1741607940 * 1000) }]);
    expect((await b.billing.get(id)).status).toBe('active');
  });

  it('checkout.session.completed: the account in metadata.account', async () => {
    const { id, account } = await expired();
    const body = event('evt_1Meta', 'checkout.session.completed', { amount_total: 2500, currency: 'usd', metadata: { account }, payment_status: 'paid' });
    expect((await stripe(body, sign(body, b.t(), STRIPE_SECRET))).status).toBe(200);
    expect(await b.payments(id)).toHaveLength(1);
  });

  it('payment_intent.succeeded: amount_received and metadata.account', async () => {
    const { id, account } = await expired();
    const body = event('evt_1Intent', 'payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', amount: 3000, amount_received: 2500, currency: 'usd', metadata: { account } });
    expect((await stripe(body, sign(body, b.t(), STRIPE_SECRET))).status).toBe(200);
    expect(await b.payments(id)).toMatchObject([{ amount: 2500 }]);
  });

  it('other event types and unpaid sessions are acknowledged 200 and stored as ignored', async () => {
    const { id, account } = await expired();
    const other = event('evt_1Invoice', 'invoice.paid', { amount_paid: 2500, currency: 'usd' });
    expect(await stripe(other, sign(other, b.t(), STRIPE_SECRET))).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    const unpaid = event('evt_1Unpaid', 'checkout.session.completed', { amount_total: 2500, currency: 'usd', client_reference_id: account, payment_status: 'unpaid' });
    expect(await stripe(unpaid, sign(unpaid, b.t(), STRIPE_SECRET))).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(await callbacksOf('evt_1Invoice')).toMatchObject([{ provider: 'stripe', outcome: 'ignored', eventType: 'invoice.paid' }]);
    expect(await callbacksOf('evt_1Unpaid')).toMatchObject([{ outcome: 'ignored' }]);
    expect(await b.payments(id)).toEqual([]);
  });

  it('several v1 (Stripe signs with every active secret during a roll): one valid is enough', async () => {
    const { id, account } = await expired();
    const body = event('evt_1Roll', 'payment_intent.succeeded', { amount_received: 2500, currency: 'USD', metadata: { account } });
    const t = b.t();
    const header = `${sign(body, t, 'whsec_theoldsecret000000000000')},v1=${createHmac('sha256', STRIPE_SECRET).update(`${t}.${body}`).digest('hex')}`;
    expect((await stripe(body, header)).status).toBe(200);
    expect(await b.payments(id)).toHaveLength(1);
  });

  it('a generic key does not verify a Stripe callback, nor a stale one; nothing stored', async () => {
    const { account } = await expired();
    const body = event('evt_1Wrong', 'payment_intent.succeeded', { amount_received: 2500, currency: 'usd', metadata: { account } });
    expect((await stripe(body, sign(body, b.t(), GENERIC_KEY_1))).status).toBe(401);
    expect((await b.call('stripe', { 'Radgate-Signature': sign(body, b.t(), STRIPE_SECRET) }, body)).status).toBe(401);
    expect((await stripe(body, sign(body, b.t() - 301, STRIPE_SECRET))).status).toBe(401);
    expect(await callbacksOf('evt_1Wrong')).toEqual([]);
  });
});
