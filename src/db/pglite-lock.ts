/**
 * The embedded database may be opened by one process only. That process holds `<data>/radgate.lock` (its pid) and,
 * when it is the server, shares the database over a Unix socket so CLI commands keep working while it runs.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { RadgateError } from '../errors.js';
import { writePrivateFile } from './data-dir.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock or explain who holds it. Returns the release function. */
export function acquirePgliteLock(dataDir: string): () => void {
  const file = path.join(dataDir, 'radgate.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writePrivateFile(file, String(process.pid), 'wx');
      return () => {
        try {
          unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
        throw new RadgateError(
          'DB_UNREACHABLE',
          `the embedded database in ${dataDir} is in use by process ${holder} and it does not share it ` +
            `(a radgate server shares it over ${path.join(dataDir, '.s.PGSQL.5432')})`,
        );
      }
      unlinkSync(file); // stale lock from a process that died
    }
  }
  throw new RadgateError('DB_UNREACHABLE', `cannot take the lock ${file}`);
}

export const PGLITE_SOCKET_NAME = '.s.PGSQL.5432';
