import { describe, it, expect } from 'vitest';
import {
  challengeHash,
  challengeResponse,
  generateAuthenticatorResponse,
  generateNtResponse,
  hashNtPasswordHash,
  mschapError,
  ntPasswordHash,
  verifyMschapV1,
  verifyMschapV2,
} from '../../../src/radius/auth/mschap.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 2759 §9.2 "Hash Example".
const USER = 'User';
const PASSWORD = 'clientPass';
const AUTH_CHALLENGE = hex('5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28');
const PEER_CHALLENGE = hex('21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E');
const CHALLENGE = hex('D0 2E 43 86 BC E9 12 26');
const PASSWORD_HASH = hex('44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE');
const PASSWORD_HASH_HASH = hex('41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F');
const NT_RESPONSE = hex('82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF');
const AUTH_RESPONSE = 'S=407A5589115FD0D6209F510FE9C04566932CDA56';

/** RFC 2548 §2.3.2 MS-CHAP2-Response value: ident ‖ flags ‖ PeerChallenge ‖ 8×00 ‖ NT-Response. */
function v2Response(ident: number, nt: Buffer): Buffer {
  return Buffer.concat([Buffer.of(ident, 0), PEER_CHALLENGE, Buffer.alloc(8), nt]);
}

describe('MS-CHAPv2 (RFC 2759)', () => {
  it('RFC 2759 §9.2: NtPasswordHash("clientPass")', () => {
    expect(ntPasswordHash(PASSWORD)).toEqual(PASSWORD_HASH);
  });

  it('RFC 2759 §9.2: HashNtPasswordHash', () => {
    expect(hashNtPasswordHash(PASSWORD_HASH)).toEqual(PASSWORD_HASH_HASH);
  });

  it('RFC 2759 §9.2: ChallengeHash', () => {
    expect(challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, USER)).toEqual(CHALLENGE);
    expect(challengeHash(PEER_CHALLENGE, AUTH_CHALLENGE, Buffer.from(USER))).toEqual(CHALLENGE);
  });

  it('RFC 2759 §9.2: ChallengeResponse / GenerateNTResponse', () => {
    expect(challengeResponse(CHALLENGE, PASSWORD_HASH)).toEqual(NT_RESPONSE);
    expect(generateNtResponse(AUTH_CHALLENGE, PEER_CHALLENGE, USER, PASSWORD_HASH)).toEqual(NT_RESPONSE);
  });

  it('RFC 2759 §9.2: GenerateAuthenticatorResponse', () => {
    expect(generateAuthenticatorResponse(PASSWORD_HASH, NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE, USER)).toBe(
      AUTH_RESPONSE,
    );
  });

  it('RFC 2759 §9.2 via RFC 2548 §2.3.2–2.3.3: verifyMschapV2 accepts and builds MS-CHAP2-Success', () => {
    const r = verifyMschapV2({
      ntHash: PASSWORD_HASH,
      userName: USER,
      authChallenge: AUTH_CHALLENGE,
      response: v2Response(0x07, NT_RESPONSE),
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.success).toHaveLength(43);
    expect(r.success[0]).toBe(0x07);
    expect(r.success.subarray(1).toString('ascii')).toBe(AUTH_RESPONSE);
    expect(r.ntResponse).toEqual(NT_RESPONSE);
  });

  it('verifyMschapV2 rejects a wrong password, wrong user name and a tampered response', () => {
    const base = { userName: USER, authChallenge: AUTH_CHALLENGE, response: v2Response(1, NT_RESPONSE) };
    expect(verifyMschapV2({ ...base, ntHash: ntPasswordHash('clientPasS') }).ok).toBe(false);
    expect(verifyMschapV2({ ...base, ntHash: PASSWORD_HASH, userName: 'user' }).ok).toBe(false);
    const bad = Buffer.from(NT_RESPONSE);
    bad[23] = (bad[23] ?? 0) ^ 1;
    const r = verifyMschapV2({ ...base, ntHash: PASSWORD_HASH, response: v2Response(1, bad) });
    expect(r).toEqual({ ok: false, reason: 'NT-Response mismatch' });
  });

  it('verifyMschapV2 returns ok:false (never throws) on wrong lengths', () => {
    const good = { ntHash: PASSWORD_HASH, userName: USER, authChallenge: AUTH_CHALLENGE, response: v2Response(1, NT_RESPONSE) };
    expect(verifyMschapV2({ ...good, response: good.response.subarray(0, 49) }).ok).toBe(false);
    expect(verifyMschapV2({ ...good, response: Buffer.alloc(0) }).ok).toBe(false);
    expect(verifyMschapV2({ ...good, authChallenge: AUTH_CHALLENGE.subarray(0, 8) }).ok).toBe(false);
    expect(verifyMschapV2({ ...good, ntHash: Buffer.alloc(15) }).ok).toBe(false);
  });
});

describe('MS-CHAPv1 (RFC 2433)', () => {
  // RFC 2433 Appendix B.2 "Hash Example": password "MyPw", challenge 102DB5DF085D3041.
  const MYPW_HASH = hex('FC 15 6A F7 ED CD 6C 0E DD E3 33 7D 42 7F 4E AC');
  const MYPW_CHALLENGE = hex('10 2D B5 DF 08 5D 30 41');
  const MYPW_NT_RESPONSE = hex('4E 9D 3C 8F 9C FD 38 5D 5B F4 D3 24 67 91 95 6C A4 C3 51 AB 40 9A 3D 61');

  /** RFC 2548 §2.3.1 MS-CHAP-Response value: ident ‖ flags ‖ LM-Response ‖ NT-Response. */
  function v1Response(ident: number, flags: number, nt: Buffer): Buffer {
    return Buffer.concat([Buffer.of(ident, flags), Buffer.alloc(24), nt]);
  }

  it('RFC 2433 §B.2: NtPasswordHash("MyPw") and NtChallengeResponse', () => {
    expect(ntPasswordHash('MyPw')).toEqual(MYPW_HASH);
    expect(challengeResponse(MYPW_CHALLENGE, MYPW_HASH)).toEqual(MYPW_NT_RESPONSE);
  });

  it('RFC 2433 §B.2 via RFC 2548 §2.3.1: verifyMschapV1 accepts the NT response', () => {
    const r = verifyMschapV1({ ntHash: MYPW_HASH, challenge: MYPW_CHALLENGE, response: v1Response(0x2a, 1, MYPW_NT_RESPONSE) });
    expect(r).toEqual({ ok: true, ident: 0x2a });
  });

  it('RFC 2433 §A.5: a response computed with challengeResponse for another password verifies; wrong password fails', () => {
    const challenge = hex('0102030405060708');
    const nt = challengeResponse(challenge, ntPasswordHash('hello'));
    expect(verifyMschapV1({ ntHash: ntPasswordHash('hello'), challenge, response: v1Response(5, 1, nt) }).ok).toBe(true);
    expect(verifyMschapV1({ ntHash: ntPasswordHash('hellO'), challenge, response: v1Response(5, 1, nt) })).toEqual({
      ok: false,
      reason: 'NT-Response mismatch',
    });
  });

  it('RFC 2433 §4: an LM-only response (flags = 0) is rejected with a reason', () => {
    const r = verifyMschapV1({ ntHash: MYPW_HASH, challenge: MYPW_CHALLENGE, response: v1Response(1, 0, MYPW_NT_RESPONSE) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/LM/);
  });

  it('verifyMschapV1 returns ok:false (never throws) on wrong lengths', () => {
    const response = v1Response(1, 1, MYPW_NT_RESPONSE);
    expect(verifyMschapV1({ ntHash: MYPW_HASH, challenge: Buffer.alloc(16), response }).ok).toBe(false);
    expect(verifyMschapV1({ ntHash: MYPW_HASH, challenge: MYPW_CHALLENGE, response: response.subarray(1) }).ok).toBe(false);
    expect(verifyMschapV1({ ntHash: Buffer.alloc(0), challenge: MYPW_CHALLENGE, response }).ok).toBe(false);
  });
});

describe('mschapError (RFC 2759 §6)', () => {
  it('formats ident ‖ "E=691 R=0 C=<32 hex> V=3 M=Authentication failed"', () => {
    const v = mschapError(9, hex('00112233445566778899aabbccddeeff'));
    expect(v[0]).toBe(9);
    expect(v.subarray(1).toString('ascii')).toBe('E=691 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Authentication failed');
  });

  it('uses a fresh random challenge by default', () => {
    const re = /^E=691 R=0 C=([0-9A-F]{32}) V=3 M=Authentication failed$/;
    const a = re.exec(mschapError(1).subarray(1).toString('ascii'));
    const b = re.exec(mschapError(1).subarray(1).toString('ascii'));
    expect(a?.[1]).toBeDefined();
    expect(a?.[1]).not.toBe(b?.[1]);
  });
});
