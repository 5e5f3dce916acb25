/**
 * The root logger. JSON lines by default, pretty when stdout is a terminal. Secrets are redacted by path and are
 * also never passed to the logger in the first place: the redaction list is the second line of defence.
 */
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'attributes["User-Password"]',
  'attributes["CHAP-Password"]',
  'passwordEnc',
  '*.passwordEnc',
  'ntHash',
  '*.ntHash',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Write to this destination instead of stdout (tests). */
  destination?: pino.DestinationStream;
  pretty?: boolean;
  /** File descriptor for pretty output (1 = stdout, 2 = stderr). */
  prettyFd?: 1 | 2;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? 'info',
    base: { service: 'radgate' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty ?? process.stdout.isTTY) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, destination: options.prettyFd ?? 1 } } });
  }
  // Asynchronous: lines written while a write is in flight go out together, not one write(2) each (a third of the
  // cost of a per-request log line). Buffered lines are flushed synchronously when the process exits.
  return pino(base, pino.destination({ dest: 1, sync: false }));
}
