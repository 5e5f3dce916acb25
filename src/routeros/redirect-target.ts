/**
 * @module routeros/redirect-target
 * Where the router's dst-nat sends unpaid subscribers' HTTP: RouterOS `to-addresses` takes an IPv4 address, not a
 * name, so the workspace's reminder host is resolved when rendering (docs/routeros.md §7). An explicit `redirect_ip`
 * overrides resolution. A name that does not resolve, or resolves to an address no router can redirect to
 * (loopback, unspecified, multicast, link-local, broadcast/reserved) is an operator-facing error naming the
 * workspace, the NAS and the host — never a silent guess.
 */

import { lookup } from 'node:dns/promises';
import { parseIp, specialPurposeV4 } from '../config/index.js';
import { RadgateError } from '../errors.js';

/** Resolves a host name to its addresses (any family). Injected so tests never touch real DNS. */
export type Resolver = (host: string) => Promise<readonly string[]>;

/** The system resolver (getaddrinfo), as the radgate host sees DNS. */
export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface RedirectTarget {
  readonly ip: string;
  /** How the address was chosen, for the script header. */
  readonly origin: string;
}

/** Why `ip` cannot be a redirect target (`loopback`, …), or undefined when it can. IPv6 is reported as such. */
export function unusableReason(ip: string): string | undefined {
  const address = parseIp(ip);
  if (address === undefined) return 'not an IP address';
  if (address.family === 6) {
    if (address.value === 0n) return 'unspecified';
    if (address.value === 1n) return 'loopback';
    if (address.value >> 120n === 0xffn) return 'multicast';
    if (address.value >> 118n === 0x3fan) return 'link-local'; // fe80::/10
    return 'IPv6 (RouterOS /ip firewall nat needs IPv4)';
  }
  return specialPurposeV4(address.value);
}

export interface TargetRequest {
  readonly workspace: string;
  readonly nas: string;
  readonly reminderHost: string | undefined;
  readonly redirectIp: string | undefined;
}

function fail(request: TargetRequest, problem: string): never {
  const fix = `set redirect_ip for workspace "${request.workspace}" in workspaces.yaml (the IPv4 address at which routers reach radgate's captive listener), or fix the name`;
  throw new RadgateError('ROUTER_RENDER', `workspace "${request.workspace}", NAS "${request.nas}": ${problem}; ${fix}`);
}

/**
 * The redirect target: `redirectIp` when set (checked again here: it is the address the router will use), else
 * the reminder host resolved with `resolve`. With several usable addresses the lowest is taken, so re-rendering
 * gives the same script whatever order DNS answers in.
 */
export async function redirectTarget(request: TargetRequest, resolve: Resolver): Promise<RedirectTarget> {
  if (request.redirectIp !== undefined) {
    const reason = unusableReason(request.redirectIp);
    if (reason !== undefined) {
      throw new RadgateError('ROUTER_RENDER', `workspace "${request.workspace}", NAS "${request.nas}": redirect_ip ${request.redirectIp} is ${article(reason)} address; the router must reach radgate's captive listener at it`);
    }
    return { ip: request.redirectIp, origin: 'redirect_ip of the workspace' };
  }
  const host = request.reminderHost;
  if (host === undefined) {
    throw new RadgateError('ROUTER_RENDER', `workspace "${request.workspace}", NAS "${request.nas}": neither reminder_host nor redirect_ip is set in workspaces.yaml; the router needs an address to redirect unpaid subscribers to`);
  }
  let addresses: readonly string[];
  try {
    addresses = parseIp(host) !== undefined ? [host] : await resolve(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(request, `reminder_host "${host}" cannot be resolved${code ? ` (${code})` : ''}`);
  }
  if (addresses.length === 0) fail(request, `reminder_host "${host}" resolves to no address`);
  const bad = addresses.map((ip) => ({ ip, reason: unusableReason(ip) })).filter((a) => a.reason !== undefined && !a.reason.startsWith('IPv6'));
  if (bad.length > 0) {
    fail(request, `reminder_host "${host}" resolves to ${bad.map((b) => `${b.ip} (${b.reason})`).join(', ')}, which a router cannot redirect subscribers to`);
  }
  const v4 = addresses.filter((ip) => unusableReason(ip) === undefined).sort(compareV4);
  if (v4.length === 0) fail(request, `reminder_host "${host}" resolves only to IPv6 (${addresses.join(', ')}); RouterOS /ip firewall nat needs an IPv4 address`);
  return { ip: v4[0]!, origin: `reminder_host ${host}, resolved when rendering` };
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`;
}

function compareV4(a: string, b: string): number {
  const value = (ip: string) => parseIp(ip)?.value ?? 0n;
  const d = value(a) - value(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
