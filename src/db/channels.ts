/**
 * @module db/channels
 * The NOTIFY channels radgate instances use to tell each other that rows changed. A payload is a hint, never the
 * data: a listener re-reads what changed from its owning module, and a periodic re-read covers a lost notification.
 *
 * - `radgate_subscribers`: a subscriber id, or `*` for "re-read them all" (after bulk changes).
 * - `radgate_sessions`: `<instance>|<id>,<id>,…` — subscribers whose open sessions changed, and who changed them.
 * - `radgate_enforcement`: anything; enforcement workers wake and claim due jobs.
 */
export const SUBSCRIBER_CHANNEL = 'radgate_subscribers';
export const SESSIONS_CHANNEL = 'radgate_sessions';
export const ENFORCEMENT_CHANNEL = 'radgate_enforcement';
