/**
 * The data directory is private to the user radgate runs as: created 0700, every directory in it 0700 and every
 * file (the embedded database, password.key, link-signing.key, radgate.pid, radgate.lock, the Unix socket) 0600,
 * whatever the umask; an existing directory with looser modes is tightened at start, with a warning in the log.
 * Runs `radgate start` as the operator does, and radgate in-process with umask 000.
 */
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../helpers/config.js';
import { freshDatabase } from '../helpers/database.js';
import { startTestRadgate } from '../helpers/radgate.js';
import { freeUdpPort, RadgateProcess } from '../sessions/process.js';

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-datadir-'));
  temp.push(dir);
  return dir;
}

/** Every entry of `dir` (itself included) whose mode is not 0700 (directory) or 0600 (anything else), as `mode path`. */
function notPrivate(dir: string): string[] {
  const out: string[] = [];
  const visit = (entry: string) => {
    const stat = lstatSync(entry);
    if (stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o7777;
    if (mode !== (stat.isDirectory() ? 0o700 : 0o600)) out.push(`${mode.toString(8).padStart(4, '0')} ${path.relative(dir, entry) || '.'}`);
    if (stat.isDirectory()) for (const name of readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(dir);
  return out;
}

/** The names radgate keeps in its data directory (the embedded database's only without DATABASE_URL). */
function expectedNames(withPglite: boolean): string[] {
  return ['link-signing.key', 'password.key', ...(withPglite ? ['.s.PGSQL.5432', 'pglite', 'radgate.lock'] : [])];
}

describe('radgate start', () => {
  it('creates the data directory 0700 and everything in it 0600/0700, also what it writes while running', async () => {
    const dataDir = path.join(tempDir(), 'data'); // does not exist yet: radgate creates it
    const database = await freshDatabase(); // PGlite in dataDir, or a PostgreSQL database when DATABASE_URL is set
    const databaseUrl = database.databaseUrl;
    const server = new RadgateProcess({
      configDir: testConfig({ 'server.yaml': (text) => text.replace(/log_level: .*\n/, 'log_level: warn\n') }),
      dataDir,
      databaseUrl,
      authPort: await freeUdpPort(),
      acctPort: await freeUdpPort(),
    });
    try {
      await server.start();
      // A CLI command while the server runs: it reaches the server's database (its socket) and its keys.
      const added = server.cli(['subscriber', 'add', 'alice', '--plan', 'home-10', '--account', 'ACC-1', '--password', 'wonderland']);
      expect(added.status, added.stderr).toBe(0);
      expect(readdirSync(dataDir).sort()).toEqual(expect.arrayContaining([...expectedNames(!databaseUrl), 'radgate.pid'].sort()));
      expect(notPrivate(dataDir)).toEqual([]);
    } finally {
      expect(await server.stop(), server.output).toBe(0);
      await database.cleanup();
    }
    expect(notPrivate(dataDir)).toEqual([]);
  });
});

describe('radgate in-process, umask 000', () => {
  it('tightens an existing data directory with loose modes and says so in the log; symlinks are not followed', async () => {
    const root = tempDir();
    const dataDir = path.join(root, 'data');
    const outside = path.join(root, 'outside.txt'); // not radgate's: a symlink to it must not change it
    writeFileSync(outside, 'not radgate\n');
    chmodSync(outside, 0o644);
    mkdirSync(path.join(dataDir, 'old'), { recursive: true });
    writeFileSync(path.join(dataDir, 'old', 'notes.txt'), 'left by an older radgate\n');
    writeFileSync(path.join(dataDir, 'radgate.pid'), '1\n');
    symlinkSync(outside, path.join(dataDir, 'outside-link'));
    chmodSync(path.join(dataDir, 'old', 'notes.txt'), 0o666);
    chmodSync(path.join(dataDir, 'radgate.pid'), 0o644);
    chmodSync(path.join(dataDir, 'old'), 0o777);
    chmodSync(dataDir, 0o755);

    const database = await freshDatabase();
    const previous = process.umask(0o000);
    let t: Awaited<ReturnType<typeof startTestRadgate>> | undefined;
    try {
      t = await startTestRadgate({ database: { ...database, dataDir } });
      expect(readdirSync(dataDir)).toEqual(expect.arrayContaining(expectedNames(!database.databaseUrl)));
      expect(notPrivate(dataDir)).toEqual([]);
      const warning = t.logs.find((l) => l.msg === 'the data directory was open to other users; removed their permissions');
      expect(warning).toMatchObject({ level: 40, dataDir });
      expect(warning!.tightened).toBeGreaterThanOrEqual(4); // the directory, old/, old/notes.txt, radgate.pid
    } finally {
      await t?.stop();
      process.umask(previous);
      await database.cleanup();
    }
    expect(notPrivate(dataDir)).toEqual([]);
    expect(lstatSync(outside).mode & 0o777).toBe(0o644);
  });
});
