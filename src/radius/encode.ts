/**
 * Building replies and requests. Replies carry Message-Authenticator as their FIRST attribute (BlastRADIUS
 * hardening, docs/radius-protocol.md §4) and echo every Proxy-State of the request, unmodified and in order
 * (RFC 2865 §5.33).
 */
import { signHashedRequest, signResponse, ZERO16 } from './authenticator.js';
import { Attr, CODE_NAMES, HEADER_LENGTH, MA_LENGTH, MAX_PACKET_LENGTH } from './codes.js';
import { radiusCodec, type AttributeList, type AttributeValue } from './dictionary.js';
import type { Frame } from './packet.js';

/** A secret in both shapes the codecs need, computed once per NAS. */
export interface Secret {
  readonly text: string;
  readonly bytes: Buffer;
}

export function makeSecret(text: string): Secret {
  return { text, bytes: Buffer.from(text, 'utf8') };
}

/** One reply attribute by dictionary name; vendor attributes carry their vendor. */
export interface ReplyAttribute {
  name: string;
  value: AttributeValue;
  vendor?: number;
}

function toCodecAttributes(attributes: readonly ReplyAttribute[]): AttributeList {
  // One Vendor-Specific per sub-attribute: RouterOS reads both forms, and this keeps each under 255 bytes.
  return attributes.map((a): AttributeList[number] =>
    a.vendor === undefined ? [a.name, a.value] : ['Vendor-Specific', a.vendor, [[a.name, a.value]]],
  );
}

/*
 * Attribute bytes. The `radius` codec defines what each attribute looks like on the wire (dictionary types, enum
 * values), but encoding a whole packet with it costs a zero-filled 4 KB buffer and a dictionary walk per attribute
 * (measured: 10.4 µs per Access-Accept, 2.9 µs assembled here). So it is asked once per distinct attribute and its
 * bytes are cached: by identity for frozen attributes (plan and profile attributes, the same objects on every
 * Accept), by value for the rest (Reply-Message texts repeat). Octet values (Class, MS-CHAP2-Success, MPPE keys,
 * Proxy-State) are written directly, as the codec writes any Buffer: type, length, bytes.
 */
const byObject = new WeakMap<ReplyAttribute, Buffer>();
const byValue = new Map<string, Buffer>();
const BY_VALUE_LIMIT = 10_000;
const attributeIds = new Map<string, number | null>();
/** User-Password is hidden with the Request Authenticator (RFC 2865 §5.2): never cached. */
const UNCACHEABLE = 'User-Password';

function attributeId(name: string, vendor: number | undefined): number | undefined {
  const key = vendor === undefined ? name : `${vendor}\u0000${name}`;
  let id = attributeIds.get(key);
  if (id === undefined) {
    const found = radiusCodec().attr_name_to_id(name, vendor);
    id = found === undefined ? null : Number(found);
    attributeIds.set(key, id);
  }
  return id ?? undefined;
}

/** One attribute as the codec encodes it (a Vendor-Specific wrapper for vendor attributes). */
function viaCodec(attribute: ReplyAttribute, authenticator: Buffer, secret: Secret): Buffer {
  const packet = radiusCodec().encode({
    code: 'Access-Accept',
    identifier: 0,
    authenticator,
    attributes: toCodecAttributes([attribute]),
    secret: secret.text,
    add_message_authenticator: false,
  });
  return Buffer.from(packet.subarray(HEADER_LENGTH)); // a copy: the codec's packet sits in a 4 KB buffer
}

function octets(name: string, vendor: number | undefined, value: Buffer, id: number): Buffer {
  if (vendor === undefined) {
    if (value.length > 253) throw new RangeError(`${name}: value longer than 253 bytes`);
    const out = Buffer.allocUnsafe(2 + value.length);
    out[0] = id;
    out[1] = 2 + value.length;
    value.copy(out, 2);
    return out;
  }
  // RFC 2865 §5.26: Vendor-Specific = 26, length, Vendor-Id (4), then the sub-attribute.
  if (value.length > 247) throw new RangeError(`${name}: value longer than 247 bytes`);
  const out = Buffer.allocUnsafe(8 + value.length);
  out[0] = Attr.VendorSpecific;
  out[1] = 8 + value.length;
  out.writeUInt32BE(vendor, 2);
  out[6] = id;
  out[7] = 2 + value.length;
  value.copy(out, 8);
  return out;
}

function attributeBytes(attribute: ReplyAttribute, authenticator: Buffer, secret: Secret): Buffer {
  const value = attribute.value;
  if (Buffer.isBuffer(value)) {
    const id = attributeId(attribute.name, attribute.vendor);
    return id === undefined ? viaCodec(attribute, authenticator, secret) : octets(attribute.name, attribute.vendor, value, id);
  }
  if (attribute.name === UNCACHEABLE || value instanceof Date) return viaCodec(attribute, authenticator, secret);
  // A frozen attribute is a constant (plan and profile attributes): remember its bytes by identity.
  const constant = Object.isFrozen(attribute);
  let bytes = constant ? byObject.get(attribute) : undefined;
  if (bytes) return bytes;
  const key = `${attribute.vendor ?? ''}\u0000${attribute.name}\u0000${typeof value}\u0000${value}`;
  bytes = byValue.get(key);
  if (!bytes) {
    bytes = viaCodec(attribute, authenticator, secret);
    if (byValue.size >= BY_VALUE_LIMIT) byValue.clear();
    byValue.set(key, bytes);
  }
  if (constant) byObject.set(attribute, bytes);
  return bytes;
}

/** RFC 3579 §3.2: type 80, length 18, the value zeroed until the packet is signed. */
const MA_ATTRIBUTE = Buffer.concat([Buffer.of(Attr.MessageAuthenticator, 2 + MA_LENGTH), Buffer.alloc(MA_LENGTH)]);

/*
 * Packets are cut from slabs of their own. The duplicate cache keeps every reply for its window and lets them go
 * oldest first, so a slab is freed once its last reply expires; from Node's shared pool, each kept reply would also
 * keep alive the short-lived buffers allocated next to it.
 */
const SLAB_SIZE = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabOffset = 0;

function packetBuffer(length: number): Buffer {
  if (slabOffset + length > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_SIZE, length));
    slabOffset = 0;
  }
  const packet = slab.subarray(slabOffset, slabOffset + length);
  slabOffset += (length + 7) & ~7;
  return packet;
}

/** A packet that would exceed 4096 bytes (RFC 2865 §3): it is not sent rather than cut (docs/radius-protocol.md §7). */
export class PacketTooLargeError extends RangeError {
  constructor(readonly length: number) {
    super(`packet of ${length} bytes exceeds ${MAX_PACKET_LENGTH}`);
    this.name = 'PacketTooLargeError';
  }
}

/** Header (authenticator left for the signer), optional zeroed Message-Authenticator first, then `parts`. */
function assemble(code: number, identifier: number, messageAuthenticator: boolean, parts: Buffer[]): Buffer {
  if (CODE_NAMES[code] === undefined) throw new Error(`no RADIUS code ${code}`);
  let length = HEADER_LENGTH + (messageAuthenticator ? MA_ATTRIBUTE.length : 0);
  for (const part of parts) length += part.length;
  if (length > MAX_PACKET_LENGTH) throw new PacketTooLargeError(length);
  const packet = packetBuffer(length);
  packet[0] = code;
  packet[1] = identifier;
  packet.writeUInt16BE(length, 2);
  let offset = HEADER_LENGTH;
  if (messageAuthenticator) offset += MA_ATTRIBUTE.copy(packet, offset);
  for (const part of parts) offset += part.copy(packet, offset);
  return packet;
}

const MA_VALUE_OFFSET = HEADER_LENGTH + 2;

export interface ResponseOptions {
  code: number;
  request: Pick<Frame, 'identifier' | 'authenticator' | 'proxyStates'>;
  attributes: readonly ReplyAttribute[];
  secret: Secret;
  /** Put Message-Authenticator first (always for Access-Accept/Reject/Challenge and Status-Server replies). */
  messageAuthenticator: boolean;
}

/** Encode and sign a response to `request`. */
export function encodeResponse(options: ResponseOptions): Buffer {
  const { request, secret } = options;
  const parts: Buffer[] = [];
  for (const attribute of options.attributes) parts.push(attributeBytes(attribute, request.authenticator, secret));
  // RFC 2865 §5.33: every Proxy-State, unmodified, in order.
  for (const state of request.proxyStates) parts.push(octets('Proxy-State', undefined, state, Attr.ProxyState));
  const packet = assemble(options.code, request.identifier, options.messageAuthenticator, parts);
  signResponse(packet, request.authenticator, secret.bytes, options.messageAuthenticator ? MA_VALUE_OFFSET : -1);
  return packet;
}

export interface HashedRequestOptions {
  code: number;
  identifier: number;
  attributes: readonly ReplyAttribute[];
  secret: Secret;
  messageAuthenticator: boolean;
}

/** Encode and sign an Accounting, CoA or Disconnect request (authenticator = MD5 over the packet, RFC 5176 §2.3). */
export function encodeHashedRequest(options: HashedRequestOptions): Buffer {
  const parts = options.attributes.map((attribute) => attributeBytes(attribute, ZERO16, options.secret));
  const packet = assemble(options.code, options.identifier, options.messageAuthenticator, parts);
  signHashedRequest(packet, options.secret.bytes, options.messageAuthenticator ? MA_VALUE_OFFSET : -1);
  return packet;
}
