/**
 * @module cli/doctor
 * `radgate doctor [NAS] [--json]`: checks everything radgate depends on and names each problem with its fix. In
 * order: the configuration; the database; the data directory and its keys; the running server (`/readyz`, then
 * Status-Server on the RADIUS ports); then per NAS (all, or the one named) its reminder host, its router over the
 * RouterOS API when nas.yaml has `api:`, and a harmless CoA round trip. Every check runs even when an earlier one
 * failed, except those that need a configuration that does not load. Exit status 0 when nothing FAILed, 1 otherwise.
 */
import { parseArgs } from 'node:util';
import type { Environment } from '../../app.js';
import { ConfigError, loadConfig, type Config, type NasApiConfig, type NasConfig } from '../../config/index.js';
import { RadgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { findNas } from '../../routeros/input.js';
import { systemResolver, type Resolver } from '../../routeros/redirect-target.js';
import { checkCoa } from './coa.js';
import { checkDatabase, checkKeys, checkListeners, checkReminderHost } from './local.js';
import { exitStatus, fail, formatJson, formatText, ok, type CheckResult } from './result.js';
import { checkRouter } from './router.js';

export { type CheckResult, type CheckStatus } from './result.js';

export const DOCTOR_USAGE = `radgate doctor [NAS] [--json]
    check everything radgate depends on, one line per check (ok / warn / FAIL, what was found and the fix):
    the configuration; the database (reachable, migrated); the data directory, password key and link keys
    (present, private); the running server (/readyz on the operations listener, Status-Server on the RADIUS
    ports); and per NAS (all, or the one named): its workspace's reminder host, its router over the RouterOS API
    when nas.yaml has api: (the configuration router-apply writes, the RouterOS version and require-message-auth,
    the payment allowlist's names) and a harmless CoA round trip. --json prints the same as JSON.
    Exit status 0: no FAIL (warnings allowed); 1: at least one FAIL. Never prints a secret.`;

export interface DoctorOptions {
  readonly env: Environment;
  /** Environment overrides for the config loader (RADGATE_BIND, ports …). */
  readonly processEnv: NodeJS.ProcessEnv;
  readonly log: Logger;
  /** Default: the system resolver. */
  readonly resolve?: Resolver;
  /** Per probe (readyz, Status-Server, each CoA try). Default 2000 ms. */
  readonly timeoutMs?: number;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function checkConfig(options: DoctorOptions): Promise<{ config: Config | undefined; result: CheckResult }> {
  try {
    const config = await loadConfig(options.env.configDir, options.processEnv);
    const detail = `${options.env.configDir}: ${config.nas.length} NAS, ${config.workspaceById.size} workspace(s), ${config.planByName.size} plan(s)`;
    return { config, result: ok('config', detail) };
  } catch (err) {
    const detail = err instanceof ConfigError ? `${err.problems.length} problem(s): ${err.problems.join('; ')}` : message(err);
    return { config: undefined, result: fail('config', detail, `correct ${options.env.configDir} as named, then radgate check-config`) };
  }
}

const hasApi = (nas: NasConfig): nas is NasConfig & { api: NasApiConfig } => nas.api !== undefined;

/** Every check, in order. `nasName` limits the per-NAS checks to that NAS (NAS_UNKNOWN when it is not configured). */
export async function runDoctor(options: DoctorOptions, nasName?: string): Promise<CheckResult[]> {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? 2000;
  const { config, result } = await checkConfig(options);
  // An unknown NAS is a usage error, before anything is probed.
  const list = config === undefined ? [] : nasName === undefined ? config.nas : [findNas(config, nasName)];
  const results: CheckResult[] = [result];
  results.push(await checkDatabase(options.env));
  if (config === undefined) return results;
  results.push(...checkKeys(config, options.env, options.log));
  results.push(...(await checkListeners(config, options.env, timeoutMs)));
  for (const nas of list) {
    results.push(await checkReminderHost(config, nas, resolve));
    if (hasApi(nas)) results.push(...(await checkRouter(config, nas, resolve)));
    else results.push(ok(`router ${nas.name}`, `not checked: no api: section in nas.yaml (radgate router-script ${nas.name} renders its configuration)`));
    results.push(await checkCoa(config, nas, timeoutMs));
  }
  return results;
}

/** What the command prints and the exit status it asks for. */
export async function doctorCommand(options: DoctorOptions, argv: string[]): Promise<{ text: string; exitCode: number }> {
  const { values, positionals } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw new RadgateError('USAGE', `doctor takes at most one NAS, got ${positionals.length}\n\n${DOCTOR_USAGE}`);
  const results = await runDoctor(options, positionals[0]);
  return { text: values.json === true ? formatJson(results) : formatText(results), exitCode: exitStatus(results) };
}
