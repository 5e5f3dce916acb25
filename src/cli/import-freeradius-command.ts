/**
 * `radgate import freeradius`: subscribers from a FreeRADIUS SQL database (PostgreSQL), docs/migrating-freeradius.md.
 * The source URL comes from exactly one of --database-url, --database-url-file or $RADGATE_IMPORT_DATABASE_URL (so
 * the password need not be on the command line, where `ps` shows it); it is never printed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RadgateError } from '../errors.js';
import { importFreeradius } from '../imports/freeradius.js';
import { parsePlanMap } from '../imports/plan-map.js';
import { describeDatabaseUrl, readFreeradius } from '../imports/freeradius-read.js';
import { countOutcomes } from '../imports/report.js';
import { SubscriberRecords } from '../subscribers/records.js';
import { PasswordVault } from '../subscribers/vault.js';
import type { CliContext } from './context.js';
import { describeImportReport } from './import-report.js';
import { Progress } from './progress.js';
import type { CommandOutput } from './router-commands.js';

export const IMPORT_FREERADIUS_USAGE = `radgate import freeradius (--database-url URL | --database-url-file FILE) [--dry-run]
    [--plan-map FILE] [--default-plan P] [--workspace W] [--time-zone ZONE] [--json]
  reads radcheck, radreply, radusergroup, radgroupcheck, radgroupreply (and daloRADIUS userinfo) in a read-only
  transaction and creates the subscribers it can, all in one transaction (docs/migrating-freeradius.md)
  --database-url URL       postgres://user:password@host:5432/radius (or $RADGATE_IMPORT_DATABASE_URL, or:)
  --database-url-file F    a file holding the URL (first line), so the password is not in the process list
  --dry-run                report what would happen; write nothing
  --plan-map FILE          "group = plan" lines; a group not named maps to the plan of its own name
  --default-plan P         plan for users in no group (else they are skipped)
  --time-zone ZONE         IANA zone of Expiration dates (FreeRADIUS reads them in its local time); default the
                           workspace's time zone
  --json                   the report as JSON
  exit status 0: every user imported (or already there, unchanged); 1: some were skipped or differ`;

const OPTIONS = {
  'database-url': { type: 'string' },
  'database-url-file': { type: 'string' },
  'dry-run': { type: 'boolean' },
  'plan-map': { type: 'string' },
  'default-plan': { type: 'string' },
  workspace: { type: 'string' },
  'time-zone': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The source URL from exactly one place; never echoed. */
export function sourceUrl(values: { 'database-url'?: string | undefined; 'database-url-file'?: string | undefined }, env: NodeJS.ProcessEnv): string {
  const given = [values['database-url'] !== undefined, values['database-url-file'] !== undefined].filter(Boolean).length;
  if (given > 1) throw new RadgateError('USAGE', 'give --database-url or --database-url-file, not both');
  if (values['database-url'] !== undefined) return values['database-url'];
  const file = values['database-url-file'];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new RadgateError('USAGE', `--database-url-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const url = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '');
    if (url === undefined) throw new RadgateError('USAGE', `--database-url-file: ${file} is empty`);
    return url;
  }
  const fromEnv = env.RADGATE_IMPORT_DATABASE_URL;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  throw new RadgateError('USAGE', `missing the FreeRADIUS database: --database-url, --database-url-file or $RADGATE_IMPORT_DATABASE_URL\n\n${IMPORT_FREERADIUS_USAGE}`);
}

function validTimeZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw new RadgateError('USAGE', `--time-zone: "${zone}" is not an IANA time zone (e.g. America/Bogota, UTC)`);
  }
}

/**
 * The subscriber records. A dry run creates no password key: without one there is no stored password to compare
 * with, so a throwaway key serves (it encrypts nothing that is kept).
 */
async function subscriberRecords(ctx: CliContext, dryRun: boolean): Promise<SubscriberRecords> {
  try {
    return await ctx.subscribers({ createKey: !dryRun });
  } catch (err) {
    if (!dryRun || !(err instanceof RadgateError) || err.code !== 'PASSWORD_KEY' || !/does not exist/.test(err.message)) throw err;
    const config = await ctx.loadConfig();
    return new SubscriberRecords(await ctx.db(), PasswordVault.fromKey(randomBytes(32)), ctx.catalog(config));
  }
}

/** Exit status 0 when every user came in (or was already there); 1 when some were skipped or differ. */
export async function importFreeradiusCommand(ctx: CliContext, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new RadgateError('USAGE', `unexpected argument "${positionals[0]}"\n\n${IMPORT_FREERADIUS_USAGE}`);
  const url = sourceUrl(values, env);
  const source = describeDatabaseUrl(url);
  const config = await ctx.loadConfig();
  const workspace = config.workspaceById.get(ctx.workspace(config, values.workspace))!;
  const timeZone = values['time-zone'] === undefined ? undefined : validTimeZone(values['time-zone']);
  let planMap = new Map<string, string>();
  const mapFile = values['plan-map'];
  if (mapFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(mapFile, 'utf8');
    } catch (err) {
      throw new RadgateError('USAGE', `--plan-map: cannot read ${mapFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    planMap = parsePlanMap(text, (name) => config.planByName.has(name), mapFile, 'group');
  }
  if (values['default-plan'] !== undefined && !config.planByName.has(values['default-plan'])) {
    throw new RadgateError('PLAN_UNKNOWN', `--default-plan: plan "${values['default-plan']}" is not in plans.yaml`);
  }
  // Read the source before opening radgate's database: a wrong URL fails fast and touches nothing.
  const data = await readFreeradius(url);
  const dryRun = values['dry-run'] === true;
  const records = await subscriberRecords(ctx, dryRun);
  // On a terminal, a progress line while the new subscribers are written (cli/progress.ts); the report says the rest.
  const progress = new Progress({ label: 'importing subscribers', verb: 'imported', noun: 'subscribers', one: 'subscriber' });
  const { result: report } = await progress.track(
    (onProgress) => importFreeradius(data, records, config, ctx.catalog(config), {
      workspace,
      planMap,
      defaultPlan: values['default-plan'],
      timeZone,
      dryRun,
      onProgress,
    }),
    (r) => countOutcomes(r).created,
  );
  const counts = countOutcomes(report);
  const exitCode = counts.skipped + counts.differs > 0 ? 1 : 0;
  const text = values.json ? `${JSON.stringify({ source, ...report }, null, 2)}\n` : `source: ${source}\n${describeImportReport(report)}`;
  return { text, exitCode };
}
