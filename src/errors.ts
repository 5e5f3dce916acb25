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
