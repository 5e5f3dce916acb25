/** MPPE key derivation (RFC 3079 §3.4) and key-attribute encryption for RADIUS (RFC 2548 §2.4). */
import { hash, randomBytes } from 'node:crypto';
import { hashNtPasswordHash } from './mschap.js';

/** RFC 3079 §3.4 Magic1, Magic2, Magic3, SHSpad1 and SHSpad2. */
const MAGIC1 = Buffer.from('This is the MPPE Master Key', 'ascii');
const MAGIC2 = Buffer.from(
  'On the client side, this is the send key; on the server side, it is the receive key.',
  'ascii',
);
const MAGIC3 = Buffer.from(
  'On the client side, this is the receive key; on the server side, it is the send key.',
  'ascii',
);
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);

/** RFC 3079 §3.4 GetMasterKey: first 16 bytes of SHA1(PasswordHashHash ‖ NT-Response ‖ Magic1). */
export function getMasterKey(passwordHashHash: Buffer, ntResponse: Buffer): Buffer {
  return hash('sha1', Buffer.concat([passwordHashHash, ntResponse, MAGIC1]), 'buffer').subarray(0, 16);
}

/**
 * RFC 3079 §3.4 GetAsymmetricStartKey: first `keyLength` bytes (8 for 40/56-bit, 16 for 128-bit) of
 * SHA1(MasterKey ‖ SHSpad1 ‖ Magic ‖ SHSpad2), Magic chosen by direction and side.
 */
export function getAsymmetricStartKey(masterKey: Buffer, keyLength: number, isSend: boolean, isServer: boolean): Buffer {
  if (!Number.isInteger(keyLength) || keyLength < 1 || keyLength > 16) throw new RangeError('keyLength must be 1..16');
  const magic = isSend === isServer ? MAGIC3 : MAGIC2;
  return hash('sha1', Buffer.concat([masterKey, SHS_PAD1, magic, SHS_PAD2]), 'buffer').subarray(0, keyLength);
}

/**
 * RFC 3079 §3.4 for RADIUS (RFC 2548 §2.4.2): the server's (NAS's) 128-bit MS-MPPE-Send-Key and
 * MS-MPPE-Recv-Key after a successful MS-CHAPv2 exchange, from the NT hash and the peer's 24-byte NT-Response.
 */
export function mppeKeysV2(ntHash: Buffer, ntResponse: Buffer): { sendKey: Buffer; recvKey: Buffer } {
  const master = getMasterKey(hashNtPasswordHash(ntHash), ntResponse);
  return {
    sendKey: getAsymmetricStartKey(master, 16, true, true),
    recvKey: getAsymmetricStartKey(master, 16, false, true),
  };
}

/** RFC 2548 §2.4.2: XOR 16-byte blocks with b1 = MD5(S ‖ RA ‖ salt), bi = MD5(S ‖ c(i-1)). */
function saltChain(input: Buffer, secret: Buffer, ra: Buffer, salt: Buffer, encrypting: boolean): Buffer {
  const out = Buffer.alloc(input.length);
  let b = hash('md5', Buffer.concat([secret, ra, salt]), 'buffer');
  for (let off = 0; off < input.length; off += 16) {
    for (let j = 0; j < 16; j++) out[off + j] = (input[off + j] ?? 0) ^ (b[j] ?? 0);
    const c = (encrypting ? out : input).subarray(off, off + 16);
    b = hash('md5', Buffer.concat([secret, c]), 'buffer');
  }
  return out;
}

/**
 * RFC 2548 §2.4.2: encrypt an MPPE key for MS-MPPE-Send-Key / MS-MPPE-Recv-Key. Plaintext = length byte ‖ key,
 * zero-padded to a multiple of 16. `requestAuthenticator` is the Access-Request's authenticator; `salt` is 2 bytes
 * with the top bit set, unique within the packet (see makeSalts). Returns salt ‖ ciphertext (2 + 16·k bytes).
 */
export function encryptMppeKey(key: Buffer, secret: Buffer, requestAuthenticator: Buffer, salt: Buffer): Buffer {
  if (salt.length !== 2 || ((salt[0] ?? 0) & 0x80) === 0) throw new RangeError('salt must be 2 bytes, top bit set');
  if (key.length > 239) throw new RangeError('key too long for one attribute');
  if (requestAuthenticator.length !== 16) throw new RangeError('request authenticator must be 16 bytes');
  const plain = Buffer.alloc((key.length + 1 + 15) & ~15);
  plain[0] = key.length;
  key.copy(plain, 1);
  return Buffer.concat([salt, saltChain(plain, secret, requestAuthenticator, salt, true)]);
}

/**
 * RFC 2548 §2.4.2: decrypt a MS-MPPE-Send-Key / MS-MPPE-Recv-Key value (salt ‖ ciphertext). Returns undefined
 * when the length is not 2 + 16·k, the salt's top bit is clear, the length byte overruns, or padding is non-zero.
 */
export function decryptMppeKey(value: Buffer, secret: Buffer, requestAuthenticator: Buffer): Buffer | undefined {
  if (value.length < 18 || (value.length - 2) % 16 !== 0 || requestAuthenticator.length !== 16) return undefined;
  const salt = value.subarray(0, 2);
  if (((salt[0] ?? 0) & 0x80) === 0) return undefined;
  const plain = saltChain(value.subarray(2), secret, requestAuthenticator, salt, false);
  const len = plain[0] ?? 0;
  if (len + 1 > plain.length) return undefined;
  for (let i = len + 1; i < plain.length; i++) if (plain[i] !== 0) return undefined;
  return plain.subarray(1, 1 + len);
}

/** crypto.randomBytes fetched 1 KB at a time: one call per 512 salts instead of one each. */
let saltRandom = Buffer.alloc(0);
let saltRandomOffset = 0;

function randomSalt(): Buffer {
  if (saltRandomOffset + 2 > saltRandom.length) {
    saltRandom = randomBytes(1024);
    saltRandomOffset = 0;
  }
  const salt = Buffer.from(saltRandom.subarray(saltRandomOffset, (saltRandomOffset += 2)));
  return salt;
}

/**
 * RFC 2548 §2.4.2: `n` distinct 2-byte salts, top bit set, from crypto.randomBytes — one per key attribute
 * in a packet (at most 32768).
 */
export function makeSalts(n: number): Buffer[] {
  if (!Number.isInteger(n) || n < 0 || n > 0x8000) throw new RangeError('n must be 0..32768');
  const seen = new Set<number>();
  const salts: Buffer[] = [];
  while (salts.length < n) {
    const salt = randomSalt();
    salt[0] = (salt[0] ?? 0) | 0x80;
    const v = salt.readUInt16BE(0);
    if (seen.has(v)) continue;
    seen.add(v);
    salts.push(salt);
  }
  return salts;
}

/**
 * RFC 2548 §2.4.1 MS-CHAP-MPPE-Keys for MS-CHAPv1: the 32-byte plaintext
 * LM-Key (8 zero bytes: radgate keeps no LM hash) ‖ NT-Key (16 bytes) ‖ 8 zero bytes of padding.
 * As FreeRADIUS rlm_mschap does (it calls RFC 2548's use of the NT hash an error that "doesn't work in practice"),
 * the NT-Key is HashNtPasswordHash(NT hash), not the NT hash itself. The caller hides it with
 * pap.hidePassword(value, secret, Request-Authenticator), giving 32 bytes on the wire.
 */
export function mschapV1MppeKeys(ntHash: Buffer): Buffer {
  if (ntHash.length !== 16) throw new RangeError('NT hash must be 16 bytes');
  const out = Buffer.alloc(32);
  hashNtPasswordHash(ntHash).copy(out, 8);
  return out;
}
