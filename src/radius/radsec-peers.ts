/**
 * Which NAS a RadSec client certificate belongs to (docs/radsec.md, Identifying the NAS). The certificate has
 * already been verified against the configured CA; this only names its owner: by the SHA-256 pin, by a name (the
 * subject CN, or a subjectAltName DNS name or IP address), or by both — then both must match. No match: the caller
 * closes the connection. Certificate texts come from the peer: `describeCertificate` bounds them for the log.
 */
import type { PeerCertificate } from 'node:tls';
import type { Client } from './clients.js';

export interface RadsecPeerDefinition<T> {
  /** `AB:CD:…` (Node's `fingerprint256` form), or undefined. */
  readonly fingerprint: string | undefined;
  /** A CN or subjectAltName DNS/IP to match exactly (DNS names case-insensitively), or undefined. */
  readonly subject: string | undefined;
  /** The RADIUS client the NAS's packets are checked and answered as (its secret is `radsec`). */
  readonly client: Client<T>;
}

/** What the log says about a certificate: short, printable, never more than it needs. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  fingerprint: string;
  altNames?: string;
  validTo?: string;
}

const FIELD_LIMIT = 200;

function clean(text: unknown): string {
  const value = typeof text === 'string' ? text : Array.isArray(text) ? text.join(',') : '';
  const printable = value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return printable.length > FIELD_LIMIT ? `${printable.slice(0, FIELD_LIMIT)}…` : printable;
}

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return clean(Object.entries(name).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`).join(', '));
}

export function describeCertificate(certificate: PeerCertificate): CertificateSummary {
  const summary: CertificateSummary = {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    fingerprint: clean(certificate.fingerprint256),
  };
  if (certificate.subjectaltname) summary.altNames = clean(certificate.subjectaltname);
  if (certificate.valid_to) summary.validTo = clean(certificate.valid_to);
  return summary;
}

/** The names a certificate carries: its CN(s), then its subjectAltName DNS names and IP addresses. */
export function certificateNames(certificate: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = certificate.subject?.CN;
  for (const value of Array.isArray(cn) ? cn : cn === undefined ? [] : [cn]) names.push(String(value));
  for (const entry of (certificate.subjectaltname ?? '').split(/,\s*/)) {
    const match = /^(DNS|IP Address):(.+)$/.exec(entry.trim());
    if (match) names.push(match[2]!);
  }
  return names;
}

function nameMatches(wanted: string, names: readonly string[]): boolean {
  const lower = wanted.toLowerCase();
  return names.some((name) => name === wanted || name.toLowerCase() === lower);
}

export class RadsecPeerRegistry<T> {
  constructor(private readonly peers: readonly RadsecPeerDefinition<T>[]) {}

  /** The client the certificate identifies, or undefined (no NAS is configured for it). */
  identify(certificate: PeerCertificate): Client<T> | undefined {
    const fingerprint = certificate.fingerprint256?.toUpperCase();
    const names = certificateNames(certificate);
    for (const peer of this.peers) {
      if (peer.fingerprint !== undefined && peer.fingerprint !== fingerprint) continue;
      if (peer.subject !== undefined && !nameMatches(peer.subject, names)) continue;
      if (peer.fingerprint === undefined && peer.subject === undefined) continue; // never matches everything
      return peer.client;
    }
    return undefined;
  }

  byName(name: string): Client<T> | undefined {
    return this.peers.find((p) => p.client.name === name)?.client;
  }

  get size(): number {
    return this.peers.length;
  }
}
