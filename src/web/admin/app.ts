/**
 * @module web/admin/app
 * The admin HTTP API (Hono), mounted under /api/v1 by src/app.ts. Every request, in order:
 *   log (after the reply: token NAME, method, path, status, ms — never the token)
 *   → bearer token (401 without a valid one) → scope (403: a `read` token on a write route)
 *   → params, query and body validated by the route's zod schemas (400 listing each field)
 *   → handler → response checked against the route's response schema → JSON.
 * Errors become JSON `{error: {code, message, problems?}}`, the status from the error catalogue (src/errors.ts);
 * 5xx carry no detail (it is logged).
 */

import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as z from 'zod';
import type { AdminTokenConfig } from '../../config/index.js';
import { ERRORS, RadgateError } from '../../errors.js';
import { RateLimitedLog } from '../../log-limit.js';
import { allows, bearerToken, findToken } from './auth.js';
import { billingRoutes } from './billing-routes.js';
import { enforcementRoutes } from './enforcement-routes.js';
import { notificationRoutes } from './notification-routes.js';
import { type AdminDeps, InvalidRequest } from './deps.js';
import { openApiDocument } from './openapi.js';
import { paymentRoutes } from './payment-routes.js';
import { paymentCallbackRoutes } from './payment-callback-routes.js';
import { reminderLinkRoutes } from './reminder-link.js';
import { honoPath, Replied, route, type Route } from './route-table.js';
import { sessionRoutes } from './session-routes.js';
import { subscriberRoutes } from './subscriber-routes.js';

export const API_VERSION = '1.0.0';

type Env = { Variables: { token: AdminTokenConfig } };

/** Every operation of the API (the OpenAPI document included). */
export function adminRoutes(deps: AdminDeps): Route[] {
  const routes: Route[] = [
    ...subscriberRoutes(deps),
    ...billingRoutes(deps),
    ...paymentRoutes(deps),
    ...paymentCallbackRoutes(deps),
    ...sessionRoutes(deps),
    ...enforcementRoutes(deps),
    ...notificationRoutes(deps),
    ...(deps.linkKeys ? reminderLinkRoutes(deps, deps.linkKeys) : []),
  ];
  let document: unknown;
  routes.push(route({
    method: 'get', path: '/openapi.json', operationId: 'getOpenApi', tag: 'meta', scope: 'read',
    summary: 'This API described in OpenAPI 3.1',
    response: { status: 200, description: 'the OpenAPI document' },
    handler: async () => {
      document ??= openApiDocument(routes, { version: API_VERSION });
      return document as undefined;
    },
  }));
  return routes;
}

function problemsOf(error: z.ZodError, where: string): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: [where, path].filter(Boolean).join('.'), message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: [where, path].filter(Boolean).join('.'), message: issue.message };
  });
}

function parse<S extends z.ZodType>(schema: S | undefined, input: unknown, where: string): z.output<S> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidRequest(problemsOf(result.error, where));
  return result.data;
}

/** Query parameters the route does not know are refused (a typo must not silently widen a filter). */
function checkQueryKeys(schema: z.ZodType | undefined, query: Record<string, string>): void {
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new InvalidRequest(unknown.map((k) => ({ field: `query.${k}`, message: `unknown parameter (known: ${known.join(', ') || 'none'})` })));
}

export function createAdminApi(deps: AdminDeps): Hono<Env> {
  const app = new Hono<Env>();
  const log = deps.log.child({ component: 'admin-api' });

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // tokenName, never the token: `token` is on the redaction list, and the value never reaches the logger.
    log.info({
      tokenName: c.get('token')?.name ?? null,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    }, 'admin api call');
  });

  app.use('*', async (c, next) => {
    // The challenge header is set before the throw: the error reply (errorReply) keeps the headers already set.
    const presented = bearerToken(c.req.header('Authorization'));
    if (presented === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="radgate"');
      throw new RadgateError('UNAUTHORIZED', 'a bearer token is required (Authorization: Bearer <token>)');
    }
    const token = findToken(presented, deps.config().adminTokens);
    if (!token) {
      // RFC 6750 §3.1: invalid_token. The message never quotes the presented token.
      c.header('WWW-Authenticate', 'Bearer realm="radgate", error="invalid_token"');
      throw new RadgateError('UNAUTHORIZED', 'the bearer token is not valid');
    }
    c.set('token', token);
    await next();
  });

  for (const r of adminRoutes(deps)) {
    app.on(r.method.toUpperCase(), honoPath(r.path), async (c) => {
      const token = c.get('token');
      if (!allows(token, r.scope)) throw new RadgateError('FORBIDDEN', `token "${token.name}" has scope ${token.scope}; this call needs ${r.scope}`);
      const query = c.req.query();
      checkQueryKeys(r.query, query);
      let body: unknown;
      if (r.body) {
        const text = await c.req.text();
        try {
          body = text.trim() === '' ? {} : JSON.parse(text);
        } catch {
          throw new InvalidRequest([{ field: 'body', message: 'must be JSON' }]);
        }
        if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequest([{ field: 'body', message: 'must be a JSON object' }]);
      }
      const result = await r.handler({
        params: parse(r.params, c.req.param(), 'path'),
        query: parse(r.query, query, 'query'),
        body: parse(r.body, body, 'body'),
        token,
        actor: `api:${token.name}`,
        log,
        c,
      });
      const { status, body: out } = result instanceof Replied ? result : { status: r.response.status, body: result };
      if (status === 204) return c.body(null, 204);
      // The response must match the documented schema; a mismatch is our bug (500, logged), never sent as is.
      const checked = r.response.schema ? r.response.schema.parse(out) : out;
      return c.json(checked as object, status as ContentfulStatusCode);
    });
  }

  app.all('*', () => {
    throw new RadgateError('NOT_FOUND', 'no such API route');
  });

  // An outage fails every call: code and message only, one line a minute per route (src/log-limit.ts).
  const errors = new RateLimitedLog(log);
  app.onError((err, c) => errorReply(err, c, errors));
  return app;
}

/**
 * The one error mapping: a RadgateError answers with its catalogue status, its code and its (specific) message;
 * 400s list the fields at fault. A 5xx code and anything else is INTERNAL with no detail, the error only logged.
 */
function errorReply(err: Error, c: Context, errors: RateLimitedLog) {
  const status = err instanceof RadgateError ? ERRORS[err.code].status : ERRORS.INTERNAL.status;
  if (!(err instanceof RadgateError) || status >= 500) {
    errors.error(`${c.req.method} ${c.req.routePath}`, err, 'admin api internal error', { method: c.req.method, path: c.req.path });
    return c.json({ error: { code: ERRORS.INTERNAL.code, message: ERRORS.INTERNAL.message } }, ERRORS.INTERNAL.status as ContentfulStatusCode);
  }
  return c.json({ error: { code: err.code, message: err.message, ...problemsOfError(err, status) } }, status as ContentfulStatusCode);
}

/** The fields at fault: an InvalidRequest's list, or `field: reason` at the start of a domain error's message. */
function problemsOfError(err: RadgateError, status: number): { problems?: ReadonlyArray<{ field: string; message: string }> } {
  if (err instanceof InvalidRequest) return { problems: err.problems };
  const field = /^([a-z_]+): /.exec(err.message);
  return status === 400 && field ? { problems: [{ field: `body.${field[1]}`, message: err.message.slice(field[0].length) }] } : {};
}
