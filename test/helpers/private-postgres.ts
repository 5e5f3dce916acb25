/**
 * A PostgreSQL cluster of one test's own (initdb into a temp dir, its own port), for tests that crash the database
 * server itself: the PostgreSQL that DATABASE_URL names is shared by every test file and is never stopped. As root
 * the cluster runs as the `postgres` user (PostgreSQL refuses to run as root), otherwise as the current user.
 *
 * `crash()` is `pg_ctl stop -m immediate`: every server process quits at once, without a checkpoint, and the next
 * `start()` runs crash recovery from the WAL — what an OOM kill of the postmaster or a `kill -9` does.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest installed server binaries (Debian layout: /usr/lib/postgresql/<major>/bin). */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  return majors.map((v) => path.join(root, v, 'bin')).find((dir) => existsSync(path.join(dir, 'initdb')));
}

/** The `postgres` user's uid and gid, when there is one. */
function postgresUser(): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const isRoot = () => process.getuid?.() === 0;

/** Why a private cluster cannot run on this machine; undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!binDir()) return 'no PostgreSQL server binaries (initdb) under /usr/lib/postgresql';
  if (isRoot()) {
    if (spawnSync('runuser', ['--help']).error) return 'running as root without runuser';
    if (!postgresUser()) return 'running as root without a postgres user';
  }
  return undefined;
}

async function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrivatePostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> (trust authentication). */
  url(database?: string): string;
  /** Start and wait until it accepts connections (after a crash: once recovery is done). */
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`. */
  crash(): Promise<void>;
  /** The server log so far, for a failing test's message. */
  log(): string;
  /** Stop it if it runs and delete its files; safe to call more than once. */
  destroy(): Promise<void>;
}

/** initdb a new cluster; `start()` it next. Throws with the reason when privatePostgresUnavailable() would. */
export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const unavailable = privatePostgresUnavailable();
  if (unavailable) throw new Error(`no private PostgreSQL: ${unavailable}`);
  const bin = binDir()!;
  const base = mkdtempSync(path.join(os.tmpdir(), 'radgate-pg-'));
  const data = path.join(base, 'data');
  const sockets = path.join(base, 'sockets');
  const logFile = path.join(base, 'server.log');
  mkdirSync(sockets);
  const owner = isRoot() ? postgresUser()! : undefined;
  if (owner) for (const dir of [base, sockets]) chownSync(dir, owner.uid, owner.gid);
  const port = await freeTcpPort();

  // As the cluster's owner, from a directory it may enter.
  const pg = (tool: string, args: string[]) => {
    const command = path.join(bin, tool);
    return owner
      ? run('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: base })
      : run(command, args, { cwd: base });
  };
  const pgSync = (tool: string, args: string[]) => {
    const command = path.join(bin, tool);
    if (owner) spawnSync('runuser', ['-u', 'postgres', '--', command, ...args], { cwd: base });
    else spawnSync(command, args, { cwd: base });
  };
  const running = () => existsSync(path.join(data, 'postmaster.pid'));

  // --no-sync: initdb skips fsync of the new files. The test crashes server processes, not the machine, so what
  // was written reaches the files either way; fsync stays on for the running server (the default).
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);

  // Last resort if the test process ends without its afterAll: leave no server behind.
  const onExit = () => {
    if (running()) pgSync('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
  };
  process.once('exit', onExit);

  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async start() {
      const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1`;
      await pg('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    },
    async crash() {
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async destroy() {
      process.off('exit', onExit);
      if (running()) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(base, { recursive: true, force: true });
    },
  };
}
