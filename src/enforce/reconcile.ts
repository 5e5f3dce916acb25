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
 *
 * `findDrift` is pure; `reconcile` reads, decides and (optionally) fixes through `ReconcilePorts`.
 */

import type { SubscriberStatus } from '../db/schema.js';
import { kickHotspotSession, kickPppSession, type RouterOsApi } from '../routeros/api.js';
import { sameSessionId } from '../routeros/kick.js';
import { USER_TAG_PREFIX } from '../routeros/ppp-scripts.js';
import type { RouterService } from '../config/index.js';

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
}

/** An open session in radgate's database. */
export interface RadgateSession {
  readonly id: number;
  readonly subscriberId: number | null;
  readonly username: string;
  readonly acctSessionId: string;
  readonly framedIpAddress: string | null;
}

/** An entry of the unpaid address list. */
export interface ListEntry {
  readonly id: string;
  readonly address: string;
  readonly comment: string | undefined;
  readonly dynamic: boolean;
}

export type Drift =
  | { readonly kind: 'unknown-session'; readonly session: RouterSession }
  | { readonly kind: 'gone-session'; readonly session: RadgateSession }
  | { readonly kind: 'stale-entry'; readonly entry: ListEntry; readonly why: string }
  | { readonly kind: 'paying-listed'; readonly entry: ListEntry; readonly user: string; readonly status: SubscriberStatus }
  | { readonly kind: 'unpaid-missing'; readonly user: string; readonly address: string; readonly status: SubscriberStatus };

export interface DriftInput {
  readonly routerSessions: readonly RouterSession[];
  /** Radgate's open sessions of this router; undefined when they cannot be told apart from other routers'. */
  readonly radgateSessions: readonly RadgateSession[] | undefined;
  readonly entries: readonly ListEntry[];
  /** Status of each subscriber by username (absent: no such subscriber in the NAS's workspace). */
  readonly statuses: ReadonlyMap<string, SubscriberStatus>;
  /** Whether a subscriber in this status belongs on the unpaid list. */
  readonly restricted: (status: SubscriberStatus) => boolean;
}

function matchesRadgate(r: RouterSession, s: RadgateSession): boolean {
  if (r.user !== s.username) return false;
  if (r.sessionId !== undefined && r.sessionId !== '') return sameSessionId(r.sessionId, s.acctSessionId);
  return r.address !== undefined && r.address === s.framedIpAddress;
}

/** Every drift between the router and radgate, in a stable order (sessions, then list entries, then missing). */
export function findDrift(input: DriftInput): Drift[] {
  const drift: Drift[] = [];
  const radiusSessions = input.routerSessions.filter((r) => r.radius);

  if (input.radgateSessions !== undefined) {
    const radgate = input.radgateSessions;
    for (const r of radiusSessions) {
      if (!radgate.some((s) => matchesRadgate(r, s))) drift.push({ kind: 'unknown-session', session: r });
    }
    for (const s of radgate) {
      if (!radiusSessions.some((r) => matchesRadgate(r, s))) drift.push({ kind: 'gone-session', session: s });
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
    const status = session.radius ? input.statuses.get(session.user) : undefined;
    if (status === undefined) {
      const why = session.radius ? `held by ${session.user}, who is not a radgate subscriber` : `held by ${session.user}, not a RADIUS session`;
      drift.push({ kind: 'stale-entry', entry, why });
    } else if (!input.restricted(status)) {
      drift.push({ kind: 'paying-listed', entry, user: session.user, status });
    }
  }
  for (const r of radiusSessions) {
    const status = input.statuses.get(r.user);
    if (r.address === undefined || status === undefined || !input.restricted(status) || listed.has(r.address)) continue;
    drift.push({ kind: 'unpaid-missing', user: r.user, address: r.address, status });
  }
  return drift;
}

/** What `reconcile` reads and writes besides the router. */
export interface ReconcilePorts {
  readonly api: RouterOsApi;
  readonly services: readonly RouterService[];
  /** The unpaid address list's name. */
  readonly addressList: string;
  openSessions(): Promise<readonly RadgateSession[] | undefined>;
  statuses(usernames: readonly string[]): Promise<ReadonlyMap<string, SubscriberStatus>>;
  restricted(status: SubscriberStatus): boolean;
  closeSessions(sessions: readonly RadgateSession[]): Promise<void>;
}

export interface FixOutcome {
  readonly drift: Drift;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ReconcileReport {
  readonly nas: string;
  readonly routerSessions: number;
  readonly radgateSessions: number | undefined;
  readonly listed: number;
  readonly drift: readonly Drift[];
  /** With `fix`: what was done about each drift. */
  readonly fixes: readonly FixOutcome[] | undefined;
}

const yes = (value: string | undefined) => value === 'true' || value === 'yes';

/** Reads the router's sessions for the NAS's services. */
export async function routerSessions(api: RouterOsApi, services: readonly RouterService[]): Promise<RouterSession[]> {
  const out: RouterSession[] = [];
  if (services.includes('ppp')) {
    for (const row of await api.print('/ppp/active', { proplist: ['.id', 'name', 'address', 'session-id', 'radius'] })) {
      out.push({ id: row['.id'] ?? '', service: 'ppp', user: row['name'] ?? '', address: row['address'], sessionId: row['session-id'], radius: row['radius'] === undefined || yes(row['radius']) });
    }
  }
  if (services.includes('hotspot')) {
    for (const row of await api.print('/ip/hotspot/active', { proplist: ['.id', 'user', 'address', 'session-id', 'radius'] })) {
      out.push({ id: row['.id'] ?? '', service: 'hotspot', user: row['user'] ?? '', address: row['address'], sessionId: row['session-id'], radius: row['radius'] === undefined || yes(row['radius']) });
    }
  }
  return out;
}

/**
 * Reads, finds drift, and with `fix` corrects each drift (one failure does not stop the others);
 * `onProgress(done, total)` as the fixes are made, counting drifts.
 */
export async function reconcile(
  nas: string,
  ports: ReconcilePorts,
  options: { fix?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<ReconcileReport> {
  const { api } = ports;
  const sessions = await routerSessions(api, ports.services);
  const entries: ListEntry[] = (await api.print('/ip/firewall/address-list', { query: { list: ports.addressList }, proplist: ['.id', 'address', 'comment', 'dynamic'] }))
    .map((row) => ({ id: row['.id'] ?? '', address: row['address'] ?? '', comment: row['comment'], dynamic: yes(row['dynamic']) }));
  const radgate = await ports.openSessions();
  const users = [...new Set(sessions.filter((s) => s.radius).map((s) => s.user))];
  const statuses = await ports.statuses(users);
  const drift = findDrift({ routerSessions: sessions, radgateSessions: radgate, entries, statuses, restricted: (s) => ports.restricted(s) });
  const report = { nas, routerSessions: sessions.length, radgateSessions: radgate?.length, listed: entries.length, drift };
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
          await api.remove('/ip/firewall/address-list', d.entry.id);
          return `removed ${d.entry.address} from ${ports.addressList}`;
        });
        break;
      case 'unpaid-missing':
        await attempt(d, async () => {
          await api.add('/ip/firewall/address-list', { list: ports.addressList, address: d.address, comment: `${USER_TAG_PREFIX}${d.user}` });
          return `listed ${d.address} in ${ports.addressList}`;
        });
        break;
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
      return `stale-entry      ${d.entry.address}${d.entry.comment ? ` (${d.entry.comment})` : ''}${d.entry.dynamic ? ' [dynamic]' : ''}: listed, but ${d.why}`;
    case 'paying-listed':
      return `paying-listed    ${d.entry.address}: ${d.user} is ${d.status}, should not be restricted`;
    case 'unpaid-missing':
      return `unpaid-missing   ${d.user} at ${d.address} is ${d.status}, not in the unpaid list`;
  }
}

export function describeReconcile(report: ReconcileReport, addressList: string): string {
  const lines = [
    `NAS ${report.nas}: ${report.routerSessions} session(s) on the router, ${report.radgateSessions ?? 'unknown'} open in radgate, ${report.listed} address(es) in ${addressList}`,
  ];
  if (report.radgateSessions === undefined) lines.push('note: this NAS entry is a range and api.host is not one of its addresses: sessions were not compared');
  if (report.drift.length === 0) {
    lines.push('no drift');
    return lines.join('\n');
  }
  if (report.fixes === undefined) {
    lines.push(`${report.drift.length} drift(s) (run with --fix to correct):`, ...report.drift.map((d) => `  ${describeDrift(d)}`));
    return lines.join('\n');
  }
  const failed = report.fixes.filter((f) => !f.ok).length;
  lines.push(`${report.drift.length} drift(s), ${report.fixes.length - failed} fixed${failed > 0 ? `, ${failed} NOT fixed` : ''}:`);
  for (const f of report.fixes) lines.push(`  ${f.ok ? 'fixed ' : 'FAILED'} ${describeDrift(f.drift)}`, `         → ${f.detail}`);
  return lines.join('\n');
}
