/**
 * @module config/api-tls
 * nas.yaml `nas[].api.ca_file` and `nas[].api.fingerprint`: how radgate trusts a router's certificate on the API
 * over TLS (api-ssl, port 8729). `ca_file` (relative to the config dir) holds PEM certificates: the CA that signed
 * the router's certificate (which must then name the API host), or the router's own, usually self-signed,
 * certificate (trusted as it is). `fingerprint` pins the SHA-256 of the router's certificate. Without either, the
 * certificate must verify against the system's CAs and name the host; there is no way to switch verification off.
 */

import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describeType } from './errors.js';
import { Invalid } from './fields.js';
import { fsErrorText } from './read-yaml.js';

const SHAPE = `must be the SHA-256 of the router's certificate: 32 bytes in hex ("sha256:AB:CD:…" or 64 hex digits)`;

/**
 * A certificate's SHA-256 as written in nas.yaml — `sha256:AB:CD:…`, `AB:CD:…`, or 64 hex digits as RouterOS's
 * `/certificate print detail` shows it; any case — in Node's `fingerprint256` form, `AB:CD:…`.
 */
export const certificateFingerprint = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') {
    return new Invalid(`must be text, got ${describeType(input)}${typeof input === 'number' ? ' (put it in quotes)' : ''}`);
  }
  let hex = input.trim();
  const algorithm = /^([a-z][a-z0-9-]{2,}):/i.exec(hex); // sha256, sha1, md5 …; a byte pair is two characters
  if (algorithm) {
    if (!/^sha-?256$/i.test(algorithm[1]!)) return new Invalid(`only SHA-256 fingerprints are accepted ("sha256:…"), got ${JSON.stringify(algorithm[1])}`);
    hex = hex.slice(algorithm[0].length);
  }
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2})*$/i.test(hex) && !/^([0-9a-f]{2})+$/i.test(hex)) return new Invalid(SHAPE);
  const bytes = hex.replaceAll(':', '').toUpperCase().match(/../g)!;
  return bytes.length === 32 ? bytes.join(':') : new Invalid(`${SHAPE}, got ${bytes.length} bytes`);
};

/**
 * Reads `ca_file` (relative to `configDir`) and checks it holds PEM certificates that parse. Reports what is wrong
 * and returns undefined, or returns the PEM text.
 */
export async function readCaFile(configDir: string, file: string, report: (reason: string) => void): Promise<string | undefined> {
  let pem: string;
  try {
    pem = await readFile(path.resolve(configDir, file), 'utf8');
  } catch (error) {
    report(`cannot read ${JSON.stringify(file)} (${fsErrorText(error)})`);
    return undefined;
  }
  const certificates = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (certificates.length === 0) {
    report(`${JSON.stringify(file)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
    return undefined;
  }
  for (const [i, certificate] of certificates.entries()) {
    try {
      new X509Certificate(certificate);
    } catch {
      report(`${JSON.stringify(file)}: certificate ${i + 1} is not a valid X.509 certificate`);
      return undefined;
    }
  }
  return pem;
}
