/**
 * @module profile/access-decision
 * What an Access-Request gets once its credentials are checked (RFC 2865 §4.2, §4.3): the subscriber's status picks
 * the plan, the workspace's expired profile or a refusal (`selectProfile`), then the plan's `max_sessions` is held
 * against the subscriber's open sessions (simultaneous use). It is the one decision of the server: the Access-Request
 * handler answers with it, and `radgate explain` / `GET /subscribers/{id}/explain` report it, so they cannot
 * disagree. A pure function: the open sessions are counted by the caller. The Class tag and the credential method's
 * own attributes (MS-CHAP2-Success, MPPE keys) are added by the handler: they differ in every reply.
 */
import type { PlanConfig, WorkspaceConfig } from '../config/index.js';
import type { SubscriberStatus } from '../db/schema.js';
import type { ReplyAttribute } from '../radius/encode.js';
import { selectProfile, type ProfileKind } from './reply-profile.js';

/** What the decision reads of a subscriber. */
export interface AccessSubject {
  readonly id: number;
  readonly status: SubscriberStatus;
  readonly staticIp: string | null;
  /** The plan's name as stored; `plan` below is its configuration (undefined: not in plans.yaml). */
  readonly plan: string;
}

export interface AccessInput {
  readonly subscriber: AccessSubject;
  /** The subscriber's plan from plans.yaml; undefined when it is not configured (refused, unless expired). */
  readonly plan: PlanConfig | undefined;
  /** The workspace of the NAS the request came from. */
  readonly workspace: WorkspaceConfig;
  /**
   * Open sessions of a subscriber that are not stale (src/sessions/tracker.ts `count`). Without it nothing is
   * checked: every login is let through the simultaneous-use step.
   */
  readonly openSessions?: ((subscriberId: number) => number) | undefined;
}

/** The simultaneous-use step: sessions open now against the plan's `max_sessions`. */
export interface SessionCheck {
  readonly open: number;
  readonly limit: number;
}

export type AccessDecision =
  | {
      readonly outcome: 'accept';
      readonly profile: 'plan' | 'expired';
      /** The profile's reply attributes, in the order they are sent (before Class). */
      readonly attributes: ReplyAttribute[];
      /** Undefined when not checked (no plan, or no session count given). */
      readonly sessions: SessionCheck | undefined;
    }
  | {
      readonly outcome: 'reject';
      /** The profile the status called for: `refuse`, or the one simultaneous use turned down. */
      readonly profile: ProfileKind;
      /** For the log and for operators. */
      readonly reason: string;
      /** Reply-Message: what the subscriber is told. */
      readonly message: string;
      readonly sessions: SessionCheck | undefined;
    };

export function decideAccess(input: AccessInput): AccessDecision {
  const { subscriber, plan, workspace } = input;
  const profile = selectProfile({ status: subscriber.status, staticIp: subscriber.staticIp, plan, planName: subscriber.plan, workspace });
  if (profile.kind === 'refuse') {
    return { outcome: 'reject', profile: 'refuse', reason: profile.reason, message: profile.message, sessions: undefined };
  }
  // plans.yaml max_sessions: this login is not among the open sessions yet, so reaching the limit already refuses it.
  const sessions = plan && input.openSessions ? { open: input.openSessions(subscriber.id), limit: plan.maxSessions } : undefined;
  if (sessions && sessions.open >= sessions.limit) {
    return {
      outcome: 'reject',
      profile: profile.kind,
      reason: `simultaneous-use: ${sessions.open} open session(s), plan allows ${sessions.limit}`,
      message: `Already connected: at most ${sessions.limit} session(s) allowed for your plan`,
      sessions,
    };
  }
  return { outcome: 'accept', profile: profile.kind, attributes: profile.attributes, sessions };
}
