/**
 * @module config/router-profile
 * plans.yaml `plans[].router_profile`: the RouterOS PPP profile (or HotSpot user profile) a router-local subscriber's
 * entry gets on this plan (docs/mixed-fleet.md). One name for every router, or a mapping by nas.yaml name with an
 * optional `default`:
 *
 * ```yaml
 * router_profile: home                          # every router
 * router_profile: { default: home, core-2: home-v2 }
 * ```
 * Unset: the plan's `group` (Mikrotik-Group names the same profile for RADIUS subscribers), else `default`, the
 * profile RouterOS itself gives an entry without one.
 */
import { describeType } from './errors.js';
import { Invalid, routerName } from './fields.js';

/** The parsed `router_profile`. */
export interface RouterProfiles {
  /** For routers the mapping does not name; undefined = the plan's group, else `default`. */
  readonly fallback: string | undefined;
  /** nas.yaml name → profile. */
  readonly byNas: Readonly<Record<string, string>>;
}

/** The profile RouterOS gives a `/ppp secret` without `profile=`. */
export const ROUTEROS_DEFAULT_PROFILE = 'default';

export const routerProfiles = (input: unknown): RouterProfiles | Invalid => {
  if (typeof input === 'string') {
    const name = routerName(input);
    return name instanceof Invalid ? name : { fallback: name, byNas: {} };
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return new Invalid(`must be a profile name or a mapping of NAS name to profile name, got ${describeType(input)}`);
  }
  const byNas: Record<string, string> = {};
  let fallback: string | undefined;
  for (const [key, value] of Object.entries(input)) {
    const name = routerName(value);
    if (name instanceof Invalid) return new Invalid(`${JSON.stringify(key)}: ${name.reason}`);
    if (key === 'default') fallback = name;
    else byNas[key] = name;
  }
  return { fallback, byNas };
};

/** The profile a local entry on `nasName` gets on a plan. */
export function routerProfileFor(plan: { readonly routerProfile: RouterProfiles; readonly group: string | undefined }, nasName: string): string {
  return plan.routerProfile.byNas[nasName] ?? plan.routerProfile.fallback ?? plan.group ?? ROUTEROS_DEFAULT_PROFILE;
}
