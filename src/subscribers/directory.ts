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
import { subscriberById, subscribersPage, subscribersUpdatedSince } from './table.js';
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
  /** Whether the clear password is known (stored encrypted); false for NT-hash-only subscribers. */
  readonly hasPassword: boolean;
  /**
   * Clear-text password (UTF-8) when stored encrypted; absent for NT-hash-only subscribers. In the directory it is
   * decrypted at each read (only CHAP needs it; PAP compares NT hashes), so no clear password sits in memory.
   */
  readonly password: Buffer | undefined;
  readonly ntHash: Buffer;
}

export interface DirectoryOptions {
  database: DatabaseHandle;
  vault: PasswordVault;
  log: Logger;
  /** Safety-net poll interval, ms (default 5000). */
  pollIntervalMs?: number;
  /** Rows per query while loading (default 10,000). */
  loadPageSize?: number;
}

/**
 * A write's updated_at is its transaction's start (database clock): look back far enough to catch transactions that
 * were still open at the last poll.
 */
const POLL_LOOKBACK_MS = 60_000;
/** Rows per query while loading: the load's transient memory is a page, not the whole table. */
const LOAD_PAGE = 10_000;

export class SubscriberDirectory {
  /** Workspace → username → entry: a lookup builds no key string. */
  private readonly byName = new Map<string, Map<string, DirectoryEntry>>();
  private readonly byId = new Map<number, DirectoryEntry>();
  private readonly ntHashes = new NtHashSlab();
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
    return this.byName.get(workspaceId)?.get(username);
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
    const pageSize = this.options.loadPageSize ?? LOAD_PAGE;
    for (let after = 0; ;) {
      const page = await subscribersPage(this.options.database.db, after, pageSize);
      for (const row of page) this.apply(row);
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.id;
    }
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
      this.byName.get(previous.workspaceId)?.delete(previous.username);
    }
    if (row.deletedAt) {
      if (previous) this.ntHashes.free(previous.slot);
      return;
    }
    let entry: DirectoryEntry;
    try {
      // A poll re-reads changed rows; the credential is decoded again only when it changed.
      const same = previous !== undefined && previous.passwordEnc === row.passwordEnc && previous.storedNtHash === row.ntHash;
      const slot = same ? previous.slot : this.ntHashes.store(decodeCredentials(row, this.options.vault).ntHash, previous?.slot);
      entry = new DirectoryEntry(row, slot, this.ntHashes, this.options.vault);
    } catch (err) {
      if (previous) this.ntHashes.free(previous.slot);
      // Rate-limited: a wrong password key fails every row at once.
      this.errors.error('skipped', err, 'subscriber skipped', { subscriber: row.username, workspace: row.workspaceId });
      return;
    }
    this.byId.set(row.id, entry);
    let names = this.byName.get(row.workspaceId);
    if (!names) this.byName.set(row.workspaceId, (names = new Map()));
    names.set(row.username, entry);
  }
}

/**
 * The NT hashes of every subscriber in one growing buffer, 16 bytes a slot: a hundred thousand subscribers cost
 * 1.6 MB and no object each. A freed slot (deleted subscriber) is reused.
 */
class NtHashSlab {
  private bytes = Buffer.alloc(16 * 1024);
  private used = 0;
  private readonly freed: number[] = [];

  /** Writes `hash` into `slot` (when given) or a free slot; returns the slot. */
  store(hash: Buffer, slot?: number): number {
    if (hash.length !== 16) throw new RangeError('NT hash must be 16 bytes');
    const at = slot ?? this.freed.pop() ?? this.used++;
    if ((at + 1) * 16 > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    hash.copy(this.bytes, at * 16);
    return at;
  }

  free(slot: number): void {
    this.freed.push(slot);
  }

  /** A view of the slot (valid until the slot is written again). */
  view(slot: number): Buffer {
    return this.bytes.subarray(slot * 16, slot * 16 + 16);
  }
}

/** One subscriber in the directory: the row's few fields, the password still encrypted, the NT hash in the slab. */
class DirectoryEntry implements AuthSubscriber {
  readonly id: number;
  readonly workspaceId: string;
  readonly username: string;
  readonly accountNumber: string;
  readonly plan: string;
  readonly status: SubscriberStatus;
  readonly staticIp: string | null;
  readonly passwordEnc: string | null;
  /** The stored NT hash column (hex), to tell a changed credential on the next poll. */
  readonly storedNtHash: string | null;

  constructor(row: SubscriberRow, readonly slot: number, private readonly slab: NtHashSlab, private readonly vault: PasswordVault) {
    this.id = row.id;
    this.workspaceId = row.workspaceId;
    this.username = row.username;
    this.accountNumber = row.accountNumber;
    this.plan = row.plan;
    this.status = row.status;
    this.staticIp = row.staticIp;
    this.passwordEnc = row.passwordEnc;
    this.storedNtHash = row.ntHash;
  }

  get hasPassword(): boolean {
    return this.passwordEnc !== null;
  }

  get password(): Buffer | undefined {
    return this.passwordEnc === null ? undefined : Buffer.from(this.vault.decrypt(this.passwordEnc), 'utf8');
  }

  get ntHash(): Buffer {
    return this.slab.view(this.slot);
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
    hasPassword: password !== undefined,
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
