/**
 * A router-local subscriber's entry as enforcement, reconcile and the imports all handle it (docs/mixed-fleet.md,
 * docs/migrating-router-secrets.md): where each service keeps its entries and live sessions, the comment tag
 * `radgate:<username>`, the marker of an entry being moved to RADIUS, and RouterOS's booleans as the API prints them.
 */
import type { RouterService } from '../config/index.js';
import { TAG_PREFIX } from './desired.js';

/** Where each service's entries and live sessions are on the router, and how a message names the entry's menu. */
export const ENTRY_MENUS: Readonly<Record<RouterService, { readonly entries: string; readonly active: string; readonly activeUser: string; readonly label: string }>> = {
  ppp: { entries: '/ppp/secret', active: '/ppp/active', activeUser: 'name', label: '/ppp secret' },
  hotspot: { entries: '/ip/hotspot/user', active: '/ip/hotspot/active', activeUser: 'user', label: '/ip hotspot user' },
};

/** An entry that `radgate import router-secrets --as radius` disabled on its way to RADIUS. */
export const MIGRATING_COMMENT = `${TAG_PREFIX}migrating`;

/** The comment radgate gives a subscriber's entry. */
export const entryTag = (username: string): string => `${TAG_PREFIX}${username}`;

/** An empty comment or one radgate wrote is radgate's to (re)write; anything else is an operator's, left alone. */
export const radgateMayTag = (comment: string | undefined): boolean => (comment ?? '') === '' || (comment ?? '').startsWith(TAG_PREFIX);

/** RouterOS prints booleans as `true`/`false` over the API and `yes`/`no` in the terminal. */
export const isYes = (value: string | undefined): boolean => value === 'true' || value === 'yes';
