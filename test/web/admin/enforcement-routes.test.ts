/** The admin API's enforcement routes, over HTTP against a running radgate and a fake NAS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../../src/web/admin/auth.js';
import { Code } from '../../../src/radius/codes.js';
import { FakeNas } from '../../helpers/fake-nas.js';
import { startTestRadgate, type TestRadgate } from '../../helpers/radgate.js';
import { eventually } from '../../helpers/eventually.js';
import { addSubscriber } from '../../helpers/subscribers.js';
import { changeStatus, fastWorkers, nasEntry, sessionRow, settled } from '../../enforce/helpers.js';

const write = generateToken('billing-system', 'write');
const read = generateToken('dashboard', 'read');
let t: TestRadgate;
let core1: FakeNas;
let subscriberId: number;

beforeAll(async () => {
  core1 = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
  t = await startTestRadgate({
    config: {
      'server.yaml': (text) => fastWorkers(text, { maxAttempts: 1 }),
      'nas.yaml': (text) => text + nasEntry('core1', core1),
      'admin.yaml': `tokens:\n${write.yaml}\n${read.yaml}\n`,
    },
  });
  subscriberId = (await addSubscriber(t, { username: 'mia', plan: 'business-50' })).id;
  await core1.accounting(t.radgate.ports.acct, 'Start', { user: 'mia', sessionId: '81c00001', framedIp: '100.64.9.1' });
  await eventually(async () => (await sessionRow(t.radgate.database.db, '81c00001')) !== undefined);
});

afterAll(async () => {
  await t?.stop();
  await core1?.stop();
});

async function call(method: string, path: string, token = read.token): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${t.radgate.ports.http}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('/api/v1/enforcement', () => {
  it('a failed job is listed with the operator-facing reason, and its attempts', async () => {
    core1.coa = 'silent';
    core1.disconnect = 'silent';
    const jobId = await changeStatus(t, 'mia', 'expired');
    await settled(t.radgate.database.db, jobId);

    const list = await call('GET', '/enforcement/jobs?failed=true');
    expect(list.status).toBe(200);
    const [job] = list.body['items'] as Array<Record<string, unknown>>;
    expect(job).toMatchObject({ id: jobId, subscriber_id: subscriberId, username: 'mia', kind: 'status', from_status: 'active', to_status: 'expired', state: 'failed', attempts: 1 });
    expect(job!['outcome']).toMatch(/^NAS core1 did not answer CoA or Disconnect and has no API credentials configured /);

    const one = await call('GET', `/enforcement/jobs/${jobId}`);
    expect(one.status).toBe(200);
    expect((one.body['attempts'] as Array<Record<string, unknown>>).map((a) => [a['nas'], a['method'], a['result'], a['acct_session_id']])).toEqual([
      ['core1', 'coa', 'timeout', '81c00001'],
      ['core1', 'disconnect', 'timeout', '81c00001'],
    ]);
  });

  it('POST /subscribers/{id}/enforce queues a manual job that the workers run', async () => {
    core1.reset();
    core1.coa = { nak: 404 };
    expect((await call('POST', `/subscribers/${subscriberId}/enforce`)).status).toBe(403); // a read token
    const created = await call('POST', `/subscribers/${subscriberId}/enforce`, write.token);
    expect(created.status).toBe(202);
    const job = created.body['job'] as Record<string, unknown>;
    expect(job).toMatchObject({ kind: 'manual', to_status: 'expired', reason: 'api:billing-system' });
    const { job: done } = await settled(t.radgate.database.db, job['id'] as number);
    expect(done.state).toBe('done');
    expect(core1.requests(Code.DisconnectRequest)).toHaveLength(1);
    const detail = await call('GET', `/enforcement/jobs/${done.id}`);
    expect((detail.body['attempts'] as Array<Record<string, unknown>>)[0]).toMatchObject({ method: 'coa', result: 'nak', error_cause: 404, error_cause_name: 'Invalid-Request' });
  });

  it('/metrics counts waiting, running and failed jobs', async () => {
    const text = await (await fetch(`http://127.0.0.1:${t.radgate.ports.metrics}/metrics`)).text();
    expect(text).toContain('radgate_enforcement_jobs{state="failed"} 1');
    expect(text).toContain('radgate_enforcement_jobs{state="pending"} 0');
  });

  it('404 for an unknown job', async () => {
    const missing = await call('GET', '/enforcement/jobs/999999');
    expect(missing).toEqual({ status: 404, body: { error: { code: 'ENFORCEMENT_JOB_NOT_FOUND', message: 'no enforcement job #999999' } } });
  });
});
