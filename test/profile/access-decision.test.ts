/**
 * The Access-Request decision after the credential check (src/profile/access-decision.ts), on the example
 * configuration: which profile each status gets, the simultaneous-use step against plans.yaml max_sessions, and the
 * refusals with their messages. The handler and `radgate explain` both answer with this function.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config, type WorkspaceConfig } from '../../src/config/index.js';
import type { SubscriberStatus } from '../../src/db/schema.js';
import { decideAccess, type AccessSubject } from '../../src/profile/access-decision.js';
import { expiredAttributes, planAttributes } from '../../src/profile/reply-profile.js';
import { EXAMPLE_CONFIG } from '../helpers/config.js';

const SUPPORT = 'call 555-0100 or billing@isp.example';
let config: Config;
let workspace: WorkspaceConfig;

beforeAll(async () => {
  config = await loadConfig(EXAMPLE_CONFIG, {});
  workspace = config.workspaceById.get('default')!;
});

const subject = (status: SubscriberStatus, extra: Partial<AccessSubject> = {}): AccessSubject => ({ id: 42, status, staticIp: null, plan: 'home-10', ...extra });

/** Decide with `open` sessions counted; `asked` records whom the count was asked for. */
function decide(s: AccessSubject, open: number | undefined, asked: number[] = []) {
  return decideAccess({
    subscriber: s,
    plan: config.planByName.get(s.plan),
    workspace,
    openSessions: open === undefined ? undefined : (id) => (asked.push(id), open),
  });
}

const names = (attributes: ReadonlyArray<{ name: string; value: unknown }>) => attributes.map((a) => [a.name, a.value]);

describe('decideAccess: the status picks the profile', () => {
  it('active, due_soon and grace get the plan with its pool', () => {
    const home = config.planByName.get('home-10')!;
    for (const status of ['active', 'due_soon', 'grace'] as const) {
      const d = decide(subject(status), 0);
      expect(d).toMatchObject({ outcome: 'accept', profile: 'plan', sessions: { open: 0, limit: 1 } });
      if (d.outcome !== 'accept') throw new Error(status);
      expect(names(d.attributes)).toEqual([...names(planAttributes(home)), ['Framed-Pool', 'pppoe-pool']]);
    }
  });

  it('a static IP replaces the pool', () => {
    const d = decide(subject('active', { staticIp: '100.64.1.2' }), 0);
    if (d.outcome !== 'accept') throw new Error('accepted');
    expect(names(d.attributes).slice(-1)).toEqual([['Framed-IP-Address', '100.64.1.2']]);
    expect(names(d.attributes).map(([n]) => n)).not.toContain('Framed-Pool');
  });

  it('expired gets the workspace’s expired profile, still under the plan’s session limit', () => {
    const d = decide(subject('expired', { plan: 'business-50' }), 1);
    expect(d).toMatchObject({ outcome: 'accept', profile: 'expired', sessions: { open: 1, limit: 2 } });
    if (d.outcome !== 'accept') throw new Error('accepted');
    expect(names(d.attributes)).toEqual(names(expiredAttributes(workspace, 300)));
    expect(names(d.attributes)).toContainEqual(['Mikrotik-Address-List', 'radgate-unpaid']);
  });

  it('expired on a plan that is no longer configured: the expired profile, nothing to count against', () => {
    const asked: number[] = [];
    expect(decide(subject('expired', { plan: 'gone' }), 5, asked)).toMatchObject({ outcome: 'accept', profile: 'expired', sessions: undefined });
    expect(asked).toEqual([]);
  });

  it('suspended and disabled are refused with the truth, before any session is counted', () => {
    const asked: number[] = [];
    expect(decide(subject('suspended'), 0, asked)).toEqual({
      outcome: 'reject', profile: 'refuse', reason: 'suspended', message: `Your account is suspended for non-payment — ${SUPPORT}`, sessions: undefined,
    });
    expect(decide(subject('disabled'), 0, asked)).toMatchObject({ outcome: 'reject', reason: 'disabled', message: `Your account is disabled — ${SUPPORT}` });
    expect(asked).toEqual([]);
  });

  it('a plan that is not configured is refused', () => {
    expect(decide(subject('active', { plan: 'gone' }), 0)).toMatchObject({
      outcome: 'reject', profile: 'refuse', reason: 'plan "gone" is not configured', message: `Service plan unavailable — ${SUPPORT}`,
    });
  });
});

describe('decideAccess: simultaneous use (plans.yaml max_sessions)', () => {
  it('below the limit lets the login in; at or over it refuses, naming the limit', () => {
    const asked: number[] = [];
    expect(decide(subject('active', { plan: 'business-50' }), 1, asked)).toMatchObject({ outcome: 'accept', sessions: { open: 1, limit: 2 } });
    for (const open of [2, 3]) {
      expect(decide(subject('active', { plan: 'business-50' }), open, asked)).toEqual({
        outcome: 'reject',
        profile: 'plan',
        reason: `simultaneous-use: ${open} open session(s), plan allows 2`,
        message: 'Already connected: at most 2 session(s) allowed for your plan',
        sessions: { open, limit: 2 },
      });
    }
    expect(asked).toEqual([42, 42, 42]);
    expect(decide(subject('grace'), 1)).toMatchObject({ outcome: 'reject', profile: 'plan', sessions: { open: 1, limit: 1 } });
    expect(decide(subject('expired'), 1)).toMatchObject({ outcome: 'reject', profile: 'expired', message: 'Already connected: at most 1 session(s) allowed for your plan' });
  });

  it('without a session count, nothing is checked', () => {
    expect(decide(subject('active'), undefined)).toMatchObject({ outcome: 'accept', profile: 'plan', sessions: undefined });
  });
});
