/**
 * Building replies and requests. Replies carry Message-Authenticator as their FIRST attribute (BlastRADIUS
 * hardening, radius.md §2) and echo every Proxy-State of the request, unmodified and in order (RFC 2865 §5.33).
 */
import { signHashedRequest, signResponse, ZERO16 } from './authenticator.js';
import { CODE_NAMES, HEADER_LENGTH } from './codes.js';
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
  const list: AttributeList = options.messageAuthenticator ? [['Message-Authenticator', ZERO16]] : [];
  list.push(...toCodecAttributes(options.attributes));
  for (const state of request.proxyStates) list.push(['Proxy-State', state]);
  const packet = radiusCodec().encode({
    code: codeName(options.code),
    identifier: request.identifier,
    authenticator: request.authenticator,
    attributes: list,
    secret: secret.text,
    add_message_authenticator: false,
  });
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
  const list: AttributeList = options.messageAuthenticator ? [['Message-Authenticator', ZERO16]] : [];
  list.push(...toCodecAttributes(options.attributes));
  const packet = radiusCodec().encode({
    code: codeName(options.code),
    identifier: options.identifier,
    authenticator: ZERO16,
    attributes: list,
    secret: options.secret.text,
    add_message_authenticator: false,
  });
  signHashedRequest(packet, options.secret.bytes, options.messageAuthenticator ? MA_VALUE_OFFSET : -1);
  return packet;
}

function codeName(code: number): string {
  const name = CODE_NAMES[code];
  if (!name) throw new Error(`no RADIUS code ${code}`);
  return name;
}
