/** `radgate prune [--dry-run]`: delete now what server.yaml `retention:` no longer keeps, or count it. */
import { parseArgs } from 'node:util';
import { retentionRules } from '../app.js';
import { PRUNE_BATCH, runRetention, type RetentionReport } from '../db/retention.js';
import { summarizeError } from '../log-limit.js';
import type { CliContext } from './context.js';
import { table } from './format.js';
import type { CommandOutput } from './router-commands.js';

export const PRUNE_USAGE = `radgate prune [--dry-run]
    delete now what server.yaml retention no longer keeps — closed sessions, finished enforcement jobs with their
    attempts, subscriber events, finished notifications, payment callbacks; never payments, the
    payment/void/paid_until events, open sessions, unfinished jobs or notifications still pending or running — in
    batches of ${PRUNE_BATCH.toLocaleString('en')} rows, and print per table the cut-off and how many rows went.
    --dry-run: count them, delete nothing. Safe while servers run (they prune every retention.interval).`;

/** Exit code 1 when a table's prune failed (the others still ran). */
export async function pruneCommand(ctx: CliContext, argv: string[]): Promise<CommandOutput> {
  const { values } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean' } }, strict: true });
  const config = await ctx.loadConfig();
  const database = await ctx.db();
  const report = await runRetention(database.db, retentionRules(config.server.retention), { dryRun: values['dry-run'] ?? false });
  return { text: formatPruneReport(report), exitCode: report.rules.some((r) => r.error !== undefined) ? 1 : 0 };
}

/** `365d`, `36h`, `90m`: keep times as they are usually written. */
function keepText(seconds: number | undefined): string {
  if (seconds === undefined) return 'off';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) if (seconds % size === 0) return `${seconds / size}${unit}`;
  return `${seconds}s`;
}

const timestamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One row per table: its keep time, the cut-off (rows finished or recorded before it go) and the count. */
export function formatPruneReport(report: RetentionReport): string {
  const rows = report.rules.flatMap((rule) => Object.entries(rule.counts).map(([name, rows]) => [
    name,
    keepText(rule.keepSeconds),
    rule.cutoff === undefined ? 'kept forever' : timestamp(rule.cutoff),
    rule.error !== undefined ? `failed: ${summarizeError(rule.error).message}` : rule.cutoff === undefined ? '-' : rows,
  ]));
  const head = report.dryRun
    ? `dry run at ${timestamp(report.at)} (database clock): nothing was deleted`
    : `pruned at ${timestamp(report.at)} (database clock)`;
  return `${head}\n${table(['TABLE', 'KEEP', 'CUT-OFF', report.dryRun ? 'WOULD DELETE' : 'DELETED'], rows)}`;
}
