/**
 * Running radgate in production: Prometheus metrics move with traffic, /readyz reflects the database, and a
 * configuration reload under load applies a good config (new NAS, changed secret, new plan values) without losing
 * a request and refuses a bad one with file: path: reason while the old one keeps running.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRadgate, type TestRadgate } from '../helpers/radgate.js';
import { addSubscriber } from '../helpers/subscribers.js';
import { accessRequest, accountingRequest, attr, hide, replyAttributes, UdpPeer } from '../helpers/udp.js';
import { acct } from '../sessions/helpers.js';

let t: TestRadgate;
const NAS = (extra = '') => `nas:
  - name: local
    address: 127.0.0.1
    secret: testing123
    workspace: default
  - name: rotating
    address: 127.0.0.6
    secret: ${extra || 'first-secret-1234567'}
    workspace: default
`;

function pap(secret: string, id: number, password = 'hello') {
  const authenticator = Buffer.alloc(16, id);
  authenticator.writeUInt32BE(Date.now() % 2 ** 32, 0);
  return accessRequest({ secret, id, authenticator, attributes: [attr(1, 'bob'), attr(2, hide(password, secret, authenticator))] }).packet;
}

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${t.radgate.ports.metrics}/metrics`)).text();
}

function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  t = await startTestRadgate({ config: { 'nas.yaml': NAS() } });
  await addSubscriber(t, { username: 'bob', password: 'hello', plan: 'home-10', accountNumber: 'B1' });
});

afterAll(async () => {
  await t?.stop().catch(() => {});
});

describe('metrics and health', () => {
  it('/metrics counts requests by outcome and reason, drops by reason, and subscribers by status', async () => {
    const before = await metricsText();
    const peer = await new UdpPeer().open();
    expect((await peer.request(pap('testing123', 1), t.radgate.ports.auth))?.[0]).toBe(2);
    expect((await peer.request(pap('testing123', 2, 'wrong'), t.radgate.ports.auth, 2000))?.[0]).toBe(3);
    const stranger = await new UdpPeer().open('127.0.0.9');
    stranger.send(pap('testing123', 3), t.radgate.ports.auth);
    await new Promise((r) => setTimeout(r, 200));
    peer.close();
    stranger.close();
    const after = await metricsText();
    const accept = 'nas="local",code="Access-Request",outcome="accept"';
    const wrong = 'nas="local",code="Access-Request",outcome="reject",reason="wrong-password"';
    expect(counter(after, 'radgate_radius_requests_total', accept)).toBe(counter(before, 'radgate_radius_requests_total', accept) + 1);
    expect(counter(after, 'radgate_radius_requests_total', wrong)).toBe(counter(before, 'radgate_radius_requests_total', wrong) + 1);
    expect(counter(after, 'radgate_radius_dropped_total', 'reason="unknown-client"')).toBe(counter(before, 'radgate_radius_dropped_total', 'reason="unknown-client"') + 1);
    expect(after).toMatch(/radgate_radius_request_duration_seconds_bucket\{le="0.01",code="Access-Request"\} \d+/);
    expect(counter(after, 'radgate_subscribers', 'status="active"')).toBe(1);
  });

  it('/metrics shows accounting commits, batch sizes, open sessions per NAS and the enforcement queue', async () => {
    const before = await metricsText();
    const r = await acct(t.radgate.ports.acct, { 'Acct-Status-Type': 'Start', 'User-Name': 'walk-in', 'Acct-Session-Id': 'm0000001', 'NAS-IP-Address': '127.0.0.1', 'Framed-IP-Address': '100.64.0.77' });
    expect(r.code).toBe('Accounting-Response');
    const after = await metricsText();
    const committed = (text: string) => Number(/^radgate_accounting_records_total\{result="committed"\} (\d+)/m.exec(text)?.[1] ?? 0);
    expect(committed(after)).toBe(committed(before) + 1);
    expect(after).toMatch(/^radgate_accounting_batch_size_count \d+/m);
    expect(counter(after, 'radgate_sessions_open', 'nas="local"')).toBe(1);
    expect(after).toContain('# TYPE radgate_enforcement_jobs gauge');
    expect(counter(after, 'radgate_radius_requests_total', 'code="Accounting-Request"')).toBeGreaterThan(0);
  });

  it('a request its handler finds invalid is dropped and shows on /metrics by NAS and reason, not as a log line', async () => {
    const peer = await new UdpPeer().open();
    const status = Buffer.alloc(4);
    status.writeUInt32BE(1); // Start, but no Acct-Session-Id (RFC 2866 §5.5)
    const labels = 'nas="local",reason="missing-acct-session-id"';
    const before = counter(await metricsText(), 'radgate_radius_dropped_total', labels);
    const logged = t.logs.length;
    expect(await peer.request(accountingRequest({ id: 77, secret: 'testing123', attributes: [attr(40, status), attr(1, 'bob')] }), t.radgate.ports.acct, 500)).toBeUndefined();
    peer.close();
    expect(counter(await metricsText(), 'radgate_radius_dropped_total', labels)).toBe(before + 1);
    // Dropped like every protocol violation: counted, logged at debug only (docs/radius-protocol.md §17).
    expect(t.logs.slice(logged).filter((l) => (l.level as number) >= 40)).toEqual([]);
  });

  it('/healthz answers; /readyz is ready, then not ready when the database goes away', async () => {
    const base = `http://127.0.0.1:${t.radgate.ports.metrics}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', config: 'ok', sockets: 'ok' } });
    // Last test in this file: take the database away under the running server.
    await reloadUnderLoad();
    await t.radgate.database.close();
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { checks: Record<string, string> };
    expect(body.checks.database).toMatch(/^failing: /);
    expect(body.checks.config).toBe('ok');

    // /metrics still answers in the outage (its counters matter most then): the gauges read from the database are
    // left out and counted, each logged once a minute as code and message, never the query and its stack.
    const logged = t.logs.length;
    for (let i = 0; i < 3; i++) {
      const scrape = await fetch(`${base}/metrics`);
      expect(scrape.status).toBe(200);
      const text = await scrape.text();
      expect(text).toContain('radgate_radius_requests_total{');
      expect(text).not.toMatch(/^radgate_sessions_open\{/m);
    }
    // The counter is written before the gauges are read within one scrape: this fourth one shows the first three.
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(counter(after, 'radgate_metrics_collect_failures_total', 'gauge="radgate_sessions_open"')).toBe(3);
    const lines = t.logs.slice(logged).filter((l) => String(l.msg).startsWith('metrics: gauge left out'));
    expect(lines.filter((l) => l.gauge === 'radgate_sessions_open')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toMatch(/"(err|stack|query|params)"|select /);
  });
});

/** Reload a good and a bad config while a NAS keeps sending; every request must be answered. */
async function reloadUnderLoad(): Promise<void> {
  const peer = await new UdpPeer().open();
  let id = 0;
  let sent = 0;
  let answered = 0;
  let stop = false;
  const rateLimits = new Set<string>();
  const load = (async () => {
    while (!stop) {
      id = (id + 1) % 256;
      const packet = pap('testing123', id);
      sent++;
      // A NAS retransmits a few times before giving up.
      let reply: Buffer | undefined;
      for (let attempt = 0; attempt < 3 && !reply; attempt++) reply = await peer.request(packet, t.radgate.ports.auth, 1000);
      if (reply) {
        answered++;
        for (const [type, value] of replyAttributes(reply)) {
          if (type === 26 && value.readUInt32BE(0) === 14988 && value[4] === 8) rateLimits.add(value.subarray(6).toString());
        }
      }
    }
  })();
  const rotating = await new UdpPeer().open('127.0.0.6');
  expect((await rotating.request(pap('first-secret-1234567', 200), t.radgate.ports.auth))?.[0]).toBe(2);

  // A good config: changed plan, changed secret of one NAS, a new NAS.
  writeFileSync(path.join(t.configDir, 'plans.yaml'), readFileSync(path.join(t.configDir, 'plans.yaml'), 'utf8').replace('rate_limit: 2M/10M', 'rate_limit: 3M/12M'));
  writeFileSync(
    path.join(t.configDir, 'nas.yaml'),
    NAS('second-secret-7654321') + `  - name: newcomer\n    address: 127.0.0.7\n    secret: newcomer-secret-12345\n    workspace: default\n`,
  );
  await new Promise((r) => setTimeout(r, 100));
  expect(await t.radgate.reload()).toEqual({ ok: true });
  await new Promise((r) => setTimeout(r, 100));
  expect(await rotating.request(pap('first-secret-1234567', 201), t.radgate.ports.auth, 500)).toBeUndefined();
  expect((await rotating.request(pap('second-secret-7654321', 202), t.radgate.ports.auth))?.[0]).toBe(2);
  const newcomer = await new UdpPeer().open('127.0.0.7');
  expect((await newcomer.request(pap('newcomer-secret-12345', 203), t.radgate.ports.auth))?.[0]).toBe(2);

  // A bad config is refused with file: path: reason, and the running one stays.
  writeFileSync(path.join(t.configDir, 'plans.yaml'), readFileSync(path.join(t.configDir, 'plans.yaml'), 'utf8').replace('rate_limit: 3M/12M', 'rate_limit: 3X/12M'));
  const refused = await t.radgate.reload();
  expect(refused.ok).toBe(false);
  expect(!refused.ok && refused.problems.some((p) => p.startsWith('plans.yaml: plans[0].rate_limit: '))).toBe(true);
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await load;
  for (const p of [peer, rotating, newcomer]) p.close();
  expect(answered).toBe(sent);
  expect(sent).toBeGreaterThan(10);
  expect([...rateLimits].sort()).toEqual(['2M/10M', '3M/12M']);
  expect(t.radgate.config.planByName.get('home-10')?.rateLimit).toBe('3M/12M');
}
