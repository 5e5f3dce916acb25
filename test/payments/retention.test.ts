/**
 * Retention of the payment callback log (`prunePaymentCallbacks`, src/payments/callbacks.ts): callbacks received
 * before the cut-off go whatever their outcome, newer ones stay, the payments stay; in batches; a dry run counts and
 * deletes nothing; a replay of a pruned event is stored again and answered with the payment already recorded, so it
 * cannot pay twice. Callbacks arrive as a gateway sends them, signed, through the intake. PGlite, or PostgreSQL
 * with DATABASE_URL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseNow } from '../../src/db/rows.js';
import { prunePaymentCallbacks } from '../../src/payments/callbacks.js';
import { bench, GENERIC_KEY_1, sign, type Bench } from './helpers.js';

let b: Bench;
let serial = 0;

beforeAll(async () => {
  b = await bench();
});

afterAll(async () => {
  await b?.close();
});

beforeEach(async () => {
  await prunePaymentCallbacks(b.database.db, new Date(Date.now() + 86_400_000)); // a clean log for each test
});

const db = () => b.database.db;

/**
 * A cut-off strictly after every row stored so far and strictly before the next one: the database clock may repeat
 * a value for statements within the same millisecond (PGlite), so the cut-off is taken between two short waits.
 */
async function cutoffNow(): Promise<Date> {
  await new Promise((r) => setTimeout(r, 10));
  const cutoff = await databaseNow(db());
  await new Promise((r) => setTimeout(r, 10));
  return cutoff;
}

/** A subscriber whose service lapsed (paid until 1 March; the bench clock says 10 March). */
async function expired(): Promise<{ id: number; account: string }> {
  const name = `r${++serial}`;
  const id = await b.add(name);
  await b.billing.setPaidUntil(id, new Date('2025-03-01T00:00:00Z'), 'test setup', 'test');
  return { id, account: `A-${name}` };
}

/** A signed generic callback: a payment of `amount` to `account` (0: an amount the intake refuses). */
async function deliver(eventId: string, account: string, amount = 2500) {
  const body = JSON.stringify({ event_id: eventId, account, amount, currency: 'USD', paid_at: '2025-03-10T11:59:00Z' });
  return b.call('generic', { 'Radgate-Signature': sign(body, b.t(), GENERIC_KEY_1) }, body);
}

const eventIds = async () => (await b.callbacks()).map((c) => c.eventId);

describe('prunePaymentCallbacks', () => {
  it('deletes callbacks received before the cut-off, whatever their outcome; newer ones and the payments stay', async () => {
    const { id, account } = await expired();
    expect((await deliver('evt-old-paid', account)).status).toBe(200);
    expect((await deliver('evt-old-unknown', 'A-nobody')).status).toBe(422);
    expect((await deliver('evt-old-invalid', account, 0)).status).toBe(422);
    const cutoff = await cutoffNow();
    expect((await deliver('evt-new-paid', account)).status).toBe(200);
    const payments = await b.payments(id);
    expect(payments.map((p) => p.reference)).toEqual(['generic:evt-old-paid', 'generic:evt-new-paid']);

    expect(await prunePaymentCallbacks(db(), cutoff)).toEqual({ payment_callbacks: 3 });
    expect(await eventIds()).toEqual(['evt-new-paid']);
    expect(await b.payments(id)).toEqual(payments);
  });

  it('a replay of a pruned event cannot pay twice: the payment keeps its reference', async () => {
    const { id, account } = await expired();
    const first = await deliver('evt-replayed', account);
    expect(first.status).toBe(200);
    expect(await prunePaymentCallbacks(db(), await cutoffNow())).toEqual({ payment_callbacks: 1 });
    expect(await eventIds()).toEqual([]);

    const replay = await deliver('evt-replayed', account);
    expect(replay.status).toBe(200);
    expect(replay.body['payment_id']).toBe(first.body['payment_id']);
    expect((await b.payments(id)).map((p) => p.reference)).toEqual(['generic:evt-replayed']);
    expect(await eventIds()).toEqual(['evt-replayed']);
  });

  it('in batches, until every old one is gone; a dry run counts the same rows and deletes nothing', async () => {
    const { account } = await expired();
    for (let i = 0; i < 7; i++) expect((await deliver(`evt-batch-${i}`, account)).status).toBe(200);
    const cutoff = await cutoffNow();
    expect((await deliver('evt-batch-new', account)).status).toBe(200);

    expect(await prunePaymentCallbacks(db(), cutoff, { dryRun: true })).toEqual({ payment_callbacks: 7 });
    expect(await prunePaymentCallbacks(db(), cutoff, { dryRun: true, batchSize: 2 })).toEqual({ payment_callbacks: 7 });
    expect(await eventIds()).toHaveLength(8);

    expect(await prunePaymentCallbacks(db(), cutoff, { batchSize: 2 })).toEqual({ payment_callbacks: 7 });
    expect(await eventIds()).toEqual(['evt-batch-new']);
    expect(await prunePaymentCallbacks(db(), cutoff, { batchSize: 2 })).toEqual({ payment_callbacks: 0 });
  });
});
