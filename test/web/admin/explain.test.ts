/**
 * GET /subscribers/{id}/explain on the admin API in-process (`app.request()`, a fresh database, a test clock): the
 * answer for a login now with its reasons, the query options, 404 for an unknown subscriber, 401 without a token,
 * 400 for a bad NAS or method; it writes nothing and never returns a password or hash. `chooseNas` on a config with
 * two routers in one workspace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { ntPasswordHash } from '../../../src/radius/auth/mschap.js';
import { chooseNas } from '../../../src/web/admin/explain.js';
import { testConfig } from '../../helpers/config.js';
import { adminBench, json, type AdminBench } from './helpers.js';

let b: AdminBench;
const PASSWORD = 'Known-S3cret-pw!';
const NT_HASH = '8846f7eaee8fb117ad06bdd830b7586c'; // NT hash of "password"
let late: number;
let hashOnly: number;

beforeAll(async () => {
  b = await adminBench();
  // Now is 2025-01-15 12:00 UTC. Paid through 2025-01-14: grace since 2025-01-15 00:00, expired from 2025-01-17.
  const created = await b.call('POST', '/subscribers', { body: { username: 'late', account: 'A-late', plan: 'home-10', password: PASSWORD, paid_until: '2025-01-14' } });
  late = (await json<{ id: number }>(created)).id;
  const second = await b.call('POST', '/subscribers', { body: { username: 'hash-only', account: 'A-hash', plan: 'business-50', nt_hash: NT_HASH, static_ip: '100.64.3.3' } });
  hashOnly = (await json<{ id: number }>(second)).id;
});
afterAll(async () => {
  await b?.close();
});

type Explained = {
  code: string;
  reason: string | null;
  profile: string | null;
  method: string;
  nas: Record<string, unknown>;
  credential: Record<string, unknown> | null;
  attributes: Array<{ name: string; value: unknown; varies: string; fixed_prefix: string | null; random_hex_digits: number | null }>;
  sessions: { open: number; limit: number } | null;
  billing: Record<string, unknown>;
  notes: string[];
};

const explain = async (id: number, query = '', token?: string) => b.call('GET', `/subscribers/${id}/explain${query}`, token === undefined ? {} : { token });

describe('GET /subscribers/{id}/explain', () => {
  it('Accept with the plan, every reply attribute in order, Class as prefix + random, and the billing reasons', async () => {
    const res = await explain(late, '', b.tokens.read);
    expect(res.status).toBe(200);
    const e = await json<Explained>(res);
    expect(e).toMatchObject({
      code: 'Access-Accept',
      reason: null,
      profile: 'plan',
      method: 'pap',
      nas: { name: 'local', workspace: 'default', workspace_match: true },
      credential: { stored: 'password', usable: true, reason: null, usable_methods: ['pap', 'chap', 'mschapv1', 'mschapv2'] },
      sessions: { open: 0, limit: 1 },
      notes: [],
    });
    expect(e.attributes.map((a) => [a.name, a.value, a.varies])).toEqual([
      ['Mikrotik-Rate-Limit', '2M/10M', 'no'],
      ['Mikrotik-Group', 'home', 'no'],
      ['Session-Timeout', 86400, 'no'],
      ['Idle-Timeout', 900, 'no'],
      ['Acct-Interim-Interval', 300, 'no'],
      ['Framed-Pool', 'pppoe-pool', 'no'],
      ['Class', `rg1:${late}:<random>`, 'random'],
    ]);
    expect(e.attributes.at(-1)).toMatchObject({ fixed_prefix: `rg1:${late}:`, random_hex_digits: 16 });
    expect(e.billing).toMatchObject({
      status: 'grace',
      evaluated_status: 'grace',
      pending: false,
      evaluated_reason: 'payment overdue since 2025-01-15 00:00 UTC; grace until 2025-01-17 00:00 UTC',
      promise_until: null,
      override: null,
      next: { status: 'expired', at: '2025-01-17T00:00:00.000Z' },
      evaluation_interval_seconds: 60,
    });
  });

  it('after a threshold passes, the stored status still decides until the evaluator runs: pending', async () => {
    b.clock.now = new Date('2025-01-18T12:00:00Z');
    try {
      const e = await json<Explained>(await explain(late));
      expect(e).toMatchObject({ code: 'Access-Accept', profile: 'plan', billing: { status: 'grace', evaluated_status: 'expired', pending: true } });
      await b.call('POST', '/evaluate', { body: {} });
      const after = await json<Explained>(await explain(late));
      expect(after).toMatchObject({ code: 'Access-Accept', profile: 'expired', billing: { status: 'expired', pending: false } });
      expect(after.attributes.map((a) => a.name)).toContain('Mikrotik-Address-List');
      // A promise to pay restores the plan; its end is the next change.
      await b.call('POST', `/subscribers/${late}/promise`, { body: { until: '2025-01-20', reason: 'pays Monday' } });
      const promised = await json<Explained>(await explain(late));
      expect(promised).toMatchObject({ profile: 'plan', billing: { status: 'grace', promise_active: true, next: { status: 'expired', at: '2025-01-21T00:00:00.000Z' } } });
      // A pinned status beats the thresholds.
      await b.call('POST', `/subscribers/${late}/status`, { body: { status: 'suspended', reason: 'chargeback' } });
      const pinned = await json<Explained>(await explain(late));
      expect(pinned).toMatchObject({
        code: 'Access-Reject', reason: 'suspended', profile: 'refuse', sessions: null,
        billing: { override: { status: 'suspended', reason: 'chargeback', until: null } },
      });
      expect(pinned.attributes).toEqual([
        { name: 'Reply-Message', value: 'Your account is suspended for non-payment — call 555-0100 or billing@isp.example', varies: 'no', fixed_prefix: null, random_hex_digits: null },
      ]);
    } finally {
      b.clock.now = new Date('2025-01-15T12:00:00Z');
    }
  });

  it('method: CHAP against an NT hash is refused; MS-CHAPv2 adds its attributes first; a static IP, no pool', async () => {
    const chap = await json<Explained>(await explain(hashOnly, '?method=chap'));
    expect(chap).toMatchObject({
      code: 'Access-Reject',
      reason: 'CHAP needs the clear password; only an NT hash is stored',
      credential: { stored: 'nt-hash', usable: false, usable_methods: ['pap', 'mschapv1', 'mschapv2'] },
      attributes: [{ name: 'Reply-Message', value: 'Invalid username or password' }],
    });
    const v2 = await json<Explained>(await explain(hashOnly, '?method=mschapv2&nas=local'));
    expect(v2.code).toBe('Access-Accept');
    expect(v2.attributes.map((a) => [a.name, a.varies, a.value])).toEqual([
      ['MS-CHAP2-Success', 'request', null],
      ['MS-MPPE-Send-Key', 'request', null],
      ['MS-MPPE-Recv-Key', 'request', null],
      ['MS-MPPE-Encryption-Policy', 'request', null],
      ['MS-MPPE-Encryption-Types', 'request', null],
      ['Mikrotik-Rate-Limit', 'no', '10M/50M 20M/60M 8M/40M 10/10 5'],
      ['Mikrotik-Group', 'no', 'business'],
      ['Acct-Interim-Interval', 'no', 300],
      ['Filter-Id', 'no', 'business'],
      ['Framed-IP-Address', 'no', '100.64.3.3'],
      ['Class', 'random', `rg1:${hashOnly}:<random>`],
    ]);
    expect(v2.sessions).toEqual({ open: 0, limit: 2 });
  });

  it('404 for an unknown subscriber; 401 without a valid token; 400 for an unknown NAS or method', async () => {
    const missing = await explain(999999);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ error: { code: 'SUBSCRIBER_NOT_FOUND' } });
    for (const token of [null, 'rg_not-a-configured-token']) {
      const res = await b.call('GET', `/subscribers/${late}/explain`, { token });
      expect(res.status).toBe(401);
      expect(await json(res)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    const nas = await explain(late, '?nas=core-9');
    expect(nas.status).toBe(400);
    expect(await json(nas)).toMatchObject({ error: { code: 'INVALID_REQUEST', problems: [{ field: 'query.nas', message: 'no NAS "core-9" in nas.yaml (configured: local)' }] } });
    const method = await explain(late, '?method=eap');
    expect(method.status).toBe(400);
    expect(await json(method)).toMatchObject({ error: { problems: [{ field: 'query.method' }] } });
    expect((await explain(late, '?user=x')).status).toBe(400);
  });

  it('writes nothing and never returns the password, its NT hash or the stored ciphertext', async () => {
    const before = await json<{ updated_at: string }>(await b.call('GET', `/subscribers/${late}`));
    const history = await json<{ total: number }>(await b.call('GET', `/subscribers/${late}/history`));
    const jobs = await b.call('GET', '/enforcement/jobs');
    const bodies: string[] = [];
    for (const id of [late, hashOnly]) {
      for (const method of ['pap', 'chap', 'mschapv2']) bodies.push(await (await explain(id, `?method=${method}`)).text());
    }
    const all = bodies.join('\n');
    const stored = (await b.deps.subscribers.find('default', 'late'))!.passwordEnc!;
    for (const forbidden of [PASSWORD, ntPasswordHash(PASSWORD).toString('hex'), NT_HASH, stored, 'password_enc', 'nt_hash']) {
      expect(all).not.toContain(forbidden);
    }
    expect(await json(await b.call('GET', `/subscribers/${late}`))).toMatchObject({ updated_at: before.updated_at });
    expect(await json(await b.call('GET', `/subscribers/${late}/history`))).toMatchObject({ total: history.total });
    expect(jobs.status).toBe(200);
    expect(await (await b.call('GET', '/enforcement/jobs')).text()).toBe(await jobs.text());
  });
});

describe('chooseNas', () => {
  it('the NAS named, the only NAS of the workspace, or a problem naming the candidates', async () => {
    const nasYaml = [
      'nas:',
      '  - { name: local, address: 127.0.0.1, secret: testing123, workspace: default }',
      '  - { name: core-1, address: 10.0.0.1, secret: core1-secret-0123456789, workspace: default }',
      '',
    ].join('\n');
    const two = await loadConfig(testConfig({ 'nas.yaml': nasYaml }), {});
    expect(chooseNas(two, 'default', undefined)).toEqual({ ok: false, unknown: false, problem: 'several NAS serve workspace default; name one of: local, core-1' });
    expect(chooseNas(two, 'default', 'core-1')).toMatchObject({ ok: true, nas: { name: 'core-1' } });
    expect(chooseNas(two, 'default', 'core-2')).toEqual({ ok: false, unknown: true, problem: 'no NAS "core-2" in nas.yaml (configured: local, core-1)' });
    expect(chooseNas(two, 'other', undefined)).toEqual({ ok: false, unknown: false, problem: 'no NAS serves workspace other; name one of: local, core-1' });
    expect(chooseNas(b.config, 'default', undefined)).toMatchObject({ ok: true, nas: { name: 'local' } });
  });
});
