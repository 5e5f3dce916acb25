/**
 * @module config/link-keys
 * server.yaml `link_keys`: the keys that sign reminder links (JWS, RFC 7515). Each has an id (the JWS `kid`), an
 * algorithm and its material in a file or an environment variable — never in the YAML itself, so config can be
 * committed. The first key signs; every key verifies, so a rotation adds a new key first and removes the old one
 * once its links have expired. Material is checked here so a bad key is a config error, not a failure at sign time.
 */

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import type { Problem } from './errors.js';
import { field, matching, oneOf, text } from './fields.js';
import { fsErrorText } from './read-yaml.js';
import type { LinkKeyConfig } from './types.js';

export const LINK_KEY_ALGORITHMS = ['HS256', 'EdDSA'] as const;
/** RFC 7518 §3.2: an HS256 key must be at least as long as the hash output. */
export const MIN_HMAC_KEY_BYTES = 32;

const FILE = 'server.yaml';

export const linkKeySchema = z
  .strictObject({
    id: field(matching(/^[A-Za-z0-9._-]{1,64}$/, 'is not a valid key id (letters, digits, ".", "_" and "-"; at most 64)')),
    algorithm: field(oneOf(LINK_KEY_ALGORITHMS)),
    file: field(text).optional(),
    env: field(matching(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name')).optional(),
  })
  .transform((k) => ({ id: k.id, algorithm: k.algorithm, file: k.file, env: k.env }));

/** HS256 material → key bytes: 64+ hex digits, or base64 / base64url. Undefined when it is neither. */
export function hmacKeyBytes(material: string): Buffer | undefined {
  const trimmed = material.trim();
  if (/^([0-9a-fA-F]{2}){32,}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return undefined;
}

/** EdDSA material → keys: a PEM Ed25519 private key (signs and verifies) or public key (verifies only). */
export function ed25519Keys(material: string): { privateKey: KeyObject | undefined; publicKey: KeyObject } | undefined {
  try {
    if (material.includes('PRIVATE KEY')) {
      const privateKey = createPrivateKey(material);
      if (privateKey.asymmetricKeyType !== 'ed25519') return undefined;
      return { privateKey, publicKey: createPublicKey(privateKey) };
    }
    const publicKey = createPublicKey(material);
    return publicKey.asymmetricKeyType === 'ed25519' ? { privateKey: undefined, publicKey } : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Reads and checks every key of `server.link_keys` (raw entries, so problems show even when other keys are wrong).
 * Returns the keys, or undefined when any has a problem.
 */
export async function resolveLinkKeys(
  configDir: string,
  server: unknown,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
): Promise<LinkKeyConfig[] | undefined> {
  const list = isRecord(server) ? server['link_keys'] : undefined;
  if (!Array.isArray(list)) return list === undefined ? [] : undefined; // a non-list is reported by the schema
  const before = problems.length;
  const firstById = new Map<string, number>();
  const keys: LinkKeyConfig[] = [];
  for (const [i, entry] of list.entries()) {
    if (!isRecord(entry)) continue;
    const add = (where: string[], reason: string) => problems.push({ file: FILE, where: ['server', 'link_keys', i, ...where], reason });
    const parsed = linkKeySchema.safeParse(entry);
    if (typeof entry['id'] === 'string') {
      const j = firstById.get(entry['id']);
      if (j === undefined) firstById.set(entry['id'], i);
      else add(['id'], `duplicate key id ${JSON.stringify(entry['id'])} (first used by link_keys[${j}])`);
    }
    if ((entry['file'] !== undefined) === (entry['env'] !== undefined)) {
      add([], entry['file'] !== undefined ? 'set either file or env, not both' : 'file or env is required (key material never goes in this file)');
      continue;
    }
    if (!parsed.success) continue; // the schema reported it
    const { id, algorithm, file, env: variable } = parsed.data;
    let material: string | undefined;
    let source: string;
    let where: string;
    if (file !== undefined) {
      source = `file ${path.resolve(configDir, file)}`;
      where = 'file';
      try {
        material = await readFile(path.resolve(configDir, file), 'utf8');
      } catch (error) {
        add(['file'], `cannot read ${JSON.stringify(file)} (${fsErrorText(error)})`);
        continue;
      }
    } else {
      source = `env ${variable}`;
      where = 'env';
      material = env[variable!];
      if (material === undefined || material.trim() === '') {
        add(['env'], `environment variable ${variable} is not set`);
        continue;
      }
    }
    if (algorithm === 'HS256') {
      const bytes = hmacKeyBytes(material);
      if (bytes === undefined || bytes.length < MIN_HMAC_KEY_BYTES) {
        const got = bytes === undefined ? 'neither base64 nor hex' : `${bytes.length} bytes`;
        add([where], `HS256 key is ${got}; it must be at least ${MIN_HMAC_KEY_BYTES} random bytes as base64 or hex (openssl rand -base64 32)`);
        continue;
      }
    } else {
      const ed = ed25519Keys(material);
      if (ed === undefined) {
        add([where], 'EdDSA key must be a PEM Ed25519 private or public key (openssl genpkey -algorithm ed25519)');
        continue;
      }
      if (i === 0 && ed.privateKey === undefined) {
        add([where], 'the first key signs new links, so it must be a private key (this is a public key)');
        continue;
      }
    }
    keys.push({ id, algorithm, material, source });
  }
  return problems.length > before ? undefined : keys;
}
