/**
 * Profile selection: what an Access-Accept carries for a subscriber, from its status. `active` (and the billing
 * states that keep service: `due_soon`, `grace`) get the plan; `expired` gets the workspace's expired profile;
 * `suspended` and `disabled` are refused with a message that tells the subscriber the truth.
 */
import type { PlanConfig, WorkspaceConfig } from '../config/index.js';
import type { SubscriberStatus } from '../db/schema.js';
import { radiusCodec, VENDOR_MICROSOFT, VENDOR_MIKROTIK } from '../radius/dictionary.js';
import type { ReplyAttribute } from '../radius/encode.js';

export type ProfileDecision =
  | { kind: 'plan'; attributes: ReplyAttribute[] }
  | { kind: 'expired'; attributes: ReplyAttribute[] }
  | { kind: 'refuse'; reason: string; message: string };

/** Resolve a dictionary name to a reply attribute (vendor looked up in the dictionaries). */
export function attribute(name: string, value: string | number): ReplyAttribute {
  const codec = radiusCodec();
  if (codec.attr_name_to_id(name) !== undefined) return { name, value };
  for (const vendor of [VENDOR_MIKROTIK, VENDOR_MICROSOFT]) {
    if (codec.attr_name_to_id(name, vendor) !== undefined) return { name, value, vendor };
  }
  throw new Error(`unknown RADIUS attribute ${name}`);
}

function extras(replyAttributes: Readonly<Record<string, string | number>> | undefined): ReplyAttribute[] {
  return Object.entries(replyAttributes ?? {}).map(([name, value]) => attribute(name, value));
}

// Plans and workspaces are frozen config objects: their attribute lists are computed once per config load, and the
// attributes are frozen too, which tells the encoder it may cache their bytes (src/radius/encode.ts).
const planCache = new WeakMap<PlanConfig, ReplyAttribute[]>();
const planWithPoolCache = new WeakMap<PlanConfig, ReplyAttribute[]>();
const expiredCache = new WeakMap<WorkspaceConfig, ReplyAttribute[]>();

function frozen(list: ReplyAttribute[]): ReplyAttribute[] {
  for (const a of list) Object.freeze(a);
  return list;
}

/** The plan's reply attributes, without the per-subscriber ones (static IP, Class). */
export function planAttributes(plan: PlanConfig): ReplyAttribute[] {
  let cached = planCache.get(plan);
  if (!cached) {
    cached = [attribute('Mikrotik-Rate-Limit', plan.rateLimit)];
    if (plan.group) cached.push(attribute('Mikrotik-Group', plan.group));
    if (plan.addressList) cached.push(attribute('Mikrotik-Address-List', plan.addressList));
    if (plan.sessionTimeoutSeconds !== undefined) cached.push(attribute('Session-Timeout', Math.round(plan.sessionTimeoutSeconds)));
    if (plan.idleTimeoutSeconds !== undefined) cached.push(attribute('Idle-Timeout', Math.round(plan.idleTimeoutSeconds)));
    cached.push(attribute('Acct-Interim-Interval', Math.round(plan.interimIntervalSeconds)));
    cached.push(...extras(plan.replyAttributes));
    planCache.set(plan, frozen(cached));
  }
  return cached;
}

/** The plan's attributes followed by Framed-Pool (subscribers without a static IP on a plan with a pool). */
function planAttributesWithPool(plan: PlanConfig, pool: string): ReplyAttribute[] {
  let cached = planWithPoolCache.get(plan);
  if (!cached) {
    cached = [...planAttributes(plan), Object.freeze(attribute('Framed-Pool', pool))];
    planWithPoolCache.set(plan, cached);
  }
  return cached;
}

export function expiredAttributes(workspace: WorkspaceConfig, interimIntervalSeconds: number): ReplyAttribute[] {
  let cached = expiredCache.get(workspace);
  if (!cached) {
    const profile = workspace.expiredProfile;
    cached = [attribute('Mikrotik-Group', profile.group), attribute('Mikrotik-Address-List', profile.addressList)];
    if (profile.rateLimit) cached.push(attribute('Mikrotik-Rate-Limit', profile.rateLimit));
    if (profile.pool) cached.push(attribute('Framed-Pool', profile.pool));
    if (profile.sessionTimeoutSeconds !== undefined) {
      cached.push(attribute('Session-Timeout', Math.round(profile.sessionTimeoutSeconds)));
    }
    cached.push(attribute('Acct-Interim-Interval', Math.round(interimIntervalSeconds)));
    cached.push(...extras(profile.replyAttributes));
    expiredCache.set(workspace, frozen(cached));
  }
  return cached;
}

export interface ProfileInput {
  status: SubscriberStatus;
  staticIp: string | null;
  plan: PlanConfig | undefined;
  planName: string;
  workspace: WorkspaceConfig;
}

function contact(workspace: WorkspaceConfig): string {
  return workspace.supportContact ? ` — ${workspace.supportContact}` : ` — contact ${workspace.name}`;
}

/** What each status gets: its plan, the workspace's expired profile, or a refusal. The one table of it. */
export type ProfileKind = ProfileDecision['kind'];

const PROFILE_OF: Readonly<Record<SubscriberStatus, ProfileKind>> = {
  active: 'plan',
  due_soon: 'plan',
  grace: 'plan',
  expired: 'expired',
  suspended: 'refuse',
  disabled: 'refuse',
};

export function profileKind(status: SubscriberStatus): ProfileKind {
  return PROFILE_OF[status];
}

export function selectProfile(input: ProfileInput): ProfileDecision {
  const { status, workspace, plan } = input;
  switch (profileKind(status)) {
    case 'refuse':
      return status === 'suspended'
        ? { kind: 'refuse', reason: 'suspended', message: `Your account is suspended for non-payment${contact(workspace)}` }
        : { kind: 'refuse', reason: 'disabled', message: `Your account is disabled${contact(workspace)}` };
    case 'expired':
      return { kind: 'expired', attributes: expiredAttributes(workspace, plan?.interimIntervalSeconds ?? 300) };
    case 'plan': {
      if (!plan) {
        return { kind: 'refuse', reason: `plan "${input.planName}" is not configured`, message: `Service plan unavailable${contact(workspace)}` };
      }
      const attributes = planAttributes(plan);
      if (input.staticIp) return { kind: 'plan', attributes: [...attributes, attribute('Framed-IP-Address', input.staticIp)] };
      return { kind: 'plan', attributes: plan.pool ? planAttributesWithPool(plan, plan.pool) : attributes };
    }
  }
}
