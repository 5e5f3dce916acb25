/**
 * @module notify/webhook
 * Outgoing notification webhooks: a JSON body POSTed to the workspace's `webhook.url`, signed in the
 * `Radgate-Signature: t=<unix seconds>,v1=<hex>` header — HMAC-SHA256 of `<t>.<raw body>` keyed with the secret's
 * UTF-8 bytes, the same scheme radgate verifies on payment callbacks (docs/payments.md, docs/notifications.md).
 * A 2xx answer is delivered; anything else, a timeout or a network error is a failure (retried by the worker).
 */
import { createHmac } from 'node:crypto';
import type { WebhookConfig } from '../config/index.js';

export const SIGNATURE_HEADER = 'Radgate-Signature';

/** The header value for `body` signed at `at`. */
export function signWebhook(secret: string, body: string, at: Date): string {
  const t = String(Math.floor(at.getTime() / 1000));
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
  return `t=${t},v1=${mac}`;
}

/** A failed delivery; `permanent` for answers that retrying will not change (4xx other than 408/429). */
export class WebhookError extends Error {
  constructor(message: string, readonly permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export async function postWebhook(settings: WebhookConfig, payload: unknown, now: Date, idempotencyKey: string): Promise<void> {
  const body = JSON.stringify(payload);
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'radgate',
        [SIGNATURE_HEADER]: signWebhook(settings.key.value, body, now),
        'Idempotency-Key': idempotencyKey,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutSeconds * 1000),
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const what = e.name === 'TimeoutError' ? `timed out after ${settings.timeoutSeconds} s` : (e.cause?.code ?? e.name ?? 'network error');
    throw new WebhookError(`webhook: ${what}`, false, { cause: err });
  }
  await response.body?.cancel().catch(() => {});
  if (response.status >= 200 && response.status < 300) return;
  const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
  throw new WebhookError(`webhook: HTTP ${response.status}`, permanent);
}
