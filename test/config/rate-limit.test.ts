import { describe, expect, it } from 'vitest';
import { parseRateLimit } from '../../src/config/rate-limit.js';

// Grammar (docs/routeros.md §3): rx[/tx] [rx-burst[/tx-burst] [rx-threshold[/tx-threshold] [rx-time[/tx-time]
// [priority] [rx-min[/tx-min]]]]]
describe('parseRateLimit', () => {
  it('parses the full form', () => {
    expect(parseRateLimit('10M/50M 20M/60M 8M/40M 10/10s 5 1M/2M')).toEqual({
      value: {
        rate: { rx: 10e6, tx: 50e6 },
        burstRate: { rx: 20e6, tx: 60e6 },
        burstThreshold: { rx: 8e6, tx: 40e6 },
        burstTime: { rx: 10, tx: 10 },
        priority: 5,
        limitAt: { rx: 1e6, tx: 2e6 },
      },
    });
  });

  it('applies a single value to both directions and accepts k, M, G and 0', () => {
    expect(parseRateLimit('512k')).toEqual({
      value: { rate: { rx: 512e3, tx: 512e3 }, burstRate: undefined, burstThreshold: undefined, burstTime: undefined, priority: undefined, limitAt: undefined },
    });
    expect(parseRateLimit('1G/0')).toMatchObject({ value: { rate: { rx: 1e9, tx: 0 } } });
    expect(parseRateLimit('  2M/10M  ')).toMatchObject({ value: { rate: { rx: 2e6, tx: 10e6 } } });
  });

  it.each([
    ['2M/10X', '"10X" is not a rate (use e.g. 512k, 10M)'],
    ['2M/10m', '"10m" is not a rate (use e.g. 512k, 10M)'],
    ['2 Mbps', '"Mbps" is not a rate (use e.g. 512k, 10M)'],
    ['1.5M', '"1.5M" is not a rate (use e.g. 512k, 10M)'],
    ['2M/', '"2M/" is not a rate (use e.g. 512k, 10M)'],
    ['1M/2M/3M', '"1M/2M/3M" has more than one "/"'],
    ['1M/1M 2M/2M 1M/1M 10x', '"10x" is not a burst time in seconds (use e.g. 10 or 10s)'],
    ['1M/1M 2M/2M 1M/1M 10 9', '"9" is not a priority (1 to 8)'],
    ['1M/1M 2M/2X 1M/1M 10 9', '"2X" is not a rate (use e.g. 512k, 10M)'],
    ['1M/1M 2M/2M 1M/1M 10 8 1M x', 'too many fields (at most 6: rate, burst-rate, burst-threshold, burst-time, priority, limit-at)'],
    ['', 'empty'],
  ])('refuses %j', (text, reason) => {
    expect(parseRateLimit(text)).toEqual({ error: `invalid Mikrotik-Rate-Limit ${JSON.stringify(text)}: ${reason}` });
  });
});
