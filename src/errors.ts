/**
 * The error catalogue (fastify style): every error radgate raises on purpose has a stable code, a generic message,
 * the HTTP status the admin API answers with and the exit code of the CLI, so logs, the CLI and the API name it the
 * same way. Domain outcomes (wrong password, expired account) are not errors: they are values that become replies.
 *
 * Status 500 means "not a client error": the admin API answers it as INTERNAL, with no detail, and logs it.
 * docs/errors.md lists this table; test/errors.test.ts pins it (change the three together).
 */

/** One catalogue entry. `message` is the generic description; a raised error carries its own, specific message. */
export interface ErrorEntry<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** The HTTP status of the admin API's answer. */
  readonly status: number;
  /** The exit code of `radgate` (sysexits.h: 64 EX_USAGE, 70 EX_SOFTWARE, 78 EX_CONFIG; 1 otherwise). */
  readonly exitCode: number;
}

const CATALOGUE = {
  CONFIG_INVALID: { status: 500, exitCode: 78, message: 'the configuration has errors' },
  USAGE: { status: 500, exitCode: 64, message: 'the command line is wrong' },
  DB_UNREACHABLE: { status: 500, exitCode: 1, message: 'the database cannot be reached' },
  DB_DRIVER_UNPATCHED: { status: 500, exitCode: 1, message: "the installed PostgreSQL driver lacks radgate's patch (patches/README.md)" },
  PASSWORD_KEY: { status: 500, exitCode: 1, message: 'the password encryption key is missing or invalid' },
  LINK_KEY: { status: 500, exitCode: 1, message: 'a reminder-link signing key is missing or invalid' },
  DATA_DIR: { status: 500, exitCode: 1, message: "the data directory cannot be made private to radgate's user" },

  INVALID_REQUEST: { status: 400, exitCode: 1, message: 'the request is invalid' },
  UNAUTHORIZED: { status: 401, exitCode: 1, message: 'a valid bearer token is required' },
  FORBIDDEN: { status: 403, exitCode: 1, message: "the token's scope does not allow this call" },
  NOT_FOUND: { status: 404, exitCode: 1, message: 'no such API route' },
  INTERNAL: { status: 500, exitCode: 70, message: 'internal error' },

  SUBSCRIBER_NOT_FOUND: { status: 404, exitCode: 1, message: 'no such subscriber' },
  SUBSCRIBER_EXISTS: { status: 409, exitCode: 1, message: 'a subscriber with that username, account number or router entry already exists' },
  SUBSCRIBER_INVALID: { status: 400, exitCode: 1, message: 'the subscriber record is invalid' },
  IMPORT_INVALID: { status: 500, exitCode: 1, message: 'the import file has errors' },
  PLAN_UNKNOWN: { status: 400, exitCode: 1, message: 'the plan is not defined in plans.yaml' },
  WORKSPACE_UNKNOWN: { status: 400, exitCode: 1, message: 'the workspace is not defined in workspaces.yaml' },
  SESSION_NOT_FOUND: { status: 500, exitCode: 1, message: 'no such open session' },
  REMINDER_UNAVAILABLE: { status: 500, exitCode: 1, message: 'the workspace has no reminder host, so no reminder link can be made' },

  PAYMENT_INVALID: { status: 400, exitCode: 1, message: 'the payment cannot be recorded as given' },
  PAYMENT_CONFLICT: { status: 409, exitCode: 1, message: 'the payment reference is already used by a different payment' },
  PAYMENT_NOT_FOUND: { status: 404, exitCode: 1, message: 'no such payment' },
  BILLING_INVALID: { status: 400, exitCode: 1, message: 'the billing change is not allowed' },

  ROUTEROS_CONNECT: { status: 500, exitCode: 1, message: 'the RouterOS API of a router cannot be reached' },
  ROUTEROS_TLS: { status: 500, exitCode: 1, message: "the RouterOS API's TLS certificate is not trusted (nas.yaml api.ca_file, api.fingerprint)" },
  ROUTEROS_LOGIN: { status: 500, exitCode: 1, message: 'the RouterOS API refused the login' },
  ROUTEROS_TRAP: { status: 500, exitCode: 1, message: 'the RouterOS API refused a command (!trap)' },
  ROUTEROS_FATAL: { status: 500, exitCode: 1, message: 'the RouterOS API closed the session (!fatal)' },
  ROUTEROS_TIMEOUT: { status: 500, exitCode: 1, message: 'the RouterOS API did not answer in time' },
  ROUTEROS_CLOSED: { status: 500, exitCode: 1, message: 'the RouterOS API connection closed' },
  ROUTEROS_PROTOCOL: { status: 500, exitCode: 1, message: 'the RouterOS API sent something that is not the API protocol' },
  NAS_UNKNOWN: { status: 500, exitCode: 1, message: 'no NAS of that name in nas.yaml' },
  ROUTER_RENDER: { status: 500, exitCode: 1, message: 'the RouterOS configuration of a NAS cannot be rendered from the config' },
  ROUTER_APPLY: { status: 500, exitCode: 1, message: 'the RouterOS configuration could not be applied (or was refused) over the API' },
  ENFORCEMENT_JOB_NOT_FOUND: { status: 404, exitCode: 1, message: 'no such enforcement job' },
} as const satisfies Record<string, Omit<ErrorEntry, 'code'>>;

export type ErrorCode = keyof typeof CATALOGUE;

/** The catalogue, by code. */
export const ERRORS: { readonly [C in ErrorCode]: ErrorEntry<C> } = Object.freeze(
  Object.fromEntries(Object.entries(CATALOGUE).map(([code, entry]) => [code, Object.freeze({ code, ...entry })])),
) as { readonly [C in ErrorCode]: ErrorEntry<C> };

/** An error radgate raises on purpose. `message` is specific (names what is wrong) and never quotes a secret. */
export class RadgateError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RadgateError';
    this.code = code;
  }
}
