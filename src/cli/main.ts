/**
 * The `radgate` command line. The only place that may exit the process: every other module reports through
 * return values and RadgateError, and this file turns them into messages and exit codes.
 */
import { parseArgs } from 'node:util';
import { environment, startRadgate } from '../app.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { RadgateError } from '../errors.js';
import { createLogger } from '../log.js';
import { CliContext } from './context.js';
import { SUBSCRIBER_USAGE, subscriberCommand } from './subscriber.js';

const USAGE = `radgate — RADIUS server with billing enforcement for MikroTik ISPs

usage: radgate <command> [options]

  start                 run the server (config: $RADGATE_CONFIG or ./config; data: $RADGATE_DATA_DIR or ./data)
  check-config          validate the configuration and report every problem
  migrate               apply database migrations and exit
  subscriber …          manage subscribers (radgate subscriber help)

environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite in the data directory), RADGATE_CONFIG,
RADGATE_DATA_DIR, RADGATE_PASSWORD_KEY, RADGATE_BIND, RADGATE_AUTH_PORT, RADGATE_ACCT_PORT, RADGATE_HTTP_PORT`;

async function start(): Promise<void> {
  const log = createLogger();
  const env = environment();
  const radgate = await startRadgate(env, log);
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
      () => process.exit(0),
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
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      throw new RadgateError('USAGE', `unknown command "${command}"\n\n${USAGE}`);
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
