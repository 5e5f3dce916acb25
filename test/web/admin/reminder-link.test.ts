/** The admin API's GET /subscribers/{id}/reminder-link: the same signed link as the CLI, behind a bearer token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../../src/web/admin/app.js';
import { LinkKeyRing, verifyLink } from '../../../src/web/reminder/index.js';
import { adminBench, json, type AdminBench } from './helpers.js';

let bench: AdminBench;
let api: ReturnType<typeof createAdminApi>;
const keys = LinkKeyRing.fromConfig([{ id: 'api-test', algorithm: 'HS256', material: Buffer.alloc(32, 3).toString('base64'), source: 'test' }]);
let id: number;

const call = (path: string, token: string | null) =>
  api.request(path, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });

beforeAll(async () => {
  bench = await adminBench();
  api = createAdminApi({ ...bench.deps, linkKeys: keys });
  const created = await bench.call('POST', '/subscribers', { body: { username: 'dana', account: 'ACC-900', plan: 'home-10', nt_hash: '0'.repeat(32) } });
  expect(created.status).toBe(201);
  id = (await json<{ id: number }>(created)).id;
}, 60_000);

afterAll(async () => {
  await bench?.close();
});

describe('GET /subscribers/{id}/reminder-link', () => {
  it('returns a signed link to the subscriber\'s reminder page (read scope is enough)', async () => {
    const res = await call(`/subscribers/${id}/reminder-link`, bench.tokens.read);
    expect(res.status).toBe(200);
    const body = await json<{ url: string; expires_at: string; key_id: string }>(res);
    expect(body.key_id).toBe('api-test');
    const url = new URL(body.url);
    expect(url.origin).toBe('https://pay.isp.example');
    const check = await verifyLink(keys, url.pathname.slice(3));
    expect(check).toMatchObject({ ok: true, claims: { subscriberId: id, workspaceId: 'default', accountNumber: 'ACC-900' } });
    expect(check.ok && check.claims.expiresAt.toISOString()).toBe(new Date(body.expires_at).toISOString());
    expect(bench.rawLog()).not.toContain(url.pathname.slice(3));
  });

  it('?lifetime=1h; a bad lifetime is a 400 naming the field', async () => {
    const res = await json<{ url: string }>(await call(`/subscribers/${id}/reminder-link?lifetime=1h`, bench.tokens.read));
    const check = await verifyLink(keys, new URL(res.url).pathname.slice(3));
    expect(check.ok && check.claims.expiresAt.getTime() - check.claims.issuedAt.getTime()).toBe(3600_000);
    const bad = await call(`/subscribers/${id}/reminder-link?lifetime=1m`, bench.tokens.read);
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: { problems: [{ field: 'query.lifetime', message: 'must be from 5m to 366d' }] } });
  });

  it('401 without a token, 404 for an unknown subscriber, and it is in the OpenAPI document', async () => {
    expect((await call(`/subscribers/${id}/reminder-link`, null)).status).toBe(401);
    expect((await call('/subscribers/999999/reminder-link', bench.tokens.read)).status).toBe(404);
    const doc = await json<{ paths: Record<string, Record<string, { operationId: string }>> }>(await call('/openapi.json', bench.tokens.read));
    expect(doc.paths['/subscribers/{id}/reminder-link']?.get?.operationId).toBe('getReminderLink');
  });
});
