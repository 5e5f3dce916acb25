/**
 * `radgate pay | payments | void | status | promise | evaluate | history | disable | enable | paid-until`: the
 * operator's billing commands. Times are shown in the subscriber's workspace time zone; amounts are typed and shown
 * in the plan's currency (25.00), stored as minor units.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { lastDayBefore, parseOperatorTime } from '../billing/calendar.js';
import { BillingEvaluator } from '../billing/evaluator.js';
import { formatMoney, parseAmount } from '../money.js';
import { BillingAccounts, databaseClock, type Transition } from '../billing/accounts.js';
import { OVERRIDE_STATUSES } from '../billing/state.js';
import type { Config } from '../config/index.js';
import type { PaymentRow, SubscriberRow, SubscriberStatus } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { openSessionsOfSubscriber } from '../sessions/store.js';
import type { CliContext } from './context.js';
import { keyValues, localTime as local, relativeTime as relative, table } from './format.js';
import { need } from './args.js';
import { Progress } from './progress.js';

export const BILLING_COMMANDS = ['pay', 'payments', 'void', 'status', 'promise', 'evaluate', 'history', 'disable', 'enable', 'paid-until'] as const;
export type BillingCommand = (typeof BILLING_COMMANDS)[number];

export const BILLING_USAGE = `radgate billing commands (USER is a username; --workspace W when several are configured)
  pay USER AMOUNT [--ref R] [--method M] [--currency C] [--note TEXT]
        record a payment of AMOUNT (e.g. 25.00, in the plan's currency); the same --ref twice is one payment
  payments [USER] [--limit N] [--offset N] [--json]      payments, newest first
  void PAYMENT_ID --reason TEXT                          void (refund) a payment; the status is recomputed
  status USER [--json]                                   status, why, next change and when, open sessions
  status USER --set STATUS --reason TEXT [--until DATE]  pin a status (${OVERRIDE_STATUSES.join(', ')})
  status USER --auto                                     clear a pinned status: the thresholds decide again
  promise USER --until DATE [--reason TEXT]              promise to pay: service restored until DATE
  evaluate [--dry-run] [--json] [--quiet]                apply the thresholds now (--dry-run: what would change);
                                                         progress on a terminal, then a summary (none with --json)
  history USER [--limit N] [--json]                      transitions, payments and operator actions
  disable USER --reason TEXT | enable USER               administrative off/on (beats every other rule)
  paid-until USER (DATE | none) [--reason TEXT]          set paid_until directly (none: stop billing USER)
DATE: YYYY-MM-DD means through the end of that day in the workspace time zone; or YYYY-MM-DD HH:MM (local),
or an ISO 8601 time with offset.`;

const OPTIONS = {
  workspace: { type: 'string' },
  ref: { type: 'string' },
  method: { type: 'string' },
  currency: { type: 'string' },
  note: { type: 'string' },
  reason: { type: 'string' },
  until: { type: 'string' },
  set: { type: 'string' },
  auto: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

function count(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new RadgateError('USAGE', `${what}: a whole number, got "${value}"`);
  return Number(value);
}

/** Who did it, for events and payments: `cli:<login name>`. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

function describeTransition(t: Transition | null): string {
  return t === null ? '' : `\nstatus: ${t.from} → ${t.to} (${t.reason})`;
}

export async function billingCommand(ctx: CliContext, command: BillingCommand, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const config = await ctx.loadConfig();
  const database = await ctx.db();
  const clock = databaseClock(database);
  const billing = new BillingAccounts({ database, config: () => config, clock, log: ctx.log });
  const actor = cliActor();
  const subscribers = await ctx.subscribers();
  const find = async (username: string): Promise<SubscriberRow> => subscribers.get(ctx.workspace(config, values.workspace), username);
  const tzOf = (row: SubscriberRow) => config.workspaceById.get(row.workspaceId)?.timezone ?? 'UTC';
  const date = (text: string, row: SubscriberRow, what: string): Date => {
    const t = parseOperatorTime(text, tzOf(row));
    if ('error' in t) throw new RadgateError('USAGE', `${what}: ${t.error}`);
    return t;
  };

  switch (command) {
    case 'pay': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      const plan = config.planByName.get(row.plan);
      const currency = (values.currency ?? plan?.currency)?.toUpperCase();
      if (currency === undefined) throw new RadgateError('PAYMENT_INVALID', `plan "${row.plan}" has no price in plans.yaml: it takes no payments`);
      const amount = parseAmount(need(positionals[1], 'AMOUNT', BILLING_USAGE), currency);
      if (typeof amount !== 'number') throw new RadgateError('USAGE', `AMOUNT: ${amount.error}`);
      const r = await billing.pay({ subscriberId: row.id, amount, currency, method: values.method, reference: values.ref, note: values.note, actor });
      if (values.json) return JSON.stringify(r, null, 2);
      const p = r.payment;
      if (r.duplicate) return `reference ${p.reference} is already payment #${p.id} (${formatMoney(p.amount, p.currency)}, ${p.receivedAt.toISOString()}): nothing recorded`;
      const after = await billing.get(row.id);
      return `payment #${p.id}: ${formatMoney(p.amount, p.currency)} for ${row.username}, ${p.cycles} cycle(s); paid until ${local(after.paidUntil, tzOf(after))}, balance ${formatMoney(after.balance, p.currency)}${describeTransition(r.transition)}`;
    }
    case 'payments': {
      const row = positionals[0] === undefined ? undefined : await find(positionals[0]);
      const { items, total } = await billing.listPayments({
        subscriberId: row?.id,
        workspaceId: row === undefined ? values.workspace : undefined,
        limit: count(values.limit, 50, '--limit'),
        offset: count(values.offset, 0, '--offset'),
      });
      if (values.json) return JSON.stringify({ items, total }, null, 2);
      const names = new Map<number, string>();
      for (const p of items) if (!names.has(p.subscriberId)) names.set(p.subscriberId, (await billing.get(p.subscriberId).catch(() => undefined))?.username ?? `#${p.subscriberId}`);
      return `${table(
        ['ID', 'RECEIVED', 'USER', 'AMOUNT', 'METHOD', 'REFERENCE', 'CYCLES', 'STATE'],
        items.map((p: PaymentRow) => [p.id, p.receivedAt.toISOString(), names.get(p.subscriberId), formatMoney(p.amount, p.currency), p.method, p.reference, p.cycles, p.state]),
      )}\n${items.length} of ${total}`;
    }
    case 'void': {
      const id = count(need(positionals[0], 'PAYMENT_ID', BILLING_USAGE), 0, 'PAYMENT_ID');
      const r = await billing.voidPayment(id, need(values.reason, '--reason', BILLING_USAGE), actor);
      if (r.alreadyVoided) return `payment #${id} was already voided (${r.payment.voidReason ?? 'no reason'})`;
      return `payment #${id} voided (${formatMoney(r.payment.amount, r.payment.currency)})${describeTransition(r.transition)}`;
    }
    case 'status': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      if (values.auto) {
        await billing.clearOverride(row.id, actor);
      } else if (values.set !== undefined) {
        const status = values.set as SubscriberStatus;
        const until = values.until === undefined ? null : date(values.until, row, '--until');
        await billing.override(row.id, status, need(values.reason, '--reason', BILLING_USAGE), until, actor);
      }
      return statusText(config, billing, row.id, values.json === true, database);
    }
    case 'promise': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      const until = date(need(values.until, '--until', BILLING_USAGE), row, '--until');
      const r = await billing.promise(row.id, until, values.reason, actor);
      return `promise to pay recorded for ${row.username} until ${local(until, tzOf(row))}; status ${r.state.status}${describeTransition(r.transition)}`;
    }
    case 'evaluate': {
      const evaluator = new BillingEvaluator({ database, config: () => config, clock, log: ctx.log, actor, afterChange: undefined });
      const progress = new Progress({ label: 'evaluating subscribers', verb: 'evaluated', noun: 'subscribers', one: 'subscriber', quiet: values.quiet === true || values.json === true });
      const { result: r, summary } = await progress.track((onProgress) => evaluator.run({ dryRun: values['dry-run'] === true, onProgress }), (x) => x.checked);
      if (values.json) return JSON.stringify(r, null, 2);
      const verb = r.dryRun ? 'would change' : 'changed';
      const head = `${r.checked} billed subscriber(s) checked at ${r.at.toISOString()}; ${r.transitions.length} ${verb}${r.dryRun ? ' (dry run: nothing written)' : ''}`;
      if (r.transitions.length === 0) return `${head}\n${summary}`;
      return `${head}\n${table(['WORKSPACE', 'USER', 'FROM', 'TO', 'EFFECTIVE', 'REASON'], r.transitions.map((t) => [t.workspaceId, t.username, t.from, t.to, t.effectiveAt.toISOString(), t.reason]))}\n${summary}`;
    }
    case 'history': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      const { items, total } = await billing.history(row.id, { limit: count(values.limit, 50, '--limit'), offset: count(values.offset, 0, '--offset') });
      if (values.json) return JSON.stringify({ items, total }, null, 2);
      const tz = tzOf(row);
      return `${table(
        ['AT', 'EVENT', 'FROM', 'TO', 'BY', 'REASON'],
        items.map((e) => [local(e.at, tz), e.kind, e.fromStatus, e.toStatus, e.actor, e.reason]),
      )}\n${items.length} of ${total} event(s), newest first`;
    }
    case 'disable': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      const r = await billing.disable(row.id, need(values.reason, '--reason', BILLING_USAGE), actor);
      return `${row.username}: ${r.state.status}${describeTransition(r.transition)}`;
    }
    case 'enable': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      const r = await billing.enable(row.id, actor);
      return `${row.username}: ${r.state.status} (${r.state.reason})${describeTransition(r.transition)}`;
    }
    case 'paid-until': {
      const row = await find(need(positionals[0], 'USER', BILLING_USAGE));
      const text = need(positionals[1], 'DATE or none', BILLING_USAGE);
      const paidUntil = text === 'none' ? null : date(text, row, 'DATE');
      const r = await billing.setPaidUntil(row.id, paidUntil, values.reason, actor);
      return `${row.username}: paid until ${local(paidUntil, tzOf(row))}; status ${r.state.status}${describeTransition(r.transition)}`;
    }
  }
}

async function statusText(config: Config, billing: BillingAccounts, id: number, json: boolean, database: Awaited<ReturnType<CliContext['db']>>): Promise<string> {
  const { subscriber: s, state, rules, now } = await billing.status(id);
  const sessions = await openSessionsOfSubscriber(database.db, id);
  if (json) return JSON.stringify({ subscriber: s.username, ...state, paidUntil: s.paidUntil, balance: s.balance, promiseUntil: s.promiseUntil, openSessions: sessions }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  const tz = rules.timezone;
  const currency = config.planByName.get(s.plan)?.currency;
  const next = state.next === null
    ? (state.managed ? 'none due' : 'none (not managed by billing)')
    : `${state.next.status} at ${local(state.next.at, tz)} (${relative(state.next.at.getTime() - now.getTime())})`;
  const sessionText = sessions.length === 0
    ? 'none open'
    : sessions.map((x) => `${x.framedIpAddress ?? 'no IP'} on ${x.nasName} since ${local(x.startedAt, tz)} (session ${x.acctSessionId})`).join('\n              ');
  return keyValues([
    ['subscriber', `${s.username} (id ${s.id}, workspace ${s.workspaceId}, plan ${s.plan})`],
    ['status', `${state.status} — ${state.reason}`],
    ['since', local(state.since ?? s.statusSince, tz)],
    ['next', next],
    ['paid until', s.paidUntil === null ? 'not billed' : `${local(s.paidUntil, tz)} (paid through ${lastDayBefore(s.paidUntil, tz)})`],
    ['balance', currency ? formatMoney(s.balance, currency) : String(s.balance)],
    ['promise', s.promiseUntil === null ? '-' : `until ${local(s.promiseUntil, tz)}${s.promiseUntil <= now ? ' (ended)' : ''}`],
    ['pinned', s.overrideStatus === null ? '-' : `${s.overrideStatus}${s.overrideUntil ? ` until ${local(s.overrideUntil, tz)}` : ''}: ${s.overrideReason ?? ''}`],
    ['sessions', sessionText],
  ]);
}
