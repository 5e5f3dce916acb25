/**
 * The postgres.js patch (patches/): without it, a connection that closes while a transaction is in flight throws
 * from a setImmediate callback and kills the process. The crash is reproduced against the CI PostgreSQL through a
 * TCP proxy this test controls, on a copy of the driver with the patch taken out, and the same load survives on the
 * installed, patched driver. radgate refuses to connect through an unpatched driver.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyHunks, parsePatch } from '../../patches/apply.mjs';
import { assertDriverPatched } from '../../src/db/driver-patch.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const INSTALLED = path.join(ROOT, 'node_modules', 'postgres');
const PATCH = path.join(ROOT, 'patches', 'postgres+3.4.9.patch');
const CLIENT = path.join(ROOT, 'test', 'db', 'flapping-client.mjs');
const ARRAY_TYPES_CLIENT = path.join(ROOT, 'test', 'db', 'array-types-client.mjs');

let work: string;
let unpatched: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'radgate-driver-'));
  unpatched = path.join(work, 'postgres');
  cpSync(INSTALLED, unpatched, { recursive: true });
  for (const file of parsePatch(readFileSync(PATCH, 'utf8'))) {
    const target = path.join(unpatched, file.path);
    const { text, state } = applyHunks(readFileSync(target, 'utf8'), file.hunks, { reverse: true });
    expect(state).toBe('applied');
    writeFileSync(target, text);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the startup check', () => {
  it('accepts the installed driver', () => {
    expect(() => assertDriverPatched(INSTALLED)).not.toThrow();
  });

  it('refuses a driver without the patch, naming the files and the fix', () => {
    expect(() => assertDriverPatched(unpatched)).toThrow(
      expect.objectContaining({
        code: 'DB_DRIVER_UNPATCHED',
        message: expect.stringMatching(/src\/connection\.js, cjs\/src\/connection\.js.*node patches\/apply\.mjs/),
      }),
    );
  });
});

interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs flapping-client.mjs through the proxy while the test cuts the path (clean closes) `cuts` times. */
async function flap(proxy: TcpProxy, packageDir: string, cuts: number): Promise<ClientRun> {
  const url = new URL(process.env.DATABASE_URL as string);
  url.host = `127.0.0.1:${proxy.port}`;
  const loadMs = 1000 + cuts * 1000;
  const exited = new Promise<ClientRun>((resolve) => {
    execFile(process.execPath, [CLIENT, packageDir, url.toString(), String(loadMs)], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  let done = false;
  void exited.then(() => (done = true));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(800);
  for (let i = 0; i < cuts && !done; i++) {
    await proxy.cut('fin');
    await sleep(300);
    await proxy.restore();
    await sleep(700);
  }
  await proxy.restore();
  return exited;
}

describe.skipIf(!process.env.DATABASE_URL)('connections cut under load (PostgreSQL through a TCP proxy)', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(process.env.DATABASE_URL as string);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(() => proxy.close());

  it('crash the process with the unpatched driver: the defect the patch guards against', async () => {
    const run = await flap(proxy, unpatched, 10);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/TypeError: Cannot read properties of null \(reading 'write'\)\n\s+at Immediate\.nextWrite/);
  });

  it('are survived with the installed driver: failed transactions are rejected, every connection works afterwards', async () => {
    const run = await flap(proxy, INSTALLED, 6);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { committed: number; failed: number; afterwards: string; unhandled: string[] };
    expect(result.afterwards).toBe('ok');
    expect(result.unhandled).toEqual([]);
    expect(result.failed).toBeGreaterThan(0); // the cuts did reach transactions in flight
    expect(result.committed).toBeGreaterThan(100);
  });
});

/**
 * One run of array-types-client.mjs through `proxy`: the proxy resets the connection when it sees the driver's
 * start-up query for array types and refuses the reconnect, then the path is restored once the first query settled.
 */
function cutDuringArrayTypes(proxy: TcpProxy, packageDir: string): Promise<ClientRun> {
  const url = new URL(process.env.DATABASE_URL as string);
  url.host = `127.0.0.1:${proxy.port}`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ARRAY_TYPES_CLIENT, packageDir, url.toString()], { timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"first"') && !stdout.includes('"afterwards"')) void proxy.restore().then(() => child.stdin.write('restored\n'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => {}); // the crashed client closed it
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(!process.env.DATABASE_URL)('a connection cut while the driver fetches array types (PostgreSQL)', () => {
  let proxy: TcpProxy;
  let cuts = 0;
  /** Whether the next array-type query is cut: once per run, so that the reconnect afterwards can succeed. */
  let armed = false;
  beforeAll(async () => {
    const target = new URL(process.env.DATABASE_URL as string);
    const cutOn = (chunk: Buffer) => (armed && chunk.includes('typarray') ? ((armed = false), cuts++, 'rst' as const) : undefined);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) }, 0, { cutOn });
  });
  afterAll(() => proxy.close());

  it('ends the process with the unpatched driver: its rejection has no handler', async () => {
    armed = true;
    const before = cuts;
    const run = await cutDuringArrayTypes(proxy, unpatched);
    expect(cuts).toBe(before + 1);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/triggerUncaughtException\(err, true \/\* fromPromise \*\/\)/);
    expect(run.stderr).toMatch(/ECONNRESET|ECONNREFUSED/);
  });

  it('fails only the query that opened the connection with the installed driver; the next one works', async () => {
    armed = true;
    const before = cuts;
    const run = await cutDuringArrayTypes(proxy, INSTALLED);
    expect(cuts).toBe(before + 1);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [first, afterwards] = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, string>);
    expect(first!.first).toMatch(/^rejected: (ECONNRESET|ECONNREFUSED|CONNECTION_CLOSED)$/);
    expect(afterwards!.afterwards).toBe('ok');
  });
});
