/** @module cli/args — argument checks shared by the commands; a missing or bad argument is a USAGE error. */
import { parseDuration } from '../config/duration.js';
import { RadgateError } from '../errors.js';

/** `value`, or a USAGE error naming `what` and showing the command's `usage`. */
export function need(value: string | undefined, what: string, usage: string): string {
  if (value === undefined || value === '') throw new RadgateError('USAGE', `missing ${what}\n\n${usage}`);
  return value;
}

/** `--since 2h` → seconds (units s, m, h, d, as in config files); a USAGE error for anything else. */
export function sinceSeconds(value: string, option = '--since'): number {
  const parsed = parseDuration(value);
  if ('error' in parsed || parsed.seconds <= 0) throw new RadgateError('USAGE', `${option}: "${value}" is not a length of time such as 30m, 2h or 7d`);
  return parsed.seconds;
}
