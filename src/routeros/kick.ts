/**
 * Ending a live session through the RouterOS API, the last rung of the enforcement ladder (docs/routeros.md §10): find
 * the row in `/ppp/active` (by name, then session id or address) or `/ip/hotspot/active` (by user), remove it, and for
 * HotSpot also the user's cookies (or the browser logs straight back in). No row — `!empty`, an empty print, or a
 * "no such item" trap on remove because the session ended meanwhile — means the session is already gone.
 */
import type { Row, RouterOsApi } from './api.js';
import { RouterOsError } from './connection.js';

export type KickResult =
  | { outcome: 'removed'; removed: Row[]; cookiesRemoved: number; detail: string }
  | { outcome: 'gone'; cookiesRemoved: number; detail: string };

export interface PppSession {
  /** PPP user name (`name` in /ppp/active). */
  user: string;
  /** RADIUS Acct-Session-Id, e.g. `81a00003`; compared with `session-id` however the router writes it. */
  sessionId?: string | undefined;
  /** Framed-IP-Address (`address`). */
  address?: string | undefined;
}

/**
 * `/ppp/active`'s `session-id` is `0x81A00003` in some RouterOS versions and the bare hex in others (*unverified*,
 * docs/routeros.md §10): compare without `0x`, case and leading zeros.
 */
export function sameSessionId(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().toLowerCase().replace(/^0x/, '').replace(/^0+(?=.)/, '');
  return norm(a) === norm(b);
}

function isNoSuchItem(err: unknown): boolean {
  return err instanceof RouterOsError && err.failure === 'trap' && /no such item/i.test(err.routerMessage ?? '');
}

/** Remove rows; a row that vanished in between (the session ended) is not an error. */
async function removeRows(api: RouterOsApi, path: string, rows: Row[]): Promise<Row[]> {
  const removed: Row[] = [];
  for (const row of rows) {
    const id = row['.id'];
    if (id === undefined) continue;
    try {
      await api.remove(path, id);
      removed.push(row);
    } catch (err) {
      if (!isNoSuchItem(err)) throw err;
    }
  }
  return removed;
}

/**
 * Kick one PPP session. With `sessionId` and/or `address`, only the row that matches is removed (another session of
 * the same user, e.g. a reconnect, is left alone); with neither, every session of the user.
 */
export async function kickPppSession(api: RouterOsApi, session: PppSession): Promise<KickResult> {
  const rows = await api.print('/ppp/active', { query: { name: session.user }, proplist: ['.id', 'name', 'address', 'session-id', 'caller-id'] });
  if (rows.length === 0) return { outcome: 'gone', cookiesRemoved: 0, detail: `no /ppp/active row for ${session.user}` };
  let targets = rows;
  if (session.sessionId !== undefined || session.address !== undefined) {
    const byId = session.sessionId === undefined ? [] : rows.filter((r) => r['session-id'] !== undefined && sameSessionId(r['session-id'], session.sessionId!));
    targets = byId.length > 0 ? byId : rows.filter((r) => session.address !== undefined && r['address'] === session.address);
    if (targets.length === 0) {
      const which = [session.sessionId && `session-id ${session.sessionId}`, session.address && `address ${session.address}`].filter(Boolean).join(' or ');
      return { outcome: 'gone', cookiesRemoved: 0, detail: `no /ppp/active row for ${session.user} with ${which} (${rows.length} other session(s) left alone)` };
    }
  }
  const removed = await removeRows(api, '/ppp/active', targets);
  if (removed.length === 0) return { outcome: 'gone', cookiesRemoved: 0, detail: `/ppp/active row for ${session.user} ended before it could be removed` };
  return { outcome: 'removed', removed, cookiesRemoved: 0, detail: `removed /ppp/active ${removed.map((r) => r['.id']).join(',')} (${session.user})` };
}

export interface HotspotSession {
  /** HotSpot user name (`user` in /ip/hotspot/active and /ip/hotspot/cookie). */
  user: string;
  /** Framed-IP-Address (`address`): only that host's session is removed. */
  address?: string | undefined;
}

/** Kick a HotSpot session and remove every cookie of the user. */
export async function kickHotspotSession(api: RouterOsApi, session: HotspotSession): Promise<KickResult> {
  const rows = await api.print('/ip/hotspot/active', { query: { user: session.user }, proplist: ['.id', 'user', 'address', 'mac-address'] });
  const targets = session.address === undefined ? rows : rows.filter((r) => r['address'] === session.address);
  const removed = await removeRows(api, '/ip/hotspot/active', targets);
  const cookies = await api.print('/ip/hotspot/cookie', { query: { user: session.user }, proplist: ['.id', 'user'] });
  const cookiesRemoved = (await removeRows(api, '/ip/hotspot/cookie', cookies)).length;
  const cookieText = cookiesRemoved > 0 ? `, ${cookiesRemoved} cookie(s)` : '';
  if (removed.length === 0) {
    return { outcome: 'gone', cookiesRemoved, detail: `no /ip/hotspot/active row for ${session.user}${session.address ? ` at ${session.address}` : ''}${cookieText}` };
  }
  return { outcome: 'removed', removed, cookiesRemoved, detail: `removed /ip/hotspot/active ${removed.map((r) => r['.id']).join(',')} (${session.user})${cookieText}` };
}
