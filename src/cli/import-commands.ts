/**
 * `radgate import <source> …`: bring subscribers in from where they live today (docs/migrating-router-secrets.md).
 * `router-secrets NAS` reads a router's local entries over its API; with `--as radius` it also drives their move to
 * RADIUS (`--apply`, `--finish`, `--rollback`, `--status`).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { passwordKeyFile } from '../app.js';
import type { Config, NasConfig } from '../config/index.js';
import type { LocalService } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { parsePlanMap } from '../imports/plan-map.js';
import { importRouterSecrets, readRouterEntries } from '../imports/router-secrets.js';
import {
  applySwitches, confirmSwitches, finishSwitches, rollbackSwitches, switchStatus, type SwitchLine, type SwitchReport,
} from '../imports/router-switch.js';
import { endpointOf, RouterOsClient } from '../routeros/api.js';
import { findNas } from '../routeros/input.js';
import { SubscriberRecords } from '../subscribers/records.js';
import { PasswordVault } from '../subscribers/vault.js';
import type { CliContext } from './context.js';
import { IMPORT_FREERADIUS_USAGE, importFreeradiusCommand } from './import-freeradius-command.js';
import { table } from './format.js';
import { countOutcomes } from '../imports/report.js';
import { describeImportReport } from './import-report.js';
import type { CommandOutput } from './router-commands.js';

export const IMPORT_USAGE = `radgate import router-secrets NAS [--as local|radius] [--service ppp|hotspot|all] [--plan-map FILE]
        [--account-from name|comment] [--dry-run] [--json]
    read the router's /ppp secret (and /ip hotspot user) entries over its API (nas.yaml api:; the API user needs
    the "sensitive" policy to see passwords) and create a subscriber for each, in one transaction. --as local (the
    default): the router keeps authenticating them, radgate enforces through the API. --as radius: they become
    RADIUS subscribers and each entry's move is recorded; the router commands that move them are printed.
    --plan-map FILE: "router profile = plan" lines, for profiles no plan's router_profile names.
    --account-from: the account number is the entry's name (default) or its comment.
    --dry-run: the same import, rolled back: shows what would happen, writes nothing.
radgate import router-secrets NAS --apply [--kick] [--service …]
    move the imported entries to RADIUS one at a time: disable each entry (comment=radgate:migrating) whose
    subscriber is offline; --kick: also the online ones, removing their live session so they reconnect through
    RADIUS. Run it again to pick up those that were online.
radgate import router-secrets NAS --status [--json]      each entry's state: imported, switched, confirmed, finished, rolled_back
radgate import router-secrets NAS --finish               remove the disabled entries whose RADIUS login was seen (confirmed)
radgate import router-secrets NAS --rollback (USER | --all)   enable the entry again; the subscriber stays, router-local
Every run first confirms the switched entries whose subscriber has logged in through radgate since.
Exit status 0: every entry was imported (or moved) as asked; 1: some were skipped, differ, wait or failed.
${IMPORT_FREERADIUS_USAGE}`;

const OPTIONS = {
  as: { type: 'string' },
  service: { type: 'string' },
  'plan-map': { type: 'string' },
  'account-from': { type: 'string' },
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  apply: { type: 'boolean' },
  kick: { type: 'boolean' },
  status: { type: 'boolean' },
  finish: { type: 'boolean' },
  rollback: { type: 'boolean' },
  all: { type: 'boolean' },
} as const;

export async function importCommand(ctx: CliContext, argv: string[]): Promise<CommandOutput> {
  const [what, ...rest] = argv;
  switch (what) {
    case 'router-secrets':
      return routerSecretsCommand(ctx, rest);
    case 'freeradius':
      return importFreeradiusCommand(ctx, rest);
    default:
      throw new RadgateError('USAGE', `unknown import source "${what ?? ''}"\n\n${IMPORT_USAGE}`);
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], option: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new RadgateError('USAGE', `${option}: one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function apiOf(nas: NasConfig) {
  if (nas.api === undefined) {
    throw new RadgateError('USAGE', `NAS "${nas.name}" has no api: section in nas.yaml; import router-secrets reads the router over its API`);
  }
  return nas.api;
}

/** The subscriber records; a dry run on a data directory without a password key uses a throwaway one (it writes nothing). */
async function recordsFor(ctx: CliContext, config: Config, dryRun: boolean): Promise<SubscriberRecords> {
  if (!dryRun) return ctx.subscribers();
  if (ctx.env.passwordKey || existsSync(passwordKeyFile(config, ctx.env))) return ctx.subscribers({ createKey: false });
  return new SubscriberRecords(await ctx.db(), PasswordVault.fromKey(randomBytes(32)), ctx.catalog(config));
}

async function routerSecretsCommand(ctx: CliContext, argv: string[]): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const [nasName, user, extra] = positionals;
  if (!nasName) throw new RadgateError('USAGE', `missing NAS (the name in nas.yaml)\n\n${IMPORT_USAGE}`);
  const actions = (['apply', 'status', 'finish', 'rollback'] as const).filter((a) => values[a]);
  if (actions.length > 1) throw new RadgateError('USAGE', `--${actions.join(' and --')} exclude each other`);
  const action = actions[0] ?? 'import';
  if (extra !== undefined || (user !== undefined && action !== 'rollback')) {
    throw new RadgateError('USAGE', `unexpected argument "${extra ?? user}"\n\n${IMPORT_USAGE}`);
  }
  if (action === 'rollback' && (user === undefined) === (values.all !== true)) {
    throw new RadgateError('USAGE', '--rollback needs the entry name (USER) or --all, not both');
  }
  if (values.kick && action !== 'apply') throw new RadgateError('USAGE', '--kick goes with --apply');
  if (values['dry-run'] && action !== 'import') throw new RadgateError('USAGE', `--dry-run is for the import; --${action} changes the router (see --status first)`);
  const service = oneOf(values.service, ['ppp', 'hotspot', 'all'] as const, '--service', 'all');
  const services: LocalService[] = service === 'all' ? ['ppp', 'hotspot'] : [service];
  const config = await ctx.loadConfig();
  const nas = findNas(config, nasName);
  const database = await ctx.db();
  // Confirmation needs nothing of the router: a --status works while it is down.
  const confirmed = await confirmSwitches(database, nas.name);
  if (action === 'status') return statusOutput(await switchStatus(database, nas.name), confirmed, values.json === true);
  const client = new RouterOsClient(endpointOf(nas.name, apiOf(nas)));
  try {
    if (action === 'import') {
      const as = oneOf(values.as, ['local', 'radius'] as const, '--as', 'local');
      const accountFrom = oneOf(values['account-from'], ['name', 'comment'] as const, '--account-from', 'name');
      const planMap = values['plan-map'] === undefined ? undefined : readPlanMap(values['plan-map'], config);
      const dryRun = values['dry-run'] === true;
      const records = await recordsFor(ctx, config, dryRun);
      const read = await readRouterEntries(client, services);
      const result = await importRouterSecrets(
        { api: client, database, records, catalog: ctx.catalog(config) },
        { config, nas, services, as, planMap, accountFrom, dryRun },
        read,
      );
      const counts = countOutcomes(result.report);
      const exitCode = counts.skipped + counts.differs > 0 ? 1 : 0;
      if (values.json) return { text: JSON.stringify({ ...result.report, routerCommands: result.routerCommands, confirmed }, null, 2) + '\n', exitCode };
      return { text: describeImportReport(result.report) + switchCommandsText(result.routerCommands, nas.name) + switchLinesText('confirmed', confirmed), exitCode };
    }
    const ports = { api: client, database, records: await ctx.subscribers() };
    const report = action === 'apply'
      ? await applySwitches(ports, nas, { services, kick: values.kick === true })
      : action === 'finish'
        ? await finishSwitches(ports, nas)
        : await rollbackSwitches(ports, nas, { entryName: user, services });
    const exitCode = report.stopped !== undefined || report.lines.some((l) => l.outcome !== 'done') ? 1 : 0;
    if (values.json) return { text: JSON.stringify({ ...report, confirmed }, null, 2) + '\n', exitCode };
    return { text: switchLinesText('confirmed', confirmed) + switchReportText(action, report), exitCode };
  } finally {
    await client.close();
  }
}

function readPlanMap(file: string, config: Config) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RadgateError('IMPORT_INVALID', `cannot read the plan map ${file}`, { cause: err });
  }
  return parsePlanMap(text, (name) => config.planByName.has(name), file);
}

function switchCommandsText(commands: readonly string[], nasName: string): string {
  if (commands.length === 0) return '';
  return [
    '',
    `to move these entries to RADIUS, run radgate import router-secrets ${nasName} --apply (one at a time, offline`,
    'subscribers first), or run these commands on the router yourself:',
    ...commands.map((c) => `  ${c}`),
    '',
  ].join('\n');
}

function switchLinesText(title: string, lines: readonly SwitchLine[]): string {
  if (lines.length === 0) return '';
  return `${title}:\n${table(['ENTRY', 'STATE', 'DETAIL'], lines.map((l) => [l.entry, l.state, l.detail]))}\n\n`;
}

function switchReportText(action: 'apply' | 'finish' | 'rollback', report: SwitchReport): string {
  const done = report.lines.filter((l) => l.outcome === 'done').length;
  const waiting = report.lines.filter((l) => l.outcome === 'waiting').length;
  const failed = report.lines.filter((l) => l.outcome === 'failed').length;
  const verb = { apply: 'switched', finish: 'finished', rollback: 'rolled back' }[action];
  const parts = [...report.routerSteps.map((s) => `router: ${s}`), `${verb} ${done}, waiting ${waiting}, failed ${failed}`];
  if (report.lines.length > 0) parts.push(table(['OUTCOME', 'ENTRY', 'STATE', 'DETAIL'], report.lines.map((l) => [l.outcome, l.entry, l.state, l.detail])));
  if (report.stopped !== undefined) parts.push(`the router stopped answering, the entries after it were not tried: ${report.stopped}`);
  return parts.join('\n') + '\n';
}

function statusOutput(rows: Awaited<ReturnType<typeof switchStatus>>, confirmed: readonly SwitchLine[], json: boolean): CommandOutput {
  if (json) return { text: JSON.stringify(rows, null, 2) + '\n', exitCode: 0 };
  if (rows.length === 0) return { text: 'no entry of this NAS is being moved to RADIUS (import with --as radius first)\n', exitCode: 0 };
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const summary = [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
  const body = table(
    ['ENTRY', 'SERVICE', 'STATE', 'SWITCHED', 'CONFIRMED', 'DETAIL'],
    rows.map((r) => [r.entryName, r.service, r.state, r.switchedAt?.toISOString() ?? null, r.confirmedAt?.toISOString() ?? null, r.detail]),
  );
  return { text: `${switchLinesText('confirmed now', confirmed)}${summary}\n${body}\n`, exitCode: 0 };
}
