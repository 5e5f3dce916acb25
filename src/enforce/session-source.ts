/**
 * The live sessions enforcement acts on, read from the accounting sessions table (src/sessions), and closing a
 * session the router says is already gone (Disconnect-NAK 503, no row in the RouterOS API).
 */
import type { Db } from '../db/client.js';
import { closeLostSessions, openSessionsOfSubscribers } from '../sessions/store.js';

/** What the ladder needs of one open session. */
export interface OpenSession {
  id: number;
  subscriberId: number;
  /** nas.yaml name. */
  nasName: string;
  /** Source address of the router: CoA/Disconnect go there (a nas.yaml entry may be a range of routers). */
  nasAddress: string;
  /** NAS-IP-Address as the router sent it in accounting (identifies the NAS in CoA/Disconnect, RFC 5176 §3). */
  nasIpAddress: string | null;
  username: string;
  acctSessionId: string;
  framedIpAddress: string | null;
  callingStationId: string | null;
}

/** Where sessions come from; the database in radgate, anything in a unit test. */
export interface SessionSource {
  /** Open sessions of these subscribers, by subscriber id. */
  openSessions(subscriberIds: readonly number[]): Promise<Map<number, OpenSession[]>>;
  /** Close sessions the router no longer has. */
  closeGone(sessions: readonly OpenSession[]): Promise<void>;
}

export function databaseSessions(db: Db): SessionSource {
  return {
    async openSessions(subscriberIds) {
      const bySubscriber = new Map<number, OpenSession[]>();
      for (const row of await openSessionsOfSubscribers(db, subscriberIds)) {
        if (row.subscriberId === null) continue;
        const list = bySubscriber.get(row.subscriberId) ?? [];
        list.push({ ...row, subscriberId: row.subscriberId });
        bySubscriber.set(row.subscriberId, list);
      }
      return bySubscriber;
    },

    async closeGone(gone) {
      if (gone.length > 0) await closeLostSessions(db, gone.map((s) => s.id), { announceAs: 'enforce' });
    },
  };
}
