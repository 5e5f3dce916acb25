/**
 * The OpenAPI document at /openapi.json: served behind auth, parses, is OpenAPI 3.1, lists every route of the route
 * table with its method, parameters, body and responses, and every $ref resolves. Real responses of the API are
 * checked against the schemas the document gives for them (a tiny JSON Schema subset validator: type, properties,
 * required, items, enum, $ref, nullable unions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminBench, json, type AdminBench } from './helpers.js';

type Json = Record<string, unknown>;
let b: AdminBench;
let doc: Json;

beforeAll(async () => {
  b = await adminBench();
  const res = await b.call('GET', '/openapi.json', { token: b.tokens.read });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = JSON.parse(await res.text()) as Json;
});
afterAll(async () => {
  await b?.close();
});

function resolve(ref: string): Json {
  expect(ref.startsWith('#/')).toBe(true);
  let node: unknown = doc;
  for (const part of ref.slice(2).split('/')) node = (node as Json | undefined)?.[part];
  expect(node, `unresolved ${ref}`).toBeTypeOf('object');
  return node as Json;
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

/** Returns problems of `value` against `schema` (the subset zod emits for our shapes). */
function check(schema: Json, value: unknown, at = '$'): string[] {
  if (typeof schema.$ref === 'string') return check(resolve(schema.$ref), value, at);
  if (Array.isArray(schema.anyOf)) {
    return (schema.anyOf as Json[]).some((s) => check(s, value, at).length === 0) ? [] : [`${at}: matches no anyOf branch`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} not in enum`];
  const type = schema.type;
  const is = (t: string) => {
    switch (t) {
      case 'null': return value === null;
      case 'integer': return Number.isInteger(value);
      case 'number': return typeof value === 'number';
      case 'string': return typeof value === 'string';
      case 'boolean': return typeof value === 'boolean';
      case 'array': return Array.isArray(value);
      case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
      default: return false;
    }
  };
  if (typeof type === 'string' && !is(type)) return [`${at}: expected ${type}, got ${JSON.stringify(value)}`];
  const problems: string[] = [];
  if (type === 'object' && value !== null && typeof value === 'object') {
    const v = value as Json;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in v)) problems.push(`${at}.${key}: required`);
    const props = (schema.properties as Record<string, Json> | undefined) ?? {};
    for (const [key, sub] of Object.entries(v)) {
      if (props[key]) problems.push(...check(props[key]!, sub, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not in the schema`);
    }
  }
  if (type === 'array' && Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...check(schema.items as Json, item, `${at}[${i}]`)));
  }
  return problems;
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with bearer security', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(resolve('#/components/securitySchemes/bearer')).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('describes every route of the route table, and nothing else', () => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const documented = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    expect(documented).toEqual(b.routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const r of b.routes) {
      const op = paths[r.path]![r.method]!;
      expect(op.operationId).toBe(r.operationId);
      expect(op['x-radgate-scope']).toBe(r.scope);
      const responses = op.responses as Record<string, Json>;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining([String(r.response.status), '401', '403', '500']));
      const pathParams = [...r.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
      const params = (op.parameters as Json[] | undefined) ?? [];
      expect(params.filter((p) => p.in === 'path').map((p) => p.name)).toEqual(pathParams);
      if (r.body) expect(op.requestBody).toMatchObject({ required: true, content: { 'application/json': { schema: expect.any(Object) } } });
    }
  });

  it('every $ref resolves and every component schema is an object schema', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) resolve(ref);
    const schemas = (doc.components as Json).schemas as Record<string, Json>;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Subscriber', 'Payment', 'Status', 'Event', 'Session', 'Error']));
    for (const [name, s] of Object.entries(schemas)) expect(s.type, name).toBe('object');
  });

  it('documents query parameters with types and defaults', () => {
    const op = (doc.paths as Record<string, Record<string, Json>>)['/subscribers']!.get!;
    const limit = (op.parameters as Json[]).find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } });
  });

  it('documents explain: its query options and the Explanation it answers with', () => {
    const op = (doc.paths as Record<string, Record<string, Json>>)['/subscribers/{id}/explain']!.get!;
    const params = op.parameters as Json[];
    expect(params.find((p) => p.name === 'method')).toMatchObject({ in: 'query', required: false, schema: { enum: ['pap', 'chap', 'mschapv2'], default: 'pap' } });
    expect(params.find((p) => p.name === 'nas')).toMatchObject({ in: 'query', required: false, schema: { type: 'string' } });
    expect(Object.keys(op.responses as Json).sort()).toEqual(['200', '400', '401', '403', '404', '500']);
    const ok = (op.responses as Record<string, { content: Record<string, { schema: { $ref: string } }> }>)['200']!;
    const schema = resolve(ok.content['application/json']!.schema.$ref);
    expect(Object.keys(schema.properties as Json)).toEqual(expect.arrayContaining(['code', 'attributes', 'credential', 'sessions', 'billing', 'nas']));
  });

  it('real responses match the schemas the document gives for them', async () => {
    b.clock.now = new Date('2025-01-15T12:00:00Z');
    const created = await b.call('POST', '/subscribers', { body: { username: 'doc', account: 'A-doc', plan: 'home-10', nt_hash: '8846f7eaee8fb117ad06bdd830b7586c', paid_until: '2025-01-05' } });
    const subscriber = await json<{ id: number }>(created.clone());
    const paid = await b.call('POST', '/payments', { body: { subscriber_id: subscriber.id, amount: 3000, reference: 'DOC-1' } });
    const calls: Array<[string, string, Response]> = [
      ['post', '/subscribers', created],
      ['post', '/payments', paid],
      ['get', '/subscribers', await b.call('GET', '/subscribers')],
      ['get', '/subscribers/{id}/status', await b.call('GET', `/subscribers/${subscriber.id}/status`)],
      ['get', '/subscribers/{id}/history', await b.call('GET', `/subscribers/${subscriber.id}/history`)],
      ['get', '/subscribers/{id}/explain', await b.call('GET', `/subscribers/${subscriber.id}/explain?method=mschapv2`)],
      ['get', '/payments', await b.call('GET', '/payments')],
      ['get', '/sessions', await b.call('GET', '/sessions')],
    ];
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, Json> }>>;
    for (const [method, path, res] of calls) {
      const documented = paths[path]![method]!.responses[String(res.status)];
      expect(documented, `${method} ${path} ${res.status}`).toBeDefined();
      const schema = ((documented!.content as Json)['application/json'] as Json).schema as Json;
      expect(check(schema, await res.json()), `${method} ${path}`).toEqual([]);
    }
    const error = await b.call('GET', '/subscribers/999999');
    const errorSchema = resolve('#/components/responses/NotFound');
    expect(check(((errorSchema.content as Json)['application/json'] as Json).schema as Json, await error.json())).toEqual([]);
  });
});
