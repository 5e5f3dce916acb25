/**
 * One RouterOS API session over TCP (8728) or TLS (8729): connect, log in, run tagged commands concurrently.
 * Over TLS the router's certificate is checked before a word is sent (the login carries the password): pinned by
 * its SHA-256, verified against given CAs (or the router's own certificate), or against the system's CAs — never
 * accepted unverified (`RouterOsTls`, docs/routeros.md §13).
 *
 * Written on the wire protocol instead of wrapping `node-routeros` 1.6.9, whose traps (docs/routeros.md §11) sit where
 * a wrapper cannot reach: `!empty` makes its Channel throw UNKNOWNREPLY synchronously inside the socket's 'data'
 * handler and the following `!done` throws UNREGISTEREDTAG there too (both uncaught: the process dies); a command
 * whose socket closes never settles; `!trap` is turned into `new Error(message)` inside the Channel; words are
 * transcoded to win1252, so a UTF-8 user name from RADIUS never matches. Here every failure is a rejected promise
 * (`RouterOsError`), nothing is ever emitted as 'error', and the port is always explicit.
 */
import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { RadgateError, type ErrorCode } from '../errors.js';
import { encodeSentence, parseReply, SentenceDecoder, type Reply } from './wire.js';

/** Where and how to reach one router's API. */
export interface RouterOsEndpoint {
  /** The NAS name, for messages. */
  name: string;
  host: string;
  /** Always explicit: 8728 plain, 8729 TLS (config applies the default; never inferred here). */
  port: number;
  user: string;
  /** Secret: never logged, never part of an error message. */
  password: string;
  /** TLS (api-ssl) and how the router's certificate is trusted; undefined = the plain API. */
  tls?: RouterOsTls | undefined;
  /** Connect, login and per-command timeout, seconds. */
  timeoutSeconds: number;
}

/**
 * Which certificate the router may present (nas.yaml `api.ca_file`, `api.fingerprint`). Both given: both must hold.
 * Neither: the system's CAs, and the certificate must name the host.
 */
export interface RouterOsTls {
  /**
   * PEM certificates: CAs (the router's certificate must chain to one and name the host), or the router's own
   * certificate (trusted as it is, whatever name it carries).
   */
  readonly ca?: string | undefined;
  /** The SHA-256 of the router's certificate, `AB:CD:…` (Node's `fingerprint256`). */
  readonly fingerprint?: string | undefined;
}

export type RouterOsFailure = 'connect' | 'tls' | 'login' | 'trap' | 'fatal' | 'timeout' | 'closed' | 'protocol';

const FAILURE_CODES: Record<RouterOsFailure, ErrorCode> = {
  connect: 'ROUTEROS_CONNECT',
  tls: 'ROUTEROS_TLS',
  login: 'ROUTEROS_LOGIN',
  trap: 'ROUTEROS_TRAP',
  fatal: 'ROUTEROS_FATAL',
  timeout: 'ROUTEROS_TIMEOUT',
  closed: 'ROUTEROS_CLOSED',
  protocol: 'ROUTEROS_PROTOCOL',
};

/** A failed API call. `category` and `routerMessage` are the router's own words from `!trap` / `!fatal`. */
export class RouterOsError extends RadgateError {
  readonly failure: RouterOsFailure;
  /** `!trap =category=` (0 missing item or command, 1 argument value, 2 interrupted, 3 scripting, 4 general, 5 API). */
  readonly category: number | undefined;
  readonly routerMessage: string | undefined;
  readonly nas: string;

  constructor(
    failure: RouterOsFailure,
    nas: string,
    message: string,
    options: { category?: number | undefined; routerMessage?: string | undefined; cause?: unknown } = {},
  ) {
    super(FAILURE_CODES[failure], message, { cause: options.cause });
    this.name = 'RouterOsError';
    this.failure = failure;
    this.nas = nas;
    this.category = options.category;
    this.routerMessage = options.routerMessage;
  }
}

/** What a command returned: its `!re` rows, the attributes of its `!done` (e.g. `ret`), whether it said `!empty`. */
export interface CommandResult {
  rows: Array<Record<string, string>>;
  done: Record<string, string>;
  /** RouterOS 7.18+ answers a print that matched nothing with `!empty` before `!done`. */
  empty: boolean;
}

interface Pending {
  rows: Array<Record<string, string>>;
  empty: boolean;
  trap: Reply | undefined;
  resolve: (result: CommandResult) => void;
  reject: (error: RouterOsError) => void;
  timer: NodeJS.Timeout;
  command: string;
}

export class RouterOsConnection {
  private readonly pending = new Map<string, Pending>();
  private readonly decoder = new SentenceDecoder();
  private nextTag = 1;
  private closedWith: RouterOsError | undefined;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(
    private readonly endpoint: RouterOsEndpoint,
    private readonly socket: net.Socket,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // Listeners for 'error' and 'close' always exist: a socket error never becomes an uncaught exception.
    socket.on('error', (err) => this.fail(new RouterOsError('closed', endpoint.name, `RouterOS API of ${endpoint.name}: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new RouterOsError('closed', endpoint.name, `RouterOS API of ${endpoint.name} closed the connection`)));
  }

  /** Connect and log in; rejects with `connect`, `login` or `timeout`. */
  static async open(endpoint: RouterOsEndpoint): Promise<RouterOsConnection> {
    const socket = await connect(endpoint);
    const connection = new RouterOsConnection(endpoint, socket);
    try {
      await connection.login();
    } catch (err) {
      connection.close();
      throw err;
    }
    return connection;
  }

  get alive(): boolean {
    return this.closedWith === undefined;
  }

  /** Called once when the connection ends for any reason. */
  onClose(listener: () => void): void {
    if (this.closedWith) listener();
    else this.closeListeners.push(listener);
  }

  /**
   * Run one command: `words[0]` is the command (`/ppp/active/print`), the rest attribute (`=name=value`) and query
   * (`?name=value`) words. Resolves at `!done`; rejects on `!trap` (with its category), `!fatal`, a closed
   * connection, or no `!done` within the timeout (then the connection is dropped: its state is unknown).
   */
  command(words: readonly string[], timeoutMs = this.endpoint.timeoutSeconds * 1000): Promise<CommandResult> {
    const [command] = words;
    if (command === undefined || !command.startsWith('/')) {
      return Promise.reject(new RouterOsError('protocol', this.endpoint.name, `not a RouterOS API command: ${String(command)}`));
    }
    if (this.closedWith) return Promise.reject(this.closedWith);
    const tag = String(this.nextTag++);
    return new Promise<CommandResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(tag);
        const error = new RouterOsError('timeout', this.endpoint.name,
          `RouterOS API of ${this.endpoint.name} did not answer ${command} within ${formatMs(timeoutMs)}`);
        reject(error);
        this.fail(new RouterOsError('closed', this.endpoint.name, `RouterOS API of ${this.endpoint.name} dropped after a timeout`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(tag, { rows: [], empty: false, trap: undefined, resolve, reject, timer, command });
      this.socket.write(encodeSentence([...words, `.tag=${tag}`]));
    });
  }

  close(): void {
    this.fail(new RouterOsError('closed', this.endpoint.name, `RouterOS API connection to ${this.endpoint.name} was closed`));
  }

  private async login(): Promise<void> {
    const { user, password, name } = this.endpoint;
    let result: CommandResult;
    try {
      // RouterOS 6.43+: plain login (over TLS when configured).
      result = await this.command(['/login', `=name=${user}`, `=password=${password}`]);
      const challenge = result.done['ret'];
      if (challenge !== undefined && /^[0-9a-f]{32}$/i.test(challenge)) {
        // Before 6.43 the router answers with a challenge: response = 00 ‖ MD5(0x00 ‖ password ‖ challenge).
        const digest = createHash('md5').update(Buffer.of(0)).update(password, 'utf8').update(Buffer.from(challenge, 'hex')).digest('hex');
        result = await this.command(['/login', `=name=${user}`, `=response=00${digest}`]);
      }
    } catch (err) {
      if (err instanceof RouterOsError && err.failure === 'trap') {
        throw new RouterOsError('login', name, `RouterOS API of ${name} refused the login of user "${user}": ${err.routerMessage ?? 'no reason given'}`, {
          category: err.category,
          routerMessage: err.routerMessage,
        });
      }
      throw err;
    }
  }

  private receive(chunk: Buffer): void {
    let sentences: string[][];
    try {
      sentences = this.decoder.push(chunk);
    } catch (err) {
      this.fail(new RouterOsError('protocol', this.endpoint.name, `RouterOS API of ${this.endpoint.name}: ${(err as Error).message}`));
      return;
    }
    for (const sentence of sentences) {
      if (sentence.length === 0) continue; // an empty sentence carries nothing
      this.dispatch(parseReply(sentence));
    }
  }

  private dispatch(reply: Reply): void {
    if (reply.type === '!fatal') {
      // The router ends the session: every command on it fails with the router's reason.
      const reason = reply.other[0] ?? reply.attributes['message'] ?? 'no reason given';
      this.fail(new RouterOsError('fatal', this.endpoint.name, `RouterOS API of ${this.endpoint.name} ended the session: ${reason}`, { routerMessage: reason }));
      return;
    }
    const pending = reply.tag === undefined ? undefined : this.pending.get(reply.tag);
    if (!pending) return; // an answer to a command we gave up on (timed out): nothing waits for it
    switch (reply.type) {
      case '!re':
        pending.rows.push(reply.attributes);
        break;
      case '!empty':
        pending.empty = true;
        break;
      case '!trap':
        pending.trap = reply; // RouterOS follows a !trap with !done; settle then
        break;
      case '!done': {
        this.pending.delete(reply.tag!);
        clearTimeout(pending.timer);
        if (pending.trap) pending.reject(this.trapError(pending.command, pending.trap));
        else pending.resolve({ rows: pending.rows, done: reply.attributes, empty: pending.empty });
        break;
      }
      default:
        this.fail(new RouterOsError('protocol', this.endpoint.name, `RouterOS API of ${this.endpoint.name} sent an unknown reply ${JSON.stringify(reply.type)}`));
    }
  }

  private trapError(command: string, trap: Reply): RouterOsError {
    const message = trap.attributes['message'] ?? 'no message';
    const raw = trap.attributes['category'];
    const category = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
    const cat = category === undefined ? '' : ` (category ${category})`;
    return new RouterOsError('trap', this.endpoint.name, `RouterOS ${this.endpoint.name} refused ${command}: ${message}${cat}`, {
      category,
      routerMessage: message,
    });
  }

  private fail(error: RouterOsError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const [tag, pending] of this.pending) {
      this.pending.delete(tag);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.socket.destroy();
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Words for the OpenSSL verification codes a router's certificate most often fails with. */
const VERIFY_ERRORS: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'it is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its chain ends in a self-signed certificate that is not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'it is signed by a CA radgate does not trust',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'it is signed by a CA radgate does not trust',
  UNABLE_TO_GET_ISSUER_CERT: 'it is signed by a CA radgate does not trust',
  CERT_HAS_EXPIRED: 'it has expired',
  CERT_NOT_YET_VALID: 'it is not valid yet',
};

/** TLS options for `trust`: verification is Node's (CAs, host name) and runs always; the pin is checked after it. */
function tlsOptions(endpoint: RouterOsEndpoint, trust: RouterOsTls, nameProblem: (message: string) => void): tls.ConnectionOptions {
  // A certificate listed in ca_file itself (the router's own) is trusted as it is: its name need not be the host.
  const listed = new Set((trust.ca?.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).flatMap((pem) => {
    try {
      return [new X509Certificate(pem).fingerprint256];
    } catch {
      return []; // not a certificate (config/api-tls.ts refuses such a file): it cannot match anything
    }
  }));
  return {
    host: endpoint.host,
    port: endpoint.port,
    servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
    ...(trust.ca === undefined ? {} : { ca: trust.ca }),
    // The handshake completes either way, so that the failure can name the certificate; nothing is written before
    // `trustProblem` has passed it (connect resolves only then).
    rejectUnauthorized: false,
    checkServerIdentity: (host, cert) => {
      if (listed.has(cert.fingerprint256)) return undefined;
      const error = tls.checkServerIdentity(host, cert);
      if (error) nameProblem(error.message);
      return error;
    },
  };
}

/** Why the router's certificate is not accepted, with what to configure; undefined when it is. */
function trustProblem(socket: tls.TLSSocket, endpoint: RouterOsEndpoint, trust: RouterOsTls, nameProblem: string | undefined): string | undefined {
  const presented = socket.getPeerCertificate().fingerprint256 ?? '(none)';
  if (!socket.authorized && !(trust.fingerprint !== undefined && trust.ca === undefined)) {
    const code = String(socket.authorizationError ?? 'unknown');
    const why = nameProblem ?? VERIFY_ERRORS[code] ?? code;
    const fix = trust.ca === undefined
      ? 'set api.ca_file in nas.yaml to the CA that signed it or to the router\'s own certificate, or pin it with api.fingerprint'
      : 'check api.ca_file in nas.yaml (the CA that signed it, or the router\'s own certificate), or pin it with api.fingerprint';
    return `the router's certificate is not trusted: ${why} (${code}). To trust it, ${fix}. It presented SHA-256 ${presented}: ` +
      'compare it with the fingerprint /certificate print detail shows on the router before pinning it';
  }
  if (trust.fingerprint !== undefined && presented !== trust.fingerprint) {
    return `the router presented a certificate with SHA-256 ${presented}, but api.fingerprint in nas.yaml pins ${trust.fingerprint}; ` +
      'not connecting (if the router\'s certificate was replaced, pin the new one)';
  }
  return undefined;
}

/** TCP or TLS connect with a deadline; the socket's own errors are `connect` failures, an untrusted certificate `tls`. */
function connect(endpoint: RouterOsEndpoint): Promise<net.Socket> {
  const timeoutMs = endpoint.timeoutSeconds * 1000;
  const trust = endpoint.tls;
  const where = `${endpoint.host}:${endpoint.port}${trust ? ' (TLS)' : ''}`;
  return new Promise((resolve, reject) => {
    let nameProblem: string | undefined;
    const socket: net.Socket = trust
      ? tls.connect(tlsOptions(endpoint, trust, (message) => (nameProblem = message)))
      : net.connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new RouterOsError('timeout', endpoint.name, `RouterOS API of ${endpoint.name} at ${where}: no connection within ${formatMs(timeoutMs)}`));
    }, timeoutMs);
    timer.unref();
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new RouterOsError('connect', endpoint.name, `RouterOS API of ${endpoint.name} at ${where}: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.once(trust ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      const problem = trust ? trustProblem(socket as tls.TLSSocket, endpoint, trust, nameProblem) : undefined;
      if (problem !== undefined) {
        socket.destroy();
        reject(new RouterOsError('tls', endpoint.name, `RouterOS API of ${endpoint.name} at ${where}: ${problem}`));
        return;
      }
      socket.removeListener('error', onError);
      socket.setKeepAlive(true, 30_000);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
