/**
 * @module web/admin/notification-routes — the notification outbox (reminder e-mail, webhooks; docs/notifications.md):
 * what was sent, skipped (and why), is waiting, or failed. Never the recipient's address or the message body.
 */

import * as z from 'zod';
import { NOTIFICATION_CHANNELS, NOTIFICATION_KINDS, NOTIFICATION_STATES } from '../../db/schema.js';
import { listNotifications, type NotificationListing } from '../../notify/queue.js';
import type { AdminDeps } from './deps.js';
import { route, type Route } from './route-table.js';
import { components } from './schemas.js';

const named = <T extends z.ZodType>(id: string, schema: T): T => {
  components.add(schema, { id });
  return schema;
};
const time = z.iso.datetime({ offset: true });

export const Notification = named('Notification', z.object({
  id: z.number().int(),
  subscriber_id: z.number().int(),
  username: z.string().nullable().describe('null when the subscriber is gone'),
  workspace: z.string(),
  channel: z.enum(NOTIFICATION_CHANNELS),
  kind: z.enum(NOTIFICATION_KINDS).describe('the status entered, or restored'),
  event_id: z.number().int().nullable().describe('the subscriber event (transition) that caused it'),
  state: z.enum(NOTIFICATION_STATES),
  attempts: z.number().int(),
  next_attempt_at: time.nullable().describe('when a pending notification is tried next (back-off, quiet hours)'),
  last_error: z.string().nullable().describe('why the last attempt failed, or why it was skipped'),
  created_at: time,
  finished_at: time.nullable(),
}));

const NotificationList = named('NotificationList', z.object({ items: z.array(Notification) }));

const NotificationQuery = z.object({
  state: z.enum(NOTIFICATION_STATES).optional(),
  channel: z.enum(NOTIFICATION_CHANNELS).optional(),
  subscriber_id: z.coerce.number().int().min(1).optional(),
  workspace: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function presentNotification(n: NotificationListing): z.input<typeof Notification> {
  return {
    id: n.id,
    subscriber_id: n.subscriberId,
    username: n.username,
    workspace: n.workspaceId,
    channel: n.channel,
    kind: n.kind,
    event_id: n.eventId,
    state: n.state,
    attempts: n.attempts,
    next_attempt_at: n.state === 'pending' ? n.nextAttemptAt.toISOString() : null,
    last_error: n.lastError,
    created_at: n.createdAt.toISOString(),
    finished_at: n.finishedAt?.toISOString() ?? null,
  };
}

export function notificationRoutes(deps: AdminDeps): Route[] {
  return [
    route({
      method: 'get', path: '/notifications', operationId: 'listNotifications', tag: 'notifications', scope: 'read',
      summary: 'Reminder e-mail and webhook notifications, newest first (filter failed ones with state=failed)',
      query: NotificationQuery,
      response: { status: 200, description: 'notifications', schema: NotificationList },
      handler: async ({ query }) => {
        const items = await listNotifications(deps.database.db, {
          ...(query.state ? { state: query.state } : {}),
          ...(query.channel ? { channel: query.channel } : {}),
          ...(query.subscriber_id ? { subscriberId: query.subscriber_id } : {}),
          ...(query.workspace ? { workspaceId: query.workspace } : {}),
          limit: query.limit,
        });
        return { items: items.map(presentNotification) };
      },
    }),
  ];
}
