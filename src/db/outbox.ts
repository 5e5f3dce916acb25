/**
 * Recording enforcement requests: call inside the transaction that makes the change, so the request exists if and
 * only if the change does. Workers (src/enforce) pick them up; until then they wait durably in the table.
 */
import { enforcementJobs } from './schema.js';
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
