import { describe, expect, it } from 'vitest';
import { formatSeconds, parseDuration } from '../../src/config/duration.js';

describe('parseDuration (result in seconds)', () => {
  it.each([
    [0, 0],
    [300, 300],
    [1.5, 1.5],
    ['45', 45],
    ['500ms', 0.5],
    ['1s', 1],
    ['5m', 300],
    ['24h', 86400],
    ['30d', 2592000],
    ['1h30m', 5400],
    ['1s500ms', 1.5],
    ['2.5s', 2.5],
    [' 10s ', 10],
  ])('%j → %d', (input, seconds) => {
    expect(parseDuration(input)).toEqual({ seconds });
  });

  const HINT = 'use seconds (e.g. 90) or a number with a unit: 500ms, 30s, 5m, 24h, 30d';
  it.each([
    ['5 min', `invalid duration "5 min": ${HINT}`],
    ['5min', `invalid duration "5min": ${HINT}`],
    ['', `invalid duration "": ${HINT}`],
    ['-5s', `invalid duration "-5s": ${HINT}`],
    ['1w', `invalid duration "1w": ${HINT}`],
    [-1, 'invalid duration -1: must not be negative'],
    [true, `must be a duration, got true/false; ${HINT}`],
  ])('refuses %j', (input, error) => {
    expect(parseDuration(input)).toEqual({ error });
  });

  it('formats seconds for messages', () => {
    expect([0, 0.5, 1, 60, 1.5].map(formatSeconds)).toEqual(['0s', '500ms', '1s', '60s', '1.5s']);
  });
});
