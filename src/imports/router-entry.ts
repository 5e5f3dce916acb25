/**
 * @module imports/router-entry
 * One router-local entry — a `/ppp secret` or an `/ip hotspot user` row as the RouterOS API prints it — turned into
 * the subscriber radgate would hold for it, or the reason it cannot be (docs/migrating-router-secrets.md). A pure
 * function: `radgate import router-secrets` and `radgate reconcile --fix --adopt` decide the same way.
 *
 * The rules, in order:
 * - dynamic entries (HotSpot's own) are skipped.
 * - name: the username (and, with `accountFrom: 'name'`, the account number); 1–253 characters, no spaces or
 *   control characters.
 * - password: required (radgate needs a credential), at most 128 bytes (RADIUS carries no more, RFC 2865 §5.2), no
 *   control characters. A reason never contains the password.
 * - plan: the plan map's entry for the profile, else the one plan whose `routerProfileFor(plan, nas)` is the
 *   profile (two → ambiguous), else skipped.
 * - static IP: `remote-address` (PPP) or `address` (HotSpot) when it is an IPv4 address; anything else (a pool
 *   name) is not a static IP.
 * - status: `disabled` when the entry is disabled — unless radgate itself disabled it for the move to RADIUS (its
 *   comment starts with `radgate:migrating`), then `active`.
 */
import { isIPv4 } from 'node:net';
import type { Config, NasConfig, PlanConfig } from '../config/index.js';
import { ROUTEROS_DEFAULT_PROFILE, routerProfileFor } from '../config/index.js';
import type { LocalService } from '../db/schema.js';
import { isYes, MIGRATING_COMMENT } from '../routeros/local-entries.js';
import type { NewSubscriber } from '../subscribers/records.js';

/** A row of `/ppp/secret` or `/ip/hotspot/user`: property → value as the API prints them. */
export type RouterEntry = Readonly<Record<string, string | undefined>>;


/** Router profile → plan name, from `--plan-map` (imports/plan-map.ts). */
export type PlanMap = ReadonlyMap<string, string>;

export interface RouterEntryContext {
  readonly nas: NasConfig;
  readonly config: Pick<Config, 'plans' | 'planByName'>;
  /** Which table the entry is from. */
  readonly service: LocalService;
  readonly planMap?: PlanMap | undefined;
  /** `local`: the router keeps authenticating (auth local on this NAS); `radius`: radgate does. */
  readonly as: 'radius' | 'local';
  /** Where the account number comes from. Default `name` (the entry name); `comment` = the entry's comment. */
  readonly accountFrom?: 'name' | 'comment' | undefined;
}

export type RouterEntryOutcome = { readonly subscriber: NewSubscriber; readonly how: string } | { readonly skip: string };

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const TOKEN = /^[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/;
const MAX_NAME = 253;
const MAX_ACCOUNT = 64;
const MAX_PASSWORD_BYTES = 128;


/** Disabled on the router, and not by radgate's own move to RADIUS. */
export function entryDisabledByOperator(entry: RouterEntry): boolean {
  return isYes(entry['disabled']) && !(entry['comment'] ?? '').startsWith(MIGRATING_COMMENT);
}

/** The entry's static address: PPP `remote-address`, HotSpot `address`; undefined when absent or a pool name. */
export function entryStaticIp(entry: RouterEntry, service: LocalService): string | undefined {
  const value = (service === 'ppp' ? entry['remote-address'] : entry['address'])?.trim();
  return value !== undefined && isIPv4(value) ? value : undefined;
}

/** Why radgate cannot hold this entry name as a username; undefined when it can. */
export function entryNameProblem(name: string): string | undefined {
  if (name === '') return 'the entry has no name';
  if (CONTROL.test(name)) return 'the name contains control characters';
  if (name.length > MAX_NAME) return `the name is longer than ${MAX_NAME} characters`;
  if (!TOKEN.test(name)) return 'the name contains spaces (radgate usernames have none)';
  return undefined;
}

/** Never includes the password itself. */
function passwordProblem(password: string | undefined): string | undefined {
  if (password === undefined) return 'the router did not show the password (the API user needs the "sensitive" policy)';
  if (password === '') return 'the password is empty (radgate needs a credential)';
  if (CONTROL.test(password)) return 'the password contains control characters';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `the password is longer than ${MAX_PASSWORD_BYTES} bytes (RADIUS carries at most 128)`;
  return undefined;
}

type PlanChoice = { readonly plan: PlanConfig; readonly how: string } | { readonly skip: string };

/** The plan for a router profile: the plan map first, else the one plan whose router profile it is on this NAS. */
export function planForProfile(profile: string, context: Pick<RouterEntryContext, 'nas' | 'config' | 'planMap'>): PlanChoice {
  const mapped = context.planMap?.get(profile);
  if (mapped !== undefined) {
    const plan = context.config.planByName.get(mapped);
    if (!plan) return { skip: `the plan map sends profile ${profile} to plan ${mapped}, which is not in plans.yaml` };
    return { plan, how: `plan ${plan.name} from profile ${profile} (plan map)` };
  }
  const matches = context.config.plans.filter((plan) => routerProfileFor(plan, context.nas.name) === profile);
  if (matches.length === 1) return { plan: matches[0]!, how: `plan ${matches[0]!.name} from profile ${profile} (its router profile)` };
  if (matches.length > 1) {
    return { skip: `profile ${profile} is ambiguous: plans ${matches.map((p) => p.name).join(', ')} all use it (map it with --plan-map)` };
  }
  return { skip: `no plan for profile ${profile} (map it with --plan-map)` };
}

function accountNumber(entry: RouterEntry, name: string, from: 'name' | 'comment'): string | { skip: string } {
  if (from === 'name') {
    return name.length <= MAX_ACCOUNT ? name : { skip: `the name is longer than ${MAX_ACCOUNT} characters, too long for an account number (use --account-from comment)` };
  }
  const comment = (entry['comment'] ?? '').trim();
  if (comment === '' || comment.startsWith(MIGRATING_COMMENT)) return { skip: 'the comment is empty, so there is no account number (--account-from comment)' };
  if (comment.length > MAX_ACCOUNT || !TOKEN.test(comment)) {
    return { skip: `the comment is not an account number (1–${MAX_ACCOUNT} characters, no spaces or control characters)` };
  }
  return comment;
}

/** The subscriber for one router entry, or why there is none. */
export function subscriberFromRouterEntry(entry: RouterEntry, context: RouterEntryContext): RouterEntryOutcome {
  if (isYes(entry['dynamic'])) return { skip: 'a dynamic entry (the router made it)' };
  const name = entry['name'] ?? '';
  const badName = entryNameProblem(name);
  if (badName) return { skip: badName };
  const badPassword = passwordProblem(entry['password']);
  if (badPassword) return { skip: badPassword };
  const profile = entry['profile'] || ROUTEROS_DEFAULT_PROFILE;
  const choice = planForProfile(profile, context);
  if ('skip' in choice) return choice;
  const account = accountNumber(entry, name, context.accountFrom ?? 'name');
  if (typeof account !== 'string') return account;
  const local = context.as === 'local'
    ? { auth: 'local' as const, localNas: context.nas.name, localName: null, localService: context.service }
    : { auth: 'radius' as const };
  const subscriber: NewSubscriber = {
    workspaceId: context.nas.workspace,
    username: name,
    accountNumber: account,
    plan: choice.plan.name,
    password: entry['password']!,
    staticIp: entryStaticIp(entry, context.service),
    status: entryDisabledByOperator(entry) ? 'disabled' : 'active',
    ...local,
  };
  return { subscriber, how: choice.how };
}
