/**
 * @module config/load
 * `loadConfig(dir, env)`: reads server.yaml, nas.yaml, workspaces.yaml and plans.yaml from `dir`, validates them
 * against the schema, runs the cross-file checks, applies the RADGATE_* environment overrides and returns the
 * deep-frozen `Config`. Every problem found is collected and thrown at once as a `ConfigError`.
 */

import path from 'node:path';
import type * as z from 'zod';
import { ConfigError, describeType, formatProblem, suggest, type ConfigPath, type Problem } from './errors.js';
import { field, ipAddress, port, validate, Invalid } from './fields.js';
import { deepFreeze, FrozenMap } from './freeze.js';
import { resolveNas } from './nas.js';
import { checkRadsecNas, radsecPortOverride, resolveRadsec } from './radsec.js';
import { readYamlFile } from './read-yaml.js';
import { ADMIN_FILE, adminTokenSchema, checkDistinctHashes, readOptionalYaml } from './billing.js';
import { resolveLinkKeys } from './link-keys.js';
import { checkReminderDestinations, resolveWorkspaceFiles } from './reminder.js';
import { resolvePaymentHooks } from './payment-hooks.js';
import { resolveNotifySecrets } from './mail.js';
import { FILES, nasSchema, planSchema, serverSchema, workspaceSchema, type ParsedServer } from './schema.js';
import type { Config, ServerConfig } from './types.js';

const ENV = 'env';
const FILE_ORDER = [FILES.server, FILES.nas, FILES.workspaces, FILES.plans, ADMIN_FILE, ENV];

/** Environment variables that override server.yaml. An empty value counts as unset. */
export const ENV_OVERRIDES = Object.freeze({
  RADGATE_BIND: 'bind',
  RADGATE_AUTH_PORT: 'authPort',
  RADGATE_ACCT_PORT: 'acctPort',
  RADGATE_HTTP_PORT: 'httpPort',
  RADGATE_METRICS_PORT: 'metricsPort',
  RADGATE_CAPTIVE_PORT: 'captivePort',
} as const);

/** Loads and validates the config in `dir`; throws `ConfigError` listing every problem. */
export async function loadConfig(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const configDir = path.resolve(dir);
  const problems: Problem[] = [];

  const [serverDoc, nasDoc, workspacesDoc, plansDoc] = await Promise.all(
    [FILES.server, FILES.nas, FILES.workspaces, FILES.plans].map((file) => readYamlFile(configDir, file, problems)),
  );

  const serverRaw = topLevel(serverDoc, FILES.server, 'server', problems);
  const parsedServer = serverRaw === undefined
    ? undefined
    : validate(serverSchema, serverRaw ?? {}, FILES.server, ['server'], problems);

  const workspaces = validateList(workspacesDoc, FILES.workspaces, 'workspaces', workspaceSchema, problems, 'workspace');
  checkUnique(workspaces?.raw, 'id', FILES.workspaces, 'workspaces', 'workspace id', problems);
  checkReminderDestinations(workspaces?.raw, problems);
  const workspaceFiles = workspaces === undefined
    ? undefined
    : await resolveNotifySecrets(configDir, workspaces.raw,
      await resolvePaymentHooks(configDir, workspaces.raw, await resolveWorkspaceFiles(configDir, workspaces.parsed, problems), env, problems),
      env, problems);
  const plans = validateList(plansDoc, FILES.plans, 'plans', planSchema, problems, 'plan');
  checkUnique(plans?.raw, 'name', FILES.plans, 'plans', 'plan name', problems);
  // admin.yaml is optional (no file: no admin API tokens).
  const adminDoc = await readOptionalYaml(configDir, ADMIN_FILE, problems);
  const admin = adminDoc === null ? undefined : validateList(adminDoc, ADMIN_FILE, 'tokens', adminTokenSchema, problems);
  checkUnique(admin?.raw, 'name', ADMIN_FILE, 'tokens', 'token name', problems);
  checkDistinctHashes(admin?.raw, problems);
  const nasList = validateList(nasDoc, FILES.nas, 'nas', nasSchema, problems);
  checkUnique(nasList?.raw, 'name', FILES.nas, 'nas', 'NAS name', problems);

  const workspaceIds = workspaces === undefined ? undefined : new Set(rawStrings(workspaces.raw, 'id'));
  const nas = nasList === undefined
    ? []
    : await resolveNas(configDir, nasList.raw.map((raw, i) => ({ raw, parsed: nasList.parsed[i] })), workspaceIds, problems);

  checkRouterProfileNas(plans?.raw, nasList?.raw, problems);
  const server = applyEnv(parsedServer, configDir, env, problems);
  const linkKeys = serverRaw === undefined ? undefined : await resolveLinkKeys(configDir, serverRaw, env, problems);
  const radsecPort = radsecPortOverride(env, problems);
  const radsec = parsedServer === undefined ? undefined : await resolveRadsec(configDir, parsedServer.radsec, radsecPort, problems);
  checkRadsecNas(nasList?.raw, parsedServer === undefined || parsedServer.radsec !== undefined, problems);
  if (server !== undefined && server.captivePort !== 0 && server.captivePort === server.httpPort) {
    const viaEnv = env.RADGATE_CAPTIVE_PORT !== undefined && env.RADGATE_CAPTIVE_PORT !== '';
    problems.push(viaEnv
      ? { file: ENV, where: ['RADGATE_CAPTIVE_PORT'], reason: `must differ from the HTTP port (${server.httpPort})` }
      : { file: FILES.server, where: ['server', 'captive_port'], reason: `must differ from the HTTP port (${server.httpPort})` });
  }

  if (problems.length > 0) throw new ConfigError(sortProblems(problems).map(formatProblem));
  if (server === undefined || linkKeys === undefined || workspaceFiles === undefined || plans === undefined) {
    throw new Error('config: internal error: invalid config without problems'); // unreachable
  }
  const workspaceList = workspaceFiles.filter((w) => w !== undefined);
  const planList = plans.parsed.filter((p) => p !== undefined);
  return deepFreeze<Config>({
    configDir,
    server: { ...server, linkKeys, radsec },
    nas,
    workspaces: workspaceList,
    plans: planList,
    workspaceById: new FrozenMap(workspaceList.map((w) => [w.id, w] as const)),
    planByName: new FrozenMap(planList.map((p) => [p.name, p] as const)),
    adminTokens: (admin?.parsed ?? []).filter((t) => t !== undefined),
  });
}

/**
 * The value under the file's one top-level key: `undefined` when the file is unusable or lacks the key, `null`
 * when the key is present but empty. Reports other top-level keys (typos) as unknown.
 */
function topLevel(doc: { value: unknown } | undefined, file: string, key: string, problems: Problem[]): unknown {
  if (doc === undefined) return undefined;
  const top = doc.value ?? {};
  if (typeof top !== 'object' || Array.isArray(top)) {
    problems.push({ file, where: '', reason: `must be a mapping with the key "${key}:", got ${describeType(top)}` });
    return undefined;
  }
  for (const other of Object.keys(top)) {
    if (other === key) continue;
    const hint = suggest(other, [key]);
    problems.push({ file, where: [other], reason: hint === undefined ? `unknown key (this file holds only "${key}")` : `unknown key (did you mean "${hint}"?)` });
  }
  if (!Object.hasOwn(top, key)) {
    problems.push({ file, where: [key], reason: 'required' });
    return undefined;
  }
  return stripNulls((top as Record<string, unknown>)[key]) ?? null;
}

/** Removes keys written with an empty value (`pool:`), so they mean "not set" (the default). */
function stripNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, stripNulls(v)]),
  );
}

interface ValidatedList<T> {
  readonly raw: readonly unknown[];
  /** Per entry: the schema output, or undefined when the entry has problems. */
  readonly parsed: ReadonlyArray<T | undefined>;
}

/** Validates a list file entry by entry; `requireOne` names the entry kind when the list must not be empty. */
function validateList<S extends z.ZodType>(
  doc: { value: unknown } | undefined,
  file: string,
  key: string,
  schema: S,
  problems: Problem[],
  requireOne?: string,
): ValidatedList<z.output<S>> | undefined {
  const value = topLevel(doc, file, key, problems);
  if (value === undefined) return undefined;
  const raw = value ?? [];
  if (!Array.isArray(raw)) {
    problems.push({ file, where: [key], reason: `must be a list (entries starting with "- ")` });
    return undefined;
  }
  if (requireOne !== undefined && raw.length === 0) {
    problems.push({ file, where: [key], reason: `at least one ${requireOne} is required` });
  }
  return { raw, parsed: raw.map((entry, i) => validate(schema, entry, file, [key, i], problems)) };
}

function rawStrings(raw: readonly unknown[], field: string): string[] {
  return raw.flatMap((entry) => {
    const value = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : undefined;
    return typeof value === 'string' ? [value] : [];
  });
}

/** Reports every entry whose `field` repeats an earlier entry's (checked on raw entries, valid or not). */
function checkUnique(raw: readonly unknown[] | undefined, field: string, file: string, key: string, label: string, problems: Problem[]): void {
  const first = new Map<string, number>();
  for (const [i, entry] of (raw ?? []).entries()) {
    const value = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)[field] : undefined;
    if (typeof value !== 'string') continue;
    const j = first.get(value);
    if (j === undefined) first.set(value, i);
    else problems.push({ file, where: [key, i, field], reason: `duplicate ${label} ${JSON.stringify(value)} (first used by ${key}[${j}])` });
  }
}

const envPort = field((input: unknown) => {
  const value = typeof input === 'string' && /^[0-9]{1,5}$/.test(input) ? port(true)(Number(input)) : undefined;
  return typeof value === 'number' ? value : new Invalid(`${JSON.stringify(input)} is not a port number (0-65535)`);
});

/**
 * Applies RADGATE_* overrides and resolves paths; validates env values even when server.yaml is broken.
 * Also checks that the auth and accounting ports differ, naming whichever setting was given last.
 */
function applyEnv(parsed: ParsedServer | undefined, configDir: string, env: NodeJS.ProcessEnv, problems: Problem[]): Omit<ServerConfig, 'linkKeys' | 'radsec'> | undefined {
  const overrides: { bind?: string } & Partial<Record<Exclude<(typeof ENV_OVERRIDES)[keyof typeof ENV_OVERRIDES], 'bind'>, number>> = {};
  const source: Record<'authPort' | 'acctPort', { file: string; where: ConfigPath; label: string }> = {
    authPort: { file: FILES.server, where: ['server', 'auth_port'], label: 'auth_port' },
    acctPort: { file: FILES.server, where: ['server', 'acct_port'], label: 'acct_port' },
  };
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (key === 'bind') {
      const bind = validate(field(ipAddress), value.trim(), ENV, [name], problems);
      if (bind !== undefined) overrides.bind = bind;
      continue;
    }
    const checked = validate(envPort, value.trim(), ENV, [name], problems);
    if (checked === undefined) continue;
    overrides[key] = checked;
    if (key === 'authPort' || key === 'acctPort') source[key] = { file: ENV, where: [name], label: name };
  }
  if (parsed === undefined) return undefined;
  const server: Omit<ServerConfig, 'linkKeys' | 'radsec'> = {
    ...parsed,
    ...overrides,
    passwordKeyFile: parsed.passwordKeyFile === undefined ? undefined : path.resolve(configDir, parsed.passwordKeyFile),
  };
  if (server.authPort !== 0 && server.authPort === server.acctPort) {
    const acct = source.acctPort;
    problems.push({ file: acct.file, where: acct.where, reason: `must differ from the auth port (${source.authPort.label} is also ${server.authPort})` });
  }
  return server;
}

/** Orders problems by file, then by list entry; the order within an entry is the order they were found. */
function sortProblems(problems: readonly Problem[]): Problem[] {
  const entryIndex = (p: Problem) => (typeof p.where !== 'string' && typeof p.where[1] === 'number' ? p.where[1] : -1);
  return problems
    .map((p, order) => ({ p, order }))
    .sort((a, b) => FILE_ORDER.indexOf(a.p.file) - FILE_ORDER.indexOf(b.p.file) || entryIndex(a.p) - entryIndex(b.p) || a.order - b.order)
    .map(({ p }) => p);
}

/** plans.yaml `router_profile` mappings may name only NAS entries of nas.yaml (a typo would silently fall back). */
function checkRouterProfileNas(plans: readonly unknown[] | undefined, nas: readonly unknown[] | undefined, problems: Problem[]): void {
  if (plans === undefined || nas === undefined) return;
  const names = new Set(rawStrings(nas, 'name'));
  for (const [i, plan] of plans.entries()) {
    const mapping = plan !== null && typeof plan === 'object' ? (plan as Record<string, unknown>)['router_profile'] : undefined;
    if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) continue;
    for (const key of Object.keys(mapping)) {
      if (key !== 'default' && !names.has(key)) {
        problems.push({ file: FILES.plans, where: ['plans', i, 'router_profile', key], reason: `no NAS named ${JSON.stringify(key)} in ${FILES.nas}` });
      }
    }
  }
}
