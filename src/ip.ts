/**
 * @module ip
 * IP addresses and CIDR ranges (a leaf every part may use: config validates with it, the NAS registry matches
 * with it): parse once with `parseCidr`, then test source addresses with
 * `ipInRange` (or `parseIp` + `rangeContains` to parse the source address only once for many ranges).
 * Addresses are held as bigint; IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as a dual-stack socket reports IPv4 peers)
 * is treated as the IPv4 address, so a NAS configured as `10.0.0.1` matches either form.
 */

/** A parsed IP address. `value` is the address as an unsigned integer (32 bits for IPv4, 128 for IPv6). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** An inclusive address range from an address (`10.0.0.1` = a /32) or a CIDR (`10.0.0.0/24`). */
export interface IpRange {
  readonly family: 4 | 6;
  /** Prefix length: 32 (IPv4) or 128 (IPv6) for a single address. */
  readonly prefix: number;
  readonly first: bigint;
  readonly last: bigint;
}

const V4_BITS = 32;
const V6_BITS = 128;
/** ::ffff:0:0/96, the IPv4-mapped IPv6 block (RFC 4291 §2.5.5.2). */
const V4_MAPPED_BASE = 0xffffn << 32n;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Decimal octets only, no leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseV6(text: string): bigint | undefined {
  let head = text;
  let v4Tail: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // Embedded IPv4 in the last 32 bits, e.g. ::ffff:192.0.2.1
    v4Tail = parseV4(text.slice(lastColon + 1));
    if (v4Tail === undefined) return undefined;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string): string[] | undefined => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0] ?? '');
  const right = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  if (v4Tail !== undefined) value = (value & ~0xffffffffn) | v4Tail;
  return value;
}

/**
 * Parses an IPv4 or IPv6 address (no prefix). A zone suffix (`fe80::1%eth0`) is ignored. IPv4-mapped IPv6 is
 * returned as IPv4. Returns undefined when `text` is not an address.
 */
export function parseIp(text: string): IpAddress | undefined {
  const zone = text.indexOf('%');
  const bare = zone === -1 ? text : text.slice(0, zone);
  if (bare.includes(':')) {
    const value = parseV6(bare);
    if (value === undefined) return undefined;
    if (value >> 32n === 0xffffn) return { family: 4, value: value - V4_MAPPED_BASE };
    return { family: 6, value };
  }
  const value = parseV4(bare);
  return value === undefined ? undefined : { family: 4, value };
}

/**
 * Parses an address or CIDR into an `IpRange`. Throws a TypeError whose message is an operator-facing reason when
 * `text` is neither, when the prefix is out of range, or when host bits are set (`10.0.0.5/24` is almost always a
 * typo for `10.0.0.0/24` or `10.0.0.5`, so it is refused rather than silently widened).
 */
export function parseCidr(text: string): IpRange {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  if (addressText.includes('%')) throw new TypeError(`"${text}" has a zone index; use a plain address`);
  const address = parseIp(addressText);
  if (address === undefined) throw new TypeError(`"${text}" is not an IP address or CIDR range`);
  const mapped = address.family === 4 && addressText.includes(':');
  const bits = address.family === 4 ? V4_BITS : V6_BITS;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    const written = /^(0|[1-9][0-9]{0,2})$/.test(prefixText) ? Number(prefixText) : NaN;
    // An IPv4-mapped range is written with an IPv6 prefix (::ffff:10.0.0.0/120) but held as IPv4 (/24).
    prefix = mapped ? written - 96 : written;
    const max = mapped ? V6_BITS : bits;
    if (!(prefix >= 0 && prefix <= bits)) {
      throw new TypeError(`"${text}" has an invalid prefix length (${mapped ? 96 : 0} to ${max})`);
    }
  }
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  if ((address.value & hostMask) !== 0n) {
    const network = formatIp({ family: address.family, value: address.value & ~hostMask });
    throw new TypeError(`"${text}" has host bits set; did you mean ${network}/${prefix}?`);
  }
  return { family: address.family, prefix, first: address.value, last: address.value | hostMask };
}

/** Formats an address canonically (IPv4 dotted quad; IPv6 lower case, longest zero run compressed). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((address.value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // RFC 5952 §4.2.2: a single zero group is not compressed
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** True when `address` lies in `range`. */
export function rangeContains(range: IpRange, address: IpAddress): boolean {
  return address.family === range.family && address.value >= range.first && address.value <= range.last;
}

/** True when the address string `ip` (e.g. a datagram's source address) lies in `range`. */
export function ipInRange(ip: string, range: IpRange): boolean {
  const address = parseIp(ip);
  return address !== undefined && rangeContains(range, address);
}

/** True when the two ranges share at least one address. */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** True when the range is a single address. */
export function isSingleAddress(range: IpRange): boolean {
  return range.first === range.last;
}

const V4_LOOPBACK: IpRange = { family: 4, prefix: 8, first: 0x7f000000n, last: 0x7fffffffn };
const V6_LOOPBACK: IpRange = { family: 6, prefix: 128, first: 1n, last: 1n };

/** True when every address of the range is loopback (127.0.0.0/8 or ::1). */
export function isLoopback(range: IpRange): boolean {
  const loopback = range.family === 4 ? V4_LOOPBACK : V6_LOOPBACK;
  return range.first >= loopback.first && range.last <= loopback.last;
}

/** IPv4 blocks a router cannot dst-nat to (RFC 6890 special-purpose), with the word for each. */
const SPECIAL_PURPOSE_V4: ReadonlyArray<readonly [bigint, number, string]> = [
  [0x00000000n, 8, 'unspecified'],
  [0x7f000000n, 8, 'loopback'],
  [0xa9fe0000n, 16, 'link-local'],
  [0xe0000000n, 4, 'multicast'],
  [0xf0000000n, 4, 'reserved/broadcast'],
];

/** The special-purpose block an IPv4 address value falls in (`loopback`, …), or undefined. */
export function specialPurposeV4(value: bigint): string | undefined {
  for (const [first, prefix, kind] of SPECIAL_PURPOSE_V4) {
    if (value >> BigInt(32 - prefix) === first >> BigInt(32 - prefix)) return kind;
  }
  return undefined;
}
