/** What a change pushes, from the example config's plans and expired profile (src/enforce/push.ts). */
import { describe, expect, it } from 'vitest';
import { loadConfig, type NasEnforcementConfig } from '../../src/config/index.js';
import { coaSkipReason, decidePush, type PushTarget } from '../../src/enforce/push.js';
import { testConfig } from '../helpers/config.js';

const config = await loadConfig(testConfig(), {});
const sub = (over: Partial<PushTarget> = {}): PushTarget => ({
  id: 1, workspaceId: 'default', username: 'u', plan: 'business-50', status: 'active', staticIp: null, deleted: false, ...over,
});
const policy = (over: Partial<NasEnforcementConfig> = {}): NasEnforcementConfig => ({
  steps: ['coa', 'disconnect', 'api'], coaTimeoutSeconds: 2, coaTries: 5, restore: 'reconnect', concurrency: 32, ...over,
});
const names = (attrs: Array<{ name: string; value: unknown }>) => Object.fromEntries(attrs.map((a) => [a.name, a.value]));

describe('decidePush', () => {
  it('expiry: a CoA with the expired profile\'s CoA-changeable attributes only', () => {
    const plan = decidePush(config, sub({ status: 'expired', plan: 'home-10' }), 'grace');
    expect(plan.label).toBe('expired profile');
    expect(names(plan.coaAttributes)).toEqual({ 'Mikrotik-Group': 'expired', 'Mikrotik-Address-List': 'radgate-unpaid', 'Mikrotik-Rate-Limit': '256k/256k' });
    expect(plan.restore).toEqual([]);
    expect(coaSkipReason(plan, policy())).toBeUndefined();
  });

  it('restore: leaving radgate-unpaid (and a pool the plan names) needs a reconnect unless the NAS says coa', () => {
    const home = decidePush(config, sub({ plan: 'home-10' }), 'expired');
    expect(home.restore).toEqual(['a CoA cannot take the session out of address list radgate-unpaid', 'Framed-Pool becomes pppoe-pool, which only a new login applies']);
    expect(coaSkipReason(home, policy())).toBe(`${home.restore.join('; ')} (restore: reconnect)`);
    expect(coaSkipReason(home, policy({ restore: 'coa' }))).toBeUndefined();
    expect(names(home.coaAttributes)).toEqual({ 'Mikrotik-Rate-Limit': '2M/10M', 'Mikrotik-Group': 'home', 'Session-Timeout': 86400, 'Idle-Timeout': 900 });
  });

  it('refusal (suspended, disabled, deleted): the session must end, whatever the policy', () => {
    for (const s of [sub({ status: 'suspended' }), sub({ status: 'disabled' }), sub({ deleted: true })]) {
      const plan = decidePush(config, s, 'expired');
      expect(plan.reconnect).toMatch(/^the subscriber is refused \((suspended|disabled|deleted)\): the session must end$/);
      expect(coaSkipReason(plan, policy({ restore: 'coa' }))).toBe(plan.reconnect);
    }
  });

  it('no change between states that keep the plan', () => {
    expect(decidePush(config, sub({ status: 'grace' }), 'due_soon').noop).toBe('no change to push: due_soon → grace keeps the plan business-50');
    expect(decidePush(config, sub({ status: 'suspended' }), 'disabled').noop).toBeDefined();
    expect(decidePush(config, sub({ status: 'expired' }), 'active').noop).toBeUndefined();
  });

  it('a static IP on expiry does not force a reconnect; on restore it does', () => {
    expect(decidePush(config, sub({ status: 'expired', staticIp: '198.51.100.7' }), 'active').restore).toEqual([]);
    expect(decidePush(config, sub({ staticIp: '198.51.100.7' }), 'expired').restore).toContain('Framed-IP-Address becomes 198.51.100.7, which only a new login applies');
  });

  it('unknown previous state (manual run, plan change): both the plan and the expired profile count as possible', () => {
    expect(decidePush(config, sub(), null).restore).toEqual(['a CoA cannot take the session out of address list radgate-unpaid']);
    expect(decidePush(config, sub({ status: 'expired' }), null).restore).toEqual([]);
    expect(decidePush(config, sub({ status: 'expired' }), null).noop).toBeUndefined();
  });

  it('a NAS without the coa step starts at Disconnect', () => {
    expect(coaSkipReason(decidePush(config, sub({ status: 'expired' }), 'active'), policy({ steps: ['disconnect', 'api'] }))).toBe("CoA is not among this NAS's enforcement steps");
  });
});
