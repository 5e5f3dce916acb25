/**
 * @module web/admin/explain
 * What an Access-Request for a subscriber would get now, with the reasons: `GET /subscribers/{id}/explain` and
 * `radgate explain` (src/cli/explain-commands.ts) both answer with `explainSubscriber`. The answer is the server's own
 * steps (`explainAccess`, src/handlers/access-request.ts) on what the server would hold: the subscriber as its
 * directory decodes it, the open sessions counted by a session tracker, and the billing status. No password is
 * checked or shown; nothing is written, no Class tag is drawn, no counter moves.
 */

import type * as z from 'zod';
import type { BillingAccounts } from '../../billing/accounts.js';
import type { Config, NasConfig } from '../../config/index.js';
import type { DatabaseHandle } from '../../db/client.js';
import { RadgateError } from '../../errors.js';
import { explainAccess, type ExplainedAttribute as Explained } from '../../handlers/access-request.js';
import type { AuthMethod } from '../../radius/auth/authenticate.js';
import { openSessionChanges } from '../../sessions/store.js';
import { SessionTracker } from '../../sessions/tracker.js';
import type { AuthSubscriber } from '../../subscribers/directory.js';
import type { SubscriberRecords } from '../../subscribers/records.js';
import type { EXPLAIN_METHODS, ExplainedAttribute, Explanation } from './schemas.js';

export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export interface ExplainDeps {
  readonly config: () => Config;
  readonly database: DatabaseHandle;
  readonly billing: BillingAccounts;
  readonly subscribers: SubscriberRecords;
}

/** The methods' names as NAS configurations (and the CLI and API) spell them. */
const METHOD_NAME: Readonly<Record<AuthMethod, ExplainMethod | 'mschapv1'>> = { pap: 'pap', chap: 'chap', mschap1: 'mschapv1', mschap2: 'mschapv2' };
const AUTH_METHOD: Readonly<Record<ExplainMethod, AuthMethod>> = { pap: 'pap', chap: 'chap', mschapv2: 'mschap2' };

/** A NAS to explain a login from, or why none was chosen (`unknown`: the name given is not in nas.yaml). */
export type NasChoice = { ok: true; nas: NasConfig } | { ok: false; unknown: boolean; problem: string };

/** The NAS named, or else the only NAS serving the subscriber's workspace; the problem lists the candidates. */
export function chooseNas(config: Config, workspaceId: string, name: string | undefined): NasChoice {
  const all = config.nas.map((n) => n.name).join(', ') || 'none';
  if (name !== undefined) {
    const nas = config.nas.find((n) => n.name === name);
    return nas ? { ok: true, nas } : { ok: false, unknown: true, problem: `no NAS "${name}" in nas.yaml (configured: ${all})` };
  }
  const serving = config.nas.filter((n) => n.workspace === workspaceId);
  if (serving.length === 1) return { ok: true, nas: serving[0]! };
  if (serving.length === 0) return { ok: false, unknown: false, problem: `no NAS serves workspace ${workspaceId}; name one of: ${all}` };
  return { ok: false, unknown: false, problem: `several NAS serve workspace ${workspaceId}; name one of: ${serving.map((n) => n.name).join(', ')}` };
}

function present(a: Explained): z.input<typeof ExplainedAttribute> {
  switch (a.varies) {
    case 'no':
      return { name: a.name, value: a.value, varies: 'no', fixed_prefix: null, random_hex_digits: null };
    case 'request':
      return { name: a.name, value: null, varies: 'request', fixed_prefix: null, random_hex_digits: null };
    case 'random':
      return { name: a.name, value: `${a.prefix}<random>`, varies: 'random', fixed_prefix: a.prefix, random_hex_digits: a.randomHexDigits };
  }
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** Explains subscriber `id`'s next login from `nas` with `method`. SUBSCRIBER_NOT_FOUND when there is no such subscriber. */
export async function explainSubscriber(deps: ExplainDeps, id: number, nas: NasConfig, method: ExplainMethod): Promise<z.input<typeof Explanation>> {
  const config = deps.config();
  const { subscriber: row, state, rules, now } = await deps.billing.status(id);
  const notes: string[] = [];

  // The subscriber as the server's directory holds it; a password that does not decrypt makes the directory skip it.
  let entry: AuthSubscriber | undefined;
  try {
    entry = deps.subscribers.forAuthentication(row);
  } catch (err) {
    if (!(err instanceof RadgateError && err.code === 'PASSWORD_KEY')) throw err;
    notes.push(`the stored password does not decrypt with this password key, so the server skips ${row.username}: ${err.message}`);
  }
  if (nas.workspace !== row.workspaceId) {
    const namesake = await deps.subscribers.find(nas.workspace, row.username);
    notes.push(namesake
      ? `NAS ${nas.name} serves workspace ${nas.workspace}, where "${row.username}" is another subscriber (id ${namesake.id}): that one's credentials and status would decide`
      : `NAS ${nas.name} serves workspace ${nas.workspace}, not ${row.workspaceId}: the server looks "${row.username}" up there and finds nobody`);
  }

  // Open sessions counted as the server's tracker counts them: not stale (server.stale_session_factor).
  const tracker = new SessionTracker({ staleFactor: () => config.server.staleSessionFactor });
  const mark = tracker.mark();
  tracker.replace([row.id], await openSessionChanges(deps.database.db, [row.id]), mark);

  const e = explainAccess(
    {
      config: () => config,
      directory: { find: (workspaceId, username) => (workspaceId === row.workspaceId && username === row.username ? entry : undefined) },
      openSessions: (subscriberId) => tracker.count(subscriberId),
    },
    nas,
    row.username,
    AUTH_METHOD[method],
  );
  const promiseActive = row.promiseUntil !== null && row.promiseUntil.getTime() > now.getTime();
  return {
    now: now.toISOString(),
    timezone: rules.timezone,
    subscriber: { id: row.id, username: row.username, workspace: row.workspaceId, plan: row.plan, static_ip: row.staticIp },
    nas: { name: nas.name, workspace: nas.workspace, workspace_match: nas.workspace === row.workspaceId },
    method,
    credential: e.credential === undefined ? null : {
      stored: e.credential.stored,
      usable: e.credential.unusable === undefined,
      reason: e.credential.unusable ?? null,
      usable_methods: e.credential.usableMethods.map((m) => METHOD_NAME[m]),
    },
    code: e.code,
    reason: e.reason ?? null,
    profile: e.decision?.profile ?? null,
    attributes: e.attributes.map(present),
    reject_delay_seconds: e.rejectDelaySeconds ?? null,
    sessions: e.decision?.sessions ?? null,
    billing: {
      status: row.status,
      status_reason: row.statusReason,
      since: iso(row.statusSince),
      evaluated_status: state.status,
      evaluated_reason: state.reason,
      pending: state.status !== row.status,
      evaluation_interval_seconds: config.server.billingIntervalSeconds,
      managed: state.managed,
      promise_until: iso(row.promiseUntil),
      promise_active: promiseActive,
      override: row.overrideStatus === null ? null : { status: row.overrideStatus, until: iso(row.overrideUntil), reason: row.overrideReason },
      next: state.next === null ? null : { status: state.next.status, at: state.next.at.toISOString(), reason: state.next.reason },
    },
    notes,
  };
}
