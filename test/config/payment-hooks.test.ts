/** workspaces.yaml `payment_hooks` (src/config/payment-hooks.ts): keys from files and the environment, tolerance. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { copyExample, edit, eachReportsExactly, removeTempDirs, write, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const GENERIC = 'a-generic-secret-of-at-least-32-characters';
const withHooks = (yaml: string) => (dir: string) => edit(dir, 'workspaces.yaml', '    id: default\n', `    id: default\n    payment_hooks:\n${yaml}`);

describe('payment_hooks', () => {
  it('reads keys from files and environment variables, in order, with the tolerance', async () => {
    const dir = await copyExample();
    await write(dir, 'generic.key', `${GENERIC}\n`);
    await withHooks('      generic: { keys: [ { file: generic.key }, { env: T_GENERIC_2 } ], tolerance: 2m }\n      stripe: { keys: [ { env: T_STRIPE } ] }\n')(dir);
    const config = await loadConfig(dir, { T_GENERIC_2: `  ${GENERIC}-2  `, T_STRIPE: 'whsec_abc123' });
    const hooks = config.workspaceById.get('default')!.paymentHooks;
    expect(hooks.generic).toEqual({
      keys: [{ source: `file ${dir}/generic.key`, secret: GENERIC }, { source: 'env T_GENERIC_2', secret: `${GENERIC}-2` }],
      toleranceSeconds: 120,
    });
    expect(hooks.stripe).toEqual({ keys: [{ source: 'env T_STRIPE', secret: 'whsec_abc123' }], toleranceSeconds: 300 });
    expect(Object.isFrozen(hooks.generic!.keys[0])).toBe(true);
  });

  it('is optional: the example config has none', async () => {
    const config = await loadConfig(await copyExample(), {});
    expect(config.workspaceById.get('default')!.paymentHooks).toEqual({});
  });

  it('no problem line quotes a secret', async () => {
    const dir = await copyExample();
    await withHooks('      generic: { keys: [ { env: T_SHORT } ] }\n      stripe: { keys: [ { env: T_STRIPE } ] }\n')(dir);
    const error = await loadConfig(dir, { T_SHORT: 'short-secret-value', T_STRIPE: 'sk_live_apikeyvalue' }).catch((e: Error) => e);
    expect(String(error)).not.toMatch(/short-secret-value|sk_live_apikeyvalue/);
  });
});

const BROKEN: BrokenCase[] = [
  {
    name: 'an unset variable, a missing file, both or neither source',
    change: withHooks('      generic: { keys: [ { env: T_UNSET }, { file: nowhere.key }, { file: a.key, env: T_X }, {} ] }\n'),
    problems: [
      'workspaces.yaml: workspaces[0].payment_hooks.generic.keys[0].env: environment variable T_UNSET is not set',
      'workspaces.yaml: workspaces[0].payment_hooks.generic.keys[1].file: cannot read "nowhere.key" (file not found)',
      'workspaces.yaml: workspaces[0].payment_hooks.generic.keys[2]: set either file or env, not both',
      'workspaces.yaml: workspaces[0].payment_hooks.generic.keys[3]: file or env is required (key material never goes in this file)',
    ],
  },
  {
    name: 'a short generic secret, and a Stripe secret that is not whsec_',
    change: withHooks('      generic: { keys: [ { env: T_SHORT } ] }\n      stripe: { keys: [ { env: T_STRIPE } ] }\n'),
    env: { T_SHORT: 'short', T_STRIPE: 'sk_test_123' },
    problems: [
      'workspaces.yaml: workspaces[0].payment_hooks.generic.keys[0].env: the key must be at least 32 printable characters, got 5 (openssl rand -hex 32)',
      'workspaces.yaml: workspaces[0].payment_hooks.stripe.keys[0].env: the key is not a Stripe webhook signing secret (it starts with "whsec_"; the dashboard shows it under the endpoint)',
    ],
  },
  {
    name: 'an unknown provider, an unknown key, no keys, a bad tolerance',
    change: withHooks('      paypal: { keys: [] }\n      stripe: { keys: [], tolerance: 2h, secret: x }\n'),
    problems: [
      'workspaces.yaml: workspaces[0].payment_hooks.stripe.tolerance: must be from 1s to 3600s, got 7200s',
      'workspaces.yaml: workspaces[0].payment_hooks.stripe.secret: unknown key (known keys: keys, tolerance)',
      'workspaces.yaml: workspaces[0].payment_hooks.paypal: unknown key (known keys: generic, stripe)',
      'workspaces.yaml: workspaces[0].payment_hooks.stripe.keys: at least one key is required',
    ],
  },
];

describe('broken payment_hooks', () => {
  eachReportsExactly(BROKEN);
});
