/**
 * The reminder-link key ring: the configured `link_keys` (the first signs, all verify), or — when none are
 * configured — one HS256 key kept in `<data dir>/link-signing.key`, generated on first start (loudly: deleting it
 * revokes every link issued so far). Its key id derives from the key, so a regenerated key never shares an id
 * with the old one and old links fail as "unknown key" rather than "bad signature".
 */
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ed25519Keys, hmacKeyBytes, type LinkKeyConfig } from '../../config/index.js';
import { PRIVATE_DIR_MODE, writePrivateFile } from '../../db/data-dir.js';
import { RadgateError } from '../../errors.js';
import type { Logger } from '../../log.js';

export type LinkAlgorithm = LinkKeyConfig['algorithm'];

export interface RingKey {
  readonly id: string;
  readonly algorithm: LinkAlgorithm;
  /** Undefined for a verify-only key (an EdDSA public key). */
  readonly signingKey: KeyObject | undefined;
  readonly verifyingKey: KeyObject;
}

export const DEFAULT_KEY_FILE = 'link-signing.key';

export class LinkKeyRing {
  private readonly byId: ReadonlyMap<string, RingKey>;

  private constructor(readonly signing: RingKey & { signingKey: KeyObject }, keys: readonly RingKey[]) {
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  /** The key with this id, or undefined (unknown or removed from config). */
  key(id: string): RingKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }

  /** From validated config entries (config/link-keys.ts checked the material); the first must sign. */
  static fromConfig(keys: readonly LinkKeyConfig[]): LinkKeyRing {
    const ring = keys.map(toRingKey);
    const first = ring[0];
    if (first === undefined || first.signingKey === undefined) {
      throw new RadgateError('LINK_KEY', 'the first link key must be able to sign');
    }
    return new LinkKeyRing({ ...first, signingKey: first.signingKey }, ring);
  }

  /**
   * The configured keys, or the data-dir key (created when `create`, i.e. by the server and the CLI; a race
   * between two creators is settled by the `wx` flag: the loser reads the winner's key).
   */
  static open(options: { keys: readonly LinkKeyConfig[]; dataDir: string; create: boolean; log: Logger }): LinkKeyRing {
    if (options.keys.length > 0) return LinkKeyRing.fromConfig(options.keys);
    const file = path.join(options.dataDir, DEFAULT_KEY_FILE);
    const material = readOrCreate(file, options.create, options.log);
    const bytes = hmacKeyBytes(material);
    if (bytes === undefined || bytes.length < 32) {
      throw new RadgateError('LINK_KEY', `${file} must hold at least 32 bytes as base64 or hex`);
    }
    const id = `local-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
    return LinkKeyRing.fromConfig([{ id, algorithm: 'HS256', material, source: `file ${file}` }]);
  }
}

function toRingKey(config: LinkKeyConfig): RingKey {
  if (config.algorithm === 'HS256') {
    const bytes = hmacKeyBytes(config.material);
    if (bytes === undefined) throw new RadgateError('LINK_KEY', `link key ${config.id} (${config.source}) is not base64 or hex`);
    const key = createSecretKey(bytes);
    return { id: config.id, algorithm: 'HS256', signingKey: key, verifyingKey: key };
  }
  const ed = ed25519Keys(config.material);
  if (ed === undefined) throw new RadgateError('LINK_KEY', `link key ${config.id} (${config.source}) is not an Ed25519 PEM key`);
  return { id: config.id, algorithm: 'EdDSA', signingKey: ed.privateKey, verifyingKey: ed.publicKey };
}

function readOrCreate(file: string, create: boolean, log: Logger): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RadgateError('LINK_KEY', `cannot read the link signing key ${file}`, { cause: err });
    }
  }
  if (!create) throw new RadgateError('LINK_KEY', `no link signing key: ${file} does not exist (radgate start creates it)`);
  const material = randomBytes(32).toString('base64') + '\n';
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    writePrivateFile(file, material, 'wx'); // 0600 whatever the umask
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8');
    throw new RadgateError('LINK_KEY', `cannot create the link signing key ${file}`, { cause: err });
  }
  log.warn(
    { keyFile: file },
    'GENERATED A NEW REMINDER-LINK SIGNING KEY — back it up; replacing or deleting it invalidates every reminder link issued so far. ' +
      'Several radgate instances must share it (or configure server.link_keys).',
  );
  return material;
}
