/**
 * Enforcement of a router-local subscriber (docs/mixed-fleet.md): the router checks its own `/ppp secret` or
 * `/ip hotspot user` entry and never asks RADIUS, so no CoA or Disconnect can reach the subscriber. Instead, over the
 * RouterOS API of `local_nas`, the entry is brought in line with `desiredLocalEntry` (profile, `disabled`), tagged
 * `comment=radgate:<username>` unless an operator's comment is there, and — when it changed — the live session is
 * removed so the subscriber logs in again with the new profile.
 *
 *   find the entry by name ─▶ set what differs (nothing: done, "no change") ─▶ changed? remove /ppp/active or
 *   /ip/hotspot/active (+ cookies) ─▶ none there: offline, the next login gets the new profile
 *
 * Every router operation is an attempt (method `api`) in the audit trail. A NAS unknown to nas.yaml or without
 * `api:` fails the job at once; a missing entry, a router that is down, refuses the login, traps or times out is
 * retried with the workers' back-off.
 */
import type { Db } from '../db/client.js';
import type { LocalService } from '../db/schema.js';
import { desiredLocalEntry, type LocalEntryState } from '../profile/local-entry.js';
import { endpointOf, kickHotspotSession, kickPppSession, RouterOsError, type KickResult, type Row, type RouterOsApi } from '../routeros/api.js';
import { ENTRY_MENUS, entryTag, isYes, radgateMayTag } from '../routeros/local-entries.js';
import { localEntriesByIds } from '../subscribers/table.js';
import type { LadderContext, AttemptRecord } from './ladder.js';
import type { PushTarget } from './push.js';

/** Where a router-local subscriber's entry lives. */
export interface LocalEntryRef {
  /** nas.yaml name. */
  nas: string;
  /** The entry's name on the router (`local_name`, else the username). */
  name: string;
  service: LocalService;
}

/** The router-local subscribers among `ids`, by id (an empty map for a fleet that has none). */
export async function loadLocalEntries(db: Db, ids: readonly number[]): Promise<Map<number, LocalEntryRef>> {
  const out = new Map<number, LocalEntryRef>();
  for (const row of await localEntriesByIds(db, ids)) {
    // local-auth.ts sets local_nas and local_service whenever auth is local; a row without them is not enforceable
    // here and falls back to the RADIUS path, which at worst sends a CoA nobody answers.
    if (row.localNas === null) continue;
    out.set(row.id, { nas: row.localNas, name: row.localName ?? row.username, service: row.localService ?? 'ppp' });
  }
  return out;
}

/** How one job on a local entry ended: `retry` is worth another attempt, `failed` is not (configuration). */
export type LocalEntryResult =
  | { kind: 'done' | 'retry' | 'failed'; outcome: string }
  | { kind: 'aborted' };

export type LocalEntryContext = Pick<LadderContext, 'config' | 'routers' | 'limiter' | 'signal' | 'onAttempt'>;



interface EntryChange {
  /** Properties to set (empty: the entry is in line). */
  set: Record<string, string | boolean>;
  /** What changes for the subscriber (profile, disabled): these need the live session to end. */
  changes: string[];
  /** The entry gets radgate's tag (no session needs to end for that). */
  tagged: boolean;
  /** An operator's comment that radgate leaves as it is. */
  operatorComment: boolean;
}

function changeFor(row: Row, desired: LocalEntryState, username: string): EntryChange {
  const set: Record<string, string | boolean> = {};
  const changes: string[] = [];
  if (desired.profile !== undefined && row['profile'] !== desired.profile) {
    set['profile'] = desired.profile;
    changes.push(`profile ${row['profile'] ?? '(none)'} → ${desired.profile}`);
  }
  if (isYes(row['disabled']) !== desired.disabled) {
    set['disabled'] = desired.disabled;
    changes.push(desired.disabled ? 'disabled' : 'enabled');
  }
  const tag = entryTag(username);
  const operatorComment = !radgateMayTag(row['comment']);
  const tagged = !operatorComment && row['comment'] !== tag;
  if (tagged) set['comment'] = tag;
  return { set, changes, tagged, operatorComment };
}

/**
 * Bring the subscriber's entry in line with its status and end the live session if the entry changed.
 * `afterEarlierAttempt`: this job (or one merged into it) ran before and may have switched the entry without the
 * session being removed (the router dropped in between) — then a live session is removed even if the entry is in line.
 */
export async function enforceLocalEntry(
  ctx: LocalEntryContext,
  subscriber: PushTarget,
  entry: LocalEntryRef,
  options: { afterEarlierAttempt: boolean },
): Promise<LocalEntryResult> {
  const menus = ENTRY_MENUS[entry.service];
  const where = `${menus.entries} ${entry.name} on ${entry.nas}`;
  const nas = ctx.config.nas.find((n) => n.name === entry.nas);
  if (!nas) return { kind: 'failed', outcome: `NAS ${entry.nas} (the router holding ${subscriber.username}'s ${menus.entries} entry) is not in nas.yaml` };
  if (!nas.api) {
    return { kind: 'failed', outcome: `NAS ${nas.name} has no api: credentials in nas.yaml: radgate cannot switch ${subscriber.username}'s ${menus.entries} entry` };
  }
  const workspace = ctx.config.workspaceById.get(subscriber.workspaceId);
  if (!workspace) return { kind: 'failed', outcome: `workspace ${subscriber.workspaceId} of ${subscriber.username} is not configured` };
  const desired = desiredLocalEntry({
    status: subscriber.status,
    deleted: subscriber.deleted,
    plan: ctx.config.planByName.get(subscriber.plan),
    planName: subscriber.plan,
    workspace,
    nasName: nas.name,
  });
  if (ctx.signal?.aborted) return { kind: 'aborted' };

  const record = (attempt: Pick<AttemptRecord, 'result' | 'detail'>, started: number) => ctx.onAttempt?.({
    ...attempt, at: new Date(started), nas: nas.name, sessionId: null, acctSessionId: null, username: subscriber.username,
    method: 'api', errorCause: null, durationMs: Date.now() - started,
  });
  let started = Date.now();
  try {
    const api = ctx.routers.get(endpointOf(nas.name, nas.api));
    return await ctx.limiter.run(nas.name, nas.enforcement.concurrency, async (): Promise<LocalEntryResult> => {
      const rows = await api.print(menus.entries, { query: { name: entry.name }, proplist: ['.id', 'name', 'profile', 'disabled', 'comment'] });
      if (rows.length === 0) {
        const missing = `entry ${entry.name} not in ${menus.entries} on ${nas.name}`;
        record({ result: 'error', detail: `API: ${missing}` }, started);
        return { kind: 'retry', outcome: missing };
      }
      const changes: string[] = [];
      let operatorComment = false;
      let tagged = false;
      for (const row of rows) {
        const change = changeFor(row, desired, subscriber.username);
        operatorComment ||= change.operatorComment;
        tagged ||= change.tagged;
        changes.push(...change.changes);
        if (Object.keys(change.set).length > 0) await api.set(menus.entries, row['.id'], change.set);
      }
      const unique = [...new Set(changes)];
      const kept = operatorComment ? '; the operator\'s comment was left as it is' : '';
      const tag = tagged ? `${unique.length > 0 ? ', ' : ''}comment set to ${entryTag(subscriber.username)}` : '';
      const detail = unique.length > 0 || tagged ? `${unique.join(', ')}${tag}` : 'already in line, no change';
      record({ result: 'ack', detail: `API: ${where}: ${detail}${kept}` }, started);
      if (unique.length === 0 && !options.afterEarlierAttempt) {
        return { kind: 'done', outcome: `no change: ${where} already has the ${desired.label}${kept}` };
      }
      if (ctx.signal?.aborted) return { kind: 'aborted' };
      started = Date.now();
      const kick = await kickSession(api, entry);
      record({ result: kick.outcome, detail: `API: ${kick.detail}${kick.outcome === 'gone' ? ' (offline)' : ''}` }, started);
      const switched = unique.length > 0 ? `switched (${unique.join(', ')})` : 'already in line';
      if (kick.outcome === 'gone') return { kind: 'done', outcome: `offline: ${where} ${switched}; the next login gets the ${desired.label}${kept}` };
      return { kind: 'done', outcome: `${desired.label}: ${where} ${switched} → ${kick.detail}${kept}` };
    });
  } catch (err) {
    if (ctx.signal?.aborted) return { kind: 'aborted' }; // the shutdown closed the connection, not the router
    const message = err instanceof RouterOsError ? err.message : `unexpected error: ${(err as Error).message}`;
    // Not logged here: the worker logs the job's outcome, which carries this message (once per job, not per step).
    record({ result: 'error', detail: `API error: ${message}` }, started);
    return { kind: 'retry', outcome: `${where}: the RouterOS API failed: ${message}` };
  }
}

/** Remove the entry's live session(s): every one of that name (the router knows no other key for them). */
function kickSession(api: RouterOsApi, entry: LocalEntryRef): Promise<KickResult> {
  return entry.service === 'ppp' ? kickPppSession(api, { user: entry.name }) : kickHotspotSession(api, { user: entry.name });
}
