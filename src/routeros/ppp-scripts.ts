/**
 * @module routeros/ppp-scripts
 * The expired PPP profile's on-up / on-down scripts, which keep the unpaid address list exact across reconnects and
 * timing gaps (docs/routeros.md §6). Entries they manage carry `comment="radgate-user:<user>"` — deliberately NOT the
 * `radgate:` prefix, so `router-apply` never mistakes them for configuration it should remove.
 *
 * - on-up: remove this user's older static entries (a session whose on-down never ran: reboot, race) and any static
 *   radgate-user entry for the same address (a pool address now held by someone else), then add the session's
 *   `$"remote-address"`. The add is guarded: the profile's own dynamic entry for the same address may be there first.
 * - on-down: remove this user's entry for this session's address only, so a quick reconnect that already ran the new
 *   on-up (with a new address) keeps its entry.
 *
 * Variables RouterOS provides here: `$user`, `$"remote-address"`, `$"local-address"`, `$"caller-id"`,
 * `$"called-id"`, `$interface`.
 */

import { quote } from './rsc.js';

/** Comment prefix of the entries the scripts manage (reconcile reads and writes the same). */
export const USER_TAG_PREFIX = 'radgate-user:';

export function onUpScript(addressList: string): string {
  return [
    `:local radgateList ${quote(addressList)}`,
    `:local radgateTag (${quote(USER_TAG_PREFIX)} . $user)`,
    ':local radgateAddress [:tostr $"remote-address"]',
    '/ip firewall address-list remove [find where list=$radgateList and dynamic=no and (comment=$radgateTag or (address=$radgateAddress and comment~"^radgate-user:"))]',
    ':do { /ip firewall address-list add list=$radgateList address=$radgateAddress comment=$radgateTag } on-error={ :log warning ("radgate: could not list " . $radgateAddress . " for " . $user) }',
  ].join('\n');
}

export function onDownScript(addressList: string): string {
  return [
    `:local radgateList ${quote(addressList)}`,
    `:local radgateTag (${quote(USER_TAG_PREFIX)} . $user)`,
    ':local radgateAddress [:tostr $"remote-address"]',
    '/ip firewall address-list remove [find where list=$radgateList and dynamic=no and comment=$radgateTag and address=$radgateAddress]',
  ].join('\n');
}
