/**
 * @module imports/freeradius
 * `radgate import freeradius`: brings the subscribers of a FreeRADIUS SQL database (often managed by daloRADIUS)
 * into one workspace (docs/migrating-freeradius.md). Read (freeradius-read.ts, read only) → groups as plans
 * (freeradius-groups.ts) → each user decided (freeradius-users.ts) → compared with what radgate holds → written in
 * one transaction through SubscriberRecords.
 *
 * - Nothing is half-imported: every new subscriber goes in one transaction; an error (or a username someone added
 *   meanwhile) rolls all of it back.
 * - A re-run creates only what is missing. A subscriber that exists is `unchanged` when plan, credential, static
 *   IP, paid_until and disabled-ness match the source, else `differs` (named, left alone). Its billing status is not
 *   compared: billing moves it after the import.
 * - `dryRun`: the same report, nothing written.
 */
import type { Config, WorkspaceConfig } from '../config/index.js';
import type { SubscriberRow } from '../db/schema.js';
import type { NewSubscriber, SubscriberCatalog, SubscriberRecords } from '../subscribers/records.js';
import { validateSubscriber } from '../subscribers/records.js';
import { RadgateError } from '../errors.js';
import { planDifferences, proposalYaml, readGroup, type GroupReading } from './freeradius-groups.js';
import type { FreeradiusData } from './freeradius-read.js';
import { decideUsers } from './freeradius-users.js';
import { quote } from './freeradius-text.js';
import type { ImportLine, ImportReport } from './report.js';

export interface FreeradiusImportOptions {
  readonly workspace: WorkspaceConfig;
  /** `--plan-map` (already checked against plans.yaml); groups it does not name map to the plan of their name. */
  readonly planMap: ReadonlyMap<string, string>;
  readonly defaultPlan: string | undefined;
  /** Zone of Expiration dates written without an offset; default the workspace's. */
  readonly timeZone?: string | undefined;
  readonly dryRun: boolean;
  readonly now?: Date;
  /** After each chunk written, inside the transaction (a throw rolls the whole import back). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Reads every group the source names into a plan reading. */
function readGroups(data: FreeradiusData): Map<string, GroupReading> {
  const names = new Set([
    ...data.radusergroup.map((r) => r.groupname),
    ...data.radgroupreply.map((r) => r.owner),
    ...data.radgroupcheck.map((r) => r.owner),
  ]);
  const out = new Map<string, GroupReading>();
  for (const name of [...names].sort()) {
    out.set(name, readGroup(name, data.radgroupreply.filter((r) => r.owner === name), data.radgroupcheck.filter((r) => r.owner === name)));
  }
  return out;
}

/** How an existing subscriber differs from what the source says; empty = unchanged. Never shows a password. */
function differences(row: SubscriberRow, wanted: NewSubscriber, records: SubscriberRecords): string[] {
  const out: string[] = [];
  if (row.plan !== wanted.plan) out.push(`plan: radgate ${row.plan}, FreeRADIUS ${wanted.plan}`);
  if ((row.staticIp ?? undefined) !== wanted.staticIp) out.push(`static IP: radgate ${row.staticIp ?? 'none'}, FreeRADIUS ${wanted.staticIp ?? 'none'}`);
  const paid = row.paidUntil?.getTime();
  if (paid !== wanted.paidUntil?.getTime()) {
    out.push(`paid until: radgate ${row.paidUntil?.toISOString() ?? 'not billed'}, FreeRADIUS ${wanted.paidUntil?.toISOString() ?? 'no Expiration'}`);
  }
  if ((row.status === 'disabled') !== (wanted.status === 'disabled')) {
    out.push(`disabled: radgate ${row.status === 'disabled' ? 'yes' : 'no'}, FreeRADIUS ${wanted.status === 'disabled' ? 'yes' : 'no'}`);
  }
  let same: boolean;
  try {
    const held = records.forAuthentication(row);
    same = wanted.password !== undefined
      ? held.password !== undefined && held.password.toString('utf8') === wanted.password
      : held.ntHash.toString('hex') === wanted.ntHash;
  } catch {
    same = false; // a password this key cannot read: not the same as far as radgate can tell
  }
  if (!same) out.push('password differs');
  return out;
}

/** Every live subscriber of the workspace, page by page. */
async function existingSubscribers(records: SubscriberRecords, workspaceId: string): Promise<SubscriberRow[]> {
  const rows: SubscriberRow[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await records.list({ workspaceId, limit: 1000, offset });
    rows.push(...page);
    if (page.length < 1000) return rows;
  }
}

export async function importFreeradius(
  data: FreeradiusData,
  records: SubscriberRecords,
  config: Config,
  catalog: SubscriberCatalog,
  options: FreeradiusImportOptions,
): Promise<ImportReport> {
  const workspaceId = options.workspace.id;
  if (options.defaultPlan !== undefined && !config.planByName.has(options.defaultPlan)) {
    throw new RadgateError('PLAN_UNKNOWN', `--default-plan: plan ${quote(options.defaultPlan)} is not in plans.yaml`);
  }
  const groups = readGroups(data);
  const planOf = (group: string) => options.planMap.get(group) ?? (config.planByName.has(group) ? group : undefined);
  const mapped: Array<{ from: string; to: string }> = [];
  const notes: string[] = [];
  if (data.encoding === 'SQL_ASCII') {
    notes.push('the source database is SQL_ASCII: values that are not valid UTF-8 are refused (shown as "not valid UTF-8")');
  }
  if (data.userinfo === undefined) notes.push('no daloRADIUS userinfo table: contact names, e-mail and phone not imported');

  const decisions = decideUsers(data, {
    workspaceId,
    timeZone: options.timeZone ?? options.workspace.timezone,
    now: options.now ?? new Date(),
    planOf,
    groups,
    defaultPlan: options.defaultPlan,
  });
  const members = new Map<string, number>();
  for (const row of data.radusergroup) members.set(row.groupname, (members.get(row.groupname) ?? 0) + 1);
  for (const [name, group] of groups) {
    const plan = planOf(name);
    if (group.rejects) {
      notes.push(`group ${quote(name)}: Auth-Type := Reject — its members are imported as disabled (it is no plan)`);
      continue;
    }
    if (plan !== undefined) {
      mapped.push({ from: `group ${name}`, to: `plan ${plan}` });
      const diff = planDifferences(group, config.planByName.get(plan)!);
      if (diff.length > 0) notes.push(`group ${quote(name)} → plan ${plan} differs: ${diff.join('; ')} (the plan's values apply)`);
    } else if ((members.get(name) ?? 0) > 0) {
      if (group.proposal !== undefined) {
        notes.push(`group ${quote(name)} has no plan: add this to config/plans.yaml under "plans:" (or map the group with --plan-map):\n${proposalYaml(group.proposal)}`);
      } else {
        notes.push(`group ${quote(name)} has no plan and cannot be proposed: ${group.blocking.join('; ')} — fix it in FreeRADIUS or write the plan by hand`);
      }
    }
    if (group.notImported.length > 0 && (plan !== undefined || (members.get(name) ?? 0) > 0)) {
      notes.push(`group ${quote(name)}: not imported: ${group.notImported.join('; ')}`);
    }
  }

  const existing = await existingSubscribers(records, workspaceId);
  const byUsername = new Map(existing.map((r) => [r.username, r] as const));
  const byAccount = new Map(existing.map((r) => [r.accountNumber, r] as const));
  const lines: ImportLine[] = [];
  const toCreate: NewSubscriber[] = [];
  for (const decision of decisions) {
    if ('skipped' in decision) {
      lines.push({ source: decision.source, outcome: 'skipped', reason: decision.skipped });
      continue;
    }
    const { subscriber } = decision;
    const problems = validateSubscriber(subscriber, catalog);
    if (problems.length > 0) {
      lines.push({ source: decision.source, outcome: 'skipped', reason: problems.join('; ') });
      continue;
    }
    const held = byUsername.get(subscriber.username);
    if (held) {
      const diff = differences(held, subscriber, records);
      lines.push(diff.length === 0
        ? { source: decision.source, outcome: 'unchanged', reason: 'already in radgate with the same values' }
        : { source: decision.source, outcome: 'differs', reason: `already in radgate, left alone: ${diff.join('; ')}` });
      continue;
    }
    const taken = byAccount.get(subscriber.accountNumber);
    if (taken) {
      lines.push({ source: decision.source, outcome: 'skipped', reason: `account number ${quote(subscriber.accountNumber)} is taken by subscriber ${quote(taken.username)}` });
      continue;
    }
    toCreate.push(subscriber);
    lines.push({ source: decision.source, outcome: 'created', reason: decision.how });
  }

  if (!options.dryRun && toCreate.length > 0) {
    const clashes = await records.addMany(toCreate, true, options.onProgress);
    if (clashes.length > 0) {
      const names = clashes.slice(0, 10).map((i) => quote(toCreate[i]!.username)).join(', ');
      throw new RadgateError('IMPORT_INVALID', `nothing imported: ${names}${clashes.length > 10 ? ' …' : ''} appeared in radgate during the import; run it again`);
    }
  }
  return { what: 'freeradius', dryRun: options.dryRun, lines, mapped, notes };
}
