/**
 * @module routeros/desired
 * The RouterOS configuration radgate wants on one NAS, as data: settings menus (`/ppp/aaa`) and objects, each
 * object tagged `comment="radgate:<key>"`. Both the `.rsc` renderer (script.ts) and the API apply (apply.ts) are
 * derived from this one model, so the script and `router-apply` cannot drift apart. See docs/routeros.md §4–§8.
 */

import type { NasRouterConfig, RouterService } from '../config/index.js';
import { onDownScript, onUpScript } from './ppp-scripts.js';
import { duration } from './rsc.js';

/** Every comment radgate owns starts with this. */
export const TAG_PREFIX = 'radgate:';
/** Address list of the domains unpaid subscribers may reach (DNS names, resolved and refreshed by the router). */
export const ALLOW_LIST = 'radgate-allow';
/** Filter chain unpaid subscribers' forwarded traffic jumps to. */
export const UNPAID_CHAIN = 'radgate-unpaid';

/**
 * How a router value is compared with the desired one: `bool` (yes/true, no/false), `duration` (`5m` = `00:05:00`),
 * `set` (comma-separated, order ignored), `script` (line endings ignored), `text` (exact).
 */
export type Compare = 'text' | 'bool' | 'duration' | 'set' | 'script';

export interface DesiredProperty {
  readonly name: string;
  /** The value as RouterOS text (`yes`, `5m`, `ppp,hotspot`). */
  readonly value: string;
  /** Default `text`. */
  readonly compare?: Compare;
  /** What a property missing from the router's answer means (e.g. `0.0.0.0` for an unset src-address). Default ``. */
  readonly absent?: string;
  /** Never printed in plans; left alone when the router does not show it (API user without the `sensitive` policy). */
  readonly secret?: boolean;
}

/**
 * Where an object must sit in its table: `chain-top` = above every static rule of `chain` not tagged radgate (so
 * above fasttrack and established-accept rules); `sequence` = after the previous object of the same group.
 */
export type Placement =
  | { readonly kind: 'chain-top'; readonly chain: string }
  | { readonly kind: 'sequence'; readonly group: string };

export interface DesiredObject {
  /** API menu path, e.g. `/ip/firewall/filter`. */
  readonly path: string;
  /** The object's comment, `radgate:<key>`: how radgate finds it. */
  readonly key: string;
  /** Properties in the order they are written (comment excluded). */
  readonly properties: readonly DesiredProperty[];
  /**
   * A property no untagged object may share (a PPP profile's `name`, which the router keeps unique; a RADIUS
   * server's `address`): such an object is a conflict the operator resolves, never something radgate overwrites.
   */
  readonly unique?: string;
  readonly placement?: Placement;
}

/** A settings menu (`/radius/incoming`, `/ppp/aaa`): set, never added or removed. */
export interface DesiredSettings {
  readonly path: string;
  readonly properties: readonly DesiredProperty[];
}

/** A menu where radgate-tagged objects not in the model are removed. `dynamic`: the menu has dynamic rows. */
export interface ManagedPath {
  readonly path: string;
  readonly dynamic: boolean;
  /**
   * Only these rows can be radgate's (API equality query): address lists can be huge (blocklists, the unpaid list
   * itself), and radgate's own entries are all in its allow list.
   */
  readonly query?: Readonly<Record<string, string>>;
}

/** Every menu radgate may own objects in, whatever the NAS's services (so switching services cleans up). */
export const MANAGED_PATHS: readonly ManagedPath[] = Object.freeze([
  { path: '/radius', dynamic: false },
  { path: '/ppp/profile', dynamic: false },
  { path: '/ip/firewall/address-list', dynamic: true, query: { list: ALLOW_LIST } },
  { path: '/ip/firewall/nat', dynamic: true },
  { path: '/ip/firewall/filter', dynamic: true },
  { path: '/ip/hotspot/walled-garden', dynamic: false },
  { path: '/ip/hotspot/walled-garden/ip', dynamic: false },
]);

/**
 * The IPv6 menus, managed only on a NAS with `router.ipv6` (docs/routeros.md §15): a router whose IPv6 is disabled
 * may not have them, and a print on a missing menu fails the whole apply.
 */
export const IPV6_MANAGED_PATHS: readonly ManagedPath[] = Object.freeze([
  { path: '/ipv6/firewall/address-list', dynamic: true, query: { list: ALLOW_LIST } },
  { path: '/ipv6/firewall/filter', dynamic: true },
]);

export interface DesiredConfiguration {
  readonly nas: string;
  readonly workspace: string;
  /** Comment lines for the top of the script (without `# `). */
  readonly header: readonly string[];
  readonly settings: readonly DesiredSettings[];
  readonly objects: readonly DesiredObject[];
  readonly managedPaths: readonly ManagedPath[];
}

/** Everything the model is built from; see `routerInput` (input.ts) for how it comes out of the config. */
export interface RouterInput {
  readonly nasName: string;
  readonly workspaceId: string;
  /** The RADIUS shared secret. Secret: never log. */
  readonly secret: string;
  readonly coaPort: number;
  readonly router: NasRouterConfig;
  readonly radgateAuthPort: number;
  readonly radgateAcctPort: number;
  readonly expiredProfile: { readonly group: string; readonly addressList: string; readonly rateLimit: string | undefined };
  /** Host names unpaid subscribers may reach, reminder host first; `*.example.com` = subdomains only. */
  readonly allowedHosts: readonly string[];
  /** Where port-80 traffic of unpaid subscribers goes: radgate's captive listener as the router reaches it. */
  readonly redirect: { readonly ip: string; readonly port: number; readonly origin: string };
  /**
   * RadSec (docs/radsec.md): radgate's TLS port and the name of the NAS certificate on the router. Undefined =
   * plain RADIUS over UDP.
   */
  readonly radsec?: { readonly port: number; readonly certificate: string; readonly coa: 'udp' | 'connection' } | undefined;
}

/** RFC 6614 §2.3: the shared secret of RADIUS over TLS. */
const RADSEC_SECRET = 'radsec';

/** What to do on the router before the script: RadSec needs the CA and the NAS's certificate and key imported. */
function radsecSteps(nas: string, certificate: string): string[] {
  return [
    `Before running it, upload ca.crt, ${nas}.crt and ${nas}.key (radgate pki init / pki issue ${nas}) and import them:`,
    '  /certificate import file-name=ca.crt passphrase=""',
    `  /certificate import file-name=${nas}.crt passphrase=""`,
    `  /certificate import file-name=${nas}.key passphrase=""`,
    `Then /certificate print: the NAS certificate (with its key, flag K) must be named ${certificate}`,
    '(nas.yaml radsec.certificate); ca.crt lets the router verify radgate\'s server certificate.',
  ];
}

const prop = (name: string, value: string, extra: Omit<DesiredProperty, 'name' | 'value'> = {}): DesiredProperty => ({ name, value, ...extra });

/** The desired configuration of one NAS. Pure: the same input gives the same model, in the same order. */
export function desiredConfiguration(input: RouterInput): DesiredConfiguration {
  const { router } = input;
  const has = (service: RouterService) => router.services.includes(service);
  const settings: DesiredSettings[] = [];
  const objects: DesiredObject[] = [];
  const unpaid = input.expiredProfile.addressList;
  const hosts = input.allowedHosts;
  const exactHosts = hosts.filter((h) => !h.startsWith('*.'));
  const tlsPatterns = hosts.flatMap((h) => (h.startsWith('*.') ? [h] : [h, `*.${h}`]));

  // RADIUS client (docs/routeros.md §4): radgate as the router's RADIUS server for the configured services; over
  // RadSec (docs/radsec.md) one TLS port for both, the NAS certificate, and the fixed secret.
  const radsec = input.radsec;
  objects.push({
    path: '/radius',
    key: `${TAG_PREFIX}radius`,
    // A second, untagged entry for the same server would be asked first (perhaps with an old secret).
    unique: 'address',
    properties: [
      prop('address', router.radgateAddress),
      ...(radsec === undefined ? [] : [prop('protocol', 'radsec'), prop('certificate', radsec.certificate)]),
      prop('secret', radsec === undefined ? input.secret : RADSEC_SECRET, { secret: true }),
      prop('service', router.services.join(','), { compare: 'set' }),
      prop('authentication-port', String(radsec?.port ?? input.radgateAuthPort)),
      prop('accounting-port', String(radsec?.port ?? input.radgateAcctPort)),
      prop('timeout', duration(router.radiusTimeoutSeconds), { compare: 'duration' }),
      prop('src-address', router.srcAddress ?? '0.0.0.0', { absent: '0.0.0.0' }),
    ],
  });
  // CoA / Disconnect (RFC 5176): the port is always explicit, RouterOS defaults disagree (docs/routeros.md §4).
  settings.push({ path: '/radius/incoming', properties: [prop('accept', 'yes', { compare: 'bool' }), prop('port', String(input.coaPort))] });

  if (has('ppp')) {
    settings.push({
      path: '/ppp/aaa',
      properties: [
        prop('use-radius', 'yes', { compare: 'bool' }),
        prop('accounting', 'yes', { compare: 'bool' }),
        prop('interim-update', duration(router.interimIntervalSeconds), { compare: 'duration' }),
      ],
    });
    // The expired profile (docs/routeros.md §6): its dynamic address list plus on-up/on-down upkeep of static entries.
    objects.push({
      path: '/ppp/profile',
      key: `${TAG_PREFIX}ppp-profile`,
      unique: 'name',
      properties: [
        prop('name', input.expiredProfile.group),
        prop('address-list', unpaid),
        prop('rate-limit', input.expiredProfile.rateLimit ?? ''),
        prop('on-up', onUpScript(unpaid), { compare: 'script' }),
        prop('on-down', onDownScript(unpaid), { compare: 'script' }),
      ],
    });
  }

  // The payment allowlist, by DNS name: the router resolves and refreshes it (docs/routeros.md §7).
  for (const host of exactHosts) {
    objects.push({ path: '/ip/firewall/address-list', key: `${TAG_PREFIX}allow:${host}`, properties: [prop('list', ALLOW_LIST), prop('address', host)] });
  }

  // HTTP from unpaid subscribers (except to allowlisted hosts) → radgate's captive listener, by IP (dst-nat needs one).
  objects.push({
    path: '/ip/firewall/nat',
    key: `${TAG_PREFIX}http-redirect`,
    placement: { kind: 'chain-top', chain: 'dstnat' },
    properties: [
      prop('chain', 'dstnat'),
      prop('src-address-list', unpaid),
      prop('dst-address-list', `!${ALLOW_LIST}`),
      prop('protocol', 'tcp'),
      prop('dst-port', '80'),
      prop('action', 'dst-nat'),
      prop('to-addresses', input.redirect.ip),
      prop('to-ports', String(input.redirect.port)),
    ],
  });

  // Forwarded traffic of unpaid subscribers: jump first (above fasttrack / established-accept), then the chain.
  objects.push({
    path: '/ip/firewall/filter',
    key: `${TAG_PREFIX}jump`,
    placement: { kind: 'chain-top', chain: 'forward' },
    properties: [prop('chain', 'forward'), prop('src-address-list', unpaid), prop('action', 'jump'), prop('jump-target', UNPAID_CHAIN)],
  });
  const rule = (key: string, properties: DesiredProperty[]): DesiredObject => ({
    path: '/ip/firewall/filter',
    key: `${TAG_PREFIX}${key}`,
    placement: { kind: 'sequence', group: UNPAID_CHAIN },
    properties: [prop('chain', UNPAID_CHAIN), ...properties],
  });
  objects.push(
    rule('dns', [prop('protocol', 'udp'), prop('dst-port', '53'), prop('action', 'accept')]),
    rule('dns-tcp', [prop('protocol', 'tcp'), prop('dst-port', '53'), prop('action', 'accept')]),
    // The redirected connection itself: after dst-nat, forward sees the captive listener as its destination.
    rule('captive', [prop('protocol', 'tcp'), prop('dst-address', input.redirect.ip), prop('dst-port', String(input.redirect.port)), prop('action', 'accept')]),
    rule('allowlist', [prop('dst-address-list', ALLOW_LIST), prop('action', 'accept')]),
    // tls-host (SNI) complements the address list for HTTPS; it misses split ClientHellos (docs/routeros.md §7).
    ...tlsPatterns.map((pattern) =>
      rule(`tls:${pattern}`, [prop('protocol', 'tcp'), prop('dst-port', '443'), prop('tls-host', pattern), prop('action', 'accept')]),
    ),
    // tcp-reset so browsers and apps fail at once instead of hanging.
    rule('reject', [prop('protocol', 'tcp'), prop('action', 'reject'), prop('reject-with', 'tcp-reset')]),
    rule('drop', [prop('action', 'drop')]),
  );

  if (router.ipv6 === true) objects.push(...ipv6Objects(unpaid, exactHosts, tlsPatterns));

  if (has('hotspot')) {
    // Walled garden: reachable before login — HTTP by host (with subdomains), HTTPS by resolved address.
    for (const pattern of tlsPatterns) {
      objects.push({ path: '/ip/hotspot/walled-garden', key: `${TAG_PREFIX}wg:${pattern}`, properties: [prop('dst-host', pattern), prop('action', 'allow')] });
    }
    for (const host of exactHosts) {
      objects.push({ path: '/ip/hotspot/walled-garden/ip', key: `${TAG_PREFIX}wg-ip:${host}`, properties: [prop('dst-host', host), prop('action', 'accept')] });
    }
  }

  const header = [
    `radgate RouterOS configuration for NAS "${input.nasName}" (workspace "${input.workspaceId}")`,
    radsec === undefined
      ? `RADIUS server ${router.radgateAddress} (auth ${input.radgateAuthPort}, acct ${input.radgateAcctPort}) for ${router.services.join(', ')}; CoA/Disconnect on UDP ${input.coaPort}.`
      : `RadSec (RADIUS over TLS) server ${router.radgateAddress}, TCP ${radsec.port} for auth and acct, for ${router.services.join(', ')}; CoA/Disconnect ${radsec.coa === 'udp' ? `on UDP ${input.coaPort}` : 'over the RadSec connection'}.`,
    ...(radsec === undefined ? [] : radsecSteps(input.nasName, radsec.certificate)),
    `Unpaid subscribers (address list ${unpaid}): HTTP redirected to ${input.redirect.ip}:${input.redirect.port} (${input.redirect.origin}).`,
    `Allowed while unpaid: DNS, ${hosts.length === 0 ? 'nothing else' : hosts.join(', ')}.`,
  ];
  if (router.ipv6 === true) header.push(...IPV6_HEADER(unpaid));
  if (has('hotspot')) {
    header.push('HotSpot: also enable RADIUS on your hotspot server profile (/ip hotspot profile set <name> use-radius=yes);',
      `radgate does not manage that profile. Mikrotik-Group names the HotSpot user profile (${input.expiredProfile.group}) for unpaid users.`);
  }
  const managedPaths = router.ipv6 === true ? [...MANAGED_PATHS, ...IPV6_MANAGED_PATHS] : MANAGED_PATHS;
  return { nas: input.nasName, workspace: input.workspaceId, header, settings, objects, managedPaths };
}

/** What the script header says of the IPv6 part, with what could not be confirmed (docs/routeros.md §15). */
const IPV6_HEADER = (unpaid: string): string[] => [
  `IPv6 (router.ipv6): unpaid prefixes in /ipv6 firewall address-list ${unpaid}, kept by radgate reconcile from accounting`,
  '(Framed-IPv6-Prefix, Delegated-IPv6-Prefix); HTTP and HTTPS answered with a TCP reset, the rest dropped, so browsers',
  'fall back to IPv4 and its redirect. No IPv6 NAT redirect is used. Unverified: DNS names in an /ipv6 address list.',
];

/**
 * Key prefix of the IPv6 objects: their keys differ from the IPv4 ones of the same role, since apply (apply.ts) refers
 * to objects it added in this run by key.
 */
const V6 = `${TAG_PREFIX}v6-`;

/**
 * The IPv6 half of the unpaid policy (docs/routeros.md §15), on `/ipv6 firewall`: the same allow list by DNS name
 * (the router resolves AAAA records), a jump above fasttrack for the unpaid list, and the radgate chain — DNS,
 * ICMPv6 (error messages and path MTU discovery must pass, RFC 4890 §4.3), the allow list and its tls-host
 * complement, then a TCP reset for other TCP and a drop for the rest. There is no dst-nat to the captive listener:
 * a dual-stack browser whose IPv6 connection is reset tries IPv4, where the redirect is.
 */
function ipv6Objects(unpaid: string, exactHosts: readonly string[], tlsPatterns: readonly string[]): DesiredObject[] {
  const objects: DesiredObject[] = exactHosts.map((host) => ({
    path: '/ipv6/firewall/address-list',
    key: `${V6}allow:${host}`,
    properties: [prop('list', ALLOW_LIST), prop('address', host)],
  }));
  objects.push({
    path: '/ipv6/firewall/filter',
    key: `${V6}jump`,
    placement: { kind: 'chain-top', chain: 'forward' },
    properties: [prop('chain', 'forward'), prop('src-address-list', unpaid), prop('action', 'jump'), prop('jump-target', UNPAID_CHAIN)],
  });
  const rule = (key: string, properties: DesiredProperty[]): DesiredObject => ({
    path: '/ipv6/firewall/filter',
    key: `${V6}${key}`,
    placement: { kind: 'sequence', group: UNPAID_CHAIN },
    properties: [prop('chain', UNPAID_CHAIN), ...properties],
  });
  objects.push(
    rule('dns', [prop('protocol', 'udp'), prop('dst-port', '53'), prop('action', 'accept')]),
    rule('dns-tcp', [prop('protocol', 'tcp'), prop('dst-port', '53'), prop('action', 'accept')]),
    rule('icmpv6', [prop('protocol', 'icmpv6'), prop('action', 'accept')]),
    rule('allowlist', [prop('dst-address-list', ALLOW_LIST), prop('action', 'accept')]),
    ...tlsPatterns.map((pattern) =>
      rule(`tls:${pattern}`, [prop('protocol', 'tcp'), prop('dst-port', '443'), prop('tls-host', pattern), prop('action', 'accept')]),
    ),
    rule('reject', [prop('protocol', 'tcp'), prop('action', 'reject'), prop('reject-with', 'tcp-reset')]),
    rule('drop', [prop('action', 'drop')]),
  );
  return objects;
}
