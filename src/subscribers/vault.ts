/**
 * Subscriber passwords at rest: AES-256-GCM with a key from RADGATE_PASSWORD_KEY (base64 or hex, 32 bytes) or a
 * key file, generated on first start when absent (loudly: losing it makes every stored password unreadable).
 * Stored form: `v1:` + base64(iv ‖ tag ‖ ciphertext).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PRIVATE_DIR_MODE, writePrivateFile } from '../db/data-dir.js';
import { RadgateError } from '../errors.js';
import type { Logger } from '../log.js';

const PREFIX = 'v1:';

function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new RadgateError('PASSWORD_KEY', `${where} must hold 32 bytes (base64 or 64 hex digits); got ${key.length}`);
  }
  return key;
}

export interface VaultOptions {
  keyFile: string;
  envKey?: string | undefined;
  /** Create the key file when it does not exist (the server does; tools do not). */
  create: boolean;
  log: Logger;
}

export class PasswordVault {
  private constructor(private readonly key: Buffer) {}

  static open(options: VaultOptions): PasswordVault {
    if (options.envKey) return new PasswordVault(parseKey(options.envKey, 'RADGATE_PASSWORD_KEY'));
    if (existsSync(options.keyFile)) return new PasswordVault(parseKey(readFileSync(options.keyFile, 'utf8'), options.keyFile));
    if (!options.create) {
      throw new RadgateError(
        'PASSWORD_KEY',
        `no password key: ${options.keyFile} does not exist and RADGATE_PASSWORD_KEY is not set (radgate start creates it)`,
      );
    }
    const key = randomBytes(32);
    try {
      mkdirSync(path.dirname(options.keyFile), { recursive: true, mode: PRIVATE_DIR_MODE });
      writePrivateFile(options.keyFile, key.toString('base64') + '\n', 'wx'); // 0600 whatever the umask
    } catch (err) {
      throw new RadgateError('PASSWORD_KEY', `cannot create the password key ${options.keyFile}`, { cause: err });
    }
    options.log.warn(
      { keyFile: options.keyFile },
      'GENERATED A NEW PASSWORD ENCRYPTION KEY — back this file up: without it stored passwords cannot be read',
    );
    return new PasswordVault(key);
  }

  /** For tests and tools that bring their own key. */
  static fromKey(key: Buffer): PasswordVault {
    return new PasswordVault(parseKey(key.toString('base64'), 'key'));
  }

  encrypt(password: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
  }

  decrypt(stored: string): string {
    if (!stored.startsWith(PREFIX)) throw new RadgateError('PASSWORD_KEY', 'unknown password format');
    const blob = Buffer.from(stored.slice(PREFIX.length), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
      decipher.setAuthTag(blob.subarray(12, 28));
      return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new RadgateError('PASSWORD_KEY', 'a stored password does not decrypt with this key (wrong key?)', { cause: err });
    }
  }
}
