/**
 * The `radgate` command line. The only place that may exit the process: every other module reports through
 * return values and RadgateError, and this file turns them into messages and exit codes.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { environment, startRadgate, type Radgate } from '../app.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { writePrivateFile } from '../db/data-dir.js';
import { ERRORS, RadgateError } from '../errors.js';
import { createLogger } from '../log.js';
import { CliContext } from './context.js';
import { SUBSCRIBER_USAGE, subscriberCommand } from './subscriber-commands.js';
import { BILLING_COMMANDS, BILLING_USAGE, billingCommand, type BillingCommand } from './billing-commands.js';
import { ADMIN_TOKEN_USAGE, adminTokenCommand } from './admin-token-command.js';
import { coaTestCommand, ENFORCE_USAGE, enforceCommand, jobsCommand } from './enforce-commands.js';
import { REMINDER_LINK_USAGE, reminderLinkCommand } from './reminder-commands.js';
import { SESSIONS_USAGE, sessionsCommand } from './session-commands.js';
import { reconcileCommand, routerApplyCommand, ROUTER_USAGE, routerScriptCommand, type CommandOutput } from './router-commands.js';
import { PRUNE_USAGE, pruneCommand } from './prune-commands.js';
import { NOTIFICATIONS_USAGE, notificationsCommand } from './notify-commands.js';
import { EXPLAIN_USAGE, explainCommand } from './explain-commands.js';
import { DOCTOR_USAGE, doctorCommand } from './doctor/index.js';
import { IMPORT_USAGE, importCommand } from './import-commands.js';
import { terminalSafe } from './format.js';
import { PKI_USAGE, pkiCommand } from './pki-commands.js';

const USAGE = `radgate — RADIUS server with billing enforcement for MikroTik ISPs

usage: radgate <command> [options]

  start                 run the server (config: $RADGATE_CONFIG or ./config; data: $RADGATE_DATA_DIR or ./data)
  check-config          validate the configuration and report every problem
  reload                validate the configuration, then tell the running server to apply it (SIGHUP)
  migrate               apply database migrations and exit
  subscriber …          manage subscribers (radgate subscriber help)
  pay USER AMOUNT       record a payment [--ref R] [--method M]; payments [USER]; void ID --reason R
  status USER           status, why, next change and when, open sessions (--set S --reason R | --auto)
  explain USER          what USER's next login would get and why: Accept/Reject, reply attributes (radgate explain --help)
  promise USER --until DATE, history USER, disable USER --reason R, enable USER, paid-until USER DATE
  evaluate [--dry-run]  apply the billing thresholds now (radgate billing-help for all billing commands)
  admin-token NAME      create an admin API token [--scope read|write]
  enforce USER          push USER's profile to the live sessions now: CoA → Disconnect → API (radgate enforce --help)
  jobs [--failed] [ID]  enforcement jobs and their attempts
  notifications         reminder e-mail and webhooks: sent, skipped, waiting, failed (radgate notifications --help)
  coa-test NAS --user U send a harmless CoA probe and report exactly what the router answered
  reminder-link USER    print the subscriber's signed reminder-page link (radgate reminder-link --help)
  sessions …            live sessions: list, close (radgate sessions help)
  router-script NAS     print the RouterOS script that makes NAS enforce radgate (radgate router-script --help)
  router-apply NAS      apply that configuration over the RouterOS API (--dry-run: show the plan only)
  reconcile NAS         compare the router's sessions and unpaid list with radgate (--fix: correct the drift)
  prune [--dry-run]     delete the history server.yaml retention no longer keeps (--dry-run: count it only)
  doctor [NAS] [--json] check config, database, keys, the running server, each router and CoA; name every fix
  import router-secrets NAS  bring a router's local PPP/HotSpot entries in; move them to RADIUS (radgate import --help)
  import freeradius     bring subscribers in from a FreeRADIUS (daloRADIUS) SQL database (radgate import --help)
  pki init|issue|server RadSec certificates: a CA, a NAS client certificate, radgate's server certificate (radgate pki --help)

environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in the data directory), RADGATE_CONFIG,
RADGATE_DATA_DIR, RADGATE_PASSWORD_KEY, RADGATE_BIND, RADGATE_AUTH_PORT, RADGATE_ACCT_PORT, RADGATE_HTTP_PORT,
RADGATE_CAPTIVE_PORT, RADGATE_RADSEC_PORT`;

async function start(): Promise<void> {
  const log = createLogger();
  const env = environment();
  const pidFile = path.join(env.dataDir, 'radgate.pid');
  let radgate: Radgate | undefined;
  let stopping = false;
  /** Stops everything in order (accounting in flight committed and answered, claimed jobs released), then exits. */
  const shutdown = (signal: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 15 s; exiting');
      process.exit(exitCode || 1);
    }, 15_000);
    force.unref();
    (radgate?.stop() ?? Promise.resolve()).then(
      () => {
        rmSync(pidFile, { force: true });
        process.exit(exitCode);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(exitCode || 1);
      },
    );
  };
  // Defence in depth (docs/lifecycle.md): an exception nothing caught (a timer callback in a dependency, a promise
  // nobody awaits) leaves the process in an unknown state. The first is logged with its stack; radgate then stops
  // in order and exits 70 (EX_SOFTWARE) so systemd or Docker restarts it. Later ones are only counted.
  let uncaught = 0;
  const onUncaught = (err: unknown, origin: string) => {
    uncaught++;
    if (uncaught === 1) {
      log.fatal({ err, origin }, 'unexpected exception; stopping in order and exiting 70 so the service manager restarts radgate');
    } else {
      log.error({ uncaught, origin }, `unexpected exception #${uncaught} during the shutdown (not logged in full)`);
    }
    shutdown('uncaught exception', ERRORS.INTERNAL.exitCode);
  };
  process.on('uncaughtException', onUncaught);
  radgate = await startRadgate(env, log);
  // `radgate reload` finds the server through this file.
  writePrivateFile(pidFile, `${process.pid}\n`, 'w');
  const running = radgate;
  process.on('SIGHUP', () => void running.reload());
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start();
      return -1; // keep running
    case 'check-config': {
      parseArgs({ args: rest, options: {}, strict: true });
      const config = await loadConfig(environment().configDir, process.env);
      out(
        `configuration OK: ${config.nas.length} NAS, ${config.workspaceById.size} workspace(s), ${config.planByName.size} plan(s)\n`,
      );
      return 0;
    }
    case 'reload': {
      // SIGHUP to the server of this data directory; it re-reads the config or keeps the old one (see its log).
      const config = await loadConfig(environment().configDir, process.env);
      const pidFile = path.join(environment().dataDir, 'radgate.pid');
      let pid: number;
      try {
        pid = Number(readFileSync(pidFile, 'utf8').trim());
        process.kill(pid, 'SIGHUP');
      } catch {
        throw new RadgateError('USAGE', `no running radgate found through ${pidFile}`);
      }
      out(`configuration is valid (${config.nas.length} NAS); reload signal sent to process ${pid}\n`);
      return 0;
    }
    case 'migrate':
      return withContext(async (ctx) => {
        const db = await ctx.db();
        print(`migrations applied (${db.kind}: ${db.location})`);
        return 0;
      });
    case 'subscriber':
      // A bare `radgate subscriber` lists its commands (exit 0), as `radgate` alone does.
      if (asksForHelp(rest, true)) return usage(SUBSCRIBER_USAGE, ['help']);
      return withContext(async (ctx) => print(await subscriberCommand(ctx, rest)));
    case 'enforce':
    case 'coa-test':
      if (asksForHelp(rest, true)) return usage(ENFORCE_USAGE, rest);
      return withContext((ctx) => (command === 'enforce' ? enforceCommand : coaTestCommand)(ctx, rest, live));
    case 'jobs':
      if (asksForHelp(rest, false)) return usage(ENFORCE_USAGE, rest);
      return withContext(async (ctx) => print(await jobsCommand(ctx, rest)));
    case 'notifications':
      if (asksForHelp(rest, false)) return usage(NOTIFICATIONS_USAGE, rest);
      return withContext(async (ctx) => print(await notificationsCommand(ctx, rest)));
    case 'sessions':
      if (asksForHelp(rest, false)) return usage(SESSIONS_USAGE, rest);
      return withContext(async (ctx) => print(await sessionsCommand(ctx, rest)));
    case 'router-script':
    case 'router-apply':
    case 'reconcile':
      if (asksForHelp(rest, true)) return usage(ROUTER_USAGE, rest);
      return withContext(async (ctx) => {
        let output: CommandOutput;
        if (command === 'reconcile') output = await reconcileCommand(ctx, rest);
        else if (command === 'router-apply') output = await routerApplyCommand(await ctx.loadConfig(), rest);
        else output = await routerScriptCommand(await ctx.loadConfig(), rest);
        out(output.text);
        return output.exitCode;
      });
    case 'prune':
      if (asksForHelp(rest, false)) return usage(PRUNE_USAGE, rest);
      return withContext(async (ctx) => {
        const output = await pruneCommand(ctx, rest);
        out(output.text + '\n');
        return output.exitCode;
      });
    case 'explain':
      if (asksForHelp(rest, true)) return usage(EXPLAIN_USAGE, rest);
      return withContext(async (ctx) => print(await explainCommand(ctx, rest)));
    case 'reminder-link':
      if (asksForHelp(rest, true)) return usage(REMINDER_LINK_USAGE, rest);
      return withContext(async (ctx) => print(await reminderLinkCommand(ctx, rest)));
    case 'import':
      if (asksForHelp(rest, true)) return usage(IMPORT_USAGE, rest);
      return withContext(async (ctx) => {
        const output = await importCommand(ctx, rest);
        out(output.text);
        return output.exitCode;
      });
    case 'doctor': {
      if (asksForHelp(rest, false)) return usage(DOCTOR_USAGE, rest);
      const log = createLogger({ level: 'warn', pretty: true, prettyFd: 2 });
      const output = await doctorCommand({ env: environment(), processEnv: process.env, log }, rest);
      out(output.text);
      return output.exitCode;
    }
    case 'billing-help':
      return usage(BILLING_USAGE, ['help']);
    case 'pki':
      if (asksForHelp(rest, false)) return usage(PKI_USAGE, rest);
      print(await pkiCommand(rest));
      return 0;
    case 'admin-token':
      if (asksForHelp(rest, false)) return usage(ADMIN_TOKEN_USAGE, rest);
      print(adminTokenCommand(rest));
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return usage(USAGE, ['help']);
    default:
      if ((BILLING_COMMANDS as readonly string[]).includes(command)) {
        if (asksForHelp(rest, false)) return usage(BILLING_USAGE, rest);
        return withContext(async (ctx) => print(await billingCommand(ctx, command as BillingCommand, rest)));
      }
      throw new RadgateError('USAGE', `unknown command "${command}"\n\n${USAGE}`);
  }
}

/** Everything the CLI prints passes `terminalSafe`: no value it shows can drive the terminal. */
function out(text: string): void {
  process.stdout.write(terminalSafe(text));
}

function printError(text: string): void {
  process.stderr.write(terminalSafe(text));
}

/** Prints a command's result and reports success (0). */
function print(text: string): 0 {
  out(text + '\n');
  return 0;
}

/** Lines as they happen (`enforce` prints each step live). */
const live = { write: (text: string) => out(text) };

/** `help`/`--help` as the first argument; with `required`, no argument at all is a request for help too. */
function asksForHelp(rest: readonly string[], required: boolean): boolean {
  return rest[0] === 'help' || rest[0] === '--help' || (required && rest[0] === undefined);
}

/** The usage text: exit 0 when asked for, USAGE's exit code when the arguments were missing. */
function usage(text: string, rest: readonly string[]): number {
  out(text + '\n');
  return rest[0] === undefined ? ERRORS.USAGE.exitCode : 0;
}

/** Runs a command with its own context (config, database, logger) and closes it whatever happens. */
async function withContext(command: (ctx: CliContext) => number | Promise<number>): Promise<number> {
  const ctx = new CliContext();
  try {
    return await command(ctx);
  } finally {
    await ctx.close();
  }
}

/** The message on stderr; the exit code from the error catalogue (src/errors.ts). */
function report(err: unknown): number {
  if (err instanceof ConfigError) {
    printError(`configuration has ${err.problems.length} problem(s):\n${err.problems.join('\n')}\n`);
    return ERRORS[err.code].exitCode; // 78, EX_CONFIG
  }
  if (err instanceof RadgateError) {
    printError(`radgate: ${err.message}\n`);
    if (err.cause instanceof Error) printError(`  cause: ${err.cause.message}\n`);
    return ERRORS[err.code].exitCode;
  }
  if (err instanceof Error && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    printError(`radgate: ${err.message}\n`);
    return ERRORS.USAGE.exitCode;
  }
  printError(`radgate: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return ERRORS.INTERNAL.exitCode;
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.exitCode = report(err);
  },
);
