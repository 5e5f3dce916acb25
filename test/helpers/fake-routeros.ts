/**
 * A fake RouterOS API server on 127.0.0.1 speaking the real wire protocol (docs/routeros.md §9), with its own codec
 * (independent of src/routeros): length-prefixed words incl. multi-byte lengths, sentences, `/login =name=
 * =password=`, `!re`, `!done` (`=ret=`), `!trap` (`=category=`, `=message=`), `!fatal`, `!empty` on a print that
 * matched nothing (RouterOS 7.18+; switch off with `emptyReplies = false`), `.tag` on every reply. With `tls` it is
 * the api-ssl service (8729): `testCertificates()` makes a CA, router certificates and a self-signed one with the
 * openssl CLI.
 *
 * It holds generic tables (`/ppp/active`, `/ip/hotspot/active`, `/ip/firewall/filter`, … any path added with
 * `table()`), ordered like RouterOS lists, and settings menus (`/radius/incoming`, `/ppp/aaa`) that `set` without an
 * id. Verbs: print (`?` queries incl. the `?#` stack, `=.proplist=`, `=count-only=`), add (`=place-before=`,
 * returns `=ret=*ID`), set, remove, move. Failure injection: refuse logins, trap / fatal / hang / close on a command.
 *
 * ```ts
 * const router = await FakeRouterOs.start({ user: 'radgate', password: 'pw' });
 * router.seed('/ppp/active', [{ name: 'alice', address: '10.0.0.5', 'session-id': '0x81A00003' }]);
 * router.inject('/ppp/active/remove', { trap: { category: 1, message: 'failure' } }, { times: 1 });
 * router.rows('/ppp/active');            // what is left
 * router.commands;                        // every command received, as words
 * await router.stop();
 * ```
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export type Row = Record<string, string>;

export type Injection =
  | { trap: { category?: number; message: string } }
  | { fatal: string }
  | 'hang'
  | 'close';

export interface FakeRouterOsOptions {
  /** Default `radgate`. */
  user?: string;
  /** Default `secret`. */
  password?: string;
  /** RouterOS 7.18+ `!empty` on an empty print. Default true. */
  emptyReplies?: boolean;
  /** Serve TLS (api-ssl) with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Default 127.0.0.1. */
  host?: string;
}

/** Tables every fake router has (empty), as on a real one. */
const DEFAULT_TABLES = [
  '/ppp/active', '/ppp/secret', '/ppp/profile', '/ip/hotspot/active', '/ip/hotspot/cookie', '/ip/hotspot/user', '/ip/hotspot/user/profile',
  '/ip/hotspot/walled-garden', '/ip/hotspot/walled-garden/ip', '/ip/firewall/filter', '/ip/firewall/nat',
  '/ip/firewall/mangle', '/ip/firewall/address-list', '/radius', '/ip/pool', '/system/script', '/interface',
  '/ipv6/firewall/filter', '/ipv6/firewall/address-list',
];

/** Settings menus (one row, `set` without id). */
const DEFAULT_SETTINGS: Record<string, Row> = {
  '/radius/incoming': { accept: 'false', port: '1700' },
  '/ppp/aaa': { 'use-radius': 'false', accounting: 'true', 'interim-update': '0s' },
  '/system/identity': { name: 'MikroTik' },
};

/** Rows that RouterOS refuses as duplicates ("already have such entry"). */
const UNIQUE_KEYS: Record<string, string[]> = {
  '/ip/firewall/address-list': ['list', 'address'],
  '/ppp/profile': ['name'],
  '/ppp/secret': ['name'],
};

// ---- an independent codec --------------------------------------------------------------------------------------

function lengthPrefix(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([(n >> 8) | 0x80, n & 0xff]);
  if (n < 0x200000) return Buffer.from([(n >> 16) | 0xc0, (n >> 8) & 0xff, n & 0xff]);
  if (n < 0x10000000) return Buffer.from([(n >>> 24) | 0xe0, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.from([0xf0, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

export function sentenceBytes(words: string[]): Buffer {
  const parts = words.flatMap((w) => {
    const b = Buffer.from(w, 'utf8');
    return [lengthPrefix(b.length), b];
  });
  return Buffer.concat([...parts, Buffer.from([0])]);
}

class Reader {
  private data = Buffer.alloc(0);
  private words: string[] = [];
  feed(chunk: Buffer): string[][] {
    this.data = Buffer.concat([this.data, chunk]);
    const out: string[][] = [];
    for (;;) {
      const b0 = this.data[0];
      if (b0 === undefined) break;
      let len: number;
      let size: number;
      if ((b0 & 0x80) === 0) [len, size] = [b0, 1];
      else if ((b0 & 0xc0) === 0x80) [len, size] = [this.data.length >= 2 ? ((b0 & 0x3f) << 8) + this.data[1]! : -1, 2];
      else if ((b0 & 0xe0) === 0xc0) [len, size] = [this.data.length >= 3 ? ((b0 & 0x1f) << 16) + (this.data[1]! << 8) + this.data[2]! : -1, 3];
      else if ((b0 & 0xf0) === 0xe0) [len, size] = [this.data.length >= 4 ? (b0 & 0x0f) * 0x1000000 + (this.data[1]! << 16) + (this.data[2]! << 8) + this.data[3]! : -1, 4];
      else [len, size] = [this.data.length >= 5 ? this.data.readUInt32BE(1) : -1, 5];
      if (len < 0 || this.data.length < size + len) break;
      const word = this.data.subarray(size, size + len).toString('utf8');
      this.data = this.data.subarray(size + len);
      if (len === 0) {
        out.push(this.words);
        this.words = [];
      } else this.words.push(word);
    }
    return out;
  }
}

// ---- queries ---------------------------------------------------------------------------------------------------

function compare(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RouterOS API query words (`?name=v`, `?name`, `?-name`, `?<name=v`, `?>name=v`, `?#ops`) against one row. */
export function matches(row: Row, queries: string[]): boolean {
  const stack: boolean[] = [];
  for (const q of queries) {
    const body = q.slice(1);
    if (body.startsWith('#')) {
      for (const op of body.slice(1)) {
        if (op === '!') stack.push(!stack.pop());
        else if (op === '&' || op === '|') {
          const b = stack.pop() ?? true;
          const a = stack.pop() ?? true;
          stack.push(op === '&' ? a && b : a || b);
        } else if (op === '.') stack.push(stack[stack.length - 1] ?? true);
      }
      continue;
    }
    if (body.startsWith('-')) {
      stack.push(!(body.slice(1) in row));
      continue;
    }
    const op = body[0] === '<' || body[0] === '>' ? body[0] : '=';
    const rest = op === '=' ? body : body.slice(1);
    const eq = rest.indexOf('=');
    if (eq < 0) {
      stack.push(rest in row);
      continue;
    }
    const key = rest.slice(0, eq);
    const value = rest.slice(eq + 1);
    const have = row[key];
    if (op === '=') stack.push(have === value);
    else stack.push(have !== undefined && (op === '<' ? compare(have, value) < 0 : compare(have, value) > 0));
  }
  return stack.every(Boolean);
}

// ---- the server ------------------------------------------------------------------------------------------------

export interface ReceivedCommand {
  words: string[];
  tag: string | undefined;
  connection: number;
}

interface InjectionRule {
  match: string | RegExp;
  action: Injection;
  times: number;
}

export class FakeRouterOs {
  user: string;
  password: string;
  emptyReplies: boolean;
  /** Refuse every login with this message (RouterOS: "invalid user name or password (6)"). */
  refuseLogin: string | false = false;
  /** Every command received after login (words without `.tag`), in order. */
  readonly commands: ReceivedCommand[] = [];
  /** Successful logins. */
  logins = 0;
  /** `/login` sentences received, refused or not (a client that sends none never sent its password). */
  loginAttempts = 0;
  /** Connections accepted so far. */
  connectionsAccepted = 0;

  private readonly tables = new Map<string, Row[]>();
  private readonly settings = new Map<string, Row>();
  private readonly rules: InjectionRule[] = [];
  private readonly sockets = new Set<net.Socket>();
  private nextId = 1;

  private constructor(
    private readonly server: net.Server,
    options: FakeRouterOsOptions,
    readonly host: string,
    public port = 0,
  ) {
    this.user = options.user ?? 'radgate';
    this.password = options.password ?? 'secret';
    this.emptyReplies = options.emptyReplies ?? true;
    for (const path of DEFAULT_TABLES) this.tables.set(path, []);
    for (const [path, row] of Object.entries(DEFAULT_SETTINGS)) this.settings.set(path, { ...row });
  }

  static async start(options: FakeRouterOsOptions = {}): Promise<FakeRouterOs> {
    const host = options.host ?? '127.0.0.1';
    let fake!: FakeRouterOs;
    const onSocket = (socket: net.Socket) => fake.accept(socket);
    const server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onSocket) : net.createServer(onSocket);
    fake = new FakeRouterOs(server, options, host);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    fake.port = (server.address() as net.AddressInfo).port;
    return fake;
  }

  /** Declare a table (empty unless it exists already). */
  table(path: string): Row[] {
    let rows = this.tables.get(path);
    if (!rows) this.tables.set(path, (rows = []));
    return rows;
  }

  /** Add rows directly (as if the router made them); returns their ids. */
  seed(path: string, rows: Row[]): string[] {
    const table = this.table(path);
    return rows.map((row) => {
      const id = this.newId();
      table.push({ '.id': id, ...row });
      return id;
    });
  }

  /** A copy of a table's rows, or of a settings menu as one row. */
  rows(path: string): Row[] {
    const settings = this.settings.get(path);
    if (settings) return [{ ...settings }];
    return (this.tables.get(path) ?? []).map((r) => ({ ...r }));
  }

  /**
   * Make commands whose first word equals `match` (or matches the RegExp) fail: `{ trap }`, `{ fatal }`, `'hang'`
   * (never answer), `'close'` (drop the connection). `times` (default: forever) limits how often.
   */
  inject(match: string | RegExp, action: Injection, options: { times?: number } = {}): void {
    this.rules.push({ match, action, times: options.times ?? Infinity });
  }

  clearInjections(): void {
    this.rules.length = 0;
  }

  /** Drop every open connection (a router reboot, a NAT timeout). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  get openConnections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private newId(): string {
    return `*${(this.nextId++).toString(16).toUpperCase()}`;
  }

  private accept(socket: net.Socket): void {
    this.connectionsAccepted++;
    const connection = this.connectionsAccepted;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new Reader();
    let loggedIn = false;
    const send = (words: string[]) => {
      if (!socket.destroyed) socket.write(sentenceBytes(words));
    };
    socket.on('data', (chunk: Buffer) => {
      for (const sentence of reader.feed(chunk)) {
        if (sentence.length === 0) continue;
        const tagWord = sentence.find((w) => w.startsWith('.tag='));
        const tag = tagWord?.slice(5);
        const words = sentence.filter((w) => w !== tagWord);
        const tagged = (reply: string[]) => send(tag === undefined ? reply : [...reply, `.tag=${tag}`]);
        const command = words[0] ?? '';
        if (command === '/login') {
          this.loginAttempts++;
          const attrs = attributes(words);
          if (this.refuseLogin !== false || attrs['name'] !== this.user || attrs['password'] !== this.password) {
            tagged(['!trap', `=message=${this.refuseLogin || 'invalid user name or password (6)'}`]);
            tagged(['!done']);
          } else {
            loggedIn = true;
            this.logins++;
            tagged(['!done']);
          }
          continue;
        }
        if (!loggedIn) {
          send(['!fatal', 'not logged in']);
          socket.end();
          return;
        }
        this.commands.push({ words, tag, connection });
        const rule = this.rules.find((r) => r.times > 0 && (typeof r.match === 'string' ? r.match === command : r.match.test(command)));
        if (rule) {
          rule.times--;
          const action = rule.action;
          if (action === 'hang') continue;
          if (action === 'close') {
            socket.destroy();
            return;
          }
          if ('fatal' in action) {
            send(['!fatal', action.fatal]);
            socket.end();
            return;
          }
          const category = action.trap.category === undefined ? [] : [`=category=${action.trap.category}`];
          tagged(['!trap', ...category, `=message=${action.trap.message}`]);
          tagged(['!done']);
          continue;
        }
        if (command === '/quit') {
          send(['!fatal', 'session terminated on request']);
          socket.end();
          return;
        }
        for (const reply of this.execute(words)) tagged(reply);
      }
    });
  }

  /** Run one command; returns the reply sentences (without tags). */
  private execute(words: string[]): string[][] {
    const command = words[0] ?? '';
    const slash = command.lastIndexOf('/');
    const path = command.slice(0, slash);
    const verb = command.slice(slash + 1);
    const attrs = attributes(words);
    const queries = words.filter((w) => w.startsWith('?'));
    const trap = (message: string, category?: number) => [
      ['!trap', ...(category === undefined ? [] : [`=category=${category}`]), `=message=${message}`],
      ['!done'],
    ];
    const settings = this.settings.get(path);
    if (settings) {
      if (verb === 'print') return [['!re', ...toWords(project(settings, attrs['.proplist']))], ['!done']];
      if (verb === 'set') {
        for (const [k, v] of Object.entries(attrs)) settings[k] = v;
        return [['!done']];
      }
      return trap('no such command', 0);
    }
    const table = this.tables.get(path);
    if (!table) return trap('no such command prefix', 0);
    const idsOf = (value: string | undefined) => (value ?? '').split(',').filter(Boolean);
    switch (verb) {
      case 'print': {
        const hits = table.filter((row) => matches(row, queries));
        if ('count-only' in attrs) return [['!done', `=ret=${hits.length}`]];
        if (hits.length === 0) return this.emptyReplies ? [['!empty'], ['!done']] : [['!done']];
        return [...hits.map((row) => ['!re', ...toWords(project(row, attrs['.proplist']))]), ['!done']];
      }
      case 'add': {
        const { 'place-before': before, ...props } = attrs;
        const unique = UNIQUE_KEYS[path];
        if (unique && table.some((row) => unique.every((k) => row[k] === props[k]))) {
          return trap('failure: already have such entry', 1);
        }
        const id = this.newId();
        const row = { '.id': id, ...props };
        const at = before === undefined ? -1 : table.findIndex((r) => r['.id'] === before);
        if (before !== undefined && at < 0) return trap('no such item', 0);
        if (at < 0) table.push(row);
        else table.splice(at, 0, row);
        return [['!done', `=ret=${id}`]];
      }
      case 'set': {
        const { '.id': id, numbers, ...props } = attrs;
        const ids = idsOf(id ?? numbers);
        const rows = ids.map((i) => table.find((r) => r['.id'] === i));
        if (ids.length === 0 || rows.some((r) => r === undefined)) return trap('no such item', 0);
        for (const row of rows) Object.assign(row!, props);
        return [['!done']];
      }
      case 'remove': {
        const ids = idsOf(attrs['.id'] ?? attrs['numbers']);
        if (ids.length === 0 || ids.some((i) => !table.some((r) => r['.id'] === i))) return trap('no such item', 0);
        for (const i of ids) table.splice(table.findIndex((r) => r['.id'] === i), 1);
        return [['!done']];
      }
      case 'move': {
        const ids = idsOf(attrs['numbers'] ?? attrs['.id']);
        const moving = ids.map((i) => table.find((r) => r['.id'] === i));
        if (ids.length === 0 || moving.some((r) => r === undefined)) return trap('no such item', 0);
        for (const row of moving) table.splice(table.indexOf(row!), 1);
        const destination = attrs['destination'];
        const at = destination === undefined ? table.length : table.findIndex((r) => r['.id'] === destination);
        if (at < 0) return trap('no such item', 0);
        table.splice(at, 0, ...(moving as Row[]));
        return [['!done']];
      }
      default:
        return trap(`no such command`, 0);
    }
  }
}

function attributes(words: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const w of words.slice(1)) {
    if (!w.startsWith('=')) continue;
    const eq = w.indexOf('=', 1);
    if (eq < 0) out[w.slice(1)] = '';
    else out[w.slice(1, eq)] = w.slice(eq + 1);
  }
  return out;
}

function project(row: Row, proplist: string | undefined): Row {
  if (proplist === undefined) return row;
  const out: Row = {};
  for (const key of proplist.split(',')) if (row[key] !== undefined) out[key] = row[key];
  return out;
}

function toWords(row: Row): string[] {
  return Object.entries(row).map(([k, v]) => `=${k}=${v}`);
}

// ---- certificates for api-ssl ------------------------------------------------------------------------------------

/** A key and certificate (PEM), the certificate's file and its SHA-256 as Node writes it (`AB:CD:…`). */
export interface TestCertificate {
  key: string;
  cert: string;
  certFile: string;
  fingerprint: string;
}

export interface TestCertificates {
  /** The temp dir holding every file. */
  dir: string;
  /** A CA certificate (`ca.pem`), as an operator's own CA. */
  caFile: string;
  /** Signed by the CA, naming IP 127.0.0.1: verifies against `caFile` for host 127.0.0.1. */
  router: TestCertificate;
  /** Signed by the CA for another router (IP 192.0.2.7): the CA trusts it, but not as 127.0.0.1. */
  otherRouter: TestCertificate;
  /** Self-signed, CN only (what RouterOS makes with `/certificate add common-name=core1` and `sign`). */
  selfSigned: TestCertificate;
}

/** Makes the certificates of `TestCertificates` with the openssl CLI (EC P-256, valid for 2 days) in a temp dir. */
export function testCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-tls-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const done = (name: string): TestCertificate => {
    const cert = readFileSync(file(`${name}.pem`), 'utf8');
    return { key: readFileSync(file(`${name}.key`), 'utf8'), cert, certFile: file(`${name}.pem`), fingerprint: new X509Certificate(cert).fingerprint256 };
  };
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=radgate test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const signed = (name: string, san: string) => {
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
      '-extfile', `${name}.ext`, '-out', `${name}.pem`);
    return done(name);
  };
  const router = signed('router', 'IP:127.0.0.1');
  const otherRouter = signed('other-router', 'IP:192.0.2.7');
  openssl('req', '-x509', ...ec, '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', '/CN=core1');
  return { dir, caFile: file('ca.pem'), router, otherRouter, selfSigned: done('self') };
}
