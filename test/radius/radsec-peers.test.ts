/**
 * Which NAS a verified RadSec client certificate names (src/radius/radsec-peers.ts, docs/radsec.md): by subject (CN,
 * subjectAltName DNS case-insensitively, subjectAltName IP), by SHA-256 pin, or both; and what the log may say about
 * a certificate whose texts come from the peer.
 */
import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { Client } from '../../src/radius/clients.js';
import { makeSecret } from '../../src/radius/encode.js';
import { certificateNames, describeCertificate, RadsecPeerRegistry } from '../../src/radius/radsec-peers.js';

const PIN_A = Array.from({ length: 32 }, (_, i) => (i + 16).toString(16).toUpperCase()).join(':');
const PIN_B = Array.from({ length: 32 }, (_, i) => (i + 100).toString(16).toUpperCase()).join(':');

function certificate(cn: string | string[] | undefined, san: string | undefined, fingerprint = PIN_A): PeerCertificate {
  return {
    subject: cn === undefined ? {} : { CN: cn },
    issuer: { CN: 'radgate RadSec CA' },
    subjectaltname: san,
    fingerprint256: fingerprint,
    valid_to: 'Dec  3 13:00:00 2029 GMT',
  } as unknown as PeerCertificate;
}

function client(name: string): Client<undefined> {
  return { name, address: '192.0.2.1', secret: makeSecret('radsec'), requireMessageAuthenticator: 'auto', limitProxyState: 'auto', data: undefined, learned: {} };
}

const registry = new RadsecPeerRegistry([
  { fingerprint: undefined, subject: 'core-1', client: client('core-1') },
  { fingerprint: undefined, subject: 'edge.isp.example', client: client('edge') },
  { fingerprint: undefined, subject: '203.0.113.7', client: client('by-ip') },
  { fingerprint: PIN_B, subject: undefined, client: client('pinned') },
  { fingerprint: PIN_A, subject: 'both-1', client: client('both') },
  { fingerprint: undefined, subject: undefined, client: client('never') },
]);

describe('RadsecPeerRegistry.identify', () => {
  it('by CN, by subjectAltName DNS (any case) and IP, by pin', () => {
    expect(registry.identify(certificate('core-1', undefined))?.name).toBe('core-1');
    expect(registry.identify(certificate('x', 'DNS:EDGE.isp.example, DNS:other'))?.name).toBe('edge');
    expect(registry.identify(certificate('x', 'IP Address:203.0.113.7'))?.name).toBe('by-ip');
    expect(registry.identify(certificate('anything', undefined, PIN_B))?.name).toBe('pinned');
  });

  it('with both, both must match; an entry with neither matches nothing', () => {
    expect(registry.identify(certificate('both-1', undefined, PIN_A))?.name).toBe('both');
    expect(registry.identify(certificate('both-1', undefined, PIN_B))?.name).toBe('pinned'); // the pin, not "both"
    expect(registry.identify(certificate('nobody', undefined))).toBeUndefined();
    expect(registry.identify(certificate(undefined, undefined))).toBeUndefined();
  });

  it('a name must match whole: no prefix, no substring, no wildcard', () => {
    expect(registry.identify(certificate('core-10', undefined))).toBeUndefined();
    expect(registry.identify(certificate('x', 'DNS:*.isp.example'))).toBeUndefined();
    expect(registry.identify(certificate('xcore-1', 'DNS:edge.isp.example.evil'))).toBeUndefined();
  });

  it('certificateNames: every CN, then the subjectAltName DNS and IP entries', () => {
    expect(certificateNames(certificate(['a', 'b'], 'DNS:c, IP Address:192.0.2.9, email:x@y'))).toEqual(['a', 'b', 'c', '192.0.2.9']);
  });
});

describe('describeCertificate (what the refusal line says)', () => {
  it('control characters become spaces and each field is cut to 200 characters', () => {
    const hostile = certificate(`evil\nnas="forged"\u001b[2J${'x'.repeat(500)}`, `DNS:a\r\nb`);
    const summary = describeCertificate(hostile);
    expect(summary.subject).not.toMatch(/[\u0000-\u001f]/);
    expect(summary.subject.startsWith('CN=evil nas="forged" [2J')).toBe(true);
    expect(summary.subject.length).toBeLessThanOrEqual(201);
    expect(summary.altNames).toBe('DNS:a b');
    expect(summary.issuer).toBe('CN=radgate RadSec CA');
    expect(summary.fingerprint).toBe(PIN_A);
  });
});
