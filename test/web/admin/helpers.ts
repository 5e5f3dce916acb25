/** The admin API in-process (`app.request()`, no port) on a fresh database, with tokens and captured logs. */
import { Writable } from 'node:stream';
import { BillingEvaluator } from '../../../src/billing/evaluator.js';
import { BillingAccounts } from '../../../src/billing/accounts.js';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { openDatabase, type DatabaseHandle } from '../../../src/db/client.js';
import { createLogger } from '../../../src/log.js';
import { adminRoutes, createAdminApi } from '../../../src/web/admin/app.js';
import { generateToken } from '../../../src/web/admin/auth.js';
import type { AdminDeps } from '../../../src/web/admin/deps.js';
import type { Route } from '../../../src/web/admin/route-table.js';
import { testConfig } from '../../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../../helpers/database.js';
import { recordsOn } from '../../helpers/subscribers.js';

export interface AdminBench {
  config: Config;
  database: DatabaseHandle;
  testDatabase: TestDatabase;
  deps: AdminDeps;
  routes: Route[];
  clock: { now: Date };
  tokens: { write: string; read: string };
  logs: Array<Record<string, unknown>>;
  rawLog: () => string;
  /** `app.request` with the write token unless `token` says otherwise (null: no Authorization header). */
  call(method: string, path: string, options?: { body?: unknown; token?: string | null; raw?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function adminBench(options: { start?: string; workspaces?: string; config?: Record<string, string | ((t: string) => string)> } = {}): Promise<AdminBench> {
  const write = generateToken('billing-system', 'write');
  const read = generateToken('dashboard', 'read');
  const edits: Record<string, string | ((t: string) => string)> = { 'admin.yaml': `tokens:\n${write.yaml}\n${read.yaml}\n` };
  if (options.workspaces) edits['workspaces.yaml'] = options.workspaces;
  Object.assign(edits, options.config);
  const config = await loadConfig(testConfig(edits), {});
  const testDatabase = await freshDatabase();
  const database = await openDatabase({ databaseUrl: testDatabase.databaseUrl, dataDir: testDatabase.dataDir, role: 'tool' });
  await database.migrate();
  const chunks: string[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const clock = { now: new Date(options.start ?? '2025-01-15T12:00:00Z') };
  const common = { database, config: () => config, clock: () => clock.now, log };
  const billing = new BillingAccounts(common);
  const deps: AdminDeps = {
    config: () => config,
    database,
    billing,
    evaluator: new BillingEvaluator(common),
    subscribers: recordsOn(database, config),
    log,
  };
  const api = createAdminApi(deps);
  const tokens = { write: write.token, read: read.token };
  return {
    config,
    database,
    testDatabase,
    deps,
    routes: adminRoutes(deps),
    clock,
    tokens,
    logs,
    rawLog: () => chunks.join(''),
    async call(method, path, o = {}) {
      const headers: Record<string, string> = {};
      const token = o.token === undefined ? tokens.write : o.token;
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      const body = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      return api.request(path, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    async close() {
      await database.close();
      await testDatabase.cleanup();
    },
  };
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
