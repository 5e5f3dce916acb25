/**
 * @module config/rate-limit
 * Validates `Mikrotik-Rate-Limit` strings (docs/routeros.md §3). A typo there is silently ignored by the router
 * and gives the subscriber unlimited speed, so config refuses anything outside the documented grammar:
 *
 *   rx[/tx] [rx-burst[/tx-burst] [rx-threshold[/tx-threshold] [rx-time[/tx-time] [priority] [rx-min[/tx-min]]]]]
 *
 * Rates are whole numbers of bits per second with an optional k (10^3), M (10^6) or G (10^9) suffix; 0 means
 * unlimited. Times are whole seconds, optionally suffixed `s`. Priority is 1 (highest) to 8. rx is the router's
 * receive direction, i.e. the subscriber's upload. When `/tx` is omitted the value applies to both directions.
 */

/** A per-direction pair; `rx` = subscriber upload, `tx` = subscriber download. */
export interface RatePair {
  readonly rx: number;
  readonly tx: number;
}

export interface RateLimit {
  /** Max rate, bits/s (0 = unlimited). */
  readonly rate: RatePair;
  readonly burstRate: RatePair | undefined;
  readonly burstThreshold: RatePair | undefined;
  /** Burst time, seconds. */
  readonly burstTime: RatePair | undefined;
  /** 1 (highest) to 8. */
  readonly priority: number | undefined;
  /** Guaranteed rate (limit-at), bits/s. */
  readonly limitAt: RatePair | undefined;
}

const MULTIPLIER: Readonly<Record<string, number>> = { '': 1, k: 1e3, M: 1e6, G: 1e9 };
const FIELDS = 'rate, burst-rate, burst-threshold, burst-time, priority, limit-at';

type Parse = (token: string) => number | undefined;

const parseRate: Parse = (token) => {
  const match = /^(0|[1-9][0-9]*)([kMG]?)$/.exec(token);
  return match ? Number(match[1]) * (MULTIPLIER[match[2] ?? ''] ?? NaN) : undefined;
};
const parseTime: Parse = (token) => {
  const match = /^(0|[1-9][0-9]*)s?$/.exec(token);
  return match ? Number(match[1]) : undefined;
};

const RATE = 'a rate (use e.g. 512k, 10M)';
const TIME = 'a burst time in seconds (use e.g. 10 or 10s)';

function parsePair(token: string, parse: Parse, what: string): RatePair | string {
  const parts = token.split('/');
  if (parts.length > 2) return `${JSON.stringify(token)} has more than one "/"`;
  const values: number[] = [];
  for (const part of parts) {
    const value = parse(part);
    if (value === undefined) return `${JSON.stringify(part === '' ? token : part)} is not ${what}`;
    values.push(value);
  }
  const [rx = 0, tx = rx] = values;
  return { rx, tx };
}

function parsePriority(token: string): number | string {
  return /^[1-8]$/.test(token) ? Number(token) : `${JSON.stringify(token)} is not a priority (1 to 8)`;
}

/**
 * Parses a Mikrotik-Rate-Limit value. Returns `{ error }` with an operator-facing reason that quotes the whole
 * value and the first bad token, e.g. `invalid Mikrotik-Rate-Limit "2M/10X": "10X" is not a rate (use e.g. 512k, 10M)`.
 */
export function parseRateLimit(text: string): { value: RateLimit } | { error: string } {
  const fail = (reason: string) => ({ error: `invalid Mikrotik-Rate-Limit ${JSON.stringify(text)}: ${reason}` });
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return fail('empty');
  if (tokens.length > 6) return fail(`too many fields (at most 6: ${FIELDS})`);

  // Positional fields, checked left to right so the first bad token is the one reported.
  const fields: Array<(token: string) => RatePair | number | string> = [
    (t) => parsePair(t, parseRate, RATE),
    (t) => parsePair(t, parseRate, RATE),
    (t) => parsePair(t, parseRate, RATE),
    (t) => parsePair(t, parseTime, TIME),
    parsePriority,
    (t) => parsePair(t, parseRate, RATE),
  ];
  const values: Array<RatePair | number | undefined> = [];
  for (const [i, token] of tokens.entries()) {
    const value = fields[i]?.(token);
    if (typeof value === 'string') return fail(value);
    values.push(value);
  }
  const pairAt = (i: number) => values[i] as RatePair | undefined;
  return {
    value: {
      rate: pairAt(0) ?? { rx: 0, tx: 0 },
      burstRate: pairAt(1),
      burstThreshold: pairAt(2),
      burstTime: pairAt(3),
      priority: values[4] as number | undefined,
      limitAt: pairAt(5),
    },
  };
}
