/**
 * @module cli/doctor/router
 * The checks on a router with RouterOS API access (nas.yaml `api:`): it answers and logs radgate in, runs a RouterOS
 * version whose `require-message-auth` (7.15+, docs/routeros.md §4) agrees with the NAS's
 * `require_message_authenticator`, and holds the configuration `router-apply` would write. That last part is not a
 * second implementation: the desired state (routeros/desired.ts) is read against the router and planned exactly as
 * `router-apply --dry-run` plans it (routeros/diff.ts); every planned operation is a problem, grouped per menu, and
 * the fix is `radgate router-apply NAS`.
 */
import type { Config, NasApiConfig, NasConfig } from '../../config/index.js';
import { endpointOf, RouterOsClient, type RouterOsApi } from '../../routeros/api.js';
import { readRouterState } from '../../routeros/apply.js';
import { ALLOW_LIST, TAG_PREFIX, type DesiredConfiguration } from '../../routeros/desired.js';
import { diffRouter, type Change, type Operation, type RouterDiff, type RouterRow } from '../../routeros/diff.js';
import { desiredFor } from '../../routeros/input.js';
import type { Resolver } from '../../routeros/redirect-target.js';
import { fail, ok, warn, type CheckResult } from './result.js';

/** The menus radgate configures, in the order the doctor reports them, and what each is for. */
const GROUPS: readonly { readonly path: string; readonly label: string }[] = [
  { path: '/radius', label: '/radius' },
  { path: '/radius/incoming', label: '/radius incoming' },
  { path: '/ppp/aaa', label: '/ppp aaa' },
  { path: '/ppp/profile', label: 'expired profile' },
  { path: '/ip/firewall/address-list', label: 'payment allowlist' },
  { path: '/ip/firewall/nat', label: 'unpaid redirect (nat)' },
  { path: '/ip/firewall/filter', label: 'unpaid filter' },
  { path: '/ip/hotspot/walled-garden', label: 'walled garden' },
  { path: '/ip/hotspot/walled-garden/ip', label: 'walled garden ip' },
];

/** RouterOS 7.15 added `require-message-auth` (docs/routeros.md §4). */
const MESSAGE_AUTH_SINCE: readonly [number, number] = [7, 15];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function change(c: Change): string {
  if (c.secret || c.to.includes('\n') || (c.from ?? '').includes('\n')) return `${c.name} differs`;
  return `${c.name} is ${c.from === undefined || c.from === '' ? '(unset)' : c.from}, want ${c.to === '' ? '(unset)' : c.to}`;
}

/** A planned operation as a problem, in a few words; never a secret's value. */
function problem(op: Operation): string {
  switch (op.kind) {
    case 'add':
      return `${op.key} missing`;
    case 'set':
      return `${op.key}: ${op.changes.map(change).join(', ')}`;
    case 'settings':
      return op.changes.map(change).join(', ');
    case 'move':
      return `${op.key} sits below ${op.label}`;
    case 'remove':
      return `${op.key} is left over (${op.reason})`;
  }
}

/** One result per menu of the plan. */
export function describeDrift(nas: string, model: DesiredConfiguration, plan: RouterDiff): CheckResult[] {
  const apply = `radgate router-apply ${nas}`;
  const results: CheckResult[] = [];
  for (const { path, label } of GROUPS) {
    const name = `router ${nas} ${label}`;
    const objects = model.objects.filter((o) => o.path === path).length;
    const settings = model.settings.some((s) => s.path === path);
    const operations = plan.operations.filter((op) => op.path === path);
    const conflicts = plan.conflicts.filter((c) => c.startsWith(`${path} `));
    const notes = plan.notes.filter((n) => n.startsWith(`${path} `) || n.startsWith(`${path}:`));
    if (objects === 0 && !settings && operations.length === 0) continue;
    if (conflicts.length > 0) {
      results.push(fail(name, conflicts.join('; '), `resolve the conflict on the router, then ${apply}`));
      continue;
    }
    const wrong = operations.filter((op) => op.kind !== 'remove');
    if (wrong.length > 0) {
      results.push(fail(name, wrong.map(problem).join('; '), apply));
      continue;
    }
    if (operations.length > 0) {
      results.push(warn(name, operations.map(problem).join('; '), apply));
      continue;
    }
    if (notes.length > 0) {
      results.push(warn(name, notes.map((n) => n.slice(n.indexOf(': ') + 2)).join('; '), 'give the API user\'s group the "sensitive" policy (/user group)'));
      continue;
    }
    results.push(ok(name, settings ? 'as configured' : `${objects} object(s) as configured${path.startsWith('/ip/firewall/') ? ', tagged and in order' : ''}`));
  }
  return results;
}

/** `7.16.2 (stable)` → [7, 16]; undefined when unreadable. */
export function routerOsVersion(text: string | undefined): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(text ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The RouterOS version against radgate's `require_message_authenticator` for this NAS. */
export function checkMessageAuth(nas: NasConfig, versionText: string | undefined, radiusRow: RouterRow | undefined): CheckResult {
  const name = `router ${nas.name} require-message-auth`;
  const version = routerOsVersion(versionText);
  if (version === undefined) return warn(name, `cannot read the RouterOS version (${versionText ?? 'none'})`, 'check /system resource print on the router');
  const [major, minor] = version;
  const [sinceMajor, sinceMinor] = MESSAGE_AUTH_SINCE;
  const shown = versionText!.split(' ')[0]!;
  const setting = `require_message_authenticator: ${nas.requireMessageAuthenticator}`;
  if (major < sinceMajor || (major === sinceMajor && minor < sinceMinor)) {
    if (nas.requireMessageAuthenticator === 'yes') {
      return fail(name, `RouterOS ${shown} predates require-message-auth (7.15) and may send Access-Requests without Message-Authenticator, which radgate drops (${setting})`,
        `set require_message_authenticator: auto for NAS ${nas.name} in nas.yaml, or upgrade RouterOS to 7.15 or later`);
    }
    return warn(name, `RouterOS ${shown} predates require-message-auth (7.15): the router accepts replies without Message-Authenticator (BlastRADIUS, CVE-2024-3596)`,
      'upgrade RouterOS to 7.15 or later');
  }
  const value = radiusRow?.['require-message-auth'] ?? 'yes-for-request-resp';
  if (value === 'no') {
    return warn(name, `RouterOS ${shown} has require-message-auth=no on radgate's /radius entry: it accepts replies without Message-Authenticator (BlastRADIUS, CVE-2024-3596)`,
      `/radius set [find comment="${TAG_PREFIX}radius"] require-message-auth=yes-for-request-resp (radgate signs every reply)`);
  }
  if (nas.requireMessageAuthenticator === 'no') {
    return warn(name, `RouterOS ${shown}, require-message-auth=${value}; radgate accepts this NAS's Access-Requests without Message-Authenticator (${setting})`,
      `set require_message_authenticator: auto for NAS ${nas.name} in nas.yaml`);
  }
  return ok(name, `RouterOS ${shown}, require-message-auth=${value}; radgate ${setting}`);
}

/** The allowlisted host names the router must resolve (DNS names in radgate-allow), resolved from here. */
async function checkAllowlist(nas: string, model: DesiredConfiguration, resolve: Resolver): Promise<CheckResult> {
  const name = `router ${nas} payment allowlist names`;
  const hosts = model.objects.filter((o) => o.path === '/ip/firewall/address-list').map((o) => o.properties.find((p) => p.name === 'address')!.value);
  const failed: string[] = [];
  for (const host of hosts) {
    try {
      if ((await resolve(host)).length === 0) failed.push(`${host} (no address)`);
    } catch (err) {
      failed.push(`${host} (${(err as NodeJS.ErrnoException).code ?? message(err)})`);
    }
  }
  if (failed.length > 0) {
    return fail(name, `${failed.join(', ')} does not resolve: the router cannot put it in ${ALLOW_LIST}, so unpaid subscribers cannot reach it`,
      'correct the name in workspaces.yaml payment_allowlist (or its DNS), then radgate router-apply ' + nas);
  }
  return ok(name, hosts.length === 0 ? 'no host names to resolve' : `${hosts.join(', ')} resolve`);
}

/** Every router check for one NAS with `api:`. */
export async function checkRouter(config: Config, nas: NasConfig & { api: NasApiConfig }, resolve: Resolver, api?: RouterOsApi): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let model: DesiredConfiguration | undefined;
  if (nas.router === undefined) {
    results.push(warn(`router ${nas.name} configuration`, 'not compared: the NAS has no router: section in nas.yaml, so radgate does not know what the router should hold',
      `add router: (at least radgate_address) for ${nas.name} in nas.yaml, then radgate router-apply ${nas.name}`));
  } else {
    try {
      model = await desiredFor(config, nas.name, resolve);
    } catch (err) {
      results.push(fail(`router ${nas.name} desired state`, message(err), `correct it, then radgate router-apply ${nas.name}`));
    }
  }
  const client = api ?? new RouterOsClient(endpointOf(nas.name, nas.api));
  try {
    let version: string | undefined;
    try {
      version = (await client.run('/system/resource/print')).rows[0]?.['version'];
    } catch (err) {
      results.unshift(fail(`router ${nas.name} api`, `${nas.api.host}:${nas.api.port}: ${message(err)}`,
        `check nas.yaml api: (host, port, user, password) for ${nas.name}, and /ip service api (or api-ssl) on the router`));
      return results;
    }
    results.unshift(ok(`router ${nas.name} api`, `${nas.api.host}:${nas.api.port}${nas.api.tls ? ' (TLS)' : ''}, logged in as ${nas.api.user}`));
    if (model === undefined) {
      results.push(checkMessageAuth(nas, version, undefined));
      return results;
    }
    const state = await readRouterState(client, model);
    const radiusRow = (state.tables.get('/radius') ?? []).find((row) => row['comment'] === `${TAG_PREFIX}radius`);
    results.push(...describeDrift(nas.name, model, diffRouter(model, state)));
    results.push(checkMessageAuth(nas, version, radiusRow));
    results.push(await checkAllowlist(nas.name, model, resolve));
    return results;
  } catch (err) {
    results.push(fail(`router ${nas.name} api`, `reading the router failed: ${message(err)}`, `check the API user's policies (read) for ${nas.name}`));
    return results;
  } finally {
    if (api === undefined) await client.close();
  }
}
