/**
 * `radgate subscriber import FILE.csv`: header row, then one subscriber per row. Every bad row is named by line and
 * field. Without --skip-bad one bad row imports nothing; with it, good rows are imported and bad ones reported.
 */
import { readFileSync } from 'node:fs';
import { RadgateError } from '../errors.js';
import type { LocalService, SubscriberAuthSource, SubscriberStatus } from '../db/schema.js';
import { parseCsv } from './csv.js';
import { validateSubscriber, type NewSubscriber, type SubscriberCatalog, type SubscriberRecords } from './records.js';

export const IMPORT_COLUMNS = [
  'username', 'password', 'nt_hash', 'plan', 'account', 'workspace', 'static_ip', 'status',
  // Who reminders go to (subscribers/contact.ts); notify_opt_out: yes/no, true/false, 1/0, empty = no.
  'contact_name', 'email', 'phone', 'notify_opt_out',
  // Where the login is checked (subscribers/local-auth.ts, docs/mixed-fleet.md): auth radius|local, empty = radius.
  'auth', 'local_nas', 'local_name', 'local_service',
] as const;

const YES = ['yes', 'true', '1', 'y'];
const NO = ['no', 'false', '0', 'n'];
const REQUIRED = ['username', 'plan', 'account'] as const;

export interface ImportReport {
  imported: number;
  problems: string[];
}

export function readImportFile(file: string, catalog: SubscriberCatalog, defaultWorkspace: string | undefined) {
  const rows = parseCsv(readFileSync(file, 'utf8'));
  const header = rows.shift();
  if (!header) throw new RadgateError('IMPORT_INVALID', `${file}: empty file (expected a header row)`);
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const headerProblems: string[] = [];
  for (const column of columns) {
    if (!(IMPORT_COLUMNS as readonly string[]).includes(column)) {
      headerProblems.push(`${file}: line 1: unknown column "${column}" (known: ${IMPORT_COLUMNS.join(', ')})`);
    }
  }
  for (const column of REQUIRED) if (!columns.includes(column)) headerProblems.push(`${file}: line 1: missing column "${column}"`);
  if (!columns.includes('password') && !columns.includes('nt_hash')) headerProblems.push(`${file}: line 1: a "password" or "nt_hash" column is required`);
  if (!columns.includes('workspace') && !defaultWorkspace) headerProblems.push(`${file}: line 1: a "workspace" column is required (several workspaces are configured)`);
  if (headerProblems.length > 0) throw new RadgateError('IMPORT_INVALID', headerProblems.join('\n'));

  const good: Array<{ line: number; subscriber: NewSubscriber }> = [];
  const problems: string[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    const value = (column: string) => {
      const index = columns.indexOf(column);
      const v = index >= 0 ? row.fields[index]?.trim() : undefined;
      return v === '' ? undefined : v;
    };
    if (row.fields.length !== columns.length) {
      problems.push(`${file}: line ${row.line}: expected ${columns.length} fields, found ${row.fields.length}`);
      continue;
    }
    const subscriber: NewSubscriber = {
      workspaceId: value('workspace') ?? defaultWorkspace ?? '',
      username: value('username') ?? '',
      accountNumber: value('account') ?? '',
      plan: value('plan') ?? '',
      password: columns.includes('password') ? row.fields[columns.indexOf('password')] || undefined : undefined,
      ntHash: value('nt_hash'),
      staticIp: value('static_ip'),
      status: value('status') as SubscriberStatus | undefined,
      contactName: value('contact_name'),
      email: value('email'),
      phone: value('phone'),
      auth: value('auth')?.toLowerCase() as SubscriberAuthSource | undefined,
      localNas: value('local_nas'),
      localName: value('local_name'),
      localService: value('local_service')?.toLowerCase() as LocalService | undefined,
    };
    const optOut = value('notify_opt_out')?.toLowerCase();
    const rowProblems = validateSubscriber(subscriber, catalog);
    if (optOut !== undefined) {
      if (YES.includes(optOut)) subscriber.notifyOptOut = true;
      else if (NO.includes(optOut)) subscriber.notifyOptOut = false;
      else rowProblems.push('notify_opt_out: yes or no');
    }
    for (const [field, key] of [['username', `u\u0000${subscriber.workspaceId}\u0000${subscriber.username}`], ['account', `a\u0000${subscriber.workspaceId}\u0000${subscriber.accountNumber}`]] as const) {
      const earlier = seen.get(key);
      if (earlier !== undefined) rowProblems.push(`${field}: duplicate of line ${earlier}`);
      else seen.set(key, row.line);
    }
    if (rowProblems.length > 0) problems.push(...rowProblems.map((p) => `${file}: line ${row.line}: ${p}`));
    else good.push({ line: row.line, subscriber });
  }
  return { good, problems };
}

export async function importSubscribers(
  service: SubscriberRecords,
  file: string,
  catalog: SubscriberCatalog,
  options: { defaultWorkspace: string | undefined; skipBad: boolean; onProgress?: (done: number, total: number) => void },
): Promise<ImportReport> {
  const { good, problems } = readImportFile(file, catalog, options.defaultWorkspace);
  if (problems.length > 0 && !options.skipBad) {
    throw new RadgateError('IMPORT_INVALID', `nothing imported:\n${problems.join('\n')}`);
  }
  // Progress counts the rows written (checking them is quick next to the inserts).
  const clashes = await service.addMany(good.map((g) => g.subscriber), !options.skipBad, options.onProgress);
  const clashProblems = clashes.map((i) => `${file}: line ${good[i]!.line}: username or account already exists in workspace ${good[i]!.subscriber.workspaceId}`);
  if (clashProblems.length > 0 && !options.skipBad) {
    throw new RadgateError('IMPORT_INVALID', `nothing imported:\n${clashProblems.join('\n')}`);
  }
  return { imported: good.length - clashes.length, problems: [...problems, ...clashProblems] };
}
