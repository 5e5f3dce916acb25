/**
 * Composition root: config → database (migrated) → password vault → subscriber directory → RADIUS server.
 * `startRadgate` returns a handle whose `stop()` shuts everything down in order; it never exits the process.
 */
import path from 'node:path';
import { Hono } from 'hono';
import { loadConfig, type Config, type NasConfig } from './config/index.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { createHandlers } from './handlers/index.js';
import type { Logger } from './log.js';
import { ClientRegistry, type ClientDefinition } from './radius/clients.js';
import { makeSecret } from './radius/encode.js';
import { RadiusServer } from './radius/server.js';
import { SubscriberDirectory } from './subscribers/directory.js';
import { PasswordVault } from './subscribers/vault.js';
import { listen } from './web/http.js';

export interface Environment {
  configDir: string;
  dataDir: string;
  databaseUrl: string | undefined;
  passwordKey: string | undefined;
}

export function environment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    configDir: path.resolve(env.RADGATE_CONFIG ?? 'config'),
    dataDir: path.resolve(env.RADGATE_DATA_DIR ?? 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    passwordKey: env.RADGATE_PASSWORD_KEY || undefined,
  };
}

export function passwordKeyFile(config: Config, env: Environment): string {
  return config.server.passwordKeyFile
    ? path.resolve(env.configDir, config.server.passwordKeyFile)
    : path.join(env.dataDir, 'password.key');
}

export function clientDefinitions(config: Config): ClientDefinition<NasConfig>[] {
  return config.nas.map((nas) => ({
    name: nas.name,
    address: nas.address,
    secret: makeSecret(nas.secret),
    requireMessageAuthenticator: nas.requireMessageAuthenticator,
    limitProxyState: nas.limitProxyState,
    data: nas,
  }));
}

export interface Radgate {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly directory: SubscriberDirectory;
  readonly radius: RadiusServer<NasConfig>;
  readonly ports: { auth: number; acct: number; http: number };
  stop(): Promise<void>;
}

export async function startRadgate(env: Environment, log: Logger, processEnv: NodeJS.ProcessEnv = process.env): Promise<Radgate> {
  const config = await loadConfig(env.configDir, processEnv);
  log.level = config.server.logLevel;
  const database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir, role: 'server' });
  const cleanup: Array<() => Promise<void>> = [() => database.close()];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    log.info({ database: database.kind, location: database.location }, 'database opened');
    await database.migrate();
    const vault = PasswordVault.open({ keyFile: passwordKeyFile(config, env), envKey: env.passwordKey, create: true, log });
    const directory = new SubscriberDirectory({ database, vault, log, pollIntervalMs: database.kind === 'postgres' ? 5000 : 1000 });
    await directory.start();
    cleanup.push(() => directory.stop());

    const clients = new ClientRegistry(clientDefinitions(config));
    const radius = new RadiusServer<NasConfig>({
      bind: config.server.bind,
      authPort: config.server.authPort,
      acctPort: config.server.acctPort,
      clients: () => clients,
      handlers: createHandlers({ config: () => config, directory }),
      duplicateWindowMs: config.server.duplicateWindowSeconds * 1000,
      log,
    });
    const radiusPorts = await radius.start();
    cleanup.push(() => radius.stop());

    // The main web app: admin API under /api/v1, reminder pages. Each feature mounts its routes here.
    const web = new Hono();
    web.onError((err, c) => {
      log.error({ err, path: c.req.path }, 'unhandled HTTP error');
      return c.json({ error: 'internal error' }, 500);
    });
    const http = await listen(web, { bind: config.server.bind, port: config.server.httpPort });
    cleanup.push(() => http.close());

    const ports = { ...radiusPorts, http: http.port };
    log.info({ bind: config.server.bind, ...ports, nas: config.nas.length }, 'radgate listening');
    return { config, database, directory, radius, ports, stop: unwind };
  } catch (err) {
    await unwind();
    throw err;
  }
}
