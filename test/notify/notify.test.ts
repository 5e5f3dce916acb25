/**
 * Reminder e-mail and webhooks through the notification outbox (docs/notifications.md), against a real SMTP server
 * and a real HTTP receiver on 127.0.0.1; transitions made through billing, as an operator or the evaluator would.
 * Runs on PGlite, and on PostgreSQL when DATABASE_URL is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { notifications } from '../../src/db/schema.js';
import { verifyLink } from '../../src/web/reminder/index.js';
import { listNotifications } from '../../src/notify/queue.js';
import { quietUntil } from '../../src/notify/worker.js';
import { parseSignatureHeader, signatureMatches, timestampFresh } from '../../src/payments/signature.js';
import { Metrics } from '../../src/metrics.js';
import { HOOK_KEY, mailYaml, notifyBench, parseMail, startHookReceiver, startSmtp, webhookYaml, type NotifyBench, type Smtp } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: { mailExtra?: string; webhook?: string; noMail?: boolean } = {}): Promise<{ b: NotifyBench; smtp: Smtp }> {
  const smtp = await startSmtp();
  cleanups.push(() => smtp.close());
  const b = await notifyBench({ ...(options.noMail ? {} : { mail: mailYaml(smtp.port, options.mailExtra) }), ...(options.webhook ? { webhook: options.webhook } : {}) });
  cleanups.push(() => b.close());
  return { b, smtp };
}

async function subscriber(b: NotifyBench, username: string, contact: { email?: string | null; contactName?: string; notifyOptOut?: boolean } = {}) {
  const row = await b.subscribers.add({
    workspaceId: 'default', username, accountNumber: `A-${username}`, plan: 'home-10', password: 'pw',
    email: `${username}@example.net`, contactName: `${username[0]!.toUpperCase()}${username.slice(1)} Example`, ...contact,
  });
  return row.id;
}

/** Paid until two days after the bench clock: the subscriber enters due_soon (reminder_days 3). */
const dueSoon = (b: NotifyBench, id: number) => b.billing.setPaidUntil(id, new Date('2025-01-17T00:00:00Z'), 'test', 'test');

const rows = (b: NotifyBench, id: number) => b.database.db.select().from(notifications).where(eq(notifications.subscriberId, id)).orderBy(notifications.id);

describe('reminder e-mail', () => {
  it('sends the due_soon e-mail with the workspace sender, text and HTML parts and a link that verifies', async () => {
    const { b, smtp } = await setup();
    const id = await subscriber(b, 'alice');
    const result = await dueSoon(b, id);
    expect(result.transition?.to).toBe('due_soon');
    const queued = await rows(b, id);
    expect(queued.map((r) => [r.channel, r.kind, r.state])).toEqual([['email', 'due_soon', 'pending']]);
    const [event] = (await b.events(id)).filter((e) => e.kind === 'transition');
    expect(queued[0]!.dedupeKey).toBe(`${event!.id}:email`);

    expect(await b.worker().runOnce()).toBe(1);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.logins).toEqual(['radgate']);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual(['alice@example.net']);
    expect(mail.from).toBe('billing@isp.example');
    const parsed = parseMail(mail.raw);
    expect(parsed.headers.get('from')).toBe('Example ISP Billing <billing@isp.example>');
    expect(parsed.headers.get('reply-to')).toBe('support@isp.example');
    expect(parsed.headers.get('subject')).toBe('Your Example ISP payment is due on January 17, 2025');
    expect(parsed.text).toContain('Hello Alice Example,');
    // The amount is what is due when the message is sent (the database's clock, not the bench's billing clock):
    // renderMessage's own test pins the figure; here it must be a dollar amount.
    expect(parsed.text).toMatch(/please pay \$[0-9,]+\.00 before then/);
    const link = /https:\/\/pay\.isp\.example\/r\/\S+/.exec(parsed.text)?.[0];
    expect(link).toBeDefined();
    const token = link!.slice('https://pay.isp.example/r/'.length);
    const check = await verifyLink(b.ring, token);
    expect(check.ok && check.claims.subscriberId).toBe(id);
    expect(parsed.html).toContain(`<a href="${link}">${link}</a>`);
    expect(parsed.html).toContain('<p>Hello Alice Example,</p>');
    expect((await rows(b, id)).map((r) => [r.state, r.attempts])).toEqual([['sent', 1]]);
  });

  it('escapes the subscriber name in the HTML part', async () => {
    const { b, smtp } = await setup();
    const id = await subscriber(b, 'bob', { contactName: 'Bob <b>& Co' });
    await dueSoon(b, id);
    await b.worker().runOnce();
    const parsed = parseMail(smtp.received[0]!.raw);
    expect(parsed.text).toContain('Hello Bob <b>& Co,');
    expect(parsed.html).toContain('Hello Bob &lt;b&gt;&amp; Co,');
    expect(parsed.html).not.toContain('<b>');
  });

  it('queues restored and expired, not active→due_soon twice: one row per event, only kinds in notify_on', async () => {
    const { b } = await setup({ mailExtra: '      notify_on: [expired, restored]\n' });
    const id = await subscriber(b, 'carol');
    await dueSoon(b, id); // due_soon: not in notify_on
    await b.billing.setPaidUntil(id, new Date('2025-01-05T00:00:00Z'), 'test', 'test'); // expired
    await b.billing.setPaidUntil(id, new Date('2025-03-01T00:00:00Z'), 'test', 'test'); // back to active
    expect((await rows(b, id)).map((r) => r.kind)).toEqual(['expired', 'restored']);
  });

  it('the periodic evaluator queues the message of a threshold it applies', async () => {
    const { b, smtp } = await setup();
    const id = await subscriber(b, 'tara');
    await b.billing.setPaidUntil(id, new Date('2025-01-25T00:00:00Z'), 'test', 'test'); // active: 10 days left
    expect(await rows(b, id)).toEqual([]);
    b.clock.now = new Date('2025-01-23T12:00:00Z'); // within reminder_days
    const result = await b.evaluator.run();
    expect(result.transitions.map((t) => t.to)).toEqual(['due_soon']);
    expect((await rows(b, id)).map((r) => [r.channel, r.kind])).toEqual([['email', 'due_soon']]);
    await b.worker().runOnce();
    expect(parseMail(smtp.received[0]!.raw).headers.get('subject')).toBe('Your Example ISP payment is due on January 25, 2025');
  });

  it('writes no row when the workspace has no channels', async () => {
    const { b } = await setup({ noMail: true });
    const id = await subscriber(b, 'dave');
    expect((await dueSoon(b, id)).transition?.to).toBe('due_soon');
    expect(await rows(b, id)).toEqual([]);
  });

  it('skips an opted-out subscriber and one without an address, with the reason', async () => {
    const { b, smtp } = await setup();
    const out = await subscriber(b, 'erin', { notifyOptOut: true });
    const none = await subscriber(b, 'frank', { email: null });
    await dueSoon(b, out);
    await dueSoon(b, none);
    await b.worker().runOnce();
    expect(smtp.received).toEqual([]);
    expect((await rows(b, out)).map((r) => [r.state, r.lastError])).toEqual([['skipped', 'subscriber opted out']]);
    expect((await rows(b, none)).map((r) => [r.state, r.lastError])).toEqual([['skipped', 'no e-mail address']]);
  });

  it('a pending row survives a restart: a worker started later sends it', async () => {
    const { b, smtp } = await setup();
    const id = await subscriber(b, 'gina');
    await dueSoon(b, id);
    const first = b.worker();
    await first.stop(); // never ran
    expect(smtp.received).toEqual([]);
    await b.worker().runOnce();
    expect(smtp.received.map((m) => m.to)).toEqual([['gina@example.net']]);
  });

  it('a claimed row whose worker died is taken over after its lease', async () => {
    const { b, smtp } = await setup();
    const id = await subscriber(b, 'hana');
    await dueSoon(b, id);
    const { claimNotifications } = await import('../../src/notify/queue.js');
    const claimed = await claimNotifications(b.database.db, 'dead-instance', 10, 0.001);
    expect(claimed).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    await b.worker().runOnce();
    expect(smtp.received).toHaveLength(1);
    expect((await rows(b, id)).map((r) => [r.state, r.attempts])).toEqual([['sent', 2]]);
  });

  it('two workers running at once send each message once', async () => {
    const { b, smtp } = await setup();
    const ids: number[] = [];
    for (const name of ['ian', 'jade', 'kim', 'liam', 'mona', 'nick']) ids.push(await subscriber(b, name));
    for (const id of ids) await dueSoon(b, id);
    const [one, two] = [b.worker(), b.worker()];
    const [a, c] = await Promise.all([one.runOnce(), two.runOnce()]);
    expect(a + c).toBe(6);
    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual(['ian', 'jade', 'kim', 'liam', 'mona', 'nick'].map((n) => `${n}@example.net`));
  });

  it('an SMTP failure is retried with back-off, then failed and visible in the list and the metrics', async () => {
    const { b, smtp } = await setup();
    smtp.failWith = { code: 451, message: 'try again later' };
    const id = await subscriber(b, 'olga');
    await dueSoon(b, id);
    const metrics = new Metrics();
    const worker = b.worker({ maxAttempts: 3, backoffBaseSeconds: 0, onFinish: metrics.notificationFinished });
    await worker.runOnce();
    let [row] = await rows(b, id);
    expect([row!.state, row!.attempts]).toEqual(['pending', 1]);
    expect(row!.lastError).toMatch(/451/);
    expect(row!.lastError).not.toContain('olga@example.net');
    await worker.runOnce();
    await worker.runOnce();
    [row] = await rows(b, id);
    expect([row!.state, row!.attempts]).toEqual(['failed', 3]);
    expect(smtp.received).toEqual([]);
    const listed = await listNotifications(b.database.db, { state: 'failed' });
    expect(listed.map((n) => [n.username, n.channel, n.kind])).toEqual([['olga', 'email', 'due_soon']]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('radgate_notifications_total{channel="email",state="retry"} 2');
    expect(text).toContain('radgate_notifications_total{channel="email",state="failed"} 1');
  });

  it('a retry waits for its back-off', async () => {
    const { b, smtp } = await setup();
    smtp.failWith = { code: 421, message: 'busy' };
    const id = await subscriber(b, 'pete');
    await dueSoon(b, id);
    const worker = b.worker({ backoffBaseSeconds: 600 });
    await worker.runOnce();
    smtp.failWith = undefined;
    expect(await worker.runOnce()).toBe(0);
    const [row] = await rows(b, id);
    expect(row!.state).toBe('pending');
    expect(row!.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(500_000);
  });

  it('quiet hours defer the e-mail to the end of the window, without counting an attempt', async () => {
    // A window around the real time (the database clock judges it): from an hour ago to an hour ahead, UTC.
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const now = Date.now();
    const { b, smtp } = await setup({ mailExtra: `      quiet_hours: { from: "${hhmm(now - 3600_000)}", to: "${hhmm(now + 3600_000)}" }\n` });
    const id = await subscriber(b, 'quinn');
    await dueSoon(b, id);
    await b.worker().runOnce();
    expect(smtp.received).toEqual([]);
    const [row] = await rows(b, id);
    expect([row!.state, row!.attempts]).toEqual(['pending', 0]);
    const expected = Math.floor((now + 3600_000) / 60_000) * 60_000;
    expect(Math.abs(row!.nextAttemptAt.getTime() - expected)).toBeLessThan(61_000);
  });
});

describe('quietUntil', () => {
  const quiet = { from: { text: '21:00', minutes: 21 * 60 }, to: { text: '08:00', minutes: 8 * 60 } };
  it('spans midnight in the workspace time zone', () => {
    expect(quietUntil(new Date('2025-01-15T22:30:00Z'), quiet, 'UTC')?.toISOString()).toBe('2025-01-16T08:00:00.000Z');
    expect(quietUntil(new Date('2025-01-16T03:00:00Z'), quiet, 'UTC')?.toISOString()).toBe('2025-01-16T08:00:00.000Z');
    expect(quietUntil(new Date('2025-01-16T12:00:00Z'), quiet, 'UTC')).toBeUndefined();
    // 22:30 in Nairobi (UTC+3) is 19:30 UTC; the window ends at 08:00 Nairobi = 05:00 UTC.
    expect(quietUntil(new Date('2025-01-15T19:30:00Z'), quiet, 'Africa/Nairobi')?.toISOString()).toBe('2025-01-16T05:00:00.000Z');
    expect(quietUntil(new Date('2025-01-15T22:30:00Z'), quiet, 'Africa/Nairobi')?.toISOString()).toBe('2025-01-16T05:00:00.000Z');
    expect(quietUntil(new Date('2025-01-15T17:59:00Z'), quiet, 'Africa/Nairobi')).toBeUndefined();
  });
});

describe('webhook', () => {
  it('posts a signed JSON body that verifies with the shared key, with no contact data', async () => {
    const hook = await startHookReceiver();
    cleanups.push(() => hook.close());
    const { b, smtp } = await setup({ webhook: webhookYaml(hook.url) });
    const id = await subscriber(b, 'rita', { email: 'rita@example.net', contactName: 'Rita Secret' });
    await dueSoon(b, id);
    expect((await rows(b, id)).map((r) => r.channel)).toEqual(['email', 'webhook']);
    await b.worker().runOnce();
    expect(smtp.received).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
    const request = hook.requests[0]!;
    expect(request.headers['content-type']).toBe('application/json');
    const header = parseSignatureHeader(request.headers['radgate-signature'] as string);
    expect(header).toBeDefined();
    expect(signatureMatches(HOOK_KEY, header!, Buffer.from(request.body))).toBe(true);
    expect(signatureMatches('x'.repeat(40), header!, Buffer.from(request.body))).toBe(false);
    expect(timestampFresh(header!, new Date(), 300)).toBe(true);
    const body = JSON.parse(request.body) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'subscriber.due_soon', workspace: 'default', subscriber: { id, account: 'A-rita', username: 'rita', status: 'due_soon' } });
    expect(String(body.link)).toMatch(/^https:\/\/pay\.isp\.example\/r\//);
    expect(request.body).not.toContain('rita@example.net');
    expect(request.body).not.toContain('Rita Secret');
    expect((await rows(b, id)).map((r) => r.state)).toEqual(['sent', 'sent']);
  });

  it('a non-2xx answer is retried', async () => {
    const hook = await startHookReceiver();
    cleanups.push(() => hook.close());
    hook.status = 503;
    const { b } = await setup({ webhook: webhookYaml(hook.url), noMail: true });
    const id = await subscriber(b, 'sam');
    await dueSoon(b, id);
    await b.worker({ backoffBaseSeconds: 600 }).runOnce();
    const [row] = await rows(b, id);
    expect([row!.channel, row!.state, row!.lastError]).toEqual(['webhook', 'pending', 'webhook: HTTP 503']);
  });
});
