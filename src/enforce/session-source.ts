/**
 * The live sessions enforcement acts on, read from the accounting sessions table (src/sessions), and closing a
 * session the router says is already gone (Disconnect-NAK 503, no row in the RouterOS API).
 */
import { and, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { sessions } from '../db/schema.js';
import { announce } from '../sessions/live-sessions.js';

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

const CHUNK = 1000;

export function databaseSessions(db: Db): SessionSource {
  return {
    async openSessions(subscriberIds) {
      const bySubscriber = new Map<number, OpenSession[]>();
      for (let i = 0; i < subscriberIds.length; i += CHUNK) {
        const ids = subscriberIds.slice(i, i + CHUNK);
        const rows = await db
          .select({
            id: sessions.id,
            subscriberId: sessions.subscriberId,
            nasName: sessions.nasName,
            nasAddress: sessions.nasAddress,
            nasIpAddress: sessions.nasIpAddress,
            username: sessions.username,
            acctSessionId: sessions.acctSessionId,
            framedIpAddress: sessions.framedIpAddress,
            callingStationId: sessions.callingStationId,
          })
          .from(sessions)
          .where(and(inArray(sessions.subscriberId, [...ids]), isNull(sessions.stoppedAt)))
          .orderBy(sessions.id);
        for (const row of rows) {
          if (row.subscriberId === null) continue;
          const list = bySubscriber.get(row.subscriberId) ?? [];
          list.push({ ...row, subscriberId: row.subscriberId });
          bySubscriber.set(row.subscriberId, list);
        }
      }
      return bySubscriber;
    },

    async closeGone(gone) {
      if (gone.length === 0) return;
      const now = new Date().toISOString();
      await db.transaction(async (tx) => {
        // The router told us the session no longer exists: closed as radgate-inferred (`stale`), cause Lost-Service
        // (RFC 2866 §5.10), exactly as the stale sweep would close it later — only sooner.
        await tx.execute(sql`
          update sessions set stopped_at = ${now}::timestamptz, terminate_cause = 'Lost-Service', closed_by = 'stale',
            updated_at = ${now}::timestamptz
          where id = any(${`{${gone.map((s) => Math.trunc(s.id)).join(',')}}`}::bigint[]) and stopped_at is null`);
        await announce(tx, 'enforce', [...new Set(gone.map((s) => s.subscriberId))]);
      });
    },
  };
}
