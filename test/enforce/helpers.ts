/** Shared by the enforcement tests: radgate with fake NASes, subscribers, status changes through billing. */
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import type { OverrideStatus } from '../../src/billing/state.js';
import { enforcementAttempts, enforcementJobs, sessions } from '../../src/db/schema.js';
import { listJobs } from '../../src/enforce/jobs.js';
import { eventually } from '../helpers/eventually.js';
import { subscriberRecords } from '../helpers/subscribers.js';
import type { FakeNas } from '../helpers/fake-nas.js';
import type { TestRadgate } from '../helpers/radgate.js';

/** A nas.yaml entry for a fake NAS; `api` points at a fake RouterOS. */
export function nasEntry(name: string, nas: FakeNas, options: { api?: { port: number; password: string }; enforcement?: string } = {}): string {
  const api = options.api
    ? `\n    api:\n      host: 127.0.0.1\n      port: ${options.api.port}\n      user: radgate\n      password: ${options.api.password}\n      timeout: 5s`
    : '';
  const enforcement = options.enforcement ?? '{ coa_timeout: 50ms, coa_tries: 2 }';
  return `
  - name: ${name}
    address: ${nas.address}
    secret: ${nas.secret}
    workspace: default
    coa_port: ${nas.port}
    enforcement: ${enforcement}${api}
`;
}

/** server.yaml edits: fast workers for tests. */
export function fastWorkers(text: string, overrides: { maxAttempts?: number; lease?: string; enabled?: boolean } = {}): string {
  return text
    .replace(/reject_delay:.*\n/, 'reject_delay: 0.2\n')
    .replace(/(\n    enabled:) true/, `$1 ${overrides.enabled ?? true}`)
    .replace(/(\n    lease:) 30s/, `$1 ${overrides.lease ?? '10s'}`)
    .replace(/(\n    poll_interval:) 2s/, '$1 100ms')
    .replace(/(\n    max_attempts:) 5/, `$1 ${overrides.maxAttempts ?? 2}`)
    .replace(/(\n    retry_delay:) 30s/, '$1 100ms');
}

/**
 * A status change as an operator makes it (`radgate status USER STATUS`): billing pins the status and writes the
 * row, the transition event and the enforcement job in one transaction, then wakes the workers. Returns the job,
 * or undefined when the subscriber already had that status (no transition, no job).
 */
export async function pinStatus(t: TestRadgate, username: string, status: OverrideStatus): Promise<number | undefined> {
  const subscriber = await subscriberRecords(t).get('default', username);
  const { transition } = await t.radgate.billing.override(subscriber.id, status, 'test', null, 'test');
  if (!transition) return undefined;
  const [newest] = await listJobs(t.radgate.database.db, { subscriberId: subscriber.id, limit: 1 });
  return newest!.id;
}

/** `pinStatus` for a change that must move the subscriber: its job. */
export async function changeStatus(t: TestRadgate, username: string, status: OverrideStatus): Promise<number> {
  const job = await pinStatus(t, username, status);
  if (job === undefined) throw new Error(`${username} already had status ${status}: no transition, no job`);
  return job;
}

export async function job(db: Db, id: number) {
  const [row] = await db.select().from(enforcementJobs).where(eq(enforcementJobs.id, id));
  return row!;
}

/** Waits until the job is done or failed and returns it with its attempts. */
export async function settled(db: Db, id: number, timeoutMs = 30_000) {
  await eventually(async () => ['done', 'failed'].includes((await job(db, id)).state), timeoutMs, `job #${id} to settle`);
  const attempts = await db.select().from(enforcementAttempts).where(eq(enforcementAttempts.jobId, id)).orderBy(enforcementAttempts.id);
  return { job: await job(db, id), attempts };
}

export async function sessionRow(db: Db, acctSessionId: string) {
  const [row] = await db.select().from(sessions).where(eq(sessions.acctSessionId, acctSessionId));
  return row;
}
