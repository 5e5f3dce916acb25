/** Shared by the enforcement tests: radgate with fake NASes, subscribers, status changes through the outbox. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { enforcementAttempts, enforcementJobs, sessions, type SubscriberStatus } from '../../src/db/schema.js';
import { ENFORCEMENT_CHANNEL } from '../../src/db/channels.js';
import { recordEnforcementRequest } from '../../src/db/outbox.js';
import { SubscriberRecords } from '../../src/subscribers/records.js';
import { PasswordVault } from '../../src/subscribers/vault.js';
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

export function subscriberService(t: Pick<TestRadgate, 'database' | 'radgate'>): SubscriberRecords {
  const vault = PasswordVault.fromKey(Buffer.from(readFileSync(path.join(t.database.dataDir, 'password.key'), 'utf8').trim(), 'base64'));
  return new SubscriberRecords(t.radgate.database, vault, { hasWorkspace: () => true, hasPlan: () => true });
}

export async function addSubscriber(t: TestRadgate, username: string, plan = 'business-50'): Promise<number> {
  const row = await subscriberService(t).add({ workspaceId: 'default', username, password: `pw-${username}`, plan, accountNumber: `A-${username}` });
  await eventually(() => t.radgate.directory.find('default', username) !== undefined, 20_000, `${username} in the directory`);
  return row.id;
}

/** A status change as an operator makes it: the row, then the outbox request, then the wake-up notification. */
export async function changeStatus(t: TestRadgate, username: string, status: SubscriberStatus): Promise<number> {
  const service = subscriberService(t);
  const before = await service.get('default', username);
  await service.setStatus('default', username, status);
  const id = await recordEnforcementRequest(t.radgate.database.db, {
    subscriberId: before.id, workspaceId: 'default', kind: 'status', fromStatus: before.status, toStatus: status, reason: 'test',
  });
  await t.radgate.database.notify(ENFORCEMENT_CHANNEL, 'test');
  return id;
}

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
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
