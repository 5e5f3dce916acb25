/**
 * Session queries: the idempotent accounting upsert, NAS-wide and stale closes, and the indexed reads the rest of
 * radgate needs (open sessions of a subscriber, of a NAS, the one holding an IP). Every write is state-based —
 * re-applying a packet changes nothing — so a retried Accounting-Request is applied once in effect.
 */
import { and, count, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { SESSIONS_CHANNEL } from '../db/channels.js';
import type { Db } from '../db/client.js';
import { sessions, type SessionCloser, type SessionRow } from '../db/schema.js';
import { bigintArray, rowsOf } from '../db/rows.js';
import { pruneInBatches, type PruneCounts, type PruneOptions } from '../db/retention.js';

/** Anything that can run SQL: the database or a transaction. */
export type Executor = Pick<Db, 'execute'>;

export type SessionStatus = 'Start' | 'Interim-Update' | 'Stop';

/** One Start / Interim-Update / Stop, already decoded (src/handlers/accounting-request.ts). */
export interface SessionUpdate {
  status: SessionStatus;
  workspaceId: string;
  nasName: string;
  nasAddress: string;
  nasIpAddress: string | null;
  nasIdentifier: string | null;
  acctSessionId: string;
  /** '' when the packet carries no Class. */
  class: string;
  username: string;
  subscriberId: number | null;
  framedIpAddress: string | null;
  /** IPv6 of the session as canonical text (`2001:db8:1::/64`, `0211:22ff:fe33:4455`), RFC 3162 §2.1, §2.3 and
   * RFC 4818, decoded by src/radius/ipv6-attributes.ts; absent or null when the packet carries none. */
  framedIpv6Prefix?: string | null;
  delegatedIpv6Prefix?: string | null;
  framedInterfaceId?: string | null;
  callingStationId: string | null;
  calledStationId: string | null;
  nasPortId: string | null;
  /** Receipt time − Acct-Delay-Time (RFC 2866 §5.2). */
  eventAt: Date;
  /** Start: the event time; Interim/Stop: event time − Acct-Session-Time. */
  startedAt: Date;
  interimInterval: number;
  sessionTime: number;
  inputOctets: bigint;
  outputOctets: bigint;
  inputPackets: number;
  outputPackets: number;
  /** Stop only. */
  terminateCause: string | null;
}

/** What a write did to one session, as the simultaneous-use tracker needs it. */
export interface SessionChange {
  id: number;
  subscriberId: number | null;
  open: boolean;
  lastSeenMs: number;
  interimInterval: number;
}

/** The identity of a session without Class: updates sharing it go to separate statements (see applySessionUpdates). */
export function sessionTriple(u: Pick<SessionUpdate, 'nasAddress' | 'acctSessionId' | 'username'>): string {
  return `${u.nasAddress}\u0000${u.acctSessionId}\u0000${u.username}`;
}

interface ChangeRow {
  id: string | number;
  subscriber_id: string | number | null;
  open: boolean;
  last_seen_ms: string | number;
  interim_interval: number;
}

function toChange(row: ChangeRow): SessionChange {
  return {
    id: Number(row.id),
    subscriberId: row.subscriber_id === null ? null : Number(row.subscriber_id),
    open: row.open,
    lastSeenMs: Number(row.last_seen_ms),
    interimInterval: Number(row.interim_interval),
  };
}

const CHANGE_COLUMNS = sql.raw(
  `s.id, s.subscriber_id, (s.stopped_at is null) as open, ` +
    `(extract(epoch from s.last_seen) * 1000)::float8 as last_seen_ms, s.interim_interval`,
);

/** Channel on which every instance hears which subscribers' open sessions changed (payload `<instance>|<ids>`). */

/** Subscriber ids per NOTIFY: PostgreSQL payloads are limited to 8000 bytes. */
const IDS_PER_NOTIFY = 400;

/**
 * The end of a statement whose data-modifying CTE is named `changed`: returns its rows and, with `announceAs`,
 * announces in the same statement — delivered at COMMIT, so never for a change that did not happen — the
 * subscribers of the rows matching `which` (an expression over `changed`).
 */
function returnChanged(announceAs: string | undefined, which: SQL = sql`true`): SQL {
  if (announceAs === undefined) return sql`select * from changed`;
  return sql`, announced as (
      select pg_notify(${SESSIONS_CHANNEL}, ${announceAs} || '|' || string_agg(subscriber_id::text, ','))
      from (
        select subscriber_id, (row_number() over (order by subscriber_id) - 1) / ${sql.raw(String(IDS_PER_NOTIFY))} as chunk
        from (select distinct subscriber_id from changed where subscriber_id is not null and ${which}) d
      ) c
      group by chunk)
    select changed.*, (select count(*) from announced) as announcements from changed`;
}

/** Options of the writing functions. */
export interface WriteOptions {
  /** Announce the change on SESSIONS_CHANNEL as this instance (see returnChanged). */
  announceAs?: string | undefined;
}

/** Bigint columns hold at most 2^63 − 1; two 32-bit counters can exceed it only in theory. */
const MAX_BIGINT = (1n << 63n) - 1n;
const clampBig = (v: bigint) => (v > MAX_BIGINT ? MAX_BIGINT : v < 0n ? 0n : v).toString();

function toJsonRow(u: SessionUpdate) {
  const stop = u.status === 'Stop';
  return {
    workspace_id: u.workspaceId,
    nas_name: u.nasName,
    nas_address: u.nasAddress,
    nas_ip_address: u.nasIpAddress,
    nas_identifier: u.nasIdentifier,
    acct_session_id: u.acctSessionId,
    class: u.class,
    username: u.username,
    subscriber_id: u.subscriberId,
    framed_ip_address: u.framedIpAddress,
    framed_ipv6_prefix: u.framedIpv6Prefix ?? null,
    delegated_ipv6_prefix: u.delegatedIpv6Prefix ?? null,
    framed_interface_id: u.framedInterfaceId ?? null,
    calling_station_id: u.callingStationId,
    called_station_id: u.calledStationId,
    nas_port_id: u.nasPortId,
    started_at: u.startedAt.toISOString(),
    last_seen: u.eventAt.toISOString(),
    stopped_at: stop ? u.eventAt.toISOString() : null,
    terminate_cause: stop ? (u.terminateCause ?? 'Unknown') : null,
    closed_by: stop ? 'stop' : null,
    last_status: u.status,
    interim_interval: u.interimInterval,
    acct_session_time: u.sessionTime,
    acct_input_octets: clampBig(u.inputOctets),
    acct_output_octets: clampBig(u.outputOctets),
    acct_input_packets: u.inputPackets,
    acct_output_packets: u.outputPackets,
  };
}

/**
 * Apply Start / Interim-Update / Stop records in one statement (call inside a transaction). No two updates may
 * share a `sessionTriple`: PostgreSQL refuses to touch a row twice in one INSERT … ON CONFLICT.
 *
 * Merge rules for records that arrive late, twice or out of order (docs/radius-protocol.md §11):
 * - any packet for an unknown session creates it (a Stop creates it closed);
 * - counters and Acct-Session-Time only grow (GREATEST), last_seen never goes back;
 * - Framed-IP-Address follows the packet with the longest Acct-Session-Time, so the order of arrival is irrelevant;
 * - a closed session is not reopened by a late Start or Interim, except one radgate itself closed as stale: an
 *   Interim newer than its last update proves it alive;
 * - a Stop overrides a close radgate inferred (stale, NAS reboot, operator) with the NAS's own final record;
 *   the first Stop wins over later copies.
 * A packet without Class joins the open session with the same NAS, Acct-Session-Id and User-Name, whatever its Class.
 */
export async function applySessionUpdates(
  executor: Executor,
  updates: readonly SessionUpdate[],
  options: WriteOptions = {},
): Promise<SessionChange[]> {
  if (updates.length === 0) return [];
  // Lock rows in one global order so concurrent batches cannot deadlock.
  const rows = updates.map(toJsonRow);
  const result = await executor.execute(sql`
    with input as (
      select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(
        workspace_id text, nas_name text, nas_address text, nas_ip_address text, nas_identifier text,
        acct_session_id text, class text, username text, subscriber_id bigint, framed_ip_address text,
        framed_ipv6_prefix text, delegated_ipv6_prefix text, framed_interface_id text, calling_station_id text, called_station_id text, nas_port_id text, started_at timestamptz,
        last_seen timestamptz, stopped_at timestamptz, terminate_cause text, closed_by text, last_status text,
        interim_interval integer, acct_session_time bigint, acct_input_octets bigint, acct_output_octets bigint,
        acct_input_packets bigint, acct_output_packets bigint)
    ), keyed as (
      select i.*, coalesce(nullif(i.class, ''), (
        select o.class from sessions o
        where o.nas_address = i.nas_address and o.acct_session_id = i.acct_session_id
          and o.username = i.username and o.stopped_at is null
        order by o.last_seen desc limit 1), '') as session_class
      from input i
    ), changed as (
    insert into sessions as s (
      workspace_id, nas_name, nas_address, nas_ip_address, nas_identifier, acct_session_id, class, username,
      subscriber_id, framed_ip_address, framed_ipv6_prefix, delegated_ipv6_prefix, framed_interface_id,
      calling_station_id, called_station_id, nas_port_id, started_at, last_seen,
      stopped_at, terminate_cause, closed_by, last_status, interim_interval, acct_session_time, acct_input_octets,
      acct_output_octets, acct_input_packets, acct_output_packets, created_at, updated_at)
    select
      workspace_id, nas_name, nas_address, nas_ip_address, nas_identifier, acct_session_id, session_class, username,
      subscriber_id, framed_ip_address, framed_ipv6_prefix, delegated_ipv6_prefix, framed_interface_id,
      calling_station_id, called_station_id, nas_port_id, started_at, last_seen,
      stopped_at, terminate_cause, closed_by, last_status, interim_interval, acct_session_time, acct_input_octets,
      acct_output_octets, acct_input_packets, acct_output_packets, now(), now()
    from keyed
    order by nas_address, acct_session_id, username, session_class
    on conflict (nas_address, acct_session_id, username, class) do update set
      subscriber_id = coalesce(s.subscriber_id, excluded.subscriber_id),
      nas_ip_address = coalesce(excluded.nas_ip_address, s.nas_ip_address),
      nas_identifier = coalesce(excluded.nas_identifier, s.nas_identifier),
      framed_ip_address = case
        when excluded.framed_ip_address is not null and excluded.acct_session_time >= s.acct_session_time
          then excluded.framed_ip_address
        else coalesce(s.framed_ip_address, excluded.framed_ip_address) end,
      -- The IPv6 prefixes and interface id follow the same rule as Framed-IP-Address.
      framed_ipv6_prefix = case
        when excluded.framed_ipv6_prefix is not null and excluded.acct_session_time >= s.acct_session_time
          then excluded.framed_ipv6_prefix
        else coalesce(s.framed_ipv6_prefix, excluded.framed_ipv6_prefix) end,
      delegated_ipv6_prefix = case
        when excluded.delegated_ipv6_prefix is not null and excluded.acct_session_time >= s.acct_session_time
          then excluded.delegated_ipv6_prefix
        else coalesce(s.delegated_ipv6_prefix, excluded.delegated_ipv6_prefix) end,
      framed_interface_id = case
        when excluded.framed_interface_id is not null and excluded.acct_session_time >= s.acct_session_time
          then excluded.framed_interface_id
        else coalesce(s.framed_interface_id, excluded.framed_interface_id) end,
      calling_station_id = coalesce(s.calling_station_id, excluded.calling_station_id),
      called_station_id = coalesce(s.called_station_id, excluded.called_station_id),
      nas_port_id = coalesce(s.nas_port_id, excluded.nas_port_id),
      -- Start carries the start itself (the earliest copy wins: a retry may come with an unchanged
      -- Acct-Delay-Time); Interim/Stop only estimate it and leave it alone.
      started_at = case when excluded.last_status = 'Start' then least(s.started_at, excluded.started_at) else s.started_at end,
      last_seen = greatest(s.last_seen, excluded.last_seen),
      acct_session_time = greatest(s.acct_session_time, excluded.acct_session_time),
      acct_input_octets = greatest(s.acct_input_octets, excluded.acct_input_octets),
      acct_output_octets = greatest(s.acct_output_octets, excluded.acct_output_octets),
      acct_input_packets = greatest(s.acct_input_packets, excluded.acct_input_packets),
      acct_output_packets = greatest(s.acct_output_packets, excluded.acct_output_packets),
      interim_interval = excluded.interim_interval,
      -- Accounting for a session radgate first learned from the router's list takes the row over.
      learned_from = 'accounting',
      stopped_at = case
        when excluded.closed_by = 'stop' and s.closed_by is distinct from 'stop' then excluded.stopped_at
        when excluded.last_status = 'Interim-Update' and s.closed_by = 'stale' then null
        else s.stopped_at end,
      terminate_cause = case
        when excluded.closed_by = 'stop' and s.closed_by is distinct from 'stop' then excluded.terminate_cause
        when excluded.last_status = 'Interim-Update' and s.closed_by = 'stale' then null
        else s.terminate_cause end,
      closed_by = case
        when excluded.closed_by = 'stop' then 'stop'
        when excluded.last_status = 'Interim-Update' and s.closed_by = 'stale' then null
        else s.closed_by end,
      last_status = case
        when excluded.closed_by = 'stop' then 'Stop'
        when s.stopped_at is not null and s.closed_by is distinct from 'stale' then s.last_status
        when excluded.last_status = 'Start' then s.last_status
        else excluded.last_status end,
      updated_at = excluded.updated_at
    where s.stopped_at is null
      or excluded.closed_by = 'stop'
      or (excluded.last_status = 'Interim-Update' and s.closed_by = 'stale' and excluded.last_seen > s.last_seen)
    returning ${CHANGE_COLUMNS}, (s.xmax = 0) as inserted
    )
    -- New sessions and closes change what other instances count; Interims of open sessions (nearly all) do not.
    -- (A stale session reopened by an Interim reaches them with their periodic re-read.)
    ${returnChanged(options.announceAs, sql`(inserted or not open)`)}`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/**
 * Accounting-On / Accounting-Off (RFC 2866 §5.1): the NAS (re)started, so every session it had open before
 * `eventAt` is over — closed with NAS-Reboot, as FreeRADIUS's SQL schema does. Sessions that started after the
 * event (a late retransmitted Accounting-On arriving after the new Starts) are left alone.
 */
export async function closeNasSessions(
  executor: Executor,
  nas: { nasName: string; nasAddress: string; eventAt: Date },
  options: WriteOptions = {},
): Promise<SessionChange[]> {
  const result = await executor.execute(sql`
    with changed as (
    update sessions as s set stopped_at = greatest(s.started_at, ${nas.eventAt.toISOString()}::timestamptz),
      terminate_cause = 'NAS-Reboot', closed_by = 'nas-reboot', updated_at = now()
    where s.stopped_at is null and s.nas_name = ${nas.nasName} and s.nas_address = ${nas.nasAddress}
      and s.started_at <= ${nas.eventAt.toISOString()}::timestamptz
    returning ${CHANGE_COLUMNS})
    ${returnChanged(options.announceAs)}`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/** Seconds after which an open session with this interim interval is stale. */
export function staleAfterSeconds(interimInterval: number, factor: number): number {
  return interimInterval * factor;
}

/**
 * Close every open session with no accounting for `factor × interim interval` (closed at its last update, cause
 * `Stale-Session`). One UPDATE: several radgate instances may sweep at once, and a row is closed by exactly one
 * of them (the others find `stopped_at` set when they get the row lock).
 */
export async function sweepStaleSessions(
  executor: Executor,
  options: { now: Date; factor: number } & WriteOptions,
): Promise<SessionChange[]> {
  const now = options.now.toISOString();
  const result = await executor.execute(sql`
    with changed as (
    update sessions as s set stopped_at = s.last_seen, terminate_cause = 'Stale-Session', closed_by = 'stale',
      updated_at = now()
    where s.stopped_at is null
      and s.last_seen + make_interval(secs => s.interim_interval * ${options.factor}::float8) < ${now}::timestamptz
    returning ${CHANGE_COLUMNS})
    ${returnChanged(options.announceAs)}`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/** An operator's close (`radgate sessions close ID`): Admin-Reset. Undefined when no such open session. */
export async function closeSession(executor: Executor, id: number, now: Date, options: WriteOptions = {}): Promise<SessionChange | undefined> {
  const result = await executor.execute(sql`
    with changed as (
    update sessions as s set stopped_at = ${now.toISOString()}::timestamptz, terminate_cause = 'Admin-Reset',
      closed_by = 'operator', updated_at = now()
    where s.id = ${id} and s.stopped_at is null
    returning ${CHANGE_COLUMNS})
    ${returnChanged(options.announceAs)}`);
  const [row] = rowsOf<ChangeRow>(result);
  return row ? toChange(row) : undefined;
}

/**
 * Sessions the router says are gone (Disconnect-NAK with Error-Cause 503, no row in the RouterOS API): closed as
 * radgate-inferred (`stale`) with cause Lost-Service (RFC 2866 §5.10), as the stale sweep would close them later.
 */
export async function closeLostSessions(executor: Executor, ids: readonly number[], options: WriteOptions = {}): Promise<SessionChange[]> {
  const result = await executor.execute(sql`
    with changed as (
    update sessions as s set stopped_at = now(), terminate_cause = 'Lost-Service', closed_by = 'stale', updated_at = now()
    where s.id = any(${bigintArray(ids)}::bigint[]) and s.stopped_at is null
    returning ${CHANGE_COLUMNS})
    ${returnChanged(options.announceAs)}`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/**
 * A session of a router-local subscriber as the router lists it (`/ppp/active`, `/ip/hotspot/active`): such a
 * router asks no RADIUS, so radgate learns the session from the list (src/enforce/local-sessions.ts).
 */
export interface RouterListedSession {
  workspaceId: string;
  nasName: string;
  /** The router's address, as accounting from it would carry it (so a later Accounting packet joins the row). */
  nasAddress: string;
  /** The router's `session-id`, normalised (no `0x`, lower case), as RouterOS writes Acct-Session-Id. */
  acctSessionId: string;
  /** The entry's name on the router (what accounting would send as User-Name). */
  username: string;
  subscriberId: number;
  framedIpAddress: string | null;
  callingStationId: string | null;
  /** How long the router says the session has been up, seconds (0 when it does not say). */
  uptimeSeconds: number;
  /** Seconds between two looks at the router: the stale sweep closes the row after factor × this without one. */
  interimInterval: number;
}

/**
 * Opens sessions learned from the router's list (`learned_from = 'router'`). A row of the same identity that radgate
 * closed as stale is reopened (the router proves it alive); one closed otherwise (a Stop, an operator) stays closed.
 */
export async function openRouterSessions(executor: Executor, listed: readonly RouterListedSession[], options: WriteOptions = {}): Promise<SessionChange[]> {
  if (listed.length === 0) return [];
  const rows = listed.map((r) => ({
    workspace_id: r.workspaceId, nas_name: r.nasName, nas_address: r.nasAddress, acct_session_id: r.acctSessionId,
    username: r.username, subscriber_id: r.subscriberId, framed_ip_address: r.framedIpAddress,
    calling_station_id: r.callingStationId, uptime: Math.max(0, Math.floor(r.uptimeSeconds)), interim_interval: r.interimInterval,
  }));
  const result = await executor.execute(sql`
    with input as (
      select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(
        workspace_id text, nas_name text, nas_address text, acct_session_id text, username text, subscriber_id bigint,
        framed_ip_address text, calling_station_id text, uptime integer, interim_interval integer)
    ), changed as (
    insert into sessions as s (
      workspace_id, nas_name, nas_address, acct_session_id, class, username, subscriber_id, framed_ip_address,
      calling_station_id, started_at, last_seen, last_status, interim_interval, acct_session_time, learned_from,
      created_at, updated_at)
    select workspace_id, nas_name, nas_address, acct_session_id, '', username, subscriber_id, framed_ip_address,
      calling_station_id, now() - make_interval(secs => uptime), now(), 'Start', interim_interval, uptime, 'router',
      now(), now()
    from input
    order by nas_address, acct_session_id, username
    on conflict (nas_address, acct_session_id, username, class) do update set
      stopped_at = null, terminate_cause = null, closed_by = null, last_seen = now(),
      subscriber_id = coalesce(s.subscriber_id, excluded.subscriber_id),
      framed_ip_address = coalesce(excluded.framed_ip_address, s.framed_ip_address),
      updated_at = now()
    where s.closed_by = 'stale'
    returning ${CHANGE_COLUMNS})
    ${returnChanged(options.announceAs)}`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/** The router still lists these router-learned sessions: last_seen = now, so the stale sweep leaves them open. */
export async function touchRouterSessions(executor: Executor, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await executor.execute(sql`
    update sessions as s set last_seen = now(), updated_at = now()
    where s.id = any(${bigintArray(ids)}::bigint[]) and s.stopped_at is null and s.learned_from = 'router'
    returning s.id`);
  return rowsOf(result).length;
}

/**
 * Gives open sessions of no known subscriber their subscriber (accounting of a router-local subscriber whose entry
 * name is not its username: the accounting handler could not tell whose it was).
 */
export async function attachSessions(executor: Executor, pairs: ReadonlyArray<{ id: number; subscriberId: number }>, options: WriteOptions = {}): Promise<SessionChange[]> {
  if (pairs.length === 0) return [];
  const result = await executor.execute(sql`
    with input as (
      select * from json_to_recordset(${JSON.stringify(pairs.map((p) => ({ id: p.id, subscriber_id: p.subscriberId })))}::json)
        as x(id bigint, subscriber_id bigint)
    ), changed as (
    update sessions as s set subscriber_id = i.subscriber_id, updated_at = now()
    from input i
    where s.id = i.id and s.subscriber_id is null and s.stopped_at is null
    returning ${CHANGE_COLUMNS})
    ${returnChanged(options.announceAs)}`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/** What enforcement needs of the open sessions of these subscribers, oldest first. */
export async function openSessionsOfSubscribers(db: Db, subscriberIds: readonly number[]) {
  const out = [];
  for (let i = 0; i < subscriberIds.length; i += 1000) {
    out.push(...await db
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
      .where(and(inArray(sessions.subscriberId, [...subscriberIds.slice(i, i + 1000)]), isNull(sessions.stoppedAt)))
      .orderBy(sessions.id));
  }
  return out;
}

/** The captive redirect's question: who holds this IP now? The most recently updated open session wins. */
export interface IpHolder {
  sessionId: number;
  subscriberId: number | null;
  workspaceId: string;
  nasName: string;
  username: string;
}

export async function findOpenSessionByIp(db: Db, ip: string): Promise<IpHolder | undefined> {
  const [row] = await db
    .select({
      sessionId: sessions.id,
      subscriberId: sessions.subscriberId,
      workspaceId: sessions.workspaceId,
      nasName: sessions.nasName,
      username: sessions.username,
    })
    .from(sessions)
    .where(and(eq(sessions.framedIpAddress, ip), isNull(sessions.stoppedAt)))
    .orderBy(desc(sessions.lastSeen))
    .limit(1);
  return row;
}

/**
 * The captive redirect's question for an IPv6 client: the open session whose framed or delegated IPv6 prefix
 * contains `ip` (a canonical IPv6 address), the most recently updated first, as for IPv4. The prefixes are stored
 * as canonical text by the accounting handler; `>>=` (contains or equals) on `inet` works on PostgreSQL and PGlite.
 * The condition repeats the partial index `sessions_open_ipv6`'s predicate so the planner can use it.
 */
export async function findOpenSessionByIpv6(db: Db, ip: string): Promise<IpHolder | undefined> {
  const [row] = rowsOf<{ id: string | number; subscriber_id: string | number | null; workspace_id: string; nas_name: string; username: string }>(
    await db.execute(openSessionByIpv6Query(ip)));
  if (row === undefined) return undefined;
  return {
    sessionId: Number(row.id),
    subscriberId: row.subscriber_id === null ? null : Number(row.subscriber_id),
    workspaceId: row.workspace_id,
    nasName: row.nas_name,
    username: row.username,
  };
}

/** The statement of `findOpenSessionByIpv6` (exported so a test can ask the planner which index serves it). */
export function openSessionByIpv6Query(ip: string): SQL {
  return sql`
    select s.id, s.subscriber_id, s.workspace_id, s.nas_name, s.username from sessions s
    where s.stopped_at is null and (s.framed_ipv6_prefix is not null or s.delegated_ipv6_prefix is not null)
      and (s.framed_ipv6_prefix::inet >>= ${ip}::inet or s.delegated_ipv6_prefix::inet >>= ${ip}::inet)
    order by s.last_seen desc, s.id desc limit 1`;
}

/** Open sessions of a subscriber, most recent first. */
export function openSessionsOfSubscriber(db: Db, subscriberId: number): Promise<SessionRow[]> {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.subscriberId, subscriberId), isNull(sessions.stoppedAt)))
    .orderBy(desc(sessions.lastSeen));
}

/**
 * Open sessions of a NAS (nas.yaml name; optionally one router of a range entry by its address, and only these
 * usernames — at most 1000 — when given).
 */
export function openSessionsOfNas(db: Db, nasName: string, nasAddress?: string, usernames?: readonly string[]): Promise<SessionRow[]> {
  const conditions: SQL[] = [eq(sessions.nasName, nasName), isNull(sessions.stoppedAt)];
  if (nasAddress !== undefined) conditions.push(eq(sessions.nasAddress, nasAddress));
  if (usernames !== undefined) conditions.push(inArray(sessions.username, [...usernames]));
  return db.select().from(sessions).where(and(...conditions)).orderBy(desc(sessions.lastSeen));
}

export async function getSession(db: Db, id: number): Promise<SessionRow | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
  return row;
}

export interface SessionFilter {
  workspaceId?: string | undefined;
  username?: string | undefined;
  nasName?: string | undefined;
  framedIpAddress?: string | undefined;
  /** Include closed sessions (most recent first). Default: open only. */
  all?: boolean | undefined;
  /** Only closed sessions (implies `all`). */
  closedOnly?: boolean | undefined;
  /** Only sessions that started in the last this many seconds, by the database's clock. */
  startedWithinSeconds?: number | undefined;
  limit?: number | undefined;
}

/** For the CLI and the admin API. */
export function listSessions(db: Db, filter: SessionFilter): Promise<SessionRow[]> {
  const conditions: SQL[] = [];
  if (filter.closedOnly) conditions.push(sql`${sessions.stoppedAt} is not null`);
  else if (!filter.all) conditions.push(isNull(sessions.stoppedAt));
  if (filter.startedWithinSeconds !== undefined) {
    conditions.push(sql`${sessions.startedAt} >= now() - make_interval(secs => ${filter.startedWithinSeconds})`);
  }
  if (filter.workspaceId !== undefined) conditions.push(eq(sessions.workspaceId, filter.workspaceId));
  if (filter.username !== undefined) conditions.push(eq(sessions.username, filter.username));
  if (filter.nasName !== undefined) conditions.push(eq(sessions.nasName, filter.nasName));
  if (filter.framedIpAddress !== undefined) conditions.push(eq(sessions.framedIpAddress, filter.framedIpAddress));
  return db
    .select()
    .from(sessions)
    .where(and(...conditions))
    .orderBy(desc(sessions.startedAt), desc(sessions.id))
    .limit(filter.limit ?? 1000);
}

/** Open sessions of these subscribers, as the tracker holds them (the full re-read: openSessionChangesPage). */
export async function openSessionChanges(executor: Executor, subscriberIds: readonly number[]): Promise<SessionChange[]> {
  const result = await executor.execute(sql`
    select ${CHANGE_COLUMNS} from sessions s
    where s.stopped_at is null and s.subscriber_id = any(${bigintArray(subscriberIds)}::bigint[])`);
  return rowsOf<ChangeRow>(result).map(toChange);
}

/**
 * Open sessions of known subscribers with an id above `afterSubscriberId`, in subscriber order, about `limit` at a time:
 * the tracker's full re-read in pages. A page ends on a whole subscriber (rows of the last one are left to the next
 * page) unless the page holds one subscriber only.
 */
export async function openSessionChangesPage(executor: Executor, afterSubscriberId: number, limit: number): Promise<{ rows: SessionChange[]; last: number | undefined }> {
  const result = await executor.execute(sql`
    select ${CHANGE_COLUMNS} from sessions s
    where s.stopped_at is null and s.subscriber_id > ${afterSubscriberId}
    order by s.subscriber_id limit ${limit}`);
  const rows = rowsOf<ChangeRow>(result).map(toChange);
  if (rows.length < limit) return { rows, last: undefined };
  const lastId = rows[rows.length - 1]!.subscriberId!;
  const whole = rows.filter((r) => r.subscriberId !== lastId);
  return whole.length === 0 ? { rows, last: lastId } : { rows: whole, last: whole[whole.length - 1]!.subscriberId! };
}

/** Open sessions per NAS name (the metrics gauge). */
export async function openSessionCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ nas: sessions.nasName, open: count() })
    .from(sessions)
    .where(isNull(sessions.stoppedAt))
    .groupBy(sessions.nasName);
  return new Map(rows.map((r) => [r.nas, Number(r.open)]));
}

/**
 * When each of these subscribers last logged in on a NAS through radgate (open or closed): a session from accounting
 * that carries radgate's own Class (`rg1:`, given only in an Access-Accept). A router that authenticates a subscriber
 * locally may still send accounting, but never with that Class (imports/router-switch.ts confirms moves with it).
 */
export async function latestRadiusLogins(executor: Executor, nasName: string, subscriberIds: readonly number[]): Promise<Map<number, Date>> {
  const out = new Map<number, Date>();
  for (let i = 0; i < subscriberIds.length; i += 1000) {
    const result = await executor.execute(sql`
      select s.subscriber_id, (extract(epoch from max(s.started_at)) * 1000)::float8 as started_ms
      from sessions s
      where s.subscriber_id = any(${bigintArray(subscriberIds.slice(i, i + 1000))}::bigint[])
        and s.nas_name = ${nasName} and s.learned_from = 'accounting' and s.class like 'rg1:%'
      group by s.subscriber_id`);
    for (const row of rowsOf<{ subscriber_id: string | number; started_ms: string | number }>(result)) {
      out.set(Number(row.subscriber_id), new Date(Number(row.started_ms)));
    }
  }
  return out;
}

/**
 * Retention (src/db/retention.ts): deletes the sessions closed before `cutoff`; open sessions are never touched.
 * `started_at < cutoff` is implied by the close (a session starts before it stops) and lets the existing
 * `sessions_started` index serve the scan, oldest first, so the accounting path maintains no index for this. A
 * session that outlived the cut-off is rescanned by each batch but kept: few, since the stale sweep closes the rest.
 */
export async function pruneClosedSessions(db: Executor, cutoff: Date, options: PruneOptions = {}): Promise<PruneCounts> {
  const old = sql`s.started_at < ${cutoff.toISOString()}::timestamptz and s.stopped_at < ${cutoff.toISOString()}::timestamptz`;
  if (options.dryRun) {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from sessions s where ${old}`));
    return { sessions: Number(row!.n) };
  }
  return pruneInBatches(options, 'sessions', async (limit) => {
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`
      with doomed as (
        select s.id from sessions s where ${old}
        order by s.started_at limit ${limit}
        for update skip locked
      ), gone as (delete from sessions s using doomed d where s.id = d.id returning 1)
      select count(*)::int as n from gone`));
    return { sessions: Number(row!.n) };
  });
}

export type { SessionCloser, SessionRow };
