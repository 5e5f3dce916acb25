/**
 * @module config/types
 * The validated, frozen configuration the rest of radgate reads. Plain data only: durations are SECONDS
 * (`...Seconds`, may be fractional), ports are numbers, unset optional values are `undefined`.
 * Defaults live in `DEFAULTS` (schema.ts); the example files in `config/` state them too.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** `yes` / `no` / `auto` (YAML true/false are read as yes/no). */
export type TriState = 'yes' | 'no' | 'auto';

/** RADIUS attribute name → value, added to an Access-Accept as is (integers as numbers, the rest as strings). */
export type ReplyAttributes = Readonly<Record<string, string | number>>;

/** server.yaml `server:` */
export interface ServerConfig {
  /** Address the RADIUS and HTTP listeners bind to. Default `0.0.0.0`. Env `RADGATE_BIND`. */
  readonly bind: string;
  /** UDP authentication port. Default 1812; 0 = any free port (tests). Env `RADGATE_AUTH_PORT`. */
  readonly authPort: number;
  /** UDP accounting port. Default 1813; 0 = any free port. Env `RADGATE_ACCT_PORT`. */
  readonly acctPort: number;
  /** TCP port of the admin/reminder web app. Default 8080; 0 = any free port. Env `RADGATE_HTTP_PORT`. */
  readonly httpPort: number;
  /** Delay before sending an Access-Reject, seconds. Default 1, from 0 to 10. */
  readonly rejectDelaySeconds: number;
  /** Default `info`. */
  readonly logLevel: LogLevel;
  /** Lifetime of the duplicate-request cache (RFC 5080 §2.2.2), seconds. Default 10, from 5 to 30. */
  readonly duplicateWindowSeconds: number;
  /**
   * Absolute path of the AES-256 key for subscriber passwords at rest (a relative path in server.yaml is resolved
   * against the config dir). `undefined` = the default, `password.key` in the data directory.
   */
  readonly passwordKeyFile: string | undefined;
  /** A session is stale after `factor × interim interval` without accounting. Default 3, at least 2. */
  readonly staleSessionFactor: number;
}

/** nas.yaml `nas[].api`: RouterOS API access used to kick sessions and reconcile address lists. */
export interface NasApiConfig {
  /** Default: the NAS address (required when the NAS address is a range). */
  readonly host: string;
  /** Default 8728, or 8729 with `tls`. */
  readonly port: number;
  readonly user: string;
  /** Resolved from `password` or `password_file`. Secret: never log. */
  readonly password: string;
  /** Default false. */
  readonly tls: boolean;
  /** Default 10. */
  readonly timeoutSeconds: number;
}

/** nas.yaml `nas[]`: a router allowed to talk RADIUS to radgate. */
export interface NasConfig {
  /** Unique, `^[A-Za-z0-9_.-]+$`. */
  readonly name: string;
  /** Source address or CIDR range as written; match with `parseCidr` / `ipInRange` from net.ts. */
  readonly address: string;
  /** Shared secret, resolved from `secret` or `secret_file`. Secret: never log. */
  readonly secret: string;
  /** Id of a workspace in workspaces.yaml. */
  readonly workspace: string;
  /** Require Message-Authenticator on Access-Requests. Default `auto`. */
  readonly requireMessageAuthenticator: TriState;
  /** Drop Proxy-State-bearing requests lacking Message-Authenticator (BlastRADIUS). Default `auto`. */
  readonly limitProxyState: TriState;
  /** UDP port the router listens on for CoA / Disconnect. Default 3799. */
  readonly coaPort: number;
  /** Optional RouterOS API access. */
  readonly api: NasApiConfig | undefined;
}

/** workspaces.yaml `workspaces[].expired_profile`: what an expired (unpaid) subscriber gets. */
export interface ExpiredProfile {
  /** Mikrotik-Group (PPP profile). Required. */
  readonly group: string;
  /** Mikrotik-Address-List. Default `radgate-unpaid`. */
  readonly addressList: string;
  /** Validated Mikrotik-Rate-Limit. */
  readonly rateLimit: string | undefined;
  /** Framed-Pool. */
  readonly pool: string | undefined;
  readonly sessionTimeoutSeconds: number | undefined;
  /** Default `{}`. */
  readonly replyAttributes: ReplyAttributes;
}

/** workspaces.yaml `workspaces[]`. */
export interface WorkspaceConfig {
  /** Unique, `^[a-z0-9][a-z0-9-]*$`. */
  readonly id: string;
  readonly name: string;
  /** Free text shown to subscribers in reject messages. */
  readonly supportContact: string | undefined;
  readonly expiredProfile: ExpiredProfile;
}

/** plans.yaml `plans[]`: a service plan; subscribers (in the database) refer to it by name. */
export interface PlanConfig {
  /** Unique. */
  readonly name: string;
  /** Validated Mikrotik-Rate-Limit. Required. */
  readonly rateLimit: string;
  /** Framed-Pool. */
  readonly pool: string | undefined;
  /** Mikrotik-Group (PPP profile). */
  readonly group: string | undefined;
  /** Session-Timeout, whole seconds. */
  readonly sessionTimeoutSeconds: number | undefined;
  /** Idle-Timeout, whole seconds. */
  readonly idleTimeoutSeconds: number | undefined;
  /** Acct-Interim-Interval, whole seconds. Default 300, at least 60. */
  readonly interimIntervalSeconds: number;
  /** Mikrotik-Address-List. */
  readonly addressList: string | undefined;
  /** Simultaneous sessions allowed. Default 1. */
  readonly maxSessions: number;
  /** Default `{}`. */
  readonly replyAttributes: ReplyAttributes;
}

/** The whole configuration, deep-frozen. */
export interface Config {
  /** Absolute path of the config directory the files were read from. */
  readonly configDir: string;
  readonly server: ServerConfig;
  readonly nas: readonly NasConfig[];
  readonly workspaces: readonly WorkspaceConfig[];
  readonly plans: readonly PlanConfig[];
  readonly workspaceById: ReadonlyMap<string, WorkspaceConfig>;
  readonly planByName: ReadonlyMap<string, PlanConfig>;
}
