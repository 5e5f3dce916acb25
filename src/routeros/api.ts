/**
 * The RouterOS API as radgate uses it: one reused connection per NAS, generic verbs (`print`, `add`, `set`,
 * `remove`, `run`) and the session kicks. Every failure is a rejected `RouterOsError` (never an 'error' event).
 *
 * ```ts
 * const routers = new RouterOsPool();
 * const api = routers.get(endpointOf(nas));              // same NAS → same connection, opened on first use
 * const rows = await api.print('/ppp/active', { query: { name: 'alice' }, proplist: ['.id', 'address'] });
 * const id = await api.add('/ip/firewall/address-list', { list: 'radgate-unpaid', address: '10.0.0.5' });
 * await api.set('/ip/firewall/address-list', id, { comment: 'radgate:alice' });
 * await api.set('/radius/incoming', undefined, { accept: true, port: 3799 });   // a settings path: no id
 * await api.remove('/ip/firewall/address-list', id);
 * await routers.closeAll();
 * ```
 * Paths are menu paths with slashes (`/ip/firewall/filter`); values are sent as given (booleans as yes/no).
 */
import type { NasApiConfig } from '../config/index.js';
import { RouterOsConnection, RouterOsError, type CommandResult, type RouterOsEndpoint } from './connection.js';

export { RouterOsError, type RouterOsEndpoint, type RouterOsFailure, type RouterOsTls, type CommandResult } from './connection.js';
export { kickHotspotSession, kickPppSession, type KickResult } from './kick.js';

/** A row as the router returns it: property → value, `.id` included when asked for. */
export type Row = Record<string, string>;

/** Property values to send; booleans become `yes` / `no`. */
export type Properties = Readonly<Record<string, string | number | boolean>>;

export interface PrintOptions {
  /**
   * Which rows: an object is ANDed equality (`{ name: 'alice' }` → `?name=alice`); an array is raw query words for
   * anything else (`['?comment=radgate:x', '?-disabled', '?#|']`, the RouterOS query stack).
   */
  query?: Readonly<Record<string, string>> | readonly string[];
  /** Only these properties (`=.proplist=`); include `.id` to act on the rows. */
  proplist?: readonly string[];
}

/** The API of one router. Commands may run concurrently; they share one connection (tagged). */
export interface RouterOsApi {
  readonly name: string;
  print(path: string, options?: PrintOptions): Promise<Row[]>;
  /** Adds a row; resolves to its id (`!done =ret=*1A`). */
  add(path: string, properties: Properties): Promise<string>;
  /** Sets properties of a row, or of a settings menu (`/radius/incoming`) when `id` is undefined. */
  set(path: string, id: string | undefined, properties: Properties): Promise<void>;
  /** Removes rows by id. */
  remove(path: string, ids: string | readonly string[]): Promise<void>;
  /** Any command (`/system/identity/print`, `/ip/firewall/filter/move`) with raw words; rows and `!done` attributes. */
  run(command: string, words?: readonly string[] | Properties): Promise<CommandResult>;
  /** Drops the connection (the next call opens a new one). */
  close(): Promise<void>;
}

/** The endpoint for a NAS's `api:` config (port already defaulted to 8728, or 8729 with TLS, by the config loader). */
export function endpointOf(nasName: string, api: NasApiConfig): RouterOsEndpoint {
  const tls = api.tls ? { ca: api.ca, fingerprint: api.fingerprint } : undefined;
  return { name: nasName, host: api.host, port: api.port, user: api.user, password: api.password, tls, timeoutSeconds: api.timeoutSeconds };
}

function menu(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (!/^\/[\w-]+(\/[\w-]+)*$/.test(trimmed)) throw new RouterOsError('protocol', '-', `not a RouterOS menu path: ${JSON.stringify(path)}`);
  return trimmed;
}

function attributeWords(properties: Properties): string[] {
  return Object.entries(properties).map(([key, value]) => `=${key}=${typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value)}`);
}

export interface RouterOsClientOptions {
  /** Close an unused connection after this long, ms. Default 60 000. */
  idleMs?: number;
}

/** A `RouterOsApi` that opens its connection on first use, reuses it, and reopens it after a failure. */
export class RouterOsClient implements RouterOsApi {
  private connection: Promise<RouterOsConnection> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private active = 0;
  private readonly idleMs: number;

  constructor(
    readonly endpoint: RouterOsEndpoint,
    options: RouterOsClientOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 60_000;
  }

  get name(): string {
    return this.endpoint.name;
  }

  async print(path: string, options: PrintOptions = {}): Promise<Row[]> {
    const words: string[] = [];
    if (options.proplist) words.push(`=.proplist=${options.proplist.join(',')}`);
    const query = options.query;
    if (Array.isArray(query)) words.push(...(query as readonly string[]));
    else if (query) for (const [key, value] of Object.entries(query)) words.push(`?${key}=${value}`);
    const result = await this.run(`${menu(path)}/print`, words);
    return result.rows; // `!empty` (RouterOS 7.18+) and a bare `!done` both mean no rows
  }

  async add(path: string, properties: Properties): Promise<string> {
    const result = await this.run(`${menu(path)}/add`, attributeWords(properties));
    const id = result.done['ret'];
    if (id === undefined) throw new RouterOsError('protocol', this.name, `RouterOS ${this.name} added to ${path} without returning an id`);
    return id;
  }

  async set(path: string, id: string | undefined, properties: Properties): Promise<void> {
    const words = id === undefined ? [] : [`=.id=${id}`];
    await this.run(`${menu(path)}/set`, [...words, ...attributeWords(properties)]);
  }

  async remove(path: string, ids: string | readonly string[]): Promise<void> {
    const list = typeof ids === 'string' ? [ids] : ids;
    if (list.length === 0) return;
    await this.run(`${menu(path)}/remove`, [`=.id=${list.join(',')}`]);
  }

  async run(command: string, words: readonly string[] | Properties = []): Promise<CommandResult> {
    const list = Array.isArray(words) ? (words as readonly string[]) : attributeWords(words as Properties);
    this.active++;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    try {
      const connection = await this.connect();
      return await connection.command([command, ...list]);
    } finally {
      this.active--;
      this.armIdle();
    }
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const connection = this.connection;
    this.connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.close();
  }

  private connect(): Promise<RouterOsConnection> {
    if (!this.connection) {
      const opening = RouterOsConnection.open(this.endpoint);
      this.connection = opening;
      opening.then(
        (connection) => connection.onClose(() => {
          if (this.connection === opening) this.connection = undefined;
        }),
        () => {
          if (this.connection === opening) this.connection = undefined;
        },
      );
    }
    return this.connection;
  }

  private armIdle(): void {
    if (this.active > 0 || !this.connection) return;
    this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
    this.idleTimer.unref();
  }
}

/** One client per NAS name, so every part of radgate shares a router's connection. */
export class RouterOsPool {
  private readonly clients = new Map<string, RouterOsClient>();

  constructor(private readonly options: RouterOsClientOptions = {}) {}

  /** The client for this endpoint; a changed endpoint (config reload) replaces the old client. */
  get(endpoint: RouterOsEndpoint): RouterOsApi {
    const existing = this.clients.get(endpoint.name);
    if (existing && sameEndpoint(existing.endpoint, endpoint)) return existing;
    void existing?.close();
    const client = new RouterOsClient(endpoint, this.options);
    this.clients.set(endpoint.name, client);
    return client;
  }

  async closeAll(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((client) => client.close()));
  }
}

function sameEndpoint(a: RouterOsEndpoint, b: RouterOsEndpoint): boolean {
  const sameTls = a.tls === undefined || b.tls === undefined
    ? a.tls === b.tls
    : a.tls.ca === b.tls.ca && a.tls.fingerprint === b.tls.fingerprint;
  return a.host === b.host && a.port === b.port && a.user === b.user && a.password === b.password && sameTls && a.timeoutSeconds === b.timeoutSeconds;
}
