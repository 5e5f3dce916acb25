/**
 * Run the compiled `radgate` binary and capture its output. Test files importing this module run in the `process`
 * test project, which builds dist/ first (vitest.config.ts, test/README.md).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './config.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const RADGATE_BIN = path.join(ROOT, 'bin/radgate.js');

export function runCli(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RADGATE_BIN, ...args], { env: { PATH: process.env.PATH, ...env }, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
