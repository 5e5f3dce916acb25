/**
 * What to push for one change, decided from the old and new profile (src/profile): nothing (same profile),
 * a CoA carrying the attributes a CoA can change, or a reconnect because the change needs a new login — the session
 * must end (refused), its address pool or static IP changes, or (a restore) it must leave an address list that the
 * old profile put it in, which a CoA cannot take away (docs/routeros.md §5).
 */
import type { Config, NasEnforcementConfig } from '../config/index.js';
import { selectProfile, type ProfileDecision } from '../profile/reply-profile.js';
import type { SubscriberStatus } from '../db/schema.js';
import type { ReplyAttribute } from '../radius/encode.js';

/** Attributes RouterOS applies from a CoA (docs/routeros.md §5; Address-List as Splynx uses it, *unverified*). */
const COA_CHANGEABLE = new Set([
  'Mikrotik-Group', 'Mikrotik-Rate-Limit', 'Mikrotik-Address-List', 'Mikrotik-Recv-Limit', 'Mikrotik-Xmit-Limit',
  'Mikrotik-Recv-Limit-Gigawords', 'Mikrotik-Xmit-Limit-Gigawords', 'Mikrotik-Total-Limit', 'Mikrotik-Total-Limit-Gigawords',
  'Filter-Id', 'Mikrotik-Mark-Id', 'Mikrotik-Advertise-URL', 'Mikrotik-Advertise-Interval', 'Session-Timeout',
  'Idle-Timeout', 'Port-Limit',
]);

/** Attributes only a new login can change: the address and where it comes from. */
const NEEDS_LOGIN = ['Framed-Pool', 'Framed-IP-Address', 'Framed-IPv6-Prefix', 'Delegated-IPv6-Prefix', 'Mikrotik-Delegated-IPv6-Pool'];

/**
 * The subscriber as a push needs it: who (id, workspace, username), what they hold (plan, static IP), and the
 * status to push — the decision billing made, carried by the job (see `pushTarget` in workers.ts).
 */
export interface PushTarget {
  id: number;
  workspaceId: string;
  username: string;
  plan: string;
  status: SubscriberStatus;
  staticIp: string | null;
  /** Soft-deleted: treated as refused. */
  deleted: boolean;
}

export interface SessionPush {
  /** The profile sessions must get. */
  decision: ProfileDecision;
  /** Short name for outcomes: `expired profile`, `plan home-10`, `refusal (suspended)`. */
  label: string;
  /** Set when there is nothing to push (the old and new profile are the same). */
  noop: string | undefined;
  /** What a CoA-Request carries besides the session identification. */
  coaAttributes: ReplyAttribute[];
  /** Set when no CoA can do it whatever the NAS policy: the subscriber is refused. */
  reconnect: string | undefined;
  /**
   * What a CoA cannot apply (a restore): leaving an address list the old profile put the session in, a new pool or
   * static IP. Each NAS's `enforcement.restore` decides: reconnect (default) or a CoA anyway.
   */
  restore: string[];
}

/** The CoA step of the ladder for this NAS: undefined = send a CoA; a string = why the ladder starts at Disconnect. */
export function coaSkipReason(plan: SessionPush, policy: NasEnforcementConfig): string | undefined {
  if (plan.reconnect) return plan.reconnect;
  if (plan.restore.length > 0 && policy.restore === 'reconnect') return `${plan.restore.join('; ')} (restore: reconnect)`;
  if (!policy.steps.includes('coa')) return 'CoA is not among this NAS\'s enforcement steps';
  return undefined;
}

function decide(config: Config, subscriber: PushTarget, status: SubscriberStatus): ProfileDecision | undefined {
  const workspace = config.workspaceById.get(subscriber.workspaceId);
  if (!workspace) return undefined;
  return selectProfile({ status, staticIp: subscriber.staticIp, plan: config.planByName.get(subscriber.plan), planName: subscriber.plan, workspace });
}

function label(decision: ProfileDecision, subscriber: PushTarget): string {
  if (decision.kind === 'refuse') return `refusal (${decision.reason})`;
  if (decision.kind === 'expired') return 'expired profile';
  return `plan ${subscriber.plan}`;
}

function valuesOf(decision: ProfileDecision | undefined, name: string): string[] {
  if (!decision || decision.kind === 'refuse') return [];
  return decision.attributes.filter((a) => a.name === name).map((a) => String(a.value));
}

/**
 * `fromStatus` is the status the live sessions were last given, or null when unknown (a manual run, a plan change,
 * or a merged job that had already acted): then both the plan and the expired profile count as possible old ones.
 */
export function decidePush(config: Config, subscriber: PushTarget, fromStatus: SubscriberStatus | null): SessionPush {
  const refusal: ProfileDecision = { kind: 'refuse', reason: subscriber.deleted ? 'deleted' : 'workspace not configured', message: '' };
  const decision = subscriber.deleted ? refusal : (decide(config, subscriber, subscriber.status) ?? refusal);
  const name = label(decision, subscriber);
  const olds: Array<ProfileDecision | undefined> = fromStatus === null
    ? [decide(config, subscriber, 'active'), decide(config, subscriber, 'expired')]
    : [decide(config, subscriber, fromStatus)];

  if (fromStatus !== null && olds[0] !== undefined && sameProfile(olds[0], decision)) {
    return { decision, label: name, noop: `no change to push: ${fromStatus} → ${subscriber.status} keeps the ${name}`, coaAttributes: [], reconnect: undefined, restore: [] };
  }
  if (decision.kind === 'refuse') {
    return { decision, label: name, noop: undefined, coaAttributes: [], reconnect: `the subscriber is refused (${decision.reason}): the session must end`, restore: [] };
  }
  const coaAttributes = decision.attributes.filter((a) => COA_CHANGEABLE.has(a.name));
  const newLists = new Set(valuesOf(decision, 'Mikrotik-Address-List'));
  const leaving = [...new Set(olds.flatMap((old) => valuesOf(old, 'Mikrotik-Address-List')))].filter((l) => !newLists.has(l));
  const restore: string[] = [];
  if (leaving.length > 0) restore.push(`a CoA cannot take the session out of address list ${leaving.join(', ')}`);
  for (const attr of NEEDS_LOGIN) {
    // Only a value the new profile sets matters: a session may keep an address the new profile does not name.
    const now = valuesOf(decision, attr).join(',');
    if (now !== '' && olds.some((old) => old !== undefined && old.kind !== 'refuse' && valuesOf(old, attr).join(',') !== now)) {
      restore.push(`${attr} becomes ${now}, which only a new login applies`);
    }
  }
  return { decision, label: name, noop: undefined, coaAttributes, reconnect: undefined, restore };
}

function sameProfile(a: ProfileDecision, b: ProfileDecision): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'refuse' || b.kind === 'refuse') return true;
  return JSON.stringify(a.attributes) === JSON.stringify(b.attributes);
}
