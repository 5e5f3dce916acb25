/**
 * @module web/admin/billing-routes — status and history of a subscriber, what its next login would get (explain),
 * operator overrides, promises, the evaluator.
 */

import type { SubscriberStatus } from '../../db/schema.js';
import { type AdminDeps, invalid, statusReport, when } from './deps.js';
import { chooseNas, explainSubscriber } from './explain.js';
import { presentEvent, presentTransition } from './present.js';
import {
  EvaluateInput, Evaluation, EventPage, ExplainQuery, Explanation, HistoryQuery, IdParams, PromiseInput, ReasonInput, StatusChange,
  StatusReport,
} from './schemas.js';
import { route, type Route } from './route-table.js';

export function billingRoutes(deps: AdminDeps): Route[] {
  const { billing } = deps;
  return [
    route({
      method: 'get', path: '/subscribers/{id}/status', operationId: 'getStatus', tag: 'billing', scope: 'read',
      summary: 'Status now, why, the next automatic change and when, open sessions',
      params: IdParams,
      response: { status: 200, description: 'the status report', schema: StatusReport },
      errors: [404],
      handler: async ({ params }) => statusReport(deps, params.id),
    }),
    route({
      method: 'get', path: '/subscribers/{id}/explain', operationId: 'explainLogin', tag: 'billing', scope: 'read',
      summary: 'What an Access-Request from a NAS would get now: Accept or Reject, the reply attributes, the reasons, the next change',
      params: IdParams,
      query: ExplainQuery,
      response: { status: 200, description: 'the explanation (no password or hash; nothing is written)', schema: Explanation },
      errors: [404],
      handler: async ({ params, query }) => {
        const row = await billing.get(params.id);
        const choice = chooseNas(deps.config(), row.workspaceId, query.nas);
        if (!choice.ok) throw invalid('query.nas', choice.problem);
        return explainSubscriber(deps, row.id, choice.nas, query.method);
      },
    }),
    route({
      method: 'post', path: '/subscribers/{id}/status', operationId: 'setStatus', tag: 'billing', scope: 'write',
      summary: 'Set a status by hand (with a reason, optionally until a time), or `auto` to clear it',
      params: IdParams,
      body: StatusChange,
      response: { status: 200, description: 'the status report after the change', schema: StatusReport },
      errors: [404],
      handler: async ({ params, body, actor }) => {
        if (body.status === 'auto') {
          await billing.clearOverride(params.id, actor);
        } else {
          if (body.reason === undefined) throw invalid('body.reason', 'required when setting a status');
          const row = await billing.get(params.id);
          const until = body.until === undefined ? null : when(deps, row.workspaceId, body.until, 'body.until');
          await billing.override(params.id, body.status as SubscriberStatus, body.reason, until, actor);
        }
        return statusReport(deps, params.id);
      },
    }),
    route({
      method: 'post', path: '/subscribers/{id}/promise', operationId: 'promiseToPay', tag: 'billing', scope: 'write',
      summary: 'Promise to pay: overdue service restored until a date, then the thresholds apply again',
      params: IdParams,
      body: PromiseInput,
      response: { status: 200, description: 'the status report after the promise', schema: StatusReport },
      errors: [404],
      handler: async ({ params, body, actor }) => {
        const row = await billing.get(params.id);
        await billing.promise(params.id, when(deps, row.workspaceId, body.until, 'body.until'), body.reason, actor);
        return statusReport(deps, params.id);
      },
    }),
    route({
      method: 'post', path: '/subscribers/{id}/disable', operationId: 'disableSubscriber', tag: 'billing', scope: 'write',
      summary: 'Disable (refused at login) until enabled; beats every other rule',
      params: IdParams,
      body: ReasonInput,
      response: { status: 200, description: 'the status report', schema: StatusReport },
      errors: [404],
      handler: async ({ params, body, actor }) => {
        await billing.disable(params.id, body.reason, actor);
        return statusReport(deps, params.id);
      },
    }),
    route({
      method: 'post', path: '/subscribers/{id}/enable', operationId: 'enableSubscriber', tag: 'billing', scope: 'write',
      summary: 'Enable a disabled subscriber: the thresholds decide the status again',
      params: IdParams,
      response: { status: 200, description: 'the status report', schema: StatusReport },
      errors: [404],
      handler: async ({ params, actor }) => {
        await billing.enable(params.id, actor);
        return statusReport(deps, params.id);
      },
    }),
    route({
      method: 'get', path: '/subscribers/{id}/history', operationId: 'getHistory', tag: 'billing', scope: 'read',
      summary: 'Events, newest first: transitions (from, to, reason, at, actor), payments, operator actions',
      params: IdParams,
      query: HistoryQuery,
      response: { status: 200, description: 'a page of events', schema: EventPage },
      errors: [404],
      handler: async ({ params, query }) => {
        await billing.get(params.id);
        const { items, total } = await billing.history(params.id, query);
        return { items: items.map(presentEvent), total, limit: query.limit, offset: query.offset };
      },
    }),
    route({
      method: 'post', path: '/evaluate', operationId: 'evaluate', tag: 'billing', scope: 'write',
      summary: 'Run the billing evaluator now (dry_run: report what would change)',
      body: EvaluateInput,
      response: { status: 200, description: 'the transitions applied (or that would be)', schema: Evaluation },
      handler: async ({ body }) => {
        const r = await deps.evaluator.run({ dryRun: body.dry_run });
        return { at: r.at.toISOString(), dry_run: r.dryRun, checked: r.checked, transitions: r.transitions.map(presentTransition) };
      },
    }),
  ];
}
