/**
 * @module subscribers/local-auth
 * Where a subscriber logs in (docs/mixed-fleet.md): `radius` (the default: the router asks radgate) or `local` on a
 * NAS — the router's own `/ppp secret` (service `ppp`) or `/ip hotspot user` (`hotspot`), under the subscriber's
 * username or a router-side name of its own. One rule for every way in (CLI, admin API, CSV, imports).
 */
import { LOCAL_SERVICES, type LocalService, type SubscriberAuthSource } from '../db/schema.js';

export interface LocalAuthFields {
  auth?: SubscriberAuthSource | undefined;
  /** nas.yaml name; required with `local`. */
  localNas?: string | null | undefined;
  /** The entry's name on the router when it differs from the username; null/undefined = the username. */
  localName?: string | null | undefined;
  /** Default `ppp` with `local`. */
  localService?: LocalService | null | undefined;
}

/** What the subscriber catalog must answer for the check: the workspace of a NAS, undefined when none is named so. */
export type NasWorkspaceOf = (nasName: string) => string | undefined;

const ROUTER_ENTRY_NAME = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,253}$/;

/** `field: reason` problems (empty when valid). */
export function validateLocalAuth(input: LocalAuthFields, workspaceId: string, nasWorkspace: NasWorkspaceOf): string[] {
  const auth = input.auth ?? 'radius';
  if (auth !== 'radius' && auth !== 'local') return ['auth: radius or local'];
  if (auth === 'radius') {
    const stray = [input.localNas && 'local_nas', input.localName && 'local_name', input.localService && 'local_service'].filter(Boolean);
    return stray.map((field) => `${field}: only for auth local`); // one problem per field: the API names each
  }
  const problems: string[] = [];
  if (!input.localNas) problems.push('local_nas: required with auth local (the NAS whose router holds the entry)');
  else {
    const owner = nasWorkspace(input.localNas);
    if (owner === undefined) problems.push(`local_nas: no NAS named "${input.localNas}" in nas.yaml`);
    else if (owner !== workspaceId) problems.push(`local_nas: NAS "${input.localNas}" serves workspace ${owner}, not ${workspaceId}`);
  }
  if (input.localName !== undefined && input.localName !== null && !ROUTER_ENTRY_NAME.test(input.localName)) {
    problems.push('local_name: 1–253 characters, no control characters');
  }
  if (input.localService !== undefined && input.localService !== null && !LOCAL_SERVICES.includes(input.localService)) {
    problems.push(`local_service: one of ${LOCAL_SERVICES.join(', ')}`);
  }
  return problems;
}

/**
 * The fields after a change (`set-auth`, an API update): what is given replaces, null clears; what is not given
 * stays while the subscriber stays local (a new `local_name` keeps the NAS). Moving to `radius` keeps nothing, so only
 * local fields given with it are reported as stray.
 */
export function changedLocalAuth(current: LocalAuthFields, change: LocalAuthFields): LocalAuthFields {
  const auth = change.auth ?? current.auth ?? 'radius';
  const stays = auth === 'local' && current.auth === 'local';
  const pick = <K extends 'localNas' | 'localName' | 'localService'>(key: K): LocalAuthFields[K] =>
    change[key] !== undefined ? change[key] : stays ? current[key] : undefined;
  return { auth, localNas: pick('localNas'), localName: pick('localName'), localService: pick('localService') };
}

/** The columns to write for valid fields; `radius` clears the local ones. */
export function localAuthValues(input: LocalAuthFields) {
  if ((input.auth ?? 'radius') === 'radius') return { auth: 'radius' as const, localNas: null, localName: null, localService: null };
  return { auth: 'local' as const, localNas: input.localNas!, localName: input.localName || null, localService: input.localService ?? 'ppp' };
}
