/**
 * @module config/errors
 * `ConfigError` and the problem list it carries: one `file: path: reason` line per problem, all reported at once.
 * Reasons never quote a secret: they describe a bad value by its type or length, and quote only values that are
 * not secret (addresses, names, rate limits, durations).
 */

import { RadgateError } from '../errors.js';

/** A path into a YAML document: `['nas', 1, 'secret']` prints as `nas[1].secret`. */
export type ConfigPath = readonly (string | number)[];

export interface Problem {
  /** Config file name relative to the config dir (`nas.yaml`), or `env` for environment overrides. */
  readonly file: string;
  /** Where in the file: a path, or a text such as `line 3, column 5` for YAML syntax errors. */
  readonly where: ConfigPath | string;
  readonly reason: string;
}

/** Thrown by `loadConfig` when anything is wrong; nothing should start. Catalogue code CONFIG_INVALID (src/errors.ts). */
export class ConfigError extends RadgateError {
  override readonly name = 'ConfigError';
  declare readonly code: 'CONFIG_INVALID';
  /** One `file: path: reason` line per problem. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', problems.join('\n'));
    this.problems = Object.freeze([...problems]);
  }
}

/** `['nas', 1, 'secret']` → `nas[1].secret`; keys that are not plain words are quoted: `x["a b"]`. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/**
 * Characters a problem line never carries raw, whatever value a reason or a key quotes: controls (C0, DEL, C1; a
 * line break would forge a second problem line, an escape sequence would drive the operator's terminal), the line and
 * paragraph separators, and the bidirectional overrides that make a terminal show text in another order.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function formatProblem(problem: Problem): string {
  const where = typeof problem.where === 'string' ? problem.where : formatPath(problem.where);
  const line = where === '' ? `${problem.file}: ${problem.reason}` : `${problem.file}: ${where}: ${problem.reason}`;
  return line.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** "a string", "a list", "a mapping", "true/false", "nothing": a value's YAML type, never the value itself. */
export function describeType(input: unknown): string {
  if (input === null || input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  switch (typeof input) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'true/false';
    case 'object': return 'a mapping';
    default: return typeof input;
  }
}

/** The closest candidate to a misspelt word (`bnd` → `bind`, `authPort` → `auth_port`), if one is close. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const snake = word.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === word.toLowerCase() || candidate === snake) return candidate;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) { best = candidate; bestDistance = distance; }
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
