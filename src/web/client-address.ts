/**
 * The client's address behind trusted reverse proxies. `X-Forwarded-For` is believed only when the connection comes
 * from a configured proxy; then the list is walked from the right (the entry the nearest proxy appended) past further
 * trusted proxies, and the first address that is not one of them is the client. Anything a client writes into the
 * header itself sits to the left of that point and is never reached. The host the client asked for follows the
 * same rule: `X-Forwarded-Host` from a trusted proxy, the `Host` header (RFC 9110 §7.2) from anyone else.
 */
import { formatIp, parseCidr, parseIp, rangeContains, type IpRange } from '../config/index.js';

export class TrustedProxies {
  private readonly ranges: readonly IpRange[];

  /** `proxies`: addresses or CIDR ranges (server.yaml `trusted_proxies`, already validated). */
  constructor(proxies: readonly string[]) {
    this.ranges = proxies.map((p) => parseCidr(p));
  }

  private trusted(address: string): boolean {
    const parsed = parseIp(address);
    return parsed !== undefined && this.ranges.some((r) => rangeContains(r, parsed));
  }

  /**
   * The client address for a connection from `peer` carrying `forwardedFor` (the raw header, possibly several
   * headers joined by commas). Canonical form (IPv4-mapped IPv6 as IPv4); `peer` as given if it does not parse.
   */
  clientAddress(peer: string, forwardedFor: string | undefined): string {
    const canonical = (text: string) => {
      const parsed = parseIp(text);
      return parsed === undefined ? text : formatIp(parsed);
    };
    if (forwardedFor === undefined || !this.trusted(peer)) return canonical(peer);
    let client = peer;
    const hops = forwardedFor.split(',').map(stripPort).filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      // Garbage in the chain: the client is unknown beyond the last proxy we trust, so stop at that proxy.
      if (parseIp(hop) === undefined) break;
      client = hop;
      if (!this.trusted(hop)) break;
    }
    return canonical(client);
  }

  /**
   * The host a request from `peer` asked for, normalised (`normalizeHost`): the last entry of `forwardedHost`
   * (`X-Forwarded-Host`, the one the nearest proxy wrote; a client's own entries sit to its left) when `peer` is a
   * trusted proxy and sent one, else `host` (the `Host` header). Undefined when there is none.
   */
  requestHost(peer: string, host: string | undefined, forwardedHost: string | undefined): string | undefined {
    const chosen = forwardedHost !== undefined && this.trusted(peer) ? forwardedHost.split(',').at(-1)! : host;
    return chosen === undefined ? undefined : normalizeHost(chosen);
  }
}

/**
 * A Host header's host, for comparing with a configured host name: lower case, without the port, without one
 * trailing dot (`Pay.ISP.example.:443` → `pay.isp.example`; `[2001:db8::1]:80` → `[2001:db8::1]`). Undefined when empty.
 */
export function normalizeHost(text: string): string | undefined {
  const host = text.trim().toLowerCase().replace(/^(\[[^\]]*\]|[^:]*):\d*$/, '$1').replace(/\.$/, '');
  return host === '' ? undefined : host;
}

/** `[2001:db8::1]:443` → `2001:db8::1`, `192.0.2.1:8080` → `192.0.2.1` (some proxies append the port). */
function stripPort(hop: string): string {
  const text = hop.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  return v4 ? v4[1]! : text;
}
