/**
 * Restart: jobs recorded while no worker runs are picked up at start; radgate killed (SIGKILL) in the middle of
 * the ladder leaves its jobs claimed; after a restart they are taken over when the lease runs out and complete once.
 * radgate runs as a real process (the compiled `bin/radgate.js start`; `npm test` builds it first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { enforcementAttempts, enforcementJobs } from '../../src/db/schema.js';
import { Code } from '../../src/radius/codes.js';
import { RADGATE_BIN } from '../helpers/cli.js';
import { ROOT } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { FakeNas } from '../helpers/fake-nas.js';
import { startTestRadgate } from '../helpers/radgate.js';
import { eventually } from '../helpers/eventually.js';
import { addSubscriber } from '../helpers/subscribers.js';
import { changeStatus, fastWorkers, nasEntry, sessionRow } from './helpers.js';

const USERS = ['ra', 'rb', 'rc', 'rd', 're'];
let database: TestDatabase;
let core1: FakeNas;
let configDir: string;

beforeAll(async () => {
  database = await freshDatabase();
  core1 = await FakeNas.start({ address: '127.0.0.2', secret: 'core1-secret-0123456789' });
  // Setup with workers off: sessions from accounting, then status changes recorded in the outbox.
  const t = await startTestRadgate({
    database,
    config: {
      'server.yaml': (text) => fastWorkers(text, { enabled: false }),
      'nas.yaml': (text) => text + nasEntry('core1', core1, { enforcement: '{ coa_timeout: 1s, coa_tries: 4 }' }),
    },
  });
  configDir = t.configDir;
  for (const [i, user] of USERS.entries()) {
    await addSubscriber(t, { username: user, plan: 'business-50' });
    await core1.accounting(t.radgate.ports.acct, 'Start', { user, sessionId: `r-${user}`, framedIp: `100.66.0.${i + 1}` });
    await eventually(async () => (await sessionRow(t.radgate.database.db, `r-${user}`)) !== undefined);
  }
  for (const user of USERS) await changeStatus(t, user, 'expired');
  await t.stop();
  // From now on the server runs its workers, with a short lease.
  const server = path.join(configDir, 'server.yaml');
  writeFileSync(server, fastWorkers(readFileSync(server, 'utf8').replace(/(\n    enabled:) false/, '$1 true'), { lease: '2s' }));
});

afterAll(async () => {
  await core1?.stop();
  await database?.cleanup();
});

function startServer(): { child: ChildProcess; lines: string[]; listening: Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [RADGATE_BIN, 'start'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      RADGATE_CONFIG: configDir,
      RADGATE_DATA_DIR: database.dataDir,
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      RADGATE_BIND: '127.0.0.1',
      RADGATE_AUTH_PORT: '0',
      RADGATE_ACCT_PORT: '0',
      RADGATE_HTTP_PORT: '0',
      RADGATE_METRICS_PORT: '0',
      RADGATE_CAPTIVE_PORT: '0',
    },
  });
  const lines: string[] = [];
  let buffer = '';
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.includes('"radgate listening"')) resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`radgate exited with ${code}: ${lines.join('\n')}`)));
  });
  child.stderr!.on('data', (d: Buffer) => lines.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, listening, exited };
}

describe('restart', () => {
  it('jobs interrupted by SIGKILL complete once after a restart', async () => {
    core1.coa = 'silent';
    core1.disconnect = 'silent';
    const first = startServer();
    await first.listening;
    // The first instance picked up the jobs recorded while nothing ran, and is mid-ladder on each of them.
    for (const user of USERS) await core1.waitFor((r) => r.code === Code.CoaRequest && r.attributes['User-Name'] === user);
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeRestart = core1.received.length;

    core1.coa = 'ack';
    const second = startServer();
    try {
      await second.listening;
      const done = () => second.lines.filter((l) => l.includes('"enforcement job done"')).length;
      await eventually(() => done() >= USERS.length, 60_000, 'every job done');
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
    // Read the outcome with the server stopped (the embedded database is then opened directly).
    const check = await openDatabase({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, role: 'tool' });
    try {
      const jobs = await check.db.select().from(enforcementJobs);
      expect(jobs.map((j) => j.state)).toEqual(USERS.map(() => 'done'));
      // Claimed by the killed instance (attempt 1, lease expired), then by the new one (attempt 2).
      expect(jobs.map((j) => j.attempts)).toEqual(USERS.map(() => 2));
      const attempts = await check.db.select().from(enforcementAttempts);
      expect(attempts.map((a) => [a.method, a.result])).toEqual(USERS.map(() => ['coa', 'ack']));
      expect(new Set(attempts.map((a) => a.jobId)).size).toBe(USERS.length);
    } finally {
      await check.close();
    }
    // After the restart each session got one CoA, answered once.
    const after = core1.received.slice(beforeRestart).filter((r) => r.code === Code.CoaRequest);
    expect(after.map((r) => r.attributes['User-Name']).sort()).toEqual([...USERS].sort());
    expect(after.every((r) => r.answer === 'ack' && r.try === 1)).toBe(true);
    expect(second.lines.some((l) => l.includes('"enforcement workers stopped"'))).toBe(true);
  });
});
