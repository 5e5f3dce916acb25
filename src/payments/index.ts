/**
 * Payment callbacks: a gateway's signed event becomes a payment through billing (docs/payments.md). What the rest of
 * radgate uses: `PaymentIntake` (web/hooks hands it the raw request), `PaymentReferences` (signed account
 * references for the reminder page's payment URL), `listCallbacks` (operators), `paymentCallbackCounter` (metric).
 */
import client from 'prom-client';
import type { HookOutcome } from './intake.js';

export { isPaymentProvider, MAX_BODY_BYTES, PaymentIntake, SIGNATURE_HEADERS, type HookAnswer, type HookOutcome, type HookRequest, type PaymentIntakeDeps } from './intake.js';
export { PaymentReferences, type ReferenceSubject } from './reference.js';
export { listCallbacks, type CallbackFilter } from './callbacks.js';

/** `radgate_payment_callbacks_total{provider, outcome}` in `registry`; returns the function the intake calls. */
export function paymentCallbackCounter(registry: client.Registry): (provider: string, outcome: HookOutcome) => void {
  const counter = new client.Counter({
    name: 'radgate_payment_callbacks_total',
    help: 'Payment gateway callbacks, by provider and outcome (recorded, ignored, unknown_account, currency_mismatch, amount_invalid, rejected, replayed, bad_signature, stale_timestamp, too_large, unknown_provider)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  return (provider, outcome) => counter.inc({ provider, outcome });
}
