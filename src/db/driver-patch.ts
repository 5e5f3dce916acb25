/**
 * radgate talks to PostgreSQL only through a postgres.js that carries its patch (patches/README.md): unpatched, a
 * connection that closes at the wrong moment throws from a timer and kills the whole process. An install that
 * skipped the patch (`npm ci --ignore-scripts` without `node patches/apply.mjs`) is refused with a clear error
 * before the first connection, instead of crashing later under a flapping network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RadgateError } from '../errors.js';

/** The markers the patch's fixes carry (patches/postgres+<version>.patch): an older patch lacks the newer ones. */
export const PATCH_MARKERS = ['radgate-patch: the connection can close', 'radgate-patch: fetchArrayTypes'];

let checked = false;

/** `assertDriverPatched` on the postgres.js this process loads, once per process. */
export function ensureDriverPatched(): void {
  if (checked) return;
  assertDriverPatched(postgresPackageDir());
  checked = true;
}

/** Throws DB_DRIVER_UNPATCHED unless the postgres.js in `packageDir` (its ESM and CommonJS builds) carries the patch. */
export function assertDriverPatched(packageDir: string): void {
  const unpatched = ['src/connection.js', 'cjs/src/connection.js'].filter((file) => {
    try {
      const source = readFileSync(path.join(packageDir, file), 'utf8');
      return !PATCH_MARKERS.every((marker) => source.includes(marker));
    } catch {
      return true;
    }
  });
  if (unpatched.length > 0) {
    throw new RadgateError(
      'DB_DRIVER_UNPATCHED',
      `postgres.js in ${packageDir} lacks radgate's patch (${unpatched.join(', ')}); run \`node patches/apply.mjs\` ` +
        'in the installation directory (npm install and npm ci run it, installs with --ignore-scripts must run it)',
    );
  }
}

function postgresPackageDir(): string {
  // `require.resolve('postgres')` is the CommonJS entry, cjs/src/index.js: the package is two levels up.
  return path.resolve(path.dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');
}
