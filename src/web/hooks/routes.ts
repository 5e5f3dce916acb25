/**
 * `POST /hooks/payments/:provider` on the main web app (docs/payments.md): reads the raw body — at most
 * `MAX_BODY_BYTES`, a larger one is answered 413 as soon as its Content-Length or its bytes say so — and hands it,
 * with the headers, to the payment intake (src/payments), which verifies and answers. No bearer token: the
 * signature is the authentication.
 */
import { Hono } from 'hono';
import { isPaymentProvider, MAX_BODY_BYTES, type PaymentIntake } from '../../payments/index.js';

export interface PaymentHookRoutesOptions {
  readonly intake: PaymentIntake;
}

/** The body's bytes, or undefined once more than `limit` arrived (the rest is not read). */
export async function readLimited(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^[0-9]+$/.test(declared) && Number(declared) > limit) return undefined;
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function createPaymentHookRoutes(options: PaymentHookRoutesOptions): Hono {
  const app = new Hono();
  app.post('/hooks/payments/:provider', async (c) => {
    const provider = c.req.param('provider');
    // An unknown provider is answered 404 without reading the body.
    const body = isPaymentProvider(provider) ? await readLimited(c.req.raw, MAX_BODY_BYTES) : new Uint8Array(0);
    const answer = body === undefined
      ? options.intake.tooLarge(provider)
      : await options.intake.handle({ provider, header: (name) => c.req.header(name), body });
    c.header('Cache-Control', 'no-store');
    // The rest of a refused body is not read: the connection cannot carry another request (RFC 9110 §15.5.14).
    if (body === undefined) c.header('Connection', 'close');
    return c.json(answer.body, answer.status as 200);
  });
  return app;
}
