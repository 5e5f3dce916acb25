/**
 * @module notify/worker
 * The notification worker: claims due rows of the outbox (notify/queue.ts), decides for each whether there is
 * anything to send (the channel still configured, the subscriber there, not opted out, an e-mail address), holds
 * e-mail during the workspace's quiet hours, sends (notify/mailer.ts, notify/webhook.ts) and records the outcome.
 * Failures are retried with exponential back-off (30 s doubling, capped at 1 h) up to `maxAttempts`, then `failed`.
 * Woken by the enforcement NOTIFY that every billing transition sends, and by a poll (safety net, and for rows that
 * come due: retries, quiet hours). The reminder link comes in as `linkFor` (built by app.ts from the link keys).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Config, QuietHours, WorkspaceConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { ENFORCEMENT_CHANNEL } from '../db/channels.js';
import type { NotificationChannel, NotificationState, SubscriberRow } from '../db/schema.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { fromLocal, toLocal } from '../billing/calendar.js';
import { subscribersByIds } from '../subscribers/table.js';
import { databaseNow } from '../db/rows.js';
import { createMailer, MailError, type Mailer } from './mailer.js';
import { renderMessage } from './message.js';
import { claimNotifications, finishNotification, releaseNotifications, renewNotificationLeases, type ClaimedNotification, type NotificationFinish } from './queue.js';
import { postWebhook, WebhookError } from './webhook.js';

export const NOTIFY_DEFAULTS = Object.freeze({
  pollIntervalMs: 5_000,
  leaseSeconds: 120,
  batch: 20,
  maxAttempts: 8,
  backoffBaseSeconds: 30,
  backoffCapSeconds: 3600,
});

export interface NotifyWorkerOptions {
  readonly database: DatabaseHandle;
  readonly config: () => Config;
  readonly log: Logger;
  /** The subscriber's signed reminder link, or undefined when the workspace has none (no reminder_host). */
  readonly linkFor: (workspace: WorkspaceConfig, subscriber: SubscriberRow) => Promise<string | undefined>;
  /** Counts each finished attempt (metrics). */
  readonly onFinish?: (channel: NotificationChannel, state: NotificationState | 'retry' | 'deferred') => void;
  readonly instanceId?: string;
  readonly mailer?: Mailer;
  readonly pollIntervalMs?: number;
  readonly leaseSeconds?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseSeconds?: number;
  readonly backoffCapSeconds?: number;
}

/** Seconds to wait after attempt `n` (1-based) failed: base · 2^(n−1), at most cap. */
export function backoffSeconds(attempt: number, base: number, cap: number): number {
  return Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
}

/**
 * When the quiet window holding `now` ends (in `timeZone`), or undefined when `now` is outside it. A window whose
 * `from` is later than its `to` spans midnight (21:00–08:00).
 */
export function quietUntil(now: Date, quiet: QuietHours, timeZone: string): Date | undefined {
  const local = toLocal(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  const { from, to } = quiet;
  const inside = from.minutes < to.minutes ? minute >= from.minutes && minute < to.minutes : minute >= from.minutes || minute < to.minutes;
  if (!inside) return undefined;
  // The end is today at `to` if that is still ahead, else tomorrow at `to`.
  const day = { year: local.year, month: local.month, day: local.day };
  if (minute >= to.minutes) {
    const next = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
    Object.assign(day, { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() });
  }
  return fromLocal({ ...day, hour: Math.floor(to.minutes / 60), minute: to.minutes % 60, second: 0, millisecond: 0 }, timeZone);
}

export class NotifyWorker {
  readonly instanceId: string;
  private readonly mailer: Mailer;
  private readonly errors: RateLimitedLog;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly held = new Set<number>();
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: NotifyWorkerOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.mailer = options.mailer ?? createMailer();
    this.errors = new RateLimitedLog(options.log);
  }

  private get lease() {
    return this.options.leaseSeconds ?? NOTIFY_DEFAULTS.leaseSeconds;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.unlisten = await this.options.database.listen(ENFORCEMENT_CHANNEL, () => this.wake());
    const poll = this.options.pollIntervalMs ?? NOTIFY_DEFAULTS.pollIntervalMs;
    this.timer = setInterval(() => this.wake(), poll);
    this.timer.unref();
    this.leaseTimer = setInterval(() => {
      renewNotificationLeases(this.options.database.db, this.instanceId, this.lease, [...this.held])
        .catch((err: unknown) => this.errors.warn('notify lease', err, 'notifications: lease renewal failed'));
    }, Math.max(1000, (this.lease * 1000) / 3));
    this.leaseTimer.unref();
    this.wake();
  }

  /** Run a pass now (and another after it if woken meanwhile). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.runOnce();
        } catch (err) {
          this.errors.error('notify pass', err, 'notifications: pass failed');
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.running = undefined;
    });
  }

  /** Wait until the current pass (if any) has finished — tests and shutdown. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Claims and works one batch after another until nothing is due, or a row comes round again in the same pass (a
   * retry without delay): that one waits for the next pass. Returns how many attempts finished.
   */
  async runOnce(): Promise<number> {
    const db = this.options.database.db;
    let handled = 0;
    const seen = new Set<number>();
    let more = true;
    while (more && !this.stopped) {
      const claimed = await claimNotifications(db, this.instanceId, NOTIFY_DEFAULTS.batch, this.lease);
      if (claimed.length === 0) break;
      for (const n of claimed) this.held.add(n.id);
      try {
        // Quiet hours are judged by the database's clock, the one next_attempt_at is compared with.
        const now = await databaseNow(db);
        const subscribers = new Map((await subscribersByIds(db, [...new Set(claimed.map((n) => n.subscriberId))], { includeDeleted: true })).map((s) => [s.id, s]));
        for (const n of claimed) {
          if (this.stopped) break;
          if (seen.has(n.id)) {
            more = false;
            continue; // released below, attempt not counted
          }
          seen.add(n.id);
          const finish = await this.handle(n, subscribers.get(n.subscriberId), now);
          await finishNotification(db, this.instanceId, n.id, finish);
          this.held.delete(n.id);
          this.options.onFinish?.(n.channel, finish.state === 'defer' ? 'deferred' : finish.state);
          handled++;
        }
      } finally {
        if (this.held.size > 0) {
          const left = [...this.held];
          this.held.clear();
          await releaseNotifications(db, this.instanceId, left).catch(() => {});
        }
      }
    }
    return handled;
  }

  private async handle(n: ClaimedNotification, subscriber: SubscriberRow | undefined, now: Date): Promise<NotificationFinish> {
    const config = this.options.config();
    const workspace = config.workspaceById.get(n.workspaceId);
    if (workspace === undefined) return { state: 'skipped', reason: 'workspace no longer configured' };
    if (subscriber === undefined || subscriber.deletedAt !== null) return { state: 'skipped', reason: 'subscriber deleted' };
    if (subscriber.notifyOptOut) return { state: 'skipped', reason: 'subscriber opted out' };
    try {
      if (n.channel === 'email') {
        const mail = workspace.mail;
        if (mail === undefined) return { state: 'skipped', reason: 'e-mail no longer configured for the workspace' };
        if (subscriber.email === null || subscriber.email === '') return { state: 'skipped', reason: 'no e-mail address' };
        if (mail.quietHours !== undefined) {
          const until = quietUntil(now, mail.quietHours, workspace.timezone);
          if (until !== undefined) return { state: 'defer', until };
        }
        const link = (await this.options.linkFor(workspace, subscriber)) ?? '';
        const message = renderMessage(n.kind, subscriber, config.planByName.get(subscriber.plan), workspace, link, now);
        await this.mailer.send(workspace.id, mail, workspace.name, { to: subscriber.email, subject: message.subject, text: message.text, html: message.html });
        return { state: 'sent' };
      }
      const hook = workspace.webhook;
      if (hook === undefined) return { state: 'skipped', reason: 'webhook no longer configured for the workspace' };
      const link = (await this.options.linkFor(workspace, subscriber)) ?? null;
      const message = renderMessage(n.kind, subscriber, config.planByName.get(subscriber.plan), workspace, link ?? '', now);
      // Only what a message needs: no e-mail address, phone or contact name.
      await postWebhook(hook, {
        id: n.dedupeKey,
        type: `subscriber.${n.kind}`,
        created_at: n.createdAt.toISOString(),
        workspace: workspace.id,
        subscriber: {
          id: subscriber.id,
          account: subscriber.accountNumber,
          username: subscriber.username,
          status: subscriber.status,
          plan: subscriber.plan,
          paid_until: subscriber.paidUntil?.toISOString() ?? null,
        },
        amount: message.vars.amount === '' ? null : message.vars.amount,
        link,
      }, now, n.dedupeKey);
      return { state: 'sent' };
    } catch (err) {
      const permanent = (err instanceof MailError || err instanceof WebhookError) && err.permanent;
      const reason = err instanceof MailError || err instanceof WebhookError ? err.message : `${(err as Error).name ?? 'Error'}: send failed`;
      this.errors.warn(`notify ${n.channel} ${n.workspaceId}`, new Error(reason), 'notifications: send failed', { channel: n.channel, workspace: n.workspaceId });
      const max = this.options.maxAttempts ?? NOTIFY_DEFAULTS.maxAttempts;
      if (permanent || n.attempts >= max) return { state: 'failed', reason: `${reason} (attempt ${n.attempts})` };
      return {
        state: 'retry',
        reason,
        retryInSeconds: backoffSeconds(n.attempts, this.options.backoffBaseSeconds ?? NOTIFY_DEFAULTS.backoffBaseSeconds, this.options.backoffCapSeconds ?? NOTIFY_DEFAULTS.backoffCapSeconds),
      };
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.idle().catch(() => {});
    await releaseNotifications(this.options.database.db, this.instanceId).catch(() => {});
    await this.unlisten?.().catch(() => {});
    this.mailer.close();
  }
}
