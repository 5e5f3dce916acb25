/**
 * FreeRADIUS as the benchmark's reference peer: Debian's `freeradius` package (installed with apt-get when missing,
 * as .ci/run installs radclient), run in the foreground from a configuration written here — the `files` module
 * holding the same subscribers as radgate's database, with the same reply attributes as radgate's plan `home-10`
 * (config/plans.yaml), `pap` and `mschap` authenticating from Cleartext-Password. Nothing else is loaded: this is
 * FreeRADIUS at its fastest ("files only", no database), at its default log level (no -x, no auth log).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchUser, papRequest } from './requests.js';
import { BENCH_SECRET, cpuTime, freeUdpPorts, statusKb, type BenchServer } from './server-process.js';

const BINARY = '/usr/sbin/freeradius';

/** The reply radgate gives an active `home-10` subscriber, as FreeRADIUS check/reply items. */
const HOME_10_REPLY = [
  'Mikrotik-Rate-Limit = "2M/10M"',
  'Framed-Pool = "pppoe-pool"',
  'Mikrotik-Group = "home"',
  'Session-Timeout = 86400',
  'Idle-Timeout = 900',
  'Acct-Interim-Interval = 300',
];

/** The FreeRADIUS binary, installing Debian's package first when it is missing. */
export function ensureFreeradius(print: (line: string) => void): string {
  if (existsSync(BINARY)) return BINARY;
  print('freeradius: not installed; apt-get install freeradius…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'freeradius']]) {
    const run = spawnSync('apt-get', args, { env, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${run.status}); install freeradius by hand`);
  }
  if (!existsSync(BINARY)) throw new Error(`${BINARY} missing after installing freeradius`);
  return BINARY;
}

/** A users file with the benchmark's subscribers (bench/requests.ts benchUser), written once per benchmark. */
export function writeUsersFile(dir: string, subscribers: number): string {
  const file = path.join(dir, 'users');
  const reply = HOME_10_REPLY.join(',\n\t');
  const lines: string[] = [];
  for (let i = 0; i < subscribers; i++) {
    const user = benchUser(i);
    lines.push(`${user.username} Cleartext-Password := "${user.password}"\n\t${reply}\n`);
  }
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** What every benchmark FreeRADIUS shares: paths in its scratch directory, limits, the log, the bench client. */
export function radiusdCommon(dir: string): string {
  return `prefix = /usr
localstatedir = ${dir}
logdir = ${dir}
raddbdir = ${dir}
run_dir = ${dir}
libdir = /usr/lib/freeradius
pidfile = ${dir}/radiusd.pid
max_request_time = 30
cleanup_delay = 5
max_requests = 65536
hostname_lookups = no
log {
  destination = stdout
  auth = no
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 0
  status_server = yes
}
thread pool {
  start_servers = 5
  max_servers = 32
  min_spare_servers = 3
  max_spare_servers = 10
  max_requests_per_server = 0
}
client bench {
  ipaddr = 127.0.0.1
  secret = ${BENCH_SECRET}
  require_message_authenticator = no
}
`;
}

function radiusdConf(dir: string, usersFile: string, port: number): string {
  return `${radiusdCommon(dir)}modules {
  pap {
  }
  mschap {
  }
  files {
    filename = ${usersFile}
  }
}
instantiate {
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${port}
  }
  authorize {
    files
    mschap
    pap
  }
  authenticate {
    Auth-Type PAP {
      pap
    }
    Auth-Type MS-CHAP {
      mschap
    }
  }
  post-auth {
  }
}
`;
}

/** A fresh FreeRADIUS process on a free port, ready when it accepts the first subscriber's PAP login. */
export async function startFreeradius(binary: string, scratch: string, usersFile: string): Promise<BenchServer> {
  const [authPort] = await freeUdpPorts(1);
  const dir = path.join(scratch, `freeradius-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'radiusd.conf'), radiusdConf(dir, usersFile, authPort!));
  writeFileSync(path.join(dir, 'dictionary'), '$INCLUDE /usr/share/freeradius/dictionary\n');
  const logFile = path.join(dir, 'radiusd.log');
  const out = openSync(logFile, 'w');
  const started = performance.now();
  const child = spawn(binary, ['-f', '-d', dir, '-n', 'radiusd'], { stdio: ['ignore', out, out] });
  closeSync(out);
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      resolve();
    }),
  );
  const secret = Buffer.from(BENCH_SECRET);
  try {
    await waitForAccept(authPort!, secret, () => ended !== undefined, 120_000);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`${(err as Error).message}\n--- freeradius log (tail) ---\n${tail}`);
  }
  return serverHandle(child, authPort!, secret, performance.now() - started, logFile, () => ended, exited);
}

function serverHandle(
  child: ChildProcess,
  authPort: number,
  secret: Buffer,
  startupMs: number,
  logFile: string,
  exit: BenchServer['exit'],
  exited: Promise<void>,
): BenchServer {
  return {
    pid: child.pid!,
    authPort,
    acctPort: 0,
    secret,
    startupMs,
    logFile,
    peakRssBytes: () => statusKb(child, 'VmHWM') * 1024,
    rssBytes: () => statusKb(child, 'VmRSS') * 1024,
    cpuMs: () => cpuTime(child),
    exit,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** PAP logins of subscriber 0 until one is accepted (FreeRADIUS answers Status-Server only when configured for it). */
async function waitForAccept(port: number, secret: Buffer, gone: () => boolean, timeoutMs: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let accepted = false;
  socket.on('message', (reply) => {
    if (reply[0] === 2) accepted = true;
  });
  const deadline = Date.now() + timeoutMs;
  try {
    for (let id = 0; !accepted; id = (id + 1) & 0xff) {
      if (gone()) throw new Error('freeradius exited before answering');
      if (Date.now() > deadline) throw new Error(`freeradius did not accept a login within ${timeoutMs} ms`);
      socket.send(papRequest(id, benchUser(0), secret, randomBytes(16)), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    socket.close();
  }
}
