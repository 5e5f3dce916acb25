/**
 * @module billing/state
 * The billing state machine as one pure function: `computeState(subject, rules, now)` → status, reason, and the
 * next transition. No clock, no database: the caller passes `now`.
 *
 * Thresholds (whole days in the workspace time zone, relative to paid_until P, the END of the paid service):
 *
 *   active ── P − reminder_days ──▶ due_soon ── P ──▶ grace ── P + grace_days ──▶ expired ── P + suspend_after_days ──▶ suspended
 *
 * Boundaries: a state begins AT its threshold instant (inclusive) and the previous one ends just before it
 * (exclusive): one second before P the subscriber is `due_soon`, at P exactly `grace`. When two thresholds coincide
 * (reminder_days 0, grace_days 0, grace_days = suspend_after_days) the later state wins and the earlier one is
 * skipped. "N days" is N local calendar days at the same local wall time, so across a DST change it is ±1 hour of
 * N × 24 h.
 *
 * Precedence, first match wins:
 *   1. `disabled` (only an operator sets and clears it) stays `disabled`;
 *   2. an operator override (status, until a time or until cleared) is the status;
 *   3. paid_until unset: not billed, the status stays what it is;
 *   4. the thresholds above; a promise to pay that has not run out lifts `expired` and `suspended` to `grace`
 *      (service restored; the subscriber is still overdue, so reminders continue).
 */

import type { BillingPolicy } from '../config/index.js';
import type { SubscriberStatus } from '../db/schema.js';
import { addLocalDays, formatLocal } from './calendar.js';

/** Statuses an operator may pin with an override (disabled has its own commands). */
export const OVERRIDE_STATUSES = ['active', 'due_soon', 'grace', 'expired', 'suspended'] as const;
export type OverrideStatus = (typeof OVERRIDE_STATUSES)[number];

/** What the state depends on. Dates are instants (UTC). */
export interface BillingSubject {
  readonly status: SubscriberStatus;
  readonly statusReason?: string | null;
  readonly paidUntil: Date | null;
  readonly promiseUntil: Date | null;
  readonly overrideStatus: SubscriberStatus | null;
  readonly overrideUntil: Date | null;
  readonly overrideReason: string | null;
}

/** A workspace's thresholds and the time zone that says what a day is. */
export interface BillingRules extends BillingPolicy {
  readonly timezone: string;
}

export interface Thresholds {
  readonly dueSoon: Date;
  readonly grace: Date;
  readonly expired: Date;
  readonly suspended: Date;
}

export interface StateAt {
  readonly status: SubscriberStatus;
  /** One line for operators: why this status. */
  readonly reason: string;
  /** The threshold at which this status began, when a threshold decides it (catch-up records it). */
  readonly since: Date | null;
  /** False when nothing automatic applies (disabled, or paid_until unset): the status is left as it is. */
  readonly managed: boolean;
}

export interface ComputedState extends StateAt {
  /** The next automatic change if nothing else happens (no payment, no operator action); null: none due. */
  readonly next: { readonly status: SubscriberStatus; readonly at: Date; readonly reason: string } | null;
}

export function thresholds(paidUntil: Date, rules: BillingRules): Thresholds {
  return {
    dueSoon: addLocalDays(paidUntil, -rules.reminderDays, rules.timezone),
    grace: paidUntil,
    expired: addLocalDays(paidUntil, rules.graceDays, rules.timezone),
    suspended: addLocalDays(paidUntil, rules.suspendAfterDays, rules.timezone),
  };
}

const at = (t: Date, rules: BillingRules) => `${formatLocal(t, rules.timezone)} ${rules.timezone}`;

function overrideActive(s: BillingSubject, now: Date): boolean {
  return s.overrideStatus !== null && (s.overrideUntil === null || now.getTime() < s.overrideUntil.getTime());
}

/** The status at `now`, without looking ahead. */
export function stateAt(s: BillingSubject, rules: BillingRules, now: Date): StateAt {
  if (s.status === 'disabled') {
    return { status: 'disabled', reason: s.statusReason ?? 'disabled by an operator', since: null, managed: false };
  }
  if (overrideActive(s, now)) {
    const until = s.overrideUntil ? ` until ${at(s.overrideUntil, rules)}` : '';
    const why = s.overrideReason ? `: ${s.overrideReason}` : '';
    return { status: s.overrideStatus!, reason: `set by an operator${until}${why}`, since: null, managed: true };
  }
  if (s.paidUntil === null) {
    return { status: s.status, reason: s.statusReason ?? 'not billed (no paid_until)', since: null, managed: false };
  }
  const t = thresholds(s.paidUntil, rules);
  const n = now.getTime();
  const paid = at(s.paidUntil, rules);
  let state: StateAt;
  if (n >= t.suspended.getTime()) {
    state = { status: 'suspended', reason: `unpaid since ${paid}; suspended from ${at(t.suspended, rules)}`, since: t.suspended, managed: true };
  } else if (n >= t.expired.getTime()) {
    state = { status: 'expired', reason: `unpaid since ${paid}; grace ended ${at(t.expired, rules)}`, since: t.expired, managed: true };
  } else if (n >= t.grace.getTime()) {
    state = { status: 'grace', reason: `payment overdue since ${paid}; grace until ${at(t.expired, rules)}`, since: t.grace, managed: true };
  } else if (n >= t.dueSoon.getTime()) {
    state = { status: 'due_soon', reason: `payment due ${paid}`, since: t.dueSoon, managed: true };
  } else {
    return { status: 'active', reason: `paid until ${paid}`, since: null, managed: true };
  }
  if ((state.status === 'expired' || state.status === 'suspended') && s.promiseUntil !== null && n < s.promiseUntil.getTime()) {
    return { status: 'grace', reason: `promise to pay until ${at(s.promiseUntil, rules)} (${state.reason})`, since: null, managed: true };
  }
  return state;
}

/** The status at `now` and the next automatic change. */
export function computeState(s: BillingSubject, rules: BillingRules, now: Date): ComputedState {
  const current = stateAt(s, rules, now);
  if (current.status === 'disabled') return { ...current, next: null };
  // Every instant at which an input of stateAt flips; the first one that changes the status is the next transition.
  const candidates: Date[] = [];
  if (s.overrideStatus !== null && s.overrideUntil !== null) candidates.push(s.overrideUntil);
  if (s.promiseUntil !== null) candidates.push(s.promiseUntil);
  if (s.paidUntil !== null) candidates.push(...Object.values(thresholds(s.paidUntil, rules)));
  const upcoming = candidates.filter((t) => t.getTime() > now.getTime()).sort((a, b) => a.getTime() - b.getTime());
  for (const t of upcoming) {
    const later = stateAt(s, rules, t);
    if (later.status !== current.status) return { ...current, next: { status: later.status, at: t, reason: later.reason } };
  }
  return { ...current, next: null };
}
