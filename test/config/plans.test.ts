/** plans.yaml: rate limits, durations RADIUS carries, session limits, plan names. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, routerProfileFor } from '../../src/config/index.js';
import { copyExample, edit, eachReportsExactly, removeTempDirs, write, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const BROKEN: BrokenCase[] = [
  {
    name: 'invalid rate limit',
    change: (dir) => edit(dir, 'plans.yaml', '    rate_limit: 2M/10M', '    rate_limit: 2M/10X'),
    problems: ['plans.yaml: plans[0].rate_limit: invalid Mikrotik-Rate-Limit "2M/10X": "10X" is not a rate (use e.g. 512k, 10M)'],
  },
  {
    name: 'invalid priority in a rate limit',
    change: (dir) => edit(dir, 'plans.yaml', '10/10 5', '10/10 9'),
    problems: ['plans.yaml: plans[1].rate_limit: invalid Mikrotik-Rate-Limit "10M/50M 20M/60M 8M/40M 10/10 9": "9" is not a priority (1 to 8)'],
  },
  {
    name: 'interim_interval below 60 seconds',
    change: (dir) => edit(dir, 'plans.yaml', '    interim_interval: 5m\n    max_sessions: 2', '    interim_interval: 30\n    max_sessions: 2'),
    problems: ['plans.yaml: plans[1].interim_interval: must be at least 60s, got 30s'],
  },
  {
    name: 'invalid duration',
    change: (dir) => edit(dir, 'plans.yaml', '    idle_timeout: 15m', '    idle_timeout: 15 minutes'),
    problems: ['plans.yaml: plans[0].idle_timeout: invalid duration "15 minutes": use seconds (e.g. 90) or a number with a unit: 500ms, 30s, 5m, 24h, 30d'],
  },
  {
    name: 'fractional seconds where RADIUS needs whole seconds',
    change: (dir) => edit(dir, 'plans.yaml', '    session_timeout: 1d', '    session_timeout: 1500ms'),
    problems: ['plans.yaml: plans[0].session_timeout: must be whole seconds, got 1.5s'],
  },
  {
    name: 'max_sessions of 0',
    change: (dir) => edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 0'),
    problems: ['plans.yaml: plans[1].max_sessions: must be at least 1, got 0'],
  },
  {
    name: 'duplicate plan name',
    change: (dir) => edit(dir, 'plans.yaml', '  - name: business-50', '  - name: home-10'),
    problems: ['plans.yaml: plans[1].name: duplicate plan name "home-10" (first used by plans[0])'],
  },
  {
    name: 'router_profile naming a NAS that does not exist',
    change: (dir) => edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 2\n    router_profile: { default: business, core-9: biz }'),
    problems: ['plans.yaml: plans[1].router_profile.core-9: no NAS named "core-9" in nas.yaml'],
  },
  {
    name: 'router_profile that is not a RouterOS name',
    change: (dir) => edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 2\n    router_profile: { local: "biz\\n/system reboot" }'),
    problems: [
      'plans.yaml: plans[1].router_profile: "local": contains a control character, U+000A (line feed), at character 4: ' +
        'text sent to routers and in RADIUS replies must be printable',
    ],
  },
  {
    name: 'no plans',
    change: (dir) => write(dir, 'plans.yaml', 'plans: []\n'),
    problems: ['plans.yaml: plans: at least one plan is required'],
  },
];

describe('broken plans.yaml: each reports exactly its problem', () => {
  eachReportsExactly(BROKEN);
});

describe('router_profile', () => {
  it('takes one name or a mapping by NAS name with a default', async () => {
    const dir = await copyExample();
    await edit(dir, 'plans.yaml', '    max_sessions: 2', '    max_sessions: 2\n    router_profile: { default: business, local: biz-local }');
    await edit(dir, 'plans.yaml', '    group: home\n', '    group: home\n    router_profile: home-local\n');
    const config = await loadConfig(dir, {});
    const [home, business] = config.plans;
    expect(routerProfileFor(home!, 'local')).toBe('home-local');
    expect(routerProfileFor(business!, 'local')).toBe('biz-local');
    expect(routerProfileFor(business!, 'elsewhere')).toBe('business');
  });
});
