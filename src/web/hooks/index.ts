/**
 * Gateway callbacks on the main web app: `createPaymentHooks` builds the intake (src/payments) and its route; the
 * signed payment references derive their key from the reminder-link keys (`paymentReferences`).
 */
import type { Hono } from 'hono';
import type { BillingAccounts } from '../../billing/accounts.js';
import type { Config } from '../../config/index.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { PaymentIntake, paymentCallbackCounter, PaymentReferences } from '../../payments/index.js';
import type { LinkKeyRing } from '../reminder/index.js';
import { createPaymentHookRoutes } from './routes.js';

export { createPaymentHookRoutes, readLimited } from './routes.js';

/**
 * Signed payment references keyed from the link keys: the signing key first, then the others that hold secret
 * material (an EdDSA public key cannot derive one). HS256 keys give their bytes, EdDSA private keys their PKCS#8 DER.
 */
export function paymentReferences(ring: LinkKeyRing): PaymentReferences {
  const secrets: Buffer[] = [];
  for (const id of [ring.signing.id, ...ring.ids.filter((k) => k !== ring.signing.id)]) {
    const key = ring.key(id)?.signingKey;
    if (key === undefined) continue;
    secrets.push(key.type === 'secret' ? key.export() : key.export({ format: 'der', type: 'pkcs8' }));
  }
  return new PaymentReferences(secrets);
}

export interface PaymentHooksOptions {
  readonly config: () => Config;
  readonly db: Db;
  readonly billing: BillingAccounts;
  readonly log: Logger;
  readonly keys: LinkKeyRing;
  readonly metrics?: Metrics | undefined;
}

/** The intake and its route (`POST /hooks/payments/:provider`), to mount on the main web app. */
export function createPaymentHooks(options: PaymentHooksOptions): { intake: PaymentIntake; routes: Hono } {
  const intake = new PaymentIntake({
    config: options.config,
    db: options.db,
    billing: options.billing,
    log: options.log,
    references: paymentReferences(options.keys),
    onOutcome: options.metrics === undefined ? undefined : paymentCallbackCounter(options.metrics.registry),
  });
  return { intake, routes: createPaymentHookRoutes({ intake }) };
}
