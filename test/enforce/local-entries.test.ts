/**
 * Router-local subscribers (src/enforce/local-entry.ts, docs/mixed-fleet.md): the router checks its own /ppp secret
 * or /ip hotspot user entry, so enforcement switches that entry over the RouterOS API (a fake router speaking the
 * real wire protocol) and removes the live session — status changes made through billing, as an operator makes them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { createClaimedJob, listJobs } from '../../src/enforce/jobs.js';
import { EnforcementWorkers } from '../../src/enforce/workers.js';
import { createLogger } from '../../src/log.js';
import { Code } from '../../src/radius/codes.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { FakeRouterOs, type Row } from '../helpers/fake-routeros.js';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscriber, subscriberRecords } from '../helpers/subscribers.js';
import { changeStatus, fastWorkers, nasEntry, sessionRow, settled } from './helpers.js';

const API_PASSWORD = 'api-pw-7f3c91e2';
let t: TestRadgate;
let core1: FakeNas; // RADIUS + the RouterOS API on `router`
let core2: FakeNas; // no API credentials
let router: FakeRouterOs;
const db = () => t.radgate.database.db;
const silent = createLogger({ level: 'silent' });

beforeAll(async () => {
  core1 = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
  core2 = await FakeNas.start({ address: '127.0.0.3', secret: 'core2-secret-0123456789' });
  router = await FakeRouterOs.start({ user: 'radgate', password: API_PASSWORD });
  t = await startTestRadgate({
    config: {
      'server.yaml': (text) => fastWorkers(text),
      'nas.yaml': (text) => text + nasEntry('core1', core1, { api: { port: router.port, password: API_PASSWORD } }) + nasEntry('core2', core2),
    },
  });
});

afterAll(async () => {
  await t?.stop();
  await Promise.all([core1?.stop(), core2?.stop(), router?.stop()]);
});

beforeEach(() => {
  core1.reset();
  router.clearInjections();
  router.refuseLogin = false;
});

/** A PPP secret on the router and its subscriber, marked local on core1; `online` adds its /ppp/active row. */
async function pppUser(name: string, options: { online?: boolean; profile?: string; comment?: string; plan?: string } = {}) {
  const secret: Row = { name, password: `pw-${name}`, service: 'pppoe', profile: options.profile ?? 'home' };
  if (options.comment !== undefined) secret['comment'] = options.comment;
  router.seed('/ppp/secret', [secret]);
  if (options.online) router.seed('/ppp/active', [{ name, service: 'pppoe', address: '10.10.0.9', 'session-id': '0x81C00001' }]);
  return addSubscriber(t, { username: name, plan: options.plan ?? 'home-10', auth: 'local', localNas: 'core1' });
}

const secretOf = (name: string) => router.rows('/ppp/secret').find((r) => r['name'] === name);
const activeOf = (name: string) => router.rows('/ppp/active').filter((r) => r['name'] === name);
/** The commands the router received from `from` on, as their first word. */
const commandsSince = (from: number) => router.commands.slice(from).map((c) => c.words[0]);

/** `radgate enforce USER`'s path: a manual job, claimed and run by an instance of its own. */
async function enforceNow(username: string, config: () => Config = () => t.radgate.config) {
  const subscriber = await subscriberRecords(t).get('default', username);
  const workers = new EnforcementWorkers({ database: t.radgate.database, config, log: silent, instanceId: `test:${username}` });
  try {
    const job = await createClaimedJob(db(), workers.instanceId, 30, {
      subscriberId: subscriber.id, workspaceId: 'default', kind: 'manual', fromStatus: null, toStatus: subscriber.status, reason: 'test',
    });
    return await workers.runJob(job);
  } finally {
    await workers.close();
  }
}

describe('a PPP secret', () => {
  it('expires while online: the secret gets the expired profile and its /ppp/active row is removed', async () => {
    await pppUser('lou', { online: true });
    router.seed('/ppp/active', [{ name: 'other', service: 'pppoe', address: '10.10.0.99' }]);
    const from = router.commands.length;
    const { job, attempts } = await settled(db(), await changeStatus(t, 'lou', 'expired'));

    expect(job.state).toBe('done');
    expect(secretOf('lou')).toMatchObject({ profile: 'expired', comment: 'radgate:lou', password: 'pw-lou' });
    expect(secretOf('lou')!['disabled']).toBeUndefined(); // never touched: it was not disabled
    expect(activeOf('lou')).toEqual([]);
    expect(activeOf('other')).toHaveLength(1);
    expect(commandsSince(from)).toEqual(['/ppp/secret/print', '/ppp/secret/set', '/ppp/active/print', '/ppp/active/remove']);
    const set = router.commands.find((c) => c.words[0] === '/ppp/secret/set')!;
    expect(set.words.slice(1).sort()).toEqual([`=.id=${secretOf('lou')!['.id']}`, '=comment=radgate:lou', '=profile=expired']);
    expect(attempts.map((a) => [a.nas, a.method, a.result, a.sessionId])).toEqual([['core1', 'api', 'ack', null], ['core1', 'api', 'removed', null]]);
    expect(attempts[0]!.detail).toBe('API: /ppp/secret lou on core1: profile home → expired, comment set to radgate:lou');
    expect(job.outcome).toMatch(/^expired profile \(expired\): \/ppp\/secret lou on core1 switched \(profile home → expired\) → removed \/ppp\/active \*\w+ \(lou\)$/);
    expect(core1.received).toEqual([]); // no CoA or Disconnect for a local subscriber
    expect(t.rawLog()).not.toContain(API_PASSWORD);
    expect(t.rawLog()).not.toContain('pw-lou');
  });

  it('expires while offline: the secret is switched and no remove is sent', async () => {
    await pppUser('max');
    const from = router.commands.length;
    const { job } = await settled(db(), await changeStatus(t, 'max', 'expired'));
    expect(job.state).toBe('done');
    expect(secretOf('max')!['profile']).toBe('expired');
    expect(commandsSince(from)).toEqual(['/ppp/secret/print', '/ppp/secret/set', '/ppp/active/print']);
    expect(job.outcome).toBe('offline: /ppp/secret max on core1 switched (profile home → expired); the next login gets the expired profile (expired)');
  });

  it('a payment restores the plan profile and reconnects; suspension disables the secret and reconnects', async () => {
    const nia = await pppUser('nia', { online: true });
    const billing = t.radgate.billing;
    await billing.setPaidUntil(nia.id, new Date(Date.now() - 5 * 86_400_000), 'paid through five days ago', 'test');
    const [expire] = await listJobs(db(), { subscriberId: nia.id, limit: 1 });
    expect((await settled(db(), expire!.id)).job.toStatus).toBe('expired');
    expect(secretOf('nia')!['profile']).toBe('expired');
    expect(activeOf('nia')).toEqual([]);

    router.seed('/ppp/active', [{ name: 'nia', service: 'pppoe', address: '10.10.0.9' }]); // logged in again, expired
    await billing.pay({ subscriberId: nia.id, amount: 2500, actor: 'test', reference: 'nia-1' });
    const [restore] = await listJobs(db(), { subscriberId: nia.id, limit: 1 });
    const restored = await settled(db(), restore!.id);
    expect(restored.job).toMatchObject({ state: 'done', toStatus: 'active' });
    expect(secretOf('nia')).toMatchObject({ profile: 'home', comment: 'radgate:nia' });
    expect(activeOf('nia')).toEqual([]);
    expect(restored.job.outcome).toMatch(/^plan home-10 \(profile home\): \/ppp\/secret nia on core1 switched \(profile expired → home\) → removed/);

    router.seed('/ppp/active', [{ name: 'nia', service: 'pppoe', address: '10.10.0.9' }]);
    const suspended = await settled(db(), await changeStatus(t, 'nia', 'suspended'));
    expect(suspended.job.state).toBe('done');
    expect(secretOf('nia')).toMatchObject({ profile: 'home', disabled: 'yes' }); // the profile is left as it is
    expect(activeOf('nia')).toEqual([]);
    expect(suspended.job.outcome).toMatch(/^disabled \(suspended\): \/ppp\/secret nia on core1 switched \(disabled\) → removed/);

    // Back to active: enabled again.
    const active = await settled(db(), await changeStatus(t, 'nia', 'active'));
    expect(secretOf('nia')).toMatchObject({ profile: 'home', disabled: 'no' });
    expect(active.job.outcome).toBe('offline: /ppp/secret nia on core1 switched (enabled); the next login gets the plan home-10 (profile home)');
  });

  it('a second run changes nothing and says so: no set, no remove', async () => {
    await pppUser('ola', { online: true });
    await settled(db(), await changeStatus(t, 'ola', 'expired'));
    router.seed('/ppp/active', [{ name: 'ola', service: 'pppoe', address: '10.10.0.9' }]);
    const from = router.commands.length;
    const run = await enforceNow('ola');
    expect(run.finish).toEqual({ state: 'done', outcome: 'no change: /ppp/secret ola on core1 already has the expired profile (expired)' });
    expect(commandsSince(from)).toEqual(['/ppp/secret/print']);
    expect(activeOf('ola')).toHaveLength(1);
    expect(run.attempts.map((a) => [a.method, a.result, a.detail])).toEqual([['api', 'ack', 'API: /ppp/secret ola on core1: already in line, no change']]);
  });

  it("an operator's comment is kept and the outcome says so", async () => {
    await pppUser('pam', { comment: 'VIP: call before any change' });
    const { job } = await settled(db(), await changeStatus(t, 'pam', 'expired'));
    expect(secretOf('pam')).toMatchObject({ profile: 'expired', comment: 'VIP: call before any change' });
    const set = router.commands.filter((c) => c.words[0] === '/ppp/secret/set').at(-1)!;
    expect(set.words.some((w) => w.startsWith('=comment='))).toBe(false);
    expect(job.outcome).toContain("; the operator's comment was left as it is");
    // An older radgate tag (another username) is radgate's own: rewritten.
    await pppUser('pia', { comment: 'radgate:old-name' });
    await settled(db(), await changeStatus(t, 'pia', 'expired'));
    expect(secretOf('pia')!['comment']).toBe('radgate:pia');
  });

  it('local_name: the entry is found by its router-side name', async () => {
    router.seed('/ppp/secret', [{ name: 'quinn@tower3', password: 'x', profile: 'home' }]);
    await addSubscriber(t, { username: 'quinn', plan: 'home-10', auth: 'local', localNas: 'core1', localName: 'quinn@tower3' });
    const { job } = await settled(db(), await changeStatus(t, 'quinn', 'expired'));
    expect(job.state).toBe('done');
    expect(secretOf('quinn@tower3')).toMatchObject({ profile: 'expired', comment: 'radgate:quinn' });
  });

  it('set-auth local queues a job that brings the entry in line at once', async () => {
    router.seed('/ppp/secret', [{ name: 'rex', password: 'x', profile: 'default' }]);
    router.seed('/ppp/active', [{ name: 'rex', service: 'pppoe', address: '10.10.0.12' }]);
    const rex = await addSubscriber(t, { username: 'rex', plan: 'business-50' });
    await subscriberRecords(t).setLocalAuth('default', 'rex', { auth: 'local', localNas: 'core1' }, 'test');
    const [queued] = await listJobs(db(), { subscriberId: rex.id, limit: 1 });
    expect(queued).toMatchObject({ kind: 'manual', reason: 'test' });
    const { job } = await settled(db(), queued!.id);
    expect(job.state).toBe('done');
    expect(secretOf('rex')).toMatchObject({ profile: 'business', comment: 'radgate:rex' });
    expect(activeOf('rex')).toEqual([]);
  });

  it('a deleted subscriber: the secret is disabled', async () => {
    const sid = await pppUser('sid');
    await t.radgate.billing.delete(sid.id, 'test');
    const [deleted] = await listJobs(db(), { subscriberId: sid.id, limit: 1 });
    const { job } = await settled(db(), deleted!.id);
    expect(job.outcome).toBe('offline: /ppp/secret sid on core1 switched (disabled); the next login gets the disabled (deleted)');
    expect(secretOf('sid')!['disabled']).toBe('yes');
  });
});

describe('a HotSpot user', () => {
  it('the same through /ip/hotspot/user and /ip/hotspot/active, cookies included', async () => {
    router.seed('/ip/hotspot/user', [{ name: 'hana', password: 'x', profile: 'home', server: 'hs1' }]);
    router.seed('/ip/hotspot/active', [{ user: 'hana', address: '10.20.0.5', 'mac-address': '02:00:00:00:00:05' }]);
    router.seed('/ip/hotspot/cookie', [{ user: 'hana', 'mac-address': '02:00:00:00:00:05' }]);
    await addSubscriber(t, { username: 'hana', plan: 'home-10', auth: 'local', localNas: 'core1', localService: 'hotspot' });
    const { job, attempts } = await settled(db(), await changeStatus(t, 'hana', 'expired'));
    expect(job.state).toBe('done');
    expect(router.rows('/ip/hotspot/user')[0]).toMatchObject({ name: 'hana', profile: 'expired', comment: 'radgate:hana' });
    expect(router.rows('/ip/hotspot/active').filter((r) => r['user'] === 'hana')).toEqual([]);
    expect(router.rows('/ip/hotspot/cookie').filter((r) => r['user'] === 'hana')).toEqual([]);
    expect(router.rows('/ppp/secret').some((r) => r['name'] === 'hana')).toBe(false);
    expect(attempts.map((a) => a.result)).toEqual(['ack', 'removed']);
    expect(job.outcome).toMatch(/^expired profile \(expired\): \/ip\/hotspot\/user hana on core1 switched \(profile home → expired\) → removed \/ip\/hotspot\/active \*\w+ \(hana\), 1 cookie\(s\)$/);

    const suspended = await settled(db(), await changeStatus(t, 'hana', 'suspended'));
    expect(suspended.job.state).toBe('done');
    expect(router.rows('/ip/hotspot/user')[0]).toMatchObject({ disabled: 'yes' });
  });
});

describe('failures', () => {
  it('the router drops the connection on every set: retried, then failed with a clear outcome', async () => {
    await pppUser('tia', { online: true });
    router.inject('/ppp/secret/set', 'close');
    const { job, attempts } = await settled(db(), await changeStatus(t, 'tia', 'expired'));
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(2);
    expect(job.outcome).toMatch(/^\/ppp\/secret tia on core1: the RouterOS API failed: RouterOS API of core1 .*closed.* \(attempt 2 of 2; giving up\)$/);
    expect(attempts.map((a) => [a.method, a.result])).toEqual([['api', 'error'], ['api', 'error']]);
    expect(secretOf('tia')!['profile']).toBe('home');
    expect(activeOf('tia')).toHaveLength(1);
  });

  it('dropped after the switch, before the kick: the retry removes the session although the entry is in line', async () => {
    await pppUser('uma', { online: true });
    router.inject('/ppp/active/print', 'close', { times: 1 });
    const { job, attempts } = await settled(db(), await changeStatus(t, 'uma', 'expired'));
    expect(job.state).toBe('done');
    expect(job.attempts).toBe(2);
    expect(attempts.map((a) => a.result)).toEqual(['ack', 'error', 'ack', 'removed']);
    expect(attempts[2]!.detail).toBe('API: /ppp/secret uma on core1: already in line, no change');
    expect(secretOf('uma')!['profile']).toBe('expired');
    expect(activeOf('uma')).toEqual([]);
  });

  it('a wrong API password: retried, then failed naming the login, never the password', async () => {
    await pppUser('vic');
    router.refuseLogin = 'invalid user name or password (6)'; // the API user's password was changed on the router
    router.dropConnections();
    const { job } = await settled(db(), await changeStatus(t, 'vic', 'expired'));
    expect(job.state).toBe('failed');
    expect(job.outcome).toContain('refused the login of user "radgate": invalid user name or password (6)');
    expect(job.outcome).not.toContain(API_PASSWORD);
    expect(t.rawLog()).not.toContain(API_PASSWORD);
    expect(secretOf('vic')!['profile']).toBe('home');
  });

  it('a router that stops answering: the attempt times out (api timeout 5 s) and the retry succeeds', async () => {
    await pppUser('val', { online: true });
    router.inject('/ppp/secret/print', 'hang', { times: 1 });
    const { job, attempts } = await settled(db(), await changeStatus(t, 'val', 'expired'));
    expect(job).toMatchObject({ state: 'done', attempts: 2 });
    expect(attempts[0]).toMatchObject({ result: 'error', detail: expect.stringMatching(/^API error: RouterOS API of core1.*5(\.0)? ?s/) });
    expect(attempts.slice(1).map((a) => a.result)).toEqual(['ack', 'removed']);
    expect(secretOf('val')!['profile']).toBe('expired');
  });

  it('a trap on set: retried, then failed with the router\'s message', async () => {
    await pppUser('wes');
    router.inject('/ppp/secret/set', { trap: { category: 1, message: 'input does not match any value of profile' } });
    const { job } = await settled(db(), await changeStatus(t, 'wes', 'expired'));
    expect(job.state).toBe('failed');
    expect(job.outcome).toContain('input does not match any value of profile');
  });

  it('the entry is not on the router: retried, then failed with its name', async () => {
    await addSubscriber(t, { username: 'xena', plan: 'home-10', auth: 'local', localNas: 'core1' });
    const { job, attempts } = await settled(db(), await changeStatus(t, 'xena', 'expired'));
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(2);
    expect(job.outcome).toBe('entry xena not in /ppp/secret on core1 (attempt 2 of 2; giving up)');
    expect(attempts.map((a) => [a.result, a.detail])).toEqual([['error', 'API: entry xena not in /ppp/secret on core1'], ['error', 'API: entry xena not in /ppp/secret on core1']]);
  });

  it('a NAS without api: fails at once', async () => {
    await addSubscriber(t, { username: 'yan', plan: 'home-10', auth: 'local', localNas: 'core2' });
    const { job, attempts } = await settled(db(), await changeStatus(t, 'yan', 'expired'));
    expect(job).toMatchObject({ state: 'failed', attempts: 1 });
    expect(job.outcome).toBe("NAS core2 has no api: credentials in nas.yaml: radgate cannot switch yan's /ppp/secret entry");
    expect(attempts).toEqual([]);
  });

  it('a NAS no longer in nas.yaml: fails at once', async () => {
    await pppUser('zoe');
    const withoutCore1 = (): Config => ({ ...t.radgate.config, nas: t.radgate.config.nas.filter((n) => n.name !== 'core1') });
    const run = await enforceNow('zoe', withoutCore1);
    expect(run.finish).toEqual({ state: 'failed', outcome: "NAS core1 (the router holding zoe's /ppp/secret entry) is not in nas.yaml" });
  });
});

describe('a mixed NAS', () => {
  it('a RADIUS and a local subscriber on one router expire together: each restricted its own way', async () => {
    // rita logs in over RADIUS (accounting tells radgate); lena is a local secret, and RouterOS accounting also
    // reports her session to radgate — which must not get her a CoA.
    await addSubscriber(t, { username: 'rita', plan: 'home-10' });
    await core1.accounting(t.radgate.ports.acct, 'Start', { user: 'rita', sessionId: '81d00001', framedIp: '100.64.9.1' });
    await pppUser('lena', { online: true });
    await core1.accounting(t.radgate.ports.acct, 'Start', { user: 'lena', sessionId: '81d00002', framedIp: '10.10.0.9' });
    await eventually(async () => (await sessionRow(db(), '81d00001')) !== undefined && (await sessionRow(db(), '81d00002')) !== undefined, 20_000, 'both sessions');

    const [ritaJob, lenaJob] = [await changeStatus(t, 'rita', 'expired'), await changeStatus(t, 'lena', 'expired')];
    const rita = await settled(db(), ritaJob);
    const lena = await settled(db(), lenaJob);

    expect(rita.job).toMatchObject({ state: 'done', outcome: 'expired profile → 1 session(s): core1 rita/81d00001: CoA-ACK' });
    expect(core1.requests(Code.CoaRequest).map((r) => r.attributes['User-Name'])).toEqual(['rita']);
    expect(core1.requests(Code.DisconnectRequest)).toEqual([]);
    expect(lena.job.state).toBe('done');
    expect(lena.job.outcome).toMatch(/^expired profile \(expired\): \/ppp\/secret lena on core1 switched \(profile home → expired\) → removed/);
    expect(lena.attempts.every((a) => a.method === 'api')).toBe(true);
    expect(rita.attempts.map((a) => a.method)).toEqual(['coa']);
    expect(secretOf('lena')!['profile']).toBe('expired');
    expect(secretOf('rita')).toBeUndefined();
  });
});
