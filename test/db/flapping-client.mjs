// A postgres.js client under load, for test/db/driver-patch.test.ts: `node flapping-client.mjs <postgres package
// dir> <url> <load ms>`. Eight loops run transactions (the shape of radgate's group-commit writer) for <load ms>,
// failures included; then, once the test has restored the path, every pooled connection must still work. Prints
// one JSON line and exits 0; a driver defect that throws from a timer kills it with exit code 1 instead.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [packageDir, url, loadMs] = process.argv.slice(2);
const { default: postgres } = await import(pathToFileURL(path.join(packageDir, 'src', 'index.js')).href);
const sql = postgres(url, { max: 4, onnotice: () => {}, connect_timeout: 2 });
let committed = 0;
let failed = 0;
// Seen once in CI under cuts: a connect error that postgres.js rejects with no handler attached (not the nextWrite
// defect, which throws from a timer). Counted and reported so the test can tell the two apart.
const unhandled = [];
process.on('unhandledRejection', (err) => unhandled.push(String(err && err.code ? err.code : err)));
let loading = true;

async function load() {
  while (loading) {
    try {
      await sql.begin(async (tx) => {
        await tx`select 1`;
        await tx`select ${'x'}::text`;
      });
      committed++;
    } catch {
      failed++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

const loops = Array.from({ length: 8 }, load);
await new Promise((resolve) => setTimeout(resolve, Number(loadMs)));
loading = false;
await Promise.all(loops);
// A connection left with a stale write timer never sends again: its transaction would hang here.
const everyConnection = Promise.all(Array.from({ length: 4 }, () => sql.begin((tx) => tx`select pg_sleep(0.2)`)));
const outcome = await Promise.race([
  everyConnection.then(() => 'ok', (err) => `error: ${err.message}`),
  new Promise((resolve) => setTimeout(() => resolve('hung'), 15_000)),
]);
process.stdout.write(`${JSON.stringify({ committed, failed, afterwards: outcome, unhandled })}\n`);
process.exit(0);
