/**
 * The `radgate` command line. The only place that may exit the process: every other module reports through
 * return values and RadgateError, and this file turns them into messages and exit codes.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { environment, startRadgate } from '../app.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { RadgateError } from '../errors.js';
import { createLogger } from '../log.js';
import { CliContext } from './context.js';
import { SUBSCRIBER_USAGE, subscriberCommand } from './subscriber-commands.js';
import { BILLING_COMMANDS, BILLING_USAGE, billingCommand, type BillingCommand } from './billing-commands.js';
import { ADMIN_TOKEN_USAGE, adminTokenCommand } from './admin-token-command.js';
import { coaTestCommand, ENFORCE_USAGE, enforceCommand, jobsCommand } from './enforce-commands.js';
import { REMINDER_LINK_USAGE, reminderLinkCommand } from './reminder-commands.js';
import { SESSIONS_USAGE, sessionsCommand } from './session-commands.js';
import { reconcileCommand, routerApplyCommand, ROUTER_USAGE, routerScriptCommand, type CommandOutput } from './router-commands.js';

const USAGE = `radgate — RADIUS server with billing enforcement for MikroTik ISPs

usage: radgate <command> [options]

  start                 run the server (config: $RADGATE_CONFIG or ./config; data: $RADGATE_DATA_DIR or ./data)
  check-config          validate the configuration and report every problem
  reload                validate the configuration, then tell the running server to apply it (SIGHUP)
  migrate               apply database migrations and exit
  subscriber …          manage subscribers (radgate subscriber help)
  pay USER AMOUNT       record a payment [--ref R] [--method M]; payments [USER]; void ID --reason R
  status USER           status, why, next change and when, open sessions (--set S --reason R | --auto)
  promise USER --until DATE, history USER, disable USER --reason R, enable USER, paid-until USER DATE
  evaluate [--dry-run]  apply the billing thresholds now (radgate billing-help for all billing commands)
  admin-token NAME      create an admin API token [--scope read|write]
  enforce USER          push USER's profile to the live sessions now: CoA → Disconnect → API (radgate enforce --help)
  jobs [--failed] [ID]  enforcement jobs and their attempts
  coa-test NAS --user U send a harmless CoA probe and report exactly what the router answered
  reminder-link USER    print the subscriber's signed reminder-page link (radgate reminder-link --help)
  sessions …            live sessions: list, close (radgate sessions help)
  router-script NAS     print the RouterOS script that makes NAS enforce radgate (radgate router-script --help)
  router-apply NAS      apply that configuration over the RouterOS API (--dry-run: show the plan only)
  reconcile NAS         compare the router's sessions and unpaid list with radgate (--fix: correct the drift)

environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in the data directory), RADGATE_CONFIG,
RADGATE_DATA_DIR, RADGATE_PASSWORD_KEY, RADGATE_BIND, RADGATE_AUTH_PORT, RADGATE_ACCT_PORT, RADGATE_HTTP_PORT,
RADGATE_CAPTIVE_PORT`;

async function start(): Promise<void> {
  const log = createLogger();
  const env = environment();
  const radgate = await startRadgate(env, log);
  // `radgate reload` finds the server through this file.
  const pidFile = path.join(env.dataDir, 'radgate.pid');
  writeFileSync(pidFile, `${process.pid}\n`);
  process.on('SIGHUP', () => void radgate.reload());
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    radgate.stop().then(
      () => {
        rmSync(pidFile, { force: true });
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
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
      process.stdout.write(
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
      process.stdout.write(`configuration is valid (${config.nas.length} NAS); reload signal sent to process ${pid}\n`);
      return 0;
    }
    case 'migrate': {
      const ctx = new CliContext();
      try {
        const db = await ctx.db();
        process.stdout.write(`migrations applied (${db.kind}: ${db.location})\n`);
      } finally {
        await ctx.close();
      }
      return 0;
    }
    case 'subscriber': {
      if (rest[0] === undefined || rest[0] === 'help' || rest[0] === '--help') {
        process.stdout.write(SUBSCRIBER_USAGE + '\n');
        return 0;
      }
      const ctx = new CliContext();
      try {
        process.stdout.write((await subscriberCommand(ctx, rest)) + '\n');
      } finally {
        await ctx.close();
      }
      return 0;
    }
    case 'enforce':
    case 'jobs':
    case 'coa-test': {
      if (rest[0] === 'help' || rest[0] === '--help' || (rest[0] === undefined && command !== 'jobs')) {
        process.stdout.write(ENFORCE_USAGE + '\n');
        return rest[0] === undefined ? 64 : 0;
      }
      const ctx = new CliContext();
      const out = { write: (text: string) => void process.stdout.write(text) };
      try {
        if (command === 'jobs') {
          process.stdout.write((await jobsCommand(ctx, rest)) + '\n');
          return 0;
        }
        return command === 'enforce' ? await enforceCommand(ctx, rest, out) : await coaTestCommand(ctx, rest, out);
      } finally {
        await ctx.close();
      }
    }
    case 'sessions': {
      if (rest[0] === 'help' || rest[0] === '--help') {
        process.stdout.write(SESSIONS_USAGE + '\n');
        return 0;
      }
      const ctx = new CliContext();
      try {
        process.stdout.write((await sessionsCommand(ctx, rest)) + '\n');
      } finally {
        await ctx.close();
      }
      return 0;
    }
    case 'router-script':
    case 'router-apply':
    case 'reconcile': {
      if (rest[0] === undefined || rest[0] === 'help' || rest[0] === '--help') {
        process.stdout.write(ROUTER_USAGE + '\n');
        return rest[0] === undefined ? 64 : 0;
      }
      const ctx = new CliContext();
      try {
        let output: CommandOutput;
        if (command === 'reconcile') output = await reconcileCommand(ctx, rest);
        else if (command === 'router-apply') output = await routerApplyCommand(await ctx.loadConfig(), rest);
        else output = await routerScriptCommand(await ctx.loadConfig(), rest);
        process.stdout.write(output.text);
        return output.exitCode;
      } finally {
        await ctx.close();
      }
    }
    case 'reminder-link': {
      if (rest[0] === undefined || rest[0] === 'help' || rest[0] === '--help') {
        process.stdout.write(REMINDER_LINK_USAGE + '\n');
        return rest[0] === undefined ? 64 : 0;
      }
      const ctx = new CliContext();
      try {
        process.stdout.write((await reminderLinkCommand(ctx, rest)) + '\n');
      } finally {
        await ctx.close();
      }
      return 0;
    }
    case 'billing-help':
      process.stdout.write(BILLING_USAGE + '\n');
      return 0;
    case 'admin-token':
      if (rest[0] === 'help' || rest[0] === '--help') {
        process.stdout.write(ADMIN_TOKEN_USAGE + '\n');
        return 0;
      }
      process.stdout.write(adminTokenCommand(rest) + '\n');
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default: {
      if ((BILLING_COMMANDS as readonly string[]).includes(command)) {
        if (rest[0] === 'help' || rest[0] === '--help') {
          process.stdout.write(BILLING_USAGE + '\n');
          return 0;
        }
        const ctx = new CliContext();
        try {
          process.stdout.write((await billingCommand(ctx, command as BillingCommand, rest)) + '\n');
        } finally {
          await ctx.close();
        }
        return 0;
      }
      throw new RadgateError('USAGE', `unknown command "${command}"\n\n${USAGE}`);
    }
  }
}

function report(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration has ${err.problems.length} problem(s):\n${err.problems.join('\n')}\n`);
    return 78; // EX_CONFIG
  }
  if (err instanceof RadgateError) {
    process.stderr.write(`radgate: ${err.message}\n`);
    if (err.cause instanceof Error) process.stderr.write(`  cause: ${err.cause.message}\n`);
    return err.code === 'USAGE' ? 64 : 1;
  }
  if (err instanceof Error && (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`radgate: ${err.message}\n`);
    return 64;
  }
  process.stderr.write(`radgate: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.exitCode = report(err);
  },
);
