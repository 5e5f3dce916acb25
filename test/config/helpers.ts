/** Temp config dirs for config tests: a copy of the example in `config/`, edited one thing at a time. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

export const EXAMPLE_DIR = fileURLToPath(new URL('../../config/', import.meta.url));

const created: string[] = [];

/** A fresh temp dir holding a copy of the example config. */
export async function copyExample(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'radgate-config-'));
  created.push(dir);
  await cp(EXAMPLE_DIR, dir, { recursive: true });
  return dir;
}

/** A fresh empty temp dir. */
export async function emptyDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'radgate-config-'));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function write(dir: string, file: string, text: string): Promise<void> {
  await writeFile(path.join(dir, file), text);
}

/** Replaces `from` (which must occur exactly once, so a stale test cannot pass by editing nothing) with `to`. */
export async function edit(dir: string, file: string, from: string, to: string): Promise<void> {
  const text = await readFile(path.join(dir, file), 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`${file}: expected exactly one ${JSON.stringify(from)}, found ${count}`);
  await writeFile(path.join(dir, file), text.replace(from, to));
}

/** Appends NAS entries (YAML list items, indented two spaces) to nas.yaml. */
export async function addNas(dir: string, entries: string): Promise<void> {
  const text = await readFile(path.join(dir, 'nas.yaml'), 'utf8');
  await writeFile(path.join(dir, 'nas.yaml'), `${text}${entries}`);
}

/** The problems `loadConfig` reports for `dir`; fails the test when it loads. */
export async function problemsOf(dir: string, env: NodeJS.ProcessEnv = {}): Promise<readonly string[]> {
  const error = await loadConfig(dir, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  const configError = error as ConfigError;
  expect(configError.message).toBe(configError.problems.join('\n'));
  return configError.problems;
}

/** A broken config: one change to the example copy (and environment), and exactly the problems it must report. */
export interface BrokenCase {
  name: string;
  change: (dir: string) => Promise<void>;
  env?: NodeJS.ProcessEnv;
  /** The exact problems; a function when they name the temp dir. */
  problems: string[] | ((dir: string) => string[]);
}

/** One test per case, named after it: the example with the case's change reports exactly the case's problems. */
export function eachReportsExactly(cases: readonly BrokenCase[]): void {
  it.each(cases)('$name', async ({ change, env, problems }) => {
    const dir = await copyExample();
    await change(dir);
    const expected = typeof problems === 'function' ? problems(dir) : problems;
    expect(await problemsOf(dir, env)).toEqual(expected);
  });
}
