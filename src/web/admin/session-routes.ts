/** @module web/admin/session-routes — live (and, on request, closed) accounting sessions, read from src/sessions. */

import { listSessions } from '../../sessions/store.js';
import type { AdminDeps } from './deps.js';
import { presentSession } from './present.js';
import { IdParams, SessionList, SessionQuery, SubscriberSessionQuery } from './schemas.js';
import { route, type Route } from './route-table.js';

export function sessionRoutes(deps: AdminDeps): Route[] {
  const db = () => deps.database.db;
  return [
    route({
      method: 'get', path: '/sessions', operationId: 'listSessions', tag: 'sessions', scope: 'read',
      summary: 'Open sessions (all=true: closed ones too), newest first',
      query: SessionQuery,
      response: { status: 200, description: 'sessions', schema: SessionList },
      handler: async ({ query }) => {
        const rows = await listSessions(db(), {
          workspaceId: query.workspace,
          username: query.username,
          nasName: query.nas,
          framedIpAddress: query.ip,
          all: query.all,
          limit: query.limit,
        });
        return { items: rows.map(presentSession) };
      },
    }),
    route({
      method: 'get', path: '/subscribers/{id}/sessions', operationId: 'getSubscriberSessions', tag: 'sessions', scope: 'read',
      summary: "A subscriber's open sessions (all=true: closed ones too)",
      params: IdParams,
      query: SubscriberSessionQuery,
      response: { status: 200, description: 'sessions', schema: SessionList },
      errors: [404],
      handler: async ({ params, query }) => {
        const row = await deps.billing.get(params.id);
        const rows = await listSessions(db(), { workspaceId: row.workspaceId, username: row.username, all: query.all, limit: 1000 });
        return { items: rows.filter((s) => s.subscriberId === null || s.subscriberId === row.id).map(presentSession) };
      },
    }),
  ];
}
