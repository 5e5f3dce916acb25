/**
 * RadSec configuration (config/radsec.ts, docs/radsec.md): server.radsec with its files read and checked at load,
 * RADGATE_RADSEC_PORT, nas[].radsec (fingerprint and/or subject, coa path, certificate name), the secret that a
 * RadSec-only NAS may leave out, and the cross-file checks.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientDefinitions } from '../../src/app.js';
import { pkiInit, pkiIssue, pkiServer } from '../../src/cli/pki-commands.js';
import { loadConfig } from '../../src/config/index.js';
import { addNas, copyExample, edit, problemsOf, removeTempDirs } from './helpers.js';

let pki: string;

beforeAll(async () => {
  pki = await mkdtemp(path.join(os.tmpdir(), 'radgate-pki-'));
  await pkiInit(pki);
  await pkiServer(pki, 'radius.isp.example');
  await pkiIssue(pki, 'core-rs');
}, 30_000);

afterAll(async () => {
  await removeTempDirs();
  await rm(pki, { recursive: true, force: true });
});

/** The example with a server.radsec section; `files` overrides cert_file / key_file / ca_file. */
async function withListener(files: Partial<Record<'cert_file' | 'key_file' | 'ca_file', string>> = {}, extra = ''): Promise<string> {
  const dir = await copyExample();
  const keys = { cert_file: path.join(pki, 'server.crt'), key_file: path.join(pki, 'server.key'), ca_file: path.join(pki, 'ca.crt'), ...files };
  const section = ['  radsec:', ...Object.entries(keys).map(([k, v]) => `    ${k}: ${v}`), extra].filter(Boolean).join('\n');
  await edit(dir, 'server.yaml', 'server:\n', `server:\n${section}\n`);
  return dir;
}

const radsecNas = (radsec: string[], more: string[] = []) =>
  ['  - name: core-rs', '    address: 192.0.2.10', '    workspace: default', ...more, '    radsec:', ...radsec.map((l) => `      ${l}`), ''].join('\n');

describe('server.radsec', () => {
  it('is off by default', async () => {
    const config = await loadConfig(await copyExample(), {});
    expect(config.server.radsec).toBeUndefined();
  });

  it('reads the files and fills the defaults; RADGATE_RADSEC_PORT overrides the port', async () => {
    const dir = await withListener();
    const config = await loadConfig(dir, {});
    expect({ ...config.server.radsec, cert: undefined, key: undefined, ca: undefined }).toEqual({
      port: 2083, idleTimeoutSeconds: 120, maxConnectionsPerNas: 4, maxInFlight: 64, cert: undefined, key: undefined, ca: undefined,
    });
    expect(new X509Certificate(config.server.radsec!.cert).subject).toContain('CN=radius.isp.example');
    expect(config.server.radsec!.ca).toBe(readFileSync(path.join(pki, 'ca.crt'), 'utf8'));
    expect((await loadConfig(dir, { RADGATE_RADSEC_PORT: '0' })).server.radsec!.port).toBe(0);
  });

  it('reports every bad file at once, never echoing a key', async () => {
    const dir = await withListener({ cert_file: path.join(pki, 'ca.key'), key_file: path.join(pki, 'core-rs.key'), ca_file: path.join(pki, 'missing.crt') });
    const problems = await problemsOf(dir);
    expect(problems).toEqual([
      `server.yaml: server.radsec.cert_file: ${JSON.stringify(path.join(pki, 'ca.key'))} holds no valid PEM certificate`,
      `server.yaml: server.radsec.ca_file: cannot read ${JSON.stringify(path.join(pki, 'missing.crt'))} (file not found)`,
    ]);
    expect(problems.join('\n')).not.toContain('PRIVATE KEY');
  });

  it('a key that is not the certificate\'s', async () => {
    const dir = await withListener({ key_file: path.join(pki, 'core-rs.key') });
    expect(await problemsOf(dir)).toEqual([
      `server.yaml: server.radsec.key_file: ${JSON.stringify(path.join(pki, 'core-rs.key'))} is not the key of the certificate in ${JSON.stringify(path.join(pki, 'server.crt'))}`,
    ]);
  });

  it('limits and a bad port', async () => {
    const dir = await withListener({}, '    max_in_flight: 300\n    max_connections_per_nas: 0\n    idle_timeout: 0s');
    expect(await problemsOf(dir, { RADGATE_RADSEC_PORT: 'x' })).toEqual([
      'server.yaml: server.radsec.idle_timeout: must be from 1s to 3600s, got 0s',
      'server.yaml: server.radsec.max_connections_per_nas: must be from 1 to 64, got 0',
      'server.yaml: server.radsec.max_in_flight: must be from 1 to 256, got 300',
      'env: RADGATE_RADSEC_PORT: "x" is not a port number (0-65535)',
    ]);
  });

  it('RADGATE_RADSEC_PORT without server.radsec is reported, not ignored', async () => {
    expect(await problemsOf(await copyExample(), { RADGATE_RADSEC_PORT: '2083' })).toEqual([
      'env: RADGATE_RADSEC_PORT: set, but server.yaml has no server.radsec section (RadSec is off)',
    ]);
  });
});

describe('the commented examples in config/', () => {
  it('server.yaml radsec: and the core-rs NAS in nas.yaml are valid once uncommented', async () => {
    const dir = await copyExample();
    const uncomment = (text: string, first: string, indent: string) => {
      const start = text.indexOf(first);
      expect(start).toBeGreaterThan(0);
      const end = text.indexOf('\n\n', start);
      const block = text.slice(start, end).split('\n').map((line) => line.replace(`${indent}# `, indent)).join('\n');
      return text.slice(0, start) + block + text.slice(end);
    };
    const server = await readFile(path.join(dir, 'server.yaml'), 'utf8');
    await writeFile(path.join(dir, 'server.yaml'), uncomment(server, '  # radsec:', '  '));
    const nas = await readFile(path.join(dir, 'nas.yaml'), 'utf8');
    await writeFile(path.join(dir, 'nas.yaml'), uncomment(nas, '  # - name: core-rs', '  '));
    await mkdir(path.join(dir, 'pki'));
    for (const file of ['server.crt', 'server.key', 'ca.crt']) await copyFile(path.join(pki, file), path.join(dir, 'pki', file));
    const config = await loadConfig(dir, {});
    expect(config.server.radsec).toMatchObject({ port: 2083, idleTimeoutSeconds: 120, maxConnectionsPerNas: 4, maxInFlight: 64 });
    expect(config.nas.find((n) => n.name === 'core-rs')?.radsec).toEqual({ fingerprint: undefined, subject: 'core-rs', coa: 'udp', certificate: 'core-rs.crt_0', udp: false });
  });
});

describe('nas[].radsec', () => {
  it('a RadSec-only NAS needs no secret: it gets radsec and is no UDP client', async () => {
    const dir = await withListener();
    await addNas(dir, radsecNas(['subject: core-rs']));
    const config = await loadConfig(dir, {});
    const nas = config.nas.find((n) => n.name === 'core-rs')!;
    expect(nas.secret).toBe('radsec');
    expect(nas.radsec).toEqual({ fingerprint: undefined, subject: 'core-rs', coa: 'udp', certificate: 'core-rs.crt_0', udp: false });
    expect(clientDefinitions(config).map((c) => c.name)).toEqual(['local']);
  });

  it('with its own secret it stays a UDP client too; a fingerprint in any written form is normalised', async () => {
    const dir = await withListener();
    const fingerprint = new X509Certificate(readFileSync(path.join(pki, 'core-rs.crt'))).fingerprint256;
    await addNas(dir, radsecNas([`fingerprint: "sha256:${fingerprint.replaceAll(':', '').toLowerCase()}"`, 'coa: connection', 'certificate: rs-cert'], ['    secret: a-long-enough-secret-123']));
    const config = await loadConfig(dir, {});
    const nas = config.nas.find((n) => n.name === 'core-rs')!;
    expect(nas.secret).toBe('a-long-enough-secret-123');
    expect(nas.radsec).toEqual({ fingerprint, subject: undefined, coa: 'connection', certificate: 'rs-cert', udp: true });
    expect(clientDefinitions(config).map((c) => c.name)).toEqual(['local', 'core-rs']);
  });

  it('without radsec the secret is still required', async () => {
    const dir = await withListener();
    await addNas(dir, ['  - name: core-rs', '    address: 192.0.2.10', '    workspace: default', ''].join('\n'));
    expect(await problemsOf(dir)).toEqual(['nas.yaml: nas[1]: secret or secret_file is required']);
  });

  it('needs fingerprint or subject, a known coa path, and the listener', async () => {
    const dir = await copyExample();
    await addNas(dir, radsecNas(['coa: tcp']));
    await copyFile(path.join(pki, 'ca.crt'), path.join(dir, 'ca.crt'));
    expect(await problemsOf(dir)).toEqual([
      'nas.yaml: nas[1].radsec.coa: must be one of udp, connection, got "tcp"',
      'nas.yaml: nas[1].radsec: server.yaml has no server.radsec section: the RadSec listener is off',
    ]);
    const dir2 = await withListener();
    await addNas(dir2, radsecNas(['coa: udp']));
    expect(await problemsOf(dir2)).toEqual(['nas.yaml: nas[1].radsec: set fingerprint and/or subject: how the NAS certificate is recognised']);
  });

  it('two NAS may not pin the same certificate', async () => {
    const dir = await withListener();
    const fingerprint = new X509Certificate(readFileSync(path.join(pki, 'core-rs.crt'))).fingerprint256;
    await addNas(dir, radsecNas([`fingerprint: "${fingerprint}"`]));
    await addNas(dir, radsecNas([`fingerprint: "${fingerprint}"`]).replace('core-rs', 'core-rs2').replace('192.0.2.10', '192.0.2.11'));
    expect(await problemsOf(dir)).toEqual(['nas.yaml: nas[2].radsec.fingerprint: the same certificate as nas[1] (each NAS needs its own certificate)']);
  });
});
