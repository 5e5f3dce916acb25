/**
 * Subscriber records: validation and the operator's writes (add, import, password, static IP), used by the CLI and
 * the admin API; the queries themselves are in table.ts. Each write notifies `radgate_subscribers` with the id so
 * every running instance refreshes its in-memory directory at once. Status and plan changes go through billing.
 */
import { isIPv4 } from 'node:net';
import { ENFORCEMENT_CHANNEL, SUBSCRIBER_CHANNEL } from '../db/channels.js';
import { recordEnforcementRequest } from '../db/outbox.js';
import type { DatabaseHandle } from '../db/client.js';
import { SUBSCRIBER_STATUSES, type SubscriberRow, type SubscriberStatus } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import {
  insertNewSubscribers, insertSubscriber, listSubscribers, subscriberByUsername, updateSubscriber, type SubscriberFilter,
  type SubscriberValues,
} from './table.js';
import type { PasswordVault } from './vault.js';
import { isUniqueViolation, type Tx } from '../db/rows.js';
import { authSubscriberOf, type AuthSubscriber } from './directory.js';
import { normaliseContact, validateContact, type ContactFields } from './contact.js';
import { changedLocalAuth, localAuthValues, validateLocalAuth, type LocalAuthFields, type NasWorkspaceOf } from './local-auth.js';


export interface SubscriberCatalog {
  hasWorkspace(id: string): boolean;
  hasPlan(name: string): boolean;
  /** The workspace a nas.yaml entry serves (router-local subscribers name their NAS). */
  nasWorkspace: NasWorkspaceOf;
}

export interface NewSubscriber extends LocalAuthFields {
  workspaceId: string;
  username: string;
  accountNumber: string;
  plan: string;
  /** Either the password (stored encrypted) or its NT hash (32 hex digits): PAP and MS-CHAP only. */
  password?: string | undefined;
  ntHash?: string | undefined;
  staticIp?: string | undefined;
  status?: SubscriberStatus | undefined;
  /** Who reminders go to (subscribers/contact.ts); all optional. */
  contactName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  notifyOptOut?: boolean | undefined;
  /**
   * End of the paid service (imports: FreeRADIUS `Expiration`). Set = billed: the evaluator moves the status by the
   * workspace's thresholds from then on. Unset (the default) = not billed, the status stays as given.
   */
  paidUntil?: Date | undefined;
}

/** What the CLI and API show: never a password or hash. */
export type SubscriberSummary = Omit<SubscriberRow, 'passwordEnc' | 'ntHash'> & { credential: 'password' | 'nt-hash' };

export function summarise(row: SubscriberRow): SubscriberSummary {
  const { passwordEnc, ntHash: _ntHash, ...rest } = row;
  return { ...rest, credential: passwordEnc ? 'password' : 'nt-hash' };
}

const USERNAME = /^[^\s\x00-\x1f\x7f]{1,253}$/;
const NT_HASH = /^[0-9a-fA-F]{32}$/;

/** Field-level validation; returns `field: reason` problems (empty when valid). */
export function validateSubscriber(input: NewSubscriber, catalog: SubscriberCatalog): string[] {
  const problems: string[] = [];
  if (!catalog.hasWorkspace(input.workspaceId)) problems.push(`workspace: unknown workspace "${input.workspaceId}"`);
  if (!USERNAME.test(input.username)) problems.push('username: 1–253 characters, no spaces or control characters');
  if (!/^[^\s\x00-\x1f\x7f]{1,64}$/.test(input.accountNumber)) problems.push('account: 1–64 characters, no spaces');
  if (!catalog.hasPlan(input.plan)) problems.push(`plan: unknown plan "${input.plan}" (not in plans.yaml)`);
  problems.push(...validateSecret(input));
  if (input.staticIp !== undefined && !isIPv4(input.staticIp)) problems.push(`static_ip: "${input.staticIp}" is not an IPv4 address`);
  if (input.status !== undefined && !SUBSCRIBER_STATUSES.includes(input.status)) {
    problems.push(`status: one of ${SUBSCRIBER_STATUSES.join(', ')}`);
  }
  problems.push(...validateContact(normaliseContact(input)));
  problems.push(...validateLocalAuth(input, input.workspaceId, catalog.nasWorkspace));
  return problems;
}

/** The credential fields alone: a password or an NT hash, not both. */
export function validateSecret(input: { password?: string | undefined; ntHash?: string | undefined }): string[] {
  const problems: string[] = [];
  if (input.password === undefined && input.ntHash === undefined) problems.push('password: a password or an NT hash is required');
  if (input.password !== undefined && input.ntHash !== undefined) problems.push('password: give a password or an NT hash, not both');
  if (input.password !== undefined && (input.password.length < 1 || input.password.length > 128)) {
    problems.push('password: 1–128 characters (RADIUS carries at most 128)');
  }
  if (input.ntHash !== undefined && !NT_HASH.test(input.ntHash)) problems.push('nt_hash: 32 hexadecimal digits');
  return problems;
}

/** The contact columns to write: normalised, only those given. */
function contactValues(input: ContactFields): SubscriberValues {
  const c = normaliseContact(input);
  const out: SubscriberValues = {};
  if (c.contactName !== undefined) out.contactName = c.contactName;
  if (c.email !== undefined) out.email = c.email;
  if (c.phone !== undefined) out.phone = c.phone;
  if (c.notifyOptOut !== undefined) out.notifyOptOut = c.notifyOptOut;
  return out;
}

/** `/ppp secret alice on core-1`: a local subscriber's router entry, for messages. */
function localEntryOf(input: LocalAuthFields & { username: string }): string {
  return `${input.localService === 'hotspot' ? '/ip hotspot user' : '/ppp secret'} ${input.localName || input.username} on ${input.localNas}`;
}

/** What a unique clash on insert means: the username, the account number, or (local subscribers) the router entry. */
function clashMessage(input: NewSubscriber): string {
  const entry = input.auth === 'local' ? `, or ${localEntryOf(input)} belongs to another subscriber` : '';
  return `workspace ${input.workspaceId} already has username "${input.username}" or account "${input.accountNumber}"${entry}`;
}

export class SubscriberRecords {
  constructor(
    private readonly database: DatabaseHandle,
    private readonly vault: PasswordVault,
    private readonly catalog: SubscriberCatalog,
  ) {}

  private get db() {
    return this.database.db;
  }

  private async changed(id: number): Promise<void> {
    await this.database.notify(SUBSCRIBER_CHANNEL, String(id));
  }

  private credentials(input: { password?: string | undefined; ntHash?: string | undefined }) {
    return input.password !== undefined
      ? { passwordEnc: this.vault.encrypt(input.password), ntHash: null }
      : { passwordEnc: null, ntHash: input.ntHash!.toLowerCase() };
  }

  private newRow(input: NewSubscriber) {
    return {
      workspaceId: input.workspaceId,
      username: input.username,
      accountNumber: input.accountNumber,
      plan: input.plan,
      staticIp: input.staticIp ?? null,
      status: input.status ?? 'active',
      paidUntil: input.paidUntil ?? null,
      ...this.credentials(input),
      ...contactValues(input),
      ...localAuthValues(input),
    };
  }

  async add(input: NewSubscriber): Promise<SubscriberRow> {
    const problems = validateSubscriber(input, this.catalog);
    if (problems.length > 0) throw new RadgateError('SUBSCRIBER_INVALID', problems.join('; '));
    try {
      const row = await insertSubscriber(this.db, this.newRow(input));
      await this.changed(row.id);
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) throw new RadgateError('SUBSCRIBER_EXISTS', clashMessage(input));
      throw err;
    }
  }

  /**
   * Validates and inserts one subscriber inside the caller's transaction (an import writes its subscribers and its
   * own rows together, or nothing). A clash is the database's unique violation, which aborts the caller's
   * transaction. The caller announces the new rows after its commit with `announceAll`.
   */
  async addWithin(tx: Tx, input: NewSubscriber): Promise<SubscriberRow> {
    const problems = validateSubscriber(input, this.catalog);
    if (problems.length > 0) throw new RadgateError('SUBSCRIBER_INVALID', `${input.username}: ${problems.join('; ')}`);
    return insertSubscriber(tx, this.newRow(input));
  }

  /** Tells every instance to reload its directory (after a transaction of `addWithin`s committed). */
  async announceAll(): Promise<void> {
    await this.database.notify(SUBSCRIBER_CHANNEL, '*');
  }

  /**
   * Insert many subscribers in one transaction, chunked. Returns the indexes of those whose username or account
   * already exists; with `allOrNothing` any clash rolls everything back. `onProgress(done, total)` after each chunk.
   */
  async addMany(list: readonly NewSubscriber[], allOrNothing: boolean, onProgress?: (done: number, total: number) => void): Promise<number[]> {
    for (const [i, input] of list.entries()) {
      const problems = validateSubscriber(input, this.catalog);
      if (problems.length > 0) throw new RadgateError('SUBSCRIBER_INVALID', `entry ${i + 1}: ${problems.join('; ')}`);
    }
    const clashes: number[] = [];
    const rollback = new Error('rollback');
    try {
      await this.db.transaction(async (tx) => {
        for (let start = 0; start < list.length; start += 1000) {
          const chunk = list.slice(start, start + 1000);
          const inserted = await insertNewSubscribers(tx, chunk.map((input) => this.newRow(input)));
          const got = new Set(inserted.map((r) => `${r.workspaceId}\u0000${r.username}`));
          chunk.forEach((s, j) => {
            if (!got.has(`${s.workspaceId}\u0000${s.username}`)) clashes.push(start + j);
          });
          onProgress?.(start + chunk.length, list.length);
        }
        if (allOrNothing && clashes.length > 0) throw rollback;
      });
    } catch (err) {
      if (err !== rollback) throw err;
      return clashes;
    }
    await this.database.notify(SUBSCRIBER_CHANNEL, '*');
    return clashes;
  }

  async find(workspaceId: string, username: string): Promise<SubscriberRow | undefined> {
    return subscriberByUsername(this.db, workspaceId, username);
  }

  async get(workspaceId: string, username: string): Promise<SubscriberRow> {
    const row = await this.find(workspaceId, username);
    if (!row) throw new RadgateError('SUBSCRIBER_NOT_FOUND', `no subscriber "${username}" in workspace ${workspaceId}`);
    return row;
  }

  list(filter: SubscriberFilter = {}): Promise<SubscriberRow[]> {
    return listSubscribers(this.db, filter);
  }

  /** The row as the server's directory holds it for authentication; throws PASSWORD_KEY when it cannot be read. */
  forAuthentication(row: SubscriberRow): AuthSubscriber {
    return authSubscriberOf(row, this.vault);
  }

  private async update(workspaceId: string, username: string, values: SubscriberValues): Promise<SubscriberRow> {
    const current = await this.get(workspaceId, username);
    const row = await updateSubscriber(this.db, current.id, values);
    await this.changed(current.id);
    return row!;
  }

  async setPassword(workspaceId: string, username: string, secret: { password?: string; ntHash?: string }) {
    const problems = validateSecret(secret);
    if (problems.length > 0) throw new RadgateError('SUBSCRIBER_INVALID', problems.join('; '));
    return this.update(workspaceId, username, this.credentials(secret));
  }

  /** Sets the contact fields given (null or "" clears one); the others are left as they are. */
  async setContact(workspaceId: string, username: string, contact: ContactFields) {
    const problems = validateContact(normaliseContact(contact));
    if (problems.length > 0) throw new RadgateError('SUBSCRIBER_INVALID', problems.join('; '));
    const values = contactValues(contact);
    if (Object.keys(values).length === 0) return this.get(workspaceId, username);
    return this.update(workspaceId, username, values);
  }

  /**
   * Where the subscriber logs in: RADIUS, or a local entry on a router (subscribers/local-auth.ts). Fields not given
   * stay while the subscriber stays local. The change must reach the router, so a manual enforcement job is queued
   * with it, in the same transaction (`reason` is recorded on the job).
   */
  async setLocalAuth(workspaceId: string, username: string, change: LocalAuthFields, reason = 'auth changed by an operator') {
    const current = await this.get(workspaceId, username);
    const fields = changedLocalAuth(current, change);
    const problems = validateLocalAuth(fields, workspaceId, this.catalog.nasWorkspace);
    if (problems.length > 0) throw new RadgateError('SUBSCRIBER_INVALID', problems.join('; '));
    const row = await this.db.transaction(async (tx) => {
      const row = (await updateSubscriber(tx, current.id, localAuthValues(fields)))!;
      await recordEnforcementRequest(tx, { subscriberId: row.id, workspaceId: row.workspaceId, kind: 'manual', fromStatus: null, toStatus: row.status, reason });
      return row;
    }).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new RadgateError('SUBSCRIBER_EXISTS', `${localEntryOf({ ...fields, username })} belongs to another subscriber`);
      throw err;
    });
    await this.changed(current.id);
    await this.database.notify(ENFORCEMENT_CHANNEL, 'subscribers').catch(() => {}); // the workers also poll
    return row;
  }

  async setStaticIp(workspaceId: string, username: string, staticIp: string | null) {
    if (staticIp !== null && !isIPv4(staticIp)) throw new RadgateError('SUBSCRIBER_INVALID', `static_ip: "${staticIp}" is not an IPv4 address`);
    return this.update(workspaceId, username, { staticIp });
  }
}
