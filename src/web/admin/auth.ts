/**
 * @module web/admin/auth
 * Bearer tokens of the admin API. A token is `rg_` + 32 random bytes (base64url); config holds only its SHA-256
 * (admin.yaml), so a leaked config does not leak a token. A plain hash suffices because tokens are random, not
 * passwords. Comparison is constant-time against every configured hash.
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AdminTokenConfig } from '../../config/index.js';

export type Scope = AdminTokenConfig['scope'];

/** A new token and the admin.yaml entry that accepts it. */
export function generateToken(name: string, scope: Scope): { token: string; hash: string; yaml: string } {
  const token = `rg_${randomBytes(32).toString('base64url')}`;
  const hash = `sha256:${hashToken(token)}`;
  return { token, hash, yaml: `  - name: ${name}\n    hash: ${hash}\n    scope: ${scope}` };
}

/** SHA-256 of the token text, lower-case hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The configured token matching `presented`, or undefined. Every hash is compared; none is skipped early. */
export function findToken(presented: string, tokens: readonly AdminTokenConfig[]): AdminTokenConfig | undefined {
  const digest = Buffer.from(hashToken(presented), 'hex');
  let match: AdminTokenConfig | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(digest, Buffer.from(t.sha256, 'hex')) && match === undefined) match = t;
  }
  return match;
}

/** `Authorization: Bearer <token>` → the token (RFC 6750 §2.1), or undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return m?.[1];
}

export const allows = (token: AdminTokenConfig, needed: Scope): boolean => needed === 'read' || token.scope === 'write';
