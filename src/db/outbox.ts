/**
 * Recording enforcement requests and notifications: call inside the transaction that makes the change, so the row
 * exists if and only if the change does. Workers (src/enforce, src/notify) pick them up; until then they wait
 * durably in their tables.
 */
import { enforcementJobs } from './schema.js';
import { NOTIFICATION_CHANNELS, notifications, type NotificationKind } from './schema/notifications.js';
import type { Db } from './client.js';


export interface EnforcementRequest {
  subscriberId: number;
  workspaceId: string;
  kind: 'status' | 'plan' | 'manual';
  fromStatus?: string | null;
  toStatus?: string | null;
  reason?: string | null;
}

/** Any drizzle executor: the database or a transaction. */
type Executor = Pick<Db, 'insert'>;

export async function recordEnforcementRequest(executor: Executor, request: EnforcementRequest): Promise<number> {
  const [row] = await executor
    .insert(enforcementJobs)
    .values({
      subscriberId: request.subscriberId,
      workspaceId: request.workspaceId,
      kind: request.kind,
      fromStatus: request.fromStatus ?? null,
      toStatus: request.toStatus ?? null,
      reason: request.reason ?? null,
    })
    .returning({ id: enforcementJobs.id });
  return row!.id;
}

// ---- notifications (src/notify) ---------------------------------------------------------------------------

/** A workspace's notification channels as the writer passes them in (values, so billing need not know notify). */
export interface NotificationChannels {
  /** Kinds each configured channel sends; a channel absent or with no kinds gets no rows. */
  readonly email?: readonly NotificationKind[] | undefined;
  readonly webhook?: readonly NotificationKind[] | undefined;
}

/** The message a status change owes: the status entered, or `restored` when coming back to full service. */
export function notificationKind(from: string, to: string): NotificationKind | null {
  if (to === 'due_soon' || to === 'grace' || to === 'expired' || to === 'suspended') return to;
  if (to === 'active' && (from === 'grace' || from === 'expired' || from === 'suspended')) return 'restored';
  return null;
}

export interface NotificationRequest {
  /** subscriber_events.id of the transition. */
  readonly eventId: number;
  readonly subscriberId: number;
  readonly workspaceId: string;
  readonly fromStatus: string;
  readonly toStatus: string;
}

/**
 * Records the notifications these transitions owe, inside the transition's transaction: one row per channel that
 * sends the kind, deduplicated by `<event id>:<channel>`. No statement at all when nothing is owed.
 */
export async function recordNotifications(
  executor: Executor,
  requests: readonly NotificationRequest[],
  channelsOf: (workspaceId: string) => NotificationChannels | undefined,
): Promise<number> {
  const rows: Array<typeof notifications.$inferInsert> = [];
  for (const r of requests) {
    const kind = notificationKind(r.fromStatus, r.toStatus);
    const channels = kind === null ? undefined : channelsOf(r.workspaceId);
    if (kind === null || channels === undefined) continue;
    for (const channel of NOTIFICATION_CHANNELS) {
      if (!channels[channel]?.includes(kind)) continue;
      rows.push({ workspaceId: r.workspaceId, subscriberId: r.subscriberId, channel, kind, eventId: r.eventId, dedupeKey: `${r.eventId}:${channel}` });
    }
  }
  if (rows.length === 0) return 0;
  await executor.insert(notifications).values(rows).onConflictDoNothing({ target: notifications.dedupeKey });
  return rows.length;
}
