// A postgres.js client for test/db/driver-patch.test.ts: `node array-types-client.mjs <postgres package dir> <url>`.
// Its first query opens the connection; the test's proxy cuts that connection while the driver's own start-up
// query for array types runs. Prints the first query's outcome as a JSON line, then, once the test writes a line to
// stdin (the path is back), whether a query works again, and exits 0. No unhandledRejection handler on purpose: with
// the defect, Node ends the process on the driver's unhandled rejection (exit code 1).
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [packageDir, url] = process.argv.slice(2);
const { default: postgres } = await import(pathToFileURL(path.join(packageDir, 'src', 'index.js')).href);
const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const first = await sql`select 1 as one`.then(() => 'ok', (err) => `rejected: ${err.code ?? err.message}`);
process.stdout.write(`${JSON.stringify({ first })}\n`);
await lines.next();
let afterwards = 'never';
for (const deadline = Date.now() + 10_000; afterwards !== 'ok' && Date.now() < deadline; ) {
  afterwards = await sql`select 1 as one`.then(() => 'ok', (err) => `rejected: ${err.code ?? err.message}`);
  if (afterwards !== 'ok') await new Promise((resolve) => setTimeout(resolve, 200));
}
process.stdout.write(`${JSON.stringify({ afterwards })}\n`);
process.exit(0);
