/**
 * What a reminder page says, by status, in plain words: a pure function of the subscriber record, their plan, the
 * workspace and the time. `active` → good standing; `due_soon` and `grace` → a reminder without restriction text;
 * `expired` and `suspended` → what is restricted and how to get it back; `disabled` → contact the ISP.
 */
import { fillPaymentUrl, type PlanConfig, type WorkspaceConfig } from '../../config/index.js';
import { addCycles } from '../../billing/ledger.js';
import type { SubscriberRow, SubscriberStatus } from '../../db/schema.js';
import { formatAmount, formatDate } from './format.js';

export type Tone = 'ok' | 'notice' | 'warning' | 'restricted';

export interface Fact {
  readonly label: string;
  readonly value: string;
  /** Shown larger (the amount to pay). */
  readonly emphasis?: boolean;
}

export interface ReminderView {
  readonly status: SubscriberStatus;
  readonly tone: Tone;
  readonly badge: string;
  readonly heading: string;
  readonly lead: string;
  /** The workspace's own reminder text. */
  readonly message: string | undefined;
  /** What is restricted, in plain words (expired, suspended, disabled only). */
  readonly restriction: string | undefined;
  readonly facts: readonly Fact[];
  /** The payment button; `primary` = the big "Pay now", otherwise a quieter "pay in advance" link. */
  readonly pay: { readonly url: string; readonly label: string; readonly host: string; readonly primary: boolean } | undefined;
}

export type Subscriber = Pick<SubscriberRow, 'username' | 'accountNumber' | 'plan' | 'status' | 'paidUntil' | 'balance' | 'statusSince'>;

/**
 * What brings the subscriber back to good standing: whole billing cycles from paid_until until it lies in the
 * future (or one cycle when late payments renew from the payment date), minus the credit already held. Undefined
 * when the plan has no price or the subscriber is not billed (no paid_until).
 */
export function amountDue(subscriber: Subscriber, plan: PlanConfig | undefined, workspace: WorkspaceConfig, now: Date): { minor: number; currency: string } | undefined {
  if (plan?.price === undefined || plan.currency === undefined || subscriber.paidUntil === null) return undefined;
  let cycles = 1;
  if (workspace.billing.renewFrom === 'due_date') {
    while (cycles < 1200 && addCycles(subscriber.paidUntil, cycles, plan.billingCycle, workspace.timezone, null) <= now) cycles++;
  }
  return { minor: Math.max(0, cycles * plan.price - subscriber.balance), currency: plan.currency };
}

export function reminderView(subscriber: Subscriber, plan: PlanConfig | undefined, workspace: WorkspaceConfig, now: Date): ReminderView {
  const date = (d: Date) => formatDate(d, workspace);
  const due = amountDue(subscriber, plan, workspace, now);
  const dueText = due === undefined ? undefined : formatAmount(due.minor, due.currency, workspace);
  const paidUntil = subscriber.paidUntil;
  const payment = paymentLink(subscriber, workspace);
  // What to pay and since when come first (next to the button); who the account is, after.
  const facts: Fact[] = [];
  const account: Fact[] = [{ label: 'Account number', value: subscriber.accountNumber }, { label: 'Plan', value: subscriber.plan }];
  const pay = (primary: boolean, label: string) => (payment === undefined ? undefined : { ...payment, primary, label });
  const howToPay = payment === undefined ? ' Contact us to pay.' : '';

  switch (subscriber.status) {
    case 'active':
      if (paidUntil !== null) facts.push({ label: 'Paid until', value: date(new Date(paidUntil.getTime() - 1)) });
      return {
        status: 'active', tone: 'ok', badge: 'All good',
        heading: 'Your account is in good standing',
        lead: 'Nothing is due right now. Thank you for paying on time.',
        message: undefined, restriction: undefined, facts: [...account, ...facts], pay: pay(false, 'Pay in advance'),
      };
    case 'due_soon':
      if (dueText !== undefined) facts.push({ label: 'Amount due', value: dueText, emphasis: true });
      if (paidUntil !== null) facts.push({ label: 'Due date', value: date(paidUntil) });
      return {
        status: 'due_soon', tone: 'notice', badge: 'Payment due soon',
        heading: 'Your payment is due soon',
        lead: (paidUntil === null ? 'Please pay soon' : `Please pay by ${date(paidUntil)}`) +
          ' to keep your internet service running without interruption.' + howToPay,
        message: workspace.reminder.message, restriction: undefined, facts: [...facts, ...account], pay: pay(true, 'Pay now'),
      };
    case 'grace':
      if (dueText !== undefined) facts.push({ label: 'Amount due', value: dueText, emphasis: true });
      if (paidUntil !== null) facts.push({ label: 'Overdue since', value: date(paidUntil) });
      return {
        status: 'grace', tone: 'warning', badge: 'Payment overdue',
        heading: 'Your payment is overdue',
        lead: 'Your internet service continues for now. Please pay as soon as possible to avoid an interruption.' + howToPay,
        message: workspace.reminder.message, restriction: undefined, facts: [...facts, ...account], pay: pay(true, 'Pay now'),
      };
    case 'expired':
    case 'suspended': {
      if (dueText !== undefined) facts.push({ label: 'Amount due', value: dueText, emphasis: true });
      if (paidUntil !== null) facts.push({ label: 'Overdue since', value: date(paidUntil) });
      const since = subscriber.statusSince === null ? '' : ` since ${date(subscriber.statusSince)}`;
      const expired = subscriber.status === 'expired';
      return {
        status: subscriber.status, tone: 'restricted', badge: expired ? 'Service restricted' : 'Service suspended',
        heading: expired ? 'Your internet service is restricted' : 'Your internet service is suspended',
        lead: `We have not received your payment, so your service has been ${expired ? 'restricted' : 'suspended'}${since}.` + howToPay,
        message: workspace.reminder.message,
        restriction: expired
          ? 'Until your payment arrives, you can only open this page and the payment site: other websites and apps will not work. ' +
            'Your full service comes back by itself within a few minutes of paying.'
          : 'Your connection is switched off until your payment arrives. After paying, restart your router if the ' +
            'connection does not come back by itself within a few minutes.',
        facts: [...facts, ...account], pay: pay(true, 'Pay now'),
      };
    }
    case 'disabled':
      return {
        status: 'disabled', tone: 'restricted', badge: 'Account on hold',
        heading: 'Your account is on hold',
        lead: 'Please contact us: we can tell you why and help you get your service back.',
        message: undefined,
        restriction: 'Your internet service is switched off while your account is on hold.',
        facts: account, pay: undefined,
      };
  }
}

function paymentLink(subscriber: Subscriber, workspace: WorkspaceConfig): { url: string; host: string } | undefined {
  if (workspace.paymentUrl === undefined) return undefined;
  const url = fillPaymentUrl(workspace.paymentUrl, {
    account: subscriber.accountNumber,
    username: subscriber.username,
    workspace: workspace.id,
  });
  return { url, host: new URL(url).hostname };
}
