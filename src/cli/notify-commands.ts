/** `radgate notifications [--failed] [--state S] [--channel C] [--user U] [--limit N] [--json]` (docs/notifications.md). */
import { parseArgs } from 'node:util';
import { NOTIFICATION_CHANNELS, NOTIFICATION_STATES, type NotificationChannel, type NotificationState } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { listNotifications, notificationCounts } from '../notify/queue.js';
import type { CliContext } from './context.js';
import { displayText, humanAge, table } from './format.js';

export const NOTIFICATIONS_USAGE = `radgate notifications [--failed | --state S] [--channel C] [--user U] [--limit N] [--json] [--workspace W]
  reminder e-mail and webhook notifications, newest first: what was sent, skipped (and why), waits or failed
  S: ${NOTIFICATION_STATES.join(', ')}    C: ${NOTIFICATION_CHANNELS.join(', ')}`;

export async function notificationsCommand(ctx: CliContext, argv: string[]): Promise<string> {
  const { values } = parseArgs({
    args: argv,
    options: {
      failed: { type: 'boolean' },
      state: { type: 'string' },
      channel: { type: 'string' },
      user: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.state !== undefined && !(NOTIFICATION_STATES as readonly string[]).includes(values.state)) {
    throw new RadgateError('USAGE', `--state: "${values.state}" is not one of ${NOTIFICATION_STATES.join(', ')}`);
  }
  if (values.channel !== undefined && !(NOTIFICATION_CHANNELS as readonly string[]).includes(values.channel)) {
    throw new RadgateError('USAGE', `--channel: "${values.channel}" is not one of ${NOTIFICATION_CHANNELS.join(', ')}`);
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new RadgateError('USAGE', '--limit must be a positive whole number');
  const database = await ctx.db();
  let subscriberId: number | undefined;
  if (values.user !== undefined) {
    const config = await ctx.loadConfig();
    subscriberId = (await (await ctx.subscribers()).get(ctx.workspace(config, values.workspace), values.user)).id;
  }
  const state = (values.failed ? 'failed' : values.state) as NotificationState | undefined;
  const items = await listNotifications(database.db, {
    ...(state ? { state } : {}),
    ...(values.channel ? { channel: values.channel as NotificationChannel } : {}),
    ...(subscriberId !== undefined ? { subscriberId } : {}),
    ...(values.workspace && subscriberId === undefined ? { workspaceId: values.workspace } : {}),
    limit,
  });
  if (values.json) return JSON.stringify(items, null, 2);
  const totals = new Map<string, number>();
  for (const row of await notificationCounts(database.db)) totals.set(row.state, (totals.get(row.state) ?? 0) + row.count);
  const summary = NOTIFICATION_STATES.map((s) => `${totals.get(s) ?? 0} ${s}`).join(', ');
  if (items.length === 0) return `${summary}\nno ${state === undefined ? '' : `${state} `}notifications`;
  const now = Date.now();
  // Recorded text (usernames, reasons) is shown escaped: it cannot drive the terminal.
  return `${summary}\n${table(
    ['ID', 'AGE', 'SUBSCRIBER', 'CHANNEL', 'KIND', 'STATE', 'ATTEMPTS', 'NEXT / FINISHED', 'REASON'],
    items.map((n) => [
      n.id,
      humanAge((now - n.createdAt.getTime()) / 1000),
      displayText(n.username ?? `#${n.subscriberId}`),
      n.channel,
      n.kind,
      n.state,
      n.attempts,
      n.state === 'pending' ? n.nextAttemptAt.toISOString() : (n.finishedAt?.toISOString() ?? ''),
      n.lastError === null ? '' : displayText(n.lastError),
    ]),
  )}`;
}
