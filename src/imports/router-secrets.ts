/**
 * @module imports/router-secrets
 * `radgate import router-secrets NAS`: the router's local `/ppp secret` and `/ip hotspot user` entries, read over
 * the API, become radgate subscribers — all in one transaction, so an error leaves nothing half-imported; a dry run
 * runs the same transaction and rolls it back (docs/migrating-router-secrets.md).
 *
 * Per entry, in order: a name radgate cannot hold is skipped; a subscriber of that name in the NAS's workspace is
 * compared with the entry (`unchanged` when the entry looks the way radgate would make it for that subscriber, else
 * `differs`, each difference named, the subscriber left alone); otherwise `subscriberFromRouterEntry` decides, and
 * the subscriber is `created` or `skipped`. With `as: 'radius'` every created or unchanged entry gets a
 * `router_migrations` row (`imported`), the start of its move to RADIUS (imports/router-switch.ts).
 */
import { ROUTEROS_DEFAULT_PROFILE, routerProfileFor, type Config, type NasConfig } from '../config/index.js';
import type { DatabaseHandle } from '../db/client.js';
import { isUniqueViolation, type Tx } from '../db/rows.js';
import type { LocalService, SubscriberRow } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { desiredLocalEntry } from '../profile/local-entry.js';
import type { RouterOsApi } from '../routeros/api.js';
import { ENTRY_MENUS, isYes, MIGRATING_COMMENT } from '../routeros/local-entries.js';
import { consolePath, quote } from '../routeros/rsc.js';
import { validateSubscriber, type NewSubscriber, type SubscriberCatalog, type SubscriberRecords } from '../subscribers/records.js';
import { subscriberByAccount, subscriberByUsername } from '../subscribers/table.js';
import { migrationsOfNas, recordImported, type MigrationEntry, type RouterMigrationRow } from './router-migrations.js';
import {
  entryDisabledByOperator, entryNameProblem, entryStaticIp, subscriberFromRouterEntry, type PlanMap, type RouterEntry,
} from './router-entry.js';
import type { ImportLine, ImportReport } from './report.js';


const PROPERTIES: Readonly<Record<LocalService, readonly string[]>> = {
  ppp: ['.id', 'name', 'password', 'profile', 'remote-address', 'disabled', 'comment', 'service'],
  hotspot: ['.id', 'name', 'password', 'profile', 'address', 'disabled', 'comment', 'dynamic'],
};

/** One entry as read, with the table it came from. */
export interface ReadEntry {
  readonly service: LocalService;
  readonly entry: RouterEntry;
}

export interface RouterEntries {
  readonly entries: readonly ReadEntry[];
  /** Services whose entries all came without a `password` property (the API user lacks the `sensitive` policy). */
  readonly passwordsHidden: readonly LocalService[];
}

/** Reads the entries of `services` from the router. A router error is a RadgateError naming the NAS. */
export async function readRouterEntries(api: RouterOsApi, services: readonly LocalService[]): Promise<RouterEntries> {
  const entries: ReadEntry[] = [];
  const passwordsHidden: LocalService[] = [];
  for (const service of services) {
    const rows = await api.print(ENTRY_MENUS[service].entries, { proplist: PROPERTIES[service] });
    const named = rows.filter((row) => row['name'] !== undefined);
    if (named.length > 0 && named.every((row) => row['password'] === undefined)) passwordsHidden.push(service);
    for (const entry of rows) entries.push({ service, entry });
  }
  return { entries, passwordsHidden };
}

/** The comment radgate gives an entry it disables for the move; the operator's own comment is kept after it. */
export function migratingComment(original: string | undefined): string {
  const text = (original ?? '').trim();
  if (text.startsWith(MIGRATING_COMMENT)) return text;
  return text === '' ? MIGRATING_COMMENT : `${MIGRATING_COMMENT} ${text}`;
}

/** The operator's comment from before the move (`migratingComment` undone). */
export function originalComment(comment: string | undefined): string {
  const text = comment ?? '';
  return text.startsWith(MIGRATING_COMMENT) ? text.slice(MIGRATING_COMMENT.length).trimStart() : text;
}

/** The RouterOS console command that disables an entry for the move (what `--apply` does over the API). */
export function switchCommand(service: LocalService, name: string, comment: string | undefined): string {
  return `${consolePath(ENTRY_MENUS[service].entries)} set [find where name=${quote(name)}] disabled=yes comment=${quote(migratingComment(comment))}`;
}

export interface RouterSecretsOptions {
  readonly config: Config;
  readonly nas: NasConfig;
  readonly services: readonly LocalService[];
  /** `local` (the default of the CLI): the router keeps authenticating them; `radius`: the move starts. */
  readonly as: 'radius' | 'local';
  readonly planMap?: PlanMap | undefined;
  readonly accountFrom?: 'name' | 'comment' | undefined;
  readonly dryRun: boolean;
}

export interface RouterSecretsPorts {
  readonly api: RouterOsApi;
  readonly database: DatabaseHandle;
  readonly records: SubscriberRecords;
  readonly catalog: SubscriberCatalog;
}

export interface RouterSecretsResult {
  readonly report: ImportReport;
  /** With `as: 'radius'`: the console commands that switch the entries still `imported` (what `--apply` runs). */
  readonly routerCommands: readonly string[];
}

/** Why an existing subscriber and the entry disagree; empty = the entry is what radgate would make of it. */
function differences(row: SubscriberRow, read: ReadEntry, options: RouterSecretsOptions, records: SubscriberRecords): string[] {
  const { entry, service } = read;
  const out: string[] = [];
  const password = entry['password'];
  if (row.passwordEnc === null) out.push('radgate holds an NT hash, the router a password');
  else if (password !== undefined && records.forAuthentication(row).password?.toString('utf8') !== password) out.push('the password differs');
  const workspace = options.config.workspaceById.get(row.workspaceId);
  if (workspace) {
    const desired = desiredLocalEntry({
      status: row.status, deleted: false, plan: options.config.planByName.get(row.plan), planName: row.plan, workspace, nasName: options.nas.name,
    });
    const disabled = entryDisabledByOperator(entry);
    if (desired.disabled !== disabled) out.push(`the entry is ${disabled ? 'disabled' : 'enabled'}, radgate's ${row.status} subscriber wants it ${desired.disabled ? 'disabled' : 'enabled'}`);
    const profile = entry['profile'] || 'default';
    const mappedHere = options.planMap?.get(profile) === row.plan; // the operator mapped this profile to that plan
    if (!desired.disabled && desired.profile !== undefined && desired.profile !== profile && !mappedHere) {
      out.push(`profile ${profile} on the router, radgate wants ${desired.profile} (${desired.label})`);
    }
  }
  const ip = entryStaticIp(entry, service) ?? null;
  if (ip !== row.staticIp) out.push(`static IP ${ip ?? 'none'} on the router, ${row.staticIp ?? 'none'} in radgate`);
  const name = entry['name'];
  const localHere = row.auth === 'local' && row.localNas === options.nas.name && (row.localService ?? 'ppp') === service
    && (row.localName === null || row.localName === name);
  if (options.as === 'local' && !localHere) {
    out.push(row.auth === 'local' ? `radgate has it local on ${row.localNas} (${row.localService ?? 'ppp'})` : 'radgate authenticates it over RADIUS');
  }
  if (options.as === 'radius' && row.auth === 'local' && !localHere) out.push(`radgate has it local on ${row.localNas} (${row.localService ?? 'ppp'})`);
  return out;
}

/** The entry's key in the batch: one subscriber per username and per account in a workspace. */
const key = (workspace: string, value: string) => `${workspace}\u0000${value}`;

/** Thrown to roll a dry run's transaction back. */
class DryRunRollback extends Error {}

/** What one run has decided so far. */
interface Batch {
  readonly lines: ImportLine[];
  /** Router profile → plan, of the subscribers created. */
  readonly mapped: Map<string, string>;
  readonly notes: string[];
  readonly migrations: MigrationEntry[];
  /** Username / account number (keyed by workspace) → the entry that took it in this run. */
  readonly usernames: Map<string, string>;
  readonly accounts: Map<string, string>;
  /** The entry being written, for an error's message. */
  current: string;
}

/** Decides one entry inside the import's transaction: one report line, and the subscriber and migration row. */
async function importEntry(tx: Tx, one: ReadEntry, batch: Batch, ports: RouterSecretsPorts, options: RouterSecretsOptions): Promise<void> {
  const { entry, service } = one;
  const { nas } = options;
  const workspaceId = nas.workspace;
  const name = entry['name'] ?? '';
  const source = `${ENTRY_MENUS[service].label} ${entry['name'] ?? '(no name)'}`;
  batch.current = source;
  const line = (outcome: ImportLine['outcome'], reason: string) => batch.lines.push({ source, outcome, reason });
  const migrate = (subscriberId: number) => {
    if (options.as === 'radius') batch.migrations.push({ workspaceId, subscriberId, nasName: nas.name, service, entryName: name });
  };
  // Checked before any query: a name radgate cannot hold (NUL included) never reaches the database.
  const refusal = isYes(entry['dynamic']) ? 'a dynamic entry (the router made it)' : entryNameProblem(name);
  if (refusal !== undefined) return void line('skipped', refusal);
  const earlier = batch.usernames.get(key(workspaceId, name));
  if (earlier !== undefined) return void line('skipped', `${earlier} has the same name; one subscriber per username`);
  const existing = await subscriberByUsername(tx, workspaceId, name);
  if (existing) {
    batch.usernames.set(key(workspaceId, name), source);
    if (entry['password'] === undefined) return void line('skipped', 'the router did not show the password (the API user needs the "sensitive" policy)');
    const differ = differences(existing, one, options, ports.records);
    if (differ.length > 0) return void line('differs', `subscriber ${existing.username} exists and was left alone: ${differ.join('; ')}`);
    line('unchanged', `subscriber ${existing.username} exists with the same values`);
    return migrate(existing.id);
  }
  const outcome = subscriberFromRouterEntry(entry, {
    nas, config: options.config, service, planMap: options.planMap, as: options.as, accountFrom: options.accountFrom,
  });
  if ('skip' in outcome) return void line('skipped', outcome.skip);
  const subscriber: NewSubscriber = outcome.subscriber;
  const problems = validateSubscriber(subscriber, ports.catalog);
  if (problems.length > 0) return void line('skipped', problems.join('; '));
  const accountKey = key(workspaceId, subscriber.accountNumber);
  const sameAccount = batch.accounts.get(accountKey);
  if (sameAccount !== undefined) return void line('skipped', `account number ${subscriber.accountNumber} is ${sameAccount}'s too; one subscriber per account`);
  const holder = await subscriberByAccount(tx, workspaceId, subscriber.accountNumber);
  if (holder) {
    return void line('skipped', `account number ${subscriber.accountNumber} belongs to subscriber ${holder.username} (use --account-from comment, or rename)`);
  }
  batch.usernames.set(key(workspaceId, name), source);
  batch.accounts.set(accountKey, source);
  const row = await ports.records.addWithin(tx, subscriber);
  line('created', outcome.how);
  migrate(row.id);
  const profile = entry['profile'] || ROUTEROS_DEFAULT_PROFILE;
  batch.mapped.set(profile, subscriber.plan);
  const enforced = routerProfileFor(options.config.planByName.get(subscriber.plan)!, nas.name);
  const noted = `profile ${profile} is mapped to plan ${subscriber.plan}`;
  if (options.as === 'local' && enforced !== profile && !batch.notes.some((n) => n.startsWith(`${noted},`))) {
    batch.notes.push(
      `${noted}, whose router profile on ${nas.name} is ${enforced}: radgate sets ${enforced} on these entries when it ` +
        `enforces; to keep ${profile}, set router_profile of ${subscriber.plan} to { ${nas.name}: ${profile} } in plans.yaml`,
    );
  }
}

export async function importRouterSecrets(ports: RouterSecretsPorts, options: RouterSecretsOptions, read: RouterEntries): Promise<RouterSecretsResult> {
  const { nas } = options;
  const notes: string[] = [];
  for (const service of read.passwordsHidden) {
    notes.push(
      `${nas.name} showed no passwords in ${ENTRY_MENUS[service].label}: the RouterOS API user "${nas.api?.user ?? '?'}" needs the "sensitive" ` +
        `policy to read them (/user group set [find name=<its group>] policy=…,sensitive), then run this again`,
    );
  }
  const batch: Batch = { lines: [], mapped: new Map(), notes, migrations: [], usernames: new Map(), accounts: new Map(), current: '' };
  let pending: RouterMigrationRow[] = [];
  const run = async (tx: Tx) => {
    for (const one of read.entries) await importEntry(tx, one, batch, ports, options);
    if (batch.migrations.length > 0) {
      batch.current = 'the migration rows';
      await recordImported(tx, batch.migrations);
    }
    if (options.as === 'radius') pending = (await migrationsOfNas(tx, nas.name)).filter((r) => r.state === 'imported' && options.services.includes(r.service));
    if (options.dryRun) throw new DryRunRollback();
  };
  try {
    await ports.database.db.transaction(run);
  } catch (err) {
    if (!(err instanceof DryRunRollback)) {
      if (isUniqueViolation(err)) {
        throw new RadgateError(
          'SUBSCRIBER_EXISTS',
          `${batch.current}: a subscriber with that username or account number was written meanwhile; nothing was imported (run the import again)`,
          { cause: err },
        );
      }
      if (err instanceof RadgateError) throw new RadgateError(err.code, `${batch.current}: ${err.message}; nothing was imported`, { cause: err });
      throw err;
    }
  }
  if (!options.dryRun && batch.lines.some((l) => l.outcome === 'created')) await ports.records.announceAll();
  const routerCommands = options.as === 'radius' ? await commandsToSwitch(ports.api, pending, read) : [];
  const report: ImportReport = {
    what: `router-secrets ${nas.name}`,
    dryRun: options.dryRun,
    lines: batch.lines,
    mapped: [...batch.mapped].map(([from, to]) => ({ from: `profile ${from}`, to: `plan ${to}` })),
    notes,
  };
  return { report, routerCommands };
}

/**
 * The console commands that switch the entries whose rows are `imported` (in a dry run: would be), preceded by
 * `/ppp aaa set use-radius=yes` when PPP entries are among them and the router does not ask RADIUS yet.
 */
async function commandsToSwitch(api: RouterOsApi, pending: readonly RouterMigrationRow[], read: RouterEntries): Promise<string[]> {
  const comments = new Map(read.entries.map(({ service, entry }) => [`${service}\u0000${entry['name']}`, entry['comment']]));
  const here = pending.filter((row) => comments.has(`${row.service}\u0000${row.entryName}`));
  const commands = here.map((row) => switchCommand(row.service, row.entryName, comments.get(`${row.service}\u0000${row.entryName}`)));
  if (here.some((row) => row.service === 'ppp') && !(await pppUsesRadius(api))) commands.unshift(USE_RADIUS_COMMAND);
  return commands;
}

/** Makes the router ask RADIUS for PPP logins that match no enabled local entry (PPP AAA, `use-radius`). */
export const USE_RADIUS_COMMAND = '/ppp aaa set use-radius=yes';

export async function pppUsesRadius(api: RouterOsApi): Promise<boolean> {
  const [aaa] = await api.print('/ppp/aaa', { proplist: ['use-radius'] });
  return isYes(aaa?.['use-radius']);
}
