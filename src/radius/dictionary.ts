/**
 * Dictionaries for the `radius` codec: its bundled RFC dictionaries plus radgate's vendor dictionaries (MikroTik
 * 14988, Microsoft 311) in FreeRADIUS format, loaded once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface RadiusCodec {
  decode(args: { packet: Buffer; secret?: string; no_secret?: boolean }): DecodedPacket;
  encode(args: EncodeArgs): Buffer;
  add_dictionary(file: string): void;
  load_dictionaries(): void;
  attr_name_to_id(name: string, vendorId?: number | string): string | undefined;
  vendor_name_to_id(name: string): string | undefined;
}

export type AttributeValue = string | number | Buffer | Date;
export type AttributeList = Array<[string | number, AttributeValue] | [string | number, string | number, AttributeList]>;

export interface DecodedPacket {
  code: string;
  identifier: number;
  length: number;
  authenticator: Buffer;
  attributes: Record<string, unknown>;
  raw_attributes: Array<[number, Buffer]>;
}

export interface EncodeArgs {
  code: string;
  identifier: number;
  authenticator?: Buffer;
  attributes: AttributeList;
  secret: string;
  add_message_authenticator?: boolean;
}

// `npm run build` copies the dictionaries next to the compiled module.
const DICTIONARY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'dictionaries');

let codec: RadiusCodec | undefined;

/** The `radius` package with radgate's dictionaries loaded. */
export function radiusCodec(): RadiusCodec {
  if (!codec) {
    const loaded = require('radius') as RadiusCodec;
    loaded.add_dictionary(path.join(DICTIONARY_DIR, 'dictionary.mikrotik'));
    loaded.add_dictionary(path.join(DICTIONARY_DIR, 'dictionary.microsoft'));
    loaded.load_dictionaries();
    codec = loaded;
  }
  return codec;
}

export const VENDOR_MIKROTIK = 14988;
export const VENDOR_MICROSOFT = 311;
