/**
 * Billing on a real database (PGlite by default, PostgreSQL with DATABASE_URL): payments (idempotent, partial,
 * restoring at once), voids, promises that expire, overrides, disable/enable, catch-up after downtime, and that every
 * transition comes with its event and enforcement request from the same transaction.
 */
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforcementJobs, payments } from '../../src/db/schema.js';
import { RadgateError } from '../../src/errors.js';
import { eventually } from '../helpers/eventually.js';
import { bench, type Bench } from './helpers.js';

let b: Bench;
beforeAll(async () => {
  b = await bench();
});
afterAll(async () => {
  await b?.close();
});

const status = async (id: number) => (await b.billing.get(id)).status;
const DAY = 86_400_000;

describe('payments', () => {
  it('the same reference twice is one payment', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('idem', { paidUntil: '2025-02-01T00:00:00Z' });
    const first = await b.billing.pay({ subscriberId: id, amount: 2500, method: 'mpesa', reference: 'MP-001', actor: 'test' });
    const again = await b.billing.pay({ subscriberId: id, amount: 2500, method: 'mpesa', reference: 'MP-001', actor: 'test' });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.payment.id).toBe(first.payment.id);
    const [n] = await b.database.db.select({ n: count() }).from(payments).where(eq(payments.reference, 'MP-001'));
    expect(Number(n!.n)).toBe(1);
    expect((await b.billing.get(id)).paidUntil).toEqual(new Date('2025-03-01T00:00:00Z')); // extended once
    expect((await b.events(id)).filter((e) => e.kind === 'payment')).toHaveLength(1);
  });

  it('a reused reference with a different amount or subscriber is a conflict, not a second payment', async () => {
    const id = await b.add('idem2', { paidUntil: '2025-02-01T00:00:00Z' });
    await b.billing.pay({ subscriberId: id, amount: 2500, reference: 'REF-X', actor: 'test' });
    const other = await b.add('idem3', { paidUntil: '2025-02-01T00:00:00Z' });
    for (const input of [{ subscriberId: id, amount: 3000 }, { subscriberId: other, amount: 2500 }]) {
      const err = await b.billing.pay({ ...input, reference: 'REF-X', actor: 'test' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RadgateError);
      expect((err as RadgateError).code).toBe('PAYMENT_CONFLICT');
    }
    expect((await b.billing.get(other)).paidUntil).toEqual(new Date('2025-02-01T00:00:00Z'));
  });

  it('partial payments go to the balance; the one that completes a cycle extends paid_until', async () => {
    const id = await b.add('partial', { paidUntil: '2025-02-01T00:00:00Z' });
    await b.billing.pay({ subscriberId: id, amount: 1000, actor: 'test' });
    expect(await b.billing.get(id)).toMatchObject({ balance: 1000, paidUntil: new Date('2025-02-01T00:00:00Z') });
    await b.billing.pay({ subscriberId: id, amount: 1000, actor: 'test' });
    const r = await b.billing.pay({ subscriberId: id, amount: 1000, actor: 'test' });
    expect(r.payment).toMatchObject({ cycles: 1, balanceAfter: 500 });
    expect(await b.billing.get(id)).toMatchObject({ balance: 500, paidUntil: new Date('2025-03-01T00:00:00Z') });
  });

  it('refuses a currency other than the plan’s, and a plan without a price', async () => {
    const id = await b.add('eur', { paidUntil: '2025-02-01T00:00:00Z' });
    await expect(b.billing.pay({ subscriberId: id, amount: 2500, currency: 'EUR', actor: 'test' })).rejects.toMatchObject({
      code: 'PAYMENT_INVALID', message: 'currency: plan "home-10" is paid in USD, not EUR',
    });
    await expect(b.billing.pay({ subscriberId: id, amount: 0, actor: 'test' })).rejects.toMatchObject({ code: 'PAYMENT_INVALID' });
  });

  it('a payment while expired restores active at once: event, enforcement request and notification', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('late', { paidUntil: '2025-01-10T00:00:00Z' });
    expect(await status(id)).toBe('expired'); // setting paid_until evaluated it at once
    const jobsBefore = (await b.jobs(id)).length;
    b.notifications.length = 0;

    const r = await b.billing.pay({ subscriberId: id, amount: 2500, method: 'cash', reference: 'CASH-1', actor: 'cli:tester' });
    expect(r.transition).toMatchObject({ from: 'expired', to: 'active' });
    expect(await b.billing.get(id)).toMatchObject({ status: 'active', paidUntil: new Date('2025-02-10T00:00:00Z'), statusReason: 'paid until 2025-02-10 00:00 UTC' });

    const transitions = (await b.events(id)).filter((e) => e.kind === 'transition');
    expect(transitions.at(-1)).toMatchObject({ fromStatus: 'expired', toStatus: 'active', actor: 'cli:tester', at: b.clock.now });
    const jobs = await b.jobs(id);
    expect(jobs).toHaveLength(jobsBefore + 1);
    expect(jobs.at(-1)).toMatchObject({ kind: 'status', fromStatus: 'expired', toStatus: 'active', state: 'pending', workspaceId: 'default' });
    await eventually(() => expect(b.notifications).toContain(String(id)), 10_000);
  });

  it('voiding the payment re-evaluates: back to expired, with its own enforcement request', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('refund', { paidUntil: '2025-01-10T00:00:00Z' });
    const { payment } = await b.billing.pay({ subscriberId: id, amount: 2500, actor: 'test' });
    expect(await status(id)).toBe('active');
    const voided = await b.billing.voidPayment(payment.id, 'chargeback', 'test');
    expect(voided.transition).toMatchObject({ from: 'active', to: 'expired' });
    expect(voided.payment).toMatchObject({ state: 'voided', voidReason: 'chargeback', voidedBy: 'test' });
    expect(await b.billing.get(id)).toMatchObject({ status: 'expired', paidUntil: new Date('2025-01-10T00:00:00Z'), balance: 0 });
    expect((await b.jobs(id)).at(-1)).toMatchObject({ fromStatus: 'active', toStatus: 'expired' });
    // Voiding twice changes nothing.
    expect((await b.billing.voidPayment(payment.id, 'again', 'test')).alreadyVoided).toBe(true);
    expect(await b.billing.get(id)).toMatchObject({ paidUntil: new Date('2025-01-10T00:00:00Z'), balance: 0 });
  });

  it('a transition and its enforcement request are one transaction: a failed outbox write leaves nothing', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('atomic', { paidUntil: '2025-01-10T00:00:00Z' });
    const before = { jobs: (await b.jobs(id)).length, events: (await b.events(id)).length, row: await b.billing.get(id) };
    // Make the outbox insert fail for this subscriber, after the payment row and events were written.
    await b.database.db.execute(sql.raw(`create function test_refuse_job() returns trigger language plpgsql as $$
      begin raise exception 'outbox unavailable'; end $$`));
    await b.database.db.execute(sql.raw(`create trigger test_refuse_job before insert on enforcement_jobs for each row
      when (new.subscriber_id = ${id}) execute function test_refuse_job()`));
    try {
      await expect(b.billing.pay({ subscriberId: id, amount: 2500, reference: 'ATOMIC-1', actor: 'test' })).rejects.toThrow();
    } finally {
      await b.database.db.execute(sql.raw('drop trigger test_refuse_job on enforcement_jobs'));
      await b.database.db.execute(sql.raw('drop function test_refuse_job()'));
    }
    expect(await b.jobs(id)).toHaveLength(before.jobs);
    expect(await b.events(id)).toHaveLength(before.events);
    expect(await b.billing.get(id)).toMatchObject({ status: 'expired', paidUntil: before.row.paidUntil, balance: 0 });
    const [n] = await b.database.db.select({ n: count() }).from(payments).where(eq(payments.reference, 'ATOMIC-1'));
    expect(Number(n!.n)).toBe(0);
    // With the outbox back, the same payment goes through.
    expect((await b.billing.pay({ subscriberId: id, amount: 2500, reference: 'ATOMIC-1', actor: 'test' })).transition).toMatchObject({ to: 'active' });
  });
});

describe('operator actions', () => {
  it('a promise to pay restores service until it runs out, then the evaluator expires it again', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('promise', { paidUntil: '2025-01-10T00:00:00Z' });
    expect(await status(id)).toBe('expired');
    const until = new Date('2025-01-17T00:00:00Z');
    const r = await b.billing.promise(id, until, 'pays Friday', 'test');
    expect(r.transition).toMatchObject({ from: 'expired', to: 'grace' });
    expect((await b.events(id)).some((e) => e.kind === 'promise' && e.reason?.includes('pays Friday'))).toBe(true);

    b.clock.now = new Date(until.getTime() - 1000);
    expect((await b.evaluator.run()).transitions.filter((t) => t.subscriberId === id)).toEqual([]);
    b.clock.now = until;
    const run = await b.evaluator.run();
    expect(run.transitions.filter((t) => t.subscriberId === id)).toMatchObject([{ from: 'grace', to: 'expired' }]);
    expect(await status(id)).toBe('expired');
    await expect(b.billing.promise(id, new Date(until.getTime() - DAY), undefined, 'test')).rejects.toMatchObject({ code: 'BILLING_INVALID' });
  });

  it('an override holds against the evaluator until cleared', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('override', { paidUntil: '2025-06-01T00:00:00Z' });
    expect(await status(id)).toBe('active');
    await b.billing.override(id, 'suspended', 'abuse report #12', null, 'test');
    expect(await b.billing.get(id)).toMatchObject({ status: 'suspended', statusReason: 'set by an operator: abuse report #12' });
    await b.evaluator.run();
    expect(await status(id)).toBe('suspended');
    const cleared = await b.billing.clearOverride(id, 'test');
    expect(cleared.transition).toMatchObject({ from: 'suspended', to: 'active' });
  });

  it('disable beats everything and only enable clears it', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('disable', { paidUntil: '2025-01-10T00:00:00Z' });
    const d = await b.billing.disable(id, 'moved away', 'test');
    expect(d.transition).toMatchObject({ from: 'expired', to: 'disabled' });
    await b.billing.pay({ subscriberId: id, amount: 5000, actor: 'test' });
    await b.evaluator.run();
    expect(await b.billing.get(id)).toMatchObject({ status: 'disabled', statusReason: 'disabled: moved away' });
    const e = await b.billing.enable(id, 'test');
    expect(e.transition).toMatchObject({ from: 'disabled', to: 'active' });
    expect((await b.jobs(id)).map((j) => `${j.fromStatus}→${j.toStatus}`)).toEqual(['active→expired', 'expired→disabled', 'disabled→active']);
  });

  it('a plan change records an enforcement request of kind plan', async () => {
    const id = await b.add('planchange', { paidUntil: '2025-06-01T00:00:00Z' });
    await b.billing.changePlan(id, 'business-50', 'test');
    expect((await b.jobs(id)).at(-1)).toMatchObject({ kind: 'plan', reason: 'plan home-10 → business-50' });
    expect((await b.billing.get(id)).plan).toBe('business-50');
  });
});

describe('the evaluator', () => {
  it('catches up after downtime: one transition straight to the status due now, effective at its threshold', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const id = await b.add('downtime', { paidUntil: '2025-01-20T00:00:00Z' });
    expect(await status(id)).toBe('active');
    // radgate was down from Jan 15 to Mar 1: due_soon (Jan 17), grace (Jan 20), expired (Jan 22), suspended (Feb 19) all passed.
    b.clock.now = new Date('2025-03-01T08:00:00Z');
    const dry = await b.evaluator.run({ dryRun: true });
    expect(dry.transitions.filter((t) => t.subscriberId === id)).toMatchObject([{ from: 'active', to: 'suspended' }]);
    expect(await status(id)).toBe('active'); // dry run wrote nothing

    const progress: Array<[number, number]> = [];
    const run = await b.evaluator.run({ onProgress: (done, total) => progress.push([done, total]) });
    expect(run.transitions.filter((t) => t.subscriberId === id)).toMatchObject([{ from: 'active', to: 'suspended' }]);
    // Progress: the unchanged ones after the scan, then each written batch (one here), ending at every one checked.
    expect(progress).toEqual([[run.checked - run.transitions.length, run.checked], [run.checked, run.checked]]);
    const event = (await b.events(id)).filter((e) => e.kind === 'transition').at(-1);
    expect(event).toMatchObject({ fromStatus: 'active', toStatus: 'suspended', actor: 'evaluator', at: b.clock.now, effectiveAt: new Date('2025-02-19T00:00:00Z') });
    expect(await b.billing.get(id)).toMatchObject({ status: 'suspended', statusSince: new Date('2025-02-19T00:00:00Z') });
    expect((await b.evaluator.run()).transitions.filter((t) => t.subscriberId === id)).toEqual([]);
  });

  it('moves through every threshold exactly at its instant', async () => {
    b.clock.now = new Date('2025-04-01T00:00:00Z');
    const id = await b.add('ladder', { paidUntil: '2025-04-10T00:00:00Z' });
    const steps: Array<[string, string]> = [
      ['2025-04-07T00:00:00Z', 'due_soon'],
      ['2025-04-10T00:00:00Z', 'grace'],
      ['2025-04-12T00:00:00Z', 'expired'],
      ['2025-05-10T00:00:00Z', 'suspended'],
    ];
    let previous = 'active';
    for (const [at, to] of steps) {
      b.clock.now = new Date(new Date(at).getTime() - 1000);
      await b.evaluator.run();
      expect(await status(id)).toBe(previous);
      b.clock.now = new Date(at);
      await b.evaluator.run();
      expect(await status(id)).toBe(to);
      previous = to;
    }
    expect((await b.jobs(id)).map((j) => j.toStatus)).toEqual(['due_soon', 'grace', 'expired', 'suspended']);
  });

  it('leaves unbilled subscribers (no paid_until) alone', async () => {
    const row = await b.subscribers.add({ workspaceId: 'default', username: 'legacy', accountNumber: 'A-legacy', plan: 'home-10', password: 'x', status: 'expired' });
    b.clock.now = new Date('2030-01-01T00:00:00Z');
    const run = await b.evaluator.run();
    expect(run.transitions.some((t) => t.subscriberId === row.id)).toBe(false);
    expect(await status(row.id)).toBe('expired');
  });

  it('start() runs at once and stop() waits for the run', async () => {
    b.clock.now = new Date('2025-04-01T00:00:00Z');
    const id = await b.add('startstop', { paidUntil: '2025-04-03T00:00:00Z' });
    expect(await status(id)).toBe('due_soon');
    b.clock.now = new Date('2025-04-03T00:00:00Z');
    b.evaluator.start(3_600_000);
    await b.evaluator.stop();
    expect(await status(id)).toBe('grace');
    const [jobs] = await b.database.db.select({ n: count() }).from(enforcementJobs).where(eq(enforcementJobs.subscriberId, id));
    expect(Number(jobs!.n)).toBe(2);
  });
});
