/** @module web/admin/deps — what the admin API needs, and small helpers its route files share. */

import { and, asc, count, eq, ilike, isNull, or, type SQL } from 'drizzle-orm';
import { parseOperatorTime } from '../../billing/calendar.js';
import type { BillingEvaluator } from '../../billing/evaluator.js';
import type { BillingAccounts } from '../../billing/accounts.js';
import type { Config } from '../../config/index.js';
import type { DatabaseHandle } from '../../db/client.js';
import { subscribers, type SubscriberRow, type SubscriberStatus } from '../../db/schema.js';
import type { Logger } from '../../log.js';
import { openSessionsOfSubscriber } from '../../sessions/store.js';
import type { SubscriberRecords } from '../../subscribers/records.js';
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

/** A 400 listing the fields at fault, in the same shape as schema validation errors. */
export class InvalidRequest extends Error {
  constructor(readonly problems: ReadonlyArray<{ field: string; message: string }>) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
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
export async function listSubscribers(deps: AdminDeps, f: SubscriberFilter): Promise<{ items: SubscriberRow[]; total: number }> {
  const where: SQL[] = [isNull(subscribers.deletedAt)];
  if (f.workspace !== undefined) where.push(eq(subscribers.workspaceId, f.workspace));
  if (f.status !== undefined) where.push(eq(subscribers.status, f.status));
  if (f.plan !== undefined) where.push(eq(subscribers.plan, f.plan));
  if (f.username !== undefined) where.push(eq(subscribers.username, f.username));
  if (f.q !== undefined) {
    const pattern = `%${f.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    where.push(or(ilike(subscribers.username, pattern), ilike(subscribers.accountNumber, pattern))!);
  }
  const db = deps.database.db;
  const items = await db.select().from(subscribers).where(and(...where))
    .orderBy(asc(subscribers.workspaceId), asc(subscribers.username), asc(subscribers.id)).limit(f.limit).offset(f.offset);
  const [total] = await db.select({ n: count() }).from(subscribers).where(and(...where));
  return { items, total: Number(total!.n) };
}
