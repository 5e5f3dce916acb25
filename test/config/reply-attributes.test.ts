/** `reply_attributes` (plans and expired profiles): the names radgate accepts and the values each takes. */
import { afterAll, describe, expect, it } from 'vitest';
import { REPLY_ATTRIBUTE_NAMES } from '../../src/config/index.js';
import { edit, eachReportsExactly, removeTempDirs, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

describe('reply attribute names', () => {
  it('accepts every standard and Mikrotik reply attribute name it exports, but not Class', () => {
    expect(REPLY_ATTRIBUTE_NAMES).toContain('Filter-Id');
    expect(REPLY_ATTRIBUTE_NAMES).toContain('Framed-IP-Netmask');
    expect(REPLY_ATTRIBUTE_NAMES).toContain('Mikrotik-Switching-Filter');
    expect(REPLY_ATTRIBUTE_NAMES.filter((n) => n.startsWith('Mikrotik-'))).toHaveLength(30);
    expect(REPLY_ATTRIBUTE_NAMES).not.toContain('Class');
  });
});

const BROKEN: BrokenCase[] = [
  {
    name: 'unknown reply attribute',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Filtr-Id: business'),
    problems: ['plans.yaml: plans[1].reply_attributes.Filtr-Id: unknown RADIUS attribute "Filtr-Id" (did you mean "Filter-Id"?)'],
  },
  {
    name: 'Class in reply attributes',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Class: business'),
    problems: ['plans.yaml: plans[1].reply_attributes.Class: Class cannot be set here: radgate sets it to tie accounting to the session'],
  },
  {
    name: 'reply attribute that has its own key',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Mikrotik-Rate-Limit: 1M/1M'),
    problems: ['plans.yaml: plans[1].reply_attributes.Mikrotik-Rate-Limit: Mikrotik-Rate-Limit cannot be set here: use the rate_limit key'],
  },
  {
    name: 'reply attribute value of the wrong type',
    change: (dir) => edit(dir, 'plans.yaml', '      Filter-Id: business', '      Framed-MTU: large\n      Framed-Protocol: PPPP'),
    problems: [
      'plans.yaml: plans[1].reply_attributes.Framed-MTU: must be a whole number from 0 to 4294967295',
      'plans.yaml: plans[1].reply_attributes.Framed-Protocol: must be one of PPP, SLIP, ARAP, Gandalf-SLML, Xylogics-IPX-SLIP, X.75-Synchronous (or its number)',
    ],
  },
];

describe('broken reply attributes: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});
