/**
 * @module enforce/reconcile-local
 * The router-local half of reconciliation (docs/routeros.md §6, docs/mixed-fleet.md): the router's own entries
 * (`/ppp/secret`, `/ip/hotspot/user`) against radgate's router-local subscribers of that NAS. Drift:
 *
 * - `local-entry-drift`  an entry whose `profile` or `disabled` is not what `desiredLocalEntry` says for the
 *                        subscriber's status → both set, and the live session kicked so the change takes effect.
 * - `local-entry-lost`   a live local subscriber whose entry is not on the router → recreated (name, password from
 *                        the vault, profile, disabled, `comment=radgate:<username>`); impossible with only an NT hash.
 * - `unknown-entry`      an entry no local subscriber of this NAS names → reported; `--fix --adopt` imports it.
 *
 * `findLocalDrift` is pure; reading and writing the entries are the functions below it.
 */

import type { LocalService, SubscriberStatus } from '../db/schema.js';
import type { LocalEntryState } from '../profile/local-entry.js';
import type { Properties, Row, RouterOsApi } from '../routeros/api.js';
import { ENTRY_MENUS, entryTag, isYes, MIGRATING_COMMENT, radgateMayTag } from '../routeros/local-entries.js';
import { ROUTEROS_DEFAULT_PROFILE } from '../config/index.js';

/** A router-local subscriber of the NAS being reconciled. */
export interface LocalSubscriber {
  readonly id: number;
  readonly username: string;
  /** The entry's name on the router: `local_name`, else the username. */
  readonly entryName: string;
  readonly service: LocalService;
  readonly status: SubscriberStatus;
  readonly deleted: boolean;
  /** What the entry must look like (src/profile/local-entry.ts). */
  readonly want: LocalEntryState;
  /** What radgate holds to recreate the entry with: the password (vault), or only its NT hash (cannot). */
  readonly credential: 'password' | 'nt-hash';
}

/** A `/ppp/secret` or `/ip/hotspot/user` row (without its password: reconcile never reads one it does not need). */
export interface LocalEntry {
  readonly id: string;
  readonly service: LocalService;
  readonly name: string;
  readonly profile: string;
  readonly disabled: boolean;
  readonly comment: string | undefined;
}

export type LocalDrift =
  | { readonly kind: 'local-entry-drift'; readonly subscriber: LocalSubscriber; readonly entry: LocalEntry }
  | { readonly kind: 'local-entry-lost'; readonly subscriber: LocalSubscriber; readonly cannot: string | undefined }
  | { readonly kind: 'unknown-entry'; readonly entry: LocalEntry; readonly radiusSubscriber: boolean };

/** The menu of each service's entries. */
/** The menu of each service's entries. */
export const ENTRY_PATH: Readonly<Record<LocalService, string>> = { ppp: ENTRY_MENUS.ppp.entries, hotspot: ENTRY_MENUS.hotspot.entries };


/** A name from the router as one line of a report: control characters (a line break too) as `\uXXXX`. */
export function shown(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const entryKey = (service: string, name: string) => `${service}\u0000${name}`;

/** The local subscribers by (service, entry name); a live one wins over a deleted one of the same name. */
export function localSubscriberIndex(subscribers: readonly LocalSubscriber[]): Map<string, LocalSubscriber> {
  const index = new Map<string, LocalSubscriber>();
  for (const s of subscribers) {
    const key = entryKey(s.service, s.entryName);
    const held = index.get(key);
    if (held === undefined || (held.deleted && !s.deleted)) index.set(key, s);
  }
  return index;
}

/** Whether an entry looks as `want` says (a disabled entry keeps whatever profile it has). */
export function entryMatches(entry: Pick<LocalEntry, 'profile' | 'disabled'>, want: LocalEntryState): boolean {
  return entry.disabled === want.disabled && (want.profile === undefined || entry.profile === want.profile);
}

export interface LocalDriftInput {
  readonly subscribers: readonly LocalSubscriber[];
  /** Every entry of the services read. */
  readonly entries: readonly LocalEntry[];
  /** The services whose entries were read: a subscriber of another is not "lost". */
  readonly services: readonly LocalService[];
  /** Usernames of the NAS's workspace that are RADIUS subscribers (an entry of that name shadows their RADIUS login). */
  readonly radiusUsers: ReadonlySet<string>;
}

/** Entry drift in a stable order: per subscriber (drift, lost), then unknown entries in router order. */
export function findLocalDrift(input: LocalDriftInput): LocalDrift[] {
  const drift: LocalDrift[] = [];
  const byName = new Map<string, LocalEntry>();
  for (const e of input.entries) if (!byName.has(entryKey(e.service, e.name))) byName.set(entryKey(e.service, e.name), e);
  const index = localSubscriberIndex(input.subscribers);
  for (const s of index.values()) {
    if (!input.services.includes(s.service)) continue;
    const entry = byName.get(entryKey(s.service, s.entryName));
    if (entry === undefined) {
      if (s.deleted) continue; // nothing to recreate for a deleted subscriber
      const cannot = s.credential === 'nt-hash'
        ? 'radgate holds only the NT hash of its password, which a router entry cannot take: recreate it by hand, or set a password (radgate subscriber password)'
        : undefined;
      drift.push({ kind: 'local-entry-lost', subscriber: s, cannot });
    } else if (!entryMatches(entry, s.want)) {
      drift.push({ kind: 'local-entry-drift', subscriber: s, entry });
    }
  }
  for (const e of input.entries) {
    if (index.has(entryKey(e.service, e.name))) continue;
    // An entry radgate disabled while moving its subscriber to RADIUS belongs to that move, not to anyone unknown.
    if ((e.comment ?? '').startsWith(MIGRATING_COMMENT)) continue;
    drift.push({ kind: 'unknown-entry', entry: e, radiusSubscriber: input.radiusUsers.has(e.name) });
  }
  return drift;
}

/** Reads the entries of these services (no passwords, no dynamic rows such as HotSpot trial users). */
export async function readLocalEntries(api: RouterOsApi, services: readonly LocalService[]): Promise<LocalEntry[]> {
  const out: LocalEntry[] = [];
  for (const service of services) {
    const rows = await api.print(ENTRY_PATH[service], { proplist: ['.id', 'name', 'profile', 'disabled', 'comment', 'dynamic'] });
    for (const row of rows) {
      if (isYes(row['dynamic'])) continue;
      out.push({ id: row['.id'] ?? '', service, name: row['name'] ?? '', profile: row['profile'] || ROUTEROS_DEFAULT_PROFILE, disabled: isYes(row['disabled']), comment: row['comment'] });
    }
  }
  return out;
}

/** The properties that make an entry look as `want` says (what enforcement of a local subscriber sets). */
export function entryProperties(want: LocalEntryState): Properties {
  return want.profile === undefined ? { disabled: want.disabled } : { profile: want.profile, disabled: want.disabled };
}

/**
 * Sets the entry's profile and disabled flag, and — as enforcement does (src/enforce/local-entry.ts) — tags it
 * `comment=radgate:<username>` unless an operator's own comment is there.
 */
export async function correctEntry(api: RouterOsApi, entry: LocalEntry, want: LocalEntryState, username: string): Promise<void> {
  const tag: Properties = radgateMayTag(entry.comment) ? { comment: entryTag(username) } : {};
  await api.set(ENTRY_PATH[entry.service], entry.id, { ...entryProperties(want), ...tag });
}

/**
 * Adds the entry back. `password` is the subscriber's clear-text password: it goes to the router and nowhere else
 * (never into a detail, a log line or an error message).
 */
export async function recreateEntry(api: RouterOsApi, s: LocalSubscriber, password: string): Promise<string> {
  // Any PPP service (PPPoE, L2TP, …) / any HotSpot server, as an entry made without these properties has.
  const scope: Properties = s.service === 'ppp' ? { service: 'any' } : { server: 'all' };
  return api.add(ENTRY_PATH[s.service], {
    name: s.entryName,
    password,
    ...scope,
    ...(s.want.profile === undefined ? {} : { profile: s.want.profile }),
    disabled: s.want.disabled,
    comment: entryTag(s.username),
  });
}

/** The full row of one entry, password included (for adopting it); undefined when it is gone. */
export async function readEntryForAdoption(api: RouterOsApi, entry: LocalEntry): Promise<Row | undefined> {
  const [row] = await api.print(ENTRY_PATH[entry.service], { query: { '.id': entry.id } });
  return row;
}
