/**
 * @module web/admin/present
 * Database rows → the API's JSON shapes (schemas.ts). Never a password or hash; times as ISO UTC; the last paid day
 * in the workspace's time zone for people.
 */

import type * as z from 'zod';
import { lastDayBefore } from '../../billing/calendar.js';
import type { Transition } from '../../billing/accounts.js';
import type { ComputedState } from '../../billing/state.js';
import type { Config } from '../../config/index.js';
import type { PaymentRow, SessionRow, SubscriberEventRow, SubscriberRow, SubscriberStatus } from '../../db/schema.js';
import type { Event, Payment, Session, StatusReport, Subscriber, TransitionOut } from './schemas.js';

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function zoneOf(config: Config, workspaceId: string): string {
  return config.workspaceById.get(workspaceId)?.timezone ?? 'UTC';
}

function override(row: SubscriberRow) {
  return row.overrideStatus === null ? null : { status: row.overrideStatus, until: iso(row.overrideUntil), reason: row.overrideReason };
}

export function presentSubscriber(row: SubscriberRow, config: Config): z.input<typeof Subscriber> {
  const timezone = zoneOf(config, row.workspaceId);
  return {
    id: row.id,
    workspace: row.workspaceId,
    username: row.username,
    account: row.accountNumber,
    plan: row.plan,
    status: row.status,
    status_reason: row.statusReason,
    status_since: iso(row.statusSince),
    static_ip: row.staticIp,
    credential: row.passwordEnc ? 'password' : 'nt-hash',
    paid_until: iso(row.paidUntil),
    paid_through: row.paidUntil === null ? null : lastDayBefore(row.paidUntil, timezone),
    balance: row.balance,
    currency: config.planByName.get(row.plan)?.currency ?? null,
    promise_until: iso(row.promiseUntil),
    override: override(row),
    contact_name: row.contactName,
    email: row.email,
    phone: row.phone,
    notify_opt_out: row.notifyOptOut,
    auth: row.auth,
    local_nas: row.localNas,
    local_name: row.localName,
    local_service: row.localService,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function presentStatus(row: SubscriberRow, state: ComputedState, now: Date, openSessions: number, config: Config): z.input<typeof StatusReport> {
  const timezone = zoneOf(config, row.workspaceId);
  return {
    subscriber_id: row.id,
    username: row.username,
    status: state.status,
    reason: state.reason,
    managed: state.managed,
    since: iso(state.since ?? row.statusSince),
    next: state.next === null ? null : { status: state.next.status, at: state.next.at.toISOString(), reason: state.next.reason },
    paid_until: iso(row.paidUntil),
    paid_through: row.paidUntil === null ? null : lastDayBefore(row.paidUntil, timezone),
    balance: row.balance,
    currency: config.planByName.get(row.plan)?.currency ?? null,
    promise_until: iso(row.promiseUntil),
    override: override(row),
    timezone,
    now: now.toISOString(),
    open_sessions: openSessions,
  };
}

export function presentPayment(row: PaymentRow): z.input<typeof Payment> {
  return {
    id: row.id,
    subscriber_id: row.subscriberId,
    workspace: row.workspaceId,
    amount: row.amount,
    currency: row.currency,
    method: row.method,
    reference: row.reference,
    note: row.note,
    state: row.state,
    cycles: row.cycles,
    paid_until_before: iso(row.paidUntilBefore),
    paid_until_after: iso(row.paidUntilAfter),
    balance_after: row.balanceAfter,
    actor: row.actor,
    received_at: row.receivedAt.toISOString(),
    voided_at: iso(row.voidedAt),
    voided_by: row.voidedBy,
    void_reason: row.voidReason,
  };
}

export function presentEvent(row: SubscriberEventRow): z.input<typeof Event> {
  return {
    id: row.id,
    kind: row.kind,
    from_status: row.fromStatus as SubscriberStatus | null,
    to_status: row.toStatus as SubscriberStatus | null,
    reason: row.reason,
    actor: row.actor,
    at: row.at.toISOString(),
    effective_at: iso(row.effectiveAt),
    payment_id: row.paymentId,
    details: row.details ?? null,
  };
}

export function presentSession(row: SessionRow): z.input<typeof Session> {
  return {
    id: row.id,
    workspace: row.workspaceId,
    nas: row.nasName,
    nas_address: row.nasAddress,
    acct_session_id: row.acctSessionId,
    username: row.username,
    subscriber_id: row.subscriberId,
    framed_ip_address: row.framedIpAddress,
    framed_ipv6_prefix: row.framedIpv6Prefix,
    delegated_ipv6_prefix: row.delegatedIpv6Prefix,
    framed_interface_id: row.framedInterfaceId,
    calling_station_id: row.callingStationId,
    nas_port_id: row.nasPortId,
    started_at: row.startedAt.toISOString(),
    last_seen: row.lastSeen.toISOString(),
    stopped_at: iso(row.stoppedAt),
    terminate_cause: row.terminateCause,
    acct_input_octets: String(row.acctInputOctets),
    acct_output_octets: String(row.acctOutputOctets),
  };
}

export function presentTransition(t: Transition): z.input<typeof TransitionOut> {
  return {
    subscriber_id: t.subscriberId,
    workspace: t.workspaceId,
    username: t.username,
    from: t.from,
    to: t.to,
    reason: t.reason,
    effective_at: t.effectiveAt.toISOString(),
  };
}
