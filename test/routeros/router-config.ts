/**
 * Config dirs for the router tests: the example config with the values the rendered RouterOS configuration depends
 * on pinned (edited through the YAML documents, so other keys of the example may change freely), plus two routers:
 * `core-1` (PPPoE) and `hs-1` (HotSpot). And a resolver the tests control (no real DNS).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { EXAMPLE_CONFIG } from '../helpers/config.js';
import type { Resolver } from '../../src/routeros/redirect-target.js';

/** A shared secret with every character RouterOS strings must escape. */
export const TRICKY_SECRET = 'k7Qe"9x$2L\\mP4?vB8nZ';

export interface RouterConfigOptions {
  /** workspaces[0] overrides (YAML keys). `undefined` values delete the key. */
  workspace?: Record<string, unknown>;
  /** Extra keys for core-1 (e.g. an `api:` section). */
  core?: Record<string, unknown>;
  /** core-1 `router:` overrides. */
  coreRouter?: Record<string, unknown>;
}

const made: string[] = [];

export function removeRouterConfigs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function editYaml(file: string, edit: (doc: Record<string, unknown>) => void): void {
  const doc = YAML.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(doc);
  writeFileSync(file, YAML.stringify(doc));
}

export function routerConfig(options: RouterConfigOptions = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'radgate-router-'));
  made.push(dir);
  cpSync(EXAMPLE_CONFIG, dir, { recursive: true });
  editYaml(path.join(dir, 'server.yaml'), (doc) => {
    const server = (doc['server'] ??= {}) as Record<string, unknown>;
    Object.assign(server, { auth_port: 1812, acct_port: 1813, captive_port: 8081 });
  });
  editYaml(path.join(dir, 'workspaces.yaml'), (doc) => {
    const workspace = (doc['workspaces'] as Array<Record<string, unknown>>)[0]!;
    workspace['id'] = 'default';
    workspace['reminder_host'] = 'pay.isp.example';
    workspace['payment_url'] = 'https://pay.isp.example/checkout?account={account}';
    workspace['payment_allowlist'] = ['checkout.gateway.example', 'cdn.gateway.example'];
    delete workspace['redirect_ip'];
    workspace['expired_profile'] = { group: 'expired', address_list: 'radgate-unpaid', rate_limit: '256k/256k' };
    for (const [key, value] of Object.entries(options.workspace ?? {})) {
      if (value === undefined) delete workspace[key];
      else workspace[key] = value;
    }
  });
  editYaml(path.join(dir, 'nas.yaml'), (doc) => {
    const list = doc['nas'] as Array<Record<string, unknown>>;
    list.push(
      {
        name: 'core-1',
        address: '10.0.0.1',
        secret: TRICKY_SECRET,
        workspace: 'default',
        coa_port: 3799,
        ...options.core,
        router: { services: ['ppp'], radgate_address: '192.0.2.10', src_address: '10.0.0.1', ...options.coreRouter },
      },
      {
        name: 'hs-1',
        address: '10.0.0.2',
        secret: 'h0tsp0t-Secret-0123',
        workspace: 'default',
        coa_port: 1700,
        router: { services: ['hotspot'], radgate_address: '192.0.2.10', radius_timeout: '1s' },
      },
    );
  });
  return dir;
}

/** A resolver answering from `table`; unknown names fail like getaddrinfo (ENOTFOUND). Counts lookups. */
export function fakeResolver(table: Record<string, readonly string[]>): Resolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolve = async (host: string): Promise<readonly string[]> => {
    lookups.push(host);
    const answer = table[host];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolve, { lookups });
}

/** The resolver for the golden files: the reminder host at a documentation address. */
export const goldenResolver = () => fakeResolver({ 'pay.isp.example': ['198.51.100.20'] });
