/**
 * @module imports/router-switch
 * The router side of moving imported entries to RADIUS, one entry at a time and without an outage
 * (docs/migrating-router-secrets.md). RouterOS authenticates a login from an enabled local entry before it asks
 * RADIUS, so an entry must be disabled for radgate to be asked:
 *
 * - `applySwitches`: for each `imported` row whose subscriber is offline (or, with `kick`, after removing its live
 *   session), disable the entry with `comment=radgate:migrating …` → `switched`. Online ones wait for a later run.
 * - `confirmSwitches`: a RADIUS login of the subscriber on the NAS after the switch (sessions/store.ts
 *   `latestRadiusLogins`) → `confirmed`. Every run of the command checks.
 * - `finishSwitches`: remove the disabled entries of `confirmed` rows → `finished`.
 * - `rollbackSwitches`: enable the entry again → `rolled_back`; the subscriber stays, authenticated by the router.
 *
 * Every router step first reads the entry and does only what is missing, so a run repeated after a failure does no
 * step twice. A trap is that entry's failure (the next entry is tried); a dead router stops the run. Either way the
 * rows of the entries already done are written as each one completes. No password is read or written here.
 */
import type { NasConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import type { LocalService, SubscriberRow } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { kickHotspotSession, kickPppSession, RouterOsError, type Row, type RouterOsApi } from '../routeros/api.js';
import { latestRadiusLogins } from '../sessions/store.js';
import type { SubscriberRecords } from '../subscribers/records.js';
import { subscriberById } from '../subscribers/table.js';
import { ENTRY_MENUS, isYes, MIGRATING_COMMENT } from '../routeros/local-entries.js';
import {
  markConfirmed, markFinished, markRolledBack, markSwitched, migrationsOfNas, noteDetail, type RouterMigrationRow, type RouterMigrationState,
} from './router-migrations.js';
import { migratingComment, originalComment, pppUsesRadius, USE_RADIUS_COMMAND } from './router-secrets.js';

export interface SwitchPorts {
  readonly api: RouterOsApi;
  readonly database: DatabaseHandle;
  readonly records: SubscriberRecords;
}

/** What became of one entry in this run. */
export interface SwitchLine {
  /** `/ppp secret alice`. */
  readonly entry: string;
  readonly state: RouterMigrationState;
  /** `done`: moved on; `waiting`: left for a later run (online, a precondition); `failed`: the router refused or is gone. */
  readonly outcome: 'done' | 'waiting' | 'failed';
  readonly detail: string;
}

export interface SwitchReport {
  readonly lines: readonly SwitchLine[];
  /** Router-wide steps done first (`/ppp aaa set use-radius=yes`). */
  readonly routerSteps: readonly string[];
  /** Set when the router stopped answering: the entries after it were not tried. */
  readonly stopped: string | undefined;
}

const label = (row: Pick<RouterMigrationRow, 'service' | 'entryName'>) => `${ENTRY_MENUS[row.service].label} ${row.entryName}`;

/** Failures after which the next entry cannot fare better: the connection or the login is gone. */
function routerGone(err: unknown): boolean {
  return err instanceof RouterOsError && err.failure !== 'trap';
}

function describe(err: unknown): string {
  return err instanceof RadgateError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err);
}

/** The entry by name (id, disabled, comment), undefined when the router has none. */
async function findEntry(api: RouterOsApi, service: LocalService, name: string): Promise<Row | undefined> {
  const [row] = await api.print(ENTRY_MENUS[service].entries, { query: { name }, proplist: ['.id', 'name', 'disabled', 'comment'] });
  return row;
}

async function isOnline(api: RouterOsApi, service: LocalService, name: string): Promise<boolean> {
  const menu = ENTRY_MENUS[service];
  return (await api.print(menu.active, { query: { [menu.activeUser]: name }, proplist: ['.id'] })).length > 0;
}

/** Whether the router has a RADIUS server entry for the service (router-apply makes it). */
async function radiusServes(api: RouterOsApi, service: LocalService): Promise<boolean> {
  const servers = await api.print('/radius', { proplist: ['service', 'disabled'] });
  return servers.some((s) => !isYes(s['disabled']) && (s['service'] ?? '').split(',').includes(service));
}

/** Whether some HotSpot server profile asks RADIUS (`/ip hotspot profile … use-radius=yes`). */
async function hotspotUsesRadius(api: RouterOsApi): Promise<boolean> {
  const profiles = await api.print('/ip/hotspot/profile', { proplist: ['name', 'use-radius'] });
  return profiles.some((p) => isYes(p['use-radius']));
}

/** Runs `step` for each row in turn; a router that is gone stops the loop, a trap fails only its row. */
async function eachRow(
  ports: SwitchPorts,
  rows: readonly RouterMigrationRow[],
  step: (row: RouterMigrationRow) => Promise<SwitchLine>,
): Promise<{ lines: SwitchLine[]; stopped: string | undefined }> {
  const lines: SwitchLine[] = [];
  for (const row of rows) {
    try {
      lines.push(await step(row));
    } catch (err) {
      const detail = `${label(row)}: ${describe(err)}`;
      await noteDetail(ports.database.db, row.id, detail);
      lines.push({ entry: label(row), state: row.state, outcome: 'failed', detail });
      if (routerGone(err)) return { lines, stopped: `stopped at ${label(row)}: ${describe(err)}` };
    }
  }
  return { lines, stopped: undefined };
}

async function subscriberOf(ports: SwitchPorts, row: RouterMigrationRow): Promise<SubscriberRow | undefined> {
  return subscriberById(ports.database.db, row.subscriberId);
}

/** Confirms the `switched` rows whose subscriber has since logged in through radgate on this NAS. */
export async function confirmSwitches(database: DatabaseHandle, nasName: string): Promise<SwitchLine[]> {
  const switched = (await migrationsOfNas(database.db, nasName)).filter((r) => r.state === 'switched' && r.switchedAt !== null);
  if (switched.length === 0) return [];
  const logins = await latestRadiusLogins(database.db, nasName, [...new Set(switched.map((r) => r.subscriberId))]);
  const lines: SwitchLine[] = [];
  for (const row of switched) {
    const at = logins.get(row.subscriberId);
    if (at === undefined || at < row.switchedAt!) continue;
    const detail = `RADIUS login at ${at.toISOString()}`;
    if (await markConfirmed(database.db, row.id, at, detail)) lines.push({ entry: label(row), state: 'confirmed', outcome: 'done', detail });
  }
  return lines;
}

export interface ApplyOptions {
  readonly services: readonly LocalService[];
  /** Remove the live session of an online subscriber after disabling its entry (it reconnects through RADIUS). */
  readonly kick: boolean;
}

/** Switches the `imported` rows: disable the entry (offline subscribers, or all with `kick`) → `switched`. */
export async function applySwitches(ports: SwitchPorts, nas: NasConfig, options: ApplyOptions): Promise<SwitchReport> {
  const rows = (await migrationsOfNas(ports.database.db, nas.name)).filter((r) => r.state === 'imported' && options.services.includes(r.service));
  const routerSteps: string[] = [];
  const blocked = new Map<LocalService, string>();
  for (const service of new Set(rows.map((r) => r.service))) {
    if (!(await radiusServes(ports.api, service))) {
      blocked.set(service, `the router has no RADIUS server for ${service} in /radius: run radgate router-apply ${nas.name} first`);
    } else if (service === 'hotspot' && !(await hotspotUsesRadius(ports.api))) {
      blocked.set(service, 'no HotSpot server profile asks RADIUS: /ip hotspot profile set [find name=<profile>] use-radius=yes');
    }
  }
  if (rows.some((r) => r.service === 'ppp' && !blocked.has('ppp')) && !(await pppUsesRadius(ports.api))) {
    // Harmless while the entries are enabled: RADIUS is asked only when no enabled local entry matches.
    await ports.api.set('/ppp/aaa', undefined, { 'use-radius': true });
    routerSteps.push(USE_RADIUS_COMMAND);
  }
  const { lines, stopped } = await eachRow(ports, rows, async (row) => {
    const entry = label(row);
    const why = blocked.get(row.service);
    if (why !== undefined) {
      await noteDetail(ports.database.db, row.id, why);
      return { entry, state: row.state, outcome: 'waiting', detail: why };
    }
    const subscriber = await subscriberOf(ports, row);
    if (!subscriber) {
      const detail = 'the subscriber was deleted in radgate: the entry is left as it is';
      await noteDetail(ports.database.db, row.id, detail);
      return { entry, state: row.state, outcome: 'waiting', detail };
    }
    const found = await findEntry(ports.api, row.service, row.entryName);
    const online = found !== undefined && (await isOnline(ports.api, row.service, row.entryName));
    if (online && !options.kick) {
      const detail = 'online: waits until the session ends (or run with --kick)';
      await noteDetail(ports.database.db, row.id, detail);
      return { entry, state: row.state, outcome: 'waiting', detail };
    }
    // radgate answers for the subscriber before the router starts asking.
    if (subscriber.auth === 'local') {
      await ports.records.setLocalAuth(subscriber.workspaceId, subscriber.username, { auth: 'radius' }, `moving ${entry} on ${nas.name} to RADIUS`);
    }
    let detail: string;
    if (found === undefined) detail = 'the entry is gone from the router already';
    else if (isYes(found['disabled'])) detail = 'the entry was disabled already';
    else {
      await ports.api.set(ENTRY_MENUS[row.service].entries, found['.id']!, { disabled: true, comment: migratingComment(found['comment']) });
      detail = `disabled, comment ${MIGRATING_COMMENT}`;
    }
    if (online) {
      const kick = row.service === 'ppp'
        ? await kickPppSession(ports.api, { user: row.entryName })
        : await kickHotspotSession(ports.api, { user: row.entryName });
      detail += `; ${kick.outcome === 'removed' ? 'live session removed, it reconnects through RADIUS' : kick.detail}`;
    }
    const moved = await markSwitched(ports.database.db, row.id, detail);
    return { entry, state: moved?.state ?? row.state, outcome: 'done', detail };
  });
  return { lines, routerSteps, stopped };
}

/** Removes the disabled entries of `confirmed` rows → `finished`. An entry enabled again by hand is kept. */
export async function finishSwitches(ports: SwitchPorts, nas: NasConfig): Promise<SwitchReport> {
  const rows = (await migrationsOfNas(ports.database.db, nas.name)).filter((r) => r.state === 'confirmed');
  const { lines, stopped } = await eachRow(ports, rows, async (row) => {
    const entry = label(row);
    const found = await findEntry(ports.api, row.service, row.entryName);
    if (found !== undefined && !isYes(found['disabled'])) {
      const detail = 'the entry is enabled again on the router: not removed (roll it back, or disable it first)';
      await noteDetail(ports.database.db, row.id, detail);
      return { entry, state: row.state, outcome: 'waiting', detail };
    }
    if (found !== undefined) await ports.api.remove(ENTRY_MENUS[row.service].entries, found['.id']!);
    const detail = found === undefined ? 'the entry was gone already' : 'entry removed';
    await markFinished(ports.database.db, row.id, detail);
    return { entry, state: 'finished', outcome: 'done', detail };
  });
  return { lines, routerSteps: [], stopped };
}

export interface RollbackOptions {
  /** One entry by name; undefined = every row that can be rolled back (`--all`). */
  readonly entryName: string | undefined;
  readonly services: readonly LocalService[];
}

/**
 * Enables the entry again (restoring the operator's comment) → `rolled_back`; the subscriber becomes router-local on
 * this NAS again, since the router authenticates it. A finished row cannot be rolled back: its entry is gone.
 */
export async function rollbackSwitches(ports: SwitchPorts, nas: NasConfig, options: RollbackOptions): Promise<SwitchReport> {
  const all = (await migrationsOfNas(ports.database.db, nas.name)).filter((r) => options.services.includes(r.service));
  const chosen = options.entryName === undefined ? all : all.filter((r) => r.entryName === options.entryName);
  if (options.entryName !== undefined && chosen.length === 0) {
    throw new RadgateError('SUBSCRIBER_NOT_FOUND', `no entry "${options.entryName}" of ${nas.name} is being moved to RADIUS (radgate import router-secrets ${nas.name} --status)`);
  }
  const rows = chosen.filter((r) => r.state === 'imported' || r.state === 'switched' || r.state === 'confirmed');
  const refused: SwitchLine[] = chosen
    .filter((r) => r.state === 'finished' && options.entryName !== undefined)
    .map((r) => ({ entry: label(r), state: r.state, outcome: 'failed', detail: 'finished: the entry was removed from the router, there is nothing to enable' }));
  const { lines, stopped } = await eachRow(ports, rows, async (row) => {
    const entry = label(row);
    const found = await findEntry(ports.api, row.service, row.entryName);
    if (found === undefined) {
      const detail = 'the entry is gone from the router: re-create it, or keep the subscriber on RADIUS';
      await noteDetail(ports.database.db, row.id, detail);
      return { entry, state: row.state, outcome: 'failed', detail };
    }
    // Only radgate's own disabling is undone: an entry the operator disabled stays disabled.
    if ((found['comment'] ?? '').startsWith(MIGRATING_COMMENT)) {
      await ports.api.set(ENTRY_MENUS[row.service].entries, found['.id']!, { disabled: false, comment: originalComment(found['comment']) });
    }
    const subscriber = await subscriberOf(ports, row);
    if (subscriber && subscriber.auth !== 'local') {
      await ports.records.setLocalAuth(subscriber.workspaceId, subscriber.username, { auth: 'local', localNas: nas.name, localService: row.service }, `${entry} on ${nas.name} rolled back to the router`);
    }
    const detail = 'entry enabled again; the router authenticates the subscriber';
    await markRolledBack(ports.database.db, row.id, detail);
    return { entry, state: 'rolled_back', outcome: 'done', detail };
  });
  return { lines: [...refused, ...lines], routerSteps: [], stopped };
}

/** Every row of the NAS, for `--status`. */
export function switchStatus(database: DatabaseHandle, nasName: string): Promise<RouterMigrationRow[]> {
  return migrationsOfNas(database.db, nasName);
}
