/**
 * @module enforce/reconcile-db
 * `ReconcilePorts` for one NAS backed by radgate's database: open sessions of the NAS (src/sessions), subscriber
 * statuses of its workspace, who belongs on the unpaid list (src/profile/reply-profile.ts: whoever gets the expired
 * profile), closing sessions the router no longer has, the NAS's router-local subscribers with what their entries
 * must look like (src/profile/local-entry.ts), the sessions learned of them, and their passwords (the vault).
 */

import { desiredLocalEntry } from '../profile/local-entry.js';
import { profileKind } from '../profile/reply-profile.js';
import { formatIp, ipInRange, parseCidr, parseIp, type Config, type NasConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { RadgateError } from '../errors.js';
import type { RouterOsApi } from '../routeros/api.js';
import { closeSessionAnnounced } from '../sessions/live-sessions.js';
import { attachSessions, closeLostSessions, openRouterSessions, openSessionsOfNas, touchRouterSessions, type SessionRow } from '../sessions/store.js';
import { localSubscribersOfNas, statusesByUsername, subscriberById } from '../subscribers/table.js';
import type { PasswordVault } from '../subscribers/vault.js';
import { LEARN_INTERVAL_SECONDS, listedAddress, listedCallerId, listedSessionId, routerUptimeSeconds } from './local-sessions.js';
import type { LocalSubscriber } from './reconcile-local.js';
import { databaseSessions } from './session-source.js';
import type { RadgateSession, ReconcilePorts } from './reconcile.js';

export interface DatabasePortsOptions {
  /** The password vault, opened when first needed (recreating a lost entry); absent: entries cannot be recreated. */
  vault?: (() => PasswordVault) | undefined;
  /** The `--adopt` import (the CLI passes it; the periodic run never adopts). */
  adopt?: ReconcilePorts['adopt'];
}

/** How session writes of reconcile are announced to the instances' trackers. */
const ANNOUNCE = { announceAs: 'reconcile' };

/** The router address whose sessions to compare: the NAS address, or api.host within a range; undefined if unknown. */
function routerAddress(nas: NasConfig): string | undefined {
  const range = parseCidr(nas.address);
  if (range.first === range.last) return undefined; // a single router: all of the entry's sessions are its own
  const host = nas.api?.host;
  return host !== undefined && parseIp(host) !== undefined && ipInRange(host, range) ? host : '';
}

export function databaseReconcilePorts(config: Config, nas: NasConfig, database: DatabaseHandle, api: RouterOsApi, options: DatabasePortsOptions = {}): ReconcilePorts {
  const workspace = config.workspaceById.get(nas.workspace);
  if (workspace === undefined) throw new RadgateError('WORKSPACE_UNKNOWN', `NAS "${nas.name}": unknown workspace "${nas.workspace}"`);
  const { db } = database;
  const address = routerAddress(nas);
  // The address accounting from this router comes from: a learned session has the identity an Accounting packet
  // would give it, so accounting that starts later joins the row instead of opening another.
  const sourceAddress = address ?? formatIp({ family: parseCidr(nas.address).family, value: parseCidr(nas.address).first });
  return {
    api,
    services: nas.router?.services ?? ['ppp'],
    addressList: workspace.expiredProfile.addressList,
    ipv6: nas.router?.ipv6 === true,
    adopt: options.adopt,

    async openSessions(usernames): Promise<readonly RadgateSession[] | undefined> {
      if (address === '') return undefined;
      const rows: SessionRow[] = [];
      if (usernames === undefined) rows.push(...await openSessionsOfNas(db, nas.name, address));
      else for (let i = 0; i < usernames.length; i += 1000) rows.push(...await openSessionsOfNas(db, nas.name, address, usernames.slice(i, i + 1000)));
      return rows.map((r) => ({
        id: r.id, subscriberId: r.subscriberId, username: r.username, acctSessionId: r.acctSessionId, framedIpAddress: r.framedIpAddress,
        framedIpv6Prefix: r.framedIpv6Prefix, delegatedIpv6Prefix: r.delegatedIpv6Prefix, learnedFrom: r.learnedFrom,
      }));
    },

    async localSubscribers(): Promise<LocalSubscriber[]> {
      return (await localSubscribersOfNas(db, nas.name)).map((row) => ({
        id: row.id,
        username: row.username,
        entryName: row.localName ?? row.username,
        service: row.localService ?? 'ppp',
        status: row.status,
        deleted: row.deletedAt !== null,
        want: desiredLocalEntry({
          status: row.status, deleted: row.deletedAt !== null, plan: config.planByName.get(row.plan), planName: row.plan, workspace, nasName: nas.name,
        }),
        credential: row.passwordEnc ? 'password' : 'nt-hash',
      }));
    },

    async applySessionPlan(plan) {
      // One transaction: the announcements go out at its commit, and a failure leaves the table as it was.
      await db.transaction(async (tx) => {
        await openRouterSessions(tx, plan.learn.map(({ session: r, subscriber }) => ({
          workspaceId: workspace.id, nasName: nas.name, nasAddress: sourceAddress, acctSessionId: listedSessionId(r), username: r.user,
          subscriberId: subscriber.id, framedIpAddress: listedAddress(r), callingStationId: listedCallerId(r),
          uptimeSeconds: routerUptimeSeconds(r.uptime), interimInterval: LEARN_INTERVAL_SECONDS,
        })), ANNOUNCE);
        await touchRouterSessions(tx, plan.touch);
        if (plan.close.length > 0) await closeLostSessions(tx, plan.close.map((c) => c.session.id), ANNOUNCE);
        await attachSessions(tx, plan.attach, ANNOUNCE);
      });
    },

    async password(subscriberId) {
      const row = await subscriberById(db, subscriberId);
      if (row?.passwordEnc == null) throw new RadgateError('PASSWORD_KEY', `subscriber ${subscriberId} has no stored password`);
      if (options.vault === undefined) throw new RadgateError('PASSWORD_KEY', 'no password key was given to reconcile: stored passwords cannot be read');
      return options.vault().decrypt(row.passwordEnc);
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
