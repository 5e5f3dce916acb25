/**
 * Status-Server (RFC 5997 §3): answered with Access-Accept on the authentication port and Accounting-Response on
 * the accounting port, and nothing else is done. Message-Authenticator was verified by the server.
 */
import type { NasConfig } from '../config/index.js';
import { Code } from '../radius/codes.js';
import type { Handler } from '../radius/server.js';

export const statusServerHandler: Handler<NasConfig> = (_request, { port }) => ({
  code: port === 'auth' ? Code.AccessAccept : Code.AccountingResponse,
  attributes: [],
  log: { code: 'Status-Server', outcome: 'alive' },
  routine: true,
});
