/**
 * What a reminder page says, by status, in plain words: a pure function of the subscriber record, their plan, the
 * workspace and the time. `active` → good standing; `due_soon` and `grace` → a reminder without restriction text;
 * `expired` and `suspended` → what is restricted and how to get it back; `disabled` → contact the ISP. Every text
 * comes from the message catalogue (src/messages) in the page's language, with the workspace's overrides; the
 * workspace's `reminder.message` is shown as written.
 */
import { fillPaymentUrl, type PlanConfig, type WorkspaceConfig } from '../../config/index.js';
import { amountDue } from '../../billing/amount-due.js';
import type { SubscriberRow, SubscriberStatus } from '../../db/schema.js';
import { formatAmount, formatDate } from '../../messages/format.js';
import { pageLanguage, type PageLanguage } from './language.js';

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

export type Subscriber = Pick<SubscriberRow, 'username' | 'accountNumber' | 'plan' | 'status' | 'paidUntil' | 'balance' | 'statusSince'> & {
  /** The payment URL's `{reference}` (a signed reference, docs/payments.md); default: the account number. */
  readonly paymentReference?: string | undefined;
};

/** The view in `t`'s language (default: the workspace's default language, no request). */
export function reminderView(
  subscriber: Subscriber,
  plan: PlanConfig | undefined,
  workspace: WorkspaceConfig,
  now: Date,
  t: PageLanguage = pageLanguage(workspace, undefined),
): ReminderView {
  const shownIn = { ...workspace, locale: t.locale };
  const date = (d: Date) => formatDate(d, shownIn);
  const due = amountDue(subscriber, plan, workspace, now);
  const dueText = due === undefined ? undefined : formatAmount(due.minor, due.currency, shownIn);
  const paidUntil = subscriber.paidUntil;
  const payment = paymentLink(subscriber, workspace);
  // What to pay and since when come first (next to the button); who the account is, after.
  const facts: Fact[] = [];
  const account: Fact[] = [
    { label: t.text('page.fact.account'), value: subscriber.accountNumber },
    { label: t.text('page.fact.plan'), value: subscriber.plan },
  ];
  const pay = (primary: boolean) => (payment === undefined
    ? undefined
    : { ...payment, primary, label: t.text(primary ? 'page.pay.now' : 'page.pay.advance') });
  const howToPay = (lead: string) => (payment === undefined ? `${lead} ${t.text('page.pay.contact')}` : lead);
  const owed = (sinceLabel: 'page.fact.due_date' | 'page.fact.overdue_since') => {
    if (dueText !== undefined) facts.push({ label: t.text('page.fact.amount_due'), value: dueText, emphasis: true });
    if (paidUntil !== null) facts.push({ label: t.text(sinceLabel), value: date(paidUntil) });
  };

  switch (subscriber.status) {
    case 'active':
      if (paidUntil !== null) facts.push({ label: t.text('page.fact.paid_until'), value: date(new Date(paidUntil.getTime() - 1)) });
      return {
        status: 'active', tone: 'ok', badge: t.text('page.active.badge'),
        heading: t.text('page.active.heading'),
        lead: t.text('page.active.lead'),
        message: undefined, restriction: undefined, facts: [...account, ...facts], pay: pay(false),
      };
    case 'due_soon':
      owed('page.fact.due_date');
      return {
        status: 'due_soon', tone: 'notice', badge: t.text('page.due_soon.badge'),
        heading: t.text('page.due_soon.heading'),
        lead: howToPay(paidUntil === null ? t.text('page.due_soon.lead_undated') : t.text('page.due_soon.lead', { date: date(paidUntil) })),
        message: workspace.reminder.message, restriction: undefined, facts: [...facts, ...account], pay: pay(true),
      };
    case 'grace':
      owed('page.fact.overdue_since');
      return {
        status: 'grace', tone: 'warning', badge: t.text('page.grace.badge'),
        heading: t.text('page.grace.heading'),
        lead: howToPay(t.text('page.grace.lead')),
        message: workspace.reminder.message, restriction: undefined, facts: [...facts, ...account], pay: pay(true),
      };
    case 'expired':
    case 'suspended': {
      owed('page.fact.overdue_since');
      const status = subscriber.status;
      const since = subscriber.statusSince;
      return {
        status, tone: 'restricted', badge: t.text(`page.${status}.badge`),
        heading: t.text(`page.${status}.heading`),
        lead: howToPay(since === null ? t.text(`page.${status}.lead_undated`) : t.text(`page.${status}.lead`, { date: date(since) })),
        message: workspace.reminder.message,
        restriction: t.text(`page.${status}.restriction`),
        facts: [...facts, ...account], pay: pay(true),
      };
    }
    case 'disabled':
      return {
        status: 'disabled', tone: 'restricted', badge: t.text('page.disabled.badge'),
        heading: t.text('page.disabled.heading'),
        lead: t.text('page.disabled.lead'),
        message: undefined,
        restriction: t.text('page.disabled.restriction'),
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
    reference: subscriber.paymentReference ?? subscriber.accountNumber,
  });
  return { url, host: new URL(url).hostname };
}
