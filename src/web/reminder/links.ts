/**
 * Reminder links for a subscriber: `https://<workspace reminder_host>/r/<token>`. One function for every issuer —
 * `radgate reminder-link`, the admin API, the captive redirect — so they all make the same link. The host always
 * comes from config, never from a request.
 */
import type { WorkspaceConfig } from '../../config/index.js';
import { RadgateError } from '../../errors.js';
import type { LinkKeyRing } from './keys.js';
import { signLink } from './tokens.js';

export interface ReminderLink {
  readonly url: string;
  readonly expiresAt: Date;
  readonly keyId: string;
}

/** The path of a reminder page for `token` (also what the web app routes). */
export const reminderPath = (token: string) => `/r/${token}`;
/** The path of a workspace's generic page (no subscriber known). */
export const workspacePath = (workspaceId: string) => `/w/${workspaceId}`;

export async function reminderLink(
  ring: LinkKeyRing,
  workspace: WorkspaceConfig,
  subscriber: { readonly id: number; readonly accountNumber: string },
  options: { lifetimeSeconds?: number; now?: Date } = {},
): Promise<ReminderLink> {
  if (workspace.reminderHost === undefined) {
    throw new RadgateError('REMINDER_UNAVAILABLE', `workspace ${workspace.id} has no reminder_host (workspaces.yaml)`);
  }
  const { token, claims } = await signLink(
    ring,
    { workspaceId: workspace.id, subscriberId: subscriber.id, accountNumber: subscriber.accountNumber },
    { lifetimeSeconds: options.lifetimeSeconds ?? workspace.reminder.linkLifetimeSeconds, ...(options.now ? { now: options.now } : {}) },
  );
  return { url: `https://${workspace.reminderHost}${reminderPath(token)}`, expiresAt: claims.expiresAt, keyId: claims.keyId };
}

/** The generic page of a workspace on its reminder host, or undefined when it has none. */
export function workspaceUrl(workspace: WorkspaceConfig): string | undefined {
  return workspace.reminderHost === undefined ? undefined : `https://${workspace.reminderHost}${workspacePath(workspace.id)}`;
}
