/**
 * @module config/billing
 * Billing keys of the config: a plan's price, currency and billing cycle (plans.yaml), a workspace's billing
 * thresholds (workspaces.yaml `billing:`), and the admin API tokens (admin.yaml, optional). Thresholds are whole
 * days in the workspace's time zone, relative to a subscriber's paid_until; see src/billing/state.ts.
 */

import { access } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { isCurrency, parseAmount } from '../money.js';
import { describeType, type Problem } from './errors.js';
import { field, integer, Invalid, matching, oneOf } from './fields.js';
import { readYamlFile } from './read-yaml.js';
import type { AdminTokenConfig, BillingCycle, BillingPolicy } from './types.js';

export const BILLING_DEFAULTS = Object.freeze({
  billingCycle: Object.freeze({ unit: 'month', count: 1 } as BillingCycle),
  policy: Object.freeze({ reminderDays: 3, graceDays: 2, suspendAfterDays: 30, renewFrom: 'due_date' } as BillingPolicy),
  adminScope: 'read' as AdminTokenConfig['scope'],
});

// ---- plans.yaml: price, currency, billing_cycle -------------------------------------------------------------

/** A price as decimal text (`25`, `25.50`), from a YAML number or string; converted to minor units with the currency. */
export const priceText = (input: unknown): string | Invalid => {
  const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : input;
  if (typeof text !== 'string') return new Invalid(`must be an amount such as 25.00, got ${describeType(input)}`);
  if (!/^\d+(\.\d+)?$/.test(text.trim())) return new Invalid(`"${text}" is not an amount (digits with an optional decimal point, e.g. 25.00)`);
  return text.trim();
};

export const currencyCode = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') return new Invalid(`must be an ISO 4217 currency code such as USD, got ${describeType(input)}`);
  return isCurrency(input) ? input : new Invalid(`"${input}" is not an ISO 4217 currency code (upper case, e.g. USD, EUR, KES)`);
};

/** `monthly`, `weekly`, `N days`, `N weeks`, `N months`, or a whole number of days. */
export const billingCycle = (input: unknown): BillingCycle | Invalid => {
  const bad = () => new Invalid(`must be monthly, weekly, "N days", "N weeks" or "N months", got ${typeof input === 'string' ? JSON.stringify(input) : describeType(input)}`);
  if (typeof input === 'number') return Number.isInteger(input) && input >= 1 ? { unit: 'day', count: input } : bad();
  if (typeof input !== 'string') return bad();
  const text = input.trim().toLowerCase();
  if (text === 'monthly') return { unit: 'month', count: 1 };
  if (text === 'weekly') return { unit: 'day', count: 7 };
  const m = /^(\d+)\s*(days?|weeks?|months?)$/.exec(text);
  if (!m) return bad();
  const n = Number(m[1]);
  if (n < 1 || n > 3660) return new Invalid(`must be from 1 to 3660 ${m[2]!.replace(/s$/, '')}s, got ${n}`);
  if (m[2]!.startsWith('month')) return { unit: 'month', count: n };
  return { unit: 'day', count: m[2]!.startsWith('week') ? n * 7 : n };
};

export interface PriceInput {
  price?: string | undefined;
  currency?: string | undefined;
}

/** Cross-checks price and currency (each requires the other; decimals fit the currency) → minor units. */
export function checkPrice(p: PriceInput, ctx: z.core.$RefinementCtx): { price: number | undefined; currency: string | undefined } {
  if (p.price === undefined && p.currency === undefined) return { price: undefined, currency: undefined };
  if (p.price === undefined) {
    ctx.issues.push({ code: 'custom', path: ['price'], message: 'required when currency is set', input: undefined });
    return { price: undefined, currency: p.currency };
  }
  if (p.currency === undefined) {
    ctx.issues.push({ code: 'custom', path: ['currency'], message: 'required when price is set (e.g. USD)', input: undefined });
    return { price: undefined, currency: undefined };
  }
  const minor = parseAmount(p.price, p.currency);
  if (typeof minor !== 'number') {
    ctx.issues.push({ code: 'custom', path: ['price'], message: minor.error, input: p.price });
    return { price: undefined, currency: p.currency };
  }
  if (minor === 0) {
    ctx.issues.push({ code: 'custom', path: ['price'], message: 'must be more than 0 (leave price out for a plan that is not paid for)', input: p.price });
  }
  return { price: minor, currency: p.currency };
}

// ---- workspaces.yaml: billing thresholds --------------------------------------------------------------------

const days = field(integer(0, 3660));

/**
 * `billing:` thresholds in whole days relative to paid_until (the end of the paid service): `due_soon` from
 * reminder_days before it, `grace` from it, `expired` grace_days after it, `suspended` suspend_after_days after it.
 */
export const billingPolicySchema = z
  .strictObject({
    reminder_days: days.default(BILLING_DEFAULTS.policy.reminderDays),
    grace_days: days.default(BILLING_DEFAULTS.policy.graceDays),
    suspend_after_days: days.default(BILLING_DEFAULTS.policy.suspendAfterDays),
    renew_from: field(oneOf(['due_date', 'payment_date'] as const)).default(BILLING_DEFAULTS.policy.renewFrom),
  })
  .transform((b, ctx): BillingPolicy => {
    // Monotonic: paid_until − reminder ≤ paid_until ≤ + grace ≤ + suspend (non-negativity is checked per key).
    if (b.suspend_after_days < b.grace_days) {
      ctx.issues.push({
        code: 'custom',
        path: ['suspend_after_days'],
        message: `must be at least grace_days (${b.grace_days}), got ${b.suspend_after_days}: suspension comes after the grace period`,
        input: b.suspend_after_days,
      });
    }
    return { reminderDays: b.reminder_days, graceDays: b.grace_days, suspendAfterDays: b.suspend_after_days, renewFrom: b.renew_from };
  });

// ---- admin.yaml: API tokens ---------------------------------------------------------------------------------

export const ADMIN_FILE = 'admin.yaml';
export const TOKEN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const HASH = /^sha256:([0-9a-f]{64})$/;

/** `sha256:<64 hex>`. The reason never quotes the value: a token pasted here by mistake must not reach a log. */
const tokenHash = (input: unknown): string | Invalid => {
  if (typeof input !== 'string') return new Invalid(`must be text, got ${describeType(input)}`);
  const m = HASH.exec(input.trim().toLowerCase());
  if (m) return m[1]!;
  if (input.startsWith('rg_')) return new Invalid('this is a token, not its hash: store only the sha256:… line that `radgate admin-token NAME` prints');
  return new Invalid('must be sha256: followed by 64 hexadecimal digits (`radgate admin-token NAME` prints it)');
};

export const adminTokenSchema = z
  .strictObject({
    name: field(matching(TOKEN_NAME, 'is not a valid token name (1-64 letters, digits, "_", "." and "-")')),
    hash: field(tokenHash),
    scope: field(oneOf(['read', 'write'] as const)).default(BILLING_DEFAULTS.adminScope),
  })
  .transform((t): AdminTokenConfig => ({ name: t.name, sha256: t.hash, scope: t.scope }));

/** admin.yaml is optional: without it no token is configured and the admin API answers 401 to everyone. */
export async function readOptionalYaml(configDir: string, file: string, problems: Problem[]): Promise<{ value: unknown } | undefined | null> {
  try {
    await access(path.join(configDir, file));
  } catch {
    return null;
  }
  return readYamlFile(configDir, file, problems);
}

/** Two tokens with one hash would be one token under two names. The message never quotes the value. */
export function checkDistinctHashes(raw: readonly unknown[] | undefined, problems: Problem[]): void {
  const first = new Map<string, number>();
  for (const [i, entry] of (raw ?? []).entries()) {
    const hash = entry !== null && typeof entry === 'object' ? (entry as Record<string, unknown>).hash : undefined;
    if (typeof hash !== 'string') continue;
    const key = hash.trim().toLowerCase();
    const j = first.get(key);
    if (j === undefined) first.set(key, i);
    else problems.push({ file: ADMIN_FILE, where: ['tokens', i, 'hash'], reason: `same hash as tokens[${j}]: each token needs its own` });
  }
}
