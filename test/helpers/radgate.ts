/** Start radgate in-process for a test: fresh database, example config (edited), ports chosen by the OS. */
import { Writable } from 'node:stream';
import { startRadgate, type Radgate } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { testConfig } from './config.js';
import { freshDatabase, type TestDatabase } from './database.js';

export interface TestRadgate {
  radgate: Radgate;
  database: TestDatabase;
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** Every log line written so far, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Raw log text (to assert that no secret ever appears). */
  rawLog: () => string;
  stop(): Promise<void>;
}

export async function startTestRadgate(options: { config?: Parameters<typeof testConfig>[0]; database?: TestDatabase; env?: NodeJS.ProcessEnv } = {}): Promise<TestRadgate> {
  const configDir = testConfig({
    'server.yaml': (t) => t.replace(/reject_delay:.*\n/, 'reject_delay: 0.2\n'),
    ...options.config,
  });
  const database = options.database ?? (await freshDatabase());
  const chunks: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString();
      chunks.push(text);
      for (const line of text.split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const env: NodeJS.ProcessEnv = {
    RADGATE_BIND: '127.0.0.1',
    RADGATE_AUTH_PORT: '0',
    RADGATE_ACCT_PORT: '0',
    RADGATE_HTTP_PORT: '0',
    RADGATE_METRICS_PORT: '0',
    RADGATE_CAPTIVE_PORT: '0',
    ...options.env,
  };
  const radgate = await startRadgate(
    { configDir, dataDir: database.dataDir, databaseUrl: database.databaseUrl, passwordKey: undefined },
    createLogger({ level: 'debug', destination }),
    env,
  );
  return {
    radgate,
    database,
    configDir,
    env,
    logs,
    rawLog: () => chunks.join(''),
    async stop() {
      await radgate.stop();
      if (!options.database) await database.cleanup();
    },
  };
}
