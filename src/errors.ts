/**
 * The error catalogue: every error radgate raises on purpose has a stable code, so logs, the CLI and the API can
 * name it. Domain outcomes (wrong password, expired account) are not errors: they are values that become replies.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'the configuration has errors',
  DB_UNREACHABLE: 'the database cannot be reached',
  PASSWORD_KEY: 'the password encryption key is missing or invalid',
  SUBSCRIBER_NOT_FOUND: 'no such subscriber',
  SUBSCRIBER_EXISTS: 'a subscriber with that username or account number already exists',
  SUBSCRIBER_INVALID: 'the subscriber record is invalid',
  IMPORT_INVALID: 'the import file has errors',
  PLAN_UNKNOWN: 'the plan is not defined in plans.yaml',
  WORKSPACE_UNKNOWN: 'the workspace is not defined in workspaces.yaml',
  SOCKET_BIND: 'a listening socket could not be bound',
  USAGE: 'the command line is wrong',
  SESSION_NOT_FOUND: 'no such open session',
  LINK_KEY: 'a reminder-link signing key is missing or invalid',
  REMINDER_UNAVAILABLE: 'the workspace has no reminder host, so no reminder link can be made',
  PAYMENT_INVALID: 'the payment cannot be recorded as given',
  PAYMENT_CONFLICT: 'the payment reference is already used by a different payment',
  PAYMENT_NOT_FOUND: 'no such payment',
  BILLING_INVALID: 'the billing change is not allowed',
  ROUTEROS_CONNECT: 'the RouterOS API of a router cannot be reached',
  ROUTEROS_LOGIN: 'the RouterOS API refused the login',
  ROUTEROS_TRAP: 'the RouterOS API refused a command (!trap)',
  ROUTEROS_FATAL: 'the RouterOS API closed the session (!fatal)',
  ROUTEROS_TIMEOUT: 'the RouterOS API did not answer in time',
  ROUTEROS_CLOSED: 'the RouterOS API connection closed',
  ROUTEROS_PROTOCOL: 'the RouterOS API sent something that is not the API protocol',
  NAS_UNKNOWN: 'no NAS of that name in nas.yaml',
  ROUTER_RENDER: 'the RouterOS configuration of a NAS cannot be rendered from the config',
  ROUTER_APPLY: 'the RouterOS configuration could not be applied (or was refused) over the API',
  ENFORCEMENT_FAILED: 'a subscriber change could not be pushed to the router',
  ENFORCEMENT_JOB_NOT_FOUND: 'no such enforcement job',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RadgateError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RadgateError';
    this.code = code;
  }
}
