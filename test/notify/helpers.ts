/**
 * Notification test peers: a real SMTP server (smtp-server) and a webhook receiver (node:http), both on
 * 127.0.0.1 port 0, a hand parser of the RFC 5322 / MIME messages nodemailer sends, and a billing bench whose
 * workspace `default` has `mail:` (and optionally `webhook:`) pointing at them.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { bench, type Bench } from '../billing/helpers.js';
import { NotifyWorker, type NotifyWorkerOptions } from '../../src/notify/worker.js';
import { createLogger } from '../../src/log.js';
import { LinkKeyRing, reminderLink } from '../../src/web/reminder/index.js';

export const SMTP_USER = 'radgate';
export const SMTP_PASSWORD = 'smtp-secret-for-tests';
export const HOOK_KEY = 'a'.repeat(16) + 'webhook-signing-key-0123456789';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface Smtp {
  port: number;
  received: ReceivedMail[];
  /** Reply to RCPT TO with this error (code and text), or accept when undefined. */
  failWith: { code: number; message: string } | undefined;
  logins: string[];
  close(): Promise<void>;
}

export async function startSmtp(extra: Partial<SMTPServerOptions> = {}): Promise<Smtp> {
  const state: Smtp = { port: 0, received: [], failWith: undefined, logins: [], close: async () => {} };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) {
        state.logins.push(auth.username);
        callback(null, { user: auth.username });
      } else callback(new Error('invalid credentials'));
    },
    onRcptTo(_address, _session, callback) {
      if (state.failWith) {
        const err = new Error(state.failWith.message) as Error & { responseCode: number };
        err.responseCode = state.failWith.code;
        callback(err);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

export interface HookRequest {
  headers: IncomingHttpHeaders;
  body: string;
}

export async function startHookReceiver(): Promise<{ url: string; requests: HookRequest[]; status: number; close(): Promise<void> }> {
  const state = { url: '', requests: [] as HookRequest[], status: 204, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = state.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/radgate`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

// ---- a small MIME parser: headers (unfolded), multipart/alternative, quoted-printable and base64 --------------

export interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitHeaders(raw: string): Part {
  const normal = raw.replace(/\r\n/g, '\n');
  const at = normal.indexOf('\n\n');
  const head = at < 0 ? normal : normal.slice(0, at);
  const body = at < 0 ? '' : normal.slice(at + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const soft = part.body.replace(/=\n/g, '');
    const bytes: number[] = [];
    for (let i = 0; i < soft.length; i++) {
      if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
        bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
        i += 2;
      } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
    }
    return Buffer.from(bytes).toString('utf8');
  }
  return part.body;
}

export interface ParsedMail {
  headers: Map<string, string>;
  text: string;
  html: string;
}

export function parseMail(raw: string): ParsedMail {
  const top = splitHeaders(raw);
  const type = top.headers.get('content-type') ?? '';
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  let text = '';
  let html = '';
  if (boundary === undefined) {
    text = decodeBody(top);
  } else {
    const sections = top.body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const part = splitHeaders(section.replace(/^\n/, ''));
      const partType = part.headers.get('content-type') ?? '';
      const decoded = decodeBody({ headers: part.headers, body: part.body.replace(/\n$/, '') });
      if (partType.startsWith('text/plain')) text = decoded;
      if (partType.startsWith('text/html')) html = decoded;
    }
  }
  return { headers: top.headers, text, html };
}

// ---- the bench --------------------------------------------------------------------------------------------

export const silent = createLogger({ level: 'silent', destination: { write: () => true } as never });

export interface NotifyBench extends Bench {
  ring: LinkKeyRing;
  worker(options?: Partial<NotifyWorkerOptions>): NotifyWorker;
}

/** `mail` / `webhook` YAML lines (indented for a workspace entry) added after the workspace name. */
export async function notifyBench(options: { mail?: string; webhook?: string } = {}): Promise<NotifyBench> {
  const extra = [options.mail, options.webhook].filter((x) => x !== undefined).join('');
  const b = await bench({
    config: {
      'workspaces.yaml': (t) => t.replace('    name: Example ISP\n', `    name: Example ISP\n${extra}`),
      'smtp.pass': `${SMTP_PASSWORD}\n`,
      'hook.key': `${HOOK_KEY}\n`,
    },
  });
  const ring = LinkKeyRing.open({ keys: [], dataDir: b.testDatabase.dataDir, create: true, log: silent });
  const workers: NotifyWorker[] = [];
  const close = b.close;
  return Object.assign(b, {
    ring,
    worker(overrides: Partial<NotifyWorkerOptions> = {}) {
      const w = new NotifyWorker({
        database: b.database,
        config: () => b.config,
        log: silent,
        linkFor: async (workspace, subscriber) => (await reminderLink(ring, workspace, subscriber)).url,
        pollIntervalMs: 60_000,
        ...overrides,
      });
      workers.push(w);
      return w;
    },
    async close() {
      for (const w of workers) await w.stop();
      await close();
    },
  });
}

export const mailYaml = (port: number, extra = '') => `    mail:
      host: 127.0.0.1
      port: ${port}
      security: none
      user: ${SMTP_USER}
      password: { file: smtp.pass }
      from_address: billing@isp.example
      from_name: Example ISP Billing
      reply_to: support@isp.example
${extra}`;

export const webhookYaml = (url: string) => `    webhook:
      url: ${url}
      key: { file: hook.key }
`;
