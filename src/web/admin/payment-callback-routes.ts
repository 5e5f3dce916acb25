/**
 * @module web/admin/payment-callback-routes — the payment gateways' callbacks as stored (docs/payments.md): what was
 * recorded, ignored or refused (unknown account, wrong currency…), newest first, read from src/payments.
 */

import * as z from 'zod';
import { PAYMENT_CALLBACK_OUTCOMES, type PaymentCallbackRow } from '../../db/schema.js';
import { PAYMENT_PROVIDERS } from '../../config/index.js';
import { listCallbacks } from '../../payments/index.js';
import type { AdminDeps } from './deps.js';
import { components, Paging } from './schemas.js';
import { route, type Route } from './route-table.js';

export const PaymentCallback = z.object({
  id: z.number().int(),
  workspace: z.string(),
  provider: z.string(),
  event_id: z.string(),
  event_type: z.string().nullable(),
  outcome: z.enum(PAYMENT_CALLBACK_OUTCOMES),
  http_status: z.number().int().describe('the answer given, replayed for a repeated event'),
  account: z.string().nullable().describe('as the gateway sent it (control characters escaped)'),
  subscriber_id: z.number().int().nullable(),
  payment_id: z.number().int().nullable(),
  amount: z.number().int().nullable().describe('minor units (cents)'),
  currency: z.string().nullable(),
  detail: z.string().nullable(),
  received_at: z.iso.datetime({ offset: true }),
});
components.add(PaymentCallback, { id: 'PaymentCallback' });

export const PaymentCallbackPage = z.object({
  items: z.array(PaymentCallback),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
components.add(PaymentCallbackPage, { id: 'PaymentCallbackPage' });

export const PaymentCallbackQuery = z.object({
  workspace: z.string().min(1).optional(),
  provider: z.enum(PAYMENT_PROVIDERS).optional(),
  outcome: z.enum(PAYMENT_CALLBACK_OUTCOMES).optional(),
  ...Paging,
});

export function presentCallback(row: PaymentCallbackRow): z.infer<typeof PaymentCallback> {
  return {
    id: row.id,
    workspace: row.workspaceId,
    provider: row.provider,
    event_id: row.eventId,
    event_type: row.eventType,
    outcome: row.outcome,
    http_status: row.httpStatus,
    account: row.account,
    subscriber_id: row.subscriberId,
    payment_id: row.paymentId,
    amount: row.amount,
    currency: row.currency,
    detail: row.detail,
    received_at: row.receivedAt.toISOString(),
  };
}

export function paymentCallbackRoutes(deps: AdminDeps): Route[] {
  return [
    route({
      method: 'get', path: '/payment-callbacks', operationId: 'listPaymentCallbacks', tag: 'payments', scope: 'read',
      summary: "Payment gateways' verified callbacks and what became of each, newest first",
      query: PaymentCallbackQuery,
      response: { status: 200, description: 'a page of callbacks', schema: PaymentCallbackPage },
      handler: async ({ query }) => {
        const { items, total } = await listCallbacks(deps.database.db, {
          workspaceId: query.workspace, provider: query.provider, outcome: query.outcome, limit: query.limit, offset: query.offset,
        });
        return { items: items.map(presentCallback), total, limit: query.limit, offset: query.offset };
      },
    }),
  ];
}
