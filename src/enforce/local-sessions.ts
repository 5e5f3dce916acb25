/**
 * @module enforce/local-sessions
 * Sessions of router-local subscribers (docs/mixed-fleet.md, "Sessions and reconcile"). Their router asks no
 * RADIUS, so radgate learns their sessions from the router's own list (`/ppp/active`, `/ip/hotspot/active`) and
 * keeps them as `learned_from = 'router'` rows: `radgate sessions`, the captive redirect (address → session →
 * subscriber) and enforcement then see them like any other.
 *
 * - a listed session of a local subscriber radgate has no open session for → opened;
 * - a router-learned session still listed → touched (last seen now, so the stale sweep leaves it);
 * - a router-learned session no longer listed → closed (Lost-Service, as radgate-inferred);
 * - when the router also sends RADIUS accounting for local users (`/ppp aaa accounting=yes`), the accounting row is
 *   the session: a listed session it matches (same user, and the same session id or address) is not learned again,
 *   and a router-learned row it covers is closed; an accounting row the handler could not attach to a subscriber
 *   (entry name ≠ username) is attached.
 *
 * `planLocalSessions` is pure; the ports apply the plan.
 */

import { formatIp, parseIp } from '../config/index.js';
import { sameSessionId } from '../routeros/kick.js';
import { entryKey, localSubscriberIndex, type LocalSubscriber } from './reconcile-local.js';
import type { RadgateSession, RouterSession } from './reconcile.js';

/**
 * Seconds between two looks at a router with router-local subscribers (the server's periodic learning). A learned
 * session's interim interval: without a look for stale factor × this, the stale sweep closes it.
 */
export const LEARN_INTERVAL_SECONDS = 60;

export interface LocalSessionPlan {
  /** Listed sessions to open, with their subscriber. */
  readonly learn: ReadonlyArray<{ readonly session: RouterSession; readonly subscriber: LocalSubscriber }>;
  /** Router-learned sessions still listed. */
  readonly touch: readonly number[];
  /** Router-learned sessions to close: gone from the list, or covered by an accounting row. */
  readonly close: ReadonlyArray<{ readonly session: RadgateSession; readonly why: 'gone' | 'covered by accounting' }>;
  /** Accounting rows of local subscribers that name no subscriber yet. */
  readonly attach: ReadonlyArray<{ readonly id: number; readonly subscriberId: number }>;
}

/** Printable ASCII without spaces, as session ids and row ids are; anything else from the router is not one. */
const TOKEN = /^[\x21-\x7e]{1,64}$/;

/**
 * The Acct-Session-Id radgate stores for a listed session: `session-id` without `0x`, lower case (as RouterOS writes
 * Acct-Session-Id, *unverified*, docs/routeros.md §10); else — HotSpot rows may show none — the row id, unique while
 * the session lives.
 */
export function listedSessionId(r: Pick<RouterSession, 'id' | 'sessionId'>): string {
  const id = r.sessionId?.trim();
  if (id !== undefined && TOKEN.test(id)) return id.toLowerCase().replace(/^0x/, '');
  return `routeros${TOKEN.test(r.id) ? r.id : '?'}`;
}

/** The listed address when it is an IP address (canonical form, as accounting's Framed-IP-Address is stored). */
export function listedAddress(r: Pick<RouterSession, 'address'>): string | null {
  const parsed = r.address === undefined ? undefined : parseIp(r.address.trim());
  return parsed === undefined ? null : formatIp(parsed);
}

/** `caller-id` / `mac-address` as stored text: no control characters, at most 64 characters. */
export function listedCallerId(r: Pick<RouterSession, 'callerId'>): string | null {
  const text = r.callerId?.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '').trim().slice(0, 64);
  return text === undefined || text === '' ? null : text;
}

function sameSession(a: { user: string; sessionId: string | undefined; address: string | null | undefined }, s: RadgateSession): boolean {
  if (a.user !== s.username) return false;
  if (a.sessionId !== undefined && a.sessionId !== '' && sameSessionId(a.sessionId, s.acctSessionId)) return true;
  return a.address !== undefined && a.address !== null && a.address === s.framedIpAddress;
}

export function planLocalSessions(input: {
  readonly routerSessions: readonly RouterSession[];
  readonly radgateSessions: readonly RadgateSession[];
  readonly subscribers: readonly LocalSubscriber[];
}): LocalSessionPlan {
  const index = localSubscriberIndex(input.subscribers.filter((s) => !s.deleted));
  const accounting = input.radgateSessions.filter((s) => s.learnedFrom !== 'router');
  const learned = input.radgateSessions.filter((s) => s.learnedFrom === 'router');
  const learn: Array<LocalSessionPlan['learn'][number]> = [];
  const seen = new Set<number>();
  const attach = new Map<number, number>();
  const planned = new Set<string>();
  for (const r of input.routerSessions) {
    const subscriber = index.get(entryKey(r.service, r.user));
    if (subscriber === undefined) continue;
    const byAccounting = accounting.find((s) => sameSession({ user: r.user, sessionId: r.sessionId, address: listedAddress(r) }, s));
    if (byAccounting !== undefined) {
      if (byAccounting.subscriberId === null) attach.set(byAccounting.id, subscriber.id);
      continue;
    }
    const key = listedSessionId(r);
    const known = learned.find((s) => s.username === r.user && s.acctSessionId === key);
    if (known !== undefined) seen.add(known.id);
    // One row per identity: a router listing the same session twice must not make one statement touch a row twice.
    else if (!planned.has(entryKey(r.user, key))) {
      planned.add(entryKey(r.user, key));
      learn.push({ session: r, subscriber });
    }
  }
  const close: Array<LocalSessionPlan['close'][number]> = [];
  const touch: number[] = [];
  for (const s of learned) {
    const covered = accounting.some((a) => sameSession({ user: s.username, sessionId: s.acctSessionId, address: s.framedIpAddress }, a));
    if (covered) close.push({ session: s, why: 'covered by accounting' });
    else if (seen.has(s.id)) touch.push(s.id);
    else close.push({ session: s, why: 'gone' });
  }
  return { learn, touch, close, attach: [...attach].map(([id, subscriberId]) => ({ id, subscriberId })) };
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { w: 604_800, d: 86_400, h: 3600, m: 60, s: 1 };

/**
 * A RouterOS duration (`uptime`): `1w2d3h4m5s` as the API prints it, or the console's `1w2d03:04:05`; 0 when it is
 * neither (the session's start is then taken as now).
 */
export function routerUptimeSeconds(text: string | undefined): number {
  const value = text?.trim() ?? '';
  const clock = /^((?:\d+[wd])*)(\d+):(\d{2}):(\d{2})$/.exec(value);
  const units = clock ? clock[1]! : value;
  if (!clock && !/^(\d+(ms|[wdhms]))+$/.test(value)) return 0;
  let seconds = 0;
  for (const [, n, unit] of units.matchAll(/(\d+)(ms|[wdhms])/g)) if (unit !== 'ms') seconds += Number(n) * UNIT_SECONDS[unit!]!;
  if (clock) seconds += Number(clock[2]) * 3600 + Number(clock[3]) * 60 + Number(clock[4]);
  return Number.isSafeInteger(seconds) ? seconds : 0;
}
