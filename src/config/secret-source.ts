/**
 * A secret that a config file names by `{ file: PATH }` (relative to the config directory) or `{ env: NAME }`,
 * never by value: payment-hook keys, the SMTP password, the webhook key. One reader, so each reports the same
 * problems in the same words. (server.yaml link keys read theirs alike in link-keys.ts, before this module.)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fsErrorText } from './read-yaml.js';

export interface SecretRead {
  /** Where it came from, for logs and doctor: `file /abs/path` or `env NAME`; never the value. */
  readonly source: string;
  /** The key that named it, for the problem path of a value that is read but not acceptable. */
  readonly where: 'file' | 'env';
  /** The file's contents or the variable's value, untrimmed. */
  readonly material: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads the secret `spec` names; reports through `add` (a path below the entry, and the reason) and returns
 * undefined when it cannot. A value of the wrong type is left to the schema, which reports it.
 */
export async function readSecretSource(
  configDir: string,
  spec: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  add: (where: string[], reason: string) => void,
  what = 'key material',
): Promise<SecretRead | undefined> {
  const file = spec['file'];
  const variable = spec['env'];
  if ((file !== undefined) === (variable !== undefined)) {
    add([], file !== undefined ? 'set either file or env, not both' : `file or env is required (${what} never goes in this file)`);
    return undefined;
  }
  if (typeof file === 'string' && file.trim() !== '') {
    const resolved = path.resolve(configDir, file);
    try {
      return { source: `file ${resolved}`, where: 'file', material: await readFile(resolved, 'utf8') };
    } catch (error) {
      add(['file'], `cannot read ${JSON.stringify(file)} (${fsErrorText(error)})`);
      return undefined;
    }
  }
  if (typeof variable === 'string' && ENV_NAME.test(variable)) {
    const material = env[variable];
    if (material === undefined || material.trim() === '') {
      add(['env'], `environment variable ${variable} is not set`);
      return undefined;
    }
    return { source: `env ${variable}`, where: 'env', material };
  }
  return undefined;
}
