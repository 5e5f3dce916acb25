/**
 * @module enforce/reconcile
 * Reconciliation of one router with radgate (docs/routeros.md §6): the live sessions the router holds (`/ppp/active`,
 * `/ip/hotspot/active`) against radgate's open sessions, and the unpaid address list against the subscribers who
 * should be in it. Drift, each kind with its fix (`--fix`):
 *
 * - `unknown-session`  a RADIUS session on the router radgate has no open session for → kicked: the subscriber logs
 *                      in again through radgate, whose accounting then knows the session.
 * - `gone-session`     open in radgate, not on the router → closed in radgate (Lost-Service), as the stale sweep would.
 * - `stale-entry`      a listed address no radgate subscriber's session holds (session over, pool address reused by a
 *                      non-RADIUS user) → entry removed.
 * - `paying-listed`    a listed address held by a subscriber who should not be restricted → entry removed.
 * - `unpaid-missing`   an online subscriber who should be restricted whose address is not listed → entry added with
 *                      `comment=radgate-user:<user>`, as the expired profile's on-up script does.
 * - the same three for the IPv6 unpaid list (`/ipv6/firewall/address-list`, NAS `router.ipv6`), against the IPv6
 *   prefixes (Framed-IPv6-Prefix, Delegated-IPv6-Prefix) accounting gave radgate's open sessions that the router
 *   still lists (docs/routeros.md §15).
 * - `local-entry-drift`, `local-entry-lost`, `unknown-entry`: the router's own entries against radgate's
 *                      router-local subscribers (src/enforce/reconcile-local.ts).
 *
 * A session on the router of a router-local subscriber (docs/mixed-fleet.md) is neither unknown nor gone: every run
 * first learns those sessions into radgate (src/enforce/local-sessions.ts), with or without `--fix` — learning is
 * what accounting would have told radgate, not a change to the router.
 *
 * `findDrift` is pure; `reconcile` reads, decides and (optionally) fixes through `ReconcilePorts`.
 */

import type { LocalService, SessionOrigin, SubscriberStatus } from '../db/schema.js';
import { kickHotspotSession, kickPppSession, type Row, type RouterOsApi } from '../routeros/api.js';
import { sameSessionId } from '../routeros/kick.js';
import { USER_TAG_PREFIX } from '../routeros/ppp-scripts.js';
import { formatIp, parseIp, type RouterService } from '../config/index.js';
import { planLocalSessions, type LocalSessionPlan } from './local-sessions.js';
import {
  correctEntry, entryKey, ENTRY_PATH, shown, findLocalDrift, localSubscriberIndex, readEntryForAdoption, readLocalEntries, recreateEntry,
  type LocalDrift, type LocalEntry, type LocalSubscriber,
} from './reconcile-local.js';

/** A session as the router lists it. */
export interface RouterSession {
  readonly id: string;
  readonly service: RouterService;
  readonly user: string;
  readonly address: string | undefined;
  /** Acct-Session-Id as the router shows it (`session-id`), when it does. */
  readonly sessionId: string | undefined;
  /** Authenticated by RADIUS (false: a local PPP secret / HotSpot user, not radgate's). */
  readonly radius: boolean;
  /** `caller-id` (PPP: the client's MAC for PPPoE) or `mac-address` (HotSpot). */
  readonly callerId?: string | undefined;
  /** `uptime` as the router prints it. */
  readonly uptime?: string | undefined;
}

/** An open session in radgate's database. */
export interface RadgateSession {
  readonly id: number;
  readonly subscriberId: number | null;
  readonly username: string;
  readonly acctSessionId: string;
  readonly framedIpAddress: string | null;
  /** IPv6 prefixes from accounting (canonical text, src/radius/ipv6-attributes.ts); undefined or null = none. */
  readonly framedIpv6Prefix?: string | null | undefined;
  readonly delegatedIpv6Prefix?: string | null | undefined;
  /** How radgate learned it; undefined = accounting. */
  readonly learnedFrom?: SessionOrigin | undefined;
}

/** An entry of the unpaid address list. */
export interface ListEntry {
  readonly id: string;
  readonly address: string;
  readonly comment: string | undefined;
  readonly dynamic: boolean;
  /** Which unpaid list holds it: 4 `/ip/firewall/address-list` (default), 6 `/ipv6/firewall/address-list`. */
  readonly family?: 4 | 6 | undefined;
}

export type Drift =
  | { readonly kind: 'unknown-session'; readonly session: RouterSession }
  | { readonly kind: 'gone-session'; readonly session: RadgateSession }
  | { readonly kind: 'stale-entry'; readonly entry: ListEntry; readonly why: string }
  | { readonly kind: 'paying-listed'; readonly entry: ListEntry; readonly user: string; readonly status: SubscriberStatus }
  | { readonly kind: 'unpaid-missing'; readonly user: string; readonly address: string; readonly status: SubscriberStatus; readonly family?: 4 | 6 | undefined }
  | LocalDrift;

export interface DriftInput {
  readonly routerSessions: readonly RouterSession[];
  /** Radgate's open sessions of this router; undefined when they cannot be told apart from other routers'. */
  readonly radgateSessions: readonly RadgateSession[] | undefined;
  readonly entries: readonly ListEntry[];
  /** Status of each subscriber by username (absent: no such subscriber in the NAS's workspace). */
  readonly statuses: ReadonlyMap<string, SubscriberStatus>;
  /** Whether a subscriber in this status belongs on the unpaid list. */
  readonly restricted: (status: SubscriberStatus) => boolean;
  /** Router-local subscribers of this NAS (deleted ones too). Default none. */
  readonly localSubscribers?: readonly LocalSubscriber[] | undefined;
  /** The router's entries of `entryServices`; undefined: not read, no entry drift. */
  readonly localEntries?: readonly LocalEntry[] | undefined;
  readonly entryServices?: readonly LocalService[] | undefined;
  /** The IPv6 unpaid list's entries (`family: 6`); undefined: not read (no `router.ipv6`), no IPv6 drift. */
  readonly ipv6Entries?: readonly ListEntry[] | undefined;
}

/**
 * An IPv6 prefix as one text per network, to compare the router's `address` with accounting's: `2001:DB8:1:0::/64`
 * and `2001:db8:1::/64` are one, a bare address is its /128. Undefined when it is no IPv6 prefix.
 */
export function ipv6PrefixKey(text: string): string | undefined {
  const slash = text.indexOf('/');
  const address = parseIp(slash === -1 ? text : text.slice(0, slash));
  const length = slash === -1 ? 128 : Number(text.slice(slash + 1));
  if (address?.family !== 6 || !Number.isInteger(length) || length < 0 || length > 128) return undefined;
  const mask = length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(128 - length);
  return `${formatIp({ family: 6, value: address.value & mask })}/${length}`;
}

function matchesRadgate(r: RouterSession, s: RadgateSession): boolean {
  if (r.user !== s.username) return false;
  if (r.sessionId !== undefined && r.sessionId !== '') return sameSessionId(r.sessionId, s.acctSessionId);
  return r.address !== undefined && r.address === s.framedIpAddress;
}

/**
 * Every drift between the router and radgate, in a stable order (sessions, then list entries, then missing, then
 * local entries).
 */
export function findDrift(input: DriftInput): Drift[] {
  const drift: Drift[] = [];
  const local = localSubscriberIndex((input.localSubscribers ?? []).filter((s) => !s.deleted));
  const localOf = (r: RouterSession) => local.get(entryKey(r.service, r.user));
  // A local subscriber's session is learned (local-sessions.ts), never kicked as unknown; a non-RADIUS session of
  // someone radgate does not know is none of its business.
  const radiusSessions = input.routerSessions.filter((r) => r.radius && localOf(r) === undefined);

  if (input.radgateSessions !== undefined) {
    // Router-learned sessions are the learner's to close; an accounting session is gone only when no row of the
    // router, RADIUS or not, holds it (a local user's router may send accounting too).
    const radgate = input.radgateSessions.filter((s) => s.learnedFrom !== 'router');
    for (const r of radiusSessions) {
      if (!radgate.some((s) => matchesRadgate(r, s))) drift.push({ kind: 'unknown-session', session: r });
    }
    // A local subscriber's accounting row is also held by a row of the same user and address (local-sessions.ts).
    const holds = (r: RouterSession, s: RadgateSession) =>
      matchesRadgate(r, s) || (localOf(r) !== undefined && r.user === s.username && r.address !== undefined && r.address === s.framedIpAddress);
    for (const s of radgate) {
      if (!input.routerSessions.some((r) => holds(r, s))) drift.push({ kind: 'gone-session', session: s });
    }
  }

  const holder = new Map<string, RouterSession>();
  for (const r of input.routerSessions) if (r.address !== undefined) holder.set(r.address, r);
  const listed = new Set<string>();
  for (const entry of input.entries) {
    listed.add(entry.address);
    const session = holder.get(entry.address);
    if (session === undefined) {
      drift.push({ kind: 'stale-entry', entry, why: 'no session holds this address' });
      continue;
    }
    const status = statusOf(session);
    if (status === undefined) {
      const why = session.radius ? `held by ${session.user}, who is not a radgate subscriber` : `held by ${session.user}, not a RADIUS session`;
      drift.push({ kind: 'stale-entry', entry, why });
    } else if (!input.restricted(status)) {
      drift.push({ kind: 'paying-listed', entry, user: session.user, status });
    }
  }
  for (const r of input.routerSessions) {
    const status = statusOf(r);
    if (r.address === undefined || status === undefined || !input.restricted(status) || listed.has(r.address)) continue;
    drift.push({ kind: 'unpaid-missing', user: r.user, address: r.address, status });
  }

  if (input.ipv6Entries !== undefined && input.radgateSessions !== undefined) {
    // A prefix is held while radgate's session that carries it is still on the router (radgate's view alone could
    // be a session already over); its holder's status decides, as for IPv4.
    const held = new Map<string, RouterSession>();
    for (const s of input.radgateSessions) {
      const live = input.routerSessions.find((r) => matchesRadgate(r, s));
      if (live === undefined) continue;
      for (const prefix of [s.framedIpv6Prefix, s.delegatedIpv6Prefix]) {
        const key = prefix == null ? undefined : ipv6PrefixKey(prefix);
        if (key !== undefined) held.set(key, live);
      }
    }
    const listed6 = new Set<string>();
    for (const entry of input.ipv6Entries) {
      const key = ipv6PrefixKey(entry.address) ?? entry.address;
      listed6.add(key);
      const session = held.get(key);
      if (session === undefined) {
        drift.push({ kind: 'stale-entry', entry, why: 'no session holds this IPv6 prefix' });
        continue;
      }
      const status = statusOf(session);
      if (status === undefined) drift.push({ kind: 'stale-entry', entry, why: `held by ${session.user}, who is not a radgate subscriber` });
      else if (!input.restricted(status)) drift.push({ kind: 'paying-listed', entry, user: session.user, status });
    }
    for (const [prefix, session] of held) {
      const status = statusOf(session);
      if (status === undefined || !input.restricted(status) || listed6.has(prefix)) continue;
      drift.push({ kind: 'unpaid-missing', user: session.user, address: prefix, status, family: 6 });
    }
  }

  if (input.localEntries !== undefined) {
    const localNames = new Set((input.localSubscribers ?? []).map((s) => s.username));
    const radiusUsers = new Set([...input.statuses.keys()].filter((name) => !localNames.has(name)));
    drift.push(...findLocalDrift({
      subscribers: input.localSubscribers ?? [], entries: input.localEntries, services: input.entryServices ?? [], radiusUsers,
    }));
  }
  return drift;

  /** The status that decides a session's place on the unpaid list: its local subscriber's, else its RADIUS user's. */
  function statusOf(r: RouterSession): SubscriberStatus | undefined {
    const l = localOf(r);
    if (l !== undefined) return l.status;
    return r.radius ? input.statuses.get(r.user) : undefined;
  }
}

/** What `reconcile` reads and writes besides the router. */
export interface ReconcilePorts {
  readonly api: RouterOsApi;
  readonly services: readonly RouterService[];
  /** The unpaid address list's name (the same name on `/ip` and `/ipv6`). */
  readonly addressList: string;
  /** Also reconcile the IPv6 unpaid list (NAS `router.ipv6`). Default false. */
  readonly ipv6?: boolean | undefined;
  /** Open sessions of this router (only of these usernames, when given); undefined when they cannot be told apart. */
  openSessions(usernames?: readonly string[]): Promise<readonly RadgateSession[] | undefined>;
  statuses(usernames: readonly string[]): Promise<ReadonlyMap<string, SubscriberStatus>>;
  restricted(status: SubscriberStatus): boolean;
  closeSessions(sessions: readonly RadgateSession[]): Promise<void>;
  /** Router-local subscribers of this NAS (deleted ones too). */
  localSubscribers(): Promise<readonly LocalSubscriber[]>;
  /** Writes what was learned of local subscribers' sessions into radgate's sessions. */
  applySessionPlan(plan: LocalSessionPlan): Promise<void>;
  /** A subscriber's clear-text password, to recreate its entry with; rejects when it cannot be read. */
  password(subscriberId: number): Promise<string>;
  /**
   * Imports an unknown entry (its full row, password included) as a router-local subscriber (`--fix --adopt`);
   * resolves to what was done, rejects with why not. Absent: entries are never adopted (the periodic run).
   */
  adopt?: ((entry: Row, service: LocalService) => Promise<string>) | undefined;
}

export interface FixOutcome {
  readonly drift: Drift;
  readonly ok: boolean;
  readonly detail: string;
  /** Left alone on purpose (an unknown entry without `--adopt`): neither fixed nor a failure. */
  readonly skipped?: true;
}

/** What a run learned of router-local subscribers' sessions. */
export interface LearnedSessions {
  readonly opened: number;
  readonly touched: number;
  readonly closed: number;
  readonly attached: number;
}

export interface ReconcileReport {
  readonly nas: string;
  readonly routerSessions: number;
  readonly radgateSessions: number | undefined;
  readonly listed: number;
  /** Entries of the IPv6 unpaid list; undefined when it was not read (no `router.ipv6`). */
  readonly listed6?: number | undefined;
  readonly drift: readonly Drift[];
  /** With `fix`: what was done about each drift. */
  readonly fixes: readonly FixOutcome[] | undefined;
  /** Router-local subscribers' sessions learned this run; undefined when sessions were not compared. */
  readonly learned?: LearnedSessions | undefined;
  /** Entries (`/ppp/secret`, `/ip/hotspot/user`) read, of the NAS's services and its local subscribers'. */
  readonly localEntries?: number | undefined;
}

/** How many unknown entries a report lists by name; the rest are counted. */
const MAX_UNKNOWN_LISTED = 20;

/** Drift that only informs: an unknown entry is nobody's to fix unless the operator adopts it. */
const reportedOnly = (d: Drift) => d.kind === 'unknown-entry';

/** Drift still there after the run (the exit status): not fixed, and not one that only informs. */
export function driftLeft(report: ReconcileReport): number {
  if (report.fixes === undefined) return report.drift.filter((d) => !reportedOnly(d)).length;
  return report.fixes.filter((f) => !f.ok && f.skipped !== true).length;
}

const yes = (value: string | undefined) => value === 'true' || value === 'yes';

/** The unpaid list's menu per address family. */
const LIST_PATH = { 4: '/ip/firewall/address-list', 6: '/ipv6/firewall/address-list' } as const;
/** The list as the operator reads it: the IPv6 one named as such. */
const listName = (list: string, family: 4 | 6 | undefined) => (family === 6 ? `${list} (IPv6)` : list);

/** Reads the router's sessions for the NAS's services. */
export async function routerSessions(api: RouterOsApi, services: readonly RouterService[]): Promise<RouterSession[]> {
  const out: RouterSession[] = [];
  if (services.includes('ppp')) {
    for (const row of await api.print('/ppp/active', { proplist: ['.id', 'name', 'address', 'session-id', 'radius', 'caller-id', 'uptime'] })) {
      out.push({
        id: row['.id'] ?? '', service: 'ppp', user: row['name'] ?? '', address: row['address'], sessionId: row['session-id'],
        radius: row['radius'] === undefined || yes(row['radius']), callerId: row['caller-id'], uptime: row['uptime'],
      });
    }
  }
  if (services.includes('hotspot')) {
    for (const row of await api.print('/ip/hotspot/active', { proplist: ['.id', 'user', 'address', 'session-id', 'radius', 'mac-address', 'uptime'] })) {
      out.push({
        id: row['.id'] ?? '', service: 'hotspot', user: row['user'] ?? '', address: row['address'], sessionId: row['session-id'],
        radius: row['radius'] === undefined || yes(row['radius']), callerId: row['mac-address'], uptime: row['uptime'],
      });
    }
  }
  return out;
}

/** The services to read: the NAS's, and any its local subscribers use. */
function servicesFor(nasServices: readonly RouterService[], subscribers: readonly LocalSubscriber[]): RouterService[] {
  return [...new Set<RouterService>([...nasServices, ...subscribers.map((s) => s.service)])].sort();
}

async function learn(
  ports: ReconcilePorts,
  sessions: readonly RouterSession[],
  radgate: readonly RadgateSession[],
  subscribers: readonly LocalSubscriber[],
): Promise<LearnedSessions> {
  const plan = planLocalSessions({ routerSessions: sessions, radgateSessions: radgate, subscribers });
  if (plan.learn.length + plan.touch.length + plan.close.length + plan.attach.length > 0) await ports.applySessionPlan(plan);
  return { opened: plan.learn.length, touched: plan.touch.length, closed: plan.close.length, attached: plan.attach.length };
}

/**
 * Learns router-local subscribers' sessions only (the periodic run between reconciles, and for a NAS with no
 * reconcile interval). A NAS without live local subscribers costs one indexed query and no look at the router (a
 * router-learned session left over from one who is no longer local is closed by the next reconcile, or by the stale
 * sweep). Undefined when there was nothing to learn from, or sessions cannot be told apart from other routers'.
 */
export async function learnLocalSessions(ports: ReconcilePorts): Promise<LearnedSessions | undefined> {
  const live = (await ports.localSubscribers()).filter((s) => !s.deleted);
  if (live.length === 0) return undefined;
  const radgate = await ports.openSessions([...new Set(live.map((s) => s.entryName))]);
  if (radgate === undefined) return undefined;
  const sessions = await routerSessions(ports.api, [...new Set(live.map((s) => s.service))].sort());
  return learn(ports, sessions, radgate, live);
}

/**
 * Reads, finds drift, and with `fix` corrects each drift (one failure does not stop the others);
 * `onProgress(done, total)` as the fixes are made, counting drifts.
 */
export async function reconcile(
  nas: string,
  ports: ReconcilePorts,
  options: { fix?: boolean; adopt?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<ReconcileReport> {
  const { api } = ports;
  const localSubscribers = await ports.localSubscribers();
  const services = servicesFor(ports.services, localSubscribers);
  const sessions = await routerSessions(api, services);
  const entries: ListEntry[] = (await api.print('/ip/firewall/address-list', { query: { list: ports.addressList }, proplist: ['.id', 'address', 'comment', 'dynamic'] }))
    .map((row) => ({ id: row['.id'] ?? '', address: row['address'] ?? '', comment: row['comment'], dynamic: yes(row['dynamic']) }));
  const ipv6Entries: ListEntry[] | undefined = ports.ipv6 !== true ? undefined
    : (await api.print(LIST_PATH[6], { query: { list: ports.addressList }, proplist: ['.id', 'address', 'comment', 'dynamic'] }))
      .map((row) => ({ id: row['.id'] ?? '', address: row['address'] ?? '', comment: row['comment'], dynamic: yes(row['dynamic']), family: 6 as const }));
  const localEntries = await readLocalEntries(api, services);
  const radgate = await ports.openSessions();
  const learned = radgate === undefined ? undefined : await learn(ports, sessions, radgate, localSubscribers.filter((s) => !s.deleted));
  const localNames = new Set(localSubscribers.map((s) => entryKey(s.service, s.entryName)));
  const users = [...new Set([
    ...sessions.filter((s) => s.radius).map((s) => s.user),
    ...localEntries.filter((e) => !localNames.has(entryKey(e.service, e.name))).map((e) => e.name),
  ])];
  const statuses = await ports.statuses(users);
  const drift = findDrift({
    routerSessions: sessions, radgateSessions: radgate, entries, statuses, restricted: (s) => ports.restricted(s),
    localSubscribers, localEntries, entryServices: services, ipv6Entries,
  });
  const report = {
    nas, routerSessions: sessions.length, radgateSessions: radgate?.length, listed: entries.length, listed6: ipv6Entries?.length,
    drift, learned, localEntries: localEntries.length,
  };
  if (options.fix !== true) return { ...report, fixes: undefined };

  const fixes: FixOutcome[] = [];
  const attempt = async (d: Drift, action: () => Promise<string>) => {
    try {
      fixes.push({ drift: d, ok: true, detail: await action() });
    } catch (error) {
      fixes.push({ drift: d, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
    options.onProgress?.(fixes.length, drift.length);
  };
  const gone = drift.filter((d): d is Extract<Drift, { kind: 'gone-session' }> => d.kind === 'gone-session');
  if (gone.length > 0) {
    try {
      await ports.closeSessions(gone.map((d) => d.session));
      for (const d of gone) fixes.push({ drift: d, ok: true, detail: `closed session ${d.session.id} in radgate` });
    } catch (error) {
      for (const d of gone) fixes.push({ drift: d, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
    options.onProgress?.(fixes.length, drift.length);
  }
  for (const d of drift) {
    switch (d.kind) {
      case 'unknown-session':
        await attempt(d, async () => {
          const s = d.session;
          const result = s.service === 'ppp'
            ? await kickPppSession(api, { user: s.user, sessionId: s.sessionId, address: s.address })
            : await kickHotspotSession(api, { user: s.user, address: s.address });
          return result.detail;
        });
        break;
      case 'stale-entry':
      case 'paying-listed':
        await attempt(d, async () => {
          await api.remove(LIST_PATH[d.entry.family ?? 4], d.entry.id);
          return `removed ${d.entry.address} from ${listName(ports.addressList, d.entry.family)}`;
        });
        break;
      case 'unpaid-missing':
        await attempt(d, async () => {
          await api.add(LIST_PATH[d.family ?? 4], { list: ports.addressList, address: d.address, comment: `${USER_TAG_PREFIX}${d.user}` });
          return `listed ${d.address} in ${listName(ports.addressList, d.family)}`;
        });
        break;
      case 'local-entry-drift':
        await attempt(d, async () => {
          const { entry, subscriber } = d;
          await correctEntry(api, entry, subscriber.want, subscriber.username);
          const kicked = entry.service === 'ppp'
            ? await kickPppSession(api, { user: entry.name })
            : await kickHotspotSession(api, { user: entry.name });
          const session = kicked.outcome === 'removed' ? `; kicked the live session so it takes effect (${kicked.detail})` : '; no live session';
          return `set ${ENTRY_PATH[entry.service]} ${entry.id} (${entry.name}) to ${subscriber.want.label}${session}`;
        });
        break;
      case 'local-entry-lost':
        await attempt(d, async () => {
          if (d.cannot !== undefined) throw new Error(`cannot recreate: ${d.cannot}`);
          const id = await recreateEntry(api, d.subscriber, await ports.password(d.subscriber.id));
          return `recreated ${ENTRY_PATH[d.subscriber.service]} ${id} (${d.subscriber.entryName}) as ${d.subscriber.want.label}`;
        });
        break;
      case 'unknown-entry': {
        const adopt = ports.adopt;
        if (options.adopt !== true || adopt === undefined) {
          fixes.push({ drift: d, ok: false, skipped: true, detail: 'left alone (reported only; --fix --adopt imports it as a router-local subscriber)' });
          options.onProgress?.(fixes.length, drift.length);
          break;
        }
        await attempt(d, async () => {
          const row = await readEntryForAdoption(api, d.entry);
          if (row === undefined) throw new Error(`${ENTRY_PATH[d.entry.service]} ${d.entry.id} is no longer on the router`);
          return adopt(row, d.entry.service);
        });
        break;
      }
      case 'gone-session':
        break; // done above, in one transaction
    }
  }
  return { ...report, fixes };
}

/** One line per drift, for the operator. */
export function describeDrift(d: Drift): string {
  switch (d.kind) {
    case 'unknown-session':
      return `unknown-session  ${d.session.service} ${d.session.user}${d.session.address ? ` at ${d.session.address}` : ''}${d.session.sessionId ? ` (session ${d.session.sessionId})` : ''}: on the router, radgate has no open session`;
    case 'gone-session':
      return `gone-session     ${d.session.username}${d.session.framedIpAddress ? ` at ${d.session.framedIpAddress}` : ''} (radgate session ${d.session.id}, Acct-Session-Id ${d.session.acctSessionId}): open in radgate, not on the router`;
    case 'stale-entry':
      return `stale-entry      ${d.entry.family === 6 ? 'IPv6 ' : ''}${d.entry.address}${d.entry.comment ? ` (${d.entry.comment})` : ''}${d.entry.dynamic ? ' [dynamic]' : ''}: listed, but ${d.why}`;
    case 'paying-listed':
      return `paying-listed    ${d.entry.family === 6 ? 'IPv6 ' : ''}${d.entry.address}: ${d.user} is ${d.status}, should not be restricted`;
    case 'unpaid-missing':
      return `unpaid-missing   ${d.user} at ${d.address} is ${d.status}, not in the ${d.family === 6 ? 'IPv6 ' : ''}unpaid list`;
    case 'local-entry-drift': {
      const { entry, subscriber: s } = d;
      const now = `${entry.disabled ? 'disabled' : 'enabled'}, profile ${shown(entry.profile)}`;
      return `local-entry-drift ${ENTRY_PATH[entry.service]} ${shown(entry.name)}${named(s)}: ${now}; ${s.status}${s.deleted ? ' (deleted)' : ''} wants ${s.want.label}`;
    }
    case 'local-entry-lost':
      return `local-entry-lost ${ENTRY_PATH[d.subscriber.service]} ${shown(d.subscriber.entryName)}${named(d.subscriber)}: router-local subscriber (${d.subscriber.status}) has no entry on the router${d.cannot === undefined ? '' : ` — ${d.cannot}`}`;
    case 'unknown-entry':
      return `unknown-entry    ${ENTRY_PATH[d.entry.service]} ${shown(d.entry.name)}${d.entry.disabled ? ' [disabled]' : ''} (profile ${shown(d.entry.profile)}): no router-local subscriber of this NAS has this name`
        + (d.radiusSubscriber ? `; radgate has a subscriber "${shown(d.entry.name)}" who is not router-local here — the router logs this name in from its own entry, not through radgate` : '');
  }
}

const named = (s: LocalSubscriber) => (s.entryName === s.username ? '' : ` (subscriber ${s.username})`);

export function describeReconcile(report: ReconcileReport, addressList: string): string {
  const lines = [
    `NAS ${report.nas}: ${report.routerSessions} session(s) on the router, ${report.radgateSessions ?? 'unknown'} open in radgate, ${report.listed} address(es) in ${addressList}`
      + (report.listed6 === undefined ? '' : `, ${report.listed6} IPv6 prefix(es) in ${addressList} (IPv6)`),
  ];
  if (report.radgateSessions === undefined) lines.push('note: this NAS entry is a range and api.host is not one of its addresses: sessions were not compared');
  const l = report.learned;
  if (l !== undefined && l.opened + l.closed + l.attached > 0) {
    lines.push(`router-local sessions: ${l.opened} learned, ${l.closed} closed${l.attached > 0 ? `, ${l.attached} accounting session(s) attached to their subscriber` : ''}`);
  }
  if (report.drift.length === 0) {
    lines.push('no drift');
    return lines.join('\n');
  }
  // A router may hold thousands of entries radgate does not know (HotSpot vouchers): the first few name the case.
  const unknownShown = (() => {
    let n = 0;
    return (d: Drift) => d.kind !== 'unknown-entry' || n++ < MAX_UNKNOWN_LISTED;
  })();
  const unknown = report.drift.filter(reportedOnly).length;
  const more = unknown > MAX_UNKNOWN_LISTED ? [`  … and ${unknown - MAX_UNKNOWN_LISTED} more unknown-entry (${unknown} in all)`] : [];
  if (report.fixes === undefined) {
    lines.push(`${report.drift.length} drift(s) (run with --fix to correct):`, ...report.drift.filter(unknownShown).map((d) => `  ${describeDrift(d)}`), ...more);
    return lines.join('\n');
  }
  const skipped = report.fixes.filter((f) => f.skipped === true).length;
  const failed = report.fixes.filter((f) => !f.ok).length - skipped;
  lines.push(`${report.drift.length} drift(s), ${report.fixes.length - failed - skipped} fixed${failed > 0 ? `, ${failed} NOT fixed` : ''}${skipped > 0 ? `, ${skipped} left alone` : ''}:`);
  for (const f of report.fixes) {
    // Unknown entries left alone are counted, not all listed; what was done to one (adopted or not) always is.
    if (f.skipped === true && !unknownShown(f.drift)) continue;
    lines.push(`  ${f.ok ? 'fixed ' : f.skipped ? 'left  ' : 'FAILED'} ${describeDrift(f.drift)}`, `         → ${shown(f.detail)}`);
  }
  if (skipped > MAX_UNKNOWN_LISTED) lines.push(`  … and ${skipped - MAX_UNKNOWN_LISTED} more unknown-entry left alone`);
  return lines.join('\n');
}
