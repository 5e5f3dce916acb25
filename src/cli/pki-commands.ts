/**
 * `radgate pki init | issue NAS | server --host H`: a small CA for RadSec (docs/radsec.md, Certificates), made with
 * the openssl command line. Keys are RSA 2048 (what every RouterOS 7 accepts), written 0600, and an existing key is
 * never replaced without `--force`. Prints what to put in server.yaml / nas.yaml and which files go to the router.
 */
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { NAS_NAME } from '../config/schema.js';
import { writePrivateFile } from '../db/data-dir.js';
import { RadgateError } from '../errors.js';

const run = promisify(execFile);

export const PKI_USAGE = `radgate pki init [--dir D] [--days N] [--force]
  a CA for RadSec client certificates: D/ca.key (0600) and D/ca.crt (server.radsec.ca_file). Default D: ./pki,
  10 years.
radgate pki issue NAS [--dir D] [--days N] [--force]
  a client certificate for NAS (CN = NAS), signed by D's CA: D/NAS.key (0600), D/NAS.crt. Default 3 years.
  Copy both to the router and import them (docs/radsec.md); prints the nas.yaml radsec: lines.
radgate pki server --host H [--dir D] [--days N] [--force]
  radgate's server certificate for host name or IP H, signed by D's CA: D/server.key (0600), D/server.crt
  (server.radsec.cert_file / key_file). Default 3 years.`;

const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export interface IssuedFiles {
  key: string;
  certificate: string;
  /** `AB:CD:…`, as nas.yaml `radsec.fingerprint` takes it. */
  fingerprint: string;
  subject: string;
  validTo: string;
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 60_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new RadgateError('USAGE', 'the openssl command is not installed (Debian: apt install openssl)');
    const detail = String(e.stderr ?? e.message).split('\n').filter(Boolean).slice(-2).join(' ').slice(0, 300);
    throw new RadgateError('USAGE', `openssl ${args[0]} failed: ${detail}`, { cause: err });
  }
}

/** Refuses to replace a key (and its certificate) unless `force`. */
function claim(file: string, force: boolean): void {
  if (existsSync(file) && !force) throw new RadgateError('USAGE', `${file} exists; not replaced (use --force to replace it and everything signed with it)`);
}

function describe(keyFile: string, certFile: string): IssuedFiles {
  const certificate = new X509Certificate(readFileSync(certFile));
  return { key: keyFile, certificate: certFile, fingerprint: certificate.fingerprint256, subject: certificate.subject.replace(/\n/g, ', '), validTo: certificate.validTo };
}

/** A new key, written 0600 before anything else can read it. */
async function newKey(keyFile: string): Promise<void> {
  const scratch = `${keyFile}.tmp-${process.pid}`;
  try {
    await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', scratch]);
    writePrivateFile(keyFile, readFileSync(scratch, 'utf8'), 'w');
  } finally {
    rmSync(scratch, { force: true });
  }
}

export async function pkiInit(dir: string, options: { days?: number; force?: boolean } = {}): Promise<IssuedFiles> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = path.join(dir, 'ca.key');
  const cert = path.join(dir, 'ca.crt');
  claim(key, options.force ?? false);
  await newKey(key);
  await openssl([
    'req', '-x509', '-new', '-key', key, '-out', cert, '-days', String(options.days ?? 3650), '-subj', '/CN=radgate RadSec CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return describe(key, cert);
}

async function issue(dir: string, base: string, subject: string, extensions: string, days: number, force: boolean): Promise<IssuedFiles> {
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.crt');
  if (!existsSync(caKey) || !existsSync(caCert)) throw new RadgateError('USAGE', `no CA in ${dir} (run radgate pki init --dir ${dir} first)`);
  const key = path.join(dir, `${base}.key`);
  const cert = path.join(dir, `${base}.crt`);
  claim(key, force);
  await newKey(key);
  const csr = path.join(dir, `${base}.csr`);
  const ext = path.join(dir, `${base}.ext`);
  try {
    await openssl(['req', '-new', '-key', key, '-out', csr, '-subj', subject]);
    writeFileSync(ext, extensions);
    await openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', String(days), '-extfile', ext, '-out', cert]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
  return describe(key, cert);
}

/** A NAS client certificate: CN = the NAS name (nas.yaml `radsec.subject`), for TLS client authentication. */
export function pkiIssue(dir: string, nas: string, options: { days?: number; force?: boolean } = {}): Promise<IssuedFiles> {
  if (!NAS_NAME.test(nas)) throw new RadgateError('USAGE', `NAS: letters, digits, "_", "." and "-" (a nas.yaml name), got ${JSON.stringify(nas)}`);
  const extensions = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  return issue(dir, nas, `/CN=${nas}`, extensions, options.days ?? 1095, options.force ?? false);
}

/** radgate's server certificate, naming `host` (a DNS name or an IP address) in its subjectAltName. */
export function pkiServer(dir: string, host: string, options: { days?: number; force?: boolean } = {}): Promise<IssuedFiles> {
  if (isIP(host) === 0 && !HOST.test(host)) throw new RadgateError('USAGE', `--host: a host name or IP address, got ${JSON.stringify(host)}`);
  const san = isIP(host) === 0 ? `DNS:${host}` : `IP:${host}`;
  const extensions = `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`;
  return issue(dir, 'server', `/CN=${host}`, extensions, options.days ?? 1095, options.force ?? false);
}

function days(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) < 1) throw new RadgateError('USAGE', `--days: a whole number of days from 1, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** `radgate pki …`: returns what to print (the caller prints it through the terminal-safe printer). */
export async function pkiCommand(argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { dir: { type: 'string', default: 'pki' }, days: { type: 'string' }, force: { type: 'boolean', default: false }, host: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [sub, ...rest] = positionals;
  const dir = path.resolve(values.dir);
  const options = { days: days(values.days), force: values.force };
  switch (sub) {
    case 'init': {
      if (rest.length > 0) throw new RadgateError('USAGE', PKI_USAGE);
      const ca = await pkiInit(dir, options);
      return [`CA key:         ${ca.key} (0600; keep it offline if you can)`, `CA certificate: ${ca.certificate} (valid to ${ca.validTo})`, '',
        'server.yaml:', '  radsec:', `    ca_file: ${ca.certificate}`].join('\n');
    }
    case 'issue': {
      if (rest.length !== 1) throw new RadgateError('USAGE', PKI_USAGE);
      const nas = rest[0]!;
      const issued = await pkiIssue(dir, nas, options);
      return [`key:         ${issued.key} (0600)`, `certificate: ${issued.certificate} (${issued.subject}, valid to ${issued.validTo})`, '',
        `nas.yaml, under the NAS "${nas}":`, '    radsec:', `      subject: ${nas}`, `      fingerprint: "sha256:${issued.fingerprint}"`, '',
        'on the router (upload both files first, docs/radsec.md):',
        `  /certificate import file-name=${nas}.crt passphrase=""`, `  /certificate import file-name=${nas}.key passphrase=""`].join('\n');
    }
    case 'server': {
      if (rest.length > 0 || values.host === undefined) throw new RadgateError('USAGE', PKI_USAGE);
      const issued = await pkiServer(dir, values.host, options);
      return [`key:         ${issued.key} (0600)`, `certificate: ${issued.certificate} (${issued.subject}, valid to ${issued.validTo})`, '',
        'server.yaml:', '  radsec:', `    cert_file: ${issued.certificate}`, `    key_file: ${issued.key}`].join('\n');
    }
    default:
      throw new RadgateError('USAGE', PKI_USAGE);
  }
}
