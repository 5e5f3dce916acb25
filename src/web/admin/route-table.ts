/**
 * @module web/admin/route-table
 * One table describes every admin API operation: method, path, scope, zod schemas for params, query and body, the
 * response schema, and the handler. The same table registers the Hono routes (validating input, checking output)
 * and generates the OpenAPI document, so the two cannot disagree.
 */

import type { Context } from 'hono';
import type * as z from 'zod';
import type { AdminTokenConfig } from '../../config/index.js';
import type { Logger } from '../../log.js';
import type { Scope } from './auth.js';

export type Method = 'get' | 'post' | 'patch' | 'delete';

export interface Call<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The authenticated token (its name is the actor). */
  readonly token: AdminTokenConfig;
  /** `api:<token name>`, recorded on events and payments. */
  readonly actor: string;
  readonly log: Logger;
  readonly c: Context;
}

/** A response with a status other than the route's default (201 vs 200 for a repeated payment; 204). */
export class Replied<R> {
  constructor(readonly status: number, readonly body: R) {}
}

export const reply = <R>(status: number, body: R): Replied<R> => new Replied(status, body);

/** What a handler returns: the response body (checked against `response.schema`), or a `reply(status, body)`. */
export type Reply<R> = R | Replied<R>;

export interface Route {
  readonly method: Method;
  /** OpenAPI-style path under /api/v1: `/subscribers/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly scope: Scope;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly response: { readonly status: number; readonly description: string; readonly schema?: z.ZodType };
  /** Error statuses the operation can answer besides 400/401/403/500 (e.g. 404, 409). */
  readonly errors?: readonly number[];
  readonly handler: (call: Call<unknown, unknown, unknown>) => Promise<unknown>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** Typed constructor for a route: the handler sees parsed params/query/body and must return the response shape. */
export function route<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
>(def: {
  method: Method;
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  scope: Scope;
  params?: P;
  query?: Q;
  body?: B;
  response: { status: number; description: string; schema?: R };
  errors?: readonly number[];
  handler: (call: Call<Out<P>, Out<Q>, Out<B>>) => Promise<Reply<R extends z.ZodType ? z.input<R> : undefined>>;
}): Route {
  return def as unknown as Route;
}

/** `/subscribers/{id}` → `/subscribers/:id` */
export const honoPath = (path: string): string => path.replace(/\{([A-Za-z_]+)\}/g, ':$1');
