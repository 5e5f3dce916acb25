/**
 * Reminder-link tokens (JWS, RFC 7515): each way a link can be wrong is its own test, with the status the page
 * answers and the reason the log gets. Keys are built here from raw material, independent of the data dir.
 */
import { generateKeyPairSync, randomBytes, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { LinkKeyConfig } from '../../../src/config/index.js';
import { LinkKeyRing } from '../../../src/web/reminder/keys.js';
import { CLOCK_SKEW_SECONDS, signLink, tokenFingerprint, verifyLink, type LinkSubject } from '../../../src/web/reminder/tokens.js';

const hs = (id: string, bytes = randomBytes(32)): LinkKeyConfig => ({ id, algorithm: 'HS256', material: bytes.toString('base64'), source: 'test' });
const ed = (id: string): LinkKeyConfig & { publicPem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    id,
    algorithm: 'EdDSA',
    material: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    source: 'test',
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};

const SUBJECT: LinkSubject = { workspaceId: 'default', subscriberId: 42, accountNumber: 'ACC-1001' };
const T0 = new Date('2025-03-01T10:00:00Z');
const DAY = 86400;
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const parts = (token: string) => token.split('.') as [string, string, string];

describe('reminder link tokens', () => {
  it('round trip: HS256 link verifies with the same claims', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    const { token, claims } = await signLink(ring, SUBJECT, { lifetimeSeconds: 7 * DAY, now: T0 });
    const check = await verifyLink(ring, token, { now: at(3600) });
    expect(check).toEqual({
      ok: true,
      claims: { ...SUBJECT, keyId: 'k1', issuedAt: T0, expiresAt: at(7 * DAY) },
    });
    expect(claims.expiresAt).toEqual(at(7 * DAY));
    const header = JSON.parse(Buffer.from(parts(token)[0], 'base64url').toString()) as Record<string, unknown>;
    expect(header).toEqual({ alg: 'HS256', kid: 'k1', typ: 'radgate-reminder+jwt' });
  });

  it('round trip: EdDSA link verifies, also with only the public key', async () => {
    const key = ed('ed-1');
    const ring = LinkKeyRing.fromConfig([key]);
    const { token } = await signLink(ring, SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    expect((await verifyLink(ring, token, { now: T0 })).ok).toBe(true);
    const verifyOnly = LinkKeyRing.fromConfig([hs('new'), { ...key, material: key.publicPem }]);
    expect(await verifyLink(verifyOnly, token, { now: T0 })).toMatchObject({ ok: true, claims: { keyId: 'ed-1', subscriberId: 42 } });
  });

  it('tampered payload (another subscriber id) → 401 bad signature', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    const { token } = await signLink(ring, SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    const [header, payload, signature] = parts(token);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${b64url({ ...claims, sub: '43' })}.${signature}`;
    expect(await verifyLink(ring, forged, { now: T0 })).toEqual({ ok: false, status: 401, reason: 'bad signature', keyId: 'k1' });
  });

  it('tampered signature → 401 bad signature', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    const { token } = await signLink(ring, SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    const [header, payload, signature] = parts(token);
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0]! ^= 0x01;
    const check = await verifyLink(ring, `${header}.${payload}.${flipped.toString('base64url')}`, { now: T0 });
    expect(check).toEqual({ ok: false, status: 401, reason: 'bad signature', keyId: 'k1' });
  });

  it('wrong key (same key id, other material) → 401 bad signature', async () => {
    const signer = LinkKeyRing.fromConfig([hs('k1')]);
    const verifier = LinkKeyRing.fromConfig([hs('k1')]);
    const { token } = await signLink(signer, SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    expect(await verifyLink(verifier, token, { now: T0 })).toMatchObject({ ok: false, status: 401, reason: 'bad signature' });
  });

  it('expired → 410, also just past the clock skew; still valid within the skew', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    const { token } = await signLink(ring, SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    expect((await verifyLink(ring, token, { now: at(DAY + CLOCK_SKEW_SECONDS - 1) })).ok).toBe(true);
    expect(await verifyLink(ring, token, { now: at(DAY + CLOCK_SKEW_SECONDS) })).toEqual({ ok: false, status: 410, reason: 'expired', keyId: 'k1', workspaceId: 'default' });
    expect(await verifyLink(ring, token, { now: at(30 * DAY) })).toMatchObject({ ok: false, status: 410, reason: 'expired' });
  });

  it('not yet valid (issued in the future beyond the skew) → 401', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    const { token } = await signLink(ring, SUBJECT, { lifetimeSeconds: DAY, now: at(600) });
    expect(await verifyLink(ring, token, { now: T0 })).toEqual({ ok: false, status: 401, reason: 'not yet valid', keyId: 'k1' });
    // A clock a little behind the issuer is tolerated.
    expect((await verifyLink(ring, token, { now: at(600 - CLOCK_SKEW_SECONDS + 1) })).ok).toBe(true);
  });

  it('unknown key id → 401', async () => {
    const { token } = await signLink(LinkKeyRing.fromConfig([hs('old')]), SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    const check = await verifyLink(LinkKeyRing.fromConfig([hs('k1')]), token, { now: T0 });
    expect(check).toEqual({ ok: false, status: 401, reason: 'unknown key id "old"' });
  });

  it('rotated key: old links verify while the old key is listed, fail once it is removed', async () => {
    const oldKey = hs('2025-01');
    const newKey = hs('2025-06');
    const before = LinkKeyRing.fromConfig([oldKey]);
    const { token: oldLink } = await signLink(before, SUBJECT, { lifetimeSeconds: 30 * DAY, now: T0 });

    const rotated = LinkKeyRing.fromConfig([newKey, oldKey]);
    const { token: newLink } = await signLink(rotated, SUBJECT, { lifetimeSeconds: 30 * DAY, now: T0 });
    expect(parts(newLink)[0]).not.toBe(parts(oldLink)[0]); // signed with the new key id
    expect(await verifyLink(rotated, oldLink, { now: at(DAY) })).toMatchObject({ ok: true, claims: { keyId: '2025-01' } });
    expect(await verifyLink(rotated, newLink, { now: at(DAY) })).toMatchObject({ ok: true, claims: { keyId: '2025-06' } });

    const retired = LinkKeyRing.fromConfig([newKey]);
    expect(await verifyLink(retired, oldLink, { now: at(DAY) })).toEqual({ ok: false, status: 401, reason: 'unknown key id "2025-01"' });
    expect((await verifyLink(retired, newLink, { now: at(DAY) })).ok).toBe(true);
  });

  it('algorithm confusion: an HS256 token made with an EdDSA public key, or alg "none", is refused (401)', async () => {
    const key = ed('ed-1');
    const ring = LinkKeyRing.fromConfig([key]);
    const payload = b64url({ ws: 'default', sub: '42', acct: 'ACC-1001', iat: 1740823200, nbf: 1740823200, exp: 1740909600 });
    const header = b64url({ alg: 'HS256', kid: 'ed-1', typ: 'radgate-reminder+jwt' });
    const mac = createHmac('sha256', key.publicPem).update(`${header}.${payload}`).digest('base64url');
    expect(await verifyLink(ring, `${header}.${payload}.${mac}`, { now: T0 })).toMatchObject({ ok: false, status: 401, reason: 'algorithm "HS256" does not match key ed-1' });
    const none = b64url({ alg: 'none', kid: 'ed-1' });
    expect(await verifyLink(ring, `${none}.${payload}.`, { now: T0 })).toMatchObject({ ok: false, status: 400 });
    expect(await verifyLink(ring, `${none}.${payload}.x`, { now: T0 })).toMatchObject({ ok: false, status: 401 });
  });

  it('malformed tokens → 400', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.%%', `${b64url({ alg: 'HS256' })}.${b64url({})}.sig`, `x${'a'.repeat(3000)}.b.c`]) {
      expect(await verifyLink(ring, token, { now: T0 }), token.slice(0, 40)).toMatchObject({ ok: false, status: 400 });
    }
  });

  it('a fingerprint identifies a token in logs without revealing it', async () => {
    const ring = LinkKeyRing.fromConfig([hs('k1')]);
    const { token } = await signLink(ring, SUBJECT, { lifetimeSeconds: DAY, now: T0 });
    const fingerprint = tokenFingerprint(token);
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(token).not.toContain(fingerprint);
    expect(tokenFingerprint(token)).toBe(fingerprint);
  });
});
