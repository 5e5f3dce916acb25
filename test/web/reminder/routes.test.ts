/**
 * The reminder pages over HTTP on radgate's web listener: content by status, security headers, the link bound to
 * the subscriber record (moved, deleted, account changed → 410 with no subscriber data), friendly failures with
 * the right status and a logged reason, each workspace's pages only on its own reminder host, rate limiting,
 * assets, and the token never in the log.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/client.js';
import { createLogger } from '../../../src/log.js';
import { RateLimiter } from '../../../src/web/rate-limit.js';
import { createReminderRoutes, signLink } from '../../../src/web/reminder/index.js';
import type { TestRadgate } from '../../helpers/radgate.js';
import { addSubscriber, days, get, linkPath, startReminderRadgate, updateSubscriber } from './helpers.js';

let t: TestRadgate;
let port: number;
const tokens: string[] = [];

/** GET a reminder page; remembers the token so the log can be checked for it at the end. */
async function page(path: string) {
  if (path.startsWith('/r/')) tokens.push(path.slice(3));
  return get(port, path, { host: 'pay.isp.example' });
}

const refusals = () => t.logs.filter((l) => l.msg === 'reminder link refused');

/** A reverse proxy radgate trusts (server.yaml trusted_proxies); 127.0.0.x are all on the loopback interface. */
const PROXY_IP = '127.0.0.9';

beforeAll(async () => {
  t = await startReminderRadgate((text) => text.replace('  trusted_proxies: []', `  trusted_proxies: [${PROXY_IP}]`));
  port = t.radgate.ports.http;
});

afterAll(async () => {
  await t?.stop();
});

describe('the reminder page', () => {
  it('expired: branding, account, amount due and since when, the restriction, a big Pay now, support contacts', async () => {
    const now = Date.now();
    const paidUntil = new Date(now - days(10));
    const row = await addSubscriber(t, { status: 'expired', paidUntil, balance: 500, statusSince: new Date(now - days(8)) });
    const res = await page(await linkPath(t, row));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = res.headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/script-src|unsafe-inline/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');

    const body = res.body;
    expect(body).not.toMatch(/<script|\sstyle=|\son[a-z]+=/i);
    expect(body).toContain('<span class="isp">Example ISP</span>');
    expect(body).toContain('<img src="/w/default/logo" alt="" width="48" height="48">');
    expect(body).toContain('<link rel="stylesheet" href="/w/default/theme.css">');
    expect(body).toContain('<h1 id="title">Your internet service is restricted</h1>');
    expect(body).toContain(`<dt>Account number</dt><dd>${row.accountNumber}</dd>`);
    expect(body).toContain('<dt>Plan</dt><dd>home-10</dd>');
    // One monthly cycle of 25.00 USD brings paid_until past today; 5.00 credit is already held.
    expect(body).toContain('<div class="emphasis"><dt>Amount due</dt><dd>$20.00</dd></div>');
    const since = new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(paidUntil);
    expect(body).toContain(`<dt>Overdue since</dt><dd>${since}</dd>`);
    expect(body).toContain('other websites and apps will not work');
    expect(body).toContain(`<a class="pay" href="https://pay.isp.example/checkout?account=${row.accountNumber}" rel="noreferrer noopener">Pay now</a>`);
    expect(body).toContain('Thank you for choosing Example ISP.');
    expect(body).toContain('<a href="tel:+15550100">+1 555 0100</a>');
    expect(body).toContain('<a href="mailto:billing@isp.example">billing@isp.example</a>');
    expect(body).toContain('Mon–Fri 8:00–18:00');
    expect(t.logs.some((l) => l.msg === 'reminder page shown' && l.subscriberId === row.id && l.status === 'expired')).toBe(true);
  });

  it.each([
    { status: 'active' as const, paid: 20, heading: 'Your account is in good standing', restricted: false, payNow: false },
    { status: 'due_soon' as const, paid: 2, heading: 'Your payment is due soon', restricted: false, payNow: true },
    { status: 'grace' as const, paid: -1, heading: 'Your payment is overdue', restricted: false, payNow: true },
    { status: 'suspended' as const, paid: -40, heading: 'Your internet service is suspended', restricted: true, payNow: true },
    { status: 'disabled' as const, paid: 20, heading: 'Your account is on hold', restricted: true, payNow: false },
  ])('$status: "$heading"', async ({ status, paid, heading, restricted, payNow }) => {
    const row = await addSubscriber(t, { status, paidUntil: new Date(Date.now() + days(paid)) });
    const res = await page(await linkPath(t, row));
    expect(res.status).toBe(200);
    expect(res.body).toContain(`<h1 id="title">${heading}</h1>`);
    expect(res.body.includes('class="restriction"')).toBe(restricted);
    expect(res.body.includes('>Pay now</a>')).toBe(payNow);
    if (status === 'active') {
      expect(res.body).toContain('>Pay in advance</a>');
      expect(res.body).not.toContain('Amount due');
    }
    if (status === 'due_soon' || status === 'grace') expect(res.body).toContain('Amount due');
  });
});

describe('a link bound to the subscriber record', () => {
  const expectNoSubscriberData = (body: string, row: { accountNumber: string; username: string }) => {
    expect(body).not.toContain(row.accountNumber);
    expect(body).not.toContain(row.username);
    expect(body).not.toContain('home-10');
  };

  it('subscriber moved to another workspace → 410, no subscriber data, reason logged', async () => {
    const row = await addSubscriber(t, { status: 'expired' });
    const path = await linkPath(t, row);
    await updateSubscriber(t, row.id, { workspaceId: 'north' });
    const res = await page(path);
    expect(res.status).toBe(410);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('This link is no longer valid');
    expectNoSubscriberData(res.body, row);
    expect(refusals().at(-1)).toMatchObject({ status: 410, reason: 'subscriber belongs to another workspace', subscriberId: row.id });
  });

  it('deleted subscriber → 410', async () => {
    const row = await addSubscriber(t, { status: 'expired' });
    const path = await linkPath(t, row);
    await updateSubscriber(t, row.id, { deletedAt: new Date() });
    const res = await page(path);
    expect(res.status).toBe(410);
    expectNoSubscriberData(res.body, row);
    expect(refusals().at(-1)).toMatchObject({ status: 410, reason: 'subscriber was deleted' });
  });

  it('account number changed → 410', async () => {
    const row = await addSubscriber(t, { status: 'expired' });
    const path = await linkPath(t, row);
    await updateSubscriber(t, row.id, { accountNumber: `${row.accountNumber}-B` });
    const res = await page(path);
    expect(res.status).toBe(410);
    expectNoSubscriberData(res.body, row);
    expect(refusals().at(-1)).toMatchObject({ status: 410, reason: 'account number changed' });
  });

  it('expired link → 410 branded page with support contacts; tampered → 401 and malformed → 400 on a neutral page', async () => {
    const row = await addSubscriber(t, { status: 'expired' });
    const old = await linkPath(t, row, { now: new Date(Date.now() - days(8)), lifetimeSeconds: 7 * 86400 });
    const expired = await page(old);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('Need help? Contact Example ISP');
    expectNoSubscriberData(expired.body, row);
    expect(refusals().at(-1)).toMatchObject({ status: 410, reason: 'expired' });

    const good = await linkPath(t, row);
    const [h, p, s] = good.slice(3).split('.') as [string, string, string];
    const tampered = await page(`/r/${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`);
    expect(tampered.status).toBe(401);
    expect(tampered.body).toContain('This link is not valid');
    expect(tampered.body).not.toContain('Example ISP'); // the workspace claim is not trusted without a signature
    expect(refusals().at(-1)).toMatchObject({ status: 401, reason: 'bad signature' });

    const malformed = await page('/r/not-a-token');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toContain('This link is not complete');
    expect(refusals().at(-1)).toMatchObject({ status: 400, reason: 'malformed token' });
  });

  it('a link signed with a key radgate does not have → 401', async () => {
    const { LinkKeyRing } = await import('../../../src/web/reminder/keys.js');
    const stranger = LinkKeyRing.fromConfig([{ id: 'elsewhere', algorithm: 'HS256', material: Buffer.alloc(32, 7).toString('base64'), source: 'test' }]);
    const { token } = await signLink(stranger, { workspaceId: 'default', subscriberId: 1, accountNumber: 'ACC-1' }, { lifetimeSeconds: 3600 });
    const res = await page(`/r/${token}`);
    expect(res.status).toBe(401);
    expect(refusals().at(-1)).toMatchObject({ status: 401, reason: 'unknown key id "elsewhere"' });
  });
});

describe("each workspace's pages only on its own reminder host", () => {
  /** A fresh link of an expired subscriber in `workspaceId`; the token is remembered for the log check. */
  const link = async (workspaceId = 'default') => {
    const row = await addSubscriber(t, { status: 'expired', workspaceId });
    const path = await linkPath(t, row);
    tokens.push(path.slice(3));
    return { row, path };
  };
  const expectRedirect = (res: { status: number; headers: Record<string, unknown>; body: string }, location: string) => {
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(location);
    expect(res.headers['cache-control']).toBe('no-store');
    // Nothing of either workspace or the subscriber is rendered on the wrong host.
    expect(res.body).not.toMatch(/Example ISP|North Net|ACC-/);
  };

  it("another workspace's host → 302 no-store to the link's own host, same path; the wrong host is logged", async () => {
    const { path } = await link();
    expectRedirect(await get(port, path, { host: 'pay.north.example' }), `https://pay.isp.example${path}`);
    expect(t.logs.some((l) => l.msg === 'reminder page requested on another host' && l.host === 'pay.north.example' && l.workspace === 'default')).toBe(true);
    const north = await link('north');
    expectRedirect(await get(port, north.path, { host: 'pay.isp.example' }), `https://pay.north.example${north.path}`);
    const shown = await get(port, north.path, { host: 'pay.north.example' });
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('<span class="isp">North Net</span>');
    expect(shown.body).toContain(`<dd>${north.row.accountNumber}</dd>`);
  });

  it('the host compares without case, port or one trailing dot; any other host, an IP or a look-alike redirects', async () => {
    const { path, row } = await link();
    for (const host of ['pay.isp.example', 'PAY.Isp.Example', 'pay.isp.example.', 'pay.isp.example:8443', 'Pay.ISP.example.:443']) {
      const res = await get(port, path, { host });
      expect(res.status, host).toBe(200);
      expect(res.body).toContain(`<dd>${row.accountNumber}</dd>`);
    }
    for (const host of [`127.0.0.1:${port}`, 'evil.example', 'pay.isp.example.evil.example', 'xpay.isp.example', 'pay.isp.example..', '[::1]:80']) {
      expectRedirect(await get(port, path, { host }), `https://pay.isp.example${path}`);
    }
  });

  it('no Host at all (HTTP/1.0 over the wire, or an in-process request) → redirect to the link\'s host', async () => {
    const { path } = await link();
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.0\r\n\r\n`));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.[01] 302 /);
    expect(raw.split('\r\n').find((line) => /^location:/i.test(line))?.replace(/^location:\s*/i, '')).toBe(`https://pay.isp.example${path}`);
    expect(raw).not.toMatch(/Example ISP|ACC-/);

    const app = createReminderRoutes({ config: () => t.radgate.config, db: t.radgate.database.db, keys: t.radgate.linkKeys, log: createLogger({ level: 'silent' }) });
    const res = await app.request(path);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`https://pay.isp.example${path}`);
    expect((await app.request(path, { headers: { host: 'pay.isp.example' } })).status).toBe(200);
  });

  it('X-Forwarded-Host counts only from a trusted proxy (its last entry); from anyone else the Host header does', async () => {
    const { path } = await link();
    // A client cannot talk its way onto another workspace's host, or off its own.
    expectRedirect(await get(port, path, { host: 'pay.north.example', headers: { 'X-Forwarded-Host': 'pay.isp.example' } }), `https://pay.isp.example${path}`);
    expect((await get(port, path, { host: 'pay.isp.example', headers: { 'X-Forwarded-Host': 'pay.north.example' } })).status).toBe(200);
    // The TLS proxy in front of radgate forwards to 127.0.0.1 and says which host the browser asked for.
    const viaProxy = (forwarded: string) =>
      get(port, path, { host: `127.0.0.1:${port}`, localAddress: PROXY_IP, headers: { 'X-Forwarded-Host': forwarded } });
    expect((await viaProxy('pay.isp.example')).status).toBe(200);
    expect((await viaProxy('pay.north.example, pay.isp.example')).status).toBe(200);
    expectRedirect(await viaProxy('pay.isp.example, pay.north.example'), `https://pay.isp.example${path}`);
    expectRedirect(await viaProxy('pay.north.example'), `https://pay.isp.example${path}`);
    // A trusted proxy without the header: its Host counts.
    expectRedirect(await get(port, path, { host: `127.0.0.1:${port}`, localAddress: PROXY_IP }), `https://pay.isp.example${path}`);
  });

  it('an expired link on the wrong host redirects too (its branded page only on its host); an unverified token gets the neutral page anywhere', async () => {
    const row = await addSubscriber(t, { status: 'expired' });
    const old = await linkPath(t, row, { now: new Date(Date.now() - days(8)), lifetimeSeconds: 7 * 86400 });
    tokens.push(old.slice(3));
    expectRedirect(await get(port, old, { host: 'pay.north.example' }), `https://pay.isp.example${old}`);
    const good = await linkPath(t, row);
    const [h, p, s] = good.slice(3).split('.') as [string, string, string];
    const tampered = await page(`/r/${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`);
    expect(tampered.status).toBe(401);
    const elsewhere = await get(port, `/r/${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`, { host: 'pay.north.example' });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body).not.toMatch(/Example ISP|North Net/);
  });

  it("/w/<workspace> and its theme and logo: only on that workspace's host, else 302 there", async () => {
    expectRedirect(await get(port, '/w/north', { host: 'pay.isp.example' }), 'https://pay.north.example/w/north');
    expectRedirect(await get(port, '/w/default', { host: 'pay.north.example' }), 'https://pay.isp.example/w/default');
    expectRedirect(await get(port, '/w/default', { host: `127.0.0.1:${port}` }), 'https://pay.isp.example/w/default');
    expectRedirect(await get(port, '/w/default/theme.css', { host: 'pay.north.example' }), 'https://pay.isp.example/w/default/theme.css');
    expectRedirect(await get(port, '/w/default/logo', { host: 'pay.north.example' }), 'https://pay.isp.example/w/default/logo');
    const north = await get(port, '/w/north', { host: 'PAY.NORTH.EXAMPLE.' });
    expect(north.status).toBe(200);
    expect(north.body).toContain('<span class="isp">North Net</span>');
  });
});

describe('other routes', () => {
  it('serves the stylesheet, the workspace theme and the logo from radgate itself', async () => {
    const css = await get(port, '/assets/reminder.css'); // shared by every workspace: any host
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toContain('.pay{');
    const theme = await get(port, '/w/default/theme.css', { host: 'pay.isp.example' });
    expect(theme.body).toBe(':root{--brand:#0b5394;--on-brand:#ffffff;--bg:#f3f4f6;--text:#1f2937}\n');
    const logo = await get(port, '/w/default/logo', { host: 'pay.isp.example' });
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toBe('image/svg+xml');
    expect(logo.headers['content-security-policy']).toContain('sandbox');
    expect(logo.body).toContain('<svg');
    expect((await get(port, '/w/north/logo', { host: 'pay.north.example' })).status).toBe(404);
  });

  it('the generic workspace page: /w/<id>, and / on the reminder host; unknown workspace → 404 page', async () => {
    const byPath = await get(port, '/w/default', { host: 'pay.isp.example' });
    expect(byPath.status).toBe(200);
    expect(byPath.body).toContain('Your internet access may be restricted');
    expect(byPath.body).toContain('Need help? Contact Example ISP');
    const byHost = await get(port, '/', { host: 'pay.north.example' });
    expect(byHost.status).toBe(200);
    expect(byHost.body).toContain('<span class="isp">North Net</span>');
    expect((await get(port, '/', { host: 'unknown.example' })).status).toBe(404);
    const unknown = await get(port, '/w/nowhere', { host: 'pay.isp.example' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('Page not found');
  });

  it('rate limit per client address: 429 with Retry-After, other addresses unaffected', async () => {
    const app = createReminderRoutes({
      config: () => t.radgate.config,
      db: t.radgate.database.db,
      keys: t.radgate.linkKeys,
      log: createLogger({ level: 'silent' }),
      rateLimiter: new RateLimiter({ limit: 3, windowMs: 60_000 }),
    });
    // In-process requests have no socket: every one comes from the same (unknown) peer.
    const statuses = [];
    const onHost = { headers: { host: 'pay.isp.example' } };
    for (let i = 0; i < 4; i++) statuses.push((await app.request('/w/default', onHost)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await app.request('/w/default', onHost);
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(await limited.text()).toContain('Please wait a moment');
  });

  it('an internal failure is a friendly 500 page: no stack trace, no error text', async () => {
    const failing = { select: () => { throw new Error('boom: relation "subscribers" at /srv/secret.ts:12'); } } as unknown as Db;
    const lines: string[] = [];
    const app = createReminderRoutes({
      config: () => t.radgate.config,
      db: failing,
      keys: t.radgate.linkKeys,
      log: createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } }),
    });
    const row = await addSubscriber(t, { status: 'expired' });
    const path = await linkPath(t, row);
    const res = await app.request(path, { headers: { host: 'pay.isp.example' } });
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).toContain('Something went wrong on our side');
    expect(body).not.toMatch(/boom|secret|\.ts|at /);
    expect(lines.join('')).toContain('reminder page failed');
    expect(lines.join('')).not.toContain(path.slice(3));
  });

  it('never logs a token', () => {
    expect(tokens.length).toBeGreaterThan(8);
    const raw = t.rawLog();
    for (const token of tokens) {
      expect(raw).not.toContain(token);
      // Not even the signature part alone.
      expect(raw).not.toContain(token.split('.')[2] || '\u0000');
    }
  });
});
