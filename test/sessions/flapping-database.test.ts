/**
 * A flapping database (PostgreSQL through a TCP proxy the test controls): for 20 s under accounting load the path
 * is cut (clean closes and resets, alternately) and restored, over and over. The radgate process stays up, /readyz
 * answers 503 while the database is gone and 200 after, every Accounting-Response a NAS received is in the
 * database, and the log stays small. PostgreSQL only.
 *
 * Enforcement goes through the same cuts: subscribers with live sessions on a router (a fake NAS, restore: coa) are
 * expired (paid_until in the past) and restored (a payment) over and over through the admin API, an operator's
 * retry after every refused call, and each change waits until the router received its CoA before the next one
 * (so no job is merged into a newer one). Afterwards every acknowledged change has its own job, done with a CoA-ACK,
 * and the router saw each subscriber's changes in order, each CoA with that change's profile; no job is left
 * pending or running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { FakeNas, type ReceivedRequest } from '../helpers/fake-nas.js';
import { eventually } from '../helpers/eventually.js';
import { Code } from '../../src/radius/codes.js';
import { generateToken } from '../../src/web/admin/auth.js';
import { fastWorkers, nasEntry } from '../enforce/helpers.js';
import { allSessions, login, RetryingNas } from './helpers.js';
import { freeUdpPort, RadgateProcess } from './process.js';

const FLAP_MS = 20_000;
const LOOPS = 16;
const DAY = 86_400_000;
/** Subscribers whose status is changed during the cuts, each with one live session on the router. */
const PAYERS = Array.from({ length: 6 }, (_, i) => ({ username: `payer-${i}`, sessionId: `enf-${i}`, framedIp: `100.64.9.${i + 1}` }));

type Target = 'expired' | 'active';
/** The profile attributes a CoA carries (src/enforce/push.ts COA_CHANGEABLE) for each target, from the example config. */
const PROFILE: Record<Target, Record<string, string | number>> = {
  // workspaces.yaml expired_profile
  expired: { 'Mikrotik-Group': 'expired', 'Mikrotik-Address-List': 'radgate-unpaid', 'Mikrotik-Rate-Limit': '256k/256k' },
  // plans.yaml home-10
  active: { 'Mikrotik-Group': 'home', 'Mikrotik-Rate-Limit': '2M/10M', 'Session-Timeout': 86_400, 'Idle-Timeout': 900 },
};
const PROFILE_ATTRIBUTES = ['Mikrotik-Group', 'Mikrotik-Address-List', 'Mikrotik-Rate-Limit', 'Session-Timeout', 'Idle-Timeout'];

/** Which target's profile a CoA carries, exactly (no attribute more or less); undefined for anything else. */
function profileOf(request: ReceivedRequest): Target | undefined {
  const carried = Object.fromEntries(PROFILE_ATTRIBUTES.filter((a) => a in request.attributes).map((a) => [a, request.attributes[a]]));
  return (Object.keys(PROFILE) as Target[]).find((t) => JSON.stringify(carried) === JSON.stringify(PROFILE[t]));
}

interface JobOut {
  id: number;
  subscriber_id: number;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  state: string;
  attempts: number;
  outcome: string | null;
}

describe.skipIf(!process.env.DATABASE_URL)('the database path flaps for 20 s under load', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let server: RadgateProcess;
  let acctPort: number;
  let authPort: number;
  let router: FakeNas;
  const token = generateToken('billing-system', 'write');

  beforeAll(async () => {
    testDb = await freshDatabase();
    const direct = new URL(testDb.databaseUrl as string);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const throughProxy = new URL(direct);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    router = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
    server = new RadgateProcess({
      // The example's log level (what an operator runs); an admin token; the router, which takes a restore as a
      // CoA (so every change is one CoA with the new profile); workers that poll often, with a short lease.
      configDir: testConfig({
        'admin.yaml': `tokens:\n${token.yaml}\n`,
        'nas.yaml': (text) => text + nasEntry('core1', router, { enforcement: '{ coa_timeout: 200ms, coa_tries: 3, restore: coa }' }),
        'server.yaml': (text) => fastWorkers(text, { lease: '5s' }),
      }),
      dataDir: testDb.dataDir,
      databaseUrl: throughProxy.toString(),
      authPort: (authPort = await freeUdpPort()),
      acctPort: (acctPort = await freeUdpPort()),
    });
  });
  afterAll(async () => {
    await server?.kill9();
    await router?.stop();
    await proxy?.close();
    await testDb?.cleanup();
  });

  it('radgate stays up, reports readiness truthfully, loses nothing it acknowledged, enforces every acknowledged change, and logs within bounds', async () => {
    await server.start();
    const listening = server.output.split('\n').find((l) => l.includes('"radgate listening"'));
    const { metrics: metricsPort, http: httpPort } = JSON.parse(listening as string) as { metrics: number; http: number };
    const readyz = () => fetch(`http://127.0.0.1:${metricsPort}/readyz`).then((r) => r.status, () => 0);
    expect(await readyz()).toBe(200);

    // The admin API as a billing system calls it. `untilAcknowledged` retries like an operator until a 2xx: a 5xx or
    // no answer at all (the database is cut) is not an acknowledgement; a 4xx is a mistake of the test.
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${httpPort}/api/v1${path}`, {
        method,
        headers: { Authorization: `Bearer ${token.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    const untilAcknowledged = async <T>(method: string, path: string, body?: unknown, refusals = { count: 0 }): Promise<T> => {
      for (;;) {
        const res = await api(method, path, body).catch(() => undefined);
        if (res?.ok) return (await res.json()) as T;
        if (res && res.status < 500) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
        await res?.body?.cancel();
        refusals.count++;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const jobsOf = async (subscriberId?: number) =>
      (await untilAcknowledged<{ items: JobOut[] }>('GET', `/enforcement/jobs?limit=500${subscriberId ? `&subscriber_id=${subscriberId}` : ''}`)).items.reverse();

    // Subscribers paid for 20 more days, known to the server (it accepts their login), each with a live session
    // on the router.
    const payers: Array<(typeof PAYERS)[number] & { id: number }> = [];
    for (const p of PAYERS) {
      const created = await untilAcknowledged<{ id: number; status: string }>('POST', '/subscribers', {
        username: p.username, account: `A-${p.username}`, plan: 'home-10', password: `pw-${p.username}`,
        paid_until: new Date(Date.now() + 20 * DAY).toISOString(),
      });
      expect(created.status).toBe('active');
      payers.push({ ...p, id: created.id });
    }
    for (const p of payers) {
      await eventually(async () => (await login(authPort, p.username)).code === 'Access-Accept', 20_000, `${p.username} in the directory`);
      await router.accounting(acctPort, 'Start', { user: p.username, sessionId: p.sessionId, framedIp: p.framedIp });
      await eventually(async () => (await untilAcknowledged<{ open_sessions: number }>('GET', `/subscribers/${p.id}/status`)).open_sessions === 1);
    }
    const jobsBefore = new Set((await jobsOf()).map((j) => j.id));
    const logBytesBefore = server.output.length;

    const nas = await new RetryingNas(acctPort, { sockets: 4, retryMs: 500 }).open();
    const acknowledged = new Map<string, number>(); // session id → highest Acct-Session-Time answered
    let running = true;
    const load = Array.from({ length: LOOPS }, async (_, loop) => {
      for (let session = 0; running; session++) {
        const id = `flap-${loop}-${session}`;
        const base = { 'User-Name': `user-${loop}`, 'Acct-Session-Id': id, 'NAS-IP-Address': '10.0.0.1' };
        await nas.send({ ...base, 'Acct-Status-Type': 1 });
        acknowledged.set(id, 0);
        for (let step = 1; step <= 3 && running; step++) {
          await nas.send({ ...base, 'Acct-Status-Type': 3, 'Acct-Session-Time': step * 60 });
          acknowledged.set(id, step * 60);
        }
      }
    });

    // Each payer, over and over: expire (paid_until ten days ago: past grace, before suspension), then restore
    // (a payment of one cycle, idempotent by its reference), each change acknowledged before the router is
    // awaited, and the router's CoA for it awaited before the next change.
    const changes = new Map<string, Target[]>(payers.map((p) => [p.username, []]));
    const refusedChanges = { count: 0 };
    const enforcing = Promise.all(payers.map(async (p) => {
      for (let round = 0; running; round++) {
        const target: Target = round % 2 === 0 ? 'expired' : 'active';
        const seen = router.received.length;
        if (target === 'expired') {
          const paidUntil = new Date(Date.now() - 10 * DAY).toISOString();
          await untilAcknowledged('PATCH', `/subscribers/${p.id}`, { paid_until: paidUntil, reason: `flap round ${round}` }, refusedChanges);
        } else {
          await untilAcknowledged('POST', '/payments', { subscriber_id: p.id, amount: 2500, method: 'cash', reference: `${p.username}-${round}` }, refusedChanges);
        }
        changes.get(p.username)!.push(target);
        await eventually(
          () => router.received.slice(seen).some((r) => r.code === Code.CoaRequest && r.attributes['User-Name'] === p.username && profileOf(r) === target),
          60_000,
          `the router to receive ${p.username}'s ${target} CoA (round ${round})`,
        );
      }
    }));
    enforcing.catch(() => {}); // awaited below; a failure meanwhile is not an unhandled rejection

    const readinessWhileCut: number[] = [];
    const readinessAfter: number[] = [];
    const started = Date.now();
    for (let cut = 0; Date.now() - started < FLAP_MS; cut++) {
      await new Promise((r) => setTimeout(r, 1500));
      await proxy.cut(cut % 2 === 0 ? 'fin' : 'rst');
      await new Promise((r) => setTimeout(r, 1500));
      readinessWhileCut.push(await readyz());
      await new Promise((r) => setTimeout(r, 1000));
      await proxy.restore();
      const deadline = Date.now() + 15_000;
      let status = await readyz();
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        status = await readyz();
      }
      readinessAfter.push(status);
    }
    running = false;
    await Promise.all(load); // every request still outstanding is answered once the path is back
    nas.close();
    await enforcing; // the change in progress is acknowledged and reaches the router once the path is back

    expect(server.exitCode).toBeNull();
    expect(readinessWhileCut.length).toBeGreaterThanOrEqual(3);
    expect(readinessWhileCut.every((status) => status === 503)).toBe(true);
    expect(readinessAfter.every((status) => status === 200)).toBe(true);

    let database: DatabaseHandle | undefined;
    try {
      database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
      const stored = new Map((await allSessions(database.db)).map((row) => [row.acctSessionId, row.acctSessionTime]));
      const lost = [...acknowledged].filter(([id, time]) => !stored.has(id) || (stored.get(id) as number) < time);
      expect(lost).toEqual([]);
      expect(acknowledged.size).toBeGreaterThan(LOOPS * 3);
    } finally {
      await database?.close();
    }

    // Enforcement: no job left pending, running (claimed) or failed once the path is back. Every job is a payer's
    // (the accounting load's users are no subscribers), so the payers' lists are all of them.
    await eventually(async () => {
      for (const p of payers) expect((await jobsOf(p.id)).filter((j) => j.state !== 'done')).toEqual([]);
    }, 60_000);
    expect(server.exitCode).toBeNull();
    for (const p of payers) {
      const made = changes.get(p.username)!;
      expect(made.length).toBeGreaterThanOrEqual(2);
      // One job per acknowledged change, in order, each done by a CoA-ACK to the session (never merged away).
      const all = await jobsOf(p.id);
      expect(all.length).toBeLessThan(500); // the listing's limit: nothing cut off
      const jobs = all.filter((j) => !jobsBefore.has(j.id));
      expect(jobs.map((j) => [j.kind, j.from_status, j.to_status, j.state, j.outcome])).toEqual(made.map((to, i) => [
        'status',
        i === 0 ? 'active' : made[i - 1],
        to,
        'done',
        `${to === 'expired' ? 'expired profile' : 'plan home-10'} → 1 session(s): core1 ${p.username}/${p.sessionId}: CoA-ACK`,
      ]));
      // The router got each change as a CoA for that session with that change's profile, in order (a job that
      // ran again after its lease ran out repeats its CoA: the same profile twice in a row).
      const coas = router.requests(Code.CoaRequest).filter((r) => r.attributes['User-Name'] === p.username);
      for (const coa of coas) {
        expect(coa.attributes).toMatchObject({ 'NAS-IP-Address': '127.0.0.2', 'Acct-Session-Id': p.sessionId, 'Framed-IP-Address': p.framedIp });
        expect(coa.answer).toBe('ack');
      }
      const profiles = coas.map(profileOf);
      expect(profiles.filter((t, i) => i === 0 || t !== profiles[i - 1])).toEqual(made);
    }
    expect(router.requests(Code.DisconnectRequest)).toEqual([]);
    expect(router.dropped).toEqual([]);
    // The changes met the cuts: some of their admin calls were refused and retried.
    expect(refusedChanges.count).toBeGreaterThan(0);

    // The warnings and errors of the whole outage: a few bounded lines per kind of failure, not one per request
    // (the info lines of the requests themselves are the example config's log level, outage or not).
    const problems = server.output
      .slice(logBytesBefore)
      .split('\n')
      .filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 40);
    expect(problems.filter((l) => l.length >= 2000)).toEqual([]);
    expect(problems.join('\n').length).toBeLessThan(32 * 1024);
    expect(problems.join('\n')).not.toContain('user-'); // no query parameters: subscriber names never reach the log
    expect(server.output).not.toContain(token.token);
  });
});
