/**
 * Memory per subscriber (`npm run bench -- --only memory`): the subscriber directory as it holds `subscribers`
 * subscribers, measured in this process after garbage collection (heap and external memory, per subscriber and per
 * 100,000), then a radgate process on the same database: its RSS and JS heap once it answers (read from its
 * /metrics). On PostgreSQL when DATABASE_URL is set, else embedded PGlite.
 */
import { openDatabase } from '../src/db/client.js';
import { createLogger } from '../src/log.js';
import { SubscriberDirectory } from '../src/subscribers/directory.js';
import { PasswordVault } from '../src/subscribers/vault.js';
import { prepareData, startServer } from './server-process.js';

export interface MemoryResult {
  directoryBytesPerSubscriber: number;
  serverRssMb: number;
  serverHeapUsedMb: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

export async function benchMemory(subscribers = 100_000, print: (line: string) => void = console.log): Promise<MemoryResult> {
  if (!(globalThis as { gc?: unknown }).gc) throw new Error('memory: run with node --expose-gc (npm run bench does)');
  const data = await prepareData(subscribers);
  try {
    const database = await openDatabase({ databaseUrl: data.databaseUrl, dataDir: data.dataDir, role: 'tool' });
    let perSubscriber: number;
    try {
      gc();
      const before = process.memoryUsage();
      const directory = new SubscriberDirectory({
        database, vault: PasswordVault.fromKey(Buffer.from(data.passwordKey, 'base64')), log: createLogger({ level: 'silent' }), pollIntervalMs: 3_600_000,
      });
      await directory.start();
      gc();
      gc();
      const after = process.memoryUsage();
      perSubscriber = (after.heapUsed - before.heapUsed + after.external - before.external) / directory.size;
      await directory.stop();
    } finally {
      await database.close();
    }
    print(`memory: directory of ${subscribers.toLocaleString('en')} subscribers: ${perSubscriber.toFixed(0)} bytes each, ${((perSubscriber * 100_000) / 1048576).toFixed(1)} MB per 100,000`);

    const server = await startServer({ data, logLevel: 'info' });
    try {
      await new Promise((r) => setTimeout(r, 3000)); // past the load's garbage
      const metrics = await (await fetch(server.metricsUrl!)).text();
      const heapUsed = Number(/^radgate_nodejs_heap_size_used_bytes ([0-9.e+]+)$/m.exec(metrics)?.[1] ?? NaN) / 1048576;
      const rss = server.rssBytes() / 1048576;
      print(`memory: radgate with ${subscribers.toLocaleString('en')} subscribers, 3 s after its first answer: RSS ${rss.toFixed(0)} MB, JS heap used ${heapUsed.toFixed(0)} MB, peak RSS ${(server.peakRssBytes() / 1048576).toFixed(0)} MB`);
      return { directoryBytesPerSubscriber: perSubscriber, serverRssMb: rss, serverHeapUsedMb: heapUsed };
    } finally {
      await server.stop();
    }
  } finally {
    await data.cleanup();
  }
}
