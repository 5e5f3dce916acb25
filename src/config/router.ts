/**
 * @module config/router
 * nas.yaml `nas[].router`: what radgate needs to render (and apply) a NAS's RouterOS configuration — which RADIUS
 * services the router uses, radgate's address as the router sees it, RADIUS timeout, interim interval — and the
 * optional periodic reconciliation. Kept apart from schema.ts so the router-facing keys have one home.
 */

import * as z from 'zod';
import { describeType } from './errors.js';
import { boolean, duration, field, Invalid, ipAddress } from './fields.js';
import { parseIp } from '../ip.js';
import type { NasRouterConfig, RouterService } from './types.js';

export const ROUTER_SERVICES = ['ppp', 'hotspot'] as const;

/** Defaults of `nas[].router` (seconds). Re-exported in `DEFAULTS.router`. */
export const ROUTER_DEFAULTS = Object.freeze({
  services: Object.freeze(['ppp'] as RouterService[]),
  radiusTimeoutSeconds: 3,
  interimIntervalSeconds: 300,
  reconcileFix: false,
});

/** A non-empty list of distinct services. */
const services = (input: unknown): RouterService[] | Invalid => {
  const hint = `a list of ${ROUTER_SERVICES.join(', ')}, e.g. [ppp]`;
  if (!Array.isArray(input)) return new Invalid(`must be ${hint}, got ${describeType(input)}`);
  if (input.length === 0) return new Invalid(`must not be empty (${hint})`);
  const out: RouterService[] = [];
  for (const item of input) {
    if (typeof item !== 'string' || !(ROUTER_SERVICES as readonly string[]).includes(item)) {
      const got = typeof item === 'string' ? JSON.stringify(item) : describeType(item);
      return new Invalid(`${got} is not a service (one of ${ROUTER_SERVICES.join(', ')})`);
    }
    if (out.includes(item as RouterService)) return new Invalid(`lists ${JSON.stringify(item)} twice`);
    out.push(item as RouterService);
  }
  return out;
};

/** An IPv4 address: RouterOS `/radius address` and `src-address` for radgate are IPv4 in everything we render. */
const ipv4Address = (input: unknown): string | Invalid => {
  const value = ipAddress(input);
  if (value instanceof Invalid) return value;
  return parseIp(value)?.family === 4 && !value.includes(':') ? value : new Invalid(`${JSON.stringify(value)} is not an IPv4 address`);
};

export const nasRouterSchema = z
  .strictObject({
    services: field(services).default([...ROUTER_DEFAULTS.services]),
    radgate_address: field(ipv4Address),
    src_address: field(ipv4Address).optional(),
    radius_timeout: field(duration({ min: 0.1, max: 30 })).default(ROUTER_DEFAULTS.radiusTimeoutSeconds),
    interim_interval: field(duration({ min: 60, whole: true })).default(ROUTER_DEFAULTS.interimIntervalSeconds),
    reconcile_interval: field(duration({ min: 60 })).optional(),
    reconcile_fix: field(boolean).default(ROUTER_DEFAULTS.reconcileFix),
    // Absent = false (the IPv4-only configuration); kept out of ROUTER_DEFAULTS so existing configs read the same.
    ipv6: field(boolean).optional(),
  })
  .transform((r): NasRouterConfig => ({
    services: r.services,
    radgateAddress: r.radgate_address,
    srcAddress: r.src_address,
    radiusTimeoutSeconds: r.radius_timeout,
    interimIntervalSeconds: r.interim_interval,
    reconcileIntervalSeconds: r.reconcile_interval,
    reconcileFix: r.reconcile_fix,
    ipv6: r.ipv6,
  }));

/**
 * Cross-key checks on a raw NAS entry: a periodic reconcile needs RouterOS API access. `add` reports a problem at a
 * path below the entry.
 */
export function checkRouter(entry: Readonly<Record<string, unknown>>, add: (where: (string | number)[], reason: string) => void): void {
  const router = entry['router'];
  if (router === null || typeof router !== 'object' || Array.isArray(router)) return;
  const r = router as Record<string, unknown>;
  if (r['reconcile_interval'] !== undefined && entry['api'] === undefined) {
    add(['router', 'reconcile_interval'], 'needs RouterOS API access: add an api: section to this NAS');
  }
  if (r['reconcile_fix'] === true && r['reconcile_interval'] === undefined) {
    add(['router', 'reconcile_fix'], 'has no effect without reconcile_interval');
  }
}
