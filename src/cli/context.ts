/** What CLI commands share: environment, config, logger, database and the subscriber service, opened on demand. */
import { environment, passwordKeyFile, type Environment } from '../app.js';
import { loadConfig, type Config } from '../config/index.js';
import { openDatabase, type DatabaseHandle } from '../db/client.js';
import { RadgateError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { SubscriberRecords, type SubscriberCatalog } from '../subscribers/records.js';
import { PasswordVault } from '../subscribers/vault.js';

export class CliContext {
  readonly env: Environment = environment();
  // Tools talk to a person: warnings go to stderr, readable.
  readonly log: Logger = createLogger({ level: 'warn', pretty: true, prettyFd: 2 });
  private config?: Config;
  private database?: DatabaseHandle;

  async loadConfig(): Promise<Config> {
    this.config ??= await loadConfig(this.env.configDir, process.env);
    return this.config;
  }

  async db(): Promise<DatabaseHandle> {
    if (!this.database) {
      this.database = await openDatabase({ databaseUrl: this.env.databaseUrl, dataDir: this.env.dataDir, role: 'tool' });
      await this.database.migrate();
    }
    return this.database;
  }

  catalog(config: Config): SubscriberCatalog {
    return { hasWorkspace: (id) => config.workspaceById.has(id), hasPlan: (name) => config.planByName.has(name), nasWorkspace: (name: string) => config.nas.find((n) => n.name === name)?.workspace };
  }

  /** The workspace a command means: --workspace, or the only one configured. */
  workspace(config: Config, given: string | undefined): string {
    if (given !== undefined) {
      if (!config.workspaceById.has(given)) throw new RadgateError('WORKSPACE_UNKNOWN', `unknown workspace "${given}"`);
      return given;
    }
    if (config.workspaceById.size === 1) return [...config.workspaceById.keys()][0]!;
    throw new RadgateError('USAGE', `several workspaces are configured: say which with --workspace (${[...config.workspaceById.keys()].join(', ')})`);
  }

  /** Subscriber records with the password key; `createKey: false` for commands that must write nothing. */
  async subscribers(options: { createKey?: boolean } = {}): Promise<SubscriberRecords> {
    const config = await this.loadConfig();
    const create = options.createKey ?? true;
    const vault = PasswordVault.open({ keyFile: passwordKeyFile(config, this.env), envKey: this.env.passwordKey, create, log: this.log });
    return new SubscriberRecords(await this.db(), vault, this.catalog(config));
  }

  async close(): Promise<void> {
    await this.database?.close();
  }
}
