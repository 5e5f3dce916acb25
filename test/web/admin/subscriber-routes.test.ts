/**
 * The subscriber routes' local-auth fields (auth, local_nas, local_name, local_service): created, shown, changed
 * (a change queues an enforcement job), and bad values refused field by field — in-process, `app.request()`.
 */
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobs } from '../../../src/enforce/jobs.js';
import { adminBench, json, type AdminBench } from './helpers.js';

let b: AdminBench;
beforeAll(async () => {
  b = await adminBench({
    config: {
      'workspaces.yaml': (text) => {
        const doc = YAML.parse(text) as { workspaces: Array<Record<string, unknown>> };
        doc.workspaces.push({ ...doc.workspaces[0]!, id: 'west', name: 'West ISP' });
        return YAML.stringify(doc);
      },
      'nas.yaml': (text) => `${text}
  - name: core-1
    address: 10.0.0.1
    secret: core1-secret-0123456789
    workspace: default
    api: { host: 10.0.0.1, user: radgate, password: api-secret-pw }
  - name: west-1
    address: 10.0.0.2
    secret: west1-secret-0123456789
    workspace: west
`,
    },
  });
});
afterAll(async () => {
  await b?.close();
});

type Problem = { field: string; message: string };
const base = (username: string) => ({ workspace: 'default', username, account: `A-${username}`, plan: 'home-10', password: 'secret-pw' });

describe('create', () => {
  it('a local subscriber: the fields are stored and shown', async () => {
    const res = await b.call('POST', '/subscribers', { body: { ...base('ana'), auth: 'local', local_nas: 'core-1', local_name: 'ana@tower', local_service: 'hotspot' } });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({ auth: 'local', local_nas: 'core-1', local_name: 'ana@tower', local_service: 'hotspot' });
    expect(await json(await b.call('GET', `/subscribers/${created.id}`))).toMatchObject({ auth: 'local', local_nas: 'core-1' });

    const plain = await json(await b.call('POST', '/subscribers', { body: base('ben') }));
    expect(plain).toMatchObject({ auth: 'radius', local_nas: null, local_name: null, local_service: null });
  });

  it('bad values are refused, each by its field, and nothing is created', async () => {
    const cases: Array<[Record<string, unknown>, Problem[]]> = [
      [{ auth: 'local', local_nas: 'nope' }, [{ field: 'body.local_nas', message: 'no NAS named "nope" in nas.yaml' }]],
      [{ auth: 'local', local_nas: 'west-1' }, [{ field: 'body.local_nas', message: 'NAS "west-1" serves workspace west, not default' }]],
      [{ auth: 'local', local_nas: 'core-1', local_name: 'evil\r\n/system reboot' }, [{ field: 'body.local_name', message: '1–253 characters, no control characters' }]],
      [{ auth: 'local', local_nas: 'core-1', local_name: 'a\u0000b' }, [{ field: 'body.local_name', message: '1–253 characters, no control characters' }]],
      [{ local_nas: 'core-1', local_service: 'ppp' }, [
        { field: 'body.local_nas', message: 'only for auth local' }, { field: 'body.local_service', message: 'only for auth local' },
      ]],
    ];
    for (const [extra, problems] of cases) {
      const res = await b.call('POST', '/subscribers', { body: { ...base('cat'), ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect((await json<{ error: { problems: Problem[] } }>(res)).error.problems).toEqual(problems);
    }
    // The schema refuses what is not one of its values before the records see it.
    for (const extra of [{ auth: 'ldap' }, { auth: 'local', local_nas: 'core-1', local_service: 'pptp' }, { auth: 'local', local_nas: 'core-1', local_name: 'x'.repeat(254) }]) {
      const res = await b.call('POST', '/subscribers', { body: { ...base('cat'), ...extra } });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(await json(res)).toMatchObject({ error: { code: 'INVALID_REQUEST' } });
    }
    expect((await json<{ total: number }>(await b.call('GET', '/subscribers?username=cat'))).total).toBe(0);
  });
});

describe('update', () => {
  it('moves a subscriber to local and back; fields not given stay; each change queues a manual job', async () => {
    const dee = await json(await b.call('POST', '/subscribers', { body: base('dee') }));
    const patch = (body: unknown) => b.call('PATCH', `/subscribers/${dee.id}`, { body });

    const local = await patch({ auth: 'local', local_nas: 'core-1' });
    expect(local.status).toBe(200);
    expect(await json(local)).toMatchObject({ auth: 'local', local_nas: 'core-1', local_name: null, local_service: 'ppp' });
    const [job] = await listJobs(b.database.db, { subscriberId: Number(dee.id) });
    expect(job).toMatchObject({ kind: 'manual', state: 'pending', reason: 'api:billing-system' });

    expect(await json(await patch({ local_name: 'dee-2' }))).toMatchObject({ auth: 'local', local_nas: 'core-1', local_name: 'dee-2' });
    expect(await json(await patch({ local_name: null }))).toMatchObject({ local_name: null });

    const bad = await patch({ local_nas: 'west-1', plan: 'business-50' });
    expect(bad.status).toBe(400);
    expect((await json<{ error: { problems: Problem[] } }>(bad)).error.problems).toEqual([{ field: 'body.local_nas', message: 'NAS "west-1" serves workspace west, not default' }]);
    expect(await json(await b.call('GET', `/subscribers/${dee.id}`))).toMatchObject({ local_nas: 'core-1', plan: 'home-10' }); // nothing of it applied

    expect(await json(await patch({ auth: 'radius' }))).toMatchObject({ auth: 'radius', local_nas: null, local_name: null, local_service: null });
    expect((await listJobs(b.database.db, { subscriberId: Number(dee.id) })).map((j) => j.kind)).toEqual(['manual', 'manual', 'manual', 'manual']);
  });
});
