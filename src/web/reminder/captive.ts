/**
 * The captive redirect: routers dst-nat restricted subscribers' port-80 traffic to this listener, with the
 * original Host and path. Every request — any method, host or path — gets a `302` (no-store) to the reminder page
 * of the subscriber holding the source address (open session → subscriber → signed link), or to the workspace's
 * generic page when the address is unknown. The target host is always a configured `reminder_host`: nothing in
 * the request (Host, path, query) reaches the Location, so this is never an open redirect.
 *
 * Workspace of an unknown address: the workspace whose `redirect_ip` the request arrived on, else the only
 * workspace with a reminder host; with several and no match, a neutral page (no guess at whose customer it is).
 * The neutral page and the redirect bodies are in any shipped language the browser asks for (`Accept-Language`),
 * English by default: no workspace is known to narrow the choice (docs/languages.md).
 */
import { Hono, type Context } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { formatIp, parseIp, type Config, type WorkspaceConfig } from '../../config/index.js';
import type { Db } from '../../db/client.js';
import type { Logger } from '../../log.js';
import { RateLimitedLog } from '../../log-limit.js';
import { findOpenSessionByIp, findOpenSessionByIpv6 } from '../../sessions/store.js';
import { subscriberById, subscribersWithStaticIp } from '../../subscribers/table.js';
import { TrustedProxies } from '../client-address.js';
import { html } from '../../messages/html.js';
import type { LinkKeyRing } from './keys.js';
import { pageLanguage, VARY } from './language.js';
import { reminderLink, workspaceUrl } from './links.js';
import { peerAddress } from './routes.js';

/** Who holds an address: a subscriber id (null = a session of an unknown user) and their workspace. */
export type AddressLookup = (ip: string) => Promise<{ subscriberId: number | null; workspaceId: string } | undefined>;

export interface CaptiveOptions {
  config: () => Config;
  db: Db;
  keys: LinkKeyRing;
  log: Logger;
  /** Default: the open session holding the address, else the subscriber with that static IP. */
  lookup?: AddressLookup;
  now?: () => Date;
  /** How long a decision per address is reused, ms (devices fire many requests at once). Default 10 000. */
  cacheMs?: number;
}

const REDIRECT_HEADERS = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'Content-Type': 'text/html; charset=utf-8' };
const MAX_CACHE = 50_000;

/**
 * Open session first; a subscriber with that static IP (e.g. accounting was lost) second. An IPv6 client is found by
 * the open session whose framed or delegated prefix contains its address (RFC 3162, RFC 4818; SLAAC on the PPP link
 * or a delegated LAN prefix); static IPs are IPv4 only.
 */
export function defaultLookup(db: Db): AddressLookup {
  return async (ip) => {
    const parsed = parseIp(ip);
    if (parsed?.family === 6) {
      const session = await findOpenSessionByIpv6(db, formatIp(parsed));
      return session === undefined ? undefined : { subscriberId: session.subscriberId, workspaceId: session.workspaceId };
    }
    const session = await findOpenSessionByIp(db, ip);
    if (session?.subscriberId != null) return { subscriberId: session.subscriberId, workspaceId: session.workspaceId };
    const rows = await subscribersWithStaticIp(db, ip, 2);
    // Two subscribers with one static IP (in different workspaces): ambiguous, so not a guess.
    if (rows.length === 1) return { subscriberId: rows[0]!.id, workspaceId: rows[0]!.workspaceId };
    return session === undefined ? undefined : { subscriberId: null, workspaceId: session.workspaceId };
  };
}

function localAddress(c: Context): string | undefined {
  const address = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket.localAddress;
  const parsed = address === undefined ? undefined : parseIp(address);
  return parsed === undefined ? undefined : formatIp(parsed);
}

export function createCaptiveApp(options: CaptiveOptions): Hono {
  const { db, keys } = options;
  const log = options.log.child({ component: 'captive' });
  // Every redirected request fails the same way while the database is away: one line a minute (src/log-limit.ts).
  const errors = new RateLimitedLog(log);
  const lookup = options.lookup ?? defaultLookup(db);
  const now = options.now ?? (() => new Date());
  const cacheMs = options.cacheMs ?? 10_000;
  const decisions = new Map<string, { location: string | undefined; until: number }>();
  let cached: { config: Config; proxies: TrustedProxies } | undefined;
  const current = () => {
    const config = options.config();
    if (cached?.config !== config) {
      cached = { config, proxies: new TrustedProxies(config.server.trustedProxies) };
      decisions.clear();
    }
    return cached;
  };

  /** The workspace an unknown address is shown. */
  const fallbackWorkspace = (config: Config, local: string | undefined): WorkspaceConfig | undefined => {
    const byIp = local === undefined ? undefined : config.workspaces.find((w) => w.redirectIp === local && w.reminderHost !== undefined);
    if (byIp) return byIp;
    const withHost = config.workspaces.filter((w) => w.reminderHost !== undefined);
    return withHost.length === 1 ? withHost[0] : undefined;
  };

  const decide = async (config: Config, client: string, local: string | undefined): Promise<string | undefined> => {
    const holder = await lookup(client);
    if (holder?.subscriberId != null) {
      const row = await subscriberById(db, holder.subscriberId);
      const workspace = row ? config.workspaceById.get(row.workspaceId) : undefined;
      if (row && workspace?.reminderHost !== undefined) {
        const link = await reminderLink(keys, workspace, row, { now: now() });
        log.debug({ client, subscriberId: row.id, workspace: workspace.id }, 'captive redirect to the reminder page');
        return link.url;
      }
    }
    const workspace = (holder && config.workspaceById.get(holder.workspaceId)?.reminderHost !== undefined)
      ? config.workspaceById.get(holder.workspaceId)
      : fallbackWorkspace(config, local);
    log.debug({ client, workspace: workspace?.id }, 'captive redirect for an unknown address');
    return workspace === undefined ? undefined : workspaceUrl(workspace);
  };

  const app = new Hono();
  app.all('*', async (c) => {
    const { config, proxies } = current();
    const client = proxies.clientAddress(peerAddress(c), c.req.header('x-forwarded-for'));
    const local = localAddress(c);
    const key = `${client}|${local ?? ''}`;
    const at = Date.now();
    let decision = decisions.get(key);
    if (decision === undefined || decision.until <= at) {
      let location: string | undefined;
      try {
        location = await decide(config, client, local);
      } catch (err) {
        errors.error('captive-lookup', err, 'captive lookup failed; sending the generic page', { client });
        const workspace = fallbackWorkspace(config, local);
        location = workspace === undefined ? undefined : workspaceUrl(workspace);
        return location === undefined ? neutral(c, 503) : redirect(c, location);
      }
      decision = { location, until: at + cacheMs };
      decisions.delete(key);
      decisions.set(key, decision);
      while (decisions.size > MAX_CACHE) decisions.delete(decisions.keys().next().value!);
    }
    return decision.location === undefined ? neutral(c, 200) : redirect(c, decision.location);
  });
  return app;
}

/** The language of a captive response: any shipped language the browser asks for, English by default. */
const captiveLanguage = (c: Context) => pageLanguage(undefined, c.req.header('accept-language'));

function redirect(c: Context, location: string): Response {
  const t = captiveLanguage(c);
  const body = html`<!doctype html><html lang="${t.language}"><head><meta charset="utf-8"><title>${t.text('redirect.title')}</title></head><body><p><a href="${location}">${t.text('redirect.account')}</a></p></body></html>\n`;
  return c.body(body.value, 302, { ...REDIRECT_HEADERS, ...VARY, Location: location });
}

/** No workspace can be told: a plain page with no links and no guess. */
function neutral(c: Context, status: 200 | 503): Response {
  const t = captiveLanguage(c);
  const heading = t.text('captive.heading');
  const body = html`<!doctype html><html lang="${t.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${heading}</title></head><body><h1>${heading}</h1><p>${t.text('captive.text')}</p></body></html>\n`;
  return c.body(body.value, status, { ...REDIRECT_HEADERS, ...VARY, 'Content-Security-Policy': "default-src 'none'" });
}
