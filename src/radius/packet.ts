/**
 * Framing and parsing of received datagrams. Strict where the RFCs require it (docs/radius-protocol.md §2): lengths,
 * attribute bounds, Message-Authenticator shape. Attribute values are decoded by name through the `radius` codec.
 */
import { Attr, CODE_NAMES, HEADER_LENGTH, MA_LENGTH, MAX_PACKET_LENGTH, MIN_PACKET_LENGTH } from './codes.js';
import { radiusCodec, type DecodedPacket } from './dictionary.js';

/** What framing learned about a datagram, before any secret is used. */
export interface Frame {
  code: number;
  identifier: number;
  /** The datagram without padding beyond the Length field. */
  packet: Buffer;
  authenticator: Buffer;
  /** Offset of the Message-Authenticator value, or -1. */
  maValueOffset: number;
  /** Proxy-State values in order of appearance. */
  proxyStates: Buffer[];
  hasUserPassword: boolean;
  hasChapPassword: boolean;
  /** At least one EAP-Message (RFC 3579 §3.1). */
  hasEapMessage: boolean;
}

export type FrameResult = { ok: true; frame: Frame } | { ok: false; reason: string };

/** Validate the framing of a datagram (RFC 2865 §3, §5; RFC 3579 §3.2). Never throws. */
export function parseFrame(datagram: Buffer): FrameResult {
  if (datagram.length < MIN_PACKET_LENGTH) return { ok: false, reason: 'shorter than 20 bytes' };
  const length = datagram.readUInt16BE(2);
  // RFC 2865 §3: Length < 20 or > 4096 is silently discarded; octets beyond Length are padding.
  if (length < MIN_PACKET_LENGTH || length > MAX_PACKET_LENGTH) return { ok: false, reason: `bad length ${length}` };
  if (datagram.length < length) return { ok: false, reason: `truncated: length ${length}, got ${datagram.length}` };
  const code = datagram[0]!;
  if (CODE_NAMES[code] === undefined) return { ok: false, reason: `unknown code ${code}` };
  const packet = datagram.length === length ? datagram : datagram.subarray(0, length);
  let maValueOffset = -1;
  const proxyStates: Buffer[] = [];
  let hasUserPassword = false;
  let hasChapPassword = false;
  let hasEapMessage = false;
  for (let offset = HEADER_LENGTH; offset < length; ) {
    if (offset + 2 > length) return { ok: false, reason: 'attribute header overruns packet' };
    const type = packet[offset]!;
    const attrLength = packet[offset + 1]!;
    if (attrLength < 2) return { ok: false, reason: `attribute ${type} has length ${attrLength}` };
    if (offset + attrLength > length) return { ok: false, reason: `attribute ${type} overruns packet` };
    switch (type) {
      case Attr.MessageAuthenticator:
        if (attrLength !== 2 + MA_LENGTH) return { ok: false, reason: 'Message-Authenticator is not 16 bytes' };
        if (maValueOffset >= 0) return { ok: false, reason: 'more than one Message-Authenticator' };
        maValueOffset = offset + 2;
        break;
      case Attr.ProxyState:
        proxyStates.push(packet.subarray(offset + 2, offset + attrLength));
        break;
      case Attr.UserPassword:
        hasUserPassword = true;
        break;
      case Attr.ChapPassword:
        hasChapPassword = true;
        break;
      case Attr.EapMessage:
        hasEapMessage = true;
        break;
      case Attr.VendorSpecific:
        if (!validVendorSpecific(packet, offset, attrLength)) return { ok: false, reason: 'malformed Vendor-Specific' };
        break;
    }
    offset += attrLength;
  }
  return {
    ok: true,
    frame: {
      code,
      identifier: packet[1]!,
      packet,
      authenticator: packet.subarray(4, 20),
      maValueOffset,
      proxyStates,
      hasUserPassword,
      hasChapPassword,
      hasEapMessage,
    },
  };
}

/** RFC 2865 §5.26: Vendor-Id then sub-attributes (type, length ≥ 2) exactly filling the attribute. */
function validVendorSpecific(packet: Buffer, offset: number, attrLength: number): boolean {
  if (attrLength < 6 || packet[offset + 2] !== 0) return false;
  const end = offset + attrLength;
  for (let sub = offset + 6; sub < end; ) {
    if (sub + 2 > end) return false;
    const subLength = packet[sub + 1]!;
    if (subLength < 2 || sub + subLength > end) return false;
    sub += subLength;
  }
  return true;
}

/** A request as handlers see it: framing plus attributes decoded by dictionary name. */
export interface RadiusRequest extends Frame {
  /** Top-level attributes by name (repeated ones become arrays); vendor attributes under `vendor`. */
  attributes: Record<string, unknown>;
  /** Vendor-Specific sub-attributes by name (MikroTik, Microsoft, …). */
  vendor: Record<string, unknown>;
  /** Raw top-level attributes, for values the codec cannot decode without the secret. */
  rawAttributes: Array<[number, Buffer]>;
}

/** Decode attribute values of a framed packet. Throws only on a value the codec cannot read. */
export function decodeAttributes(frame: Frame): RadiusRequest {
  const decoded: DecodedPacket = radiusCodec().decode({ packet: frame.packet, no_secret: true });
  const attributes = decoded.attributes;
  const vendor = attributes['Vendor-Specific'] as Record<string, unknown> | undefined;
  if (vendor !== undefined) delete attributes['Vendor-Specific'];
  // Spelled out rather than spread: this runs for every request.
  return {
    code: frame.code,
    identifier: frame.identifier,
    packet: frame.packet,
    authenticator: frame.authenticator,
    maValueOffset: frame.maValueOffset,
    proxyStates: frame.proxyStates,
    hasUserPassword: frame.hasUserPassword,
    hasChapPassword: frame.hasChapPassword,
    hasEapMessage: frame.hasEapMessage,
    attributes,
    vendor: vendor ?? {},
    rawAttributes: decoded.raw_attributes,
  };
}

/** The first raw value of a top-level attribute. */
export function rawAttribute(request: Pick<RadiusRequest, 'rawAttributes'>, type: number): Buffer | undefined {
  for (const [t, value] of request.rawAttributes) if (t === type) return value;
  return undefined;
}

/** A single string attribute (the first, if repeated). */
export function stringAttribute(request: RadiusRequest, name: string): string | undefined {
  const value = request.attributes[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}
