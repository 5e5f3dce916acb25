/**
 * radgate as a separate process (`node bin/radgate.js start`, the compiled build: test files importing this module
 * run in the `process` test project, which builds dist/ first; test/README.md), on
 * fixed loopback ports so it can be killed and started again where the NASes expect it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { accessRequest } from '../helpers/udp.js';
import { ROOT } from '../helpers/config.js';

/** A UDP port free right now on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

export interface ProcessOptions {
  configDir: string;
  dataDir: string;
  databaseUrl: string | undefined;
  authPort: number;
  acctPort: number;
  /** Options for node itself, before bin/radgate.js (e.g. `--import` a module that misbehaves). */
  nodeArgs?: string[];
}

export class RadgateProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  /** stdout and stderr, for diagnostics when a test fails. */
  output = '';

  constructor(private readonly options: ProcessOptions) {}

  env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    if (this.options.databaseUrl) env.DATABASE_URL = this.options.databaseUrl;
    return {
      ...env,
      RADGATE_CONFIG: this.options.configDir,
      RADGATE_DATA_DIR: this.options.dataDir,
      RADGATE_BIND: '127.0.0.1',
      RADGATE_AUTH_PORT: String(this.options.authPort),
      RADGATE_ACCT_PORT: String(this.options.acctPort),
      RADGATE_HTTP_PORT: '0',
      RADGATE_METRICS_PORT: '0',
      RADGATE_CAPTIVE_PORT: '0',
    };
  }

  /** Start and wait until the accounting port answers Status-Server (RFC 5997). */
  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, [...(this.options.nodeArgs ?? []), path.join(ROOT, 'bin/radgate.js'), 'start'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    let answered = false;
    socket.on('message', () => (answered = true));
    try {
      const deadline = Date.now() + timeoutMs;
      for (let id = 0; !answered; id = (id + 1) & 0xff) {
        if (child.exitCode !== null) throw new Error(`radgate exited (${child.exitCode}):\n${this.output}`);
        if (Date.now() > deadline) throw new Error(`radgate did not start within ${timeoutMs} ms:\n${this.output}`);
        const { packet } = accessRequest({ code: 12, id, secret: 'testing123', attributes: [] });
        socket.send(packet, this.options.acctPort, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      socket.close();
    }
  }

  /** null while the process runs. */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  /** The exit code once the process has exited on its own. */
  exit(): Promise<number | null> {
    return this.exited ?? Promise.resolve(null);
  }

  /** Send a signal without waiting. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** SIGKILL: no shutdown code runs. */
  async kill9(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exited!;
  }

  /** Run a CLI command with the same environment (the server's share of PGlite, or PostgreSQL). */
  cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'bin/radgate.js'), ...args], { env: this.env(), encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
}
