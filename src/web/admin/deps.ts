/** @module web/admin/deps — what the admin API needs, and small helpers its route files share. */

import { parseOperatorTime } from '../../billing/calendar.js';
import type { BillingEvaluator } from '../../billing/evaluator.js';
import type { BillingAccounts } from '../../billing/accounts.js';
import type { Config } from '../../config/index.js';
import type { DatabaseHandle } from '../../db/client.js';
import { ERRORS, RadgateError } from '../../errors.js';
import type { SubscriberRow, SubscriberStatus } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { openSessionsOfSubscriber } from '../../sessions/store.js';
import type { SubscriberRecords } from '../../subscribers/records.js';
import { countSubscribers, listSubscribers } from '../../subscribers/table.js';
import type { LinkKeyRing } from '../reminder/keys.js';
import { presentStatus } from './present.js';

export interface AdminDeps {
  readonly config: () => Config;
  readonly database: DatabaseHandle;
  readonly billing: BillingAccounts;
  readonly evaluator: BillingEvaluator;
  readonly subscribers: SubscriberRecords;
  readonly log: Logger;
  /** Reminder-link keys; when given, GET /subscribers/{id}/reminder-link is served (web/admin/reminder-link.ts). */
  readonly linkKeys?: LinkKeyRing;
}

/** INVALID_REQUEST (400), listing the fields at fault in the same shape as schema validation errors. */
export class InvalidRequest extends RadgateError {
  declare readonly code: 'INVALID_REQUEST';
  constructor(readonly problems: ReadonlyArray<{ field: string; message: string }>) {
    super('INVALID_REQUEST', ERRORS.INVALID_REQUEST.message);
    this.name = 'InvalidRequest';
  }
}

export function invalid(field: string, message: string): InvalidRequest {
  return new InvalidRequest([{ field, message }]);
}

/** `YYYY-MM-DD` (through that day) or an ISO time → instant, in the subscriber's workspace time zone. */
export function when(deps: AdminDeps, workspaceId: string, text: string, field: string): Date {
  const timezone = deps.config().workspaceById.get(workspaceId)?.timezone ?? 'UTC';
  const t = parseOperatorTime(text, timezone);
  if ('error' in t) throw invalid(field, t.error);
  return t;
}

/** The status report of a subscriber, with its open session count. */
export async function statusReport(deps: AdminDeps, id: number) {
  const { subscriber, state, now } = await deps.billing.status(id);
  const open = await openSessionsOfSubscriber(deps.database.db, id);
  return presentStatus(subscriber, state, now, open.length, deps.config());
}

export interface SubscriberFilter {
  workspace?: string | undefined;
  status?: SubscriberStatus | undefined;
  plan?: string | undefined;
  username?: string | undefined;
  q?: string | undefined;
  limit: number;
  offset: number;
}

/** A page of subscribers (not deleted) and the total matching, ordered by workspace and username. */
export async function listSubscriberPage(deps: AdminDeps, f: SubscriberFilter): Promise<{ items: SubscriberRow[]; total: number }> {
  const filter = { workspaceId: f.workspace, status: f.status, plan: f.plan, username: f.username, search: f.q };
  const db = deps.database.db;
  const [items, total] = await Promise.all([listSubscribers(db, { ...filter, limit: f.limit, offset: f.offset }), countSubscribers(db, filter)]);
  return { items, total };
}
