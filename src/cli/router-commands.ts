/**
 * `radgate router-script NAS [--out FILE]`, `radgate router-apply NAS [--dry-run]` and `radgate reconcile NAS [--fix]`:
 * the RouterOS configuration that makes a router enforce radgate's decisions, as a script or applied over the API,
 * and the comparison of the router's live state with radgate's.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Config, NasApiConfig, NasConfig } from '../config/index.js';
import { describeReconcile, driftLeft, reconcile } from '../enforce/reconcile.js';
import { databaseReconcilePorts } from '../enforce/reconcile-db.js';
import { RadgateError } from '../errors.js';
import { passwordKeyFile } from '../app.js';
import type { LocalService } from '../db/schema.js';
import { subscriberFromRouterEntry } from '../imports/router-entry.js';
import type { Row } from '../routeros/api.js';
import { PasswordVault } from '../subscribers/vault.js';
import { endpointOf, RouterOsClient } from '../routeros/api.js';
import { applyConfiguration, describeReport } from '../routeros/apply.js';
import { desiredFor, findNas } from '../routeros/input.js';
import { systemResolver, type Resolver } from '../routeros/redirect-target.js';
import { renderScript } from '../routeros/script.js';
import type { CliContext } from './context.js';
import { Progress } from './progress.js';

export const ROUTER_USAGE = `radgate router-script NAS [--out FILE]
    print the RouterOS script (.rsc) that makes the router enforce radgate's decisions (RADIUS client, CoA port,
    PPP accounting, the expired PPP profile, the unpaid firewall, the walled garden). Safe to import again and
    again: it finds radgate's objects by comment="radgate:<key>" and touches nothing else. --out writes the file
    (mode 600: it holds the RADIUS secret).
radgate router-apply NAS [--dry-run] [--quiet]
    apply the same configuration over the RouterOS API (nas.yaml api:): read the router, print the plan (add / set /
    remove / move per object), apply it. A second run says "no changes". --dry-run prints the plan only.
radgate reconcile NAS [--fix [--adopt]] [--quiet]
    compare the router's live sessions with radgate's open sessions, its unpaid address list with the subscribers
    who should be in it, and its /ppp secret and /ip hotspot user entries with radgate's router-local subscribers;
    print the drift; --fix corrects it. Sessions of router-local subscribers are learned on every run. Entries no
    subscriber matches (unknown-entry) are only reported; --fix --adopt imports them as router-local subscribers.
    Exit status 0: no drift left (unknown entries do not count); 1: drift.
On a terminal, router-apply and reconcile --fix show progress on stderr (operations or fixes done, rate, ETA);
--quiet, or stderr not a terminal, shows none. The report printed at the end is the summary either way.`;

/** What a command prints and the exit status it asks for. */
export interface CommandOutput {
  readonly text: string;
  readonly exitCode: number;
}

function nasArgument(positionals: readonly string[], command: string): string {
  const [nas, extra] = positionals;
  if (nas === undefined || nas === '') throw new RadgateError('USAGE', `missing NAS (the name in nas.yaml)\n\n${ROUTER_USAGE}`);
  if (extra !== undefined) throw new RadgateError('USAGE', `${command} takes one NAS, got "${extra}" too\n\n${ROUTER_USAGE}`);
  return nas;
}

function apiOf(nas: NasConfig, command: string): NasApiConfig {
  if (nas.api === undefined) {
    const alternative = command === 'router-apply' ? ' (or render the script with router-script and import it)' : '';
    throw new RadgateError('ROUTER_APPLY', `NAS "${nas.name}" has no api: section in nas.yaml; ${command} needs RouterOS API access${alternative}`);
  }
  return nas.api;
}

export async function routerScriptCommand(config: Config, argv: string[], resolve: Resolver = systemResolver): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({ args: argv, options: { out: { type: 'string' } }, allowPositionals: true, strict: true });
  const nas = nasArgument(positionals, 'router-script');
  const script = renderScript(await desiredFor(config, nas, resolve));
  if (values.out === undefined) return { text: script, exitCode: 0 };
  await writeFile(values.out, script, { mode: 0o600 });
  return { text: `wrote ${values.out} (${script.split('\n').length - 1} lines; it holds the RADIUS secret of ${nas}: keep it private)\nimport on the router: /import file-name=${values.out.split('/').pop()} verbose=yes\n`, exitCode: 0 };
}

export async function routerApplyCommand(config: Config, argv: string[], resolve: Resolver = systemResolver): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({ args: argv, options: { 'dry-run': { type: 'boolean' }, quiet: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const nas = findNas(config, nasArgument(positionals, 'router-apply'));
  const api = apiOf(nas, 'router-apply');
  const model = await desiredFor(config, nas.name, resolve);
  const client = new RouterOsClient(endpointOf(nas.name, api));
  try {
    const dryRun = values['dry-run'] === true;
    const progress = new Progress({ label: `applying to ${nas.name}`, verb: 'applied', noun: 'operations', one: 'operation', quiet: values.quiet === true });
    const { result: report } = await progress.track((onProgress) => applyConfiguration(client, model, { dryRun, onProgress }), (r) => r.applied.length);
    const failed = report.failed !== undefined || report.plan.conflicts.length > 0;
    return { text: describeReport(report, { dryRun }) + '\n', exitCode: failed ? 1 : 0 };
  } finally {
    await client.close();
  }
}

export async function reconcileCommand(ctx: CliContext, argv: string[]): Promise<CommandOutput> {
  const { values, positionals } = parseArgs({ args: argv, options: { fix: { type: 'boolean' }, adopt: { type: 'boolean' }, quiet: { type: 'boolean' } }, allowPositionals: true, strict: true });
  const adopt = values.adopt === true;
  if (adopt && values.fix !== true) throw new RadgateError('USAGE', `--adopt imports unknown router entries, which is a fix: give --fix --adopt\n\n${ROUTER_USAGE}`);
  const config = await ctx.loadConfig();
  const nas = findNas(config, nasArgument(positionals, 'reconcile'));
  const api = apiOf(nas, 'reconcile');
  const client = new RouterOsClient(endpointOf(nas.name, api));
  try {
    // The password key is read only if an entry must be recreated; a run that needs none works without it.
    let vault: PasswordVault | undefined;
    const openVault = () => (vault ??= PasswordVault.open({ keyFile: passwordKeyFile(config, ctx.env), envKey: ctx.env.passwordKey, create: false, log: ctx.log }));
    const adoptEntry = adopt ? adopter(ctx, config, nas) : undefined;
    const ports = databaseReconcilePorts(config, nas, await ctx.db(), client, { vault: openVault, adopt: adoptEntry });
    const progress = new Progress({ label: `fixing drift on ${nas.name}`, verb: 'fixed', noun: 'drifts', one: 'drift', quiet: values.quiet === true });
    const { result: report } = await progress.track((onProgress) => reconcile(nas.name, ports, { fix: values.fix === true, adopt, onProgress }), (r) => r.fixes?.length ?? 0);
    return { text: describeReconcile(report, ports.addressList) + '\n', exitCode: driftLeft(report) > 0 ? 1 : 0 };
  } finally {
    await client.close();
  }
}

/**
 * `--adopt`: an unknown entry becomes a router-local subscriber of this NAS, decided as `radgate import
 * router-secrets --as local` decides (src/imports/router-entry.ts), written through the subscriber records.
 */
function adopter(ctx: CliContext, config: Config, nas: NasConfig) {
  return async (entry: Row, service: LocalService): Promise<string> => {
    const outcome = subscriberFromRouterEntry(entry, { nas, config, service, as: 'local' });
    if ('skip' in outcome) throw new RadgateError('SUBSCRIBER_INVALID', `not adopted: ${outcome.skip}`);
    const row = await (await ctx.subscribers()).add(outcome.subscriber);
    return `adopted as router-local subscriber ${row.username} (account ${row.accountNumber}, ${outcome.how}, ${row.status})`;
  };
}
