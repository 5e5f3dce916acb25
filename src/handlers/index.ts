/**
 * One handler per packet code (docs/radius-protocol.md §1), built from its dependencies; the server dispatches by code.
 * Access-Request (RFC 2865 §4.1) and Status-Server (RFC 5997 §3) on the authentication port, Accounting-Request
 * (RFC 2866 §4.1) and Status-Server on the accounting port.
 */
import type { NasConfig } from '../config/index.js';
import { Code } from '../radius/codes.js';
import type { Handler } from '../radius/server.js';
import { accessRequestHandler, type AccessRequestDeps } from './access-request.js';
import { accountingRequestHandler, type AccountingRequestDeps } from './accounting-request.js';
import { statusServerHandler } from './status-server.js';

/** What the handlers need: the configuration in force, the subscriber directory, and where sessions go. */
export interface HandlerDeps extends AccessRequestDeps, AccountingRequestDeps {}

export type HandlerTable = Partial<Record<number, Handler<NasConfig>>>;

export function createHandlers(deps: HandlerDeps): HandlerTable {
  return {
    [Code.AccessRequest]: accessRequestHandler(deps),
    [Code.AccountingRequest]: accountingRequestHandler(deps),
    [Code.StatusServer]: statusServerHandler,
  };
}
