/**
 * Attribute bytes as radgate stores and logs them (docs/radius-protocol.md §16). RFC 2865 §5 allows 1–253 octets per
 * value, UTF-8 for `text` and anything for `string`; routers and subscriber devices send both with NUL bytes,
 * Latin-1 or other control characters, which PostgreSQL refuses (`\u0000` in text) or which garble a display. One
 * rule, in two forms:
 *
 * - **text** (User-Name, NAS-Identifier, Calling-/Called-Station-Id, NAS-Port-Id): decoded as UTF-8; every invalid
 *   sequence, every control character (U+0000–U+001F, U+007F–U+009F) and U+FEFF (a byte-order mark, which UTF-8
 *   decoders may drop: PGlite does when it reads a value back) becomes U+FFFD.
 * - **identifier** (Acct-Session-Id, Class): the text itself when it is printable UTF-8 (valid, none of those
 *   characters) and does not begin with `0x`; otherwise `0x` followed by the bytes in lowercase hex. Lossless and
 *   one-to-one, so two different session identities never become one row.
 *
 * Values are at most 253 octets on the wire, so stored text is at most 253 characters (759 UTF-8 bytes when every
 * octet was replaced) and hex at most 508: no cut is needed.
 */

export type TextForm = 'text' | 'identifier';

export interface AttributeText {
  value: string;
  /** The bytes were not printable UTF-8 (or, for an identifier, began with `0x`): `value` is not them verbatim. */
  normalised: boolean;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Control characters and the byte-order mark: never stored. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\ufeff]/;
const UNPRINTABLES = /[\u0000-\u001f\u007f-\u009f\ufeff]/g;
const HEX_PREFIX = '0x';

/** The bytes as printable UTF-8 text, or undefined when they are not valid UTF-8 or hold an unprintable character. */
function printable(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  return UNPRINTABLE.test(text) ? undefined : text;
}

/** An attribute value in the given form (see the module comment). */
export function attributeText(bytes: Buffer, form: TextForm): AttributeText {
  const text = printable(bytes);
  if (form === 'identifier') {
    if (text !== undefined && !text.startsWith(HEX_PREFIX)) return { value: text, normalised: false };
    return { value: HEX_PREFIX + bytes.toString('hex'), normalised: true };
  }
  if (text !== undefined) return { value: text, normalised: false };
  // Buffer decoding replaces each invalid sequence with U+FFFD (the WHATWG Encoding Standard's UTF-8 decoder).
  return { value: bytes.toString('utf8').replace(UNPRINTABLES, '\ufffd'), normalised: true };
}
