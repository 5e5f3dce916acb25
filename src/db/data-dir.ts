/**
 * The data directory (RADGATE_DATA_DIR: the embedded database, password.key, link-signing.key, the lock, pid and
 * socket files) is private to the user radgate runs as: the directory and every directory in it 0700, every file
 * 0600. Modes are set with chmod, so the umask does not matter.
 *
 * Rules: the directory is made private before anything is written into it, so nothing in it can be reached by
 * another user at any moment. An existing directory with looser modes (from an older radgate, a restored backup, a
 * copy) is tightened, not refused — only group and other permissions are removed, the owner's are kept — and the
 * caller logs what changed; an entry this user cannot change (another owner) is an error. Symbolic links are neither
 * followed nor changed. PGlite writes the files of a new cluster world-readable whatever the umask (its file system
 * layer sets their modes itself), so the embedded database's directory is tightened again after it opens and when
 * it closes (client.ts); a process-wide umask would not reach those files, and would change every other file the
 * process creates meanwhile.
 */
import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RadgateError } from '../errors.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) when absent, sets it to 0700 and removes group and other permissions from
 * everything in it. Returns the paths it changed (empty when all was private already).
 */
export function preparePrivateDir(dir: string): string[] {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (err) {
    throw new RadgateError('DATA_DIR', `cannot create the data directory ${dir}`, { cause: err });
  }
  const changed: string[] = [];
  const root = statSync(dir); // the directory itself may be a symbolic link to where the data lives
  if ((root.mode & 0o777) !== PRIVATE_DIR_MODE) {
    setMode(dir, PRIVATE_DIR_MODE, root.uid);
    changed.push(dir);
  }
  for (const name of readdirSync(dir)) tighten(path.join(dir, name), changed);
  return changed;
}

/** Removes group and other permissions from `entry` and, for a directory, everything below it; adds to `changed`. */
export function tighten(entry: string, changed: string[] = []): string[] {
  let stat;
  try {
    stat = lstatSync(entry);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return changed; // removed meanwhile (a temp file)
    throw new RadgateError('DATA_DIR', `cannot inspect ${entry} in the data directory`, { cause: err });
  }
  if (stat.isSymbolicLink()) return changed;
  if ((stat.mode & 0o077) !== 0) {
    setMode(entry, stat.mode & 0o700, stat.uid);
    changed.push(entry);
  }
  if (stat.isDirectory()) for (const name of readdirSync(entry)) tighten(path.join(entry, name), changed);
  return changed;
}

/**
 * Writes `data` to a new file (`flag` `wx`: fails with EEXIST when it exists) or over an old one (`w`), mode 0600
 * whatever the umask or the old file's mode. Errors are the file system's (the caller words them).
 */
export function writePrivateFile(file: string, data: string, flag: 'w' | 'wx'): void {
  const fd = openSync(file, flag, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

function setMode(entry: string, mode: number, owner: number): void {
  try {
    chmodSync(entry, mode);
  } catch (err) {
    const whose = process.getuid === undefined || owner === process.getuid() ? '' : ` (it belongs to uid ${owner}, radgate runs as uid ${process.getuid()})`;
    throw new RadgateError(
      'DATA_DIR',
      `cannot make ${entry} private to radgate's user${whose}: give the data directory and everything in it to the user radgate runs as`,
      { cause: err },
    );
  }
}
