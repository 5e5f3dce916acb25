/**
 * `radgate pki` (src/cli/pki-commands.ts, docs/radsec.md Certificates): a CA, NAS client certificates and the server
 * certificate, made with the openssl CLI; keys 0600, never overwritten without --force; what it prints is what
 * nas.yaml and server.yaml take. Driven through the real binary once, the rest in-process.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pkiCommand } from '../../src/cli/pki-commands.js';
import { runCli } from '../helpers/cli.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-pki-'));
  dirs.push(dir);
  return path.join(dir, 'pki');
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('radgate pki', () => {
  it('init, issue and server through the binary: keys 0600, a chain that verifies, the lines to paste', async () => {
    const dir = tempDir();
    const init = await runCli(['pki', 'init', '--dir', dir], {});
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`ca_file: ${path.join(dir, 'ca.crt')}`);
    const issue = await runCli(['pki', 'issue', 'core-1', '--dir', dir], {});
    expect(issue.code, issue.stderr).toBe(0);
    const server = await runCli(['pki', 'server', '--host', 'radius.isp.example', '--dir', dir], {});
    expect(server.code, server.stderr).toBe(0);

    for (const key of ['ca.key', 'core-1.key', 'server.key']) expect(mode(path.join(dir, key))).toBe(0o600);
    const ca = new X509Certificate(readFileSync(path.join(dir, 'ca.crt')));
    const client = new X509Certificate(readFileSync(path.join(dir, 'core-1.crt')));
    const host = new X509Certificate(readFileSync(path.join(dir, 'server.crt')));
    expect(ca.ca).toBe(true);
    expect(client.subject).toBe('CN=core-1');
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(client.ca).toBe(false);
    expect(host.subjectAltName).toBe('DNS:radius.isp.example');
    expect(host.checkHost('radius.isp.example')).toBe('radius.isp.example');
    expect(host.verify(ca.publicKey)).toBe(true);
    // What it prints is what nas.yaml takes: the subject and this certificate's pin.
    expect(issue.stdout).toContain('subject: core-1');
    expect(issue.stdout).toContain(`fingerprint: "sha256:${client.fingerprint256}"`);
    expect(issue.stdout).toContain('/certificate import file-name=core-1.crt');
    // Neither key is ever printed.
    for (const out of [init.stdout, issue.stdout, server.stdout]) expect(out).not.toContain('PRIVATE KEY');
  }, 60_000);

  it('an existing key is never replaced without --force; with it, it is', async () => {
    const dir = tempDir();
    await pkiCommand(['init', '--dir', dir]);
    await pkiCommand(['issue', 'core-1', '--dir', dir]);
    const before = { ca: sha(path.join(dir, 'ca.key')), nas: sha(path.join(dir, 'core-1.key')) };
    await expect(pkiCommand(['init', '--dir', dir])).rejects.toThrow(/ca\.key exists; not replaced \(use --force/);
    await expect(pkiCommand(['issue', 'core-1', '--dir', dir])).rejects.toThrow(/core-1\.key exists; not replaced/);
    expect(sha(path.join(dir, 'ca.key'))).toBe(before.ca);
    expect(sha(path.join(dir, 'core-1.key'))).toBe(before.nas);
    await pkiCommand(['issue', 'core-1', '--dir', dir, '--force']);
    expect(sha(path.join(dir, 'core-1.key'))).not.toBe(before.nas);
    expect(mode(path.join(dir, 'core-1.key'))).toBe(0o600);
  }, 60_000);

  it('refuses bad input with a clear message, before touching anything', async () => {
    const dir = tempDir();
    await expect(pkiCommand(['issue', 'core-1', '--dir', dir])).rejects.toThrow(/no CA in .* \(run radgate pki init --dir/);
    await pkiCommand(['init', '--dir', dir]);
    await expect(pkiCommand(['issue', 'core\n1', '--dir', dir])).rejects.toThrow(/NAS: letters, digits/);
    await expect(pkiCommand(['issue', '../evil', '--dir', dir])).rejects.toThrow(/NAS: letters, digits/);
    await expect(pkiCommand(['server', '--host', 'a b', '--dir', dir])).rejects.toThrow(/--host: a host name or IP address/);
    await expect(pkiCommand(['server', '--dir', dir])).rejects.toThrow(/radgate pki init/);
    await expect(pkiCommand(['init', '--dir', dir, '--days', '0', '--force'])).rejects.toThrow(/--days: a whole number of days from 1/);
    const ip = await pkiCommand(['server', '--host', '192.0.2.1', '--dir', dir]);
    expect(ip).toContain('server.crt');
    expect(new X509Certificate(readFileSync(path.join(dir, 'server.crt'))).subjectAltName).toBe('IP Address:192.0.2.1');
  }, 60_000);
});
