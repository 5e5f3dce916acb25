/**
 * What a router-local subscriber's entry must look like for each status (src/profile/local-entry.ts), and the
 * local-auth field rules every way in shares (src/subscribers/local-auth.ts).
 */
import { describe, expect, it } from 'vitest';
import { desiredLocalEntry } from '../../src/profile/local-entry.js';
import { SUBSCRIBER_STATUSES } from '../../src/db/schema.js';
import { localAuthValues, validateLocalAuth } from '../../src/subscribers/local-auth.js';
import { routerProfileFor } from '../../src/config/index.js';
import type { PlanConfig, WorkspaceConfig } from '../../src/config/index.js';

const plan = { name: 'home-10', group: 'home', routerProfile: { fallback: undefined, byNas: { 'core-2': 'home-v2' } } } as unknown as PlanConfig;
const workspace = { expiredProfile: { group: 'unpaid', addressList: 'radgate-unpaid' } } as unknown as WorkspaceConfig;
const entry = (status: (typeof SUBSCRIBER_STATUSES)[number], over: Partial<Parameters<typeof desiredLocalEntry>[0]> = {}) =>
  desiredLocalEntry({ status, deleted: false, plan, planName: 'home-10', workspace, nasName: 'core-1', ...over });

describe('desiredLocalEntry', () => {
  it('gives paying subscribers the plan profile, expired ones the expired group, and disables refused ones', () => {
    const table = Object.fromEntries(SUBSCRIBER_STATUSES.map((s) => [s, [entry(s).disabled, entry(s).profile]]));
    expect(table).toEqual({
      active: [false, 'home'], due_soon: [false, 'home'], grace: [false, 'home'],
      expired: [false, 'unpaid'], suspended: [true, undefined], disabled: [true, undefined],
    });
  });

  it('uses the per-NAS router profile, and disables a deleted subscriber or one on an unconfigured plan', () => {
    expect(entry('active', { nasName: 'core-2' }).profile).toBe('home-v2');
    expect(entry('active', { deleted: true })).toMatchObject({ disabled: true, label: 'disabled (deleted)' });
    expect(entry('active', { plan: undefined, planName: 'gone' })).toMatchObject({ disabled: true, label: 'disabled (plan "gone" is not configured)' });
  });
});

describe('routerProfileFor', () => {
  const of = (routerProfile: PlanConfig['routerProfile'], group: string | undefined) => ({ routerProfile, group });
  it('takes the NAS mapping, then the default, then the group, then RouterOS\'s default profile', () => {
    expect(routerProfileFor(of({ fallback: 'all', byNas: { a: 'only-a' } }, 'g'), 'a')).toBe('only-a');
    expect(routerProfileFor(of({ fallback: 'all', byNas: { a: 'only-a' } }, 'g'), 'b')).toBe('all');
    expect(routerProfileFor(of({ fallback: undefined, byNas: {} }, 'g'), 'b')).toBe('g');
    expect(routerProfileFor(of({ fallback: undefined, byNas: {} }, undefined), 'b')).toBe('default');
  });
});

describe('validateLocalAuth', () => {
  const nasWorkspace = (name: string) => ({ 'core-1': 'default', 'other-1': 'other' } as Record<string, string>)[name];
  const check = (input: Parameters<typeof validateLocalAuth>[0]) => validateLocalAuth(input, 'default', nasWorkspace);

  it('accepts radius without local fields and local with a NAS of the same workspace', () => {
    expect(check({})).toEqual([]);
    expect(check({ auth: 'local', localNas: 'core-1', localName: 'ana@pppoe', localService: 'hotspot' })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(check({ auth: 'radius', localNas: 'core-1' })).toEqual(['local_nas: only for auth local']);
    expect(check({ auth: 'local' })).toEqual(['local_nas: required with auth local (the NAS whose router holds the entry)']);
    expect(check({ auth: 'local', localNas: 'nope' })).toEqual(['local_nas: no NAS named "nope" in nas.yaml']);
    expect(check({ auth: 'local', localNas: 'other-1' })).toEqual(['local_nas: NAS "other-1" serves workspace other, not default']);
    expect(check({ auth: 'local', localNas: 'core-1', localName: 'ana\n/system reboot' })).toEqual(['local_name: 1–253 characters, no control characters']);
    expect(check({ auth: 'local', localNas: 'core-1', localName: 'x'.repeat(254) })).toEqual(['local_name: 1–253 characters, no control characters']);
    expect(check({ auth: 'local', localNas: 'core-1', localService: 'pptp' as never })).toEqual(['local_service: one of ppp, hotspot']);
    expect(check({ auth: 'ldap' as never })).toEqual(['auth: radius or local']);
  });

  it('writes ppp by default and clears the local columns for radius', () => {
    expect(localAuthValues({ auth: 'local', localNas: 'core-1' })).toEqual({ auth: 'local', localNas: 'core-1', localName: null, localService: 'ppp' });
    expect(localAuthValues({ auth: 'radius', localNas: 'core-1' })).toEqual({ auth: 'radius', localNas: null, localName: null, localService: null });
  });
});
