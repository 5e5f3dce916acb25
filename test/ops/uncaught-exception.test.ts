/**
 * Defence in depth (docs/lifecycle.md): an exception that nothing catches is logged once with its stack, later ones
 * are counted, radgate stops in order (accounting answered before is committed, the pid file removed) and exits 70
 * so the service manager restarts it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { ROOT, testConfig } from '../helpers/config.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';
import { allSessions, RetryingNas } from '../sessions/helpers.js';
import { freeUdpPort, RadgateProcess } from '../sessions/process.js';

let testDb: TestDatabase;
let server: RadgateProcess;
let acctPort: number;

beforeAll(async () => {
  testDb = await freshDatabase();
  server = new RadgateProcess({
    configDir: testConfig(),
    dataDir: testDb.dataDir,
    databaseUrl: testDb.databaseUrl,
    authPort: await freeUdpPort(),
    acctPort: (acctPort = await freeUdpPort()),
    nodeArgs: ['--import', path.join(ROOT, 'test/ops/throw-on-signal.mjs')],
  });
});
afterAll(async () => {
  await server?.kill9();
  await testDb?.cleanup();
});

it('an uncaught exception: one log line with its stack, an orderly stop, exit code 70', async () => {
  await server.start();
  const nas = await new RetryingNas(acctPort, { sockets: 1, retryMs: 250 }).open();
  await nas.send({ 'User-Name': 'alice', 'Acct-Session-Id': 'before-the-crash', 'NAS-IP-Address': '10.0.0.1', 'Acct-Status-Type': 1 });
  nas.close();
  expect(existsSync(path.join(testDb.dataDir, 'radgate.pid'))).toBe(true);

  server.signal('SIGUSR2');
  expect(await server.exit()).toBe(70);

  const lines = server.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
  const fatal = lines.filter((l) => l.level === 60);
  expect(fatal).toHaveLength(1);
  expect(fatal[0]!.msg).toMatch(/unexpected exception; stopping in order and exiting 70/);
  expect(fatal[0]!.err.stack).toMatch(/thrown from a timer callback\n\s+at Immediate\.<anonymous> \(.*throw-on-signal\.mjs/);
  expect(lines.filter((l) => /unexpected exception #2 during the shutdown/.test(l.msg))).toHaveLength(1);
  expect(server.output).not.toContain('a second one, during the shutdown'); // counted, not logged in full
  expect(lines.some((l) => l.msg === 'shutting down')).toBe(true);
  expect(existsSync(path.join(testDb.dataDir, 'radgate.pid'))).toBe(false);

  const database = await openDatabase({ databaseUrl: testDb.databaseUrl, dataDir: testDb.dataDir, role: 'tool' });
  try {
    expect((await allSessions(database.db)).map((s) => s.acctSessionId)).toContain('before-the-crash');
  } finally {
    await database.close();
  }
});
