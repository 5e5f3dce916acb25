/**
 * Event-loop pauses under load with many open sessions (`npm run bench -- --only pauses`): `subscribers`
 * subscribers and as many open sessions (of other subscriber ids, so no login is refused for simultaneous use),
 * a fixed PAP rate open loop for `seconds` (long enough for the periodic work — the session tracker's re-read every
 * 30 s, the directory's poll, the stale sweep — to run), the longest event-loop pause in each 10 s window (radgate's
 * /metrics, perf_hooks.monitorEventLoopDelay) and the latency from each request's due time. On PostgreSQL when
 * DATABASE_URL is set, else embedded PGlite.
 */
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { runLoad } from './load.js';
import { RequestFactory } from './requests.js';
import { eventLoopMaxMs, prepareData, startServer } from './server-process.js';

export interface PausesOptions {
  subscribers: number;
  rate: number;
  seconds: number;
}

export const PAUSES_DEFAULTS: PausesOptions = { subscribers: 100_000, rate: 2000, seconds: 70 };

export async function benchPauses(options: Partial<PausesOptions> = {}, print: (line: string) => void = console.log): Promise<{ windowsMs: number[]; p99Ms: number; p999Ms: number; maxMs: number }> {
  const o = { ...PAUSES_DEFAULTS, ...options };
  const data = await prepareData(o.subscribers);
  try {
    const database = await openDatabase({ databaseUrl: data.databaseUrl, dataDir: data.dataDir, role: 'tool' });
    try {
      await database.db.execute(sql`insert into sessions (workspace_id, nas_name, nas_address, acct_session_id, class, username,
          subscriber_id, started_at, last_seen, last_status, interim_interval)
        select 'default', 'local', '127.0.0.1', 'p' || s.id, 'rg1:' || s.id, s.username, s.id + 100000000, now(), now(), 'Start', 3600
        from subscribers s`);
    } finally {
      await database.close();
    }
    const server = await startServer({ data, logLevel: 'info' });
    try {
      const factory = new RequestFactory('pap', server.secret, o.subscribers, 3);
      await eventLoopMaxMs(server); // restarts the pause histogram
      const windows: number[] = [];
      const timer = setInterval(() => void eventLoopMaxMs(server).then((ms) => windows.push(ms)), 10_000);
      const result = await runLoad({
        port: server.authPort, secret: server.secret, requests: o.rate * o.seconds, concurrency: 1024, build: (id) => factory.build(id),
        expectCode: 2, timeoutMs: 2000, maxDurationMs: (o.seconds + 30) * 1000, ratePerSecond: o.rate,
      });
      clearInterval(timer);
      const due = result.fromDueMs ?? result.latencyMs;
      print(`pauses: ${o.subscribers.toLocaleString('en')} subscribers and open sessions, ${o.rate}/s PAP for ${o.seconds} s: longest event-loop pause per 10 s window ${windows.map((w) => w.toFixed(0)).join(' ')} ms; ` +
        `latency from due time p99 ${due.p99.toFixed(1)} ms, p99.9 ${due.p999.toFixed(1)} ms, max ${due.max.toFixed(1)} ms; ${result.lost} lost, ${result.wrongCode} wrong code; ` +
        `server peak RSS ${(server.peakRssBytes() / 1048576).toFixed(0)} MB`);
      return { windowsMs: windows, p99Ms: due.p99, p999Ms: due.p999, maxMs: due.max };
    } finally {
      await server.stop();
    }
  } finally {
    await data.cleanup();
  }
}
