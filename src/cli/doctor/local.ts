/**
 * @module cli/doctor/local
 * The checks on the radgate host: the database (reachable, migrated), the keys in the data directory (present,
 * readable, private to radgate's user: docs/lifecycle.md), the running server (its operations listener's `/readyz`
 * and a Status-Server probe, RFC 5997, on the RADIUS ports), and each NAS's reminder host (the address the router's
 * dst-nat needs, docs/routeros.md §7).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { passwordKeyFile, type Environment } from '../../app.js';
import type { Config, NasConfig } from '../../config/index.js';
import { openDatabase } from '../../db/client.js';
import { PRIVATE_DIR_MODE } from '../../db/data-dir.js';
import { embeddedDatabaseDir, migrationStatus } from '../../db/migrations.js';
import { ipInRange, parseCidr } from '../../ip.js';
import type { Logger } from '../../log.js';
import { makeSecret } from '../../radius/encode.js';
import { probeStatusServer, type StatusProbeResult } from '../../radius/status-probe.js';
import { redirectTarget, type Resolver } from '../../routeros/redirect-target.js';
import { PasswordVault } from '../../subscribers/vault.js';
import { DEFAULT_KEY_FILE, LinkKeyRing } from '../../web/reminder/keys.js';
import { fail, ok, warn, type CheckResult } from './result.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function checkDatabase(env: Environment): Promise<CheckResult> {
  const name = 'database';
  // Opening the embedded database creates it: the doctor only looks.
  if (env.databaseUrl === undefined && !existsSync(embeddedDatabaseDir(env.dataDir))) {
    return fail(name, `no embedded database at ${embeddedDatabaseDir(env.dataDir)} (and DATABASE_URL is not set)`, 'radgate migrate (or set DATABASE_URL to your PostgreSQL)');
  }
  let handle;
  try {
    handle = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir, role: 'tool' });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    const fix = env.databaseUrl ? 'start PostgreSQL, or correct DATABASE_URL' : `check that ${env.dataDir} belongs to radgate's user`;
    return fail(name, `unreachable: ${message(err)}${cause}`, fix);
  }
  try {
    await handle.ping();
    const { known, applied } = await migrationStatus(handle.db);
    if (applied < known) return fail(name, `${handle.kind} at ${handle.location}: ${applied} of ${known} migrations applied`, 'radgate migrate');
    if (applied > known) return warn(name, `${handle.kind} at ${handle.location}: ${applied} migrations applied, this radgate knows ${known} (a newer radgate migrated it)`, 'upgrade radgate on this host');
    return ok(name, `${handle.kind} at ${handle.location}, reachable, ${known} of ${known} migrations applied`);
  } catch (err) {
    return fail(name, `${handle.kind} at ${handle.location}: ${message(err)}`, env.databaseUrl ? 'check DATABASE_URL and the database user\'s rights' : 'radgate migrate');
  } finally {
    await handle.close();
  }
}

/** Why `file` is not private to radgate's user, or undefined. */
function notPrivate(file: string, dir: boolean): string | undefined {
  const stat = statSync(file);
  const loose = dir ? (stat.mode & 0o777) !== PRIVATE_DIR_MODE : (stat.mode & 0o077) !== 0;
  if (loose) return `mode ${(stat.mode & 0o777).toString(8).padStart(3, '0')} (want ${dir ? '700' : '600'})`;
  if (process.getuid !== undefined && stat.uid !== process.getuid()) return `owned by uid ${stat.uid}, not ${process.getuid()}`;
  return undefined;
}

function keyFileCheck(name: string, file: string, validate: () => void, missingFix: string): CheckResult {
  if (!existsSync(file)) return fail(name, `${file} does not exist`, missingFix);
  try {
    validate();
  } catch (err) {
    return fail(name, message(err), `restore ${file} from your backup`);
  }
  const loose = notPrivate(file, false);
  if (loose !== undefined) return fail(name, `${file}: ${loose}`, `chmod 600 ${file} (radgate start also tightens the data directory)`);
  return ok(name, `${file}, private`);
}

export function checkKeys(config: Config, env: Environment, log: Logger): CheckResult[] {
  const results: CheckResult[] = [];
  if (!existsSync(env.dataDir)) {
    results.push(fail('data directory', `${env.dataDir} does not exist`, 'radgate start (creates it), or set RADGATE_DATA_DIR'));
  } else {
    const loose = notPrivate(env.dataDir, true);
    results.push(loose === undefined ? ok('data directory', `${env.dataDir}, private`) : fail('data directory', `${env.dataDir}: ${loose}`, `chmod 700 ${env.dataDir} (radgate start tightens everything in it)`));
  }

  if (env.passwordKey !== undefined) {
    try {
      PasswordVault.open({ keyFile: '', envKey: env.passwordKey, create: false, log });
      results.push(ok('password key', 'from RADGATE_PASSWORD_KEY'));
    } catch (err) {
      results.push(fail('password key', message(err), 'set RADGATE_PASSWORD_KEY to the 32-byte key (base64 or 64 hex digits) the passwords were stored with'));
    }
  } else {
    const file = passwordKeyFile(config, env);
    const validate = () => void PasswordVault.open({ keyFile: file, create: false, log });
    results.push(keyFileCheck('password key', file, validate, `radgate start creates it on first start; if subscribers exist already, restore ${file} from your backup (a new key cannot read their passwords)`));
  }

  const keys = config.server.linkKeys;
  if (keys.length === 0) {
    const file = path.join(env.dataDir, DEFAULT_KEY_FILE);
    const validate = () => void LinkKeyRing.open({ keys, dataDir: env.dataDir, create: false, log });
    results.push(keyFileCheck('link key', file, validate, 'radgate start creates it (links issued with a lost key no longer open)'));
  } else {
    // The loader read and checked every configured key; a key file must still be private.
    for (const key of keys) {
      const name = `link key ${key.id}`;
      const file = key.source.startsWith('file ') ? key.source.slice(5) : undefined;
      const loose = file === undefined ? undefined : notPrivate(file, false);
      results.push(loose === undefined ? ok(name, `${key.algorithm}, ${key.source}`) : fail(name, `${file}: ${loose}`, `chmod 600 ${file}`));
    }
  }
  return results;
}

/** Where a probe from this host reaches a listener bound to `bind`. */
function reachable(bind: string): string {
  return bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '::1' : bind;
}

function pidNote(env: Environment): string {
  const file = path.join(env.dataDir, 'radgate.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return `no ${file}`;
  }
  try {
    process.kill(pid, 0);
    return `${file} names process ${pid}, which is running`;
  } catch {
    return `${file} names process ${pid}, which is not running (stale)`;
  }
}

/** GET `url`: ok with `/readyz`'s 200, FAIL with its 503 and the failing checks; undefined when nothing answers. */
async function readiness(url: string, timeoutMs: number): Promise<CheckResult> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json().catch(() => ({}))) as { checks?: Record<string, string> };
  if (response.ok) return ok('server', `${url} answers ready`);
  const failing = Object.entries(body.checks ?? {}).filter(([, state]) => state !== 'ok');
  const what = failing.map(([k, v]) => `${k} ${v}`).join(', ') || 'not ready';
  return fail('server', `${url} answers ${response.status}: ${what}`, "see the server's log (journalctl -u radgate)");
}

/** The running server: `/readyz` on the operations listener, then Status-Server on the RADIUS ports. */
export async function checkListeners(config: Config, env: Environment, timeoutMs: number): Promise<CheckResult[]> {
  const { server } = config;
  if (server.metricsPort === 0 || server.authPort === 0 || server.acctPort === 0) {
    return [warn('server', 'not probed: server.yaml has port 0 (any free port), so the running server\'s ports are unknown', 'set fixed ports in server.yaml (or RADGATE_*_PORT)')];
  }
  const results: CheckResult[] = [];
  const host = reachable(server.metricsBind);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${server.metricsPort}/readyz`;
  try {
    results.push(await readiness(url, timeoutMs));
  } catch (err) {
    const why = err instanceof Error && err.cause instanceof Error ? err.cause.message : message(err);
    return [fail('server', `nothing answers ${url} (${why}); ${pidNote(env)}`, 'radgate start (or systemctl start radgate)')];
  }

  // Status-Server needs a NAS the server knows at the probe's source address, and that NAS's secret.
  const target = reachable(server.bind);
  const nas = config.nas.find((n) => ipInRange(target, parseCidr(n.address)));
  for (const [label, port] of [['auth', server.authPort], ['acct', server.acctPort]] as const) {
    const name = `listener ${label}`;
    if (nas === undefined) {
      results.push(warn(name, `UDP ${target}:${port} not probed: no NAS in nas.yaml covers ${target}, so the server would drop a Status-Server from here`, 'add a loopback NAS (config/nas.yaml, "local") to let doctor probe the RADIUS ports'));
      continue;
    }
    const result = await probeStatusServer({ address: target, port, secret: makeSecret(nas.secret), bind: target, timeoutMs });
    results.push(statusLine(name, `UDP ${target}:${port}`, nas.name, result));
  }
  return results;
}

function statusLine(name: string, where: string, nas: string, result: StatusProbeResult): CheckResult {
  switch (result.kind) {
    case 'answered':
      return ok(name, `${where} answers Status-Server (as NAS ${nas}) in ${result.elapsedMs} ms`);
    case 'bad-reply':
      return fail(name, `${where} answers Status-Server, but the reply fails verification with NAS ${nas}'s secret`, `another RADIUS server holds ${where}: stop it, or change server.yaml ports`);
    case 'silent':
      return fail(name, `${where}: no answer to Status-Server (as NAS ${nas})`, `check server.yaml bind and ports against the running server, and radgate's firewall`);
    case 'refused':
      return fail(name, `${where}: nothing listens (${result.error})`, 'radgate start, or correct server.yaml ports to the running server\'s');
  }
}

/** Each NAS's workspace reminder host resolves to an address a router can redirect to (or redirect_ip is set). */
export async function checkReminderHost(config: Config, nas: NasConfig, resolve: Resolver): Promise<CheckResult> {
  const name = `nas ${nas.name} reminder host`;
  const workspace = config.workspaceById.get(nas.workspace);
  if (workspace === undefined) return fail(name, `unknown workspace "${nas.workspace}"`, 'fix nas.yaml workspace');
  try {
    const target = await redirectTarget({ workspace: workspace.id, nas: nas.name, reminderHost: workspace.reminderHost, redirectIp: workspace.redirectIp }, resolve);
    return ok(name, `${target.ip} (${target.origin.replace(', resolved when rendering', '')})`);
  } catch (err) {
    const text = message(err);
    const split = text.lastIndexOf('; ');
    return fail(name, split < 0 ? text : text.slice(0, split), split < 0 ? `set redirect_ip for workspace "${workspace.id}" in workspaces.yaml` : text.slice(split + 2));
  }
}
