import { describe, expect, it } from 'vitest';
import { RadgateError } from '../../src/errors.js';
import { parsePlanMap } from '../../src/imports/plan-map.js';

const PLANS = new Set(['home-10', 'business-50']);

function problemsOf(text: string): string[] {
  try {
    parsePlanMap(text, (p) => PLANS.has(p), 'map.txt');
  } catch (err) {
    expect(err).toBeInstanceOf(RadgateError);
    expect((err as RadgateError).code).toBe('IMPORT_INVALID');
    return (err as RadgateError).message.split('\n');
  }
  return [];
}

describe('parsePlanMap', () => {
  it('reads "profile = plan" lines; comments, blank lines, spaces in profile names, CRLF and a BOM', () => {
    const map = parsePlanMap('\uFEFF# router profile = plan\r\nhome = home-10\r\n\r\n10M Fibre=business-50   # the office\nvip#1 = home-10\n', (p) => PLANS.has(p), 'map.txt');
    expect([...map]).toEqual([['home', 'home-10'], ['10M Fibre', 'business-50'], ['vip#1', 'home-10']]);
  });

  it('names every bad line at once', () => {
    expect(problemsOf(['home = home-10', 'gold', 'x = platinum', ' = home-10', 'home = business-50', 'y =', 'bad\u0007 = home-10'].join('\n'))).toEqual([
      'map.txt: line 2: expected "profile = plan"',
      'map.txt: line 3: plan platinum is not in plans.yaml',
      'map.txt: line 4: the router profile is empty',
      'map.txt: line 5: profile home is mapped already on line 1',
      'map.txt: line 6: no plan for profile y',
      'map.txt: line 7: contains control characters',
    ]);
    expect(problemsOf(`${'p'.repeat(65)} = home-10`)).toEqual(['map.txt: line 1: the router profile is longer than 64 characters']);
  });

  it('an empty file is an empty map', () => {
    expect(parsePlanMap('# nothing yet\n', (p) => PLANS.has(p), 'map.txt').size).toBe(0);
  });
});
