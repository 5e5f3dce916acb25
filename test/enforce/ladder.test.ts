/**
 * The enforcement ladder end to end inside radgate: a router (fake NAS, real RADIUS) reports a session by
 * accounting, a status change goes through the outbox, the workers push it — CoA, Disconnect, RouterOS API — and
 * every attempt and the outcome land in the database.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../src/radius/codes.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { FakeRouterOs } from '../helpers/fake-routeros.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscriber } from '../helpers/subscribers.js';
import { changeStatus, fastWorkers, nasEntry, sessionRow, settled } from './helpers.js';

let t: TestRadgate;
let core1: FakeNas; // no API credentials
let core2: FakeNas; // RouterOS API on `router`
let router: FakeRouterOs;
let acctPort: number;
const db = () => t.radgate.database.db;

beforeAll(async () => {
  core1 = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
  core2 = await FakeNas.start({ address: '127.0.0.3', secret: 'core2-secret-0123456789' });
  router = await FakeRouterOs.start({ user: 'radgate', password: 'api-pw' });
  t = await startTestRadgate({
    config: {
      'server.yaml': (text) => fastWorkers(text),
      'nas.yaml': (text) => text + nasEntry('core1', core1) + nasEntry('core2', core2, { api: { port: router.port, password: 'api-pw' } }),
    },
  });
  acctPort = t.radgate.ports.acct;
});

afterAll(async () => {
  await t?.stop();
  await Promise.all([core1?.stop(), core2?.stop(), router?.stop()]);
});

beforeEach(() => {
  core1.reset();
  core2.reset();
});

/** A subscriber online on `nas` with one session. */
async function online(nas: FakeNas, username: string, sessionId: string, framedIp: string, plan = 'business-50') {
  const { id } = await addSubscriber(t, { username, plan });
  await nas.accounting(acctPort, 'Start', { user: username, sessionId, framedIp });
  await eventually(async () => (await sessionRow(db(), sessionId)) !== undefined, 20_000, 'the session');
  return id;
}

describe('the ladder', () => {
  it('CoA ACK: the expired profile reaches the session, nothing else is sent', async () => {
    await online(core1, 'ann', '81a00001', '100.64.0.1');
    const jobId = await changeStatus(t, 'ann', 'expired');
    const { job, attempts } = await settled(db(), jobId);

    expect(job.state).toBe('done');
    const [coa, ...rest] = core1.requests(Code.CoaRequest);
    expect(rest).toEqual([]);
    expect(core1.requests(Code.DisconnectRequest)).toEqual([]);
    expect(core1.dropped).toEqual([]); // authenticator and Message-Authenticator verified by the NAS
    expect(coa!.attributes).toMatchObject({
      'NAS-IP-Address': '127.0.0.2',
      'User-Name': 'ann',
      'Acct-Session-Id': '81a00001',
      'Framed-IP-Address': '100.64.0.1',
      'Mikrotik-Group': 'expired',
      'Mikrotik-Rate-Limit': '256k/256k',
      'Mikrotik-Address-List': 'radgate-unpaid',
    });
    expect(coa!.attributes['Event-Timestamp']).toEqual(expect.any(Number));
    expect(coa!.attributes['Message-Authenticator']).toBeDefined();
    expect(coa!.attributes['Framed-Pool']).toBeUndefined(); // a CoA cannot change the pool: never sent
    expect(attempts.map((a) => [a.nas, a.method, a.result, a.errorCause])).toEqual([['core1', 'coa', 'ack', null]]);
    expect(job.outcome).toBe('expired profile → 1 session(s): core1 ann/81a00001: CoA-ACK');
  });

  it('CoA NAK → Disconnect ACK, the Disconnect carrying the identification only', async () => {
    core1.coa = { nak: 401 };
    await online(core1, 'ben', '81a00002', '100.64.0.2');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'ben', 'expired'));

    expect(job.state).toBe('done');
    expect(attempts.map((a) => [a.method, a.result, a.errorCause])).toEqual([['coa', 'nak', 401], ['disconnect', 'ack', null]]);
    const [disconnect] = core1.requests(Code.DisconnectRequest);
    expect(Object.keys(disconnect!.attributes).sort()).toEqual(
      ['Acct-Session-Id', 'Event-Timestamp', 'Framed-IP-Address', 'Message-Authenticator', 'NAS-IP-Address', 'User-Name'],
    );
    expect(job.outcome).toBe('expired profile → 1 session(s): core1 ben/81a00002: CoA-NAK 401 Unsupported-Attribute → Disconnect-ACK');
  });

  it('CoA silent → Disconnect silent → the API kick removes exactly that /ppp/active row', async () => {
    core2.coa = 'silent';
    core2.disconnect = 'silent';
    router.seed('/ppp/active', [
      { name: 'cat', address: '100.64.0.3', 'session-id': '0x81A00003', service: 'pppoe' },
      { name: 'other', address: '100.64.0.99', 'session-id': '0x81A00099', service: 'pppoe' },
    ]);
    await online(core2, 'cat', '81a00003', '100.64.0.3');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'cat', 'expired'));

    expect(job.state).toBe('done');
    expect(attempts.map((a) => [a.nas, a.method, a.result])).toEqual([['core2', 'coa', 'timeout'], ['core2', 'disconnect', 'timeout'], ['core2', 'api', 'removed']]);
    expect(core2.requests(Code.CoaRequest, true)).toHaveLength(2); // coa_tries: 2, same packet twice
    expect(router.rows('/ppp/active').map((r) => r['name'])).toEqual(['other']);
    expect(router.commands.map((c) => c.words[0])).toEqual(['/ppp/active/print', '/ppp/active/remove']);
    expect(job.outcome).toMatch(/^expired profile → 1 session\(s\): core2 cat\/81a00003: CoA: no answer \(2 tries, [\d.]+ s\) → Disconnect: no answer \(2 tries, [\d.]+ s\) → API: removed \/ppp\/active \*\w+ \(cat\)$/);
  });

  it('Disconnect-NAK 503 means already gone: done, and the session is closed', async () => {
    core1.coa = { nak: 503 };
    core1.disconnect = { nak: 503 };
    await online(core1, 'dan', '81a00004', '100.64.0.4');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'dan', 'expired'));

    expect(job.state).toBe('done');
    expect(attempts.map((a) => [a.method, a.result, a.errorCause])).toEqual([['coa', 'nak', 503], ['disconnect', 'nak', 503]]);
    expect(job.outcome).toContain('Disconnect-NAK 503 Session-Context-Not-Found (already gone)');
    const session = await sessionRow(db(), '81a00004');
    expect(session!.stoppedAt).not.toBeNull();
    expect(session!.terminateCause).toBe('Lost-Service');
  });

  it('no API credentials: the job fails with the operator-facing reason, after max_attempts', async () => {
    core1.coa = 'silent';
    core1.disconnect = 'silent';
    await online(core1, 'eve', '81a00005', '100.64.0.5');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'eve', 'expired'));

    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(2);
    expect(job.outcome).toMatch(/^NAS core1 did not answer CoA or Disconnect and has no API credentials configured .*\(attempt 2 of 2; giving up\)$/);
    expect(attempts.map((a) => [a.method, a.result])).toEqual([['coa', 'timeout'], ['disconnect', 'timeout'], ['coa', 'timeout'], ['disconnect', 'timeout']]);
    const log = t.logs.find((l) => l['msg'] === 'enforcement job failed' && l['job'] === job.id);
    expect(log?.['outcome']).toBe(job.outcome);
    expect((await sessionRow(db(), '81a00005'))!.stoppedAt).toBeNull();
  });

  it('the API finding no row (!empty) means already gone', async () => {
    core2.coa = 'silent';
    core2.disconnect = 'silent';
    await online(core2, 'fay', '81a00006', '100.64.0.6');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'fay', 'expired'));
    expect(job.state).toBe('done');
    expect(attempts.at(-1)).toMatchObject({ method: 'api', result: 'gone' });
    expect((await sessionRow(db(), '81a00006'))!.stoppedAt).not.toBeNull();
  });

  it('a retry after a silent router succeeds on the next attempt', async () => {
    let tries = 0;
    core1.coa = () => (++tries <= 2 ? 'silent' : 'ack'); // the first attempt's two tries go unanswered
    core1.disconnect = 'silent';
    await online(core1, 'gus', '81a00007', '100.64.0.7');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'gus', 'expired'));
    expect(job.state).toBe('done');
    expect(job.attempts).toBe(2);
    expect(attempts.map((a) => [a.method, a.result])).toEqual([['coa', 'timeout'], ['disconnect', 'timeout'], ['coa', 'ack']]);
  });
});

describe('what is pushed', () => {
  it('an offline subscriber: nothing to push, the job says so', async () => {
    await addSubscriber(t, { username: 'hal', plan: 'business-50' });
    const { job, attempts } = await settled(db(), await changeStatus(t, 'hal', 'expired'));
    expect(job.state).toBe('done');
    expect(job.outcome).toBe("offline: no open session; hal's next login gets the expired profile");
    expect(attempts).toEqual([]);
  });

  it('a restore reconnects by default: a CoA cannot remove the radgate-unpaid entry', async () => {
    await online(core1, 'ida', '81a00008', '100.64.0.8');
    await settled(db(), await changeStatus(t, 'ida', 'expired'));
    core1.reset();
    const { job } = await settled(db(), await changeStatus(t, 'ida', 'active'));
    expect(job.state).toBe('done');
    expect(core1.requests(Code.CoaRequest)).toEqual([]);
    expect(core1.requests(Code.DisconnectRequest)).toHaveLength(1);
    expect(job.outcome).toBe('plan business-50 → 1 session(s): core1 ida/81a00008: Disconnect-ACK');
  });

  it('suspension disconnects (no CoA can refuse a session)', async () => {
    await online(core1, 'jon', '81a00009', '100.64.0.9');
    const { job } = await settled(db(), await changeStatus(t, 'jon', 'suspended'));
    expect(job.state).toBe('done');
    expect(core1.requests(Code.CoaRequest)).toEqual([]);
    expect(core1.requests(Code.DisconnectRequest)).toHaveLength(1);
  });

  it('active → due_soon keeps the plan: nothing is sent', async () => {
    await online(core1, 'kim', '81a0000a', '100.64.0.10');
    const { job } = await settled(db(), await changeStatus(t, 'kim', 'due_soon'));
    expect(job.outcome).toBe('no change to push: active → due_soon keeps the plan business-50');
    expect(core1.received).toEqual([]);
  });
});
