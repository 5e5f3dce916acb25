/** One handler per packet code (radius.md §2); the server dispatches by code. */
import type { NasConfig } from '../config/index.js';
import { Code } from '../radius/codes.js';
import type { Handler } from '../radius/server.js';
import { accessRequestHandler, type AccessRequestDeps } from './access-request.js';
import { statusServerHandler } from './status-server.js';

export interface HandlerDeps extends AccessRequestDeps {
  accounting?: Handler<NasConfig>;
}

export function createHandlers(deps: HandlerDeps): Partial<Record<number, Handler<NasConfig>>> {
  const handlers: Partial<Record<number, Handler<NasConfig>>> = {
    [Code.AccessRequest]: accessRequestHandler(deps),
    [Code.StatusServer]: statusServerHandler,
  };
  if (deps.accounting) handlers[Code.AccountingRequest] = deps.accounting;
  return handlers;
}
