/**
 * @module web/admin/reminder-link — a subscriber's signed reminder link, the same one `radgate reminder-link`
 * prints, for the ISP's e-mail / SMS sender. Each call signs a fresh link (nothing is stored).
 */

import * as z from 'zod';
import { parseDuration } from '../../config/index.js';
import type { LinkKeyRing } from '../reminder/keys.js';
import { reminderLink } from '../reminder/links.js';
import { type AdminDeps, invalid } from './deps.js';
import { route, type Route } from './route-table.js';
import { components, IdParams } from './schemas.js';

const MIN_LIFETIME = 300;
const MAX_LIFETIME = 366 * 86400;

export const ReminderLinkQuery = z.object({
  lifetime: z.string().min(1).max(20).optional()
    .describe("validity, e.g. 1h, 7d (5m to 366d); default: the workspace's reminder.link_lifetime"),
});

export const ReminderLinkOut = z.object({
  url: z.string().describe('https://<reminder_host>/r/<signed token>'),
  expires_at: z.iso.datetime({ offset: true }),
  key_id: z.string(),
});
components.add(ReminderLinkOut, { id: 'ReminderLink' });

export function reminderLinkRoutes(deps: AdminDeps, keys: LinkKeyRing): Route[] {
  return [
    route({
      method: 'get', path: '/subscribers/{id}/reminder-link', operationId: 'getReminderLink', tag: 'subscribers', scope: 'read',
      summary: "A fresh signed link to the subscriber's reminder page (dies early if the subscriber is deleted, moves workspace or changes account number)",
      params: IdParams,
      query: ReminderLinkQuery,
      response: { status: 200, description: 'the link', schema: ReminderLinkOut },
      errors: [404],
      handler: async ({ params, query }) => {
        let lifetimeSeconds: number | undefined;
        if (query.lifetime !== undefined) {
          const parsed = parseDuration(query.lifetime);
          if ('error' in parsed) throw invalid('query.lifetime', parsed.error);
          if (parsed.seconds < MIN_LIFETIME || parsed.seconds > MAX_LIFETIME) throw invalid('query.lifetime', 'must be from 5m to 366d');
          lifetimeSeconds = parsed.seconds;
        }
        const row = await deps.billing.get(params.id);
        const workspace = deps.config().workspaceById.get(row.workspaceId);
        if (workspace === undefined) throw invalid('path.id', `the subscriber's workspace "${row.workspaceId}" is not configured`);
        const link = await reminderLink(keys, workspace, row, lifetimeSeconds === undefined ? {} : { lifetimeSeconds });
        return { url: link.url, expires_at: link.expiresAt.toISOString(), key_id: link.keyId };
      },
    }),
  ];
}
