/**
 * Byte fixtures: from one literal datagram (hex) and its secret, three tests (as mqtt-packet builds parse, generate
 * and round-trip tests from one fixture):
 *
 * - parse: framing (RFC 2865 §3) gives the code and identifier, the packet is authentic for the secret (RFC 2865
 *   §3 Response Authenticator, RFC 2866 §3 Request Authenticator, RFC 3579 §3.2 Message-Authenticator), and the
 *   attributes decode, in wire order, to the ones the fixture names;
 * - encode: the named attributes, written out and signed, give the literal bytes;
 * - round trip: what decoding gives, encoded again, gives the literal bytes.
 *
 * Decoding is src/radius's (parseFrame, decodeAttributes, unhidePassword); encoding is src/radius's encodeResponse
 * for replies and encodeHashedRequest for Accounting/CoA/Disconnect requests. src/radius never writes an
 * Access-Request or Status-Server, so those are written with the `radius` codec (the one src/radius uses for
 * attribute values) and signed with src/radius's messageAuthenticator.
 */
import { describe, expect, it } from 'vitest';
import { hidePassword, unhidePassword } from '../../src/radius/auth/pap.js';
import {
  messageAuthenticator,
  packetAuthenticator,
  verifyHashedRequestAuthenticator,
  verifyMessageAuthenticator,
  ZERO16,
} from '../../src/radius/authenticator.js';
import { Attr, Code, CODE_NAMES, MA_LENGTH } from '../../src/radius/codes.js';
import { radiusCodec, type AttributeList, type RadiusCodec } from '../../src/radius/dictionary.js';
import { encodeHashedRequest, encodeResponse, makeSecret, type ReplyAttribute } from '../../src/radius/encode.js';
import { decodeAttributes, parseFrame, type Frame } from '../../src/radius/packet.js';

/** Where a fixture names a Message-Authenticator: its value is computed when encoding and verified when parsing. */
export const SIGNED: Buffer = Buffer.alloc(MA_LENGTH);

export interface ByteFixture {
  /** Test title: where the bytes come from (an RFC section, the tool that made them). */
  name: string;
  /** The datagram as hex (whitespace ignored) or as bytes. */
  bytes: string | Buffer;
  secret: string;
  /** For a reply: the request it answers (whose Request Authenticator the reply is signed over). */
  request?: string | Buffer;
  code: number;
  identifier: number;
  /** Every attribute in wire order, by dictionary name; `SIGNED` as the value of a Message-Authenticator. */
  attributes: readonly ReplyAttribute[];
}

export interface DecodedPacket {
  code: number;
  identifier: number;
  /** The packet's own authenticator field. */
  authenticator: Buffer;
  attributes: ReplyAttribute[];
}

export function hexBytes(hex: string | Buffer): Buffer {
  return Buffer.isBuffer(hex) ? hex : Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

/** Codes whose authenticator is random (RFC 2865 §3; RFC 5997 §3); replies are signed over the request's. */
const RANDOM_AUTHENTICATOR = new Set<number>([Code.AccessRequest, Code.StatusServer]);
const HASHED_REQUEST = new Set<number>([Code.AccountingRequest, Code.DisconnectRequest, Code.CoaRequest]);

const codec = (): RadiusCodec & { attr_id_to_name(id: number, vendor?: number): string | undefined } =>
  radiusCodec() as RadiusCodec & { attr_id_to_name(id: number, vendor?: number): string | undefined };

function frameOf(bytes: Buffer): Frame {
  const parsed = parseFrame(bytes);
  if (!parsed.ok) throw new Error(`fixture does not frame: ${parsed.reason}`);
  return parsed.frame;
}

/** The n-th value decoded under `name` (repeated attributes decode to an array). */
function nth(values: Record<string, unknown>, name: string, index: number): unknown {
  const value = values[name];
  return Array.isArray(value) ? value[index] : index === 0 ? value : undefined;
}

/**
 * Decode a datagram into its attributes in wire order, as src/radius decodes them: values by dictionary type,
 * User-Password unhidden with the secret (RFC 2865 §5.2), vendor attributes one per Vendor-Specific.
 */
export function decodePacket(bytes: Buffer, secret: string): DecodedPacket {
  const frame = frameOf(bytes);
  const request = decodeAttributes(frame);
  const seen = new Map<string, number>();
  const next = (values: Record<string, unknown>, name: string, key = name): unknown => {
    const index = seen.get(key) ?? 0;
    seen.set(key, index + 1);
    return nth(values, name, index);
  };
  const attributes: ReplyAttribute[] = [];
  for (const [type, value] of request.rawAttributes) {
    if (type === Attr.UserPassword) {
      const clear = unhidePassword(value, Buffer.from(secret), frame.authenticator);
      if (!clear) throw new Error('User-Password does not unhide');
      attributes.push({ name: 'User-Password', value: clear.toString('utf8') });
      continue;
    }
    if (type === Attr.VendorSpecific) {
      const vendor = value.readUInt32BE(0);
      for (let offset = 4; offset < value.length; offset += value[offset + 1]!) {
        const name = codec().attr_id_to_name(value[offset]!, vendor);
        if (name === undefined) throw new Error(`vendor ${vendor} attribute ${value[offset]} is not in the dictionaries`);
        attributes.push({ name, value: next(request.vendor, name, `${vendor}:${name}`) as ReplyAttribute['value'], vendor });
      }
      continue;
    }
    const name = codec().attr_id_to_name(type);
    if (name === undefined) throw new Error(`attribute ${type} is not in the dictionaries`);
    attributes.push({ name, value: next(request.attributes, name) as ReplyAttribute['value'] });
  }
  return { code: frame.code, identifier: frame.identifier, authenticator: frame.authenticator, attributes };
}

const isMa = (a: ReplyAttribute) => a.vendor === undefined && a.name === 'Message-Authenticator';
const isProxyState = (a: ReplyAttribute) => a.vendor === undefined && a.name === 'Proxy-State';

/** Message-Authenticator first, or none: the only place src/radius writes it. */
function splitMa(name: string, attributes: readonly ReplyAttribute[]): { ma: boolean; rest: ReplyAttribute[] } {
  const at = attributes.findIndex(isMa);
  if (at > 0) throw new Error(`${name}: src/radius writes Message-Authenticator first, the fixture has it at ${at}`);
  return { ma: at === 0, rest: attributes.filter((a) => !isMa(a)) };
}

export interface EncodeArgs {
  code: number;
  identifier: number;
  attributes: readonly ReplyAttribute[];
  secret: string;
  /** Access-Request, Status-Server: the packet's own (random) authenticator. A reply: the request's. */
  authenticator?: Buffer;
}

/** Write a packet out and sign it (see the module comment for which encoder writes which code). */
export function encodePacket(args: EncodeArgs): Buffer {
  const secret = makeSecret(args.secret);
  const name = CODE_NAMES[args.code] ?? String(args.code);
  if (HASHED_REQUEST.has(args.code)) {
    const { ma, rest } = splitMa(name, args.attributes);
    return encodeHashedRequest({ code: args.code, identifier: args.identifier, attributes: rest, secret, messageAuthenticator: ma });
  }
  const authenticator = args.authenticator;
  if (!authenticator) throw new Error(`${name}: needs an authenticator`);
  if (!RANDOM_AUTHENTICATOR.has(args.code)) {
    // A reply: Proxy-States are echoed last (RFC 2865 §5.33), from the request.
    const { ma, rest } = splitMa(name, args.attributes);
    const firstState = rest.findIndex(isProxyState);
    const states = firstState < 0 ? [] : rest.slice(firstState);
    if (!states.every(isProxyState)) throw new Error(`${name}: src/radius writes Proxy-State last`);
    return encodeResponse({
      code: args.code,
      request: { identifier: args.identifier, authenticator, proxyStates: states.map((s) => s.value as Buffer) },
      attributes: firstState < 0 ? rest : rest.slice(0, firstState),
      secret,
      messageAuthenticator: ma,
    });
  }
  const list: AttributeList = args.attributes.map((a): AttributeList[number] => {
    if (isMa(a)) return [a.name, Buffer.alloc(MA_LENGTH)];
    if (a.vendor === undefined && a.name === 'User-Password') {
      return [a.name, hidePassword(Buffer.from(String(a.value)), secret.bytes, authenticator)];
    }
    return a.vendor === undefined ? [a.name, a.value] : ['Vendor-Specific', a.vendor, [[a.name, a.value]]];
  });
  const packet = Buffer.from(
    radiusCodec().encode({ code: name, identifier: args.identifier, authenticator, attributes: list, secret: secret.text, add_message_authenticator: false }),
  );
  const frame = frameOf(packet);
  if (frame.maValueOffset >= 0) messageAuthenticator(packet, frame.maValueOffset, authenticator, secret.bytes).copy(packet, frame.maValueOffset);
  return packet;
}

/** Is `bytes` authentic for `secret`? Undefined when the packet carries nothing to check (an unsigned Access-Request). */
export function authentic(bytes: Buffer, secret: string, request?: Buffer): boolean | undefined {
  const frame = frameOf(bytes);
  const key = Buffer.from(secret);
  const hasMa = frame.maValueOffset >= 0;
  if (RANDOM_AUTHENTICATOR.has(frame.code)) {
    return hasMa ? verifyMessageAuthenticator(frame.packet, frame.maValueOffset, frame.authenticator, key) : undefined;
  }
  if (HASHED_REQUEST.has(frame.code)) {
    return verifyHashedRequestAuthenticator(frame.packet, key) && (!hasMa || verifyMessageAuthenticator(frame.packet, frame.maValueOffset, ZERO16, key));
  }
  if (!request) throw new Error('a reply is checked against its request');
  const requestAuthenticator = request.subarray(4, 20);
  return (
    packetAuthenticator(frame.packet, requestAuthenticator, key).equals(frame.authenticator) &&
    (!hasMa || verifyMessageAuthenticator(frame.packet, frame.maValueOffset, requestAuthenticator, key))
  );
}

const placeholder = (attributes: readonly ReplyAttribute[]) => attributes.map((a) => (isMa(a) ? { ...a, value: SIGNED } : a));

/** Register the parse, encode and round-trip tests of one fixture. */
export function byteFixture(fixture: ByteFixture): void {
  const bytes = hexBytes(fixture.bytes);
  const request = fixture.request === undefined ? undefined : hexBytes(fixture.request);
  // Replies are signed over the request's authenticator, requests with a random one carry their own.
  const authenticator = request ? request.subarray(4, 20) : RANDOM_AUTHENTICATOR.has(fixture.code) ? bytes.subarray(4, 20) : undefined;

  describe(fixture.name, () => {
    it('parses: code, identifier, authentic for the secret (and not for another), the attributes in order', () => {
      expect(bytes.readUInt16BE(2)).toBe(bytes.length);
      const frame = frameOf(bytes);
      expect(frame.code).toBe(fixture.code);
      expect(frame.identifier).toBe(fixture.identifier);
      const verdict = authentic(bytes, fixture.secret, request);
      if (verdict !== undefined) {
        expect(verdict).toBe(true);
        expect(authentic(bytes, `${fixture.secret}x`, request)).toBe(false);
      }
      const decoded = decodePacket(bytes, fixture.secret);
      expect(placeholder(decoded.attributes)).toEqual(fixture.attributes);
    });

    it('encodes: the attributes written out and signed give the bytes', () => {
      const encoded = encodePacket({ code: fixture.code, identifier: fixture.identifier, attributes: fixture.attributes, secret: fixture.secret, authenticator });
      expect(encoded.toString('hex')).toBe(bytes.toString('hex'));
    });

    it('round-trips: decode → encode gives the same bytes', () => {
      const decoded = decodePacket(bytes, fixture.secret);
      const encoded = encodePacket({ ...decoded, secret: fixture.secret, authenticator });
      expect(encoded.toString('hex')).toBe(bytes.toString('hex'));
    });
  });
}
