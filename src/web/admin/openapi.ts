/**
 * @module web/admin/openapi
 * The OpenAPI 3.1 document of the admin API, generated from the route table and its zod schemas (`z.toJSONSchema`,
 * JSON Schema 2020-12 — the dialect OpenAPI 3.1 uses). Named schemas go to `components.schemas` and are referenced.
 */

import * as z from 'zod';
import type { Route } from './route-table.js';
import { components } from './schemas.js';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';

/** Drops `$schema`/`$id`, moves `$defs` refs to components (they are the registry's schemas, emitted once). */
function clean(json: Json): Json {
  const { $schema: _s, $id: _i, $defs: _d, ...rest } = json;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', `"${REF}`)) as Json;
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const named = components.get(schema);
  if (named && io === 'output') return { $ref: `${REF}${named.id}` };
  return clean(z.toJSONSchema(schema, { io, metadata: components, target: 'draft-2020-12', unrepresentable: 'any' }) as Json);
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description !== undefined ? { description } : {}),
      schema: rest,
    };
  });
}

const ERROR_RESPONSES: Record<number, string> = {
  400: 'InvalidRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  500: 'InternalError',
};

export function openApiDocument(routes: readonly Route[], info: { version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const responses: Record<string, Json> = {
      [String(r.response.status)]: r.response.schema
        ? { description: r.response.description, content: { 'application/json': { schema: schemaOf(r.response.schema, 'output') } } }
        : { description: r.response.description },
    };
    const errors = new Set([401, 403, 500, ...(r.params || r.query || r.body ? [400] : []), ...(r.errors ?? [])]);
    for (const status of [...errors].sort()) responses[String(status)] = { $ref: `#/components/responses/${ERROR_RESPONSES[status]}` };
    (paths[r.path] ??= {})[r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      'x-radgate-scope': r.scope,
      ...(r.params || r.query ? { parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')] } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  const registry = z.toJSONSchema(components, { io: 'output', target: 'draft-2020-12', uri: (id) => `${REF}${id}` }) as { schemas: Record<string, Json> };
  const schemas = Object.fromEntries(Object.entries(registry.schemas).map(([id, s]) => [id, clean(s)]));
  const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: `${REF}Error` } } } });
  return {
    openapi: '3.1.0',
    info: {
      title: 'radgate admin API',
      version: info.version,
      description: 'Subscribers, payments, billing status and sessions. Every call needs `Authorization: Bearer <token>` '
        + '(admin.yaml); `read` tokens may only GET. Money is integer minor units (cents).',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token from `radgate admin-token NAME`' } },
      schemas,
      responses: {
        InvalidRequest: errorResponse('invalid parameters or body; `problems` lists each field'),
        Unauthorized: errorResponse('no bearer token, or not a configured one'),
        Forbidden: errorResponse("the token's scope does not allow this call"),
        NotFound: errorResponse('no such subscriber or payment'),
        Conflict: errorResponse('already exists, or a payment reference already used differently'),
        InternalError: errorResponse('an internal error (details in the server log only)'),
      },
    },
  };
}
