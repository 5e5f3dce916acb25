/** @module cli/args — argument checks shared by the commands; a missing or bad argument is a USAGE error. */
import { RadgateError } from '../errors.js';

/** `value`, or a USAGE error naming `what` and showing the command's `usage`. */
export function need(value: string | undefined, what: string, usage: string): string {
  if (value === undefined || value === '') throw new RadgateError('USAGE', `missing ${what}\n\n${usage}`);
  return value;
}
