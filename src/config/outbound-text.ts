/**
 * @module config/outbound-text
 * The one rule for config text that leaves radgate — written into a rendered RouterOS script, sent over the
 * RouterOS API, or carried in a RADIUS reply attribute (docs/routeros.md §14; the README's configuration section
 * lists the keys):
 *
 * - **Printable Unicode.** No control character — C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F) — and no
 *   unpaired UTF-16 surrogate (a YAML `"\uD800"` escape), which has no UTF-8 form. Bytes that are not UTF-8 are
 *   refused when the file is read (config/read-yaml.ts, config/nas.ts).
 * - **Within what the carrier holds**: a RADIUS attribute value is at most 253 octets (RFC 2865 §5), a vendor
 *   attribute's at most 247 (RFC 2865 §5.26: the Vendor-Specific header takes 8 of the 255).
 * - **RouterOS names** (PPP and HotSpot profiles, address lists, IP pools, firewall chains): 1 to 64 characters of
 *   `A–Z a–z 0–9`, space and `_ . : @ + / -`, the first a letter or digit, the last not a space.
 *
 * Pure functions returning an operator-facing reason (or undefined); config/fields.ts wraps them as checks. A reason
 * never quotes text that breaks the first rule (a C1 character is a terminal control sequence), and the first-rule
 * reason names only a code point and a position, so it is safe for secrets too.
 */

/** RFC 2865 §5: an attribute's value is 1 to 253 octets. */
export const MAX_ATTRIBUTE_OCTETS = 253;
/** RFC 2865 §5.26: 255 minus type, length, Vendor-Id (4), vendor type and vendor length. */
export const MAX_VENDOR_ATTRIBUTE_OCTETS = 247;
/** Characters in a RouterOS name radgate writes (see the module comment). */
export const MAX_ROUTEROS_NAME = 64;
/**
 * Bytes of UTF-8 for `name` and `support_contact` of a workspace: an Access-Reject's Reply-Message is radgate's own
 * text (at most 54 bytes: `Your account is suspended for non-payment — contact `, src/profile/reply-profile.ts)
 * followed by one of them, and must fit 253 octets.
 */
export const MAX_REPLY_MESSAGE_TEXT = 180;

const CONTROL_NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL', 0x09: 'tab', 0x0a: 'line feed', 0x0d: 'carriage return', 0x1b: 'escape', 0x7f: 'DEL',
};

const codePoint = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

function controlName(cp: number): string {
  return CONTROL_NAMES[cp] ?? (cp < 0x20 ? 'C0 control' : 'C1 control');
}

/** Whether `cp` is a C0 or C1 control character or DEL. */
export function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/** Why `value` is not printable Unicode (the first offending character, 1-based), or undefined. */
export function textProblem(value: string): string | undefined {
  let position = 0;
  for (let i = 0; i < value.length; i++) {
    position++;
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a pair: one character, never a control
        continue;
      }
      return `is not valid Unicode: unpaired surrogate ${codePoint(unit)} at character ${position} (it has no UTF-8 form)`;
    }
    if (isControl(unit)) {
      return `contains a control character, ${codePoint(unit)} (${controlName(unit)}), at character ${position}: ` +
        'text sent to routers and in RADIUS replies must be printable';
    }
  }
  return undefined;
}

/** Why `value` does not fit `max` octets of UTF-8 (`carrier` names what limits it), or undefined. */
export function octetProblem(value: string, max: number, carrier: string): string | undefined {
  const octets = Buffer.byteLength(value, 'utf8');
  return octets > max ? `is ${octets} bytes of UTF-8; ${carrier} carries at most ${max}` : undefined;
}

/** `value` quoted for a message with everything outside printable ASCII as `\uXXXX` (no control or bidi text). */
export function shown(value: string): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const NAME_CHAR = /[A-Za-z0-9 _.:@+/-]/;
const NAME_START = /[A-Za-z0-9]/;
const NAME_CHARS = 'letters, digits, spaces and _ . : @ + / -';

/**
 * Why `value` is not a RouterOS name radgate writes, or undefined. Leading `!` and `*` are refused with the rest:
 * `!name` negates an address list in a firewall rule and `*1A` is how RouterOS writes an internal id.
 */
export function routerNameProblem(value: string): string | undefined {
  const problem = textProblem(value);
  if (problem !== undefined) return problem;
  const characters = [...value];
  if (characters.length > MAX_ROUTEROS_NAME) return `is ${characters.length} characters; a RouterOS name has at most ${MAX_ROUTEROS_NAME}`;
  const bad = characters.find((c) => !NAME_CHAR.test(c));
  if (bad !== undefined) return `${shown(value)} is not a RouterOS name: ${shown(bad)} is not allowed (${NAME_CHARS} are)`;
  if (!NAME_START.test(characters[0] ?? '')) return `${shown(value)} is not a RouterOS name: it must start with a letter or digit`;
  if (value.endsWith(' ')) return `${shown(value)} is not a RouterOS name: it must not end in a space`;
  return undefined;
}
