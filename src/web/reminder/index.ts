/**
 * Reminder pages behind signed links, and the captive redirect. What the rest of radgate uses:
 * `LinkKeyRing.open` (keys), `reminderLink` (the URL for a subscriber: CLI, admin API, captive redirect),
 * `createReminderRoutes` (mounted on the main web app) and `createCaptiveApp` (its own listener).
 */
export { createCaptiveApp, defaultLookup, type AddressLookup, type CaptiveOptions } from './captive.js';
export { DEFAULT_KEY_FILE, LinkKeyRing } from './keys.js';
export { reminderLink, reminderPath, workspacePath, workspaceUrl, type ReminderLink } from './links.js';
export { createReminderRoutes, PAGE_HEADERS, type ReminderRoutesOptions } from './routes.js';
export { signLink, tokenFingerprint, verifyLink, type LinkCheck, type LinkClaims, type LinkSubject } from './tokens.js';
