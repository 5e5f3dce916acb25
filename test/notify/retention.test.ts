/**
 * Retention of the notification outbox (`pruneNotifications`, src/notify/queue.ts): only finished notifications
 * (sent, failed, skipped) finished before the cut-off go, never pending or running ones; in batches; a dry run
 * counts and deletes nothing. Rows are queued by billing (a subscriber entering due_soon) and claimed and finished
 * through the queue's own functions, as the worker does. PGlite, or PostgreSQL with DATABASE_URL.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, type NotificationState } from '../../src/db/schema.js';
import { databaseNow } from '../../src/db/rows.js';
import { claimNotifications, finishNotification, pruneNotifications, type NotificationFinish } from '../../src/notify/queue.js';
import { mailYaml, notifyBench, type NotifyBench } from './helpers.js';

let b: NotifyBench;
let serial = 0;

beforeAll(async () => {
  // Nothing is sent here (no worker runs): the mail block only makes billing queue e-mail.
  b = await notifyBench({ mail: mailYaml(1) });
});

afterAll(async () => {
  await b?.close();
});

const db = () => b.database.db;

/**
 * A cut-off strictly after every row finished so far and strictly before the next one: the database clock may repeat
 * a value for statements within the same millisecond (PGlite), so the cut-off is taken between two short waits.
 */
async function cutoffNow(): Promise<Date> {
  await new Promise((r) => setTimeout(r, 10));
  const cutoff = await databaseNow(db());
  await new Promise((r) => setTimeout(r, 10));
  return cutoff;
}

/** A subscriber entering due_soon: billing queues one e-mail notification. Its id. */
async function queued(): Promise<number> {
  const name = `n${++serial}`;
  const subscriber = await b.subscribers.add({
    workspaceId: 'default', username: name, accountNumber: `A-${name}`, plan: 'home-10', password: 'pw', email: `${name}@example.net`,
  });
  await b.billing.setPaidUntil(subscriber.id, new Date('2025-01-17T00:00:00Z'), 'test', 'test');
  const rows = await db().select().from(notifications).where(eq(notifications.subscriberId, subscriber.id));
  expect(rows.map((r) => r.state)).toEqual(['pending']);
  return rows[0]!.id;
}

/** Claims every due notification as `test` and finishes those in `finish` (the others stay running). */
async function settle(finish: Map<number, NotificationFinish>): Promise<void> {
  const claimed = await claimNotifications(db(), 'test', 1000, 300);
  for (const n of claimed) {
    const outcome = finish.get(n.id);
    if (outcome !== undefined) expect(await finishNotification(db(), 'test', n.id, outcome)).toBe(true);
  }
}

async function states(ids: number[]): Promise<Array<[number, NotificationState]>> {
  const rows = await db().select({ id: notifications.id, state: notifications.state }).from(notifications);
  return rows.filter((r) => ids.includes(r.id)).map((r): [number, NotificationState] => [r.id, r.state]).sort((x, y) => x[0] - y[0]);
}

/** Everything in the outbox finished, so tests do not see each other's rows. */
async function clear(): Promise<void> {
  await pruneNotifications(db(), new Date(Date.now() + 86_400_000));
}

describe('pruneNotifications', () => {
  it('deletes sent, failed and skipped notifications finished before the cut-off; never pending or running ones, nor newer ones', async () => {
    const sent = await queued();
    const failed = await queued();
    const skipped = await queued();
    const running = await queued();
    await settle(new Map<number, NotificationFinish>([
      [sent, { state: 'sent' }],
      [failed, { state: 'failed', reason: 'SMTP 550: mailbox unavailable' }],
      [skipped, { state: 'skipped', reason: 'subscriber opted out' }],
    ]));
    const pending = await queued(); // queued after the claim: still pending
    const cutoff = await cutoffNow();
    const newer = await queued();
    const retried = await queued();
    await settle(new Map<number, NotificationFinish>([
      [newer, { state: 'sent' }],
      [retried, { state: 'retry', reason: 'SMTP 421: try later', retryInSeconds: 3600 }],
      [pending, { state: 'defer', until: new Date(Date.now() + 3_600_000) }],
    ]));
    const all = [sent, failed, skipped, running, pending, newer, retried];
    expect(await states(all)).toEqual([
      [sent, 'sent'], [failed, 'failed'], [skipped, 'skipped'], [running, 'running'], [pending, 'pending'], [newer, 'sent'], [retried, 'pending'],
    ]);

    expect(await pruneNotifications(db(), cutoff)).toEqual({ notifications: 3 });
    expect(await states(all)).toEqual([[running, 'running'], [pending, 'pending'], [newer, 'sent'], [retried, 'pending']]);
    // Even a cut-off in the future leaves the unfinished ones (the running one is still running, leased to `test`).
    expect(await pruneNotifications(db(), new Date(Date.now() + 86_400_000))).toEqual({ notifications: 1 });
    expect(await states(all)).toEqual([[running, 'running'], [pending, 'pending'], [retried, 'pending']]);
    await settle(new Map()); // nothing due: the pending ones wait for their back-off
    expect(await finishNotification(db(), 'test', running, { state: 'sent' })).toBe(true);
    await clear();
  });

  it('in batches, until every old one is gone; a dry run counts the same rows and deletes nothing', async () => {
    const finished: number[] = [];
    for (let i = 0; i < 7; i++) finished.push(await queued());
    await settle(new Map(finished.map((id) => [id, { state: 'sent' } as NotificationFinish])));
    const pending = await queued();
    const cutoff = await cutoffNow();

    expect(await pruneNotifications(db(), cutoff, { dryRun: true })).toEqual({ notifications: 7 });
    expect(await pruneNotifications(db(), cutoff, { dryRun: true, batchSize: 2 })).toEqual({ notifications: 7 });
    expect((await states([...finished, pending])).length).toBe(8);

    expect(await pruneNotifications(db(), cutoff, { batchSize: 2 })).toEqual({ notifications: 7 });
    expect(await states([...finished, pending])).toEqual([[pending, 'pending']]);
    expect(await pruneNotifications(db(), cutoff, { batchSize: 2 })).toEqual({ notifications: 0 });
  });
});
