/**
 * @module billing/accounts
 * Every billing write: payments (idempotent by reference), voids, promises to pay, operator overrides,
 * disable/enable, paid_until and plan changes. Each runs in ONE transaction that locks the subscriber row
 * (SELECT … FOR UPDATE), applies the change, recomputes the state at once with `computeState`, and — when the
 * status changed — writes the transition event and the enforcement request (outbox) with it. After the commit,
 * `radgate_subscribers` is notified so every instance's in-memory directory (what Access-Request reads) is fresh.
 */

import { and, count, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Config, WorkspaceConfig } from '../config/index.js';
import type { DatabaseHandle, Db } from '../db/client.js';
import {
  payments, PRUNABLE_EVENT, subscriberEvents, type PaymentRow, type SubscriberEventKind, type SubscriberEventRow,
  type SubscriberRow, type SubscriberStatus,
} from '../db/schema.js';
import { ENFORCEMENT_CHANNEL } from '../db/channels.js';
import { recordEnforcementRequest, recordNotifications, type EnforcementRequest, type NotificationChannels } from '../db/outbox.js';
import { RadgateError } from '../errors.js';
import type { Logger } from '../log.js';
import { SUBSCRIBER_CHANNEL } from '../db/channels.js';
import { toLocal } from './calendar.js';
import { applyPayment, reversePayment, type Pricing } from './ledger.js';
import { formatMoney } from '../money.js';
import { computeState, OVERRIDE_STATUSES, type BillingRules, type BillingSubject, type ComputedState, type StateAt } from './state.js';
import { databaseNow, isUniqueViolation, rowsOf, type Tx } from '../db/rows.js';
import { pruneInBatches, type PruneCounts, type PruneOptions } from '../db/retention.js';
import { moveStatuses, subscriberById, updateSubscriber, type SubscriberValues } from '../subscribers/table.js';

/** A clock: the evaluator and the service ask it for "now" (tests inject one; radgate uses the database's). */
export type Clock = () => Date | Promise<Date>;

export const systemClock: Clock = () => new Date();

/** The database server's clock: several radgate instances then agree on "now" even if their hosts' clocks drift. */
export function databaseClock(database: DatabaseHandle): Clock {
  return () => databaseNow(database.db);
}

export interface BillingDeps {
  readonly database: DatabaseHandle;
  readonly config: () => Config;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Runs after each committed change, e.g. to refresh this process's directory before answering. */
  readonly afterChange?: (subscriberIds: readonly number[]) => Promise<void>;
}

export interface Transition {
  readonly subscriberId: number;
  readonly workspaceId: string;
  readonly username: string;
  readonly from: SubscriberStatus;
  readonly to: SubscriberStatus;
  readonly reason: string;
  /** When the rule says it took effect (a threshold), or when it was applied. */
  readonly effectiveAt: Date;
}

export interface NewPayment {
  readonly subscriberId: number;
  /** Minor units, > 0. */
  readonly amount: number;
  /** Default: the plan's currency; must equal it. */
  readonly currency?: string | undefined;
  readonly method?: string | undefined;
  readonly reference?: string | undefined;
  readonly note?: string | undefined;
  /** Default: now. */
  readonly receivedAt?: Date | undefined;
  readonly actor: string;
}

export interface PaymentResult {
  readonly payment: PaymentRow;
  /** True when the reference was already recorded: nothing changed. */
  readonly duplicate: boolean;
  readonly transition: Transition | null;
}

export interface ChangeResult {
  readonly subscriber: SubscriberRow;
  readonly state: ComputedState;
  readonly transition: Transition | null;
}

interface Change<R> {
  readonly values?: SubscriberValues;
  readonly events?: ReadonlyArray<Omit<typeof subscriberEvents.$inferInsert, 'subscriberId' | 'workspaceId' | 'at' | 'actor'> & { actor?: string }>;
  /** An extra enforcement request when the status does not change (e.g. a plan change). */
  readonly enforce?: Omit<EnforcementRequest, 'subscriberId' | 'workspaceId'>;
  readonly result?: R;
  /** Skip the write entirely (idempotent repeat). */
  readonly noop?: boolean;
}

export function subjectOf(row: SubscriberRow): BillingSubject {
  return {
    status: row.status,
    statusReason: row.statusReason,
    paidUntil: row.paidUntil,
    promiseUntil: row.promiseUntil,
    overrideStatus: row.overrideStatus,
    overrideUntil: row.overrideUntil,
    overrideReason: row.overrideReason,
  };
}

export function rulesOf(workspace: WorkspaceConfig): BillingRules {
  return { ...workspace.billing, timezone: workspace.timezone };
}

/** The notification channels a workspace has configured, as the outbox takes them; undefined when none. */
export function notificationChannelsOf(workspace: WorkspaceConfig | undefined): NotificationChannels | undefined {
  if (workspace === undefined || (workspace.mail === undefined && workspace.webhook === undefined)) return undefined;
  return { email: workspace.mail?.notifyOn, webhook: workspace.webhook?.notifyOn };
}

const notFound = (id: number) => new RadgateError('SUBSCRIBER_NOT_FOUND', `no subscriber with id ${id}`);

/**
 * Writes the status changes found by `computeState` inside `tx`: each row is updated only if its status is still the
 * one it was computed from (one UPDATE for the batch), and each change that was applied gets its transition event
 * and its enforcement request in the same transaction. Returns the changes applied.
 */
export async function writeTransitions(
  tx: Tx,
  changes: ReadonlyArray<{ readonly row: SubscriberRow; readonly state: StateAt }>,
  actor: string,
  now: Date,
  channelsOf: (workspaceId: string) => NotificationChannels | undefined = () => undefined,
): Promise<Transition[]> {
  const moving = changes.filter((c) => c.state.status !== c.row.status);
  if (moving.length === 0) return [];
  const ids = await moveStatuses(tx, moving.map((c) => ({
    id: c.row.id, from: c.row.status, to: c.state.status, reason: c.state.reason, since: c.state.since ?? now,
  })));
  const applied = moving.filter((c) => ids.has(c.row.id)); // the others were moved by another writer first
  if (applied.length === 0) return [];
  const events = await tx.insert(subscriberEvents).values(applied.map(({ row, state }) => ({
    subscriberId: row.id,
    workspaceId: row.workspaceId,
    kind: 'transition' as const,
    fromStatus: row.status,
    toStatus: state.status,
    reason: state.reason,
    actor,
    at: now,
    effectiveAt: state.since ?? now,
  }))).returning({ id: subscriberEvents.id, subscriberId: subscriberEvents.subscriberId, fromStatus: subscriberEvents.fromStatus, toStatus: subscriberEvents.toStatus, workspaceId: subscriberEvents.workspaceId });
  // The messages these changes owe (docs/notifications.md), same transaction; nothing at all for a workspace
  // without channels.
  await recordNotifications(tx, events.map((e) => ({
    eventId: e.id, subscriberId: e.subscriberId, workspaceId: e.workspaceId, fromStatus: e.fromStatus ?? '', toStatus: e.toStatus ?? '',
  })), channelsOf);
  // Issued together so the driver can pipeline them; each is its own outbox row.
  await Promise.all(applied.map(({ row, state }) => recordEnforcementRequest(tx, {
    subscriberId: row.id,
    workspaceId: row.workspaceId,
    kind: 'status',
    fromStatus: row.status,
    toStatus: state.status,
    reason: state.reason,
  })));
  return applied.map(({ row, state }) => ({
    subscriberId: row.id,
    workspaceId: row.workspaceId,
    username: row.username,
    from: row.status,
    to: state.status,
    reason: state.reason,
    effectiveAt: state.since ?? now,
  }));
}

/** One subscriber's status change (see writeTransitions); null when nothing changed. */
export async function writeTransition(
  tx: Tx, row: SubscriberRow, state: StateAt, actor: string, now: Date,
  channelsOf?: (workspaceId: string) => NotificationChannels | undefined,
): Promise<Transition | null> {
  const [applied] = await writeTransitions(tx, [{ row, state }], actor, now, channelsOf);
  return applied ?? null;
}

export class BillingAccounts {
  private readonly clock: Clock;

  constructor(private readonly deps: BillingDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  private get db(): Db {
    return this.deps.database.db;
  }

  now(): Promise<Date> {
    return Promise.resolve(this.clock());
  }

  workspace(id: string): WorkspaceConfig {
    const w = this.deps.config().workspaceById.get(id);
    if (!w) throw new RadgateError('WORKSPACE_UNKNOWN', `workspace "${id}" is not defined in workspaces.yaml`);
    return w;
  }

  rules(workspaceId: string): BillingRules {
    return rulesOf(this.workspace(workspaceId));
  }

  pricing(row: SubscriberRow): Pricing {
    const plan = this.deps.config().planByName.get(row.plan);
    if (!plan) throw new RadgateError('PLAN_UNKNOWN', `plan "${row.plan}" of ${row.username} is not defined in plans.yaml`);
    if (plan.price === undefined || plan.currency === undefined) {
      throw new RadgateError('PAYMENT_INVALID', `plan "${plan.name}" has no price in plans.yaml: it takes no payments`);
    }
    const w = this.workspace(row.workspaceId);
    return { price: plan.price, cycle: plan.billingCycle, timezone: w.timezone, renewFrom: w.billing.renewFrom };
  }

  /** The subscriber (not deleted) by id. */
  async get(id: number): Promise<SubscriberRow> {
    const row = await subscriberById(this.db, id);
    if (!row) throw notFound(id);
    return row;
  }

  /** Status now, why, and the next automatic change. */
  async status(id: number): Promise<{ subscriber: SubscriberRow; state: ComputedState; rules: BillingRules; now: Date }> {
    const subscriber = await this.get(id);
    const now = await this.now();
    const rules = this.rules(subscriber.workspaceId);
    return { subscriber, state: computeState(subjectOf(subscriber), rules, now), rules, now };
  }

  /**
   * The one write path: lock the row, apply `change`, recompute the state, write row + events + transition +
   * enforcement request, commit, then notify.
   */
  private async mutate<R>(
    id: number,
    actor: string,
    change: (row: SubscriberRow, tx: Tx, now: Date) => Promise<Change<R>>,
  ): Promise<ChangeResult & { result: R | undefined }> {
    const now = await this.now();
    const outcome = await this.db.transaction(async (tx) => {
      const row = await subscriberById(tx, id, { forUpdate: true });
      if (!row) throw notFound(id);
      const c = await change(row, tx, now);
      if (c.noop) {
        const state = computeState(subjectOf(row), this.rules(row.workspaceId), now);
        return { subscriber: row, transition: null, result: c.result, state, written: false, jobs: 0 };
      }
      // The status itself is written only by writeTransition (conditional on the old status, with its event and
      // enforcement request); a change that sets `status` (disable/enable) only feeds it to computeState.
      const { status: _status, ...values } = c.values ?? {};
      const after: SubscriberRow = { ...row, ...(c.values as Partial<SubscriberRow>) };
      const state = computeState(subjectOf(after), this.rules(row.workspaceId), now);
      const set: SubscriberValues = { ...values };
      if (state.status === row.status && (state.managed || state.status === 'disabled')) set.statusReason = state.reason;
      await updateSubscriber(tx, id, set);
      for (const e of c.events ?? []) {
        await tx.insert(subscriberEvents).values({ ...e, actor: e.actor ?? actor, subscriberId: id, workspaceId: row.workspaceId, at: now });
      }
      const transition = await writeTransition(tx, row, state, actor, now, (w) => notificationChannelsOf(this.deps.config().workspaceById.get(w)));
      let jobs = transition ? 1 : 0;
      if (!transition && c.enforce) {
        await recordEnforcementRequest(tx, { ...c.enforce, subscriberId: id, workspaceId: row.workspaceId });
        jobs++;
      }
      const fresh = await subscriberById(tx, id, { includeDeleted: true });
      return { subscriber: fresh!, transition, result: c.result, state, written: true, jobs };
    });
    if (outcome.written) await this.changed([id], outcome.jobs > 0);
    if (outcome.transition) {
      this.deps.log?.info({ subscriber: outcome.transition.username, from: outcome.transition.from, to: outcome.transition.to, actor }, 'subscriber status changed');
    }
    return outcome;
  }

  /** Notifies every instance (and this one) that subscribers changed. */
  async changed(ids: readonly number[], enforcement: boolean): Promise<void> {
    if (ids.length === 0) return;
    try {
      if (ids.length > 100) await this.deps.database.notify(SUBSCRIBER_CHANNEL, '*');
      else for (const id of ids) await this.deps.database.notify(SUBSCRIBER_CHANNEL, String(id));
      if (enforcement) await this.deps.database.notify(ENFORCEMENT_CHANNEL, 'billing');
    } catch (err) {
      // Committed already; the directory's poll picks the change up within seconds.
      this.deps.log?.warn({ err }, 'could not notify other instances of a subscriber change');
    }
    await this.deps.afterChange?.(ids);
  }

  // ---- payments -----------------------------------------------------------------------------------------------

  /** Records a payment; the same `reference` twice in a workspace returns the first payment and changes nothing. */
  async pay(input: NewPayment): Promise<PaymentResult> {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
      throw new RadgateError('PAYMENT_INVALID', 'amount: must be a whole number of minor units (cents) above 0');
    }
    const reference = input.reference?.trim() || undefined;
    try {
      const out = await this.mutate<PaymentRow & { duplicate: boolean }>(input.subscriberId, input.actor, async (row, tx, now) => {
        if (reference !== undefined) {
          const [existing] = await tx.select().from(payments).where(and(eq(payments.workspaceId, row.workspaceId), eq(payments.reference, reference)));
          if (existing) return { noop: true, result: { ...this.sameOrConflict(existing, input), duplicate: true } };
        }
        const pricing = this.pricing(row);
        const plan = this.deps.config().planByName.get(row.plan)!;
        const currency = input.currency?.toUpperCase() ?? plan.currency!;
        if (currency !== plan.currency) {
          throw new RadgateError('PAYMENT_INVALID', `currency: plan "${plan.name}" is paid in ${plan.currency}, not ${currency}`);
        }
        const ledger = applyPayment(row, input.amount, pricing, now);
        const [payment] = await tx.insert(payments).values({
          subscriberId: row.id,
          workspaceId: row.workspaceId,
          amount: input.amount,
          currency,
          method: input.method?.trim() || 'unspecified',
          reference: reference ?? null,
          note: input.note ?? null,
          cycles: ledger.cycles,
          paidUntilBefore: row.paidUntil,
          paidUntilAfter: ledger.paidUntil,
          balanceAfter: ledger.balance,
          actor: input.actor,
          receivedAt: input.receivedAt ?? now,
        }).returning();
        return {
          values: { paidUntil: ledger.paidUntil, balance: ledger.balance, cycleAnchorDay: ledger.cycleAnchorDay },
          events: [{
            kind: 'payment',
            paymentId: payment!.id,
            reason: `payment #${payment!.id}: ${formatMoney(input.amount, currency)} by ${payment!.method}${reference ? ` (ref ${reference})` : ''}; ${ledger.cycles} cycle(s)`,
            details: {
              amount: input.amount, currency, cycles: ledger.cycles,
              paid_until_before: row.paidUntil?.toISOString() ?? null, paid_until_after: ledger.paidUntil?.toISOString() ?? null,
              balance_before: row.balance, balance_after: ledger.balance,
            },
          }],
          result: { ...payment!, duplicate: false },
        };
      });
      const { duplicate, ...payment } = out.result!;
      return { payment, duplicate, transition: out.transition };
    } catch (err) {
      // Two payments with one new reference raced (on different subscribers): the loser gets the winner's verdict.
      if (reference !== undefined && isUniqueViolation(err)) {
        const existing = await this.findByReference(input.subscriberId, reference);
        if (existing) return { payment: this.sameOrConflict(existing, input), duplicate: true, transition: null };
      }
      throw err;
    }
  }

  private async findByReference(subscriberId: number, reference: string): Promise<PaymentRow | undefined> {
    const row = await this.get(subscriberId);
    const [existing] = await this.db.select().from(payments).where(and(eq(payments.workspaceId, row.workspaceId), eq(payments.reference, reference)));
    return existing;
  }

  private sameOrConflict(existing: PaymentRow, input: NewPayment): PaymentRow {
    const same = existing.subscriberId === input.subscriberId && existing.amount === input.amount
      && (input.currency === undefined || input.currency.toUpperCase() === existing.currency);
    if (!same) {
      throw new RadgateError('PAYMENT_CONFLICT', `reference "${existing.reference}" is already payment #${existing.id} (${formatMoney(existing.amount, existing.currency)}, subscriber ${existing.subscriberId})`);
    }
    return existing;
  }

  async getPayment(id: number): Promise<PaymentRow> {
    const [row] = await this.db.select().from(payments).where(eq(payments.id, id));
    if (!row) throw new RadgateError('PAYMENT_NOT_FOUND', `no payment with id ${id}`);
    return row;
  }

  /** Voids (refunds) a payment: takes its amount back off the subscriber's account and re-evaluates. Idempotent. */
  async voidPayment(paymentId: number, reason: string, actor: string): Promise<{ payment: PaymentRow; transition: Transition | null; alreadyVoided: boolean }> {
    const payment = await this.getPayment(paymentId);
    const out = await this.mutate<{ payment: PaymentRow; alreadyVoided: boolean }>(payment.subscriberId, actor, async (row, tx, now) => {
      const [locked] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
      if (locked!.state === 'voided') return { noop: true, result: { payment: locked!, alreadyVoided: true } };
      const pricing = this.pricing(row);
      const ledger = reversePayment(row, locked!.amount, pricing);
      const [voided] = await tx.update(payments)
        .set({ state: 'voided', voidedAt: now, voidedBy: actor, voidReason: reason })
        .where(eq(payments.id, paymentId))
        .returning();
      return {
        values: { paidUntil: ledger.paidUntil, balance: ledger.balance },
        events: [{
          kind: 'void',
          paymentId,
          reason: `payment #${paymentId} (${formatMoney(locked!.amount, locked!.currency)}) voided: ${reason}; ${ledger.cycles} cycle(s) taken back`,
          details: { paid_until_before: row.paidUntil?.toISOString() ?? null, paid_until_after: ledger.paidUntil?.toISOString() ?? null, balance_before: row.balance, balance_after: ledger.balance },
        }],
        result: { payment: voided!, alreadyVoided: false },
      };
    });
    return { ...out.result!, transition: out.transition };
  }

  async listPayments(filter: { subscriberId?: number; workspaceId?: string; includeVoided?: boolean; limit?: number; offset?: number } = {}): Promise<{ items: PaymentRow[]; total: number }> {
    const where: SQL[] = [];
    if (filter.subscriberId !== undefined) where.push(eq(payments.subscriberId, filter.subscriberId));
    if (filter.workspaceId !== undefined) where.push(eq(payments.workspaceId, filter.workspaceId));
    if (filter.includeVoided === false) where.push(eq(payments.state, 'recorded'));
    const condition = where.length > 0 ? and(...where) : undefined;
    const items = await this.db.select().from(payments).where(condition)
      .orderBy(desc(payments.receivedAt), desc(payments.id)).limit(filter.limit ?? 50).offset(filter.offset ?? 0);
    const [total] = await this.db.select({ n: count() }).from(payments).where(condition);
    return { items, total: Number(total!.n) };
  }

  // ---- operator actions ---------------------------------------------------------------------------------------

  /** Promise to pay: overdue service is restored (as `grace`) until `until`, then the thresholds apply again. */
  async promise(id: number, until: Date, reason: string | undefined, actor: string): Promise<ChangeResult> {
    return this.mutate(id, actor, async (row, _tx, now) => {
      if (until.getTime() <= now.getTime()) throw new RadgateError('BILLING_INVALID', 'until: must be in the future');
      if (row.paidUntil === null) throw new RadgateError('BILLING_INVALID', `${row.username} is not billed (no paid_until): nothing to promise`);
      const rules = this.rules(row.workspaceId);
      return {
        values: { promiseUntil: until },
        events: [{ kind: 'promise', reason: `promise to pay until ${until.toISOString()}${reason ? `: ${reason}` : ''}`, details: { until: until.toISOString(), timezone: rules.timezone } }],
      };
    });
  }

  /** Pins a status (until `until`, or until cleared with `clearOverride`). */
  async override(id: number, status: SubscriberStatus, reason: string, until: Date | null, actor: string): Promise<ChangeResult> {
    if (!(OVERRIDE_STATUSES as readonly string[]).includes(status)) {
      throw new RadgateError('BILLING_INVALID', `status: one of ${OVERRIDE_STATUSES.join(', ')} (use disable/enable for disabled)`);
    }
    return this.mutate(id, actor, async (row, _tx, now) => {
      if (row.status === 'disabled') throw new RadgateError('BILLING_INVALID', `${row.username} is disabled: enable first`);
      if (until !== null && until.getTime() <= now.getTime()) throw new RadgateError('BILLING_INVALID', 'until: must be in the future');
      return {
        values: { overrideStatus: status, overrideUntil: until, overrideReason: reason },
        events: [{ kind: 'override', toStatus: status, reason: `status set to ${status}${until ? ` until ${until.toISOString()}` : ''}: ${reason}` }],
      };
    });
  }

  async clearOverride(id: number, actor: string): Promise<ChangeResult> {
    return this.mutate(id, actor, async (row) => {
      if (row.overrideStatus === null) return { noop: true };
      return {
        values: { overrideStatus: null, overrideUntil: null, overrideReason: null },
        events: [{ kind: 'override', reason: 'operator status cleared: the thresholds decide again' }],
      };
    });
  }

  async disable(id: number, reason: string, actor: string): Promise<ChangeResult> {
    return this.mutate(id, actor, async (row) => {
      if (row.status === 'disabled') return { noop: true };
      return { values: { status: 'disabled', statusReason: `disabled: ${reason}` }, events: [{ kind: 'disable', reason }] };
    });
  }

  async enable(id: number, actor: string): Promise<ChangeResult> {
    return this.mutate(id, actor, async (row) => {
      if (row.status !== 'disabled') return { noop: true };
      // `active` is the starting point; computeState then applies override, promise and thresholds.
      return { values: { status: 'active', statusReason: null }, events: [{ kind: 'enable', reason: 'enabled by an operator' }] };
    });
  }

  /** Sets paid_until directly (onboarding, corrections); null stops billing for the subscriber. */
  async setPaidUntil(id: number, paidUntil: Date | null, reason: string | undefined, actor: string): Promise<ChangeResult> {
    return this.mutate(id, actor, async (row) => {
      const tz = this.workspace(row.workspaceId).timezone;
      return {
        values: { paidUntil, cycleAnchorDay: paidUntil === null ? null : toLocal(paidUntil, tz).day },
        events: [{
          kind: 'paid_until',
          reason: `paid_until set to ${paidUntil?.toISOString() ?? 'none (not billed)'}${reason ? `: ${reason}` : ''}`,
          details: { before: row.paidUntil?.toISOString() ?? null, after: paidUntil?.toISOString() ?? null },
        }],
      };
    });
  }

  /** Moves a subscriber to another plan; live sessions must get the new plan (enforcement request `plan`). */
  async changePlan(id: number, plan: string, actor: string): Promise<ChangeResult> {
    if (!this.deps.config().planByName.has(plan)) throw new RadgateError('PLAN_UNKNOWN', `unknown plan "${plan}" (not in plans.yaml)`);
    return this.mutate(id, actor, async (row) => {
      if (row.plan === plan) return { noop: true };
      return {
        values: { plan },
        events: [{ kind: 'plan', reason: `plan ${row.plan} → ${plan}`, details: { from: row.plan, to: plan } }],
        enforce: { kind: 'plan', fromStatus: row.status, toStatus: row.status, reason: `plan ${row.plan} → ${plan}` },
      };
    });
  }

  /** Soft-deletes a subscriber; live sessions are to be ended (enforcement request to `disabled`). */
  async delete(id: number, actor: string): Promise<void> {
    await this.mutate(id, actor, async (row, _tx, now) => ({
      values: { deletedAt: now },
      events: [{ kind: 'delete', reason: 'subscriber deleted' }],
      enforce: { kind: 'status', fromStatus: row.status, toStatus: 'disabled', reason: 'subscriber deleted' },
    }));
  }

  async history(id: number, page: { limit?: number; offset?: number } = {}): Promise<{ items: SubscriberEventRow[]; total: number }> {
    const items = await this.db.select().from(subscriberEvents).where(eq(subscriberEvents.subscriberId, id))
      .orderBy(desc(subscriberEvents.id)).limit(page.limit ?? 50).offset(page.offset ?? 0);
    const [total] = await this.db.select({ n: count() }).from(subscriberEvents).where(eq(subscriberEvents.subscriberId, id));
    return { items, total: Number(total!.n) };
  }
}

/**
 * Retention (src/db/retention.ts): deletes the subscriber events recorded before `cutoff`, except the ledger's
 * (`LEDGER_EVENT_KINDS`: payment, void, paid_until), which are kept forever like the payments themselves. Payments
 * are never pruned. Served by the `subscriber_events_prunable` index, oldest first.
 */
export async function pruneSubscriberEvents(db: Db, cutoff: Date, options: PruneOptions = {}): Promise<PruneCounts> {
  const old = sql`"at" < ${cutoff.toISOString()}::timestamptz and ${PRUNABLE_EVENT}`;
  if (options.dryRun) {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from subscriber_events where ${old}`));
    return { subscriber_events: Number(row!.n) };
  }
  return pruneInBatches(options, 'subscriber_events', async (limit) => {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`
      with doomed as (
        select id from subscriber_events where ${old}
        order by "at" limit ${limit}
        for update skip locked
      ), gone as (delete from subscriber_events e using doomed d where e.id = d.id returning 1)
      select count(*)::int as n from gone`));
    return { subscriber_events: Number(row!.n) };
  });
}

export type { SubscriberEventKind };
