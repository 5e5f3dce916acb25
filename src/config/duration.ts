/**
 * @module config/duration
 * Durations in config files: a number means seconds (`300`); a string is one or more number+unit parts
 * (`500ms`, `30s`, `5m`, `24h`, `30d`, `1h30m`). The result is always SECONDS as a number (may be fractional).
 */

import { describeType } from './errors.js';

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
const HINT = 'use seconds (e.g. 90) or a number with a unit: 500ms, 30s, 5m, 24h, 30d';

/** Parses a duration to seconds; returns an operator-facing reason string when invalid. */
export function parseDuration(input: unknown): { seconds: number } | { error: string } {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { error: `invalid duration ${input}: must not be negative` };
    return { seconds: input };
  }
  if (typeof input !== 'string') return { error: `must be a duration, got ${describeType(input)}; ${HINT}` };
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return { seconds: Number(text) };
  let seconds = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return { error: `invalid duration ${JSON.stringify(input)}: ${HINT}` };
    seconds += Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? NaN);
  }
  if (text === '' || !Number.isFinite(seconds)) return { error: `invalid duration ${JSON.stringify(input)}: ${HINT}` };
  // Round away binary noise from ms parts (0.1 + 0.2 style) so 1s500ms is exactly 1.5.
  return { seconds: Math.round(seconds * 1e6) / 1e6 };
}

/** Formats seconds for messages: `500ms`, `30s`, `90s`, `1.5s`. */
export function formatSeconds(seconds: number): string {
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  return `${seconds}s`;
}
