/** @module web/admin/subscriber-routes — subscriber records: list (filters, pagination), get, create, update, delete. */

import { RadgateError } from '../../errors.js';
import { type AdminDeps, invalid, InvalidRequest, listSubscriberPage, when } from './deps.js';
import { presentSubscriber } from './present.js';
import { IdParams, Subscriber, SubscriberCreate, SubscriberPage, SubscriberQuery, SubscriberUpdate } from './schemas.js';
import { reply, route, type Route } from './route-table.js';

/** SubscriberRecords reports `field: reason; field: reason`: turn that into the API's problem list. */
function fieldProblems(err: unknown): never {
  if (err instanceof RadgateError && err.code === 'SUBSCRIBER_INVALID') {
    throw new InvalidRequest(err.message.split('; ').map((p) => {
      const i = p.indexOf(': ');
      return i > 0 ? { field: `body.${p.slice(0, i)}`, message: p.slice(i + 2) } : { field: 'body', message: p };
    }));
  }
  throw err;
}

export function subscriberRoutes(deps: AdminDeps): Route[] {
  const config = deps.config;
  return [
    route({
      method: 'get', path: '/subscribers', operationId: 'listSubscribers', tag: 'subscribers', scope: 'read',
      summary: 'List subscribers, filtered and paginated',
      query: SubscriberQuery,
      response: { status: 200, description: 'a page of subscribers', schema: SubscriberPage },
      handler: async ({ query }) => {
        const { items, total } = await listSubscriberPage(deps, query);
        return { items: items.map((r) => presentSubscriber(r, config())), total, limit: query.limit, offset: query.offset };
      },
    }),
    route({
      method: 'post', path: '/subscribers', operationId: 'createSubscriber', tag: 'subscribers', scope: 'write',
      summary: 'Create a subscriber (password or NT hash); paid_until starts billing',
      body: SubscriberCreate,
      response: { status: 201, description: 'created', schema: Subscriber },
      errors: [409],
      handler: async ({ body, actor }) => {
        const cfg = config();
        let workspace = body.workspace;
        if (workspace === undefined) {
          if (cfg.workspaces.length !== 1) throw invalid('body.workspace', `required: several workspaces are configured (${cfg.workspaces.map((w) => w.id).join(', ')})`);
          workspace = cfg.workspaces[0]!.id;
        }
        if ((body.password === undefined) === (body.nt_hash === undefined)) throw invalid('body.password', 'give exactly one of password or nt_hash');
        const paidUntil = body.paid_until === undefined ? undefined : when(deps, workspace, body.paid_until, 'body.paid_until');
        const row = await deps.subscribers.add({
          workspaceId: workspace,
          username: body.username,
          accountNumber: body.account,
          plan: body.plan,
          password: body.password,
          ntHash: body.nt_hash,
          staticIp: body.static_ip,
          contactName: body.contact_name,
          email: body.email,
          phone: body.phone,
          notifyOptOut: body.notify_opt_out,
          auth: body.auth,
          localNas: body.local_nas,
          localName: body.local_name,
          localService: body.local_service,
        }).catch(fieldProblems);
        const created = paidUntil === undefined ? row : (await deps.billing.setPaidUntil(row.id, paidUntil, 'set at creation', actor)).subscriber;
        return reply(201, presentSubscriber(created, cfg));
      },
    }),
    route({
      method: 'get', path: '/subscribers/{id}', operationId: 'getSubscriber', tag: 'subscribers', scope: 'read',
      summary: 'One subscriber',
      params: IdParams,
      response: { status: 200, description: 'the subscriber', schema: Subscriber },
      errors: [404],
      handler: async ({ params }) => presentSubscriber(await deps.billing.get(params.id), config()),
    }),
    route({
      method: 'patch', path: '/subscribers/{id}', operationId: 'updateSubscriber', tag: 'subscribers', scope: 'write',
      summary: 'Change plan, credential, static IP, contact fields, paid_until or where the login is checked (auth, local_*)',
      params: IdParams,
      body: SubscriberUpdate,
      response: { status: 200, description: 'the updated subscriber', schema: Subscriber },
      errors: [404],
      handler: async ({ params, body, actor }) => {
        const row = await deps.billing.get(params.id);
        if (Object.values(body).every((v) => v === undefined)) throw invalid('body', 'nothing to change');
        if (body.password !== undefined && body.nt_hash !== undefined) throw invalid('body.password', 'give a password or an nt_hash, not both');
        const paidUntil = body.paid_until === undefined ? undefined
          : body.paid_until === null ? null : when(deps, row.workspaceId, body.paid_until, 'body.paid_until');
        if (body.plan !== undefined && !config().planByName.has(body.plan)) throw invalid('body.plan', `unknown plan "${body.plan}" (not in plans.yaml)`);
        if (body.auth !== undefined || body.local_nas !== undefined || body.local_name !== undefined || body.local_service !== undefined) {
          // The change must reach the router: SubscriberRecords queues a manual enforcement job with it.
          await deps.subscribers.setLocalAuth(row.workspaceId, row.username, {
            auth: body.auth, localNas: body.local_nas, localName: body.local_name, localService: body.local_service,
          }, actor).catch(fieldProblems);
        }
        if (body.password !== undefined || body.nt_hash !== undefined) {
          await deps.subscribers.setPassword(row.workspaceId, row.username, body.password !== undefined ? { password: body.password } : { ntHash: body.nt_hash! });
        }
        if (body.static_ip !== undefined) await deps.subscribers.setStaticIp(row.workspaceId, row.username, body.static_ip);
        if (body.contact_name !== undefined || body.email !== undefined || body.phone !== undefined || body.notify_opt_out !== undefined) {
          await deps.subscribers.setContact(row.workspaceId, row.username, {
            contactName: body.contact_name, email: body.email, phone: body.phone, notifyOptOut: body.notify_opt_out,
          }).catch(fieldProblems);
        }
        if (body.plan !== undefined) await deps.billing.changePlan(row.id, body.plan, actor);
        if (paidUntil !== undefined) await deps.billing.setPaidUntil(row.id, paidUntil, body.reason, actor);
        return presentSubscriber(await deps.billing.get(row.id), config());
      },
    }),
    route({
      method: 'delete', path: '/subscribers/{id}', operationId: 'deleteSubscriber', tag: 'subscribers', scope: 'write',
      summary: 'Delete a subscriber (kept for audit; live sessions are ended by enforcement)',
      params: IdParams,
      response: { status: 204, description: 'deleted' },
      errors: [404],
      handler: async ({ params, actor }) => {
        await deps.billing.delete(params.id, actor);
        return reply(204, undefined);
      },
    }),
  ];
}
