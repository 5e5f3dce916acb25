/**
 * The in-memory subscriber directory: authentication never waits for the database. Loaded in full at start,
 * refreshed row by row on `radgate_subscribers` notifications (LISTEN/NOTIFY on PostgreSQL, in-process on PGlite),
 * and by a periodic poll on `updated_at` as the safety net for a missed notification.
 */
import type { DatabaseHandle } from '../db/client.js';
import type { SubscriberRow, SubscriberStatus } from '../db/schema.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { ntPasswordHash } from '../radius/auth/mschap.js';
import { SUBSCRIBER_CHANNEL } from '../db/channels.js';
import { databaseNow } from '../db/rows.js';
import { allSubscribers, subscriberById, subscribersUpdatedSince } from './table.js';
import type { PasswordVault } from './vault.js';

/** What authentication needs of a subscriber, ready to use. */
export interface AuthSubscriber {
  readonly id: number;
  readonly workspaceId: string;
  readonly username: string;
  readonly accountNumber: string;
  readonly plan: string;
  readonly status: SubscriberStatus;
  readonly staticIp: string | null;
  /** Clear-text password (UTF-8) when stored encrypted; absent for NT-hash-only subscribers. */
  readonly password: Buffer | undefined;
  readonly ntHash: Buffer;
}

export interface DirectoryOptions {
  database: DatabaseHandle;
  vault: PasswordVault;
  log: Logger;
  /** Safety-net poll interval, ms (default 5000). */
  pollIntervalMs?: number;
}

const key = (workspaceId: string, username: string) => `${workspaceId}\u0000${username}`;
/**
 * A write's updated_at is its transaction's start (database clock): look back far enough to catch transactions that
 * were still open at the last poll.
 */
const POLL_LOOKBACK_MS = 60_000;

export class SubscriberDirectory {
  private readonly byName = new Map<string, AuthSubscriber>();
  private readonly byId = new Map<number, AuthSubscriber>();
  private readonly errors: RateLimitedLog;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** The database's clock at the previous poll (or at the load); undefined until the first poll. */
  private lastPoll: Date | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: DirectoryOptions) {
    this.errors = new RateLimitedLog(options.log);
  }

  get size(): number {
    return this.byId.size;
  }

  countByStatus(): Map<SubscriberStatus, number> {
    const counts = new Map<SubscriberStatus, number>();
    for (const entry of this.byId.values()) counts.set(entry.status, (counts.get(entry.status) ?? 0) + 1);
    return counts;
  }

  find(workspaceId: string, username: string): AuthSubscriber | undefined {
    return this.byName.get(key(workspaceId, username));
  }

  async start(): Promise<void> {
    this.unlisten = await this.options.database.listen(SUBSCRIBER_CHANNEL, (payload) => {
      // Payload: the changed subscriber's id, or `*` after a bulk change.
      const id = Number(payload);
      if (payload === '*') void this.serial(() => this.poll());
      else if (Number.isSafeInteger(id)) void this.serial(() => this.reloadOne(id));
    });
    // Clock first, rows second: a write that commits between the two is read now or by the next poll.
    this.lastPoll = await databaseNow(this.options.database.db);
    for (const row of await allSubscribers(this.options.database.db)) this.apply(row);
    this.options.log.info({ subscribers: this.size }, 'subscriber directory loaded');
    this.timer = setInterval(() => void this.serial(() => this.poll()), this.options.pollIntervalMs ?? 5000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.chain;
  }

  /** Re-read one subscriber now (used after a local write and on notification). */
  refresh(id: number): Promise<void> {
    return this.serial(() => this.reloadOne(id));
  }

  private serial(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch((err) => this.errors.error('refresh', err, 'subscriber directory refresh failed'));
    return this.chain;
  }

  private async reloadOne(id: number): Promise<void> {
    const row = await subscriberById(this.options.database.db, id, { includeDeleted: true });
    if (row) this.apply(row);
  }

  private async poll(): Promise<void> {
    const since = new Date((this.lastPoll?.getTime() ?? 0) - POLL_LOOKBACK_MS);
    const { rows, now } = await subscribersUpdatedSince(this.options.database.db, since);
    this.lastPoll = now;
    for (const row of rows) this.apply(row);
  }

  private apply(row: SubscriberRow): void {
    const previous = this.byId.get(row.id);
    if (previous) {
      this.byId.delete(row.id);
      this.byName.delete(key(previous.workspaceId, previous.username));
    }
    if (row.deletedAt) {
      this.credentials.delete(row.id);
      return;
    }
    let entry: AuthSubscriber;
    try {
      entry = this.toEntry(row);
    } catch (err) {
      this.options.log.error({ err, subscriber: row.username, workspace: row.workspaceId }, 'subscriber skipped');
      return;
    }
    this.byId.set(row.id, entry);
    this.byName.set(key(row.workspaceId, row.username), entry);
  }

  /** Decrypted credentials by stored form: a poll re-reads changed rows, but decrypts only changed credentials. */
  private readonly credentials = new Map<number, { stored: string; password: Buffer | undefined; ntHash: Buffer }>();

  private credentialsOf(row: SubscriberRow): Credentials {
    const stored = row.passwordEnc ?? `nt:${row.ntHash ?? ''}`;
    const cached = this.credentials.get(row.id);
    if (cached?.stored === stored) return cached;
    const fresh = { stored, ...decodeCredentials(row, this.options.vault) };
    this.credentials.set(row.id, fresh);
    return fresh;
  }

  private toEntry(row: SubscriberRow): AuthSubscriber {
    return entryOf(row, this.credentialsOf(row));
  }
}

type Credentials = Pick<AuthSubscriber, 'password' | 'ntHash'>;

/** The clear password (when stored encrypted) and the NT hash (stored, or derived from the password). */
function decodeCredentials(row: SubscriberRow, vault: PasswordVault): Credentials {
  const clear = row.passwordEnc ? vault.decrypt(row.passwordEnc) : undefined;
  return {
    password: clear !== undefined ? Buffer.from(clear, 'utf8') : undefined,
    ntHash: clear !== undefined ? ntPasswordHash(clear) : Buffer.from(row.ntHash ?? '', 'hex'),
  };
}

function entryOf(row: SubscriberRow, { password, ntHash }: Credentials): AuthSubscriber {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    username: row.username,
    accountNumber: row.accountNumber,
    plan: row.plan,
    status: row.status,
    staticIp: row.staticIp,
    password,
    ntHash,
  };
}

/**
 * One row as the directory holds it for authentication (`radgate explain` asks for a single subscriber). Throws
 * PASSWORD_KEY when the stored password does not decrypt: the directory then skips the row.
 */
export function authSubscriberOf(row: SubscriberRow, vault: PasswordVault): AuthSubscriber {
  return entryOf(row, decodeCredentials(row, vault));
}
