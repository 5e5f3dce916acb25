/**
 * @module config/radsec
 * RadSec (RADIUS over TLS, RFC 6614; docs/radsec.md): server.yaml `server.radsec` — the listener's port, its
 * certificate and key, the CA that signs NAS client certificates, idle timeout and limits — and nas.yaml
 * `nas[].radsec` — how a NAS's certificate is recognised (`fingerprint` and/or `subject`), where CoA goes, and
 * the certificate's name on the router. Files are read and checked here (PEM that parses, a key that belongs to the
 * certificate), so a bad file is a config error at load, not a TLS failure at the first connection.
 */

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { certificateFingerprint, readCaFile } from './api-tls.js';
import type { Problem } from './errors.js';
import { duration, field, integer, Invalid, oneOf, port, printable, routerName, text, validate } from './fields.js';
import { fsErrorText } from './read-yaml.js';
import type { NasRadsecConfig, RadsecCoaPath, ServerRadsecConfig } from './types.js';

/** Defaults of `server.radsec` (seconds) and `nas[].radsec`. */
export const RADSEC_DEFAULTS = Object.freeze({
  /** RFC 6614 §2.1: the RadSec port, for authentication and accounting alike. */
  port: 2083,
  idleTimeoutSeconds: 120,
  maxConnectionsPerNas: 4,
  maxInFlight: 64,
  /** RFC 6614 §2.3: the shared secret of every RadSec packet. */
  secret: 'radsec',
  coa: 'udp' as RadsecCoaPath,
});

export const RADSEC_COA_PATHS = ['udp', 'connection'] as const satisfies readonly RadsecCoaPath[];

const FILE = 'server.yaml';

export const serverRadsecSchema = z
  .strictObject({
    port: field(port(true)).default(RADSEC_DEFAULTS.port),
    cert_file: field(text),
    key_file: field(text),
    ca_file: field(text),
    idle_timeout: field(duration({ min: 1, max: 3600 })).default(RADSEC_DEFAULTS.idleTimeoutSeconds),
    max_connections_per_nas: field(integer(1, 64)).default(RADSEC_DEFAULTS.maxConnectionsPerNas),
    // An Identifier is one octet: more than 256 requests of one connection can never be outstanding.
    max_in_flight: field(integer(1, 256)).default(RADSEC_DEFAULTS.maxInFlight),
  })
  .transform((r) => ({
    port: r.port,
    certFile: r.cert_file,
    keyFile: r.key_file,
    caFile: r.ca_file,
    idleTimeoutSeconds: r.idle_timeout,
    maxConnectionsPerNas: r.max_connections_per_nas,
    maxInFlight: r.max_in_flight,
  }));

export type ParsedServerRadsec = z.output<typeof serverRadsecSchema>;

export const nasRadsecSchema = z
  .strictObject({
    fingerprint: field(certificateFingerprint).optional(),
    subject: field(printable).optional(),
    coa: field(oneOf(RADSEC_COA_PATHS)).default(RADSEC_DEFAULTS.coa),
    certificate: field(routerName).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.fingerprint === undefined && r.subject === undefined) {
      ctx.issues.push({ code: 'custom', message: 'set fingerprint and/or subject: how the NAS certificate is recognised', input: r });
    }
  });

export type ParsedNasRadsec = z.output<typeof nasRadsecSchema>;

/** `nas[].radsec` as the rest of radgate reads it; `udp` = the NAS also has its own secret for plain RADIUS. */
export function nasRadsec(parsed: ParsedNasRadsec, nasName: string, hasOwnSecret: boolean): NasRadsecConfig {
  return {
    fingerprint: parsed.fingerprint,
    subject: parsed.subject,
    coa: parsed.coa,
    // The name RouterOS gives the first certificate of an imported file `<name>.crt` (docs/radsec.md, unverified).
    certificate: parsed.certificate ?? `${nasName}.crt_0`,
    udp: hasOwnSecret,
  };
}

const envPort = field((input: unknown) => {
  const value = typeof input === 'string' && /^[0-9]{1,5}$/.test(input.trim()) ? port(true)(Number(input.trim())) : undefined;
  return typeof value === 'number' ? value : new Invalid(`${JSON.stringify(input)} is not a port number (0-65535)`);
});

async function readPem(configDir: string, file: string, report: (reason: string) => void): Promise<string | undefined> {
  try {
    return await readFile(path.resolve(configDir, file), 'utf8');
  } catch (error) {
    report(`cannot read ${JSON.stringify(file)} (${fsErrorText(error)})`);
    return undefined;
  }
}

/** `RADGATE_RADSEC_PORT`, checked even when server.yaml is broken: the port, or undefined (unset or reported). */
export function radsecPortOverride(env: NodeJS.ProcessEnv, problems: Problem[]): number | undefined {
  const value = env.RADGATE_RADSEC_PORT;
  if (value === undefined || value === '') return undefined;
  return validate(envPort, value, 'env', ['RADGATE_RADSEC_PORT'], problems);
}

/**
 * Reads and checks the files of `server.radsec` and applies the port override. Undefined when RadSec is not
 * configured or has problems (reported).
 */
export async function resolveRadsec(
  configDir: string,
  parsed: ParsedServerRadsec | undefined,
  overridePort: number | undefined,
  problems: Problem[],
): Promise<ServerRadsecConfig | undefined> {
  if (parsed === undefined) {
    if (overridePort !== undefined) problems.push({ file: 'env', where: ['RADGATE_RADSEC_PORT'], reason: 'set, but server.yaml has no server.radsec section (RadSec is off)' });
    return undefined;
  }
  const before = problems.length;
  const at = (key: string) => (reason: string) => problems.push({ file: FILE, where: ['server', 'radsec', key], reason });

  const cert = await readPem(configDir, parsed.certFile, at('cert_file'));
  let certificate: X509Certificate | undefined;
  if (cert !== undefined) {
    try {
      certificate = new X509Certificate(cert);
    } catch {
      at('cert_file')(`${JSON.stringify(parsed.certFile)} holds no valid PEM certificate`);
    }
  }
  const key = await readPem(configDir, parsed.keyFile, at('key_file'));
  if (key !== undefined) {
    try {
      const privateKey = createPrivateKey(key);
      if (certificate !== undefined && !certificate.checkPrivateKey(privateKey)) {
        at('key_file')(`${JSON.stringify(parsed.keyFile)} is not the key of the certificate in ${JSON.stringify(parsed.certFile)}`);
      }
    } catch {
      at('key_file')(`${JSON.stringify(parsed.keyFile)} holds no valid PEM private key (an encrypted key is not supported)`);
    }
  }
  const ca = await readCaFile(configDir, parsed.caFile, at('ca_file'));
  if (problems.length > before || cert === undefined || key === undefined || ca === undefined) return undefined;
  return {
    port: overridePort ?? parsed.port,
    cert,
    key,
    ca,
    idleTimeoutSeconds: parsed.idleTimeoutSeconds,
    maxConnectionsPerNas: parsed.maxConnectionsPerNas,
    maxInFlight: parsed.maxInFlight,
  };
}

/**
 * nas.yaml checks across entries: a `radsec:` NAS needs the listener (`server.radsec`), and no two NAS may pin the
 * same certificate fingerprint (the first would take every connection).
 */
export function checkRadsecNas(nas: readonly unknown[] | undefined, listenerConfigured: boolean, problems: Problem[]): void {
  const seen = new Map<string, number>();
  for (const [i, entry] of (nas ?? []).entries()) {
    const radsec = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>)['radsec'] : undefined;
    if (radsec === null || typeof radsec !== 'object' || Array.isArray(radsec)) continue;
    if (!listenerConfigured) {
      problems.push({ file: 'nas.yaml', where: ['nas', i, 'radsec'], reason: 'server.yaml has no server.radsec section: the RadSec listener is off' });
    }
    const pin = certificateFingerprint((radsec as Record<string, unknown>)['fingerprint']);
    if (typeof pin !== 'string') continue;
    const first = seen.get(pin);
    if (first === undefined) seen.set(pin, i);
    else problems.push({ file: 'nas.yaml', where: ['nas', i, 'radsec', 'fingerprint'], reason: `the same certificate as nas[${first}] (each NAS needs its own certificate)` });
  }
}
