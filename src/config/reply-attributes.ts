/**
 * @module config/reply-attributes
 * The RADIUS attributes an operator may add to an Access-Accept through `reply_attributes` (plans and expired
 * profiles): standard reply attributes (RFC 2865 §5, RFC 2869 §5, RFC 3162 §2) and every MikroTik vendor attribute
 * (docs/routeros.md §1). Names are dictionary names, case-sensitive. Attributes radgate sets itself (`Class`,
 * `State`, authenticators, MS-CHAP keys) and per-subscriber addresses are refused with a reason.
 */

import { suggest } from './errors.js';
import { parseIp } from '../ip.js';
import { MAX_ATTRIBUTE_OCTETS, MAX_VENDOR_ATTRIBUTE_OCTETS, octetProblem, routerNameProblem, textProblem } from './outbound-text.js';

/**
 * How a value is written in YAML. An enumerated attribute lists its dictionary VALUE names (RFC 2865 §5 and the
 * `radius` package dictionaries); it takes one of those names or the number. `name`: a string naming a RouterOS
 * object (a profile, address list, pool or firewall chain), held to the RouterOS name rule (outbound-text.ts).
 */
export type ReplyAttributeType = 'string' | 'name' | 'integer' | 'ipaddr' | { readonly values: readonly string[] };

const enumOf = (...values: string[]) => Object.freeze({ values: Object.freeze(values) });

/** Allowed reply attribute name → value type. */
export const REPLY_ATTRIBUTES: Readonly<Record<string, ReplyAttributeType>> = Object.freeze({
  // RFC 2865 §5
  'Service-Type': enumOf(
    'Login-User', 'Framed-User', 'Callback-Login-User', 'Callback-Framed-User', 'Outbound-User', 'Administrative-User',
    'NAS-Prompt-User', 'Authenticate-Only', 'Callback-NAS-Prompt', 'Call-Check', 'Callback-Administrative',
    'Authorize-Only', 'Framed-Management',
  ),
  'Framed-Protocol': enumOf('PPP', 'SLIP', 'ARAP', 'Gandalf-SLML', 'Xylogics-IPX-SLIP', 'X.75-Synchronous'),
  'Framed-IP-Netmask': 'ipaddr',
  'Framed-Routing': enumOf('None', 'Broadcast', 'Listen', 'Broadcast-Listen'),
  'Filter-Id': 'name', // RouterOS: a firewall chain, optionally suffixed .in / .out (docs/routeros.md §14)
  'Framed-MTU': 'integer',
  'Framed-Compression': enumOf('None', 'Van-Jacobson-TCP-IP', 'IPX-Header-Compression', 'Stac-LZS'),
  'Reply-Message': 'string',
  'Callback-Number': 'string',
  'Callback-Id': 'string',
  'Framed-Route': 'string',
  'Session-Timeout': 'integer',
  'Idle-Timeout': 'integer',
  'Termination-Action': enumOf('Default', 'RADIUS-Request'),
  'Port-Limit': 'integer',
  // RFC 2869 §5
  'Acct-Interim-Interval': 'integer',
  'Framed-Pool': 'name',
  // RFC 3162 §2
  'Framed-IPv6-Route': 'string',
  'Framed-IPv6-Pool': 'name',
  // MikroTik, Vendor-Id 14988 (docs/routeros.md §1)
  'Mikrotik-Recv-Limit': 'integer',
  'Mikrotik-Xmit-Limit': 'integer',
  'Mikrotik-Group': 'name',
  'Mikrotik-Wireless-Forward': 'integer',
  'Mikrotik-Wireless-Skip-Dot1x': 'integer',
  'Mikrotik-Wireless-Enc-Algo': 'integer',
  'Mikrotik-Wireless-Enc-Key': 'string',
  'Mikrotik-Rate-Limit': 'string',
  'Mikrotik-Realm': 'string',
  'Mikrotik-Host-IP': 'ipaddr',
  'Mikrotik-Mark-Id': 'string',
  'Mikrotik-Advertise-URL': 'string',
  'Mikrotik-Advertise-Interval': 'integer',
  'Mikrotik-Recv-Limit-Gigawords': 'integer',
  'Mikrotik-Xmit-Limit-Gigawords': 'integer',
  'Mikrotik-Wireless-PSK': 'string',
  'Mikrotik-Total-Limit': 'integer',
  'Mikrotik-Total-Limit-Gigawords': 'integer',
  'Mikrotik-Address-List': 'name',
  'Mikrotik-Wireless-MPKey': 'string',
  'Mikrotik-Wireless-Comment': 'string',
  'Mikrotik-Delegated-IPv6-Pool': 'name',
  'Mikrotik-DHCP-Option-Set': 'string',
  'Mikrotik-DHCP-Option-Param-STR1': 'string',
  'Mikrotik-DHCP-Option-Param-STR2': 'string',
  'Mikrotik-Wireless-VLANID': 'integer',
  'Mikrotik-Wireless-VLANID-Type': 'integer',
  'Mikrotik-Wireless-Minsignal': 'string',
  'Mikrotik-Wireless-Maxsignal': 'string',
  'Mikrotik-Switching-Filter': 'string',
});

/** Names accepted in `reply_attributes`. `Class` is not among them: radgate uses it to tie accounting to a session. */
export const REPLY_ATTRIBUTE_NAMES: readonly string[] = Object.freeze(Object.keys(REPLY_ATTRIBUTES));

/** Names that exist in the dictionaries but that an operator must not set, with the reason. */
const REFUSED: Readonly<Record<string, string>> = {
  Class: 'radgate sets it to tie accounting to the session',
  State: 'radgate sets it',
  'User-Name': 'radgate sets it',
  'Message-Authenticator': 'radgate sets it',
  'Proxy-State': 'radgate sets it',
  'EAP-Message': 'radgate sets it',
  'Vendor-Specific': 'name the vendor attribute itself, e.g. Mikrotik-Recv-Limit',
  'MS-CHAP2-Success': 'radgate sets it',
  'MS-MPPE-Send-Key': 'radgate sets it',
  'MS-MPPE-Recv-Key': 'radgate sets it',
  'Framed-IP-Address': 'it is per subscriber, not per plan or profile',
  'Framed-IPv6-Prefix': 'it is per subscriber, not per plan or profile',
  'Delegated-IPv6-Prefix': 'it is per subscriber, not per plan or profile',
  'Framed-Interface-Id': 'it is per subscriber, not per plan or profile',
};

const UINT32_MAX = 0xffffffff;

/**
 * Checks one `reply_attributes` entry. `dedicated` maps attributes that are set another way in this context to
 * the reason (e.g. `Mikrotik-Rate-Limit` → `use the rate_limit key`), so one value cannot be set two ways. Returns the normalised value
 * (numbers for integer attributes, strings otherwise) or `{ error }`. Errors never quote a `string` value: some
 * attributes (Mikrotik-Wireless-PSK, -Enc-Key) are secrets (`name` values are names, and are quoted). Text values
 * follow outbound-text.ts: printable, at most 253 bytes, 247 in a vendor attribute.
 */
export function checkReplyAttribute(
  name: string,
  value: unknown,
  dedicated: Readonly<Record<string, string>>,
): { value: string | number } | { error: string } {
  const type = REPLY_ATTRIBUTES[name];
  if (type === undefined || !Object.hasOwn(REPLY_ATTRIBUTES, name)) {
    const refused = REFUSED[name];
    if (refused !== undefined && Object.hasOwn(REFUSED, name)) return { error: `${name} cannot be set here: ${refused}` };
    return { error: `unknown RADIUS attribute ${JSON.stringify(name)}${didYouMean(name)}` };
  }
  const reason = dedicated[name];
  if (reason !== undefined) return { error: `${name} cannot be set here: ${reason}` };

  const isUint32 = typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= UINT32_MAX;
  if (typeof type === 'object') {
    if (isUint32 || (typeof value === 'string' && type.values.includes(value))) return { value };
    return { error: `must be one of ${type.values.join(', ')} (or its number)` };
  }
  switch (type) {
    case 'integer':
      return isUint32 ? { value } : { error: `must be a whole number from 0 to ${UINT32_MAX}` };
    case 'ipaddr':
      if (typeof value === 'string' && /^[0-9.]+$/.test(value) && parseIp(value) !== undefined) return { value };
      return { error: 'must be an IPv4 address' };
    case 'string':
    case 'name': {
      // YAML reads `Filter-Id: 100` as a number; the attribute is text either way.
      const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
      if (typeof text !== 'string') return { error: 'must be text' };
      if (text === '') return { error: 'must not be empty' };
      const problem = type === 'name' ? routerNameProblem(text) : textProblem(text);
      if (problem !== undefined) return { error: problem };
      // Every vendor attribute here is MikroTik's (docs/routeros.md §1), inside a Vendor-Specific (RFC 2865 §5.26).
      const tooLong = name.startsWith('Mikrotik-')
        ? octetProblem(text, MAX_VENDOR_ATTRIBUTE_OCTETS, 'a vendor attribute')
        : octetProblem(text, MAX_ATTRIBUTE_OCTETS, 'a RADIUS attribute');
      return tooLong === undefined ? { value: text } : { error: tooLong };
    }
  }
}

function didYouMean(name: string): string {
  const best = suggest(name, REPLY_ATTRIBUTE_NAMES);
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}
