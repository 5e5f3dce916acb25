/**
 * @module config/payment-hooks
 * workspaces.yaml `payment_hooks:` — the payment gateways that may call `POST /hooks/payments/<provider>`
 * (docs/payments.md). Per provider: the signing keys (each from a file or an environment variable, never in the YAML
 * itself, so config can be committed; several keys = rotation, any one verifies) and the timestamp tolerance. The
 * key material is read and checked here at load, so a missing or malformed key is a config error, not a 401 later.
 */

import * as z from 'zod';
import type { Problem } from './errors.js';
import { duration, field, matching, text } from './fields.js';
import { readSecretSource } from './secret-source.js';

/** The providers radgate verifies (src/payments). */
export const PAYMENT_PROVIDERS = ['generic', 'stripe'] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

export const PAYMENT_HOOK_DEFAULTS = Object.freeze({
  /** How far a signature's timestamp may be from now, seconds (Stripe's libraries use 300 too). */
  toleranceSeconds: 300,
});

/** A generic secret is used as its UTF-8 bytes: at least this many characters (e.g. `openssl rand -hex 32`). */
export const MIN_GENERIC_SECRET_LENGTH = 32;
/** At most this many keys per provider: each is tried on every callback. */
export const MAX_HOOK_KEYS = 8;

/** One verified signing secret. */
export interface PaymentHookKey {
  /** `file <path>` or `env <NAME>`: where it came from, for messages (never the secret). */
  readonly source: string;
  /** The secret, whitespace trimmed; the HMAC key is its UTF-8 bytes. */
  readonly secret: string;
}

/** `payment_hooks.<provider>`. */
export interface PaymentHookConfig {
  /** Any one verifies (rotation: add the new key, switch the gateway, remove the old one). At least one. */
  readonly keys: readonly PaymentHookKey[];
  /** Accepted distance between the signature's timestamp and now, seconds. Default 300, from 1 s to 1 h. */
  readonly toleranceSeconds: number;
}

/** workspaces.yaml `workspaces[].payment_hooks`: by provider; a provider not listed is not accepted. Default none. */
export type PaymentHooks = Readonly<Partial<Record<PaymentProvider, PaymentHookConfig>>>;

const FILE = 'workspaces.yaml';

const keySchema = z.strictObject({
  file: field(text).optional(),
  env: field(matching(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not an environment variable name')).optional(),
});

const providerSchema = z.strictObject({
  keys: z.array(keySchema),
  tolerance: field(duration({ min: 1, max: 3600 })).default(PAYMENT_HOOK_DEFAULTS.toleranceSeconds),
});

const hooksSchema = z.strictObject(Object.fromEntries(PAYMENT_PROVIDERS.map((p) => [p, providerSchema.optional()])) as Record<PaymentProvider, z.ZodOptional<typeof providerSchema>>);

/** The key this module adds to a workspace entry (spread into the workspace schema). */
export const paymentHookWorkspaceKeys = {
  payment_hooks: hooksSchema.optional(),
};

/**
 * The camelCase part of a workspace's schema output. The keys are read by `resolvePaymentHooks`; until then
 * `paymentHooks` holds only the tolerances, and the raw entry is re-read for the key sources.
 */
export function paymentHookWorkspaceFields(w: { payment_hooks?: z.output<typeof hooksSchema> | undefined }): { paymentHooks: PaymentHooks } {
  const hooks: Partial<Record<PaymentProvider, PaymentHookConfig>> = {};
  for (const provider of PAYMENT_PROVIDERS) {
    const p = w.payment_hooks?.[provider];
    if (p !== undefined) hooks[provider] = { keys: [], toleranceSeconds: p.tolerance };
  }
  return { paymentHooks: hooks };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The problem with a secret as a provider expects it, or undefined. Never quotes the value. */
function secretProblem(provider: PaymentProvider, secret: string): string | undefined {
  if (provider === 'stripe') {
    return /^whsec_[A-Za-z0-9]+$/.test(secret)
      ? undefined
      : 'is not a Stripe webhook signing secret (it starts with "whsec_"; the dashboard shows it under the endpoint)';
  }
  if (secret.length < MIN_GENERIC_SECRET_LENGTH || /[\u0000-\u001f\u007f]/.test(secret)) {
    return `must be at least ${MIN_GENERIC_SECRET_LENGTH} printable characters, got ${secret.length} (openssl rand -hex 32)`;
  }
  return undefined;
}

/**
 * Reads every payment-hook key of every workspace (raw entries give the sources, so a key is reported even when the
 * rest of the entry is wrong) and returns the workspaces with their keys; a workspace with a bad key is undefined.
 */
export async function resolvePaymentHooks<W extends { paymentHooks: PaymentHooks }>(
  configDir: string,
  raw: readonly unknown[] | undefined,
  workspaces: ReadonlyArray<W | undefined>,
  env: NodeJS.ProcessEnv,
  problems: Problem[],
): Promise<Array<W | undefined>> {
  return Promise.all(
    workspaces.map(async (workspace, i) => {
      const entry = raw?.[i];
      const hooks = isRecord(entry) ? entry['payment_hooks'] : undefined;
      if (!isRecord(hooks)) return workspace;
      let ok = true;
      const resolved: Partial<Record<PaymentProvider, PaymentHookConfig>> = {};
      for (const provider of PAYMENT_PROVIDERS) {
        const spec = hooks[provider];
        if (!isRecord(spec) || !Array.isArray(spec['keys'])) continue; // the schema reported it
        const at = ['workspaces', i, 'payment_hooks', provider, 'keys'];
        const add = (where: Array<string | number>, reason: string) => {
          ok = false;
          problems.push({ file: FILE, where: [...at, ...where], reason });
        };
        const list = spec['keys'];
        if (list.length === 0) add([], 'at least one key is required');
        if (list.length > MAX_HOOK_KEYS) add([], `at most ${MAX_HOOK_KEYS} keys (each is tried on every callback)`);
        const keys: PaymentHookKey[] = [];
        for (const [k, key] of list.entries()) {
          if (!isRecord(key)) continue;
          const read = await readSecretSource(configDir, key, env, (where, reason) => add([k, ...where], reason));
          if (read === undefined) continue;
          const { source, where, material } = read;
          const secret = material.trim();
          const problem = secretProblem(provider, secret);
          if (problem !== undefined) {
            add([k, where], `the key ${problem}`);
            continue;
          }
          keys.push({ source, secret });
        }
        const tolerance = workspace?.paymentHooks[provider]?.toleranceSeconds ?? PAYMENT_HOOK_DEFAULTS.toleranceSeconds;
        resolved[provider] = { keys, toleranceSeconds: tolerance };
      }
      if (!ok || workspace === undefined) return undefined;
      return { ...workspace, paymentHooks: resolved };
    }),
  );
}
