/** Drive Debian's radclient (freeradius-utils) — a real RADIUS peer — and parse what it printed. */
import { spawn } from 'node:child_process';

export interface RadclientResult {
  exitCode: number;
  /** Reply code name, e.g. `Access-Accept`, or undefined when nothing came back. */
  code: string | undefined;
  /** Reply attributes as radclient printed them (values unquoted). */
  attributes: Record<string, string[]>;
  stdout: string;
  stderr: string;
}

export function radclient(args: { port: number; type: 'auth' | 'acct' | 'status'; secret?: string; input: string; extra?: string[] }): Promise<RadclientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('radclient', ['-x', '-r', '1', '-t', '3', ...(args.extra ?? []), `127.0.0.1:${args.port}`, args.type, args.secret ?? 'testing123']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const attributes: Record<string, string[]> = {};
      let code: string | undefined;
      let inReply = false;
      for (const line of stdout.split('\n')) {
        const received = /^Received (\S+) Id/.exec(line);
        if (received) {
          code = received[1];
          inReply = true;
          continue;
        }
        if (/^Sent /.test(line)) inReply = false;
        const attr = /^\s+([\w-]+) = (.*)$/.exec(line);
        if (inReply && attr) (attributes[attr[1]!] ??= []).push(attr[2]!.replace(/^"(.*)"$/, '$1'));
      }
      resolve({ exitCode: exitCode ?? -1, code, attributes, stdout, stderr });
    });
    child.stdin.end(args.input);
  });
}
