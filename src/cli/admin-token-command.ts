/** `radgate admin-token NAME [--scope read|write]`: a new admin API token and the admin.yaml lines that accept it. */
import { parseArgs } from 'node:util';
import { TOKEN_NAME } from '../config/billing.js';
import { RadgateError } from '../errors.js';
import { generateToken } from '../web/admin/auth.js';

export const ADMIN_TOKEN_USAGE = `radgate admin-token NAME [--scope read|write]
  prints a new bearer token for the admin API (shown once: give it to the client) and the lines to add under
  "tokens:" in admin.yaml (radgate stores only the token's SHA-256). Scope read (default): GET only; write: all.
  Apply with radgate reload (or a restart).`;

export function adminTokenCommand(argv: string[]): string {
  const { values, positionals } = parseArgs({ args: argv, options: { scope: { type: 'string', default: 'read' } }, allowPositionals: true, strict: true });
  const name = positionals[0];
  if (name === undefined || positionals.length > 1) throw new RadgateError('USAGE', ADMIN_TOKEN_USAGE);
  if (!TOKEN_NAME.test(name)) throw new RadgateError('USAGE', `NAME: 1-64 letters, digits, "_", "." and "-", got "${name}"`);
  if (values.scope !== 'read' && values.scope !== 'write') throw new RadgateError('USAGE', `--scope: read or write, got "${values.scope}"`);
  const { token, yaml } = generateToken(name, values.scope);
  return `token (shown once, keep it secret):\n  ${token}\n\nadd to admin.yaml under "tokens:":\n${yaml}`;
}
