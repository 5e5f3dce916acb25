/**
 * Bounded error logging. An error that repeats (same key: one call site, one kind of failure) is logged at most once
 * per window, and the next line says how many were suppressed in between, so an outage under full load writes a
 * few lines a minute, not one per request. Errors are reduced to their code and a bounded message: a driver error
 * carries the query and its parameters (a whole accounting batch, subscriber names, addresses), and none of that
 * may reach the log.
 */
import type { Logger } from './log.js';

/** What of an error is logged: its code (a PostgreSQL SQLSTATE, a Node errno, a radgate code) and message. */
export interface ErrorSummary {
  code?: string;
  message: string;
}

const MESSAGE_LIMIT = 300;

/**
 * Code and message of an error, the message cut to 300 characters with control characters replaced. Of an error
 * and its causes, the outermost one with a code speaks (a radgate error, or the driver error a query wrapper such as
 * drizzle's "Failed query: … params: …" carries); with no code anywhere, the innermost cause.
 */
export function summarizeError(err: unknown): ErrorSummary {
  const chain: unknown[] = [err];
  while (chain.length < 8) {
    const last = chain[chain.length - 1];
    if (!(last instanceof Error) || last.cause === undefined) break;
    chain.push(last.cause);
  }
  const coded = chain.find((e) => codeOf(e) !== undefined);
  const speaker = coded ?? chain[chain.length - 1];
  const raw = speaker instanceof Error ? speaker.message : String(speaker);
  const cleaned = raw.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const message = cleaned.length > MESSAGE_LIMIT ? `${cleaned.slice(0, MESSAGE_LIMIT)}…` : cleaned;
  const code = codeOf(speaker);
  return code === undefined ? { message } : { code, message };
}

function codeOf(err: unknown): string | undefined {
  const code = err !== null && typeof err === 'object' && 'code' in err ? (err as { code: unknown }).code : undefined;
  return typeof code === 'string' || typeof code === 'number' ? String(code).slice(0, 64) : undefined;
}

export interface RateLimitedLogOptions {
  /** At most one line per key in this window (default 60 s). */
  windowMs?: number;
  /** Keys remembered at most (the oldest is forgotten first); keys are call sites, so this is never reached. */
  maxKeys?: number;
  now?: () => number;
}

interface KeyState {
  loggedAt: number;
  suppressed: number;
}

export class RateLimitedLog {
  private readonly keys = new Map<string, KeyState>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(
    private readonly log: Logger,
    options: RateLimitedLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 256;
    this.now = options.now ?? Date.now;
  }

  /** Log `message` at error level unless `key` was logged within the window. */
  error(key: string, err: unknown, message: string, fields: Record<string, unknown> = {}): void {
    this.write('error', key, err, message, fields);
  }

  warn(key: string, err: unknown, message: string, fields: Record<string, unknown> = {}): void {
    this.write('warn', key, err, message, fields);
  }

  private write(level: 'error' | 'warn', key: string, err: unknown, message: string, fields: Record<string, unknown>): void {
    const now = this.now();
    const state = this.keys.get(key);
    if (state && now - state.loggedAt < this.windowMs) {
      state.suppressed++;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.keys.delete(key); // re-inserted last: the map's order is the forgetting order
    if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    this.keys.set(key, { loggedAt: now, suppressed: 0 });
    // `error`, not `err`: pino's error serializer would add an empty stack and a type to the summary.
    const line: Record<string, unknown> = { ...fields, error: err === undefined ? undefined : summarizeError(err) };
    if (suppressed > 0) line.suppressed = suppressed;
    this.log[level](line, suppressed > 0 ? `${message} (${suppressed} more like it since the last line)` : message);
  }
}
