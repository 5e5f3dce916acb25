/**
 * IPv6 attributes of a session as stored text (docs/radius-protocol.md §16): Framed-IPv6-Prefix (97, RFC 3162 §2.3),
 * Delegated-IPv6-Prefix (123, RFC 4818 §3) and Framed-Interface-Id (96, RFC 3162 §2.1). The codec leaves these types
 * (`ipv6prefix`, `ifid`) as raw bytes; this decodes them, leniently where the value is still unambiguous and to
 * nothing where it is not — a bad value never sinks the record that carries it.
 */
import { formatIp } from '../ip.js';

/** A decoded value: `value` undefined when the bytes cannot be read; `normalised` when they were not as sent. */
export interface Ipv6Text {
  value: string | undefined;
  normalised: boolean;
}

/**
 * `ipv6prefix` (RFC 3162 §2.3, RFC 8044 §3.10): 1 reserved byte, the prefix length (0–128), then up to 16 bytes of
 * prefix. Canonical text `2001:db8:1::/64` (RFC 5952 address form).
 * - Fewer prefix bytes than 16 are zero-filled, as long as they hold the prefix length's bits (RFC 8044 §3.10).
 * - Bits beyond the prefix length MUST be zero (RFC 8044 §3.10); set ones are **masked** off (`normalised`): the
 *   network the router meant is still clear, and a prefix with host bits would never match the captive lookup.
 * - A prefix length above 128, fewer bytes than the prefix length needs, or more than 16 bytes: not readable
 *   (`value` undefined, `normalised`). The reserved byte is not checked (RFC 3162: "always set to zero").
 */
export function ipv6PrefixText(raw: Buffer): Ipv6Text {
  if (raw.length < 2 || raw.length > 18) return { value: undefined, normalised: true };
  const length = raw[1]!;
  const bytes = raw.subarray(2);
  if (length > 128 || bytes.length * 8 < length) return { value: undefined, normalised: true };
  let value = 0n;
  for (let i = 0; i < 16; i++) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  const mask = length === 0 ? 0n : ((1n << BigInt(length)) - 1n) << BigInt(128 - length);
  const network = value & mask;
  return { value: `${formatIp({ family: 6, value: network })}/${length}`, normalised: network !== value };
}

/**
 * `ifid` (RFC 3162 §2.1): exactly 8 bytes, the interface identifier of the subscriber's link-local address. Stored
 * as four groups of four lower-case hex digits, `0211:22ff:fe33:4455`; any other length is not readable.
 */
export function interfaceIdText(raw: Buffer): Ipv6Text {
  if (raw.length !== 8) return { value: undefined, normalised: true };
  const hex = raw.toString('hex');
  return { value: hex.match(/.{4}/g)!.join(':'), normalised: false };
}
