/**
 * @module config/fields
 * Zod building blocks for the config schema: `field(check)` turns a plain check function into a schema whose
 * failure message is the check's reason, and `toProblems` turns zod issues into `Problem`s with operator-facing
 * reasons. Zod's own messages are replaced because they are written for developers (and some would echo input).
 */

import * as z from 'zod';
import { parseDuration, formatSeconds } from './duration.js';
import { describeType, suggest, type ConfigPath, type Problem } from './errors.js';
import { parseCidr, parseIp, type IpRange } from '../ip.js';
import { parseRateLimit } from './rate-limit.js';
import { MAX_VENDOR_ATTRIBUTE_OCTETS, octetProblem, routerNameProblem, textProblem } from './outbound-text.js';

/** A check's failure: an operator-facing reason. */
export class Invalid {
  constructor(readonly reason: string) {}
}

/** A schema for one value, validated by `check`. A missing value is reported as `required` unless wrapped in
 * `.optional()` / `.default()`. */
export function field<T>(check: (input: unknown) => T | Invalid) {
  return z.unknown().transform((input, ctx): T => {
    const result = input === undefined ? new Invalid('required') : check(input);
    if (result instanceof Invalid) {
      ctx.issues.push({ code: 'custom', message: result.reason, input });
      return z.NEVER;
    }
    return result;
  });
}

// ---- checks -------------------------------------------------------------------------------------------------

export const text = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') return new Invalid(`must be text, got ${describeType(input)}`);
  if (input.trim() === '') return new Invalid('must not be empty');
  return input;
};

export const matching = (pattern: RegExp, description: string) => (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  return pattern.test(value) ? value : new Invalid(`${JSON.stringify(value)} ${description}`);
};

export const boolean = (input: unknown): boolean | Invalid => {
  if (typeof input === 'boolean') return input;
  // YAML 1.2: yes/no/on/off are text, not booleans.
  const got = typeof input === 'string' && /^(yes|no|on|off|y|n)$/i.test(input) ? `"${input}"` : describeType(input);
  return new Invalid(`must be true or false, got ${got}`);
};

export const oneOf = <const T extends string>(values: readonly T[]) => (input: unknown): T | Invalid =>
  typeof input === 'string' && (values as readonly string[]).includes(input)
    ? (input as T)
    : new Invalid(`must be one of ${values.join(', ')}${typeof input === 'string' ? `, got ${JSON.stringify(input)}` : ''}`);

/** `yes` / `no` / `auto`; YAML booleans true/false mean yes/no. */
export const triState = (input: unknown): 'yes' | 'no' | 'auto' | Invalid => {
  if (input === true) return 'yes';
  if (input === false) return 'no';
  return oneOf(['yes', 'no', 'auto'] as const)(input);
};

export const integer = (min: number, max: number = Number.MAX_SAFE_INTEGER) => (input: unknown): number | Invalid => {
  if (typeof input !== 'number' || !Number.isInteger(input)) {
    return new Invalid(`must be a whole number, got ${typeof input === 'number' ? input : describeType(input)}`);
  }
  if (input < min || input > max) {
    return new Invalid(max === Number.MAX_SAFE_INTEGER ? `must be at least ${min}, got ${input}` : `must be from ${min} to ${max}, got ${input}`);
  }
  return input;
};

export const number = (min: number) => (input: unknown): number | Invalid => {
  if (typeof input !== 'number' || !Number.isFinite(input)) return new Invalid(`must be a number, got ${describeType(input)}`);
  return input >= min ? input : new Invalid(`must be at least ${min}, got ${input}`);
};

/** A UDP/TCP port; `allowZero` for listeners, where 0 asks the OS for a free port. */
export const port = (allowZero: boolean) => (input: unknown): number | Invalid => {
  const min = allowZero ? 0 : 1;
  if (typeof input === 'number' && Number.isInteger(input) && input >= min && input <= 65535) return input;
  const got = typeof input === 'number' ? String(input) : describeType(input);
  return new Invalid(`must be a port number (${min}-65535), got ${got}`);
};

/** A duration in seconds (see duration.ts) within [min, max]; `whole` for values sent as integer attributes. */
export const duration = (options: { min?: number; max?: number; whole?: boolean } = {}) =>
  (input: unknown): number | Invalid => {
    const parsed = parseDuration(input);
    if ('error' in parsed) return new Invalid(parsed.error);
    const { seconds } = parsed;
    const { min = 0, max = Infinity, whole = false } = options;
    if (seconds < min || seconds > max) {
      const range = max === Infinity ? `at least ${formatSeconds(min)}` : `from ${formatSeconds(min)} to ${formatSeconds(max)}`;
      return new Invalid(`must be ${range}, got ${formatSeconds(seconds)}`);
    }
    if (whole && !Number.isInteger(seconds)) return new Invalid(`must be whole seconds, got ${formatSeconds(seconds)}`);
    return seconds;
  };

/** A single IP address (no prefix). */
export const ipAddress = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  return parseIp(value) !== undefined && !value.includes('%') ? value : new Invalid(`${JSON.stringify(value)} is not an IP address`);
};

/** An IP address or CIDR range; keeps the text and the parsed range. */
export const ipRange = (input: unknown): { text: string; range: IpRange } | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  try {
    return { text: value, range: parseCidr(value) };
  } catch (error) {
    const hint = /^[A-Za-z]/.test(value) && !value.includes(':') ? ' (a NAS is identified by its source address; hostnames are not allowed)' : '';
    return new Invalid(`${(error as Error).message}${hint}`);
  }
};

/** A host name or IP address to connect to. */
export const host = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  if (parseIp(value) !== undefined || /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/.test(value)) {
    return value;
  }
  return new Invalid(`${JSON.stringify(value)} is not a host name or IP address`);
};

/** A Mikrotik-Rate-Limit string, whitespace normalised; a vendor attribute, so at most 247 bytes (outbound-text.ts). */
export const rateLimit = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') return new Invalid(`must be a Mikrotik-Rate-Limit string such as "2M/10M", got ${describeType(input)}`);
  const parsed = parseRateLimit(input);
  if ('error' in parsed) return new Invalid(parsed.error);
  const value = input.trim().split(/\s+/).join(' ');
  const tooLong = octetProblem(value, MAX_VENDOR_ATTRIBUTE_OCTETS, 'Mikrotik-Rate-Limit');
  return tooLong === undefined ? value : new Invalid(tooLong);
};

// Text that reaches a router or a RADIUS reply: the rules are in outbound-text.ts (docs/routeros.md §14).

/** Non-empty printable text (no control character, valid Unicode). */
export const printable = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  const problem = textProblem(value);
  return problem === undefined ? value : new Invalid(problem);
};

/** Printable text of at most `maxOctets` bytes of UTF-8; `carrier` names what limits it in the reason. */
export const outboundText = (maxOctets: number, carrier: string) => (input: unknown): string | Invalid => {
  const value = printable(input);
  if (value instanceof Invalid) return value;
  const problem = octetProblem(value, maxOctets, carrier);
  return problem === undefined ? value : new Invalid(problem);
};

/** A RouterOS name: a PPP or HotSpot profile (Mikrotik-Group), an address list, an IP pool. */
export const routerName = (input: unknown): string | Invalid => {
  const value = text(input);
  if (value instanceof Invalid) return value;
  const problem = routerNameProblem(value);
  return problem === undefined ? value : new Invalid(problem);
};

// ---- zod issues → problems ----------------------------------------------------------------------------------

const KNOWN_KEYS = 'known-keys:';

/**
 * Error map passed to `safeParse`: our `field` checks already carry their reason; this covers zod's own issues
 * (strict-object unknown keys, non-mapping / non-list values) without ever quoting the input.
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'unrecognized_keys': {
      const inst = issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
      return KNOWN_KEYS + JSON.stringify(Object.keys(inst?._zod?.def?.shape ?? {}));
    }
    case 'invalid_type': {
      if (issue.input === undefined) return 'required';
      const expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : issue.expected === 'record' ? 'a mapping' : issue.expected;
      return `must be ${expected}, got ${describeType(issue.input)}`;
    }
    default:
      return `invalid value (${issue.code})`;
  }
};

/** Validates `input` with `schema`; on failure adds one problem per issue (one per unknown key) under `prefix`. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  file: string,
  prefix: ConfigPath,
  problems: Problem[],
): z.output<S> | undefined {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const where = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys' && issue.message.startsWith(KNOWN_KEYS)) {
      const known = JSON.parse(issue.message.slice(KNOWN_KEYS.length)) as string[];
      for (const key of issue.keys) {
        const hint = suggest(key, known);
        const reason = hint !== undefined ? `unknown key (did you mean "${hint}"?)` : `unknown key (known keys: ${known.join(', ')})`;
        problems.push({ file, where: [...where, key], reason });
      }
    } else {
      problems.push({ file, where, reason: issue.message });
    }
  }
  return undefined;
}
