/** What each provider's body means (src/payments/events.ts), and the one rule for text from the wire. */
import { describe, expect, it } from 'vitest';
import { genericEvent, storedText, stripeEvent, wellFormed } from '../../src/payments/events.js';

describe('the generic body', () => {
  it('a payment, currency upper-cased, paid_at parsed; the amount kept as sent for the intake to judge', () => {
    expect(genericEvent({ event_id: 'e1', account: ' ACC-1 ', amount: 2500, currency: 'usd', paid_at: '2025-03-10T12:00:00+01:00' })).toEqual({
      kind: 'payment', eventId: 'e1', eventType: 'payment.succeeded', account: 'ACC-1', amount: 2500, currency: 'USD', paidAt: new Date('2025-03-10T11:00:00Z'),
    });
  });

  it('says what is missing, naming the event when it can', () => {
    expect(genericEvent([])).toMatchObject({ kind: 'invalid', eventId: undefined });
    expect(genericEvent({ account: 'A' })).toMatchObject({ kind: 'invalid', detail: expect.stringContaining('event_id') });
    expect(genericEvent({ event_id: 'e', account: 'A', amount: 1, currency: 'USD', paid_at: 'yesterday' })).toMatchObject({ kind: 'invalid', eventId: 'e', detail: expect.stringContaining('paid_at') });
    expect(genericEvent({ event_id: 'e', account: 'A', amount: 1, currency: 'dollars', paid_at: '2025-03-10T12:00:00Z' })).toMatchObject({ kind: 'invalid', detail: expect.stringContaining('currency') });
    expect(genericEvent({ event_id: 'e', account: 'x'.repeat(256), amount: 1, currency: 'USD', paid_at: '2025-03-10T12:00:00Z' })).toMatchObject({ kind: 'invalid', detail: expect.stringContaining('255') });
  });

  it('another type is ignored before anything else is checked', () => {
    expect(genericEvent({ event_id: 'e', type: 'payment.refunded' })).toMatchObject({ kind: 'ignored', eventType: 'payment.refunded' });
  });
});

describe('the Stripe body', () => {
  const evt = (type: string, object: unknown) => ({ id: 'evt_1', type, created: 1741608000, data: { object } });

  it('checkout: client_reference_id before metadata.account; payment_intent: metadata.account only', () => {
    expect(stripeEvent(evt('checkout.session.completed', { amount_total: 100, currency: 'usd', client_reference_id: 'A', metadata: { account: 'B' }, payment_status: 'paid' })))
      .toMatchObject({ kind: 'payment', account: 'A', amount: 100, currency: 'USD', paidAt: new Date(1741608000 * 1000) });
    expect(stripeEvent(evt('checkout.session.completed', { amount_total: 100, currency: 'usd', metadata: { account: 'B' } }))).toMatchObject({ account: 'B' });
    expect(stripeEvent(evt('payment_intent.succeeded', { amount: 900, amount_received: 100, currency: 'usd', client_reference_id: 'A', metadata: { account: 'B' } })))
      .toMatchObject({ kind: 'payment', account: 'B', amount: 100 });
    expect(stripeEvent(evt('payment_intent.succeeded', { amount_received: 100, currency: 'usd' }))).toMatchObject({ kind: 'invalid', detail: expect.stringContaining('metadata.account') });
  });

  it('an unpaid session and other types are ignored; a missing data.object is invalid', () => {
    expect(stripeEvent(evt('checkout.session.completed', { payment_status: 'unpaid' }))).toMatchObject({ kind: 'ignored' });
    expect(stripeEvent(evt('customer.created', {}))).toMatchObject({ kind: 'ignored', eventType: 'customer.created' });
    expect(stripeEvent({ id: 'evt_1', type: 'payment_intent.succeeded' })).toMatchObject({ kind: 'invalid', detail: expect.stringContaining('data.object') });
  });
});

describe('stored text', () => {
  it('escapes controls and lone UTF-16 halves, keeps pairs, cuts to length', () => {
    expect(storedText('a😀b\u0007\ud800c\udc00\u2028')).toBe('a😀b\\u0007\\ud800c\\udc00\\u2028');
    expect(storedText('x'.repeat(20), 5)).toBe('xxxxx…');
    expect([wellFormed('😀'), wellFormed('\ud800'), wellFormed('\udc00x')]).toEqual([true, false, false]);
  });
});
