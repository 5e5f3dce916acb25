import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config, type NasConfig } from '../../src/config/index.js';
import { subscriberFromRouterEntry, type RouterEntryContext } from '../../src/imports/router-entry.js';
import { testConfig } from '../helpers/config.js';

// plans: home-10 (group home), business-50 (group business), plus two plans sharing router profile "shared"
// and one whose router profile differs on core-2.
const EXTRA_PLANS = `
  - name: shared-a
    rate_limit: 1M/1M
    router_profile: shared
  - name: shared-b
    rate_limit: 1M/1M
    router_profile: shared
  - name: per-nas
    rate_limit: 1M/1M
    router_profile: { default: basic, core-2: basic-v2 }
`;
const NAS = `
  - name: core-2
    address: 127.0.0.9
    secret: testing123
    workspace: default
`;

let config: Config;
let nas: NasConfig;
beforeAll(async () => {
  config = await loadConfig(testConfig({ 'plans.yaml': (t) => t + EXTRA_PLANS, 'nas.yaml': (t) => t + NAS }), {});
  nas = config.nas.find((n) => n.name === 'core-2')!;
});

const ctx = (over: Partial<RouterEntryContext> = {}): RouterEntryContext => ({ nas, config, service: 'ppp', as: 'radius', ...over });
const secret = (over: Record<string, string | undefined> = {}) => ({
  '.id': '*1', name: 'alice', password: 's3cret', profile: 'home', 'remote-address': '', disabled: 'false', comment: '', service: 'pppoe', ...over,
});

describe('subscriberFromRouterEntry', () => {
  it('makes a RADIUS subscriber from a PPP secret: plan from the profile, workspace of the NAS, account = name', () => {
    expect(subscriberFromRouterEntry(secret(), ctx())).toEqual({
      subscriber: {
        workspaceId: 'default', username: 'alice', accountNumber: 'alice', plan: 'home-10', password: 's3cret',
        staticIp: undefined, status: 'active', auth: 'radius',
      },
      how: 'plan home-10 from profile home (its router profile)',
    });
  });

  it('as local: auth local on the NAS, service from the table the entry came from', () => {
    const ppp = subscriberFromRouterEntry(secret(), ctx({ as: 'local' }));
    expect(ppp).toMatchObject({ subscriber: { auth: 'local', localNas: 'core-2', localName: null, localService: 'ppp' } });
    const hotspot = subscriberFromRouterEntry({ name: 'guest1', password: 'pw', profile: 'business', address: '10.5.0.7' }, ctx({ as: 'local', service: 'hotspot' }));
    expect(hotspot).toMatchObject({ subscriber: { username: 'guest1', plan: 'business-50', staticIp: '10.5.0.7', localService: 'hotspot' } });
  });

  it('a static IP only from an IPv4 remote-address (a pool name is none; HotSpot uses address)', () => {
    const of = (entry: Record<string, string>, service: 'ppp' | 'hotspot' = 'ppp') => {
      const out = subscriberFromRouterEntry(secret(entry), ctx({ service }));
      return 'subscriber' in out ? out.subscriber.staticIp : out.skip;
    };
    expect(of({ 'remote-address': '100.64.1.9' })).toBe('100.64.1.9');
    expect(of({ 'remote-address': 'pppoe-pool' })).toBeUndefined();
    expect(of({ 'remote-address': '2001:db8::1' })).toBeUndefined();
    expect(of({ 'remote-address': '100.64.1.9' }, 'hotspot')).toBeUndefined();
  });

  it('disabled=yes/true is status disabled, unless radgate disabled it for the move to RADIUS', () => {
    const status = (entry: Record<string, string>) => {
      const out = subscriberFromRouterEntry(secret(entry), ctx());
      return 'subscriber' in out ? out.subscriber.status : out.skip;
    };
    expect(status({ disabled: 'true' })).toBe('disabled');
    expect(status({ disabled: 'yes' })).toBe('disabled');
    expect(status({ disabled: 'false' })).toBe('active');
    expect(status({ disabled: 'true', comment: 'radgate:migrating' })).toBe('active');
    expect(status({ disabled: 'true', comment: 'radgate:migrating flat 4' })).toBe('active');
  });

  it('the plan: the plan map first, the one matching router profile next, else skipped with the reason', () => {
    const plan = (profile: string | undefined, planMap?: Map<string, string>) => {
      const out = subscriberFromRouterEntry(secret({ profile }), ctx({ planMap }));
      return 'subscriber' in out ? `${out.subscriber.plan}: ${out.how}` : out.skip;
    };
    expect(plan('home', new Map([['home', 'business-50']]))).toBe('business-50: plan business-50 from profile home (plan map)');
    expect(plan('gold')).toBe('no plan for profile gold (map it with --plan-map)');
    expect(plan('shared')).toBe('profile shared is ambiguous: plans shared-a, shared-b all use it (map it with --plan-map)');
    expect(plan('shared', new Map([['shared', 'shared-b']]))).toMatch(/^shared-b: /);
    expect(plan('gold', new Map([['gold', 'platinum']]))).toBe('the plan map sends profile gold to plan platinum, which is not in plans.yaml');
    // the router profile is per NAS: core-2 has basic-v2, other routers basic
    expect(plan('basic-v2')).toMatch(/^per-nas: /);
    expect(plan('basic')).toBe('no plan for profile basic (map it with --plan-map)');
    // no profile = RouterOS's "default"
    expect(plan(undefined)).toBe('no plan for profile default (map it with --plan-map)');
  });

  it('skips entries radgate cannot hold, and never names the password', () => {
    const skip = (entry: Record<string, string | undefined>) => {
      const out = subscriberFromRouterEntry(secret(entry), ctx());
      return 'skip' in out ? out.skip : 'imported';
    };
    expect(skip({ password: '' })).toBe('the password is empty (radgate needs a credential)');
    expect(skip({ password: undefined })).toMatch(/did not show the password .*sensitive/);
    expect(skip({ password: 'ab\u0007cd' })).toBe('the password contains control characters');
    expect(skip({ password: 'x'.repeat(129) })).toMatch(/longer than 128 bytes/);
    expect(skip({ password: 'é'.repeat(65) })).toMatch(/longer than 128 bytes/); // 130 bytes in UTF-8
    expect(skip({ password: 'x'.repeat(128) })).toBe('imported');
    expect(skip({ name: 'bob\nsmith' })).toBe('the name contains control characters');
    expect(skip({ name: 'bob smith' })).toMatch(/contains spaces/);
    expect(skip({ name: '' })).toBe('the entry has no name');
    expect(skip({ name: 'n'.repeat(254) })).toMatch(/longer than 253/);
    expect(skip({ name: 'n'.repeat(65) })).toMatch(/too long for an account number/);
    for (const password of ['ab\u0007cd', 'x'.repeat(129)]) expect(skip({ password })).not.toContain(password);
  });

  it('the account number from the comment when asked', () => {
    const account = (comment: string) => {
      const out = subscriberFromRouterEntry(secret({ comment }), ctx({ accountFrom: 'comment' }));
      return 'subscriber' in out ? out.subscriber.accountNumber : out.skip;
    };
    expect(account(' ACC-1001 ')).toBe('ACC-1001');
    expect(account('')).toMatch(/comment is empty/);
    expect(account('flat 4, north')).toMatch(/not an account number/);
  });
});

describe('subscriberFromRouterEntry: entries the router made', () => {
  it('skips a dynamic HotSpot user', () => {
    expect(subscriberFromRouterEntry({ name: 'default-trial', password: 'x', dynamic: 'true' }, ctx({ service: 'hotspot' }))).toEqual({ skip: 'a dynamic entry (the router made it)' });
  });
});
