/**
 * Composition root: config → database (migrated) → password vault → subscriber directory → RADIUS server.
 * `startRadgate` returns a handle whose `stop()` shuts everything down in order; it never exits the process.
 */
import path from 'node:path';
import { Hono } from 'hono';
import { loadConfig, type Config, type NasConfig } from './config/index.js';
import { openDatabase, type DatabaseHandle } from './db/client.js';
import { preparePrivateDir } from './db/data-dir.js';
import { createHandlers } from './handlers/index.js';
import { LiveSessions } from './sessions/live-sessions.js';
import { openSessionCounts, pruneClosedSessions } from './sessions/store.js';
import { EnforcementWorkers } from './enforce/workers.js';
import { jobCounts, oldestUnfinishedJobAges, pruneFinishedJobs } from './enforce/jobs.js';
import { ReconcileSchedule } from './enforce/reconcile-schedule.js';
import type { Logger } from './log.js';
import { RateLimitedLog } from './log-limit.js';
import { ClientRegistry, type ClientDefinition } from './radius/clients.js';
import { makeSecret } from './radius/encode.js';
import { RadiusServer } from './radius/server.js';
import { RadsecServer } from './radius/radsec.js';
import { RadsecPeerRegistry } from './radius/radsec-peers.js';
import { RadsecCoaClient } from './radius/radsec-coa.js';
import { SubscriberDirectory } from './subscribers/directory.js';
import { PasswordVault } from './subscribers/vault.js';
import { listen } from './web/http.js';
import { BillingEvaluator } from './billing/evaluator.js';
import { BillingAccounts, databaseClock, pruneSubscriberEvents } from './billing/accounts.js';
import { RetentionSchedule, type RetentionRule } from './db/retention.js';
import type { RetentionConfig } from './config/index.js';
import { SubscriberRecords } from './subscribers/records.js';
import { createAdminApi } from './web/admin/app.js';
import { createCaptiveApp, createReminderRoutes, LinkKeyRing, reminderLink } from './web/reminder/index.js';
import { NotifyWorker } from './notify/worker.js';
import { notificationCounts, pruneNotifications } from './notify/queue.js';
import { prunePaymentCallbacks } from './payments/callbacks.js';
import { createPaymentHooks } from './web/hooks/index.js';
import { Metrics } from './metrics.js';
import { opsApp } from './web/ops.js';
import { ConfigError } from './config/index.js';

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
  // A RadSec-only NAS (no secret of its own) sends no plain RADIUS: it is not a UDP client.
  return config.nas.filter((nas) => nas.radsec?.udp !== false).map((nas) => ({
    name: nas.name,
    address: nas.address,
    secret: makeSecret(nas.secret),
    requireMessageAuthenticator: nas.requireMessageAuthenticator,
    limitProxyState: nas.limitProxyState,
    data: nas,
  }));
}

/**
 * The NAS that speak RadSec, as certificate → client (docs/radsec.md). Each gets its own client with the secret
 * `radsec` (RFC 6614 §2.3); `previous` keeps what `auto` mode learned across a reload.
 */
export function radsecPeers(config: Config, previous?: RadsecPeerRegistry<NasConfig>): RadsecPeerRegistry<NasConfig> {
  return new RadsecPeerRegistry(config.nas.flatMap((nas) => {
    if (nas.radsec === undefined) return [];
    const before = previous?.byName(nas.name);
    const learned = before && before.requireMessageAuthenticator === nas.requireMessageAuthenticator && before.limitProxyState === nas.limitProxyState ? before.learned : {};
    const client = {
      name: nas.name,
      address: nas.address,
      secret: makeSecret('radsec'),
      requireMessageAuthenticator: nas.requireMessageAuthenticator,
      limitProxyState: nas.limitProxyState,
      data: nas,
      learned,
    };
    return [{ fingerprint: nas.radsec.fingerprint, subject: nas.radsec.subject, client }];
  }));
}

/** What retention prunes, each table through its owner (server.yaml `retention:`; src/db/retention.ts runs them). */
export function retentionRules(retention: RetentionConfig): RetentionRule[] {
  return [
    { name: 'sessions', tables: ['sessions'], keepSeconds: retention.sessionsSeconds, prune: pruneClosedSessions },
    {
      name: 'enforcement_jobs',
      tables: ['enforcement_jobs', 'enforcement_attempts'],
      keepSeconds: retention.enforcementJobsSeconds,
      prune: pruneFinishedJobs,
    },
    { name: 'subscriber_events', tables: ['subscriber_events'], keepSeconds: retention.subscriberEventsSeconds, prune: pruneSubscriberEvents },
    { name: 'notifications', tables: ['notifications'], keepSeconds: retention.notificationsSeconds, prune: pruneNotifications },
    { name: 'payment_callbacks', tables: ['payment_callbacks'], keepSeconds: retention.paymentCallbacksSeconds, prune: prunePaymentCallbacks },
  ];
}

export type ReloadResult = { ok: true } | { ok: false; problems: string[] };

export interface Radgate {
  /** The configuration in force (replaced by a successful reload). */
  readonly config: Config;
  readonly metrics: Metrics;
  /** Re-read the configuration; a valid one replaces the old atomically, an invalid one is refused. */
  reload(): Promise<ReloadResult>;
  readonly database: DatabaseHandle;
  readonly directory: SubscriberDirectory;
  /** Live sessions (accounting, simultaneous use, stale sweep). */
  readonly sessions: LiveSessions;
  /** Enforcement workers (CoA → Disconnect → RouterOS API for each subscriber change). */
  readonly enforcement: EnforcementWorkers;
  readonly radius: RadiusServer<NasConfig>;
  /** The RadSec listener (server.radsec); undefined when RadSec is off. */
  readonly radsec: RadsecServer<NasConfig> | undefined;
  readonly ports: { auth: number; acct: number; http: number; metrics: number; captive: number; radsec?: number };
  /** Keys of reminder links (configured, or generated in the data dir). */
  readonly linkKeys: LinkKeyRing;
  /** Billing writes (payments, promises, overrides), each applied at once. */
  readonly billing: BillingAccounts;
  /** The periodic billing run (every server.billing_interval). */
  readonly evaluator: BillingEvaluator;
  /** The periodic retention prune (server.retention). */
  readonly retention: RetentionSchedule;
  /** The notification worker (reminder e-mail, webhooks; docs/notifications.md). */
  readonly notify: NotifyWorker;
  stop(): Promise<void>;
}

export async function startRadgate(env: Environment, log: Logger, processEnv: NodeJS.ProcessEnv = process.env): Promise<Radgate> {
  let config = await loadConfig(env.configDir, processEnv);
  log.level = config.server.logLevel;
  const metrics = new Metrics();
  // A scrape during an outage: the database gauges are left out, one line a minute each (src/log-limit.ts).
  const scrapeErrors = new RateLimitedLog(log);
  metrics.onCollectError = (gauge, err) => scrapeErrors.warn(`gauge|${gauge}`, err, 'metrics: gauge left out of the scrape', { gauge });
  // The data directory holds the keys (and the embedded database): 0700, nothing in it open to other users.
  const tightened = preparePrivateDir(env.dataDir);
  if (tightened.length > 0) {
    log.warn(
      { dataDir: env.dataDir, tightened: tightened.length, paths: tightened.slice(0, 10) },
      'the data directory was open to other users; removed their permissions',
    );
  }
  const database = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir, role: 'server' });
  const cleanup: Array<() => Promise<void>> = [() => database.close()];
  const unwind = async () => {
    for (const step of cleanup.reverse()) await step().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    log.info({ database: database.kind, location: database.location }, 'database opened');
    await database.migrate();
    const vault = PasswordVault.open({ keyFile: passwordKeyFile(config, env), envKey: env.passwordKey, create: true, log });
    const directory = new SubscriberDirectory({ database, vault, log });
    await directory.start();
    cleanup.push(() => directory.stop());

    // Live sessions: accounting (group commit), simultaneous-use tracker, stale sweep. Stopped after the RADIUS
    // server, so accounting in flight is committed and answered first.
    const sessions = new LiveSessions({
      database,
      log,
      staleFactor: () => config.server.staleSessionFactor,
      sweepIntervalSeconds: () => config.server.sessionSweepIntervalSeconds,
      resyncIntervalMs: 30_000,
      writer: { onBatch: metrics.accountingBatch, onRejected: metrics.accountingRecordRejected },
    });
    metrics.gauge('radgate_sessions_open', 'Open sessions by NAS', ['nas'], async (set) => {
      for (const [nas, open] of await openSessionCounts(database.db)) set({ nas }, open);
    });
    metrics.gauge('radgate_enforcement_oldest_job_age_seconds', 'Age of the oldest job waiting or running', ['state'], async (set) => {
      for (const [state, seconds] of await oldestUnfinishedJobAges(database.db)) set({ state }, seconds);
    });
    await sessions.start();
    cleanup.push(() => sessions.stop());

    // Enforcement workers: push each subscriber change to its live sessions. Stopped before sessions and the
    // database; claimed jobs are released for another instance or the next start.
    // CoA/Disconnect: UDP, or over the NAS's RadSec connection when nas.yaml says radsec.coa: connection (docs/radsec.md).
    let radsecListener: RadsecServer<NasConfig> | undefined;
    const coaClient = new RadsecCoaClient({
      bind: /^\d+\.\d+\.\d+\.\d+$/.test(config.server.bind) ? config.server.bind : undefined,
      log,
      overConnection: (name) => config.nas.find((n) => n.name === name)?.radsec?.coa === 'connection',
      radsec: () => radsecListener,
    });
    const enforcement = new EnforcementWorkers({ database, config: () => config, log, onAttempt: metrics.enforcementAttempt, radius: coaClient });
    await enforcement.start();
    cleanup.push(() => enforcement.stop());
    metrics.gauge('radgate_enforcement_jobs', 'Enforcement jobs waiting, in progress and failed (all instances)', ['state'], async (set) => {
      const states = ['pending', 'running', 'failed'] as const;
      const counts = await jobCounts(database.db, states);
      for (const state of states) set({ state }, counts[state] ?? 0);
    });

    // Periodic router reconciliation (nas.yaml router.reconcile_interval), sharing enforcement's API connections.
    const reconciler = new ReconcileSchedule({ config: () => config, database, routers: enforcement.routers, log, vault });
    reconciler.start();
    cleanup.push(() => reconciler.stop());

    let clients = new ClientRegistry(clientDefinitions(config));
    metrics.gauge('radgate_subscribers', 'Subscribers by status (in-memory directory)', ['status'], (set) => {
      for (const [status, count] of directory.countByStatus()) set({ status }, count);
    });
    const radiusHandlers = createHandlers({
      config: () => config,
      directory,
      openSessions: sessions.openSessions,
      record: (r) => sessions.record(r),
      onTextNormalised: metrics.accountingTextNormalisation,
    });
    const radius = new RadiusServer<NasConfig>({
      bind: config.server.bind,
      authPort: config.server.authPort,
      acctPort: config.server.acctPort,
      clients: () => clients,
      handlers: radiusHandlers,
      duplicateWindowMs: config.server.duplicateWindowSeconds * 1000,
      log,
      observer: metrics.radiusObserver(),
    });
    const radiusPorts = await radius.start();
    cleanup.push(() => radius.stop());

    // RadSec (server.radsec, docs/radsec.md): the same handlers over TLS, on one port for authentication and accounting.
    let peers = radsecPeers(config);
    const radsecSettings = config.server.radsec;
    const radsec = radsecSettings === undefined ? undefined : new RadsecServer<NasConfig>({
      bind: config.server.bind,
      port: radsecSettings.port,
      tls: { cert: radsecSettings.cert, key: radsecSettings.key, ca: radsecSettings.ca },
      peers: () => peers,
      handlers: radiusHandlers,
      duplicateWindowMs: config.server.duplicateWindowSeconds * 1000,
      idleTimeoutMs: radsecSettings.idleTimeoutSeconds * 1000,
      maxConnectionsPerNas: radsecSettings.maxConnectionsPerNas,
      maxInFlight: radsecSettings.maxInFlight,
      log,
      observer: metrics.radiusObserver(),
      connections: metrics.radsecObserver(),
    });
    const radsecPort = radsec === undefined ? undefined : await radsec.start();
    radsecListener = radsec;
    if (radsec !== undefined) cleanup.push(() => radsec.stop());

    // Billing (src/billing): payments and operator actions change the status at once and refresh this instance's
    // directory before they return; the evaluator applies the thresholds at start (catching up after downtime) and
    // every billing_interval. The database's clock keeps several instances in agreement about "now".
    const refresh = async (ids: readonly number[]) => {
      // A bulk change notifies `*`, which makes the directory poll; one by one for the usual few.
      if (ids.length <= 100) for (const id of ids) await directory.refresh(id);
    };
    const billingClock = databaseClock(database);
    const billing = new BillingAccounts({ database, config: () => config, clock: billingClock, log, afterChange: refresh });
    const evaluator = new BillingEvaluator({ database, config: () => config, clock: billingClock, log, afterChange: refresh });
    evaluator.start(config.server.billingIntervalSeconds * 1000);
    cleanup.push(() => evaluator.stop());

    // Retention (server.yaml retention): old history pruned through each table's owner, every retention.interval
    // (first 5 minutes after start); settings are read at each run, so a reload applies from the next one.
    const retention = new RetentionSchedule({
      db: database.db,
      rules: () => retentionRules(config.server.retention),
      intervalSeconds: () => config.server.retention.intervalSeconds,
      log,
      onPruned: metrics.retentionPruned,
    });
    retention.start();
    cleanup.push(() => retention.stop());

    // The main web app: admin API under /api/v1, reminder pages. Each feature mounts its routes here.
    const web = new Hono();
    const webErrors = new RateLimitedLog(log);
    web.onError((err, c) => {
      webErrors.error(`web ${c.req.routePath}`, err, 'unhandled HTTP error', { path: c.req.path });
      return c.json({ error: 'internal error' }, 500);
    });
    // Reminder-link keys (configured, or generated in the data dir): the admin API and the reminder pages use them.
    const linkKeys = LinkKeyRing.open({ keys: config.server.linkKeys, dataDir: env.dataDir, create: true, log });
    // Admin API (src/web/admin): bearer tokens from admin.yaml.
    const catalog = { hasWorkspace: (id: string) => config.workspaceById.has(id), hasPlan: (name: string) => config.planByName.has(name), nasWorkspace: (name: string) => config.nas.find((n) => n.name === name)?.workspace };
    web.route('/api/v1', createAdminApi({
      config: () => config, database, billing, evaluator, subscribers: new SubscriberRecords(database, vault, catalog), log, linkKeys,
    }));
    // Reminder pages (/r/<token>, /w/<workspace>, their assets) and the captive redirect on its own port.
    web.route('/', createReminderRoutes({ config: () => config, db: database.db, keys: linkKeys, log }));
    // Payment gateway callbacks (POST /hooks/payments/:provider, docs/payments.md): signed events become payments.
    web.route('/', createPaymentHooks({ config: () => config, db: database.db, billing, log, keys: linkKeys, metrics }).routes);
    // Notifications (src/notify, docs/notifications.md): reminder e-mail and webhooks from the outbox billing fills;
    // the signed reminder link comes from here, so notify does not reach into web/. Stopped before the database;
    // what it holds is released for another instance or the next start.
    const notify = new NotifyWorker({
      database,
      config: () => config,
      log,
      onFinish: metrics.notificationFinished,
      linkFor: async (workspace, subscriber) => (workspace.reminderHost === undefined
        ? undefined
        : (await reminderLink(linkKeys, workspace, subscriber)).url),
    });
    await notify.start();
    cleanup.push(() => notify.stop());
    metrics.gauge('radgate_notifications', 'Notifications waiting, in progress and failed (all instances), by channel', ['channel', 'state'], async (set) => {
      for (const row of await notificationCounts(database.db, ['pending', 'running', 'failed'])) set({ channel: row.channel, state: row.state }, row.count);
    });
    const http = await listen(web, { bind: config.server.bind, port: config.server.httpPort });
    cleanup.push(() => http.close());
    const captive = await listen(createCaptiveApp({ config: () => config, db: database.db, keys: linkKeys, log }), {
      bind: config.server.bind,
      port: config.server.captivePort,
    });
    cleanup.push(() => captive.close());

    let listening = true;
    cleanup.push(async () => {
      listening = false;
    });
    const ops = await listen(
      opsApp(metrics, (err) => scrapeErrors.error('ops', err, 'operations listener: request failed'), [
        { name: 'database', check: () => database.ping() },
        { name: 'config', check: async () => void config },
        {
          name: 'sockets',
          check: async () => {
            if (!listening) throw new Error('shutting down');
          },
        },
      ]),
      { bind: config.server.metricsBind, port: config.server.metricsPort },
    );
    cleanup.push(() => ops.close());

    const reload = async (): Promise<ReloadResult> => {
      try {
        const next = await loadConfig(env.configDir, processEnv);
        const fixed = ['bind', 'authPort', 'acctPort', 'httpPort', 'metricsBind', 'metricsPort', 'captivePort'] as const;
        const needRestart = fixed.filter((key) => next.server[key] !== config.server[key]);
        if (needRestart.length > 0) log.warn({ settings: needRestart }, 'these settings take effect at the next restart');
        // One assignment each: a request sees either the old or the new configuration, never a mix.
        clients = new ClientRegistry(clientDefinitions(next), clients);
        // New RadSec connections are identified by the new list; open ones keep their NAS until they close.
        peers = radsecPeers(next, peers);
        if (JSON.stringify(next.server.radsec) !== JSON.stringify(config.server.radsec)) log.warn({ settings: ['radsec'] }, 'server.radsec takes effect at the next restart');
        config = next;
        log.level = next.server.logLevel;
        metrics.configReloads.inc({ result: 'applied' });
        log.info({ nas: next.nas.length, plans: next.plans.length, workspaces: next.workspaces.length }, 'configuration reloaded');
        return { ok: true };
      } catch (err) {
        metrics.configReloads.inc({ result: 'refused' });
        const problems = err instanceof ConfigError ? [...err.problems] : [(err as Error).message];
        log.error({ problems }, 'configuration reload refused; the previous configuration stays in force');
        return { ok: false, problems };
      }
    };

    const ports = { ...radiusPorts, http: http.port, metrics: ops.port, captive: captive.port, ...(radsecPort === undefined ? {} : { radsec: radsecPort }) };
    log.info({ bind: config.server.bind, ...ports, nas: config.nas.length }, 'radgate listening');
    return {
      get config() {
        return config;
      },
      metrics,
      reload,
      database,
      directory,
      sessions,
      enforcement,
      radius,
      radsec,
      ports,
      linkKeys,
      billing,
      evaluator,
      retention,
      notify,
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
