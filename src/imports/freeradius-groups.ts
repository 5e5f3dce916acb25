/**
 * @module imports/freeradius-groups
 * A FreeRADIUS group (radgroupreply + radgroupcheck) read as a radgate plan. radgate's plans live in
 * config/plans.yaml, not in the database, so a group either maps to a plan that exists (`--plan-map`, else the plan
 * with the group's name) or becomes a proposed plans.yaml entry the report prints for the operator to paste.
 *
 * Reply items: Mikrotik-Rate-Limit → rate_limit (checked with parseRateLimit), Framed-Pool → pool, Mikrotik-Group →
 * group, Session-Timeout → session_timeout, Idle-Timeout → idle_timeout, Acct-Interim-Interval → interim_interval
 * (at least 60 s in radgate), Mikrotik-Address-List → address_list, every other attribute radgate allows in
 * `reply_attributes` (config/reply-attributes.ts) → reply_attributes; the rest is named as not imported.
 * Check items: Simultaneous-Use → max_sessions; `Auth-Type := Reject` marks the group as a "disabled users" group
 * (daloRADIUS disables a user by putting him in such a group), which is not a plan.
 */
import { stringify } from 'yaml';
import { parseRateLimit, type PlanConfig } from '../config/index.js';
import { checkReplyAttribute } from '../config/reply-attributes.js';
import type { AttributeRow } from './freeradius-read.js';
import { quote, textProblem } from './freeradius-text.js';

/** Operators that set a reply item (rlm_sql: `=` add if absent, `:=` replace, `+=` add). */
const SETTING_OPS = new Set(['=', ':=', '+=']);
/** Operators of a check item that state a value rather than compare against the request. */
export const CHECK_SET_OPS = new Set([':=', '=', '==', '+=']);

const DEDICATED: Readonly<Record<string, string>> = {
  'Mikrotik-Rate-Limit': 'rate_limit',
  'Framed-Pool': 'pool',
  'Mikrotik-Group': 'group',
  'Session-Timeout': 'session_timeout',
  'Idle-Timeout': 'idle_timeout',
  'Acct-Interim-Interval': 'interim_interval',
  'Mikrotik-Address-List': 'address_list',
};

export interface GroupReading {
  readonly name: string;
  /** `Auth-Type := Reject` among its check items: members are disabled, the group is no plan. */
  readonly rejects: boolean;
  /** The plans.yaml entry the group describes (snake_case keys, as in the file), when it can be written. */
  readonly proposal: Record<string, unknown> | undefined;
  /** Why no proposal can be written (a bad rate limit): the group's users cannot be imported on a new plan. */
  readonly blocking: readonly string[];
  /** Things of the group radgate does not take, one phrase each. */
  readonly notImported: readonly string[];
}

/** Whole seconds from an integer attribute's text. */
const seconds = (value: string): number | undefined => (/^\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : undefined);

/** Reads one group's rows into a proposed plan (pure). */
export function readGroup(name: string, reply: readonly AttributeRow[], check: readonly AttributeRow[]): GroupReading {
  const plan: Record<string, unknown> = { name };
  const replyAttributes: Record<string, string | number> = {};
  const blocking: string[] = [];
  const notImported: string[] = [];
  let rejects = false;
  const seen = new Set<string>();

  for (const row of check) {
    const problem = textProblem(row.value);
    if (row.attribute === 'Auth-Type' && CHECK_SET_OPS.has(row.op) && row.value.trim().toLowerCase() === 'reject') rejects = true;
    else if (row.attribute === 'Simultaneous-Use' && CHECK_SET_OPS.has(row.op) && problem === undefined && Number(seconds(row.value)) >= 1) {
      plan.max_sessions = seconds(row.value);
    } else notImported.push(`${row.attribute} ${row.op} (group check item)`);
  }

  for (const row of reply) {
    const { attribute } = row;
    if (!SETTING_OPS.has(row.op)) {
      notImported.push(`${attribute} ${row.op} (a comparison, not a reply value)`);
      continue;
    }
    const problem = textProblem(row.value);
    if (problem !== undefined) {
      (attribute === 'Mikrotik-Rate-Limit' ? blocking : notImported).push(`${attribute}: value ${problem}`);
      continue;
    }
    if (seen.has(attribute)) {
      notImported.push(`${attribute}: a second value (radgate plans carry one)`);
      continue;
    }
    seen.add(attribute);
    const value = row.value.trim();
    const key = DEDICATED[attribute];
    if (attribute === 'Mikrotik-Rate-Limit') {
      const parsed = parseRateLimit(value);
      if ('error' in parsed) blocking.push(parsed.error);
      else plan.rate_limit = value;
    } else if (attribute === 'Session-Timeout' || attribute === 'Idle-Timeout' || attribute === 'Acct-Interim-Interval') {
      const s = seconds(value);
      const min = attribute === 'Acct-Interim-Interval' ? 60 : 1;
      if (s === undefined) notImported.push(`${attribute}: ${quote(value)} is not a whole number of seconds`);
      else if (s < min && attribute === 'Acct-Interim-Interval') {
        plan.interim_interval = 60;
        notImported.push(`Acct-Interim-Interval ${s}: radgate's minimum is 60 s, proposed 60`);
      } else if (s < min) notImported.push(`${attribute} 0: no limit in radgate either (left out)`);
      else plan[key!] = s;
    } else if (key !== undefined) {
      const checked = checkReplyAttribute(attribute, value, {});
      if ('error' in checked) notImported.push(`${attribute}: ${checked.error}`);
      else plan[key] = checked.value;
    } else {
      // Integer and enumerated attributes are numbers or names; the database holds text.
      const asNumber = /^\d{1,10}$/.test(value) ? Number(value) : undefined;
      let checked = checkReplyAttribute(attribute, value, {});
      if ('error' in checked && asNumber !== undefined) checked = checkReplyAttribute(attribute, asNumber, {});
      if ('error' in checked) notImported.push(`${attribute}: ${checked.error}`);
      else replyAttributes[attribute] = checked.value;
    }
  }
  if (plan.rate_limit === undefined && blocking.length === 0) {
    // rate_limit is required in plans.yaml; a group without one gave unlimited speed in FreeRADIUS too.
    plan.rate_limit = '0/0';
    notImported.push('no Mikrotik-Rate-Limit: proposed rate_limit 0/0 (unlimited, as FreeRADIUS gave) — set the speed you sell');
  }
  if (Object.keys(replyAttributes).length > 0) plan.reply_attributes = replyAttributes;
  return { name, rejects, proposal: blocking.length === 0 && !rejects ? plan : undefined, blocking, notImported };
}

/** The proposal as a plans.yaml list item, indented as config/plans.yaml's items are, ready to paste under `plans:`. */
export function proposalYaml(proposal: Record<string, unknown>): string {
  return stringify([proposal], { lineWidth: 0 }).trimEnd().split('\n').map((line) => `  ${line}`).join('\n');
}

/** Differences between what a group gave and the existing plan it maps to (informational, for the notes). */
export function planDifferences(group: GroupReading, plan: PlanConfig): string[] {
  const p = group.proposal;
  if (p === undefined) return [];
  const out: string[] = [];
  const compare = (what: string, theirs: unknown, ours: unknown) => {
    if (theirs !== undefined && theirs !== ours) out.push(`${what}: FreeRADIUS ${JSON.stringify(theirs)}, plan ${JSON.stringify(ours ?? null)}`);
  };
  if (!group.notImported.some((n) => n.startsWith('no Mikrotik-Rate-Limit'))) compare('rate limit', p.rate_limit, plan.rateLimit);
  compare('pool', p.pool, plan.pool);
  compare('group', p.group, plan.group);
  compare('session timeout', p.session_timeout, plan.sessionTimeoutSeconds);
  compare('idle timeout', p.idle_timeout, plan.idleTimeoutSeconds);
  compare('address list', p.address_list, plan.addressList);
  compare('max sessions', p.max_sessions, plan.maxSessions);
  return out;
}
