/**
 * @module notify/message
 * What a reminder e-mail says: subject and body from the message catalogue (src/messages, keys
 * `email.<kind>.subject` / `.body`) in the workspace's default language with its overrides, the placeholders filled
 * from the subscriber, the plan and the workspace; a text part as the catalogue reads and an HTML part with every
 * value escaped and the reminder link a real `<a>`. A pure function: no database, no clock of its own.
 */
import type { PlanConfig, WorkspaceConfig } from '../config/index.js';
import type { NotificationKind, SubscriberRow } from '../db/schema.js';
import { formattingLocale, messages, type MessageKey } from '../messages/index.js';
import { amountDue } from '../billing/amount-due.js';
import { formatAmount, formatDate } from '../messages/format.js';
import { escapeHtml } from '../messages/html.js';

export type MessageSubscriber = Pick<SubscriberRow, 'username' | 'contactName' | 'paidUntil' | 'statusSince' | 'balance' | 'plan'>;

export interface RenderedMessage {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** The filled-in values (the webhook body carries the facts, not the prose). */
  readonly vars: Readonly<Record<'name' | 'workspace' | 'amount' | 'date' | 'link' | 'support', string>>;
}


/** The date a kind speaks of: paid-until for reminders and restorations, the status change for restrictions. */
function dateOf(kind: NotificationKind, subscriber: MessageSubscriber, now: Date): Date {
  if (kind === 'expired' || kind === 'suspended') return subscriber.statusSince ?? now;
  return subscriber.paidUntil ?? now;
}

function supportText(workspace: WorkspaceConfig): string {
  const { phone, email, hours } = workspace.support;
  const parts = [phone, email, hours].filter((p): p is string => p !== undefined);
  if (parts.length > 0) return `${workspace.name}: ${parts.join(' · ')}`;
  return workspace.supportContact ?? '';
}

export function renderMessage(
  kind: NotificationKind,
  subscriber: MessageSubscriber,
  plan: PlanConfig | undefined,
  workspace: WorkspaceConfig,
  link: string,
  now: Date,
): RenderedMessage {
  const language = workspace.defaultLanguage;
  const t = messages(language, workspace.messages[language] ?? {});
  const shown = { ...workspace, locale: formattingLocale(language, workspace.locale) };
  const due = amountDue(subscriber, plan, workspace, now);
  const vars = {
    name: subscriber.contactName ?? subscriber.username,
    workspace: workspace.name,
    amount: due === undefined ? '' : formatAmount(due.minor, due.currency, shown),
    date: formatDate(dateOf(kind, subscriber, now), shown),
    link,
    support: supportText(workspace),
  };
  const subject = t.text(`email.${kind}.subject` as MessageKey, vars).replace(/[\r\n]+/g, ' ');
  const text = t.text(`email.${kind}.body` as MessageKey, vars);
  // The HTML part: the same text, escaped, each paragraph a <p>, the link placeholder a real anchor.
  const marker = '\u0000link\u0000';
  const withMarker = t.text(`email.${kind}.body` as MessageKey, { ...vars, link: marker });
  const anchor = link === '' ? '' : `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`;
  const paragraphs = withMarker.split(/\n{2,}/).map((p) => p.trim()).filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p).split(marker).join(anchor).replace(/\n/g, '<br>\n')}</p>`);
  const html = `<!doctype html>\n<html lang="${escapeHtml(language)}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body>\n${paragraphs.join('\n')}\n</body></html>\n`;
  return { subject, text, html, vars };
}
