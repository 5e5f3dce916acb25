/**
 * RADIUS clients (NASes) by source address: the one lookup that yields a secret (docs/radius-protocol.md §2).
 * Unknown sources are the caller's to drop. Holds the per-client BlastRADIUS state learned in `auto` mode.
 */
import { isIPv4 } from 'node:net';
import { parseCidr, parseIp, rangeContains, type IpRange } from '../ip.js';
import type { Secret } from './encode.js';

export type TriState = 'yes' | 'no' | 'auto';

export interface ClientDefinition<T> {
  name: string;
  /** An IP address or a CIDR block. */
  address: string;
  secret: Secret;
  requireMessageAuthenticator: TriState;
  limitProxyState: TriState;
  /** Whatever the application attaches (radgate: the NAS config with its workspace). */
  data: T;
}

export interface Client<T> extends ClientDefinition<T> {
  /** Learned in `auto` mode: undefined until the first verified packet decides. */
  learned: { requireMa?: boolean; limitProxyState?: boolean };
}

/** Strip the IPv4-mapped prefix a dual-stack socket reports (`::ffff:10.0.0.1`). */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

export class ClientRegistry<T> {
  private readonly exact = new Map<string, Client<T>>();
  private readonly ranges: Array<{ range: IpRange; client: Client<T> }> = [];

  constructor(definitions: readonly ClientDefinition<T>[], previous?: ClientRegistry<T>) {
    for (const definition of definitions) {
      // Keep what `auto` learned across a reload as long as the client keeps its name and mode.
      const before = previous?.byName(definition.name);
      const learned =
        before &&
        before.requireMessageAuthenticator === definition.requireMessageAuthenticator &&
        before.limitProxyState === definition.limitProxyState
          ? before.learned
          : {};
      const client: Client<T> = { ...definition, learned };
      // A single address is a map hit (the common case, no parsing per datagram); a range is matched by value.
      if (!definition.address.includes('/')) this.exact.set(normaliseAddress(definition.address), client);
      else this.ranges.push({ range: parseCidr(definition.address), client });
    }
  }

  lookup(address: string): Client<T> | undefined {
    const normalised = normaliseAddress(address);
    const hit = this.exact.get(normalised);
    if (hit) return hit;
    if (this.ranges.length === 0) return undefined;
    const ip = parseIp(normalised);
    if (ip === undefined) return undefined;
    for (const { range, client } of this.ranges) if (rangeContains(range, ip)) return client;
    return undefined;
  }

  byName(name: string): Client<T> | undefined {
    for (const client of this.exact.values()) if (client.name === name) return client;
    return this.ranges.find((r) => r.client.name === name)?.client;
  }

  all(): Client<T>[] {
    return [...this.exact.values(), ...this.ranges.map((r) => r.client)];
  }
}
