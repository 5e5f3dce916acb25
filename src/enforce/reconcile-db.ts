/**
 * @module enforce/reconcile-db
 * `ReconcilePorts` for one NAS backed by radgate's database: open sessions of the NAS (src/sessions), subscriber
 * statuses of its workspace, who belongs on the unpaid list (src/profile/reply-profile.ts: whoever gets the expired
 * profile), and closing sessions the router no longer has.
 */

import { profileKind } from '../profile/reply-profile.js';
import { ipInRange, parseCidr, parseIp, type Config, type NasConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { RadgateError } from '../errors.js';
import type { RouterOsApi } from '../routeros/api.js';
import { closeSessionAnnounced } from '../sessions/live-sessions.js';
import { openSessionsOfNas } from '../sessions/store.js';
import { statusesByUsername } from '../subscribers/table.js';
import { databaseSessions } from './session-source.js';
import type { RadgateSession, ReconcilePorts } from './reconcile.js';

/** The router address whose sessions to compare: the NAS address, or api.host within a range; undefined if unknown. */
function routerAddress(nas: NasConfig): string | undefined {
  const range = parseCidr(nas.address);
  if (range.first === range.last) return undefined; // a single router: all of the entry's sessions are its own
  const host = nas.api?.host;
  return host !== undefined && parseIp(host) !== undefined && ipInRange(host, range) ? host : '';
}

export function databaseReconcilePorts(config: Config, nas: NasConfig, database: DatabaseHandle, api: RouterOsApi): ReconcilePorts {
  const workspace = config.workspaceById.get(nas.workspace);
  if (workspace === undefined) throw new RadgateError('WORKSPACE_UNKNOWN', `NAS "${nas.name}": unknown workspace "${nas.workspace}"`);
  const { db } = database;
  const address = routerAddress(nas);
  return {
    api,
    services: nas.router?.services ?? ['ppp'],
    addressList: workspace.expiredProfile.addressList,

    async openSessions(): Promise<readonly RadgateSession[] | undefined> {
      if (address === '') return undefined;
      const rows = await openSessionsOfNas(db, nas.name, address);
      return rows.map((r) => ({ id: r.id, subscriberId: r.subscriberId, username: r.username, acctSessionId: r.acctSessionId, framedIpAddress: r.framedIpAddress }));
    },

    statuses(usernames) {
      return statusesByUsername(db, workspace.id, usernames);
    },

    restricted(status) {
      // Whoever gets the expired profile is on the unpaid list: the same decision the Access-Accept makes.
      return profileKind(status) === 'expired';
    },

    async closeSessions(sessions) {
      const known = sessions.filter((s): s is RadgateSession & { subscriberId: number } => s.subscriberId !== null);
      if (known.length > 0) {
        await databaseSessions(db).closeGone(known.map((s) => ({
          id: s.id, subscriberId: s.subscriberId, nasName: nas.name, nasAddress: '', nasIpAddress: null, username: s.username,
          acctSessionId: s.acctSessionId, framedIpAddress: s.framedIpAddress, callingStationId: null,
        })));
      }
      // Sessions of unknown users have no subscriber to announce: closed one by one.
      for (const s of sessions) if (s.subscriberId === null) await closeSessionAnnounced(database, s.id, new Date());
    },
  };
}
