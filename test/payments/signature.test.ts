/**
 * The `t=…,v1=…` signature header (src/payments/signature.ts; docs/payments.md, Signature): the MAC is
 * HMAC-SHA256 of "<t>.<raw body>" keyed with the secret's UTF-8 bytes, hex. The literal vector below is the example
 * of docs/payments.md, its MAC computed independently with `openssl dgst -sha256 -hmac`.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, parseSignatureHeader, signatureMatches, timestampFresh } from '../../src/payments/signature.js';
import { PaymentReferences } from '../../src/payments/reference.js';

const SECRET = 'radgate-example-secret-0123456789abcdef';
const T = 1741608000;
const BODY = '{"event_id":"evt-1","account":"ACC-1001","amount":2500,"currency":"USD","paid_at":"2025-03-10T12:00:00Z"}';
const MAC = 'b9077fb590eb472eb8234989b16fbfddcf70c30f6ea35ed258bf21825cc24b07';

describe('the signature', () => {
  it('matches the documented example, byte for byte', () => {
    expect(computeSignature(SECRET, String(T), Buffer.from(BODY)).toString('hex')).toBe(MAC);
    expect(createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex')).toBe(MAC);
    const header = parseSignatureHeader(`t=${T},v1=${MAC}`)!;
    expect(signatureMatches(SECRET, header, Buffer.from(BODY))).toBe(true);
    expect(signatureMatches(`${SECRET}x`, header, Buffer.from(BODY))).toBe(false);
    expect(signatureMatches(SECRET, header, Buffer.from(BODY.replace('2500', '2501')))).toBe(false);
  });

  it('parses several v1 (one valid is enough), ignores other schemes, spaces and upper-case hex', () => {
    const header = parseSignatureHeader(` t=${T}, v0=${'a'.repeat(64)}, v1=${'0'.repeat(64)}, v1=${MAC.toUpperCase()}`)!;
    expect(header.signatures).toHaveLength(2);
    expect(signatureMatches(SECRET, header, Buffer.from(BODY))).toBe(true);
  });

  it('refuses headers it cannot trust', () => {
    for (const bad of [undefined, '', `v1=${MAC}`, `t=${T}`, `t=${T},v1=${MAC.slice(2)}`, `t=abc,v1=${MAC}`, `t=${T},t=${T + 1},v1=${MAC}`, `t=${T},v1=${MAC},${'x'.repeat(2100)}`]) {
      expect(parseSignatureHeader(bad), String(bad).slice(0, 40)).toBeUndefined();
    }
  });

  it('checks the timestamp on both sides of now', () => {
    const header = parseSignatureHeader(`t=${T},v1=${MAC}`)!;
    expect(timestampFresh(header, new Date((T + 300) * 1000), 300)).toBe(true);
    expect(timestampFresh(header, new Date((T + 301) * 1000), 300)).toBe(false);
    expect(timestampFresh(header, new Date((T - 301) * 1000), 300)).toBe(false);
  });
});

describe('signed payment references', () => {
  const refs = new PaymentReferences([Buffer.alloc(32, 1)]);

  it('round-trips workspace and account; short enough for a gateway field', () => {
    const ref = refs.sign({ workspaceId: 'north-isp', account: 'ACC-1001:x' });
    expect(ref).toMatch(/^rg1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/);
    expect(ref.length).toBeLessThan(64);
    expect(refs.verify(ref)).toEqual({ workspaceId: 'north-isp', account: 'ACC-1001:x' });
  });

  it('a rotated key still verifies; a foreign key or an edit does not', () => {
    const old = new PaymentReferences([Buffer.alloc(32, 2)]);
    const ref = old.sign({ workspaceId: 'w', account: 'A-1' });
    expect(new PaymentReferences([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]).verify(ref)).toEqual({ workspaceId: 'w', account: 'A-1' });
    expect(refs.verify(ref)).toBeUndefined();
    expect(refs.verify('A-1')).toBeUndefined();
    const [, payload, tag] = refs.sign({ workspaceId: 'w', account: 'A-1' }).split('.');
    expect(refs.verify(`rg1.${payload}x.${tag}`)).toBeUndefined();
    expect(refs.verify(`rg1.${payload}.${tag}.x`)).toBeUndefined();
  });
});
