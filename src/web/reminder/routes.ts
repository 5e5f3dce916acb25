/**
 * The reminder routes of the main web app:
 *   GET /r/<token>            the subscriber's reminder page (signed link)
 *   GET /w/<workspace>        a workspace's generic page; also `/` on a host that is one workspace's reminder_host
 *   GET /w/<workspace>/theme.css, /w/<workspace>/logo, /assets/reminder.css
 * Pages carry a CSP without script, `Referrer-Policy: no-referrer` (the token is in the URL) and `no-store`; page
 * views are rate-limited per client address. Failures are friendly pages with the right status; the reason goes to
 * the log with a fingerprint of the token, never the token. Pages are in the language the browser asks for among the
 * workspace's (`Accept-Language`, `?lang=`; language.ts), hence `Vary: Accept-Language`.
 *
 * One workspace's pages are never served on another's domain: everything of a workspace (its link pages, failure
 * pages in its branding, /w/<workspace> and its assets) is served only when the request's host is that workspace's
 * `reminder_host` — the Host header, or X-Forwarded-Host from a trusted proxy (`TrustedProxies.requestHost`),
 * compared without case, port and a trailing dot. Any other host, or none, gets a 302 (no-store) to the same path
 * on the workspace's own host; the redirect is decided before the subscriber is looked up, so it tells nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { LOGO_TYPES, type Config, type WorkspaceConfig } from '../../config/index.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../log.js';
import { RateLimitedLog } from '../../log-limit.js';
import { TrustedProxies } from '../client-address.js';
import { html } from '../../messages/html.js';
import { RateLimiter } from '../rate-limit.js';
import type { LinkKeyRing } from './keys.js';
import { reminderPath, workspacePath } from './links.js';
import { errorPage, ICON_PATH, reminderPage, STYLESHEET_PATH, workspacePage, type ERROR_CONTENT } from './page.js';
import { checkSubject } from './subject.js';
import { BASE_CSS, ICON_SVG, themeCss } from './styles.js';
import { tokenFingerprint, verifyLink } from './tokens.js';
import { reminderView } from './view.js';
import { paymentReferences } from '../hooks/index.js';
import { pageLanguage, VARY } from './language.js';

export interface ReminderRoutesOptions {
  /** The configuration in force (a getter, so a reload takes effect). */
  config: () => Config;
  db: Db;
  keys: LinkKeyRing;
  log: Logger;
  now?: () => Date;
  /** Default: `server.reminder_rate_limit` per minute per client address. */
  rateLimiter?: RateLimiter;
}

/** Headers of every HTML page. No script at all; styles and images from radgate only. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const ASSET_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'public, max-age=300',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** The socket's peer address (node-server bindings); `app.request()` in tests has none. */
export function peerAddress(c: Context): string {
  const env = c.env as Partial<HttpBindings> | undefined;
  return env?.incoming?.socket.remoteAddress ?? '0.0.0.0';
}

interface Logo {
  readonly bytes: Buffer;
  readonly type: string;
}

export function createReminderRoutes(options: ReminderRoutesOptions): Hono {
  const { db, keys } = options;
  // Signed payment references for the payment URL's {reference} (docs/payments.md), keyed from the link keys.
  const references = paymentReferences(keys);
  const log = options.log.child({ component: 'reminder' });
  const errors = new RateLimitedLog(log);
  const now = options.now ?? (() => new Date());
  const limiter = options.rateLimiter ?? new RateLimiter({ limit: options.config().server.reminderRateLimit });
  // Per config object: a reload brings new proxies and logos.
  let cached: { config: Config; proxies: TrustedProxies; logos: Map<string, Logo> } | undefined;
  const current = () => {
    const config = options.config();
    if (cached?.config !== config) cached = { config, proxies: new TrustedProxies(config.server.trustedProxies), logos: loadLogos(config, log) };
    return cached;
  };
  const clientOf = (c: Context) => current().proxies.clientAddress(peerAddress(c), c.req.header('x-forwarded-for'));
  const hostOf = (c: Context) => current().proxies.requestHost(peerAddress(c), c.req.header('host'), c.req.header('x-forwarded-host'));

  /** The page's language: Accept-Language and ?lang among what `workspace` allows (language.ts). */
  const languageOf = (c: Context, workspace: WorkspaceConfig | undefined) =>
    pageLanguage(workspace, c.req.header('accept-language'), c.req.query('lang'));
  const page = (c: Context, status: 200 | keyof typeof ERROR_CONTENT, body: string, extra: Record<string, string> = {}) =>
    c.body(body, status, { ...PAGE_HEADERS, ...VARY, ...extra });
  const failure = (c: Context, status: keyof typeof ERROR_CONTENT, workspace?: WorkspaceConfig, extra?: Record<string, string>) =>
    page(c, status, errorPage(status, workspace, languageOf(c, workspace)), extra);
  /** Counts a page view; a response when over the limit. */
  const limited = (c: Context, client: string) => {
    const verdict = limiter.take(client);
    if (verdict.ok) return undefined;
    log.warn({ client, path: c.req.routePath }, 'reminder page rate limit reached');
    return failure(c, 429, undefined, { 'Retry-After': String(verdict.retryAfterSeconds) });
  };
  /**
   * Undefined when the request is on `workspace`'s reminder host; otherwise a 302 to `path` there (404 for a
   * workspace without a reminder host: it has no public pages).
   */
  const elsewhere = (c: Context, workspace: WorkspaceConfig, path: string, client: string) => {
    const host = hostOf(c);
    if (host !== undefined && host === workspace.reminderHost) return undefined;
    log.info({ client, host: host?.slice(0, 255) ?? null, workspace: workspace.id, route: c.req.routePath }, 'reminder page requested on another host');
    if (workspace.reminderHost === undefined) return failure(c, 404);
    const location = `https://${workspace.reminderHost}${path}`;
    const t = languageOf(c, workspace);
    const body = html`<!doctype html><html lang="${t.language}"><head><meta charset="utf-8"><title>${t.text('redirect.title')}</title></head><body><p><a href="${location}">${t.text('redirect.continue')}</a></p></body></html>\n`;
    return c.body(body.value, 302, { ...PAGE_HEADERS, ...VARY, Location: location });
  };

  const app = new Hono();

  app.get('/r/:token', async (c) => {
    const client = clientOf(c);
    const over = limited(c, client);
    if (over) return over;
    const token = c.req.param('token');
    const link = tokenFingerprint(token);
    try {
      const config = current().config;
      const at = now();
      const check = await verifyLink(keys, token, { now: at });
      if (!check.ok) {
        log.info({ client, link, keyId: check.keyId, status: check.status, reason: check.reason }, 'reminder link refused');
        // Branded only with a verified workspace (an expired link), and only on that workspace's host.
        const signed = check.workspaceId === undefined ? undefined : config.workspaceById.get(check.workspaceId);
        if (signed === undefined) return failure(c, check.status);
        return elsewhere(c, signed, reminderPath(token), client) ?? failure(c, check.status, signed);
      }
      const { claims } = check;
      const workspace = config.workspaceById.get(claims.workspaceId);
      if (workspace === undefined) {
        log.info({ client, link, workspace: claims.workspaceId, status: 410, reason: 'workspace no longer configured' }, 'reminder link refused');
        return failure(c, 410);
      }
      const moved = elsewhere(c, workspace, reminderPath(token), client);
      if (moved) return moved;
      const subject = await checkSubject(db, claims);
      if (!subject.ok) {
        log.info({ client, link, workspace: workspace.id, subscriberId: claims.subscriberId, status: 410, reason: subject.reason }, 'reminder link refused');
        return failure(c, 410, workspace);
      }
      const subscriber = subject.subscriber;
      const t = languageOf(c, workspace);
      const paymentReference = workspace.paymentUrl?.includes('{reference}') ? references.sign({ workspaceId: workspace.id, account: subscriber.accountNumber }) : undefined;
      const view = reminderView({ ...subscriber, paymentReference }, config.planByName.get(subscriber.plan), workspace, at, t);
      log.info({ client, link, workspace: workspace.id, subscriberId: subscriber.id, status: subscriber.status, language: t.language }, 'reminder page shown');
      return page(c, 200, reminderPage(workspace, view, t));
    } catch (err) {
      errors.error('reminder-page', err, 'reminder page failed', { client, link });
      return failure(c, 500);
    }
  });

  app.get('/w/:workspace', (c) => {
    const client = clientOf(c);
    const over = limited(c, client);
    if (over) return over;
    const workspace = current().config.workspaceById.get(c.req.param('workspace'));
    if (workspace === undefined) return failure(c, 404);
    return elsewhere(c, workspace, workspacePath(workspace.id), client) ?? page(c, 200, workspacePage(workspace, languageOf(c, workspace)));
  });

  // The bare reminder host (a subscriber typing pay.isp.example) shows that workspace's page; other hosts fall through.
  app.get('/', async (c, next) => {
    const host = hostOf(c);
    const matches = host === undefined ? [] : current().config.workspaces.filter((w) => w.reminderHost === host);
    if (matches.length !== 1) return next();
    const over = limited(c, clientOf(c));
    if (over) return over;
    return page(c, 200, workspacePage(matches[0]!, languageOf(c, matches[0])));
  });

  app.get(STYLESHEET_PATH, (c) => c.body(BASE_CSS, 200, { ...ASSET_HEADERS, 'Content-Type': 'text/css; charset=utf-8' }));

  app.get(ICON_PATH, (c) => c.body(ICON_SVG, 200, { ...ASSET_HEADERS, 'Content-Type': 'image/svg+xml' }));

  app.get('/w/:workspace/theme.css', (c) => {
    const workspace = current().config.workspaceById.get(c.req.param('workspace'));
    if (workspace === undefined) return c.body('/* unknown workspace */\n', 404, { ...ASSET_HEADERS, 'Content-Type': 'text/css; charset=utf-8' });
    return elsewhere(c, workspace, `${workspacePath(workspace.id)}/theme.css`, clientOf(c))
      ?? c.body(themeCss(workspace), 200, { ...ASSET_HEADERS, 'Content-Type': 'text/css; charset=utf-8' });
  });

  app.get('/w/:workspace/logo', (c) => {
    const workspace = current().config.workspaceById.get(c.req.param('workspace'));
    const logo = current().logos.get(c.req.param('workspace'));
    if (workspace === undefined || logo === undefined) return failure(c, 404);
    const moved = elsewhere(c, workspace, `${workspacePath(workspace.id)}/logo`, clientOf(c));
    if (moved) return moved;
    return c.body(new Uint8Array(logo.bytes), 200, {
      ...ASSET_HEADERS,
      'Content-Type': logo.type,
      // An SVG opened on its own must not run script.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    });
  });

  return app;
}

/** Reads each workspace's logo once (config checked that it exists and is small); a vanished file is logged. */
function loadLogos(config: Config, log: Logger): Map<string, Logo> {
  const logos = new Map<string, Logo>();
  for (const workspace of config.workspaces) {
    const file = workspace.branding.logo;
    if (file === undefined) continue;
    try {
      logos.set(workspace.id, { bytes: readFileSync(file), type: LOGO_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' });
    } catch (err) {
      log.error({ err, workspace: workspace.id, file }, 'cannot read the workspace logo; pages show the name only');
    }
  }
  return logos;
}
