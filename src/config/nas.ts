/**
 * @module config/nas
 * nas.yaml checks that need more than one entry, another file or the disk: secret vs secret_file, reading
 * secret files, the BlastRADIUS minimum secret length, duplicate / overlapping addresses, workspace references,
 * the API host default and the API's TLS trust (reading `api.ca_file`, config/api-tls.ts). Works on raw entries too, so these are reported even when an entry has other errors.
 */

import { isUtf8 } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readCaFile } from './api-tls.js';
import { nasRadsec, RADSEC_DEFAULTS } from './radsec.js';
import type { Problem } from './errors.js';
import { textProblem } from './outbound-text.js';
import { formatIp, isLoopback, isSingleAddress, parseCidr, rangesOverlap, type IpRange } from '../ip.js';
import { fsErrorText } from './read-yaml.js';
import { checkRouter } from './router.js';
import type { ParsedNas } from './schema.js';
import type { NasApiConfig, NasConfig } from './types.js';

/** Minimum shared-secret length for a NAS that is not loopback (BlastRADIUS hardening, CVE-2024-3596). */
export const MIN_SECRET_LENGTH = 16;

const FILE = 'nas.yaml';

export interface NasEntry {
  /** The entry as written (after YAML parsing). */
  readonly raw: unknown;
  /** The schema output, or undefined when the entry has schema problems. */
  readonly parsed: ParsedNas | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Resolves secrets and runs the cross-entry checks. `workspaceIds` is undefined when workspaces.yaml could not be
 * read, so that its problem is not echoed as one "unknown workspace" per NAS.
 */
export async function resolveNas(
  configDir: string,
  entries: readonly NasEntry[],
  workspaceIds: ReadonlySet<string> | undefined,
  problems: Problem[],
): Promise<NasConfig[]> {
  const ranges: Array<{ range: IpRange; text: string } | undefined> = [];
  const resolved: NasConfig[] = [];

  for (const [i, { raw, parsed }] of entries.entries()) {
    const entry = isRecord(raw) ? raw : undefined;
    const add = (where: (string | number)[], reason: string) => problems.push({ file: FILE, where: ['nas', i, ...where], reason });
    const before = problems.length;
    if (entry === undefined) { ranges.push(undefined); continue; } // the schema reported it

    // Workspace reference.
    const workspace = entry['workspace'];
    if (workspaceIds !== undefined && typeof workspace === 'string' && !workspaceIds.has(workspace)) {
      const known = [...workspaceIds].join(', ') || 'none';
      add(['workspace'], `unknown workspace ${JSON.stringify(workspace)} (workspaces.yaml defines: ${known})`);
    }

    // Router rendering / reconcile keys that depend on each other or on `api`.
    checkRouter(entry, add);

    // Address overlap with earlier entries.
    const range = parsed?.range ?? tryRange(entry['address']);
    const text = String(entry['address']);
    ranges.push(range === undefined ? undefined : { range, text });
    for (const [j, other] of ranges.slice(0, i).entries()) {
      if (range === undefined || other === undefined || !rangesOverlap(range, other.range)) continue;
      const same = other.range.first === range.first && other.range.last === range.last;
      const otherName = nameOf(entries[j]?.raw);
      add(['address'], same
        ? `${text} duplicates the address of nas[${j}]${otherName}`
        : `${text} overlaps ${other.text} of nas[${j}]${otherName}`);
    }

    // The shared secret; a RadSec NAS without one uses RadSec's fixed `radsec` (RFC 6614 §2.3, config/radsec.ts).
    const radsecOnly = isRecord(entry['radsec']) && entry['secret'] === undefined && entry['secret_file'] === undefined;
    const secret = radsecOnly ? RADSEC_DEFAULTS.secret : await resolveSecret(configDir, entry, range, add);

    // The API: password, and host (defaults to the NAS address when that is a single address).
    const api = isRecord(entry['api']) ? entry['api'] : undefined;
    const apiPassword = api === undefined ? undefined : await resolveApiPassword(configDir, api, add);
    if (api !== undefined && api['host'] === undefined && range !== undefined && !isSingleAddress(range)) {
      add(['api', 'host'], `required because address ${text} is a range`);
    }
    const caFile = api?.['ca_file'];
    const ca = typeof caFile === 'string' && caFile.trim() !== '' ? await readCaFile(configDir, caFile, (reason) => add(['api', 'ca_file'], reason)) : undefined;
    for (const key of ['ca_file', 'fingerprint']) {
      if (api?.[key] !== undefined && (api['tls'] === undefined || api['tls'] === false)) {
        add(['api', key], 'only used with tls: true (the API over TLS, api-ssl)');
      }
    }

    if (parsed === undefined || secret === undefined || problems.length > before) continue;
    let resolvedApi: NasApiConfig | undefined;
    if (parsed.api !== undefined && apiPassword !== undefined) {
      const { host = formatIp({ family: parsed.range.family, value: parsed.range.first }), port, user, tls, fingerprint, timeoutSeconds } = parsed.api;
      resolvedApi = { host, port, user, password: apiPassword, tls, ca, fingerprint, timeoutSeconds };
    }
    resolved.push({
      name: parsed.name,
      address: parsed.address,
      secret,
      workspace: parsed.workspace,
      requireMessageAuthenticator: parsed.requireMessageAuthenticator,
      limitProxyState: parsed.limitProxyState,
      coaPort: parsed.coaPort,
      api: resolvedApi,
      router: parsed.router,
      enforcement: parsed.enforcement,
      ...(parsed.radsec === undefined ? {} : { radsec: nasRadsec(parsed.radsec, parsed.name, !radsecOnly) }),
    });
  }
  return resolved;
}

type Report = (where: (string | number)[], reason: string) => void;

/**
 * Exactly one of `secret` / `secret_file`; reads the file and applies the minimum length. Works on the raw entry
 * so that a weak or unreadable secret is reported even when another key of the entry is wrong.
 */
async function resolveSecret(configDir: string, entry: Record<string, unknown>, range: IpRange | undefined, add: Report): Promise<string | undefined> {
  const inline = entry['secret'];
  const file = entry['secret_file'];
  if ((inline !== undefined) === (file !== undefined)) {
    add([], inline !== undefined ? 'set either secret or secret_file, not both' : 'secret or secret_file is required');
    return undefined;
  }
  let secret: string | undefined;
  if (typeof inline === 'string' && inline !== '') secret = inline;
  else if (typeof file === 'string' && file.trim() !== '') secret = await readSecretFile(configDir, file, (reason) => add(['secret_file'], reason));
  if (secret === undefined) return undefined; // a wrong type is reported by the schema

  const length = [...secret].length;
  if (range !== undefined && length < MIN_SECRET_LENGTH && !isLoopback(range)) {
    const where = inline !== undefined ? 'secret' : 'secret_file';
    add([where], `shared secret is ${length} characters; at least ${MIN_SECRET_LENGTH} required for a non-loopback NAS (BlastRADIUS hardening)`);
    return undefined;
  }
  return secret;
}

/** Exactly one of `api.password` / `api.password_file` (which may hold an empty password). */
async function resolveApiPassword(configDir: string, api: Record<string, unknown>, add: Report): Promise<string | undefined> {
  const inline = api['password'];
  const file = api['password_file'];
  if ((inline !== undefined) === (file !== undefined)) {
    add(['api'], inline !== undefined ? 'set either password or password_file, not both' : 'password or password_file is required');
    return undefined;
  }
  if (typeof inline === 'string') return inline;
  if (typeof file === 'string' && file.trim() !== '') {
    return readSecretFile(configDir, file, (reason) => add(['api', 'password_file'], reason), true);
  }
  return undefined;
}

function tryRange(address: unknown): IpRange | undefined {
  if (typeof address !== 'string') return undefined;
  try {
    return parseCidr(address);
  } catch {
    return undefined;
  }
}

function nameOf(raw: unknown): string {
  const name = isRecord(raw) ? raw['name'] : undefined;
  return typeof name === 'string' ? ` ("${name}")` : '';
}

/**
 * Reads a secret from a file relative to the config dir, trailing newlines trimmed. Reports (without the content)
 * and returns undefined when the file is unreadable, empty, not UTF-8 or not printable (the router holds the secret
 * too: config/outbound-text.ts); `allowEmpty` for API passwords.
 */
async function readSecretFile(configDir: string, file: string, report: (reason: string) => void, allowEmpty = false): Promise<string | undefined> {
  let content: Buffer;
  try {
    content = await readFile(path.resolve(configDir, file));
  } catch (error) {
    report(`cannot read ${JSON.stringify(file)} (${fsErrorText(error)})`);
    return undefined;
  }
  if (!isUtf8(content)) {
    report(`${JSON.stringify(file)} is not UTF-8 text`);
    return undefined;
  }
  const secret = content.toString('utf8').replace(/[\r\n]+$/, '');
  if (secret === '' && !allowEmpty) {
    report(`${JSON.stringify(file)} is empty`);
    return undefined;
  }
  const problem = textProblem(secret);
  if (problem !== undefined) {
    report(`${JSON.stringify(file)} ${problem}`);
    return undefined;
  }
  return secret;
}
