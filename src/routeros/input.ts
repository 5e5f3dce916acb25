/**
 * @module routeros/input
 * From the loaded config to the `RouterInput` of one NAS: finds the NAS and its workspace, checks that everything a
 * router configuration needs is configured (the `router:` section, fixed ports) and resolves the redirect target.
 * Every problem is a `RadgateError` naming the NAS and the key to set.
 */

import type { Config, NasConfig } from '../config/index.js';
import { RadgateError } from '../errors.js';
import { desiredConfiguration, type DesiredConfiguration, type RouterInput } from './desired.js';
import { redirectTarget, type Resolver } from './redirect-target.js';

/** The NAS called `name`, or a `NAS_UNKNOWN` error listing the configured ones. */
export function findNas(config: Config, name: string): NasConfig {
  const nas = config.nas.find((n) => n.name === name);
  if (nas === undefined) {
    const known = config.nas.map((n) => n.name).join(', ') || 'none';
    throw new RadgateError('NAS_UNKNOWN', `unknown NAS "${name}" (nas.yaml defines: ${known})`);
  }
  return nas;
}

function render(message: string): RadgateError {
  return new RadgateError('ROUTER_RENDER', message);
}

export async function routerInput(config: Config, nasName: string, resolve: Resolver): Promise<RouterInput> {
  const nas = findNas(config, nasName);
  const router = nas.router;
  if (router === undefined) {
    throw render(`NAS "${nas.name}" has no router: section in nas.yaml; add one with at least radgate_address (radgate's address as the router reaches it)`);
  }
  const workspace = config.workspaceById.get(nas.workspace);
  if (workspace === undefined) throw new RadgateError('WORKSPACE_UNKNOWN', `NAS "${nas.name}": unknown workspace "${nas.workspace}"`);
  const { authPort, acctPort, captivePort } = config.server;
  for (const [key, port] of [['auth_port', authPort], ['acct_port', acctPort], ['captive_port', captivePort]] as const) {
    if (port === 0) throw render(`NAS "${nas.name}": server.${key} is 0 (any free port); a router needs radgate's real port`);
  }
  const target = await redirectTarget(
    { workspace: workspace.id, nas: nas.name, reminderHost: workspace.reminderHost, redirectIp: workspace.redirectIp },
    resolve,
  );
  const allowedHosts = [...new Set([workspace.reminderHost, ...workspace.paymentAllowlist].filter((h): h is string => h !== undefined).map((h) => h.toLowerCase()))];
  return {
    nasName: nas.name,
    workspaceId: workspace.id,
    secret: nas.secret,
    coaPort: nas.coaPort,
    router,
    radgateAuthPort: authPort,
    radgateAcctPort: acctPort,
    expiredProfile: workspace.expiredProfile,
    allowedHosts,
    redirect: { ip: target.ip, port: captivePort, origin: target.origin },
    ...radsecInput(config, nas),
  };
}

/** RadSec (docs/radsec.md): the listener's real port and the certificate's name on the router. */
function radsecInput(config: Config, nas: NasConfig): Pick<RouterInput, 'radsec'> {
  if (nas.radsec === undefined) return {};
  const listener = config.server.radsec;
  if (listener === undefined) throw render(`NAS "${nas.name}" has radsec: but server.yaml has no server.radsec section`);
  if (listener.port === 0) throw render(`NAS "${nas.name}": server.radsec.port is 0 (any free port); a router needs radgate's real port`);
  return { radsec: { port: listener.port, certificate: nas.radsec.certificate, coa: nas.radsec.coa } };
}

/** The desired configuration of `nasName` from the config (resolving the reminder host with `resolve`). */
export async function desiredFor(config: Config, nasName: string, resolve: Resolver): Promise<DesiredConfiguration> {
  return desiredConfiguration(await routerInput(config, nasName, resolve));
}
