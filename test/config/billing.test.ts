/**
 * Billing keys of the config: plan price / currency / billing_cycle, workspace billing thresholds, the evaluator
 * interval, and admin.yaml tokens. Each broken case reports exactly its problem, with file and path.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { generateToken } from '../../src/web/admin/auth.js';
import { copyExample, edit, problemsOf, removeTempDirs, write } from './helpers.js';

afterAll(removeTempDirs);

interface Case {
  name: string;
  change: (dir: string) => Promise<void>;
  problems: string[];
}

const plans = (from: string, to: string) => (dir: string) => edit(dir, 'plans.yaml', from, to);
const HOME_PRICE = '    price: 25.00\n';
const HOME_CURRENCY = '    currency: USD\n\n    # What one price';
const HOME_CYCLE = '    billing_cycle: monthly\n\n  - name: business-50';
const home = (cycle: string) => plans(HOME_CYCLE, `    billing_cycle: ${cycle}\n\n  - name: business-50`);
const HASH = 'sha256:' + 'ab'.repeat(32);
const admin = (yaml: string) => (dir: string) => write(dir, 'admin.yaml', `tokens:\n${yaml}`);

const BROKEN: Case[] = [
  {
    name: 'price without currency',
    change: plans(HOME_CURRENCY, '\n    # What one price'),
    problems: ['plans.yaml: plans[0].currency: required when price is set (e.g. USD)'],
  },
  {
    name: 'currency without price',
    change: plans(HOME_PRICE, ''),
    problems: ['plans.yaml: plans[0].price: required when currency is set'],
  },
  {
    name: 'more decimals than the currency has',
    change: plans(HOME_PRICE, '    price: 25.005\n'),
    problems: ['plans.yaml: plans[0].price: "25.005" has more decimals than USD allows (2)'],
  },
  {
    name: 'decimals in a currency without minor unit',
    change: async (dir) => {
      await plans(HOME_PRICE, '    price: 2500.5\n')(dir);
      await plans(HOME_CURRENCY, '    currency: JPY\n\n    # What one price')(dir);
    },
    problems: ['plans.yaml: plans[0].price: "2500.5" has more decimals than JPY allows (0)'],
  },
  {
    name: 'zero price',
    change: plans(HOME_PRICE, '    price: 0\n'),
    problems: ['plans.yaml: plans[0].price: must be more than 0 (leave price out for a plan that is not paid for)'],
  },
  {
    name: 'negative price',
    change: plans(HOME_PRICE, '    price: -5\n'),
    problems: ['plans.yaml: plans[0].price: "-5" is not an amount (digits with an optional decimal point, e.g. 25.00)'],
  },
  {
    name: 'lower-case or unknown currency',
    change: async (dir) => {
      await plans(HOME_CURRENCY, '    currency: usd\n\n    # What one price')(dir);
      await plans('    price: 120.00\n    currency: USD\n', '    price: 120.00\n    currency: XYZ\n')(dir);
    },
    problems: [
      'plans.yaml: plans[0].currency: "usd" is not an ISO 4217 currency code (upper case, e.g. USD, EUR, KES)',
      'plans.yaml: plans[1].currency: "XYZ" is not an ISO 4217 currency code (upper case, e.g. USD, EUR, KES)',
    ],
  },
  {
    name: 'billing cycle that is not monthly, weekly or N days',
    change: async (dir) => {
      await home('fortnightly')(dir);
      await plans('    currency: USD\n    billing_cycle: monthly\n', '    currency: USD\n    billing_cycle: 0 days\n')(dir);
    },
    problems: [
      'plans.yaml: plans[0].billing_cycle: must be monthly, weekly, "N days", "N weeks" or "N months", got "fortnightly"',
      'plans.yaml: plans[1].billing_cycle: must be from 1 to 3660 days, got 0',
    ],
  },
  {
    name: 'suspension before the end of grace (not monotonic)',
    change: async (dir) => {
      await edit(dir, 'workspaces.yaml', '      grace_days: 2\n', '      grace_days: 5\n');
      await edit(dir, 'workspaces.yaml', '      suspend_after_days: 30\n', '      suspend_after_days: 3\n');
    },
    problems: ['workspaces.yaml: workspaces[0].billing.suspend_after_days: must be at least grace_days (5), got 3: suspension comes after the grace period'],
  },
  {
    name: 'negative and fractional days, unknown renew_from',
    change: async (dir) => {
      await edit(dir, 'workspaces.yaml', '      reminder_days: 3\n', '      reminder_days: -1\n');
      await edit(dir, 'workspaces.yaml', '      grace_days: 2\n', '      grace_days: 1.5\n');
      await edit(dir, 'workspaces.yaml', '      renew_from: due_date\n', '      renew_from: today\n');
    },
    problems: [
      'workspaces.yaml: workspaces[0].billing.reminder_days: must be from 0 to 3660, got -1',
      'workspaces.yaml: workspaces[0].billing.grace_days: must be a whole number, got 1.5',
      'workspaces.yaml: workspaces[0].billing.renew_from: must be one of due_date, payment_date, got "today"',
    ],
  },
  {
    name: 'misspelt threshold key',
    change: (dir) => edit(dir, 'workspaces.yaml', '      grace_days: 2\n', '      grace: 2\n'),
    problems: ['workspaces.yaml: workspaces[0].billing.grace: unknown key (known keys: reminder_days, grace_days, suspend_after_days, renew_from)'],
  },
  {
    name: 'billing interval out of range',
    change: (dir) => edit(dir, 'server.yaml', '  billing_interval: 1m\n', '  billing_interval: 2h\n'),
    problems: ['server.yaml: server.billing_interval: must be from 1s to 3600s, got 7200s'],
  },
  {
    name: 'admin token hash that is not sha256:<hex>, and a token pasted instead of its hash',
    change: admin(`  - { name: a, hash: "sha256:xyz" }\n  - { name: b, hash: rg_c2VjcmV0LXRva2VuLXZhbHVl }\n`),
    problems: [
      'admin.yaml: tokens[0].hash: must be sha256: followed by 64 hexadecimal digits (`radgate admin-token NAME` prints it)',
      'admin.yaml: tokens[1].hash: this is a token, not its hash: store only the sha256:… line that `radgate admin-token NAME` prints',
    ],
  },
  {
    name: 'admin tokens with one name or one hash twice, a bad scope and a bad name',
    change: admin([
      `  - { name: ops, hash: "${HASH}" }`,
      `  - { name: ops, hash: "${'sha256:' + 'cd'.repeat(32)}" }`,
      `  - { name: other, hash: "${HASH.toUpperCase().replace('SHA256', 'sha256')}" }`,
      `  - { name: "a b", hash: "${'sha256:' + 'ef'.repeat(32)}", scope: admin }`,
      '',
    ].join('\n')),
    problems: [
      'admin.yaml: tokens[1].name: duplicate token name "ops" (first used by tokens[0])',
      'admin.yaml: tokens[2].hash: same hash as tokens[0]: each token needs its own',
      'admin.yaml: tokens[3].name: "a b" is not a valid token name (1-64 letters, digits, "_", "." and "-")',
      'admin.yaml: tokens[3].scope: must be one of read, write, got "admin"',
    ],
  },
  {
    name: 'admin.yaml without the tokens key',
    change: (dir) => write(dir, 'admin.yaml', 'token: []\n'),
    problems: ['admin.yaml: token: unknown key (did you mean "tokens"?)', 'admin.yaml: tokens: required'],
  },
];

describe('billing config: each broken case reports exactly its problem', () => {
  it.each(BROKEN)('$name', async ({ change, problems }) => {
    const dir = await copyExample();
    await change(dir);
    expect(await problemsOf(dir)).toEqual(problems);
  });

  it('never puts a token in a message, even one pasted where its hash belongs', async () => {
    const { token } = generateToken('x', 'write');
    const dir = await copyExample();
    await write(dir, 'admin.yaml', `tokens:\n  - { name: x, hash: "${token}" }\n  - { name: y, hash: "${token}" }\n`);
    const problems = await problemsOf(dir);
    expect(problems.length).toBe(3);
    for (const p of problems) expect(p).not.toContain(token.slice(3));
  });
});

describe('billing config that loads', () => {
  it('weekly, N days, N weeks and N months cycles; a plan without price', async () => {
    const dir = await copyExample();
    await home('weekly')(dir);
    await plans('    currency: USD\n    billing_cycle: monthly\n', '    currency: USD\n    billing_cycle: 3 months\n')(dir);
    const config = await loadConfig(dir, {});
    expect(config.plans.map((p) => p.billingCycle)).toEqual([{ unit: 'day', count: 7 }, { unit: 'month', count: 3 }]);
    await plans('    billing_cycle: weekly\n', '    billing_cycle: 30 days\n')(dir);
    await plans('    billing_cycle: 3 months\n', '    billing_cycle: 2 weeks\n')(dir);
    expect((await loadConfig(dir, {})).plans.map((p) => p.billingCycle)).toEqual([{ unit: 'day', count: 30 }, { unit: 'day', count: 14 }]);
    await plans(HOME_PRICE, '')(dir);
    await plans(HOME_CURRENCY, '\n    # What one price')(dir);
    expect((await loadConfig(dir, {})).plans[0]).toMatchObject({ price: undefined, currency: undefined });
  });

  it('zero-day windows and grace = suspension are allowed; JPY has no minor unit', async () => {
    const dir = await copyExample();
    await edit(dir, 'workspaces.yaml', '      reminder_days: 3\n', '      reminder_days: 0\n');
    await edit(dir, 'workspaces.yaml', '      grace_days: 2\n', '      grace_days: 7\n');
    await edit(dir, 'workspaces.yaml', '      suspend_after_days: 30\n', '      suspend_after_days: 7\n');
    await edit(dir, 'workspaces.yaml', '      renew_from: due_date\n', '      renew_from: payment_date\n');
    await plans(HOME_PRICE, '    price: 3000\n')(dir);
    await plans(HOME_CURRENCY, '    currency: JPY\n\n    # What one price')(dir);
    const config = await loadConfig(dir, {});
    expect(config.workspaces[0]!.billing).toEqual({ reminderDays: 0, graceDays: 7, suspendAfterDays: 7, renewFrom: 'payment_date' });
    expect(config.plans[0]).toMatchObject({ price: 3000, currency: 'JPY' });
  });

  it('admin tokens: hashes in any case, scope read by default, no file = no tokens', async () => {
    const dir = await copyExample();
    const upper = 'sha256:' + 'AB'.repeat(32);
    await write(dir, 'admin.yaml', `tokens:\n  - { name: dash, hash: "${upper}" }\n  - { name: billing, hash: "${'sha256:' + '01'.repeat(32)}", scope: write }\n`);
    expect((await loadConfig(dir, {})).adminTokens).toEqual([
      { name: 'dash', sha256: 'ab'.repeat(32), scope: 'read' },
      { name: 'billing', sha256: '01'.repeat(32), scope: 'write' },
    ]);
    const { rm } = await import('node:fs/promises');
    await rm(`${dir}/admin.yaml`);
    expect((await loadConfig(dir, {})).adminTokens).toEqual([]);
  });
});
