/**
 * Accounting sessions (src/sessions): one row per session a NAS reported (RFC 2866), open while
 * `stopped_at` is null. Read and written only through src/sessions/store.ts (group-committed upserts); enforcement
 * and the captive redirect ask it, served by the partial indexes on open sessions.
 *
 * Identity: a session is (NAS source address, Acct-Session-Id, User-Name, Class). Acct-Session-Id alone repeats
 * after a router reboot; the Class radgate puts in every Access-Accept (`rg1:<subscriber>:<nonce>`) is unique per
 * login and echoed in accounting (RFC 2865 §5.25), so a recycled Acct-Session-Id never lands on an old row.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** Why radgate considers a session closed: the NAS said so (`stop`), or radgate inferred it. */
export const SESSION_CLOSERS = ['stop', 'nas-reboot', 'stale', 'operator'] as const;
export type SessionCloser = (typeof SESSION_CLOSERS)[number];

/**
 * How radgate learned of a session: RADIUS `accounting` (RFC 2866), or the `router`'s own list (`/ppp active`,
 * `/ip hotspot active`, read over the API) for a router-local subscriber whose router sends no accounting.
 * Accounting for the same session, when it comes, takes the row over (same identity).
 */
export const SESSION_ORIGINS = ['accounting', 'router'] as const;
export type SessionOrigin = (typeof SESSION_ORIGINS)[number];

export const sessions = pgTable(
  'sessions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    /** nas.yaml name of the client the packets came from. */
    nasName: text('nas_name').notNull(),
    /** Source address of the router (a nas.yaml entry may be a range covering several routers). */
    nasAddress: text('nas_address').notNull(),
    /** NAS-IP-Address and NAS-Identifier as the router sent them (CoA/Disconnect identify the NAS with these). */
    nasIpAddress: text('nas_ip_address'),
    nasIdentifier: text('nas_identifier'),
    acctSessionId: text('acct_session_id').notNull(),
    /** Class as echoed by the NAS (text when printable, else `0x` + hex); '' when absent. */
    class: text('class').notNull().default(''),
    username: text('username').notNull(),
    /** From Class (`rg1:<id>:…`) or the username in the NAS's workspace; null for an unknown user. */
    subscriberId: bigint('subscriber_id', { mode: 'number' }),
    framedIpAddress: text('framed_ip_address'),
    /** IPv6 of the session (RFC 3162 §2.3, RFC 4818): the prefix on the PPP link, the delegated prefix, the interface
     * id; canonical text (`2001:db8:1::/64`; the interface id as `0211:22ff:fe33:4455`), validated by the accounting handler. */
    framedIpv6Prefix: text('framed_ipv6_prefix'),
    delegatedIpv6Prefix: text('delegated_ipv6_prefix'),
    framedInterfaceId: text('framed_interface_id'),
    /** Calling-Station-Id: the subscriber's MAC for PPPoE and HotSpot. */
    callingStationId: text('calling_station_id'),
    /** Called-Station-Id: PPPoE service name or HotSpot server. */
    calledStationId: text('called_station_id'),
    nasPortId: text('nas_port_id'),
    /** Event time of Start (receipt − Acct-Delay-Time), or estimated from Acct-Session-Time when Start was lost. */
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Event time of the latest accounting packet; never goes backwards. */
    lastSeen: timestamp('last_seen', { withTimezone: true, mode: 'date' }).notNull(),
    /** Null while open. */
    stoppedAt: timestamp('stopped_at', { withTimezone: true, mode: 'date' }),
    /** Acct-Terminate-Cause name from Stop; `NAS-Reboot`, `Stale-Session` or `Admin-Reset` when radgate closed it. */
    terminateCause: text('terminate_cause'),
    closedBy: text('closed_by').$type<SessionCloser>(),
    /** Acct-Status-Type of the latest packet applied: Start, Interim-Update or Stop. */
    lastStatus: text('last_status').notNull(),
    /** Acct-Interim-Interval the subscriber's plan sends, seconds: the session is stale after factor × this. */
    interimInterval: integer('interim_interval').notNull(),
    acctSessionTime: bigint('acct_session_time', { mode: 'number' }).notNull().default(0),
    /** Totals: Acct-*-Gigawords × 2^32 + Acct-*-Octets, named by the attribute (RFC 2869 §5.1–5.2). */
    acctInputOctets: bigint('acct_input_octets', { mode: 'bigint' }).notNull().default(sql`0`),
    acctOutputOctets: bigint('acct_output_octets', { mode: 'bigint' }).notNull().default(sql`0`),
    acctInputPackets: bigint('acct_input_packets', { mode: 'number' }).notNull().default(0),
    acctOutputPackets: bigint('acct_output_packets', { mode: 'number' }).notNull().default(0),
    learnedFrom: text('learned_from').$type<SessionOrigin>().notNull().default('accounting'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sessions_identity').on(t.nasAddress, t.acctSessionId, t.username, t.class),
    // Only open sessions are indexed for the hot queries; interim updates change none of these columns, so they
    // stay HOT updates.
    index('sessions_open_subscriber').on(t.subscriberId).where(sql`${t.stoppedAt} is null`),
    index('sessions_open_ip').on(t.framedIpAddress).where(sql`${t.stoppedAt} is null`),
    // The captive lookup of an IPv6 client: open sessions that have a prefix (containment is checked on these).
    index('sessions_open_ipv6').on(t.subscriberId).where(sql`${t.stoppedAt} is null and (${t.framedIpv6Prefix} is not null or ${t.delegatedIpv6Prefix} is not null)`),
    index('sessions_open_nas').on(t.nasName, t.nasAddress).where(sql`${t.stoppedAt} is null`),
    index('sessions_subscriber_started').on(t.subscriberId, t.startedAt),
    index('sessions_started').on(t.startedAt),
    // `radgate sessions --user U` and the admin API's history of one user.
    index('sessions_username_started').on(t.username, t.startedAt),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
