/** @module web/admin/payment-routes — record (idempotent by reference), list, get and void payments. */

import { type AdminDeps, statusReport } from './deps.js';
import { presentPayment, presentTransition } from './present.js';
import { IdParams, Payment, PaymentCreate, PaymentOutcome, PaymentPage, PaymentQuery, ReasonInput, VoidOutcome } from './schemas.js';
import { reply, route, type Route } from './route-table.js';

export function paymentRoutes(deps: AdminDeps): Route[] {
  const { billing } = deps;
  return [
    route({
      method: 'post', path: '/payments', operationId: 'createPayment', tag: 'payments', scope: 'write',
      summary: 'Record a payment: whole cycles extend paid_until, the rest goes to the balance; the state is recomputed at once',
      body: PaymentCreate,
      response: { status: 201, description: 'recorded (200 when the reference was already recorded)', schema: PaymentOutcome },
      errors: [404, 409],
      handler: async ({ body, actor }) => {
        const r = await billing.pay({
          subscriberId: body.subscriber_id,
          amount: body.amount,
          currency: body.currency,
          method: body.method,
          reference: body.reference,
          note: body.note,
          receivedAt: body.received_at === undefined ? undefined : new Date(body.received_at),
          actor,
        });
        const outcome = {
          payment: presentPayment(r.payment),
          duplicate: r.duplicate,
          transition: r.transition === null ? null : presentTransition(r.transition),
          status: await statusReport(deps, body.subscriber_id),
        };
        return reply(r.duplicate ? 200 : 201, outcome);
      },
    }),
    route({
      method: 'get', path: '/payments', operationId: 'listPayments', tag: 'payments', scope: 'read',
      summary: 'List payments, newest first',
      query: PaymentQuery,
      response: { status: 200, description: 'a page of payments', schema: PaymentPage },
      handler: async ({ query }) => {
        const { items, total } = await billing.listPayments({
          subscriberId: query.subscriber_id,
          workspaceId: query.workspace,
          includeVoided: query.include_voided ?? true,
          limit: query.limit,
          offset: query.offset,
        });
        return { items: items.map(presentPayment), total, limit: query.limit, offset: query.offset };
      },
    }),
    route({
      method: 'get', path: '/payments/{id}', operationId: 'getPayment', tag: 'payments', scope: 'read',
      summary: 'One payment',
      params: IdParams,
      response: { status: 200, description: 'the payment', schema: Payment },
      errors: [404],
      handler: async ({ params }) => presentPayment(await billing.getPayment(params.id)),
    }),
    route({
      method: 'post', path: '/payments/{id}/void', operationId: 'voidPayment', tag: 'payments', scope: 'write',
      summary: 'Void (refund) a payment: its amount is taken back and the state recomputed; voiding twice is harmless',
      params: IdParams,
      body: ReasonInput,
      response: { status: 200, description: 'the voided payment', schema: VoidOutcome },
      errors: [404],
      handler: async ({ params, body, actor }) => {
        const r = await billing.voidPayment(params.id, body.reason, actor);
        return {
          payment: presentPayment(r.payment),
          already_voided: r.alreadyVoided,
          transition: r.transition === null ? null : presentTransition(r.transition),
          status: await statusReport(deps, r.payment.subscriberId),
        };
      },
    }),
  ];
}
