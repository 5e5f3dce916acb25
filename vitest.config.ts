import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

// The test modules that start the compiled binary (bin/radgate.js, which loads dist/).
const STARTS_BINARY = new Set(['test/helpers/cli.ts', 'test/sessions/process.ts'].map((file) => path.join(ROOT, file)));
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)\.js'/g;

/** Whether a test module imports one of STARTS_BINARY, directly or through other test modules. */
function startsBinary(file: string, seen = new Set<string>()): boolean {
  if (STARTS_BINARY.has(file)) return true;
  if (seen.has(file) || !file.startsWith(path.join(ROOT, 'test') + path.sep) || !existsSync(file)) return false;
  seen.add(file);
  for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
    if (startsBinary(path.resolve(path.dirname(file), `${specifier}.ts`), seen)) return true;
  }
  return false;
}

const processTests = readdirSync(path.join(ROOT, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => path.posix.join('test', file.split(path.sep).join('/')))
  .filter((file) => startsBinary(path.join(ROOT, file)));

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The machine has 2 cores; each worker may hold an embedded database.
    maxWorkers: 2,
    reporters: ['default'],
    // `unit`: in-process on the TypeScript sources, no build. `process`: test files that start bin/radgate.js; its
    // global setup builds dist/ once, and only when one of them is selected (test/README.md).
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...processTests] } },
      // A process test starts the binary many times (each start opens the database and runs migrations: about a
      // second on an idle machine, several under CI's load), so its budget is larger. It is a hang guard, not a
      // speed check.
      { extends: true, test: { name: 'process', include: processTests, globalSetup: ['test/helpers/build.ts'], testTimeout: 180_000 } },
    ],
  },
});
